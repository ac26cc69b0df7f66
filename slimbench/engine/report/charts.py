"""The report's charts, drawn with matplotlib's Agg and SVG backends (never a display or Qt).

Each chart is saved twice, ``NAME.png`` (150 dpi) and ``NAME.svg``, atomically. Charts are
drawn on a bare :class:`matplotlib.figure.Figure` (not pyplot), so nothing global changes and
they can be drawn from any thread. matplotlib is imported inside the functions: importing the
engine stays fast.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slimbench.engine.compare.results import Comparison, Roofline, VariantRecord
from slimbench.engine.report import analysis
from slimbench.engine.report import formatting as fmt
from slimbench.engine.report.output import write_file

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 14,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.titlelocation": "left",
    "axes.titlecolor": "#444444",
    "svg.fonttype": "path",
}
_LABEL_SIZE = 10
_GREY = "#555555"
_FLOOR_COLOUR = "#c0392b"


@dataclass
class Chart:
    """One chart: its file stem, what it shows in words, and its two files."""

    name: str
    title: str
    caption: str
    png: Path
    svg: Path


def plain(text: str) -> str:
    """Text that matplotlib shows as typed ("$" would start a formula)."""
    return text.replace("$", r"\$")


@contextmanager
def _style(name: str) -> Iterator[None]:
    import matplotlib

    # A salt per chart keeps the SVG's element ids apart when the HTML inlines several.
    with matplotlib.rc_context({**_STYLE, "svg.hashsalt": f"slimbench-{name}"}):
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, charts_dir: Path, name: str, title: str, caption: str) -> Chart:
    png, svg = charts_dir / f"{name}.png", charts_dir / f"{name}.svg"
    write_file(png, lambda tmp: figure.savefig(tmp, format="png", dpi=150,
                                                 facecolor="white"))
    write_file(svg, lambda tmp: figure.savefig(tmp, format="svg", facecolor="white",
                                                 metadata={"Date": None}))
    return Chart(name, title, caption, png, svg)


def _titles(figure: Figure, ax: Axes, title: str, subtitle: str) -> None:
    figure.suptitle(plain(title), x=0.01, ha="left")
    ax.set_title(plain(subtitle), fontsize=10.5, pad=8)


# --- label placement -----------------------------------------------------------------------

#: Where a label may go around its dot: (dx, dy, horizontal, vertical alignment).
_DIRECTIONS = (
    (1.0, 0.0, "left", "center"),
    (0.75, 0.75, "left", "bottom"),
    (0.75, -0.75, "left", "top"),
    (-1.0, 0.0, "right", "center"),
    (-0.75, 0.75, "right", "bottom"),
    (-0.75, -0.75, "right", "top"),
    (0.0, 1.0, "center", "bottom"),
    (0.0, -1.0, "center", "top"),
)


@dataclass
class _Label:
    x: float
    y: float
    text: str
    colour: str
    radius_pt: float


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _outside(box: tuple[float, float, float, float],
             area: tuple[float, float, float, float]) -> float:
    full = (box[2] - box[0]) * (box[3] - box[1])
    return full - _overlap(box, area)


def place_labels(figure: Figure, ax: Axes, labels: list[_Label]) -> None:
    """Write each label beside its dot where it overlaps no other label, dot or the edge.

    Tries eight directions at three distances (with a thin leader line beyond the first) and
    keeps the first free spot, else the least-overlapping one. Axis limits must be final.
    """
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    scale = figure.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    area = (frame.x0, frame.y0, frame.x1, frame.y1)
    centres = [ax.transData.transform((label.x, label.y)) for label in labels]
    dots = [
        (cx - label.radius_pt * scale, cy - label.radius_pt * scale,
         cx + label.radius_pt * scale, cy + label.radius_pt * scale)
        for (cx, cy), label in zip(centres, labels, strict=True)
    ]
    lines = _line_points(ax)
    placed: list[tuple[float, float, float, float]] = []
    for index, label in enumerate(labels):
        probe = ax.text(0, 0, plain(label.text), fontsize=_LABEL_SIZE)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        width, height = extent.width, extent.height
        cx, cy = centres[index]
        best: tuple[float, tuple[float, float], str, str, bool] | None = None
        for ring, extra in enumerate((3.0, 14.0, 28.0)):
            for dx, dy, ha, va in _DIRECTIONS:
                gap = label.radius_pt + extra
                ox, oy = dx * gap, dy * gap
                px, py = cx + ox * scale, cy + oy * scale
                x0 = {"left": px, "right": px - width, "center": px - width / 2}[ha]
                y0 = {"bottom": py, "top": py - height, "center": py - height / 2}[va]
                box = (x0 - 2, y0 - 1, x0 + width + 2, y0 + height + 1)
                score = sum(_overlap(box, other) for other in placed)
                score += sum(_overlap(box, dot) for dot in dots)
                score += 16.0 * sum(1 for x, y in lines
                                    if box[0] <= x <= box[2] and box[1] <= y <= box[3])
                score += 3 * _outside(box, area) + ring * 0.5
                if best is None or score < best[0]:
                    best = (score, (ox, oy), ha, va, ring > 0)
                    best_box = box
            if best is not None and best[0] < 1.0:
                break
        assert best is not None
        _score, offset, ha, va, leader = best
        placed.append(best_box)
        annotation = ax.annotate(
            plain(label.text), (label.x, label.y), xytext=offset, textcoords="offset points",
            ha=ha, va=va, fontsize=_LABEL_SIZE, color="#222222", annotation_clip=False,
            arrowprops=dict(arrowstyle="-", color=label.colour, lw=0.8, shrinkA=0,
                            shrinkB=label.radius_pt) if leader else None,
            zorder=5,
        )
        annotation.set_in_layout(False)


def _line_points(ax: Axes, step: float = 3.0) -> list[tuple[float, float]]:
    """Points every ``step`` pixels along the axes' lines (frontier, floor, roofs)."""
    import numpy as np

    points: list[tuple[float, float]] = []
    for line in ax.get_lines():
        vertices = line.get_transform().transform(line.get_path().vertices)
        for (x0, y0), (x1, y1) in itertools.pairwise(vertices):
            if not all(map(math.isfinite, (x0, y0, x1, y1))):
                continue
            count = max(2, int(math.hypot(x1 - x0, y1 - y0) / step) + 1)
            for t in np.linspace(0.0, 1.0, count):
                points.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
    return points


