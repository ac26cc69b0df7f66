"""A bar chart of how much each layer suffers when it alone is compressed.

A sensitivity scan (quantize or prune one layer at a time) gives one damage value per layer and
per setting: a fidelity drop (1 − cosine), or an accuracy drop in points, at 25 % and 50 %
pruning or for two schemes. :class:`SensitivityChart` draws them as horizontal bars, one row
per layer in model order, one colour per setting, and highlights the layers that suffer most:
the ones worth skipping. It only displays the values the application hands it.

Rows keep a readable height; when there are more layers than fit, the rows scroll (mouse wheel
or the scroll bar beside the chart) while the value axis and the legend stay in place.
Exported images always show every layer.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QResizeEvent
from PySide6.QtWidgets import QGraphicsWidget, QHBoxLayout, QScrollBar, QWidget

from slimbench.widgets.charts import ChartWidget, WrappingLabel, format_value, variant_color

#: Layers highlighted as the most sensitive, unless changed with ``set_highlight_count``.
DEFAULT_HIGHLIGHT = 3
#: Share of a row's height the bars of one layer take together.
ROW_FILL = 0.8
#: Rows are never taller than this, in pixels: a few layers do not make fat bars.
MAX_ROW_PX = 36.0
#: Layer names on the axis take at most this share of the chart's width, and this many pixels.
NAME_SHARE = 0.4
MAX_NAME_PX = 220.0
MIN_NAME_PX = 80.0


def _hex(color: QColor) -> str:
    return color.name(QColor.NameFormat.HexRgb)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def elide_layer_name(name: str, width: float, metrics: QFontMetricsF) -> str:
    """``name`` shortened to ``width`` pixels for the layer axis.

    Module paths lose whole parts from the front first, so the distinguishing end stays:
    ``encoder.layers.11.attention.q_proj`` -> ``…layers.11.attention.q_proj`` or
    ``…11.attention.q_proj``; a name whose last part alone is too long loses its middle.
    """
    if metrics.horizontalAdvance(name) <= width:
        return name
    parts = name.split(".")
    for start in range(1, len(parts)):
        candidate = "…" + ".".join(parts[start:])
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)


class _RowsViewBox(pg.ViewBox):
    """A view box whose mouse wheel scrolls the rows (through a callback) instead of zooming."""

    def __init__(self) -> None:
        super().__init__(enableMenu=True)
        self.scroll_rows = None  # set by the chart: (steps: int) -> bool (True if it scrolled)

    def wheelEvent(self, ev: object, axis: int | None = None) -> None:
        delta = ev.delta()  # type: ignore[attr-defined]
        if self.scroll_rows is not None and delta and self.scroll_rows(-round(delta / 40)):
            ev.accept()  # type: ignore[attr-defined]
        else:
            ev.ignore()  # type: ignore[attr-defined]


class LayerAxis(pg.AxisItem):
    """A left axis with one tick per layer: its name, elided in the middle to fit; the names
    of the highlighted layers are drawn bold in the highlight colour."""

    def __init__(self) -> None:
        super().__init__("left")
        self._names: list[str] = []
        self._highlighted: set[int] = set()
        self._highlight_color = QColor("#D55E00")
        self._name_px = 80.0
        self.setStyle(tickLength=0, autoExpandTextSpace=False, hideOverlappingLabels=False)

    def set_names(self, names: Sequence[str], max_px: float) -> None:
        """The layer names, and the most pixels a name may take before it is shortened."""
        self._names = list(names)
        metrics = QFontMetricsF(self._bold_font())
        widest = max((metrics.horizontalAdvance(name) for name in self._names), default=40.0)
        name_px = min(max_px, widest)
        if name_px != self._name_px or self.width() != math.ceil(name_px) + 12:
            self._name_px = name_px
            self.setWidth(math.ceil(name_px) + 12)
        self.picture = None
        self.update()

    def set_highlighted(self, rows: set[int], color: QColor) -> None:
        self._highlighted = set(rows)
        self._highlight_color = QColor(color)
        self.picture = None
        self.update()

    def names(self) -> list[str]:
        return list(self._names)

    def label_text(self, row: int) -> str:
        """The name as the axis shows it (elided in the middle where it is too long)."""
        return elide_layer_name(self._names[row], self._name_px, QFontMetricsF(self._bold_font()))

    def _bold_font(self) -> QFont:
        font = QFont(self.style["tickFont"] or self.font())
        font.setBold(True)
        return font

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        minVal, maxVal = min(minVal, maxVal), max(minVal, maxVal)  # the rows run downwards
        low, high = max(0, math.ceil(minVal)), min(len(self._names) - 1, math.floor(maxVal))
        return [(1.0, [float(row) for row in range(low, high + 1)])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = []
        for value in values:
            row = round(value)
            strings.append(self.label_text(row) if 0 <= row < len(self._names) else "")
        return strings

    def drawPicture(self, p: QPainter, axisSpec, tickSpecs, textSpecs) -> None:  # type: ignore[no-untyped-def]
        view = self.linkedView()
        plain, bold = [], []
        for spec in textSpecs:
            rect = spec[0]
            row = -1
            if view is not None:
                scene = self.mapToScene(QPointF(0.0, rect.center().y()))
                row = round(view.mapSceneToView(scene).y())
            (bold if row in self._highlighted else plain).append(spec)
        super().drawPicture(p, axisSpec, tickSpecs, plain)
        if bold:
            p.setFont(self._bold_font())
            p.setPen(self._highlight_color)
            for rect, flags, text in bold:
                p.drawText(rect, int(flags), text)


class SensitivityChart(ChartWidget):
    """Per-layer damage as horizontal bars: one row per layer, one bar colour per series.

    ``set_rows([("net.1", {"25 %": 0.002, "50 %": 0.011}), ...], "Fidelity drop (1 − cosine)")``
    draws them; :meth:`worst` names the layers that suffer most (by their largest value over
    the series), and the :meth:`highlight_count` worst ones are highlighted.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, dict[str, float]]] = []
        self._series: list[str] = []
        self._metric_label = ""
        self._highlight_count = DEFAULT_HIGHLIGHT
        self._show_all_rows = False  # export clones show every layer
        self._first_row = 0

        self.axis = LayerAxis()
        self.viewbox = _RowsViewBox()
        self.viewbox.scroll_rows = self._scroll_by
        self.title = WrappingLabel(justify="center")
        self.view.addItem(self.title, row=0, col=0)
        self.plot: pg.PlotItem = self.view.addPlot(
            row=1, col=0, viewBox=self.viewbox, axisItems={"left": self.axis}
        )
        self.legend = WrappingLabel(justify="center")
        self.view.addItem(self.legend, row=2, col=0)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.viewbox.invertY(True)
        self.viewbox.disableAutoRange()
        self.viewbox.setDefaultPadding(0)
        # The band behind the highlighted rows, and one bar item per series: made once,
        # reused with setOpts (series items beyond the current count are kept, hidden).
        self.highlight_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=1.0, pen=pg.mkPen(None))
        self.highlight_bars.setZValue(-10)
        self.plot.addItem(self.highlight_bars)
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=90, movable=False)
        self.zero_line.setZValue(-5)
        self.plot.addItem(self.zero_line, ignoreBounds=True)
        self._bars: list[pg.BarGraphItem] = []
        self._add_export_action(self.plot)
        self.viewbox.sigResized.connect(lambda _view: self._fit())
        self.view.scene().sigMouseMoved.connect(self._on_mouse_moved)

        self.scroll_bar = QScrollBar(Qt.Orientation.Vertical, self)
        self.scroll_bar.setObjectName("rowScrollBar")
        self.scroll_bar.setVisible(False)
        self.scroll_bar.valueChanged.connect(self._on_scrolled)
        outer = self.layout()
        assert outer is not None
        outer.removeWidget(self.view)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.view, 1)
        row.addWidget(self.scroll_bar)
        outer.addLayout(row)  # type: ignore[attr-defined]

        self.setToolTip(self._explanation())
        self.setMinimumSize(360, 240)
        self._restyle()
        self.set_rows([], "")

    def sizeHint(self) -> QSize:
        return QSize(560, 460)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._set_axis_names()

    def _set_axis_names(self) -> None:
        share = NAME_SHARE * self.width() if self.width() > 0 else MAX_NAME_PX
        max_px = min(MAX_NAME_PX, max(MIN_NAME_PX, share))
        self.axis.set_names([name for name, _values in self._rows], max_px)

    # -- data in

    def set_rows(self, rows: Sequence[tuple[str, Mapping[str, float]]], metric_label: str) -> None:
        """Show one row per layer, in the order given: ``(layer name, {series: damage})``.

        Series are coloured in the order they first appear. Missing, NaN or infinite values
        leave their bar out. ``metric_label`` names the damage on the value axis.
        """
        self._rows = [(str(name), dict(values)) for name, values in rows]
        self._metric_label = metric_label
        series: list[str] = []
        for _name, values in self._rows:
            for key in values:
                if key not in series:
                    series.append(key)
        self._series = series
        self._set_axis_names()
        self.plot.setLabel("bottom", metric_label)
        self._draw()

    def set_highlight_count(self, count: int) -> None:
        """How many of the worst layers to highlight (0: none)."""
        self._highlight_count = max(0, int(count))
        self._draw()

    # -- data out

    def rows(self) -> list[tuple[str, dict[str, float]]]:
        return [(name, dict(values)) for name, values in self._rows]

    def series(self) -> list[str]:
        return list(self._series)

    def metric_label(self) -> str:
        return self._metric_label

    def highlight_count(self) -> int:
        return self._highlight_count

    def worst(self, n: int) -> list[str]:
        """The ``n`` layers that suffer most, worst first, judged by each layer's largest value
        over the series; only layers with a damage above zero count. Ties keep model order."""
        scored = []
        for index, (name, values) in enumerate(self._rows):
            finite = [float(v) for v in values.values() if _finite(v)]
            if finite and max(finite) > 0:
                scored.append((-max(finite), index, name))
        scored.sort()
        return [name for _score, _index, name in scored[: max(0, n)]]

    def highlighted(self) -> list[str]:
        """The layers highlighted now: ``worst(highlight_count())``."""
        return self.worst(self._highlight_count)

    def bar_item(self, series: str) -> pg.BarGraphItem:
        """The bars of one series; their lengths (``opts["width"]``) are the values."""
        return self._bars[self._series.index(series)]

    def bar_lengths(self, series: str) -> dict[str, float]:
        """Layer name -> bar length of one series, as drawn."""
        item = self.bar_item(series)
        rows = item.opts.get("_rows", [])
        widths = np.atleast_1d(np.asarray(item.opts["width"], dtype=float))
        return {self._rows[row][0]: float(width) for row, width in zip(rows, widths, strict=True)}

    def visible_rows(self) -> tuple[int, int]:
        """The first row shown and the number of rows shown."""
        return self._first_row, self._rows_in_view()

    def row_pixels(self) -> float:
        """The height of one layer's row on screen, in pixels."""
        height = self.viewbox.height()
        count = self._rows_in_view()
        return height / count if count and height > 0 else 0.0

    def describe(self, row: int) -> str:
        """A layer and its values, as the tooltip over its row shows them."""
        name, values = self._rows[row]
        lines = [name]
        for series in self._series:
            value = values.get(series)
            if _finite(value):
                lines.append(f"{series}: {format_value(float(value))}")  # type: ignore[arg-type]
        if name in self.highlighted():
            lines.append(
                QCoreApplication.translate(
                    "SensitivityChart",
                    "One of the most sensitive layers: consider leaving it uncompressed.",
                )
            )
        return "\n".join(lines)

    # -- export

    def export_png(self, path: str | Path) -> Path:
        """Save the chart as a PNG at ``path``, with every layer even where the rows scroll."""
        if self._show_all_rows or self._rows_in_view() >= len(self._rows):
            return super().export_png(path)
        clone = SensitivityChart()
        try:
            clone.setPalette(self.palette())
            clone._show_all_rows = True
            clone._highlight_count = self._highlight_count
            clone.set_rows(self._rows, self._metric_label)
            overhead = max(0.0, self.view.height() - self.viewbox.height())
            pitch = max(self._min_row_px(), min(self.row_pixels(), MAX_ROW_PX))
            height = math.ceil(overhead + pitch * len(self._rows)) + 2
            clone.resize(max(self.width(), clone.minimumWidth()), height)
            return clone._export_with_base(path)
        finally:
            clone.deleteLater()

    def _export_with_base(self, path: str | Path) -> Path:
        return super().export_png(path)

    def _export_item(self) -> QGraphicsWidget:
        return self.view.ci

    # -- drawing

    def _explanation(self) -> str:
        return QCoreApplication.translate(
            "SensitivityChart",
            "Each bar shows how much the answers change when only that layer is compressed. "
            "Longer bars hurt more. The highlighted layers are the most sensitive: leaving "
            "them uncompressed keeps most of the quality.",
        )

    def _min_row_px(self) -> float:
        """Rows never get shorter than a line of text, nor than a few pixels per bar."""
        line = QFontMetricsF(self.axis.style["tickFont"] or self.font()).height()
        return max(line + 2.0, 4.0 * max(1, len(self._series)) + 6.0)

    def _highlight_color(self) -> QColor:
        return QColor("#D55E00")

    def _draw(self) -> None:
        count = len(self._series)
        thickness = ROW_FILL / max(1, count)
        for index, series in enumerate(self._series):
            if index == len(self._bars):
                item = pg.BarGraphItem(x0=[], y=[], width=[], height=thickness)
                self.plot.addItem(item)
                self._bars.append(item)
            item = self._bars[index]
            rows = [
                row for row, (_n, values) in enumerate(self._rows) if _finite(values.get(series))
            ]
            lengths = [float(self._rows[row][1][series]) for row in rows]
            offset = -ROW_FILL / 2 + thickness * (index + 0.5)
            color = variant_color(index)
            item.setOpts(
                x0=np.zeros(len(rows)),
                y=np.array(rows, dtype=float) + offset,
                width=np.array(lengths, dtype=float),
                height=thickness,
                brush=pg.mkBrush(color),
                pen=pg.mkPen(None),
                name=series,
                _rows=rows,
            )
            item.setVisible(True)
        for item in self._bars[count:]:
            item.setOpts(x0=[], y=[], width=[], _rows=[])
            item.setVisible(False)

        worst = set(self.highlighted())
        highlight_rows = [row for row, (name, _v) in enumerate(self._rows) if name in worst]
        self.axis.set_highlighted(set(highlight_rows), self._highlight_text_color())
        self._x_range = x_min, x_max = self._value_range()
        band = QColor(self._highlight_color())
        band.setAlpha(40)
        self.highlight_bars.setOpts(
            x0=np.full(len(highlight_rows), x_min),
            y=np.array(highlight_rows, dtype=float),
            width=np.full(len(highlight_rows), x_max - x_min),
            height=1.0,
            brush=pg.mkBrush(band),
            pen=pg.mkPen(None),
        )
        self._set_title()
        self._set_legend()
        self._fit()

    def _value_range(self) -> tuple[float, float]:
        """From zero (or the most negative value: a layer that got better) to the largest
        value, with a little room on both sides so the bars do not touch the axes."""
        values = [float(v) for _n, values in self._rows for v in values.values() if _finite(v)]
        top = max(max(values, default=0.0), 0.0)
        bottom = min(min(values, default=0.0), 0.0)
        span = top - bottom if top > bottom else 1.0
        return bottom - 0.02 * span, top + 0.05 * span

    def _highlight_text_color(self) -> QColor:
        """The highlight colour, made readable on the theme's background."""
        color = QColor(self._highlight_color())
        if self.background_color().lightnessF() < 0.5:
            color = color.lighter(140)
        return color

    def _rows_in_view(self) -> int:
        if self._show_all_rows:
            return len(self._rows)
        height = self.viewbox.height()
        if height <= 0:
            return len(self._rows)
        return max(1, min(len(self._rows), int(height // self._min_row_px())))

    def _fit(self) -> None:
        """Set the value range, and the rows shown: all of them where they fit, else a window
        that the scroll bar moves."""
        x_min, x_max = getattr(self, "_x_range", (0.0, 1.0))
        self.viewbox.setXRange(x_min, x_max, padding=0)
        total = len(self._rows)
        shown = self._rows_in_view()
        scrolls = shown < total
        self.scroll_bar.blockSignals(True)
        self.scroll_bar.setRange(0, max(0, total - shown))
        self.scroll_bar.setPageStep(max(1, shown))
        self.scroll_bar.setSingleStep(1)
        self.scroll_bar.setValue(min(self._first_row, max(0, total - shown)))
        self.scroll_bar.blockSignals(False)
        self.scroll_bar.setVisible(scrolls)
        self._first_row = self.scroll_bar.value() if scrolls else 0
        span = float(shown)
        if not scrolls and not self._show_all_rows:
            height = self.viewbox.height()
            if height > 0:  # leave rows at most MAX_ROW_PX tall; the rest stays empty
                span = max(span, height / MAX_ROW_PX)
        self.viewbox.setYRange(self._first_row - 0.5, self._first_row - 0.5 + span, padding=0)

    def _scroll_by(self, steps: int) -> bool:
        if not self.scroll_bar.isVisible() or not steps:
            return False
        before = self.scroll_bar.value()
        self.scroll_bar.setValue(before + steps)
        return self.scroll_bar.value() != before

    def _on_scrolled(self, value: int) -> None:
        self._first_row = value
        self._fit()

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        rect: QRectF = self.plot.sceneBoundingRect()
        tip = self._explanation()
        if rect.contains(scene_pos) and self._rows:
            row = round(self.viewbox.mapSceneToView(scene_pos).y())
            if (
                0 <= row < len(self._rows)
                and self.viewbox.sceneBoundingRect().top()
                <= (scene_pos.y())
                <= self.viewbox.sceneBoundingRect().bottom()
            ):
                tip = self.describe(row)
        if self.view.toolTip() != tip:
            self.view.setToolTip(tip)

    def _set_title(self) -> None:
        translate = QCoreApplication.translate
        muted = _hex(self.muted_color())
        title = translate("SensitivityChart", "Sensitivity of each layer")
        hint = translate(
            "SensitivityChart", "damage when only that layer is compressed; longer hurts more"
        )
        self.title.setText(
            f"<b>{html.escape(title)}</b><br>"
            f'<span style="color:{muted}; font-size:small">{html.escape(hint)}</span>',
            color=_hex(self.text_color()),
        )

    def _set_legend(self) -> None:
        translate = QCoreApplication.translate
        parts = []
        if len(self._series) > 1 or (self._series and self._series[0]):
            for index, series in enumerate(self._series):
                name = html.escape(series).replace(" ", "&nbsp;")
                color = _hex(variant_color(index))
                parts.append(f'<span style="color:{color}">■</span>&nbsp;{name}')
        if self.highlighted():
            band = _hex(self._highlight_text_color())
            text = translate("SensitivityChart", "most sensitive layers")
            parts.append(
                f'<span style="color:{band}"><b>{html.escape(text).replace(" ", "&nbsp;")}'
                "</b></span>"
            )
        self.legend.setText("&nbsp;&nbsp; ".join(parts), color=_hex(self.text_color()))

    def _restyle(self) -> None:
        super()._restyle()
        self._style_plot(self.plot)
        self.zero_line.setPen(pg.mkPen(self.text_color(), width=1))
        if hasattr(self, "_bars"):
            self._draw()
