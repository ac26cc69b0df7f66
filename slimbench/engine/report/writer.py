"""Write a comparison's report folder: results.json, charts, report.html and models/README.md.

::

    REPORT_DIR/
      results.json        {"title", "created", "slimbench_version", "recipe", "steps", "auto",
                           "comparison": Comparison.to_json()}
      report.html         one self-contained page (charts inlined)
      charts/NAME.png     every chart, also as NAME.svg
      models/             the exported models and README.md (when models are given)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from slimbench.engine.compare.results import Comparison
from slimbench.engine.report.errors import ReportError
from slimbench.engine.report.models import ModelFile, gather_models, inspect_model_file, readme
from slimbench.engine.report.output import write_text

RESULTS_FILE = "results.json"
HTML_FILE = "report.html"
CHARTS_DIR = "charts"
MODELS_DIR = "models"


@dataclass
class ReportFiles:
    """What :func:`write_report` wrote."""

    report_dir: Path
    html: Path
    results_json: Path
    charts: list[Path] = field(default_factory=list)
    models_readme: Path | None = None


def write_report(
    comparison: Comparison,
    report_dir: Path,
    *,
    title: str,
    recipe: dict | None = None,
    steps: list[dict] | None = None,
    auto: dict | None = None,
    models: dict[str, Path] | None = None,
) -> ReportFiles:
    """Write the report of ``comparison`` into ``report_dir`` (created when missing).

    ``recipe`` is the recipe as a dict, ``steps`` the step summaries ({"index", "technique",
    "description", "seconds", "output", "notes", "resumed"}), ``auto`` the automatic search
    ({"target", "tried", "chosen"}) and ``models`` maps variant names to their model files,
    which are linked or copied into ``report_dir/models``. Every file is written atomically.
    Raises :class:`ReportError` when the folder cannot be written.
    """
    report_dir = Path(report_dir).expanduser()
    try:
        return _write(comparison, report_dir, title=title, recipe=recipe, steps=steps,
                      auto=auto, models=models)
    except OSError as error:
        where = error.filename or report_dir
        raise ReportError(
            f"Could not write the report to {report_dir} ({error.strerror or error}: {where}); "
            "choose a folder you can write to."
        ) from None


def _write(comparison: Comparison, report_dir: Path, *, title: str, recipe: dict | None,
           steps: list[dict] | None, auto: dict | None,
           models: dict[str, Path] | None) -> ReportFiles:
    from slimbench import __version__
    from slimbench.engine.report import charts as charting
    from slimbench.engine.report import page

    if report_dir.exists() and not report_dir.is_dir():
        raise ReportError(f"{report_dir} is a file, not a folder; choose a folder for the report.")
    report_dir.mkdir(parents=True, exist_ok=True)
    created = datetime.now().astimezone().isoformat(timespec="seconds")
    # Work on a JSON round-trip: the caller's comparison is never changed, and NaNs are gone.
    data = comparison.to_json()
    model_files: list[ModelFile] = []
    readme_path: Path | None = None
    if models:
        placed = gather_models(models, report_dir / MODELS_DIR)
        for entry in data["variants"]:
            if entry["name"] in placed:
                entry["file"] = f"{MODELS_DIR}/{placed[entry['name']].name}"
    shown = Comparison.from_json(data)
    techniques = {record.name: _technique(record.technique, record.steps)
                  for record in shown.variants}
    if models:
        model_files = [
            inspect_model_file(path, name, techniques.get(name, "unknown"))
            for name, path in placed.items()
        ]
        for model in model_files:
            if model.technique == "unknown":
                model.technique = _technique_from_meta(model.meta)
        readme_path = report_dir / MODELS_DIR / "README.md"
        text = readme(model_files, title)
        write_text(readme_path, text)
    else:
        model_files = _recorded_models(shown, report_dir, techniques)

    results = {
        "title": title,
        "created": created,
        "slimbench_version": __version__,
        "recipe": recipe,
        "steps": steps,
        "auto": auto,
        "comparison": data,
    }
    results_path = report_dir / RESULTS_FILE
    results_text = json.dumps(results, indent=2, default=str, allow_nan=False)
    write_text(results_path, results_text)

    drawn = charting.draw_charts(shown, report_dir / CHARTS_DIR)
    html_text = page.render(
        shown, title=title, created=created, version=__version__, charts=drawn, steps=steps,
        auto=auto, recipe=recipe, models=model_files,
    )
    html_path = report_dir / HTML_FILE
    write_text(html_path, html_text)
    chart_paths = [path for chart in drawn for path in (chart.png, chart.svg)]
    return ReportFiles(report_dir, html_path, results_path, chart_paths, readme_path)


def _technique(technique: str, steps: list[str]) -> str:
    return " → ".join(steps) if steps else technique


def _technique_from_meta(meta: Mapping[str, Any]) -> str:
    quantization = meta.get("quantization")
    if isinstance(quantization, Mapping) and quantization.get("scheme"):
        return f"quantize {quantization['scheme']}"
    if isinstance(meta.get("pruned"), Mapping):
        return "prune"
    return "unknown"


def _recorded_models(comparison: Comparison, report_dir: Path,
                     techniques: dict[str, str]) -> list[ModelFile]:
    """Model files the variants name that exist (for the page when none were handed over)."""
    found = []
    for record in comparison.variants:
        if not record.file:
            continue
        path = Path(record.file).expanduser()
        path = path if path.is_absolute() else report_dir / path
        if path.is_file():
            found.append(inspect_model_file(path, record.name, techniques[record.name]))
    return found