# --- axis helpers ---------------------------------------------------------------------------


def _spread(values: list[float]) -> float:
    positive = [value for value in values if value > 0]
    if not positive:
        return 1.0
    return max(positive) / min(positive)


def _tick_text(value: float, _position: Any = None) -> str:
    return f"{value:,.6g}"


def plain_log_ticks(axis: Any) -> None:
    """Ticks at 1, 2, 5 x 10^k written as plain numbers (0.5, 1, 2), not 5 x 10^-1."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(_tick_text))
    axis.set_minor_formatter(NullFormatter())


def _log_limits(values: list[float], pad: float) -> tuple[float, float]:
    positive = [value for value in values if value > 0]
    return min(positive) / pad, max(positive) * pad


# --- 1. trade-off -----------------------------------------------------------------------------


def tradeoff_chart(comparison: Comparison, device: str, colours: dict[str, str],
                   charts_dir: Path) -> Chart | None:
    """Latency against quality on ``device``: one dot per variant, sized by its file."""
    axis = analysis.quality_axis(comparison, device)
    points: list[tuple[VariantRecord, float, float]] = []
    failed: list[str] = []
    for record in comparison.variants:
        measurement = record.by_device.get(device)
        if measurement is not None and measurement.error:
            failed.append(record.name)
        latency, quality = analysis.median_ms(measurement), axis.value(measurement)
        if latency is not None and quality is not None:
            points.append((record, latency, quality * 100))
    if not points:
        return None
    name = f"tradeoff-{fmt.slug(device)}"
    with _style(name):
        figure = _figure(9.0, 6.0)
        ax = figure.subplots()
        largest = max((record.size_bytes for record, _, _ in points), default=0) or 1
        labels: list[_Label] = []
        for record, latency, quality in points:
            area = max(40.0, 1200.0 * record.size_bytes / largest)
            is_reference = record.name == comparison.reference
            ax.scatter([latency], [quality], s=area, color=colours[record.name], alpha=0.95,
                       edgecolors="black" if is_reference else "white",
                       linewidths=1.6 if is_reference else 1.0, zorder=3)
            text = record.name
            if is_reference and "original" not in record.name.lower():
                text += " (original)"
            labels.append(_Label(latency, quality, text, colours[record.name],
                                 math.sqrt(area) / 2))
        latencies = [latency for _, latency, _ in points]
        log_x = _spread(latencies) > 10
        if log_x:
            ax.set_xscale("log")
            ax.set_xlim(*_log_limits(latencies, 1.8))
            plain_log_ticks(ax.xaxis)
        else:
            ax.set_xlim(0, max(latencies) * 1.35)
        qualities = [quality for _, _, quality in points]
        if axis.floor is not None:
            qualities.append(axis.floor * 100)
        span = max(qualities) - min(qualities)
        pad = max(1.0, 0.18 * span)
        ax.set_ylim(min(qualities) - pad, max(qualities) + pad)
        on_frontier = set(analysis.device_frontier(comparison, device))
        front = sorted((latency, quality) for record, latency, quality in points
                       if record.name in on_frontier)
        if len(front) > 1:
            ax.step([x for x, _ in front], [y for _, y in front], where="post", ls="--",
                    color=_GREY, lw=1.3, zorder=2, label="Best trade-offs (no version is both "
                    "faster and better)")
        if axis.floor is not None:
            ax.axhline(axis.floor * 100, color=_FLOOR_COLOUR, ls=":", lw=1.8, zorder=1,
                       label=f"Quality floor ({axis.floor_words})")
        ax.set_xlabel(f"Time per batch of {comparison.batch_size} on {device}, ms "
                      f"(lower is faster{', log scale' if log_x else ''})")
        ax.set_ylabel(f"{axis.label} (%)")
        subtitle = "Faster and better is up and to the left. Bigger dots are bigger files."
        if failed:
            subtitle += f"\nNot shown, could not run on {device}: {', '.join(failed)}."
        _titles(figure, ax, f"Speed against quality on {device}", subtitle)
        if ax.get_legend_handles_labels()[0]:
            figure.legend(loc="outside lower left", frameon=False)
        place_labels(figure, ax, labels)
        return _save(
            figure, charts_dir, name, f"Speed against quality on {device}",
            f"Each dot is one version of the model. Further left is faster, higher keeps more "
            f"{axis.label.lower()}; the dot's area shows the file size."
        )


# --- 2. size and latency bars ---------------------------------------------------------------


def size_latency_chart(comparison: Comparison, colours: dict[str, str],
                       charts_dir: Path) -> Chart | None:
    """Bars per variant: file size, then latency on each device, with ratios to the original."""
    records = comparison.variants
    if not records:
        return None
    reference = analysis.reference_record(comparison)
    panels: list[tuple[str, str, list[float | None], float | None]] = []
    sizes = [fmt.megabytes(record.size_bytes) if record.size_bytes else None
             for record in records]
    panels.append(("File size", "MB", sizes,
                   fmt.megabytes(reference.size_bytes) if reference and reference.size_bytes
                   else None))
    for device in analysis.device_names(comparison):
        values = [analysis.median_ms(record.by_device.get(device)) for record in records]
        if any(value is not None for value in values):
            base = analysis.median_ms(reference.by_device.get(device)) if reference else None
            panels.append((f"Time per batch on {device}", "ms", values, base))
    name = "size-latency"
    with _style(name):
        # Two panels a row, so a chart of many devices grows down, not into tiny print.
        columns = 1 if len(panels) == 1 else 2
        rows = math.ceil(len(panels) / columns)
        longest = max(len(record.name) for record in records)
        width = min(5.0 * columns + 0.085 * longest * columns + 0.4, 12.5)
        figure = _figure(width, 0.9 + rows * (0.9 + 0.5 * len(records)))
        grid = figure.subplots(rows, columns, squeeze=False)
        axes = [ax for row in grid for ax in row]
        positions = list(range(len(records)))
        names = [plain(record.name) for record in records]
        bar_colours = [colours[record.name] for record in records]
        for ax, (title, unit, values, base) in zip(axes, panels, strict=False):
            heights = [value if value is not None else 0.0 for value in values]
            ax.barh(positions, heights, color=bar_colours, height=0.62, zorder=2)
            top = max((value for value in values if value is not None), default=1.0) or 1.0
            ax.set_xlim(0, top * 1.6)
            for position, value, record in zip(positions, values, records, strict=True):
                if value is None:
                    ax.text(top * 0.02, position, "n/a (did not run)", va="center",
                            fontsize=_LABEL_SIZE, color=_GREY, style="italic")
                    continue
                text = f"{fmt.significant(value)} {unit}"
                if base and record.name != comparison.reference:
                    text += f" ({fmt.ratio(value / base)})"
                ax.text(value + top * 0.02, position, text, va="center",
                        fontsize=_LABEL_SIZE, color="#222222")
            ax.set_title(plain(f"{title} ({unit})"), fontsize=11, color="#222222")
            ax.grid(axis="y", visible=False)
            ax.tick_params(axis="y", length=0)
            ax.set_yticks(positions, names)
            ax.invert_yaxis()
        for ax in axes[len(panels):]:
            ax.axis("off")
            ax.text(0.05, 0.5, "The numbers in brackets compare with the original:\n"
                    "0.25x is a quarter of its size or time,\n2x is twice as much.",
                    transform=ax.transAxes, va="center", fontsize=_LABEL_SIZE, color=_GREY)
        figure.suptitle("Size and speed of each version: shorter bars are better", x=0.01,
                        ha="left")
        return _save(
            figure, charts_dir, name, "Size and speed of each version",
            "Shorter bars are better. \"0.25x\" means a quarter of the original's size or time."
        )


# --- 3. training curves ---------------------------------------------------------------------


def _series(history: list[dict[str, Any]], *keys: str) -> list[float | None]:
    values: list[float | None] = []
    for entry in history:
        value = next((entry.get(key) for key in keys if entry.get(key) is not None), None)
        values.append(float(value) if isinstance(value, (int, float)) else None)
    return values


def training_chart(record: VariantRecord, colour: str, charts_dir: Path,
                   name: str) -> Chart | None:
    """Loss and validation accuracy per epoch of a distil or recovery step."""
    history = [entry for entry in record.history if isinstance(entry, dict)]
    if not history:
        return None
    epochs = [entry.get("epoch", index + 1) for index, entry in enumerate(history)]
    losses = _series(history, "train_loss", "loss")
    accuracies = _series(history, "val_accuracy", "accuracy")
    if all(value is None for value in losses + accuracies):
        return None
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    with _style(name):
        figure = _figure(8.0, 4.6)
        ax = figure.subplots()
        handles = []
        if any(value is not None for value in losses):
            handles += ax.plot(epochs, [math.nan if v is None else v for v in losses], "-o",
                               color=colour, lw=2, label="Training loss (left scale)")
            ax.set_ylabel("Training loss (lower is better)")
        ax.set_xlabel("Epoch (one pass over the training data)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if any(value is not None for value in accuracies):
            twin = ax.twinx()
            twin.spines["right"].set_visible(True)
            twin.grid(False)
            handles += twin.plot(
                epochs, [math.nan if v is None else v * 100 for v in accuracies], "--s",
                color="#333333", lw=1.6, label="Validation accuracy (right scale)")
            twin.yaxis.set_major_formatter(PercentFormatter(decimals=0))
            twin.set_ylabel("Validation accuracy (higher is better)")
        _titles(figure, ax, f"Training of {record.name}",
                "The loss should fall and the accuracy rise from epoch to epoch.")
        figure.legend(handles=handles, loc="outside lower left", frameon=False, ncols=2)
        return _save(figure, charts_dir, name, f"Training of {record.name}",
                     "How the training went, epoch by epoch.")


# --- 4. roofline -----------------------------------------------------------------------------


def intensity(roofline: Roofline, latency_ms: float) -> float | None:
    """FLOP per byte moved: the batch's FLOPs (achieved rate x time) over its bytes."""
    if not roofline.bytes_per_batch or roofline.achieved_flops_per_s <= 0 or latency_ms <= 0:
        return None
    return roofline.achieved_flops_per_s * latency_ms / 1000.0 / roofline.bytes_per_batch


