"""SensitivityChart offscreen: bar lengths, the worst layers and their highlight, items reused
across updates, 50 layers that scroll, shortened names, PNG export, minimum size, an image."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPalette

from slimbench.widgets.sensitivity_chart import (
    DEFAULT_HIGHLIGHT,
    SensitivityChart,
    elide_layer_name,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FIDELITY = "Fidelity drop (1 − cosine)"


def mlp_rows() -> list[tuple[str, dict[str, float]]]:
    """The Linear layers of mlp-digits at two pruning ratios: the first and last hurt most."""
    return [
        ("net.1", {"25 %": 0.012, "50 %": 0.041}),
        ("net.3", {"25 %": 0.003, "50 %": 0.010}),
        ("net.5", {"25 %": 0.002, "50 %": 0.008}),
        ("net.7", {"25 %": 0.030, "50 %": 0.095}),
    ]


def resnet_rows(count: int = 20) -> list[tuple[str, dict[str, float]]]:
    rng = np.random.default_rng(0)
    names = (
        ["stem.0"]
        + [
            f"stages.{i // 6}.{(i // 3) % 2}.{('conv1', 'conv2', 'shortcut.0')[i % 3]}"
            for i in range(count - 2)
        ]
        + ["fc"]
    )
    return [(name, {"int8-static": float(rng.uniform(0.001, 0.02))}) for name in names]


@pytest.fixture
def make_chart(qtbot) -> Iterator[Callable[..., SensitivityChart]]:  # type: ignore[no-untyped-def]
    def make(show: bool = True) -> SensitivityChart:
        chart = SensitivityChart()
        qtbot.addWidget(chart)
        chart.resize(chart.sizeHint())
        if show:
            chart.show()
            qtbot.waitExposed(chart)
        return chart

    yield make


def _check_png(path: Path) -> QImage:
    assert path.exists() and path.stat().st_size > 1000
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = QImage(str(path))
    assert not image.isNull()
    return image


def test_bar_lengths_are_the_values(make_chart) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(mlp_rows(), FIDELITY)
    assert chart.series() == ["25 %", "50 %"]
    assert chart.metric_label() == FIDELITY
    for series in chart.series():
        expected = {name: values[series] for name, values in mlp_rows()}
        assert chart.bar_lengths(series) == pytest.approx(expected)
        item = chart.bar_item(series)
        assert list(item.opts["width"]) == pytest.approx(list(expected.values()))
        assert np.all(np.asarray(item.opts["x0"]) == 0)  # every bar starts at zero
    # Series sit side by side inside each row, the first one on top.
    first = np.asarray(chart.bar_item("25 %").opts["y"])
    second = np.asarray(chart.bar_item("50 %").opts["y"])
    assert np.all(first < second) and np.all(second - first < 1)
    assert list(np.round(first + second) / 2) == [0, 1, 2, 3]
    assert chart.plot.getAxis("bottom").labelText == FIDELITY


def test_missing_and_nan_values_leave_their_bar_out(make_chart) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(
        [("a", {"x": 0.1}), ("b", {"x": math.nan, "y": 0.2}), ("c", {"y": 0.05})], "drop"
    )
    assert chart.series() == ["x", "y"]
    assert chart.bar_lengths("x") == {"a": 0.1}
    assert chart.bar_lengths("y") == {"b": 0.2, "c": 0.05}
    assert chart.worst(3) == ["b", "a", "c"]


def test_worst_ranks_by_the_largest_value(make_chart) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(mlp_rows(), FIDELITY)
    assert chart.worst(1) == ["net.7"]
    assert chart.worst(2) == ["net.7", "net.1"]
    assert chart.worst(10) == ["net.7", "net.1", "net.3", "net.5"]
    assert chart.worst(0) == []
    chart.set_rows(
        [("a", {"s": 0.0}), ("b", {"s": -0.5}), ("c", {"s": 0.2}), ("d", {"s": 0.2})], "drop"
    )
    assert chart.worst(5) == ["c", "d"]  # ties keep model order; no damage, no mention


def test_worst_layers_are_highlighted(make_chart) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    rows = resnet_rows(20)
    chart.set_rows(rows, "Accuracy drop (points)")
    assert chart.highlight_count() == DEFAULT_HIGHLIGHT
    worst = chart.worst(DEFAULT_HIGHLIGHT)
    assert chart.highlighted() == worst
    names = [name for name, _values in rows]
    band_rows = sorted(round(y) for y in chart.highlight_bars.opts["y"])
    assert band_rows == sorted(names.index(name) for name in worst)
    chart.set_highlight_count(1)
    assert len(chart.highlight_bars.opts["y"]) == 1
    chart.set_highlight_count(0)
    assert len(chart.highlight_bars.opts["y"]) == 0
    chart.set_highlight_count(DEFAULT_HIGHLIGHT)
    assert "sensitive" in chart.describe(names.index(worst[0]))
    calm = next(row for row, name in enumerate(names) if name not in worst)
    assert "sensitive" not in chart.describe(calm)


def test_items_are_made_once_and_reused(make_chart) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(mlp_rows(), FIDELITY)
    first, second = chart.bar_item("25 %"), chart.bar_item("50 %")
    band = chart.highlight_bars
    before = len(chart.plot.items)
    chart.set_rows([(name, {"25 %": 2 * v["25 %"]}) for name, v in mlp_rows()], FIDELITY)
    assert chart.bar_item("25 %") is first and chart.highlight_bars is band
    assert not second.isVisible()  # kept for later, hidden
    chart.set_rows(mlp_rows(), FIDELITY)
    assert chart.bar_item("50 %") is second and second.isVisible()
    assert len(chart.plot.items) == before


def test_fifty_layers_stay_readable_and_scroll(make_chart, qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    rows = [
        (
            f"encoder.layers.{i // 4}.attention.{('q', 'k', 'v', 'out')[i % 4]}_proj",
            {"25 %": 0.001 * (i % 7), "50 %": 0.002 * (i % 5)},
        )
        for i in range(50)
    ]
    chart.set_rows(rows, FIDELITY)
    qtbot.wait(10)
    line = QFontMetricsF(chart.font()).height()
    assert chart.row_pixels() >= line  # every name gets a line of its own
    first, shown = chart.visible_rows()
    assert first == 0 and 5 < shown < 50
    assert chart.scroll_bar.isVisible()
    assert chart.scroll_bar.maximum() == 50 - shown
    chart.scroll_bar.setValue(chart.scroll_bar.maximum())
    assert chart.visible_rows()[0] == 50 - shown
    low, high = chart.viewbox.viewRange()[1]
    assert low <= 49 <= high  # the last layer is in view
    # The wheel scrolls rows instead of zooming.
    assert chart._scroll_by(-3)
    assert chart.visible_rows()[0] == 50 - shown - 3
    assert len(chart.bar_lengths("50 %")) == 50


def test_few_layers_do_not_scroll_or_get_fat(make_chart, qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(mlp_rows(), FIDELITY)
    qtbot.wait(10)
    assert not chart.scroll_bar.isVisible()
    assert chart.visible_rows() == (0, 4)
    low, high = chart.viewbox.viewRange()[1]
    assert chart.viewbox.height() / (high - low) <= 36.5


def test_long_names_keep_their_distinguishing_end() -> None:
    metrics = QFontMetricsF(QFont())
    name = "encoder.layers.11.self_attention.q_proj"
    assert elide_layer_name(name, 10_000, metrics) == name
    short = elide_layer_name(
        name, metrics.horizontalAdvance("…11.self_attention.q_proj") + 1, metrics
    )
    assert short == "…11.self_attention.q_proj"
    tiny = elide_layer_name("a_really_long_single_module_name", 60, metrics)
    assert "…" in tiny and metrics.horizontalAdvance(tiny) <= 60


def test_axis_names_are_shortened_to_fit(make_chart) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    long = "backbone.encoder.stages.3.blocks.17.mixer.in_projection"
    chart.set_rows([(long, {"x": 0.1}), ("fc", {"x": 0.2})], "drop")
    text = chart.axis.label_text(0)
    assert text != long and text.startswith("…") and text.endswith("in_projection")
    assert chart.axis.label_text(1) == "fc"
    assert chart.axis.width() <= 0.45 * chart.width()
    assert long in chart.describe(0)  # the full name is in the tooltip


def test_hovering_a_row_describes_it(make_chart, qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(mlp_rows(), FIDELITY)
    qtbot.wait(10)
    scene = chart.viewbox.mapViewToScene(QPointF(0.01, 3.0))
    chart._on_mouse_moved(scene)
    assert chart.view.toolTip().startswith("net.7")
    assert "50 %: 0.095" in chart.view.toolTip()


def test_export_writes_every_layer(make_chart, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(resnet_rows(50), "Accuracy drop (points)")
    assert chart.visible_rows()[1] < 50
    image = _check_png(chart.export_png(tmp_path / "sensitivity.png"))
    assert image.height() > chart.height()  # the rows that scroll are in the picture too
    small = make_chart()
    small.set_rows(mlp_rows(), FIDELITY)
    image = _check_png(small.export_png(tmp_path / "small.png"))
    assert abs(image.height() - small.view.height()) <= 2


def test_export_of_a_chart_never_shown(make_chart, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart(show=False)
    chart.set_rows(mlp_rows(), FIDELITY)
    _check_png(chart.export_png(tmp_path / "hidden.png"))


def test_minimum_size_and_picture(make_chart, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(resnet_rows(20), "Accuracy drop (points)")
    assert chart.minimumSize().width() >= 300 and chart.minimumSize().height() >= 200
    chart.resize(chart.minimumSize())
    path = tmp_path / "grab.png"
    assert chart.grab().save(str(path), "PNG")
    _check_png(path)


def test_empty_chart_draws(make_chart, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows([], "")
    assert chart.worst(3) == [] and chart.series() == []
    path = tmp_path / "empty.png"
    assert chart.grab().save(str(path), "PNG")


def test_dark_palette_restyles(make_chart) -> None:  # type: ignore[no-untyped-def]
    chart = make_chart()
    chart.set_rows(mlp_rows(), FIDELITY)
    palette = QPalette(chart.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#18191b"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e8eaed"))
    chart.setPalette(palette)
    assert chart.plot.getAxis("left").textPen().color() == QColor("#e8eaed")
    assert chart.view.backgroundBrush().color() == QColor("#18191b")
    assert chart.bar_lengths("50 %")["net.7"] == pytest.approx(0.095)
