"""The charts offscreen: the Pareto frontier, before/after bars, the trade-off scatter, the
throttled live curve, PNG export, minimum sizes and pictures."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPalette

from slimbench.engine.measure import latency_summary
from slimbench.widgets.charts import (
    MAX_POINT_PX,
    MIN_POINT_PX,
    UPDATE_INTERVAL_MS,
    BeforeAfterChart,
    ChartWidget,
    LiveCurve,
    TradeoffScatter,
    VariantPoint,
    format_latency,
    format_points,
    format_ratio,
    pareto_frontier,
)

MB = 1 << 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _point(
    name: str,
    latency: float | None,
    quality: float | None,
    size: int | None = MB,
    label: str = "accuracy",
) -> VariantPoint:
    return VariantPoint(name, latency, size, quality, label)


def _realistic() -> list[VariantPoint]:
    return [
        VariantPoint("original", 6.3, int(10.6 * MB), 0.994, "accuracy", "cpu"),
        VariantPoint("int8", 2.1, int(2.8 * MB), 0.991, "accuracy", "cpu"),
        VariantPoint("pruned 50%", 2.9, int(2.9 * MB), 0.986, "accuracy", "cpu"),
        VariantPoint("bf16", 4.0, int(5.3 * MB), 0.994, "accuracy", "cpu"),
    ]


@pytest.fixture
def make_chart(qtbot) -> Iterator[Callable[..., ChartWidget]]:  # type: ignore[no-untyped-def]
    """Build a chart, sized to its hint and shown; every live curve must end with its timer
    stopped (a chart that keeps redrawing after its job is a leak)."""
    made: list[ChartWidget] = []

    def make(cls: type[ChartWidget], show: bool = True) -> ChartWidget:
        chart = cls()
        qtbot.addWidget(chart)
        chart.resize(chart.sizeHint())
        if show:
            chart.show()
            qtbot.waitExposed(chart)
        made.append(chart)
        return chart

    yield make
    for chart in made:
        if isinstance(chart, LiveCurve):
            assert not chart.update_timer.isActive(), "a LiveCurve was left redrawing"


def _check_png(path: Path) -> QImage:
    assert path.exists() and path.stat().st_size > 1000
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    return image


def _minimum_size_and_picture(chart: ChartWidget, path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    minimum = chart.minimumSize()
    assert 300 <= minimum.width() <= 640 and 180 <= minimum.height() <= 400
    assert chart.sizeHint().width() >= minimum.width()
    assert chart.sizeHint().height() >= minimum.height()
    chart.resize(minimum)
    qtbot.wait(10)
    assert chart.width() >= minimum.width() and chart.height() >= minimum.height()
    assert chart.grab().save(str(path))
    _check_png(path)


# --- the Pareto frontier -------------------------------------------------------------------


def test_frontier_excludes_dominated_points_and_sorts_by_latency() -> None:
    points = [
        _point("slow and good", 10.0, 0.99),
        _point("fast and worse", 2.0, 0.90),
        _point("dominated", 5.0, 0.89),  # slower and worse than "fast and worse"
        _point("middle", 5.0, 0.95),
        _point("slowest and worse", 12.0, 0.98),  # beaten by "slow and good"
    ]
    assert [p.name for p in pareto_frontier(points)] == [
        "fast and worse",
        "middle",
        "slow and good",
    ]


def test_frontier_ties() -> None:
    same_latency = [_point("a", 3.0, 0.90), _point("b", 3.0, 0.95)]
    assert [p.name for p in pareto_frontier(same_latency)] == ["b"]
    same_quality = [_point("slow", 4.0, 0.95), _point("fast", 3.0, 0.95)]
    assert [p.name for p in pareto_frontier(same_quality)] == ["fast"]
    # Equal points do not dominate each other: both stay, in input order.
    twins = [_point("twin 1", 3.0, 0.95), _point("twin 2", 3.0, 0.95), _point("x", 4.0, 0.9)]
    assert [p.name for p in pareto_frontier(twins)] == ["twin 1", "twin 2"]


def test_frontier_skips_points_without_latency_or_quality() -> None:
    points = [
        _point("no latency", None, 1.0),
        _point("no quality", 0.1, None),
        _point("nan", math.nan, 0.99),
        _point("measured", 5.0, 0.5),
    ]
    assert [p.name for p in pareto_frontier(points)] == ["measured"]
    assert pareto_frontier([]) == []
    assert pareto_frontier([_point("only", None, None)]) == []


def test_frontier_of_the_realistic_variants() -> None:
    # bf16 is as good as the original and faster; int8 beats pruned on both.
    assert [p.name for p in pareto_frontier(_realistic())] == ["int8", "bf16"]


def test_formatting() -> None:
    assert format_ratio(0.25) == "0.25×"
    assert format_ratio(1.0) == "1.00×"
    assert format_ratio(12.4) == "12×"
    assert format_ratio(0.001) == "<0.01×"
    assert format_points(-0.003) == "−0.3 pt"
    assert format_points(0.012) == "+1.2 pt"
    assert format_points(0.0) == "±0.0 pt"
    assert format_latency(6.3412) == "6.34 ms"
    assert format_latency(12.34) == "12.3 ms"
    assert format_latency(0.5123) == "0.512 ms"


# --- before and after ----------------------------------------------------------------------


def test_bars_are_the_values_with_ratios_to_the_first(make_chart) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    chart.set_variants(
        [
            VariantPoint("original", 8.0, 8 * MB, 0.994, "accuracy"),
            VariantPoint("int8", 2.0, 2 * MB, 0.991, "accuracy"),
        ]
    )
    expected = {"size": [8 * MB, 2 * MB], "latency": [8.0, 2.0], "quality": [0.994, 0.991]}
    for metric, values in expected.items():
        bars = chart.bar_item(metric)
        assert list(bars.opts["x"]) == [0.0, 1.0]
        assert list(bars.opts["height"]) == pytest.approx(values)
        assert [slot.value for slot in chart.slots(metric)] == pytest.approx(values)

    size, latency, quality = (chart.slots(metric) for metric in ("size", "latency", "quality"))
    assert [slot.text for slot in size] == ["8.0 MB", "2.0 MB"]
    assert [slot.text for slot in latency] == ["8.00 ms", "2.00 ms"]
    assert [slot.text for slot in quality] == ["99.4 %", "99.1 %"]
    assert [slot.comparison for slot in size] == ["baseline", "0.25×"]
    assert [slot.comparison for slot in latency] == ["baseline", "0.25×"]
    assert [slot.comparison for slot in quality] == ["baseline", "−0.3 pt"]
    # ... and the texts on the plot say so.
    drawn = chart.text_items("size")[1].textItem.toPlainText()
    assert "2.0 MB" in drawn and "0.25×" in drawn


def test_every_bar_and_its_text_sits_inside_the_plot(make_chart, qtbot) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    chart.set_variants(_realistic())
    qtbot.wait(20)  # text items take their on-screen transform when painted
    for metric in ("size", "latency", "quality"):
        view = chart.plots[metric].getViewBox()
        bounds = view.sceneBoundingRect().adjusted(-1, -1, 1, 1)
        for item in chart.text_items(metric):
            assert bounds.contains(item.sceneBoundingRect()), metric
        assert view.viewRange()[1][0] == 0  # bars start at zero
    assert not chart.texts_rotated() and not chart.names_numbered()


def test_a_missing_value_leaves_an_empty_slot_saying_na(make_chart) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    chart.set_variants(
        [
            VariantPoint("original", 6.3, 10 * MB, 0.99, "agreement"),
            VariantPoint("student", None, 5 * MB, None, "agreement"),
            VariantPoint("int8", 2.1, 3 * MB, 0.98, "agreement"),
        ]
    )
    latency = chart.slots("latency")
    assert latency[1].value is None and latency[1].text == "n/a" and latency[1].comparison == ""
    assert list(chart.bar_item("latency").opts["x"]) == [0.0, 2.0]  # no bar in slot 1
    assert chart.text_items("latency")[1].textItem.toPlainText() == "n/a"
    assert chart.slots("quality")[2].comparison == "−1.0 pt"
    assert list(chart.bar_item("size").opts["x"]) == [0.0, 1.0, 2.0]


def test_no_ratio_without_a_baseline_value(make_chart) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    chart.set_variants([_point("a", None, 0.9), _point("b", 2.0, 0.8)])
    assert [slot.comparison for slot in chart.slots("latency")] == ["", ""]
    chart.set_variants([_point("alone", 2.0, 0.9)])
    assert chart.slots("latency")[0].comparison == ""  # no "baseline" with nothing to compare
    chart.set_variants([])
    assert chart.slots("size") == [] and len(chart.bar_item("size").opts["x"]) == 0


def test_narrow_bars_turn_their_texts_and_number_their_names(make_chart, qtbot) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    many = [*_realistic(), _point("distilled student", 1.2, 0.97), _point("2:4", 7.9, 0.99)]
    chart.set_variants(many)
    chart.resize(chart.minimumSize())
    qtbot.waitUntil(chart.names_numbered)
    assert chart.texts_rotated()
    assert "<b>6</b>" in chart.legend.text
    assert chart._axes["size"].tickStrings([0.0, 5.0], 1, 1) == ["1", "6"]
    chart.resize(1400, 400)
    qtbot.waitUntil(lambda: not chart.names_numbered())
    assert not chart.texts_rotated()


def test_runtimes_of_one_variant_stand_side_by_side(make_chart, qtbot) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    both = (("PyTorch eager", 4.0), ("ONNX Runtime", 1.0))
    chart.set_variants([
        VariantPoint("original", 1.0, 8 * MB, 0.99, "accuracy", "cpu", both),
        VariantPoint("int8", 0.5, 2 * MB, 0.99, "accuracy", "cpu", (("ONNX Runtime", 0.5),)),
        VariantPoint("pruned", 3.0, 4 * MB, 0.98, "accuracy"),  # timed by its job only
    ])
    assert chart.runtimes_shown()
    latency = chart.slots("latency")
    assert [(slot.name, slot.runtime, slot.variant) for slot in latency] == [
        ("original · PyTorch eager", "PyTorch eager", 0),
        ("original · ONNX Runtime", "ONNX Runtime", 0),
        ("int8 · ONNX Runtime", "ONNX Runtime", 1),
        ("pruned", "", 2),
    ]
    assert [slot.value for slot in latency] == pytest.approx([4.0, 1.0, 0.5, 3.0])
    assert [slot.comparison for slot in latency] == ["baseline", "0.25×", "0.12×", "0.75×"]
    assert list(chart.bar_item("latency").opts["x"]) == [0.0, 1.0, 2.0, 3.0]
    # Bars take their variant's colour; the axis names the runtime under each bar.
    brushes = chart.bar_item("latency").opts["brushes"]
    assert brushes[0].color() == brushes[1].color() != brushes[2].color()
    assert chart._axes["latency"].names() == [
        "PyTorch eager", "ONNX Runtime", "ONNX Runtime", "pruned"]
    assert chart._axes["latency"].tickStrings([2.0], 1, 1) in (["ONNX\nRuntime"],
                                                                ["ONNX Runtime"])
    assert "Latency by runtime" in chart.plots["latency"].titleLabel.text
    assert len(chart.slots("size")) == 3  # the other plots keep one bar per variant

    chart.set_variants([VariantPoint("original", 4.0, MB, 0.9, "accuracy", "cpu",
                                     (("PyTorch eager", 4.0),))])
    assert not chart.runtimes_shown() and chart._axes["latency"].names() == ["original"]


def test_quality_title_follows_the_kind_of_quality(make_chart) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    chart.set_variants([_point("a", 1.0, 0.9, label="agreement")])
    assert "Agreement" in chart.plots["quality"].titleLabel.text
    chart.set_variants([_point("a", 1.0, 0.9), _point("b", 1.0, 0.9, label="agreement")])
    assert "Quality" in chart.plots["quality"].titleLabel.text
    assert "Lower is faster" in chart.plots["latency"].toolTip()


# --- trade-off scatter ---------------------------------------------------------------------


def test_scatter_frontier_names_and_point_sizes(make_chart) -> None:
    chart: TradeoffScatter = make_chart(TradeoffScatter)
    chart.set_variants([*_realistic(), VariantPoint("tiny", 9.0, 1000, 0.5, "accuracy")])
    assert chart.frontier_names() == ["int8", "bf16"]
    sizes = chart.point_sizes()
    assert sizes[0] == MAX_POINT_PX  # the largest model
    assert sizes[-1] == MIN_POINT_PX  # clamped
    # Diameter grows with the square root of the size: 2.8 MB vs 10.6 MB.
    assert sizes[1] == pytest.approx(MAX_POINT_PX * math.sqrt(2.8 / 10.6), rel=1e-3)
    xs, ys = chart.frontier_curve.getData()
    assert list(xs) == [2.1, 4.0, 4.0] and list(ys) == pytest.approx([99.1, 99.1, 99.4])
    assert len(chart.scatter.data) == 5


def test_scatter_lists_unmeasured_variants_and_labels_do_not_overlap(make_chart, qtbot) -> None:
    chart: TradeoffScatter = make_chart(TradeoffScatter)
    chart.set_variants([*_realistic(), _point("student", None, 0.9)])
    qtbot.wait(20)  # text items take their on-screen transform when painted
    assert len(chart.scatter.data) == 4
    assert "student" in chart.note.text
    view = chart.plot.getViewBox().sceneBoundingRect().adjusted(-1, -1, 1, 1)
    rects: list[QRectF] = [label.sceneBoundingRect() for label in chart.label_items()]
    # The text items carry a 4 px margin; compare the text itself.
    texts = [rect.adjusted(4, 4, -4, -4) for rect in rects]
    for index, rect in enumerate(texts):
        assert view.contains(rect)
        for other in texts[index + 1 :]:
            assert not rect.intersects(other)
    assert chart.frontier_names() == ["int8", "bf16"]
    chart.set_variants([])
    assert chart.frontier_names() == [] and len(chart.scatter.data) == 0


# --- live curve ----------------------------------------------------------------------------


def test_live_curve_buffers_appends_and_redraws_at_most_every_tick(make_chart, qtbot) -> None:
    chart: LiveCurve = make_chart(LiveCurve)
    chart.start("Benchmark", "Latency", "ms")
    curve = chart.curve_item()
    calls: list[int] = []
    original = curve.setData

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(args[1]) if len(args) > 1 else 0)
        return original(*args, **kwargs)

    curve.setData = counting  # type: ignore[method-assign]
    values = [6.0 + (i % 10) * 0.1 for i in range(500)]
    for value in values:
        chart.append(value)
    assert calls == []  # nothing drawn yet: appends are only buffered
    qtbot.wait(UPDATE_INTERVAL_MS + 50)
    # (A heavily loaded machine may run the tick late; never wait on it for long.)
    qtbot.waitUntil(lambda: len(curve.getData()[0]) == 500, timeout=2000)
    xs, ys = curve.getData()
    assert len(xs) == 500 and list(xs[:3]) == [0.0, 1.0, 2.0]
    assert list(ys) == pytest.approx(values)
    assert 1 <= len(calls) <= 2, calls

    summary = latency_summary(values)
    assert chart.statistics() == pytest.approx((summary["median"], summary["p90"]))
    assert chart.stats_text() == "median 6.45 ms · p90 6.80 ms"
    assert chart.median_line.value() == pytest.approx(summary["median"])
    assert chart.median_line.isVisible()
    assert chart.median_line.label.toPlainText() == chart.stats_text()

    # Appends spread over 300 ms redraw a few times, not once per value.
    for _ in range(30):
        for _ in range(5):
            chart.append(7.0)
        qtbot.wait(10)
    chart.finish()
    assert not chart.update_timer.isActive()
    assert len(curve.getData()[0]) == 650
    assert len(calls) <= 1 + 6, calls


def test_live_curve_explicit_x_and_several_series(make_chart, qtbot) -> None:
    chart: LiveCurve = make_chart(LiveCurve)
    chart.start("Distillation", "Value", "", x_label="Epoch", show_stats=False)
    for epoch in range(5):
        chart.append(2.0 / (epoch + 1), x=epoch + 1, series="train loss")
        chart.append(0.5 + 0.1 * epoch, x=epoch + 1, series="test accuracy")
    chart.finish()
    assert chart.series_names() == ["train loss", "test accuracy"]
    xs, ys = chart.curve_item("test accuracy").getData()
    assert list(xs) == [1, 2, 3, 4, 5] and list(ys) == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9])
    assert chart.legend is not None
    assert chart.statistics() is None and not chart.median_line.isVisible()

    # A new run starts from nothing; the default curve is the same item as before.
    default = chart.curve_item()
    chart.start("Benchmark", "Latency", "ms")
    assert chart.series_names() == [] and chart.curve_item() is default
    with pytest.raises(KeyError):
        chart.curve_item("train loss")
    chart.append(3.0)
    chart.append(5.0)
    chart.finish()
    assert chart.stats_text() == "median 4.00 ms · p90 5.00 ms"


def test_live_curve_ignores_non_finite_values_in_its_statistics(make_chart) -> None:
    chart: LiveCurve = make_chart(LiveCurve)
    chart.start("Run", "Loss", "")
    for value in (1.0, math.nan, 3.0, math.inf):
        chart.append(value)
    chart.finish()
    assert chart.statistics() == (2.0, 3.0)
    assert len(chart.series_data()[1]) == 4


# --- export, sizes, pictures, palette, translation ------------------------------------------


def _filled(chart: ChartWidget) -> ChartWidget:
    if isinstance(chart, LiveCurve):
        chart.start("Benchmark int8", "Latency", "ms")
        for i in range(200):
            chart.append(6.3 + 0.4 * math.sin(i / 5))
        chart.finish()
    else:
        chart.set_variants(_realistic())  # type: ignore[attr-defined]
    return chart


@pytest.mark.parametrize("cls", [BeforeAfterChart, TradeoffScatter, LiveCurve])
def test_export_png_writes_a_picture(make_chart, tmp_path: Path, cls) -> None:
    chart = _filled(make_chart(cls))
    path = chart.export_png(tmp_path / "chart.png")
    assert path == tmp_path / "chart.png"
    image = _check_png(path)
    assert abs(image.width() - chart.view.width()) <= 2


@pytest.mark.parametrize("cls", [BeforeAfterChart, TradeoffScatter, LiveCurve])
def test_export_png_of_a_chart_never_shown(make_chart, tmp_path: Path, cls) -> None:
    chart = _filled(make_chart(cls, show=False))
    _check_png(chart.export_png(str(tmp_path / "hidden.png")))


@pytest.mark.parametrize("cls", [BeforeAfterChart, TradeoffScatter, LiveCurve])
def test_minimum_size_and_an_image_can_be_saved(make_chart, qtbot, tmp_path: Path, cls) -> None:
    chart = _filled(make_chart(cls))
    _minimum_size_and_picture(chart, tmp_path / f"{cls.__name__}.png", qtbot)


@pytest.mark.parametrize("cls", [BeforeAfterChart, TradeoffScatter, LiveCurve])
def test_the_right_click_menu_offers_export(make_chart, cls) -> None:
    chart = make_chart(cls)
    plot = chart.plots["size"] if isinstance(chart, BeforeAfterChart) else chart.plot
    texts = [action.text() for action in plot.getViewBox().menu.actions()]
    assert "Export PNG…" in texts


def test_axes_and_texts_follow_a_dark_palette(make_chart) -> None:
    chart: BeforeAfterChart = make_chart(BeforeAfterChart)
    chart.set_variants(_realistic())
    palette = chart.palette()
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    chart.setPalette(palette)
    axis = chart.plots["size"].getAxis("bottom")
    assert axis.textPen().color() == QColor("#eeeeee")
    assert chart.view.backgroundBrush().color() == QColor("#1e1e1e")
    assert "#eeeeee" in chart.text_items("size")[0].toHtml()


def test_user_visible_strings_are_translatable(make_chart, pseudo_translate) -> None:
    pseudo_translate("BeforeAfterChart", "TradeoffScatter", "LiveCurve", "ChartWidget")
    bars: BeforeAfterChart = make_chart(BeforeAfterChart)
    bars.set_variants([_point("a", 2.0, 0.9), _point("b", None, 0.8)])
    assert "[Size]" in bars.plots["size"].titleLabel.text
    assert "[smaller is better]" in bars.plots["size"].titleLabel.text
    assert bars.slots("latency")[1].text == "[n/a]"
    assert bars.slots("latency")[0].comparison == "[baseline]"
    assert bars.slots("latency")[0].text == "2.00 [ms]"
    scatter: TradeoffScatter = make_chart(TradeoffScatter)
    scatter.set_variants([_point("a", 2.0, 0.9)])
    assert scatter.plot.getAxis("bottom").labelText.startswith("[Latency")
    live: LiveCurve = make_chart(LiveCurve)
    live.start("t", "y", "ms")
    live.append(1.0)
    live.finish()
    assert live.stats_text().startswith("[median")
    assert live.plot.getAxis("bottom").labelText == "[Sample]"
