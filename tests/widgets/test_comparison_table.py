"""ComparisonTable offscreen: cell texts and second lines, n/a cells with the error as tooltip,
sorting by raw values (failures last), the bold reference, the floor tint, frontier marks, the
fastest-device summary, selection, the empty state, minimum size and an image."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from slimbench.engine.compare.results import (
    Comparison,
    DeviceRecord,
    Measurement,
    Roofline,
    VariantRecord,
)
from slimbench.widgets.comparison_table import (
    DETAIL_ROLE,
    ERROR_ROLE,
    FRONTIER_MARK,
    NOT_AVAILABLE,
    SORT_ROLE,
    ComparisonTable,
    fastest_devices,
)

LEFT = Qt.MouseButton.LeftButton
INT8_ERROR = "int8-static runs on CPUs only; pick int8-dynamic or bf16 for cuda:0."


def _measurement(device: str, median: float, *, accuracy: float | None, agreement: float,
                 batch: int = 32, fraction: float = 0.3, bound: str = "compute",
                 dtype: str = "float32", compiled: bool = False) -> Measurement:
    achieved = 4.0e11 * fraction
    return Measurement(
        device=device,
        latency_ms={"median": median, "p90": median * 1.08},
        latency_ms_batch_1={"median": median / 9, "p90": median / 8},
        throughput_per_s=batch * 1000.0 / median,
        throughput_large_batch_per_s=batch * 1300.0 / median,
        peak_memory_bytes=50_000_000,
        accuracy=accuracy,
        fidelity={"top1_agreement": agreement, "cosine": 0.9991, "max_abs_error": 0.21},
        compiled=compiled,
        dtype=dtype,
        roofline=Roofline(
            achieved_flops_per_s=achieved,
            peak_flops_per_s=2.0e12 if device == "cpu" else 4.0e14,
            bandwidth_bytes_per_s=1.1e11 if device == "cpu" else 3.0e12,
            bytes_per_batch=9_000_000,
            attainable_flops_per_s=achieved / fraction,
            fraction=fraction,
            bound=bound,
        ),
    )


def three_variants() -> Comparison:
    """3 variants x 2 devices: the original, pruned (below the floor, fastest on cpu) and
    int8-static, which cannot run on the GPU."""
    original = VariantRecord(
        name="original", technique="original", params_total=2_176_010,
        params_nonzero=2_176_010, size_bytes=8_704_040, flops_per_sample=120_000_000,
        by_device={
            "cpu": _measurement("cpu", 40.0, accuracy=0.981, agreement=1.0),
            "cuda:0": _measurement("cuda:0", 2.0, accuracy=0.981, agreement=1.0,
                                   bound="memory", fraction=0.05),
        },
    )
    pruned = VariantRecord(
        name="prune 0.5", technique="prune", parent="original",
        steps=["prune structured 0.5"], params_total=544_002, params_nonzero=544_002,
        size_bytes=2_176_010, meets_floor=False,
        notes=["Structured pruning removed half of the channels."],
        by_device={
            "cpu": _measurement("cpu", 10.0, accuracy=0.912, agreement=0.93),
            "cuda:0": _measurement("cuda:0", 1.6, accuracy=0.912, agreement=0.93,
                                   bound="memory", fraction=0.02),
        },
    )
    quantized = VariantRecord(
        name="int8", technique="quantize", parent="original", steps=["quantize int8-static"],
        params_total=2_176_010, params_nonzero=2_176_010, size_bytes=2_300_000,
        meets_floor=True,
        by_device={
            "cpu": _measurement("cpu", 8.0, accuracy=0.979, agreement=0.995, dtype="int8",
                                compiled=True),
            "cuda:0": Measurement(device="cuda:0", error=INT8_ERROR),
        },
    )
    return Comparison(
        reference="original",
        batch_size=32,
        large_batch=256,
        variants=[original, pruned, quantized],
        devices=[
            DeviceRecord("cpu", "Intel Xeon, 16 cores (AMX)", {"float32": 2.0e12}, 1.1e11),
            DeviceRecord("cuda:0", "NVIDIA H100 80GB HBM3", {"float32": 4.0e14}, 3.0e12),
        ],
        floor={"accuracy_ratio": 0.97, "top1_agreement": None},
        frontier={"cpu": ["int8", "original"], "cuda:0": ["prune 0.5", "original"]},
    )


def realistic_comparison() -> Comparison:
    """The three variants and two more steps of a recipe (for the picture)."""
    comparison = three_variants()
    distilled = VariantRecord(
        name="prune → distil", technique="distill", parent="prune 0.5",
        steps=["prune structured 0.5", "distil (5 epochs)"], params_total=544_002,
        params_nonzero=544_002, size_bytes=2_176_010, meets_floor=True,
        by_device={
            "cpu": _measurement("cpu", 10.2, accuracy=0.975, agreement=0.982),
            "cuda:0": _measurement("cuda:0", 1.6, accuracy=0.975, agreement=0.982,
                                   bound="memory", fraction=0.02),
        },
    )
    chain = VariantRecord(
        name="prune → distil → int8", technique="quantize", parent="prune → distil",
        steps=["prune structured 0.5", "distil (5 epochs)", "quantize int8-dynamic"],
        params_total=544_002, params_nonzero=544_002, size_bytes=610_000, meets_floor=True,
        by_device={
            "cpu": _measurement("cpu", 3.1, accuracy=0.973, agreement=0.977, dtype="int8",
                                compiled=True),
            "cuda:0": _measurement("cuda:0", 1.9, accuracy=0.973, agreement=0.977,
                                   dtype="int8", compiled=True, bound="memory", fraction=0.01),
        },
    )
    comparison.variants[2:2] = [distilled]
    comparison.variants.append(chain)
    comparison.frontier = {"cpu": ["prune → distil → int8", "int8", "original"],
                           "cuda:0": ["prune → distil", "original"]}
    return comparison


@pytest.fixture
def table(qtbot) -> ComparisonTable:  # type: ignore[no-untyped-def]
    widget = ComparisonTable()
    qtbot.addWidget(widget)
    widget.set_comparison(three_variants())
    return widget


def _cell(widget: ComparisonTable, name: str, kind: str, device: str | None = None,
          role: int = int(Qt.ItemDataRole.DisplayRole)) -> object:
    model = widget.model
    row = model.names().index(name)
    column = model.column_of(kind, device)
    assert column >= 0, (kind, device)
    return model.index(row, column).data(role)


def test_columns_and_headers(table: ComparisonTable) -> None:
    model = table.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:4] == ["Variant", "Steps", "Parameters", "Size"]
    assert "Latency\ncpu" in headers and "Latency\ncuda:0" in headers
    assert "Roofline\ncuda:0" in headers and "Agreement\ncpu" in headers
    assert headers.index("Latency\ncpu") < headers.index("Latency\ncuda:0")
    tip = model.headerData(model.column_of("latency", "cuda:0"), Qt.Orientation.Horizontal,
                           Qt.ItemDataRole.ToolTipRole)
    assert "NVIDIA H100" in tip


def test_cell_texts_and_ratios(table: ComparisonTable) -> None:
    assert _cell(table, "original", "size") == "8.3 MB"
    assert _cell(table, "original", "size", role=DETAIL_ROLE) == ""
    assert _cell(table, "prune 0.5", "size", role=DETAIL_ROLE) == "0.25×"
    assert _cell(table, "prune 0.5", "params") == "544 k"
    assert _cell(table, "original", "latency", "cpu") == "40.0 ms"
    assert _cell(table, "prune 0.5", "latency", "cpu", DETAIL_ROLE) == "0.25×"
    tip = str(_cell(table, "prune 0.5", "latency", "cpu", Qt.ItemDataRole.ToolTipRole))
    assert "p90 10.8 ms" in tip and "Batch of 1" in tip and "4.00× faster" in tip
    assert _cell(table, "original", "throughput", "cpu") == "800/s"
    assert _cell(table, "int8", "accuracy", "cpu") == "97.9 %"
    assert _cell(table, "int8", "accuracy", "cpu", DETAIL_ROLE) == "−0.2 pt"
    assert _cell(table, "prune 0.5", "agreement", "cpu") == "93.0 %"
    assert _cell(table, "original", "roofline", "cuda:0") == "5.0 %"
    assert _cell(table, "original", "roofline", "cuda:0", DETAIL_ROLE) == "memory bound"
    tip = str(_cell(table, "original", "roofline", "cuda:0", Qt.ItemDataRole.ToolTipRole))
    assert "Memory bound" in tip and "400 TFLOP/s" in tip and "2.7 TB/s" in tip
    assert _cell(table, "prune 0.5", "steps") == "prune structured 0.5"


def test_error_cell_is_na_with_the_error_as_tooltip(table: ComparisonTable) -> None:
    for kind in ("latency", "throughput", "agreement"):
        assert _cell(table, "int8", kind, "cuda:0") == NOT_AVAILABLE
        assert _cell(table, "int8", kind, "cuda:0", ERROR_ROLE) is True
        assert INT8_ERROR in str(_cell(table, "int8", kind, "cuda:0",
                                       Qt.ItemDataRole.ToolTipRole))
    greyed = _cell(table, "int8", "latency", "cuda:0", Qt.ItemDataRole.ForegroundRole)
    assert isinstance(greyed, QColor)
    assert _cell(table, "int8", "latency", "cpu", Qt.ItemDataRole.ForegroundRole) is None


def test_sort_by_latency_uses_raw_values_and_puts_failures_last(
        table: ComparisonTable) -> None:
    table.sort_by("latency", "cpu")
    assert table.model.names() == ["int8", "prune 0.5", "original"]
    table.sort_by("latency", "cpu", Qt.SortOrder.DescendingOrder)
    assert table.model.names() == ["original", "prune 0.5", "int8"]
    table.sort_by("latency", "cuda:0")
    assert table.model.names() == ["prune 0.5", "original", "int8"]  # n/a last
    table.sort_by("latency", "cuda:0", Qt.SortOrder.DescendingOrder)
    assert table.model.names()[-1] == "int8"
    assert _cell(table, "int8", "latency", "cpu", SORT_ROLE) == 8.0
    # the cells move with their rows
    assert _cell(table, "original", "latency", "cpu") == "40.0 ms"
    # sorting by size: 2.18 MB < 2.19 MB (text order would not tell) < 8.3 MB
    table.sort_by("size")
    assert table.model.names() == ["prune 0.5", "int8", "original"]


def test_reference_bold_floor_tint_and_frontier_marks(table: ComparisonTable) -> None:
    font = _cell(table, "original", "size", role=Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert _cell(table, "int8", "size", role=Qt.ItemDataRole.FontRole) is None
    assert _cell(table, "original", "variant", role=DETAIL_ROLE) == "reference"

    tint = _cell(table, "prune 0.5", "size", role=Qt.ItemDataRole.BackgroundRole)
    assert isinstance(tint, QColor) and tint == table.model.floor_tint
    assert _cell(table, "int8", "size", role=Qt.ItemDataRole.BackgroundRole) is None
    tip = str(_cell(table, "prune 0.5", "variant", role=Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("Below the quality floor") and "97.0 %" in tip

    assert str(_cell(table, "int8", "variant")).startswith(FRONTIER_MARK)
    assert str(_cell(table, "prune 0.5", "variant")).startswith(FRONTIER_MARK)
    tip = str(_cell(table, "int8", "variant", role=Qt.ItemDataRole.ToolTipRole))
    assert "frontier on cpu" in tip and "cuda:0" not in tip
    frontier = three_variants()
    frontier.frontier = {"cpu": ["original"]}
    table.set_comparison(frontier)
    assert _cell(table, "int8", "variant") == "int8"


def test_fastest_device_summary(table: ComparisonTable) -> None:
    lines = fastest_devices(three_variants())
    assert lines[0] == "original: fastest on cuda:0, 20× faster than on cpu."
    assert lines[1] == "prune 0.5: fastest on cuda:0, 6.25× faster than on cpu."
    assert lines[2] == "int8: runs only on cpu."
    assert table.summary_label.isVisibleTo(table)
    assert "int8: runs only on cpu." in table.summary_label.text()
    assert "differs between variants" in table.summary_label.text()

    one_device = three_variants()
    one_device.devices = one_device.devices[:1]
    table.set_comparison(one_device)
    assert not table.summary_label.isVisibleTo(table)
    assert table.model.column_of("latency", "cuda:0") == -1


def test_columns_without_numbers_are_left_out(table: ComparisonTable) -> None:
    comparison = three_variants()
    for record in comparison.variants:
        for measurement in record.by_device.values():
            measurement.accuracy = None
            measurement.roofline = None
    table.set_comparison(comparison)
    assert table.model.column_of("accuracy", "cpu") == -1
    assert table.model.column_of("roofline", "cuda:0") == -1
    assert table.model.column_of("agreement", "cpu") >= 0


def test_clicking_the_frozen_variant_header_sorts_by_name(table: ComparisonTable,
                                                         qtbot) -> None:  # type: ignore[no-untyped-def]
    table.show()
    qtbot.waitExposed(table)
    header = table.view.frozen.horizontalHeader()
    assert table.view.frozen.isVisible()
    assert [c for c in range(table.model.columnCount())
            if not table.view.frozen.isColumnHidden(c)] == [0]
    qtbot.mouseClick(header.viewport(), LEFT, pos=header.rect().center())
    assert table.model.names() == ["int8", "original", "prune 0.5"]
    qtbot.mouseClick(header.viewport(), LEFT, pos=header.rect().center())
    assert table.model.names() == ["prune 0.5", "original", "int8"]
    assert header.sortIndicatorSection() == 0


def test_strings_are_translated(qtbot, pseudo_translate) -> None:  # type: ignore[no-untyped-def]
    pseudo_translate("ComparisonTable")
    widget = ComparisonTable()
    qtbot.addWidget(widget)
    assert widget.empty_label.text().startswith("[Run a recipe")
    widget.set_comparison(three_variants())
    assert widget.model.headerData(0, Qt.Orientation.Horizontal) == "[Variant]"
    assert _cell(widget, "int8", "latency", "cuda:0", Qt.ItemDataRole.ToolTipRole).startswith(
        "[Could not run")


def test_selection_and_signal(table: ComparisonTable, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(table.selection_changed) as blocker:
        table.select_variants(["int8", "original"])
    assert blocker.args == [["original", "int8"]]
    assert table.selected_variants() == ["original", "int8"]
    table.sort_by("latency", "cpu")
    assert table.selected_variants() == ["int8", "original"]  # the selection follows its rows


def test_empty_state(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = ComparisonTable()
    qtbot.addWidget(widget)
    assert widget.stack.currentWidget() is widget.empty_label
    assert "Run a recipe" in widget.empty_label.text()
    assert widget.selected_variants() == []
    widget.set_comparison(three_variants())
    assert widget.stack.currentIndex() == 1
    widget.set_comparison(None)
    assert widget.stack.currentWidget() is widget.empty_label
    assert widget.model.rowCount() == 0


def test_round_trip_through_json(table: ComparisonTable) -> None:
    table.set_comparison(Comparison.from_json(three_variants().to_json()))
    assert _cell(table, "int8", "latency", "cuda:0") == NOT_AVAILABLE
    assert _cell(table, "prune 0.5", "latency", "cpu", DETAIL_ROLE) == "0.25×"


def test_minimum_size_and_picture(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    widget = ComparisonTable()
    qtbot.addWidget(widget)
    minimum = widget.minimumSizeHint()
    assert 300 <= minimum.width() <= 640 and 180 <= minimum.height() <= 400
    assert widget.sizeHint().width() >= minimum.width()
    widget.set_comparison(realistic_comparison())
    widget.resize(minimum)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.width() >= minimum.width() and widget.height() >= minimum.height()
    path = tmp_path / "comparison_table.png"
    assert widget.grab().save(str(path))
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
