"""``report.html``: one self-contained page a non-programmer can open, print or mail.

No external CSS, scripts, fonts or images: the style sits in a ``<style>`` tag and the charts
are inlined as SVG markup (their element ids prefixed per chart so they cannot clash). Every
piece of text from the data passes through :func:`html.escape`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from slimbench.engine.compare.results import Comparison, Measurement, VariantRecord
from slimbench.engine.report import analysis
from slimbench.engine.report import formatting as fmt
from slimbench.engine.report.charts import Chart
from slimbench.engine.report.models import (
    ModelFile,
    kind_words,
    needs_reshape_helper,
    plain_snippet,
    reshape_helper,
    slimbench_snippet,
)

_CSS = """
:root { --ink: #1d2329; --muted: #5b6670; --line: #dde2e7; --soft: #f5f7f9;
        --accent: #1f6feb; --bad: #b3261e; --bad-soft: #fdecea; --good: #1e7d32; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
       font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 32px 28px 64px; }
h1 { font-size: 30px; line-height: 1.2; margin: 0 0 6px; }
h2 { font-size: 21px; margin: 40px 0 12px; padding-bottom: 6px;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 22px 0 6px; }
p.meta { color: var(--muted); margin: 0; font-size: 14px; }
p.summary { font-size: 17px; background: var(--soft); border-left: 4px solid var(--accent);
            padding: 14px 18px; margin: 16px 0; border-radius: 0 6px 6px 0; }
.table-wrap { overflow-x: auto; }
.wide { width: min(100vw - 32px, 1440px); margin-left: 50%; transform: translateX(-50%); }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
table.results { font-size: 13.5px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 7px 8px; text-align: left;
         vertical-align: top; }
