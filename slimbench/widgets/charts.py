"""Charts of measured variants: before/after bars, a speed/quality trade-off scatter, and a
live line chart that a running job feeds.

The charts only display plain data (:class:`VariantPoint` values and numbers appended by the
application); they never start jobs. Every plot item is created once and updated with
``setData``/``setOpts``; :class:`LiveCurve` redraws from a timer at most every
:data:`UPDATE_INTERVAL_MS`, however fast values arrive.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette, QResizeEvent
from PySide6.QtWidgets import QFileDialog, QGraphicsTextItem, QGraphicsWidget, QVBoxLayout, QWidget

from slimbench.widgets.formatting import format_bytes, format_percent

#: Variant colours, in order: the Okabe–Ito set without its yellow, distinct for colour-blind
#: readers and readable on light and dark backgrounds alike.
VARIANT_COLORS = (
    QColor("#0072B2"),
    QColor("#E69F00"),
    QColor("#009E73"),
    QColor("#CC79A7"),
    QColor("#D55E00"),
    QColor("#56B4E9"),
    QColor("#8C6D31"),
    QColor("#999999"),
)

#: :class:`LiveCurve` redraws at most this often, in milliseconds.
UPDATE_INTERVAL_MS = 100

#: Point diameters of :class:`TradeoffScatter`, in pixels.
MIN_POINT_PX = 8.0
MAX_POINT_PX = 40.0

METRICS = ("size", "latency", "quality")


def variant_color(index: int) -> QColor:
    """The colour of the ``index``-th variant; the same in every chart."""
    return QColor(VARIANT_COLORS[index % len(VARIANT_COLORS)])


# --- data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantPoint:
    """What the charts show of one model variant; None where it was not measured."""

    name: str
    latency_ms: float | None
    size_bytes: int | None
    quality: float | None  # accuracy or fidelity, 0..1
    quality_label: str  # "accuracy" or "agreement"
    device: str = ""
    #: Latency on each runtime the variant was timed on, as (runtime's label, median ms), in
    #: the order to show them; empty when only ``latency_ms`` is known.
    latencies: tuple[tuple[str, float], ...] = ()


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def pareto_frontier(points: Sequence[VariantPoint]) -> list[VariantPoint]:
    """The points no other point beats on both latency (lower) and quality (higher).

    A point is dominated when another is at least as fast and at least as good, and strictly
    better in one of the two. Equal points do not dominate each other, so both stay. Points
    without a latency or a quality are skipped. The frontier comes sorted by latency, fastest
    first (and so by quality, lowest first); equal points keep their input order.
    """
    known = [p for p in points if _known(p.latency_ms) and _known(p.quality)]
    ordered = sorted(known, key=lambda p: (p.latency_ms, -p.quality))  # type: ignore[operator]
    frontier: list[VariantPoint] = []
    for point in ordered:
        if not frontier:
            frontier.append(point)
            continue
        last = frontier[-1]
        assert point.quality is not None and last.quality is not None
        if point.quality > last.quality:
            frontier.append(point)
        elif point.quality == last.quality and point.latency_ms == last.latency_ms:
            frontier.append(point)  # an exact tie with a frontier point
    return frontier


# --- formatting ----------------------------------------------------------------------------


def _significant(value: float) -> str:
    """Three significant digits for values from 1 up, more decimals below."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_value(value: float, unit: str = "") -> str:
    """A measured number with its unit: ``6.3412, "ms"`` -> ``6.34 ms``."""
    text = _significant(value)
    return f"{text} {unit}" if unit else text


def format_latency(value_ms: float) -> str:
    """``6.3412`` -> ``6.34 ms``."""
    return format_value(value_ms, QCoreApplication.translate("ChartWidget", "ms", "milliseconds"))


def format_ratio(ratio: float) -> str:
    """A ratio to a baseline: ``0.25`` -> ``0.25×``, ``12.4`` -> ``12×``."""
    if ratio >= 9.95:
        return f"{ratio:.0f}×"
    if 0 < ratio < 0.005:
        return "<0.01×"
    return f"{ratio:.2f}×"


def format_points(delta: float) -> str:
    """A difference of two fractions in percentage points: ``-0.003`` -> ``−0.3 pt``."""
    points = 100 * delta
    number = "±0.0" if abs(points) < 0.05 else f"{points:+.1f}".replace("-", "−")
    return number + " " + QCoreApplication.translate("ChartWidget", "pt", "percentage points")


def _quality_title(points: Sequence[VariantPoint]) -> str:
    labels = {p.quality_label for p in points if _known(p.quality)}
    if labels == {"accuracy"}:
        return QCoreApplication.translate("ChartWidget", "Accuracy")
    if labels == {"agreement"}:
        return QCoreApplication.translate("ChartWidget", "Agreement")
    return QCoreApplication.translate("ChartWidget", "Quality")


def _quality_explanation(points: Sequence[VariantPoint]) -> str:
    labels = {p.quality_label for p in points if _known(p.quality)}
    if labels == {"accuracy"}:
        return QCoreApplication.translate(
            "ChartWidget", "Share of the test examples the model gets right. Higher is better."
        )
    if labels == {"agreement"}:
        return QCoreApplication.translate(
            "ChartWidget",
            "How often the model gives the same answer as the original one. Higher is better.",
        )
    return QCoreApplication.translate(
        "ChartWidget",
        "Accuracy on labelled test data where there is some, otherwise how often the model "
        "gives the same answer as the original one. Higher is better.",
    )


def _hex(color: QColor) -> str:
    return color.name(QColor.NameFormat.HexRgb)


# --- the shared base -----------------------------------------------------------------------