def roofline_chart(comparison: Comparison, device: str, colours: dict[str, str],
                   charts_dir: Path) -> Chart | None:
    """Log-log roofline: achieved FLOP/s against arithmetic intensity, under the roofs."""
    import numpy as np
    from matplotlib.ticker import EngFormatter

    points: list[tuple[VariantRecord, float, float, Roofline, str]] = []
    for record in comparison.variants:
        measurement = record.by_device.get(device)
        latency = analysis.median_ms(measurement)
        if measurement is None or latency is None or measurement.roofline is None:
            continue
        value = intensity(measurement.roofline, latency)
        if value is not None:
            points.append((record, value, measurement.roofline.achieved_flops_per_s,
                           measurement.roofline, measurement.dtype))
    if not points:
        return None
    name = f"roofline-{fmt.slug(device)}"
    with _style(name):
        figure = _figure(9.0, 6.0)
        ax = figure.subplots()
        ax.set_xscale("log")
        ax.set_yscale("log")
        dtypes_by_roof: dict[tuple[float, float], list[str]] = {}
        for _, _, _, roof, dtype in points:
            if roof.peak_flops_per_s > 0 and roof.bandwidth_bytes_per_s > 0:
                names = dtypes_by_roof.setdefault(
                    (roof.peak_flops_per_s, roof.bandwidth_bytes_per_s), [])
                if dtype not in names:
                    names.append(dtype)
        roofs = [(peak, bandwidth, ", ".join(names))
                 for (peak, bandwidth), names in sorted(dtypes_by_roof.items())]
        ridges = [peak / bandwidth for peak, bandwidth, _ in roofs]
        xs_all = [x for _, x, _, _, _ in points] + ridges
        x_low, x_high = min(xs_all) / 8, max(xs_all) * 8
        grid = np.logspace(math.log10(x_low), math.log10(x_high), 200)
        styles = ("-", "-.", ":", (0, (5, 1)))
        for index, (peak, bandwidth, dtype) in enumerate(roofs):
            ax.plot(grid, np.minimum(peak, bandwidth * grid), color="#888888", lw=2.2,
                    ls=styles[index % len(styles)], zorder=1,
                    label=f"Roof for {dtype}: memory {fmt.rate(bandwidth, 'B/s')}, "
                          f"compute {fmt.rate(peak, 'FLOP/s')}")
        ys_all = [y for _, _, y, _, _ in points] + [peak for peak, _, _ in roofs]
        ax.set_xlim(x_low, x_high)
        ax.set_ylim(min(ys_all) / 6, max(ys_all) * 3)
        labels = []
        for record, x, y, roof, _dtype in points:
            ax.scatter([x], [y], s=110, color=colours[record.name], edgecolors="white",
                       linewidths=1.0, zorder=3)
            labels.append(_Label(x, y, f"{record.name}: {fmt.percent(roof.fraction)} of roof",
                                 colours[record.name], math.sqrt(110) / 2))
        plain_log_ticks(ax.xaxis)
        ax.yaxis.set_major_formatter(EngFormatter(unit="FLOP/s", places=0))
        ax.set_xlabel("Arithmetic intensity: FLOP per byte of memory moved (log scale)")
        ax.set_ylabel("Achieved speed (log scale)")
        _titles(figure, ax, f"How close each version gets to the limits of {device}",
                "Each dot is one version; the closer it is to the grey roof, the better it "
                "uses the hardware.")
        figure.legend(loc="outside lower left", frameon=False)
        place_labels(figure, ax, labels)
        return _save(
            figure, charts_dir, name, f"Hardware use on {device} (roofline)",
            "Left of the roof's bend a model waits on memory; right of it, on arithmetic. "
            "The percentage is the share of the attainable speed it reached."
        )


# --- all of them -----------------------------------------------------------------------------


def draw_charts(comparison: Comparison, charts_dir: Path) -> list[Chart]:
    """Every chart the comparison has data for, in the order the report shows them."""
    charts_dir.mkdir(parents=True, exist_ok=True)
    colours = analysis.variant_colours(comparison)
    devices = analysis.device_names(comparison)
    charts: list[Chart | None] = []
    charts += [tradeoff_chart(comparison, device, colours, charts_dir) for device in devices]
    charts.append(size_latency_chart(comparison, colours, charts_dir))
    charts += [roofline_chart(comparison, device, colours, charts_dir) for device in devices]
    used: set[str] = set()
    for record in comparison.variants:
        stem = base = f"training-{fmt.slug(record.name)}"
        counter = 2
        while stem in used:
            stem, counter = f"{base}-{counter}", counter + 1
        used.add(stem)
        charts.append(training_chart(record, colours[record.name], charts_dir, stem))
    return [chart for chart in charts if chart is not None]