table.results th, table.results td { padding: 6px 7px; }
table.results thead th.num { white-space: normal; min-width: 64px; vertical-align: bottom; }
td.variant { min-width: 170px; max-width: 250px; }
td.variant small { margin-top: 2px; }
thead th { background: var(--soft); font-weight: 600; vertical-align: bottom; }
thead th.device { text-align: center; border-left: 2px solid #fff; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.first-of-device, th.first-of-device { border-left: 2px solid var(--line); }
small, .small { color: var(--muted); font-size: 12.5px; }
td small { display: block; }
tr.reference td { background: #f0f6ff; }
tr.below-floor td { background: var(--bad-soft); }
td.na { color: var(--muted); font-style: italic; text-align: center; cursor: help; }
td.below { color: var(--bad); font-weight: 600; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 3px;
          margin-right: 7px; vertical-align: baseline; }
.badge { display: inline-block; font-size: 11.5px; font-weight: 600; padding: 1px 7px;
         border-radius: 10px; margin-left: 6px; white-space: nowrap; }
.badge.reference { background: #dbe9ff; color: #174ea6; }
.badge.fail { background: var(--bad); color: #fff; }
.badge.pass { background: #e3f4e5; color: var(--good); }
.badge.resumed { background: #fff3cd; color: #7a5a00; }
ol.footnotes { font-size: 13.5px; color: var(--muted); padding-left: 22px; }
.glossary { font-size: 13.5px; color: var(--muted); }
dl.glossary, dl.machine { display: grid; grid-template-columns: minmax(120px, max-content) 1fr;
                          gap: 5px 24px; }
dl.glossary dt, dl.machine dt { font-weight: 600; color: var(--ink); }
dl.glossary dd, dl.machine dd { margin: 0; }
figure { margin: 26px 0; padding: 14px; border: 1px solid var(--line); border-radius: 8px; }
figure svg { display: block; width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 14px; margin-top: 6px; }
figcaption b { color: var(--ink); }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px;
      overflow-x: auto; font-size: 13px; line-height: 1.45; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
ul.notes { margin: 4px 0 10px; }
details { margin: 12px 0; }
summary { cursor: pointer; color: var(--accent); }
@media print { main { max-width: none; } figure { break-inside: avoid; } }
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _shown_path(output: object) -> str:
    """A path inside the report folder as given (steps/01-prune-…/model.pt), else its name."""
    path = Path(str(output))
    return path.name if path.is_absolute() else str(path)


def render(
    comparison: Comparison,
    *,
    title: str,
    created: str,
    version: str,
    charts: list[Chart],
    steps: list[dict[str, Any]] | None,
    auto: Mapping[str, Any] | None,
    recipe: Mapping[str, Any] | None,
    models: list[ModelFile],
) -> str:
    colours = analysis.variant_colours(comparison)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Report made by Slimbench {_e(version)} on {_e(_when(created))}.</p>',
        '<section id="summary">',
        f'<p class="summary">{_e(analysis.summary(comparison))}</p>',
        "</section>",
    ]
    if steps:
        parts.append(_steps_section(steps))
    if auto:
        parts.append(_auto_section(auto))
    parts.append(_results_section(comparison, colours))
    if charts:
        parts.append(_charts_section(charts))
    parts.append(_notes_section(comparison, colours))
    parts.append(_models_section(models))
    parts.append(_machine_section(comparison))
    if recipe:
        parts.append(_recipe_section(recipe))
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _when(created: str) -> str:
    return created.replace("T", " at ", 1)


# --- steps and search -------------------------------------------------------------------------


def _steps_section(steps: list[dict[str, Any]]) -> str:
    rows = []
    total = 0.0
    for position, step in enumerate(steps, start=1):
        seconds = step.get("seconds")
        if isinstance(seconds, (int, float)):
            total += seconds
        badge = (' <span class="badge resumed" title="This step was not run again: its result '
                 'was kept from an earlier run.">resumed</span>' if step.get("resumed") else "")
        output = step.get("output")
        notes = "".join(f"<li>{_e(note)}</li>" for note in step.get("notes") or [])
        rows.append(
            "<tr>"
            f'<td class="num">{_e(step.get("index", position))}</td>'
            f"<td>{_e(step.get('technique', ''))}{badge}</td>"
            f"<td>{_e(step.get('description', ''))}"
            + (f'<ul class="notes small">{notes}</ul>' if notes else "")
            + "</td>"
            f'<td class="num">{_e(fmt.duration(seconds) if seconds is not None else "n/a")}</td>'
            f"<td>{_e(_shown_path(output)) if output else '<small>none</small>'}</td>"
            "</tr>"
        )
    return (
        '<section id="steps"><h2>What was done</h2>'
        '<div class="table-wrap"><table><thead><tr><th class="num">#</th><th>Step</th>'
        '<th>What it did</th><th class="num">Time</th><th>Saved as</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        f'<p class="small">Total time of the steps: {_e(fmt.duration(total))}.</p></section>'
    )


def _auto_section(auto: Mapping[str, Any]) -> str:
    target = auto.get("target") or {}
    tried = [str(name) for name in auto.get("tried") or []]
    chosen = {str(name) for name in auto.get("chosen") or []}
    items = "".join(
        f"<dt>{_e(str(key).replace('_', ' '))}</dt><dd>{_e(value)}</dd>"
        for key, value in (target.items() if isinstance(target, Mapping) else [])
    )
    tried_items = "".join(
        f"<li>{_e(name)}"
        + (' <span class="badge pass">kept</span>' if name in chosen else "")
        + "</li>" for name in tried
    )
    kept = ", ".join(sorted(chosen)) or "none"
    return (
        '<section id="auto"><h2>Automatic search</h2>'
        "<p>Slimbench tried several ways of slimming the model and kept those that reach the "
        "target with the best trade-off between speed and quality.</p>"
        f'<h3>Target</h3><dl class="machine">{items or "<dt>target</dt><dd>none</dd>"}</dl>'
        f"<h3>Tried ({len(tried)})</h3><ul>{tried_items or '<li>none</li>'}</ul>"
        f"<p>Kept: {_e(kept)}.</p></section>"
    )


# --- the results table ------------------------------------------------------------------------

_COLUMNS = ("latency", "throughput", "roofline", "accuracy", "top1")
_COLUMN_TITLES = {
    "latency": "Time per batch",
    "throughput": "Throughput (per s)",
    "roofline": "Hardware use",
    "accuracy": "Accuracy",
    "top1": "Top-1 agreement",
}


def _has(column: str, measurement: Measurement) -> bool:
    if measurement.error:
        return False
    if column == "latency":
        return bool(measurement.latency_ms)
    if column == "throughput":
        return measurement.throughput_per_s is not None
    if column == "roofline":
        return measurement.roofline is not None
    if column == "accuracy":
        return measurement.accuracy is not None
    return analysis.top1(measurement) is not None


def _device_columns(comparison: Comparison, device: str) -> list[str]:
    measurements = [
        record.by_device[device] for record in comparison.variants if device in record.by_device
    ]
    return [
        column for column in _COLUMNS
        if column == "latency" or any(_has(column, m) for m in measurements)
    ]


def _results_section(comparison: Comparison, colours: dict[str, str]) -> str:
    devices = analysis.device_names(comparison)
    columns = {device: _device_columns(comparison, device) for device in devices}
    floors = {device: analysis.floor_thresholds(comparison, device) for device in devices}
    reference = analysis.reference_record(comparison)
    head_top = [
        '<th rowspan="2">Version</th>'
        '<th rowspan="2" class="num">Parameters</th><th rowspan="2" class="num">File size</th>'
    ]
    head_bottom = []
    for device in devices:
        head_top.append(
            f'<th class="device first-of-device" colspan="{len(columns[device])}">'
            f"on {_e(device)}</th>"
        )
        for index, column in enumerate(columns[device]):
            css = "num first-of-device" if index == 0 else "num"
            head_bottom.append(f'<th class="{css}">{_COLUMN_TITLES[column]}</th>')
    footnotes: list[str] = []
    rows = []
    for record in comparison.variants:
        verdict = analysis.meets_floor(comparison, record)
        is_reference = record.name == comparison.reference
        css = "reference" if is_reference else ("below-floor" if verdict is False else "")
        cells = [_variant_cell(record, colours, is_reference, verdict),
                 f'<td class="num">{_e(fmt.count(record.params_total))}'
                 + _nonzero(record) + "</td>",
                 f'<td class="num">{_e(fmt.size(record.size_bytes))}'
                 + _versus(record.size_bytes, reference.size_bytes if reference else None,
                           is_reference, "smaller", "larger", invert=True) + "</td>"]
        for device in devices:
            measurement = record.by_device.get(device)
            reference_measurement = reference.by_device.get(device) if reference else None
            cells += _device_cells(record, device, measurement, reference_measurement,
                                   columns[device], floors[device], is_reference, footnotes)
        rows.append(f'<tr class="{css}">{"".join(cells)}</tr>')
    notes = "".join(f"<li>{note}</li>" for note in footnotes)
    return (
        '<section id="results"><h2>Results</h2>'
        f"<p>Every version was measured on the same inputs (batches of "
        f"{_e(comparison.batch_size)}). The original is shaded blue"
        + ("; versions below the quality floor are shaded red" if analysis.floor_words(
            comparison) else "")
        + ".</p>"
        '<div class="table-wrap wide"><table id="results-table" class="results"><thead>'
        f"<tr>{''.join(head_top)}</tr><tr>{''.join(head_bottom)}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        + (f'<ol class="footnotes">{notes}</ol>' if notes else "")
        + _glossary(comparison)
        + "</section>"
    )


def _variant_cell(record: VariantRecord, colours: dict[str, str], is_reference: bool,
                  verdict: bool | None) -> str:
    badges = ""
    if is_reference:
        badges += '<span class="badge reference">original</span>'
    elif verdict is False:
        badges += ('<span class="badge fail" title="Its quality is below the floor the recipe '
                   'set.">below floor</span>')
    elif verdict:
        badges += '<span class="badge pass">meets floor</span>'
    made = " → ".join(record.steps) if record.steps else record.technique
    return (f'<td class="variant"><span class="swatch" '
            f'style="background:{_e(colours[record.name])}"></span>'
            f"<b>{_e(record.name)}</b>{badges}<small>{_e(made)}</small></td>")


def _nonzero(record: VariantRecord) -> str:
    if record.params_total and record.params_nonzero and \
            record.params_nonzero < record.params_total:
        share = record.params_nonzero / record.params_total
        return f"<small>{_e(fmt.percent(share))} nonzero</small>"
    return ""


def _versus(value: float | None, base: float | None, is_reference: bool, better: str,
            worse: str, invert: bool) -> str:
    """"0.25x" under a size; "3.9x faster" under a time (``invert``: smaller is better)."""
    if is_reference or value is None or not base or not value:
        return ""
    share = value / base
    if invert:
        return f"<small>{_e(fmt.ratio(share))} the original</small>"
    if share <= 1:
        return f"<small>{_e(fmt.ratio(1 / share))} {better}</small>"
    return f"<small>{_e(fmt.ratio(share))} {worse}</small>"


def _device_cells(record: VariantRecord, device: str, measurement: Measurement | None,
                  reference: Measurement | None, columns: list[str],
                  floors: dict[str, float | None], is_reference: bool,
                  footnotes: list[str]) -> list[str]:
    first = " first-of-device"
    if measurement is None:
        return [f'<td class="na{first if index == 0 else ""}" title="Not measured on '
                f'{_e(device)}.">–</td>' for index, _ in enumerate(columns)]
    if measurement.error:
        footnotes.append(f"<b>{_e(record.name)}</b> could not run on {_e(device)}: "
                         f"{_e(measurement.error)}")
        return [f'<td class="na{first}" colspan="{len(columns)}" '
                f'title="{_e(measurement.error)}">n/a: could not run here '
                f"<sup>{len(footnotes)}</sup></td>"]
    cells = []
    for index, column in enumerate(columns):
        css = "num" + (first if index == 0 else "")
        cells.append(_cell(column, css, measurement, reference, floors, is_reference))
    return cells


def _cell(column: str, css: str, measurement: Measurement, reference: Measurement | None,
          floors: dict[str, float | None], is_reference: bool) -> str:
    empty = f'<td class="{css}"><small>–</small></td>'
    if column == "latency":
        latency = measurement.latency_ms or {}
        median, p90 = latency.get("median"), latency.get("p90")
        if median is None:
            return empty
        how = f"{measurement.dtype}{', compiled' if measurement.compiled else ''}"
        text = f"{_e(fmt.milliseconds(median))}"
        if p90 is not None:
            text += f"<small>p90 {_e(fmt.milliseconds(p90))}</small>"
        text += _versus(median, analysis.median_ms(reference), is_reference, "faster",
                        "slower", invert=False)
        return f'<td class="{css}" title="{_e(how)}">{text}</td>'
    if column == "throughput":
        if measurement.throughput_per_s is None:
            return empty
        return f'<td class="{css}">{_e(fmt.significant(measurement.throughput_per_s))}</td>'
    if column == "roofline":
        roof = measurement.roofline
        if roof is None:
            return empty
        return (f'<td class="{css}" title="{_e(fmt.rate(roof.achieved_flops_per_s, "FLOP/s"))} '
                f'of an attainable {_e(fmt.rate(roof.attainable_flops_per_s, "FLOP/s"))}">'
                f"{_e(fmt.percent(roof.fraction))}<small>{_e(roof.bound)}-bound</small></td>")
    value = measurement.accuracy if column == "accuracy" else analysis.top1(measurement)
    if value is None:
        return empty
    threshold = floors.get(column)
    below = threshold is not None and not is_reference and value < threshold - 1e-12
    title = f' title="Below the floor of {_e(fmt.percent(threshold))}"' if below else ""
    return (f'<td class="{css}{" below" if below else ""}"{title}>{_e(fmt.percent(value))}'
            "</td>")


def _glossary(comparison: Comparison) -> str:
    words = analysis.floor_words(comparison)
    entries = [
        ("Time per batch", f"how long the model takes for one batch of "
         f"{comparison.batch_size} inputs (the median of many runs); p90: 9 runs in 10 are at "
         "least this fast."),
        ("Throughput", "inputs processed per second."),
        ("Hardware use", "the share of the speed this device could reach for this model "
         "(its roofline), and whether memory or arithmetic limits it."),
        ("Accuracy", "correct answers on labelled test data."),
        ("Top-1 agreement", "how often the version gives the same top answer as the "
         "original, whether or not that answer is right."),
    ]
    if words:
        entries.append(("Quality floor", f"the least quality a version may keep: {words}."))
    items = "".join(f"<dt>{_e(term)}</dt><dd>{_e(text)}</dd>" for term, text in entries)
    return ('<details><summary>What the columns mean</summary>'
            f'<dl class="glossary">{items}</dl></details>')


# --- charts ----------------------------------------------------------------------------------


def inline_svg(path: Path, prefix: str, label: str) -> str:
    """A chart's SVG file as markup for the page: scalable, ids prefixed, no prolog."""
    text = path.read_text(encoding="utf-8")
    svg = text[text.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'((?:xlink:)?href)="#([^"]+)"', rf'\1="#{prefix}-\2"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)

    def root(match: re.Match[str]) -> str:
        attributes = re.sub(r'\s(width|height)="[^"]*"', "", match.group(1))
        width = re.search(r'\swidth="([\d.]+)pt"', match.group(1))
        style = f' style="max-width:{float(width.group(1)) * 4 / 3:.0f}px"' if width else ""
        return f'<svg{attributes}{style} role="img" aria-label="{_e(label)}">'

    return re.sub(r"<svg([^>]*)>", root, svg, count=1)


def _charts_section(charts: list[Chart]) -> str:
    figures = []
    for index, chart in enumerate(charts, start=1):
        figures.append(
            f'<figure id="chart-{_e(chart.name)}">'
            f"{inline_svg(chart.svg, f'c{index}', chart.title)}"
            f"<figcaption><b>{_e(chart.title)}.</b> {_e(chart.caption)}</figcaption></figure>"
        )
    return f'<section id="charts"><h2>Charts</h2>{"".join(figures)}</section>'


# --- notes, models, machine, recipe ------------------------------------------------------------


def _notes_section(comparison: Comparison, colours: dict[str, str]) -> str:
    blocks = []
    for record in comparison.variants:
        lines = list(record.notes)
        if not lines and not record.steps:
            continue
        made = (f"<p class=\"small\">Made by: {_e(' → '.join(record.steps))}"
                + (f" (from {_e(record.parent)})" if record.parent else "") + ".</p>"
                if record.steps else "")
        items = "".join(f"<li>{_e(note)}</li>" for note in lines)
        blocks.append(
            f'<h3><span class="swatch" style="background:{_e(colours[record.name])}"></span>'
            f"{_e(record.name)}</h3>{made}"
            + (f'<ul class="notes">{items}</ul>' if items else "")
        )
    body = "".join(blocks) or "<p>No notes.</p>"
    return f'<section id="notes"><h2>Notes on each version</h2>{body}</section>'


def _models_section(models: list[ModelFile]) -> str:
    if not models:
        return ('<section id="load"><h2>How to load the exported models</h2>'
                "<p>No model files were exported with this report.</p></section>")
    rows = "".join(
        f"<tr><td><code>models/{_e(model.path.name)}</code></td><td>{_e(model.variant)}</td>"
        f"<td>{_e(model.technique)}</td><td class=\"num\">{_e(fmt.size(model.size_bytes))}</td>"
        f"<td>{_e(kind_words(model.kind))}</td></tr>"
        for model in models
    )
    blocks = []
    if any(needs_reshape_helper(model) for model in models):
        blocks.append(
            "<details><summary>Helper for pruned checkpoints (used below)</summary>"
            f"<pre><code>{_e(reshape_helper().rstrip())}</code></pre></details>"
        )
    for model in models:
        words, code = plain_snippet(model)
        blocks.append(
            f"<h3>{_e(model.variant)}: <code>{_e(model.path.name)}</code></h3>"
            f"<p>{_e(words)}</p><p class=\"small\">In plain PyTorch, from the models folder:</p>"
            f"<pre><code>{_e(code)}</code></pre>"
            "<p class=\"small\">Or with Slimbench installed:</p>"
            f"<pre><code>{_e(slimbench_snippet(model))}</code></pre>"
        )
    return (
        '<section id="load"><h2>How to load the exported models</h2>'
        "<p>The files sit in the <code>models</code> folder next to this page; its "
        "<code>README.md</code> repeats these instructions.</p>"
        '<div class="table-wrap"><table><thead><tr><th>File</th><th>Version</th>'
        '<th>Technique</th><th class="num">Size</th><th>Format</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>{''.join(blocks)}</section>"
    )


def _machine_section(comparison: Comparison) -> str:
    items = [("Batch size", str(comparison.batch_size))]
    if comparison.large_batch:
        items.append(("Large batch (throughput)", str(comparison.large_batch)))
    if comparison.threads:
        items.append(("CPU threads", str(comparison.threads)))
    for key, value in (comparison.machine or {}).items():
        label = _MACHINE_LABELS.get(str(key), str(key).replace("_", " ").capitalize())
        items.append((label, _plain_value(value)))
    for device in comparison.devices:
        text = device.description or device.name
        peaks = ", ".join(f"{dtype} {fmt.rate(value, 'FLOP/s')}"
                          for dtype, value in (device.peak_flops_per_s or {}).items() if value)
        if peaks:
            text += f"; measured peak {peaks}"
        if device.bandwidth_bytes_per_s:
            text += f"; memory bandwidth {fmt.rate(device.bandwidth_bytes_per_s, 'B/s')}"
        items.append((f"Device {device.name}", text))
    body = "".join(f"<dt>{_e(key)}</dt><dd>{_e(value)}</dd>" for key, value in items)
    return f'<section id="machine"><h2>The machine</h2><dl class="machine">{body}</dl></section>'


_MACHINE_LABELS = {"python": "Python", "torch": "PyTorch", "platform": "Operating system",
                   "cpu": "Processor", "torchao": "torchao", "cuda": "CUDA"}


def _plain_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def _recipe_section(recipe: Mapping[str, Any]) -> str:
    try:
        import tomli_w

        text, language = tomli_w.dumps(_without_none(recipe)), "TOML"
    except Exception:
        text, language = json.dumps(recipe, indent=2, default=str), "JSON"
    return (
        '<section id="recipe"><h2>The recipe</h2>'
        f"<details><summary>Show the recipe this report ran ({language})</summary>"
        f"<pre><code>{_e(text)}</code></pre></details></section>"
    )


def _without_none(value: Any) -> Any:
    """TOML has no null: drop None values (they mean "the default")."""
    if isinstance(value, Mapping):
        return {str(k): _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_without_none(v) for v in value if v is not None]
    return value