class WrappingLabel(pg.LabelItem):
    """A ``LabelItem`` whose text wraps at a width set from outside (its widget's width)."""

    def set_wrap_width(self, width: float) -> None:
        self.item.setTextWidth(max(40.0, width))
        self.updateMin()
        self.resizeEvent(None)

    def setText(self, text: str, **args: object) -> None:
        if self.opts.get("justify") == "center":
            text = f'<div align="center">{text}</div>'
        super().setText(text, **args)


class ChartWidget(QWidget):
    """A pyqtgraph scene in a widget, coloured from the palette, exportable as PNG.

    Subclasses build their plots in ``self.view`` (a ``GraphicsLayoutWidget``), return the item
    to export from :meth:`_export_item`, and redraw in :meth:`_restyle` when the palette
    changes.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setAntialiasing(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.installEventFilter(self)
        self._styling = False

    # -- colours

    def text_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Text)

    def muted_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.PlaceholderText)

    def background_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Base)

    def _style_plot(self, plot: pg.PlotItem) -> None:
        text = self.text_color()
        for side in ("left", "bottom", "right", "top"):
            axis = plot.getAxis(side)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            axis.enableAutoSIPrefix(False)
        plot.titleLabel.setAttr("color", _hex(text))
        plot.titleLabel.setText(plot.titleLabel.text)

    def _add_export_action(self, plot: pg.PlotItem) -> None:
        """Add "Export PNG…" to the plot's right-click menu."""
        menu = plot.getViewBox().menu
        if menu is None:
            return
        menu.addSeparator()
        action = menu.addAction(QCoreApplication.translate("ChartWidget", "Export PNG…"))
        action.triggered.connect(self._ask_export)

    def _ask_export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            QCoreApplication.translate("ChartWidget", "Export chart as PNG"),
            "chart.png",
            QCoreApplication.translate("ChartWidget", "PNG images (*.png)"),
        )
        if path:
            self.export_png(path)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and not self._styling:
            self._styling = True
            try:
                self._restyle()
            finally:
                self._styling = False

    def _restyle(self) -> None:
        self.view.setBackground(self.background_color())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Wrap the labels to the new width before the view lays out its scene, or their old
        # width would hold the layout wide.
        if watched is self.view and event.type() == QEvent.Type.Resize:
            width = cast(QResizeEvent, event).size().width()
            for item in self.view.ci.items:
                if isinstance(item, WrappingLabel):
                    item.set_wrap_width(width - 24)
        return super().eventFilter(watched, event)

    # -- export

    def _export_item(self) -> QGraphicsWidget:
        raise NotImplementedError

    def export_png(self, path: str | Path) -> Path:
        """Save the chart as a PNG image at ``path``, at its size on screen; returns the path."""
        path = Path(path)
        if not self.isVisible():
            # A widget never shown has no layout yet; grabbing it sends the pending resizes.
            if self.size().width() < self.minimumWidth() or self.size().height() < 50:
                self.resize(self.sizeHint())
            self.grab()
        item = self._export_item()
        rect = item.sceneBoundingRect()
        if rect.width() >= 1 and rect.height() >= 1:
            exporter = ImageExporter(item)
            exporter.parameters()["width"] = int(rect.width())
            exporter.parameters()["height"] = int(rect.height())
            exporter.parameters()["background"] = self.background_color()
            if exporter.export(str(path)) is not False and path.exists():
                return path
        if not self.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        return path


# --- before and after ----------------------------------------------------------------------


@dataclass(frozen=True)
class BarSlot:
    """One bar's place in one bar plot: the raw value and the texts shown above it.

    A variant has one slot per plot, except in the latency plot when runtimes are shown side
    by side: then it has one per runtime, each labelled by its ``runtime``.
    """

    name: str
    value: float | None
    text: str  # the value, or "n/a"
    comparison: str  # "0.25×", "−0.3 pt", "baseline" or ""
    runtime: str = ""  # the runtime's label, in the latency plot of runtimes side by side
    variant: int = 0  # the index of the variant, whose colour the bar takes


class VariantAxis(pg.AxisItem):
    """A bottom axis with one tick per variant, labelled with its name.

    Names are wrapped onto two lines and elided to the width of their slot, so neighbours
    never overlap; the full names are in the axis tooltip and the legend. Where slots are too
    narrow for even a few letters, the ticks show numbers (1, 2, ...) that the legend repeats.
    """

    MAX_LINES = 2
    #: Slots narrower than this, in pixels, are numbered instead of named.
    NUMBERED_BELOW_PX = 36.0

    def __init__(self) -> None:
        super().__init__("bottom")
        self._names: list[str] = []
        self._numbers: list[int] | None = None
        self._slot_px: float | None = None
        self.setStyle(tickLength=4, autoExpandTextSpace=False)

    def set_slot_width(self, pixels: float) -> None:
        """The width of one variant's slot, as the chart laid it out."""
        if pixels != self._slot_px:
            self._slot_px = pixels
            self.picture = None
            self.update()

    def numbered(self) -> bool:
        return self._slot_px is not None and 0 < self._slot_px < self.NUMBERED_BELOW_PX

    def set_names(self, names: Sequence[str], numbers: Sequence[int] | None = None) -> None:
        """One name per slot; ``numbers`` (default 1, 2, ...) are shown instead of the names
        when the slots are narrow, and must match the legend's numbering of the variants."""
        self._names = list(names)
        self._numbers = list(numbers) if numbers is not None else None
        self.setToolTip("\n".join(self._names))
        line = QFontMetricsF(self.font()).lineSpacing()
        self.setHeight(int(self.MAX_LINES * line + 14))
        self.picture = None
        self.update()

    def names(self) -> list[str]:
        return list(self._names)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        return [(1.0, [float(i) for i in range(len(self._names))])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        slot = (
            self._slot_px if self._slot_px is not None else self.width() / max(1, len(self._names))
        )
        metrics = QFontMetricsF(self.font())
        strings = []
        for value in values:
            index = round(value)
            if not 0 <= index < len(self._names):
                strings.append("")
            elif self.numbered():
                strings.append(str(self._numbers[index] if self._numbers else index + 1))
            else:
                strings.append(wrap_text(self._names[index], slot - 6, metrics, self.MAX_LINES))
        return strings


def _text_size(item: pg.TextItem, rotated: bool) -> tuple[float, float]:
    """Width and height in pixels of a text item, upright (turned a quarter when ``rotated``)."""
    rect = item.boundingRect()  # the item's turn lives in its own transform, not in this rect
    return (rect.height(), rect.width()) if rotated else (rect.width(), rect.height())


def _center_lines(item: QGraphicsTextItem) -> None:
    """Make ``<div align="center">`` centre the lines of a text item on its widest one."""
    document = item.document()
    item.setTextWidth(-1)
    item.setTextWidth(math.ceil(document.idealWidth()) + 1)


def wrap_text(text: str, width: float, metrics: QFontMetricsF, max_lines: int = 2) -> str:
    """``text`` broken at spaces into at most ``max_lines`` lines of ``width`` pixels, with
    an ellipsis where it does not fit."""
    if width <= 0 or metrics.horizontalAdvance(text) <= width:
        return text
    lines: list[str] = []
    current = ""
    words = text.split(" ")
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if metrics.horizontalAdvance(candidate) <= width or not current:
            current = candidate
            continue
        lines.append(current)
        if len(lines) == max_lines - 1:
            current = " ".join(words[index:])
            break
        current = word
    lines.append(current)
    elide = Qt.TextElideMode.ElideRight
    return "\n".join(metrics.elidedText(line, elide, width) for line in lines[:max_lines])


class BeforeAfterChart(ChartWidget):
    """Size, latency and quality of a few variants as three bar plots side by side.

    Each bar carries its value and, from the second variant on, how it compares with the first:
    a ratio for size and latency (``0.25×``), a difference in percentage points for quality.
    A value that was not measured leaves its slot empty with "n/a".
    """

    BAR_WIDTH = 0.62
    #: Value texts shrink to fit their bars down to this fraction of the normal font.
    MIN_TEXT_SCALE = 0.75

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[VariantPoint] = []
        self._slots: dict[str, list[BarSlot]] = {metric: [] for metric in METRICS}
        self._texts: dict[str, list[pg.TextItem]] = {metric: [] for metric in METRICS}
        # Per text: the markup stacked on two lines, and on one line for upright texts.
        self._html: dict[str, list[tuple[str, str]]] = {metric: [] for metric in METRICS}
        self._rotated = False
        self._numbered = False
        self.plots: dict[str, pg.PlotItem] = {}
        self._bars: dict[str, pg.BarGraphItem] = {}
        self._axes: dict[str, VariantAxis] = {}
        for column, metric in enumerate(METRICS):
            axis = VariantAxis()
            plot = self.view.addPlot(row=0, col=column, axisItems={"bottom": axis})
            plot.hideAxis("left")
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.getViewBox().disableAutoRange()
            plot.getViewBox().setDefaultPadding(0)
            bars = pg.BarGraphItem(x=[], height=[], width=self.BAR_WIDTH, pen=pg.mkPen(None))
            plot.addItem(bars)
            self._add_export_action(plot)
            self.plots[metric] = plot
            self._bars[metric] = bars
            self._axes[metric] = axis
        self._text_font = QFont(self.font())
        # A resize moves all three plots at once: fit the texts once, after the last one.
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_all)
        for plot in self.plots.values():
            plot.getViewBox().sigResized.connect(lambda _view: self._fit_timer.start())
        self.legend = WrappingLabel(justify="center")
        self.view.addItem(self.legend, row=1, col=0, colspan=len(METRICS))
        self.setMinimumSize(480, 260)
        self._restyle()
        self.set_variants([])

    def sizeHint(self) -> QSize:
        return QSize(760, 340)

    # -- data in

    def set_variants(self, points: Sequence[VariantPoint]) -> None:
        """Show ``points``; the first is the one the others are compared with.

        When the points carry latencies on more than one runtime, the latency plot shows a bar
        per variant and runtime, named by the runtime under it.
        """
        self._points = list(points)
        for metric in METRICS:
            self._slots[metric] = self._make_slots(metric)
            slots = self._slots[metric]
            self._axes[metric].set_names(
                [slot.runtime or slot.name for slot in slots],
                [slot.variant + 1 for slot in slots],
            )
            self._draw(metric)
        self._fit_all()
        self._set_titles()
        self._set_legend()

    # -- data out

    def variants(self) -> list[VariantPoint]:
        return list(self._points)

    def slots(self, metric: str) -> list[BarSlot]:
        """What each variant shows in the ``"size"``, ``"latency"`` or ``"quality"`` plot."""
        return list(self._slots[metric])

    def bar_item(self, metric: str) -> pg.BarGraphItem:
        """The bars of one plot; heights are the raw values (bytes, ms, fraction)."""
        return self._bars[metric]

    def text_items(self, metric: str) -> list[pg.TextItem]:
        return list(self._texts[metric])

    def runtimes_shown(self) -> bool:
        """True when the latency plot has a bar per runtime (the points were timed on more
        than one runtime)."""
        labels = {label for point in self._points for label, _ms in point.latencies}
        return len(labels) > 1

    # -- internals

    @staticmethod
    def _value(point: VariantPoint, metric: str) -> float | None:
        value: float | None
        if metric == "size":
            value = None if point.size_bytes is None else float(point.size_bytes)
        elif metric == "latency":
            value = point.latency_ms
        else:
            value = point.quality
        return value if _known(value) else None

    def _format(self, metric: str, value: float) -> str:
        if metric == "size":
            return format_bytes(round(value))
        if metric == "latency":
            return format_latency(value)
        return format_percent(value)

    def _make_slots(self, metric: str) -> list[BarSlot]:
        translate = QCoreApplication.translate
        # (variant index, runtime label, value) per bar: runtimes side by side in the latency
        # plot, so one variant may have several.
        bars: list[tuple[int, str, float | None]] = []
        by_runtime = metric == "latency" and self.runtimes_shown()
        for index, point in enumerate(self._points):
            if by_runtime and point.latencies:
                bars.extend((index, label, value if _known(value) else None)
                            for label, value in point.latencies)
            else:
                bars.append((index, "", self._value(point, metric)))
        base = bars[0][2] if bars else None
        slots = []
        for number, (index, runtime, value) in enumerate(bars):
            name = self._points[index].name
            if runtime:
                name = f"{name} · {runtime}"
            if value is None:
                slots.append(BarSlot(name, None, translate("BeforeAfterChart", "n/a"), "",
                                     runtime, index))
                continue
            comparison = ""
            if number == 0 and len(bars) > 1:
                comparison = translate("BeforeAfterChart", "baseline")
            elif number > 0 and base is not None:
                if metric == "quality":
                    comparison = format_points(value - base)
                elif base > 0:
                    comparison = format_ratio(value / base)
            slots.append(BarSlot(name, value, self._format(metric, value), comparison,
                                 runtime, index))
        return slots

    def _draw(self, metric: str) -> None:
        """Bars and value texts of one plot; the caller fits the texts (once for all plots).

        Text items are reused when the number of variants stays the same: making and adding
        pyqtgraph TextItems is most of the cost of a redraw after each job.
        """
        plot = self.plots[metric]
        reuse = len(self._texts[metric]) == len(self._slots[metric])
        if not reuse:
            for item in self._texts[metric]:
                plot.removeItem(item)
            self._texts[metric] = []
        self._html[metric] = []
        slots = self._slots[metric]
        present = [(i, slot) for i, slot in enumerate(slots) if slot.value is not None]
        self._bars[metric].setOpts(
            x=np.array([i for i, _ in present], dtype=float),
            height=np.array([slot.value for _, slot in present], dtype=float),
            width=self.BAR_WIDTH,
            brushes=[pg.mkBrush(variant_color(slot.variant)) for _, slot in present],
            pen=pg.mkPen(None),
        )
        text, muted = _hex(self.text_color()), _hex(self.muted_color())
        for index, slot in enumerate(slots):
            if slot.value is None:
                stacked = line = f'<span style="color:{muted}">{html.escape(slot.text)}</span>'
            else:
                value = (
                    f'<span style="color:{text}; font-weight:600">{html.escape(slot.text)}</span>'
                )
                stacked = line = value
                if slot.comparison:
                    comparison = (
                        f'<span style="color:{muted}; font-size:small">'
                        f"{html.escape(slot.comparison)}</span>"
                    )
                    stacked = f"{value}<br>{comparison}"
            if reuse:
                item = self._texts[metric][index]
            else:
                item = pg.TextItem(anchor=(0.5, 1.0))
                plot.addItem(item)
                self._texts[metric].append(item)
            item.setToolTip(
                f"{slot.name}: {slot.text}" + (f" ({slot.comparison})" if slot.comparison else "")
            )
            item.setPos(index, slot.value or 0.0)
            self._html[metric].append((f'<div align="center">{stacked}</div>', line))

    def names_numbered(self) -> bool:
        """True when the bars are too narrow for names and the axes show numbers instead."""
        return self._numbered

    def texts_rotated(self) -> bool:
        """True when the value texts run upwards because they are too wide for their bars."""
        return self._rotated

    def _fit_all(self) -> None:
        """Fit the value texts to their slots, then each view to its bars and texts.

        Texts wider than their slot get a smaller font, the same in all three plots, down to
        :data:`MIN_TEXT_SCALE`; narrower still, they turn to run upwards on one line. The x range
        widens so the outer texts are not cut off, and the y range runs from zero to the tallest
        bar plus the height of its text in pixels, so the texts never reach the titles.
        """
        scale = 1.0
        for metric in METRICS:
            width = self.plots[metric].getViewBox().width()
            count = max(1, len(self._slots[metric]))
            for item, (stacked, _line) in zip(self._texts[metric], self._html[metric], strict=True):
                self._set_text(item, stacked, self._text_font, rotated=False)
                room = width / count - 4
                text_width = item.boundingRect().width()
                if text_width > room > 0:
                    scale = min(scale, room / text_width)
        self._rotated = scale < self.MIN_TEXT_SCALE
        font = QFont(self._text_font)
        # Upright texts are no longer limited by their width: a nearly normal font will do.
        scale = 0.9 if self._rotated else scale
        font.setPointSizeF(self._text_font.pointSizeF() * scale)
        for metric in METRICS:
            for item, (stacked, line) in zip(self._texts[metric], self._html[metric], strict=True):
                self._set_text(item, line if self._rotated else stacked, font, self._rotated)
            self._fit_ranges(metric)
        numbered = any(axis.numbered() for axis in self._axes.values())
        if numbered != self._numbered:
            self._numbered = numbered
            self._set_legend()

    @staticmethod
    def _set_text(item: pg.TextItem, markup: str, font: QFont, rotated: bool) -> None:
        item.setHtml(markup)
        item.setFont(font)
        _center_lines(item.textItem)
        if rotated:
            item.setAngle(90)
            item.setAnchor((0.0, 0.5))  # starts at the bar's top, centred across it
        else:
            item.setAngle(0)
            item.setAnchor((0.5, 1.0))  # centred above the bar

    def _fit_ranges(self, metric: str) -> None:
        view = self.plots[metric].getViewBox()
        texts = self._texts[metric]
        count = max(1, len(self._slots[metric]))
        width, height = view.width(), view.height()
        pad = 0.0
        sizes = [_text_size(item, self._rotated) for item in texts]
        if texts and width > 0:
            half = max(w for w, _h in sizes) / 2 + 2
            pad = (half * count - 0.5 * width) / (width - 2 * half) if width > 2 * half else 0.5
            pad = min(max(0.0, pad), 0.5)
        view.setXRange(-0.5 - pad, count - 0.5 + pad, padding=0)
        if width > 0:
            self._axes[metric].set_slot_width(width / (count + 2 * pad))

        values = [slot.value for slot in self._slots[metric] if slot.value is not None]
        top = max(values, default=0.0)
        if top <= 0:
            view.setYRange(0, 1, padding=0)
            return
        label = max((h for _w, h in sizes), default=0)
        room = label + 6
        # The bars keep at least a quarter of the height; a very short chart cuts texts off.
        top = top * height / (height - room) if height > 4 / 3 * room else top * 4
        view.setYRange(0, top, padding=0)

    def _set_titles(self) -> None:
        translate = QCoreApplication.translate
        muted = _hex(self.muted_color())
        titles = {
            "size": (
                translate("BeforeAfterChart", "Size"),
                translate("BeforeAfterChart", "smaller is better"),
                translate(
                    "BeforeAfterChart",
                    "How much disk space and memory the model's weights take. Smaller is better.",
                ),
            ),
            "latency": (
                translate("BeforeAfterChart", "Latency"),
                translate("BeforeAfterChart", "lower is faster"),
                translate("BeforeAfterChart", "How long one prediction takes. Lower is faster."),
            ),
            "quality": (
                _quality_title(self._points),
                translate("BeforeAfterChart", "higher is better"),
                _quality_explanation(self._points),
            ),
        }
        compare = translate(
            "BeforeAfterChart",
            "The small text under each value compares it with the first model: 0.25× means a "
            "quarter of its value; pt is the difference in percentage points.",
        )
        if self.runtimes_shown():
            title, hint, explanation = titles["latency"]
            titles["latency"] = (
                translate("BeforeAfterChart", "Latency by runtime"),
                hint,
                explanation + "\n" + translate(
                    "BeforeAfterChart",
                    "Each runtime a model was timed on has a bar of its own, named under it "
                    "(eager: PyTorch eager, compile: torch.compile, ORT: ONNX Runtime), in the "
                    "model's colour; each is compared with the first bar.",
                ),
            )
        for metric, (title, hint, explanation) in titles.items():
            plot = self.plots[metric]
            plot.setTitle(
                f'<div align="center"><b>{html.escape(title)}</b><br>'
                f'<span style="color:{muted}; font-size:small">{html.escape(hint)}</span></div>',
                color=_hex(self.text_color()),
            )
            _center_lines(plot.titleLabel.item)
            # setTitle centred the text while it was still wrapped to the previous title's
            # width (a longer title, Chinese above all, wraps onto more lines): centre it again.
            plot.titleLabel.resizeEvent(None)
            plot.titleLabel.setMaximumHeight(44)
            plot.layout.setRowFixedHeight(0, 44)
            plot.setToolTip(f"{explanation}\n\n{compare}")

    def _set_legend(self) -> None:
        parts = []
        for index, point in enumerate(self._points):
            name = point.name + (f" ({point.device})" if point.device else "")
            name = html.escape(name).replace(" ", "&nbsp;")  # wrap between entries only
            if self._numbered:
                name = f"<b>{index + 1}</b>&nbsp;{name}"
            parts.append(f'<span style="color:{_hex(variant_color(index))}">■</span>&nbsp;{name}')
        self.legend.setText("&nbsp;&nbsp; ".join(parts), color=_hex(self.text_color()))

    def _restyle(self) -> None:
        super()._restyle()
        for plot in self.plots.values():
            self._style_plot(plot)
        if hasattr(self, "legend"):
            self.set_variants(self._points)

    def _export_item(self) -> QGraphicsWidget:
        return self.view.ci


# --- trade-off scatter ---------------------------------------------------------------------


class TradeoffScatter(ChartWidget):
    """Every variant as a dot: latency across, quality up, dot area in proportion to size.

    The best trade-offs (see :func:`pareto_frontier`) are ringed and joined by a step line.
    Names are placed next to their dots where they overlap nothing else.
    """

    LABEL_GAP = 3.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[VariantPoint] = []
        self._shown: list[tuple[int, VariantPoint]] = []  # (colour index, point) with x and y
        self._frontier: list[VariantPoint] = []
        self._sizes: list[float] = []
        self._labels: list[pg.TextItem] = []
        self.plot: pg.PlotItem = self.view.addPlot(row=0, col=0)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.1)
        self.frontier_curve = pg.PlotDataItem(
            [], [], pen=pg.mkPen(width=2, style=Qt.PenStyle.DashLine), antialias=True
        )
        self.plot.addItem(self.frontier_curve)
        self.scatter = pg.ScatterPlotItem(
            antialias=True, hoverable=True, tip=self._tip, pxMode=True
        )
        self.plot.addItem(self.scatter)
        view = self.plot.getViewBox()
        view.sigResized.connect(self._place_labels)
        view.sigRangeChanged.connect(self._place_labels)
        self._add_export_action(self.plot)
        self.note = WrappingLabel(justify="left", size="9pt")
        self.view.addItem(self.note, row=1, col=0)
        self.setMinimumSize(360, 280)
        self._restyle()
        self.set_variants([])

    def sizeHint(self) -> QSize:
        return QSize(560, 400)

    # -- data in and out

    def set_variants(self, points: Sequence[VariantPoint]) -> None:
        """Show ``points``; those without a latency or a quality are listed below the plot."""
        self._points = list(points)
        self._shown = [
            (i, p) for i, p in enumerate(self._points) if _known(p.latency_ms) and _known(p.quality)
        ]
        self._frontier = pareto_frontier([p for _, p in self._shown])
        self._draw()

    def variants(self) -> list[VariantPoint]:
        return list(self._points)

    def frontier_names(self) -> list[str]:
        """Names of the best trade-offs, fastest first."""
        return [point.name for point in self._frontier]

    def point_sizes(self) -> list[float]:
        """Dot diameters in pixels, in the order of the points shown."""
        return list(self._sizes)

    def label_items(self) -> list[pg.TextItem]:
        return list(self._labels)

    # -- internals

    def _diameters(self) -> list[float]:
        sizes = [p.size_bytes for _, p in self._shown]
        largest = max((s for s in sizes if s is not None and s > 0), default=0)
        diameters = []
        for size in sizes:
            if size is None or size <= 0 or largest == 0:
                diameters.append(MIN_POINT_PX * 1.5)
            else:
                diameter = MAX_POINT_PX * math.sqrt(size / largest)
                diameters.append(min(MAX_POINT_PX, max(MIN_POINT_PX, diameter)))
        return diameters

    def _draw(self) -> None:
        translate = QCoreApplication.translate
        text = self.text_color()
        frontier_ids = {id(p) for p in self._frontier}
        self._sizes = self._diameters()
        spots = []
        for (index, point), diameter in zip(self._shown, self._sizes, strict=True):
            color = variant_color(index)
            on_frontier = id(point) in frontier_ids
            fill = QColor(color)
            fill.setAlpha(230 if on_frontier else 150)
            pen = pg.mkPen(text, width=2.5) if on_frontier else pg.mkPen(color, width=1)
            spots.append(
                {
                    "pos": (point.latency_ms, 100 * point.quality),  # type: ignore[operator]
                    "size": diameter,
                    "brush": pg.mkBrush(fill),
                    "pen": pen,
                    "data": index,
                }
            )
        self.scatter.setData(spots)

        xs: list[float] = []
        ys: list[float] = []
        for step, point in enumerate(self._frontier):
            x, y = float(point.latency_ms), 100 * float(point.quality)  # type: ignore[arg-type]
            if step:
                xs.append(x)
                ys.append(ys[-1])
            xs.append(x)
            ys.append(y)
        self.frontier_curve.setData(xs, ys)
        self.frontier_curve.setPen(
            pg.mkPen(
                self.palette().color(QPalette.ColorRole.Highlight),
                width=2,
                style=Qt.PenStyle.DashLine,
            )
        )

        for label in self._labels:
            self.plot.removeItem(label)
        self._labels = []
        for index, point in self._shown:
            label = pg.TextItem(point.name, color=text, anchor=(0, 0))
            font = label.textItem.font()
            font.setBold(id(point) in frontier_ids)
            label.setFont(font)
            label.setToolTip(self._describe(index))
            self.plot.addItem(label)
            self._labels.append(label)

        quality = _quality_title([p for _, p in self._shown])
        self.plot.setLabel("bottom", translate("TradeoffScatter", "Latency (ms), lower is faster"))
        self.plot.setLabel(
            "left",
            translate("TradeoffScatter", "{quality} (%), higher is better").format(quality=quality),
        )
        self.plot.setToolTip(
            translate(
                "TradeoffScatter",
                "Each dot is one version of the model. Further left is faster, higher is more "
                "accurate, and a bigger dot is a bigger model. The dashed line joins the "
                "versions that no other version beats on both speed and quality: the best "
                "trade-offs, shown in bold.",
            )
            + "\n\n"
            + _quality_explanation([p for _, p in self._shown])
        )
        missing = [p.name for p in self._points if not (_known(p.latency_ms) and _known(p.quality))]
        lines = []
        if self._shown:
            lines.append(
                translate(
                    "TradeoffScatter",
                    "Bigger dots are bigger models. Ringed dots, joined by the dashed line, are "
                    "the best trade-offs.",
                )
            )
        elif not self._points:
            lines.append(translate("TradeoffScatter", "No models to compare yet."))
        if missing:
            lines.append(
                translate("TradeoffScatter", "Not shown, not measured yet: {names}").format(
                    names=", ".join(missing)
                )
            )
        self.note.setText(
            "<br>".join(html.escape(line) for line in lines), color=_hex(self.muted_color())
        )
        self._fit_range()
        self._place_labels()

    def _fit_range(self) -> None:
        view = self.plot.getViewBox()
        if not self._shown:
            view.setRange(xRange=(0, 10), yRange=(0, 100), padding=0)
            return
        xs = [float(p.latency_ms) for _, p in self._shown]  # type: ignore[arg-type]
        ys = [100 * float(p.quality) for _, p in self._shown]  # type: ignore[arg-type]
        # Latency from zero, so distances read as ratios; room on the right for names.
        x_top = max(xs) * 1.3 if max(xs) > 0 else 1.0
        span = max(ys) - min(ys)
        pad = max(0.3 * span, 0.5)
        view.setRange(xRange=(0, x_top), yRange=(min(ys) - pad, max(ys) + pad), padding=0)

    def _place_labels(self, *_args: object) -> None:
        """Put each name beside its dot: right, left, above or below, whichever overlaps
        nothing; otherwise where it overlaps least."""
        if not self._labels:
            return
        view = self.plot.getViewBox()
        bounds = view.sceneBoundingRect()
        if bounds.width() < 10 or bounds.height() < 10:
            return
        centres = []
        for (_index, point), diameter in zip(self._shown, self._sizes, strict=True):
            scene = view.mapViewToScene(
                QPointF(float(point.latency_ms), 100 * float(point.quality))  # type: ignore[arg-type]
            )
            centres.append((scene, diameter / 2))
        dots = [QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r) for c, r in centres]
        placed: list[QRectF] = []
        for label, (centre, radius) in zip(self._labels, centres, strict=True):
            size = label.textItem.boundingRect()
            w, h = size.width(), size.height()
            gap = radius + self.LABEL_GAP
            x, y = centre.x(), centre.y()
            candidates = [
                QRectF(x + gap, y - h / 2, w, h),  # right
                QRectF(x - gap - w, y - h / 2, w, h),  # left
                QRectF(x - w / 2, y - gap - h + 4, w, h),  # above
                QRectF(x - w / 2, y + gap - 4, w, h),  # below
                QRectF(x + gap * 0.7, y - gap * 0.7 - h + 4, w, h),  # upper right
                QRectF(x + gap * 0.7, y + gap * 0.7 - 4, w, h),  # lower right
                QRectF(x - gap * 0.7 - w, y - gap * 0.7 - h + 4, w, h),  # upper left
                QRectF(x - gap * 0.7 - w, y + gap * 0.7 - 4, w, h),  # lower left
            ]

            def cost(rect: QRectF) -> float:
                inner = rect.adjusted(4, 4, -4, -4)  # the text item's own margins
                total = 0.0
                for other in placed + dots:
                    overlap = inner.intersected(other)
                    total += overlap.width() * overlap.height()
                clipped = inner.intersected(bounds)
                total += 4 * (inner.width() * inner.height() - clipped.width() * clipped.height())
                return round(total)  # whole square pixels: rounding noise must not count

            best = min(candidates, key=cost)  # min keeps the first of equal costs
            placed.append(best.adjusted(4, 4, -4, -4))
            label.setAnchor((0, 0))
            label.setPos(view.mapSceneToView(best.topLeft()))

    def _describe(self, index: int) -> str:
        translate = QCoreApplication.translate
        point = self._points[index]
        lines = [point.name]
        if _known(point.latency_ms):
            lines.append(
                translate("TradeoffScatter", "Latency: {value}").format(
                    value=format_latency(point.latency_ms)  # type: ignore[arg-type]
                )
            )
        if _known(point.quality):
            lines.append(
                translate("TradeoffScatter", "{quality}: {value}").format(
                    quality=_quality_title([point]),
                    value=format_percent(point.quality),
                )
            )
        if point.size_bytes is not None:
            lines.append(
                translate("TradeoffScatter", "Size: {value}").format(
                    value=format_bytes(point.size_bytes)
                )
            )
        if point.device:
            lines.append(
                translate("TradeoffScatter", "Device: {device}").format(device=point.device)
            )
        return "\n".join(lines)

    def _tip(self, x: float, y: float, data: object) -> str:
        return self._describe(int(data)) if isinstance(data, (int, np.integer)) else ""

    def _restyle(self) -> None:
        super()._restyle()
        self._style_plot(self.plot)
        if hasattr(self, "note"):
            self._draw()

    def _export_item(self) -> QGraphicsWidget:
        return self.view.ci


# --- live curve ----------------------------------------------------------------------------


class _Series:
    """One named line: its curve item (created once) and a growing buffer of samples."""

    def __init__(self, curve: pg.PlotDataItem) -> None:
        self.curve = curve
        self.x = np.empty(256)
        self.y = np.empty(256)
        self.count = 0
        self.dirty = False

    def append(self, y: float, x: float | None) -> None:
        if self.count == len(self.y):
            self.x = np.concatenate([self.x, np.empty_like(self.x)])
            self.y = np.concatenate([self.y, np.empty_like(self.y)])
        self.x[self.count] = float(self.count) if x is None else x
        self.y[self.count] = y
        self.count += 1
        self.dirty = True

    def clear(self) -> None:
        # Fresh buffers: the curve may still hold views of the old ones until it redraws.
        self.x = np.empty(256)
        self.y = np.empty(256)
        self.count = 0
        self.dirty = True

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.count].copy(), self.y[: self.count].copy()


def median_and_p90(values: np.ndarray) -> tuple[float, float] | None:
    """Median and 90th percentile of the finite values, the way the engine's
    ``latency_summary`` computes them (p90: nearest rank); None without any."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    index = min(finite.size - 1, max(0, round(0.9 * (finite.size - 1))))
    p90 = float(np.partition(finite, index)[index])
    return float(np.median(finite)), p90


class LiveCurve(ChartWidget):
    """A line chart that a running job feeds one value at a time.

    ``append`` only stores the value; a timer redraws at most every
    :data:`UPDATE_INTERVAL_MS` ms, so thousands of appends a second cost one redraw each tick.
    The first series also gets a dashed median line labelled with its median and p90.
    """

    DEFAULT = "default"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._unit = ""
        self._show_stats = True
        self._series: dict[str, _Series] = {}
        self._order: list[str] = []
        self._stats: tuple[float, float] | None = None
        self.plot: pg.PlotItem = self.view.addPlot(row=0, col=0)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.legend: pg.LegendItem | None = None
        self._series[self.DEFAULT] = _Series(self._make_curve(0, ""))
        self.median_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            label="",
            labelOpts={"position": 0.98, "anchors": [(1, 1), (1, 0)]},
        )
        self.median_line.setZValue(10)
        self.median_line.setVisible(False)
        self.plot.addItem(self.median_line, ignoreBounds=True)
        self.update_timer = QTimer(self)
        self.update_timer.setSingleShot(True)
        self.update_timer.setInterval(UPDATE_INTERVAL_MS)
        self.update_timer.timeout.connect(self._flush)
        self._add_export_action(self.plot)
        self.setToolTip(
            QCoreApplication.translate(
                "LiveCurve",
                "Values from the running job, as they arrive. The dashed line is the median: "
                "half of the values are below it. p90: nine in ten values are below it.",
            )
        )
        self.setMinimumSize(320, 200)
        self._restyle()
        self.start("", "", "")

    def sizeHint(self) -> QSize:
        return QSize(560, 320)

    # -- feeding

    def start(
        self,
        title: str,
        y_label: str,
        unit: str,
        *,
        x_label: str | None = None,
        show_stats: bool = True,
    ) -> None:
        """Clear the chart for a new run. ``x_label`` defaults to "Sample"; ``show_stats``
        draws the median line of the first series (turn it off for curves such as a loss)."""
        self.update_timer.stop()
        for name in list(self._series):
            if name != self.DEFAULT:
                self._remove_series(name)
        self._series[self.DEFAULT].clear()
        self._series[self.DEFAULT].curve.setData([], [])
        self._series[self.DEFAULT].dirty = False
        self._order = []
        self._unit = unit
        self._show_stats = show_stats
        self._stats = None
        self.median_line.setVisible(False)
        self.plot.setTitle(html.escape(title) if title else None, color=_hex(self.text_color()))
        left = f"{y_label} ({unit})" if unit and y_label else y_label or unit
        self.plot.setLabel("left", left)
        self.plot.setLabel("bottom", x_label or QCoreApplication.translate("LiveCurve", "Sample"))
        self.plot.enableAutoRange()

    def append(self, y: float, x: float | None = None, series: str = DEFAULT) -> None:
        """Add one value (at sample index ``x`` unless given) to ``series``; cheap: the
        chart redraws on its next tick."""
        if series not in self._series:
            self._add_series(series)
        if series not in self._order:
            self._order.append(series)
        self._series[series].append(float(y), None if x is None else float(x))
        if not self.update_timer.isActive():
            self.update_timer.start()

    def finish(self) -> None:
        """Stop the redraw timer and draw everything appended so far."""
        self.update_timer.stop()
        self._flush()

    # -- reading back

    def series_names(self) -> list[str]:
        """Series that received values since :meth:`start`, in order of their first value."""
        return list(self._order)

    def curve_item(self, series: str = DEFAULT) -> pg.PlotDataItem:
        return self._series[series].curve

    def series_data(self, series: str = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
        """Every value appended to ``series``, drawn or still waiting for the next tick."""
        return self._series[series].data()

    def statistics(self) -> tuple[float, float] | None:
        """(median, p90) of the first series as last drawn, or None."""
        return self._stats

    def stats_text(self) -> str:
        """The median line's label as last drawn, "" while there is none."""
        if self._stats is None:
            return ""
        median, p90 = self._stats
        text = QCoreApplication.translate("LiveCurve", "median {median} · p90 {p90}").format(
            median=format_value(median, self._unit), p90=format_value(p90, self._unit)
        )
        if len(self._order) > 1:
            text = f"{self._order[0]}: {text}"
        return text

    # -- internals

    def _make_curve(self, index: int, name: str) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(
            [],
            [],
            pen=pg.mkPen(variant_color(index), width=2),
            name=name or None,
            antialias=True,
        )
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        self.plot.addItem(curve)
        return curve

    def _add_series(self, name: str) -> None:
        if self.legend is None:
            self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor=self.text_color())
            default = self._series[self.DEFAULT]
            if default.count:
                self.legend.addItem(default.curve, self.DEFAULT)
        self._series[name] = _Series(self._make_curve(len(self._series), name))

    def _remove_series(self, name: str) -> None:
        series = self._series.pop(name)
        self.plot.removeItem(series.curve)
        if self.legend is not None:
            self.legend.removeItem(series.curve)

    def _flush(self) -> None:
        for series in self._series.values():
            if series.dirty:
                series.curve.setData(series.x[: series.count], series.y[: series.count])
                series.dirty = False
        first = self._series.get(self._order[0]) if self._order else None
        self._stats = None
        if first is not None and self._show_stats:
            self._stats = median_and_p90(first.y[: first.count])
        if self._stats is None:
            self.median_line.setVisible(False)
            return
        self.median_line.label.format = self.stats_text().replace("{", "{{").replace("}", "}}")
        self.median_line.setValue(self._stats[0])
        self.median_line.setVisible(True)
        self.median_line.label.valueChanged()

    def _restyle(self) -> None:
        super()._restyle()
        self._style_plot(self.plot)
        text = self.text_color()
        self.median_line.setPen(pg.mkPen(text, width=1, style=Qt.PenStyle.DashLine))
        label = self.median_line.label
        label.setColor(text)
        fill = QColor(self.background_color())
        fill.setAlpha(200)
        label.fill = pg.mkBrush(fill)
        label.update()
        if self.legend is not None:
            self.legend.setLabelTextColor(text)

    def _export_item(self) -> QGraphicsWidget:
        return self.view.ci
