"""The layer tree model, its filter proxy, the tree view and the details pane, offscreen."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QWidget
from torch import nn

from slimbench.engine.inspection import InspectResult, LayerNode, inspect_model
from slimbench.engine.loading import ModelHandle
from slimbench.widgets.layer_tree import (
    CHANGE,
    CHANNELS,
    FLOPS,
    NAME,
    NODE_ROLE,
    PARAMS,
    PARAMS_BEFORE,
    SHAPE,
    SORT_ROLE,
    SPARSITY,
    TYPE,
    LayerDetails,
    LayerFilterProxy,
    LayerTreeModel,
    LayerTreeView,
    format_bytes,
    format_count,
    format_flops,
    format_percent,
    format_shape,
    skip_patterns,
)


def _inspect(module: nn.Module, *inputs: torch.Tensor, name: str = "net") -> InspectResult:
    handle = ModelHandle(name, module.eval(), "test", "-", example_inputs=inputs or None)
    return inspect_model(handle)


def _small_cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()),
        nn.Sequential(
            nn.Conv2d(8, 4, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Sequential(nn.Linear(4 * 6 * 6, 16), nn.ReLU(), nn.Linear(16, 10)),
        ),
    )


@pytest.fixture(scope="module")
def cnn() -> tuple[nn.Module, InspectResult]:
    module = _small_cnn()
    return module, _inspect(module, torch.randn(1, 3, 6, 6), name="cnn")


@pytest.fixture(scope="module")
def wide() -> InspectResult:
    """A model of 3001 modules: a Sequential of 3000 Linear(4, 4)."""
    module = nn.Sequential(*[nn.Linear(4, 4) for _ in range(3000)])
    return _inspect(module, torch.randn(1, 4), name="wide")


def _model(result: InspectResult) -> LayerTreeModel:
    model = LayerTreeModel()
    model.set_result(result)
    return model


def _rows(model, parent: QModelIndex, column: int = NAME, role: int = Qt.DisplayRole) -> list:
    return [model.index(row, column, parent).data(role) for row in range(model.rowCount(parent))]


def _shown_paths(model, parent: QModelIndex | None = None) -> list[str]:
    """Paths of every row in ``model``, depth first."""
    parent = parent if parent is not None else QModelIndex()
    paths = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        paths.append(index.data(NODE_ROLE).path)
        paths.extend(_shown_paths(model, index))
    return paths


# --- formatting --------------------------------------------------------------------------


def test_formatting_is_human_friendly() -> None:
    assert format_count(2_176_010) == "2.18 M"
    assert format_count(999) == "999"
    assert format_count(12_345) == "12.3 k"
    assert format_count(999_999) == "1.00 M"
    assert format_bytes(8_704_040) == "8.3 MB"
    assert format_bytes(512) == "512 B"
    assert format_flops(12_400_000) == "12.4 MFLOP"
    assert format_flops(None) == "—"
    assert format_shape([1, 10]) == "1×10"
    assert format_shape([[1, 10], [1, 5]]) == "1×10, 1×5"
    assert format_shape(None) == "—"
    assert format_percent(0.125) == "12.5 %"


# --- the model ---------------------------------------------------------------------------


def test_rows_and_children_match_the_tree(cnn) -> None:
    _module, result = cnn
    model = _model(result)
    assert model.rowCount() == 1
    root = model.index(0, 0)
    assert root.data(NODE_ROLE) is result.tree
    assert root.data() == "cnn"
    assert model.rowCount(root) == len(result.tree.children) == 2

    def check(index: QModelIndex, node: LayerNode) -> None:
        assert index.data(NODE_ROLE) is node
        assert model.rowCount(index) == len(node.children)
        for row, child in enumerate(node.children):
            child_index = model.index(row, 0, index)
            assert model.parent(child_index) == index
            assert child_index.siblingAtColumn(TYPE).data() == child.type
            check(child_index, child)

    check(root, result.tree)
    assert model.index_of_path("1.3.2").data(NODE_ROLE) is result.tree.find("1.3.2")


def test_root_parameters_equal_the_engine_total(cnn) -> None:
    _module, result = cnn
    model = _model(result)
    params = model.index(0, PARAMS)
    assert params.data(SORT_ROLE) == result.params_total
    assert params.data() == format_count(result.params_total)
    assert model.index(0, FLOPS).data(SORT_ROLE) == result.flops
    assert model.index(0, SHAPE).data() == "1×10"


def test_unknown_flops_and_shapes_show_a_dash() -> None:
    result = _inspect(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))  # no example inputs
    model = _model(result)
    root = model.index(0, 0)
    relu = model.index(1, 0, root)
    assert relu.siblingAtColumn(FLOPS).data() == "—"
    assert relu.siblingAtColumn(SHAPE).data() == "—"
    assert relu.siblingAtColumn(SPARSITY).data() == "—"  # no weights: sparsity does not apply


def test_every_column_header_explains_itself() -> None:
    model = LayerTreeModel()
    tips = [
        model.headerData(column, Qt.Horizontal, Qt.ToolTipRole)
        for column in range(model.columnCount())
    ]
    assert all(tips)
    assert "learned during training" in tips[PARAMS]
    assert "exactly zero" in tips[SPARSITY]


def test_empty_result_shows_nothing(cnn) -> None:
    model = _model(cnn[1])
    model.set_result(None)
    assert model.rowCount() == 0


# --- the proxy ---------------------------------------------------------------------------


def test_sorting_by_parameters_is_numeric() -> None:
    # 12, 110 and 6 parameters: as text "110" < "12" < "6", as numbers 6 < 12 < 110.
    result = _inspect(nn.Sequential(nn.Linear(3, 3), nn.Linear(10, 10), nn.Linear(2, 2)))
    proxy = LayerFilterProxy()
    proxy.setSourceModel(_model(result))
    proxy.sort(PARAMS, Qt.AscendingOrder)
    root = proxy.index(0, 0)
    assert _rows(proxy, root, PARAMS, SORT_ROLE) == [6, 12, 110]
    assert _rows(proxy, root, PARAMS) == ["6", "12", "110"]
    proxy.sort(PARAMS, Qt.DescendingOrder)
    assert _rows(proxy, root, PARAMS, SORT_ROLE) == [110, 12, 6]


def test_sorting_by_name_is_natural(wide) -> None:
    proxy = LayerFilterProxy()
    proxy.setSourceModel(_model(wide))
    proxy.sort(NAME, Qt.AscendingOrder)
    assert _rows(proxy, proxy.index(0, 0))[:12] == [str(number) for number in range(12)]


def test_filter_keeps_matches_and_their_ancestors(cnn) -> None:
    _module, result = cnn
    proxy = LayerFilterProxy()
    proxy.setSourceModel(_model(result))

    proxy.set_filter_text("conv")  # Sequential names its layers 0, 1, …: matched by type
    assert _shown_paths(proxy) == ["", "0", "0.0", "1", "1.0"]

    proxy.set_filter_text("Linear")
    assert _shown_paths(proxy) == ["", "1", "1.3", "1.3.0", "1.3.2"]

    proxy.set_filter_text("batchnorm")
    assert _shown_paths(proxy) == ["", "0", "0.1"]

    proxy.set_filter_text("no such layer")
    assert _shown_paths(proxy) == []

    proxy.set_filter_text("")
    assert len(_shown_paths(proxy)) == len(result.tree.walk())


def test_filter_matches_names_case_insensitively() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential()
            self.stem.add_module("ConvIn", nn.Conv2d(1, 2, 1))
            self.stem.add_module("act", nn.ReLU())
            self.head = nn.Linear(2, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.stem(x).mean((2, 3)))

    proxy = LayerFilterProxy()
    proxy.setSourceModel(_model(_inspect(Net(), torch.randn(1, 1, 4, 4))))
    proxy.set_filter_text("convin")
    assert _shown_paths(proxy) == ["", "stem", "stem.ConvIn"]
    proxy.set_filter_text("STEM")  # a matching container brings its layers along
    assert _shown_paths(proxy) == ["", "stem", "stem.ConvIn", "stem.act"]


# --- the view ----------------------------------------------------------------------------


def test_selecting_a_row_emits_the_layer(qtbot, cnn) -> None:
    _module, result = cnn
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.set_result(result)
    root = view.proxy.index(0, 0)
    second = view.proxy.index(1, 0, root)
    with qtbot.waitSignal(view.layer_selected, timeout=1000) as blocker:
        view.tree.setCurrentIndex(second)
    assert blocker.args == [result.tree.children[1]]
    assert view.selected_node() is result.tree.children[1]

    with qtbot.waitSignal(view.layer_selected, timeout=1000) as blocker:
        assert view.select_path("1.3.2")
    assert blocker.args[0].path == "1.3.2"
    assert blocker.args[0].type == "Linear"

    with qtbot.waitSignal(view.layer_selected, timeout=1000) as blocker:
        view.tree.clearSelection()
    assert blocker.args == [None]


def test_filtering_in_the_view_expands_the_matches(qtbot, cnn) -> None:
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.set_result(cnn[1])
    qtbot.keyClicks(view.search, "linear")
    deepest = view.proxy.mapFromSource(view.model.index_of_path("1.3.0"))
    assert deepest.isValid()
    assert view.tree.isExpanded(deepest.parent())
    view.search.clear()
    assert view.proxy.rowCount(view.proxy.index(0, 0)) == 2


def test_expand_to_depth(qtbot, cnn) -> None:
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.set_result(cnn[1])
    root = view.proxy.index(0, 0)
    block = view.proxy.index(1, 0, root)
    view.expand_to_depth(0)
    assert view.tree.isExpanded(root) and not view.tree.isExpanded(block)
    view.expand_to_depth(1)
    assert view.tree.isExpanded(block)


def test_thousands_of_modules_load(qtbot, wide) -> None:
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.set_result(wide)
    root = view.proxy.index(0, 0)
    assert view.proxy.rowCount() == 1
    assert view.proxy.rowCount(root) == 3000
    assert view.proxy.index(2999, PARAMS, root).data(SORT_ROLE) == 20
    view.tree.sortByColumn(PARAMS, Qt.DescendingOrder)
    view.set_filter_text("2999")
    assert _shown_paths(view.proxy) == ["", "2999"]


def test_replacing_the_result_clears_the_selection(qtbot, cnn, wide) -> None:
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.set_result(cnn[1])
    view.select_path("0")
    with qtbot.waitSignal(view.layer_selected, timeout=1000) as blocker:
        view.set_result(wide)
    assert blocker.args == [None]


# --- details -----------------------------------------------------------------------------


def test_details_histogram_of_a_linear(qtbot, cnn) -> None:
    module, result = cnn
    details = LayerDetails()
    qtbot.addWidget(details)
    node = result.tree.find("1.3.0")
    assert node is not None and node.type == "Linear"
    details.show_node(node, module)
    histogram = details.histogram()
    assert histogram is not None
    edges, counts = histogram
    assert len(edges) == len(counts) + 1 == 61
    assert counts.sum() == node.params_own  # weight and bias, fewer than the sample limit
    assert counts.max() > 0
    assert not details.message.isVisibleTo(details)
    assert details.plot.isVisibleTo(details)
    assert "1.3.0" in details._fields["path"].text()


def test_details_of_a_layer_without_weights(qtbot, cnn) -> None:
    module, result = cnn
    details = LayerDetails()
    qtbot.addWidget(details)
    details.show_node(result.tree.find("0.2"), module)  # a ReLU
    assert details.histogram() is None
    assert details.message.text() == "This layer has no weights of its own."
    assert details.message.isVisibleTo(details)
    assert not details.plot.isVisibleTo(details)
    details.show_node(result.tree.find("1.3"), module)  # a container: weights are inside
    assert details.message.text().startswith("This layer has no weights of its own.")
    assert "belong to the layers inside it" in details.message.text()
    details.show_node(None)
    assert details.histogram() is None


def test_details_sample_large_weights(qtbot) -> None:
    module = nn.Linear(1000, 400)  # 400,400 values: more than the 200k sample
    result = _inspect(module, torch.randn(1, 1000))
    details = LayerDetails()
    qtbot.addWidget(details)
    details.show_node(result.tree, module)
    first = details.histogram()
    assert first is not None
    assert 199_000 <= first[1].sum() <= 201_000
    details.show_node(result.tree, module)  # the same sample every time
    second = details.histogram()
    assert second is not None
    assert (first[1] == second[1]).all()


def test_details_of_a_quantized_linear(qtbot) -> None:
    quantize_dynamic = pytest.importorskip("torch.ao.quantization").quantize_dynamic
    model = quantize_dynamic(nn.Sequential(nn.Linear(16, 8)), {nn.Linear}, dtype=torch.qint8)
    result = _inspect(model, torch.randn(1, 16))
    details = LayerDetails()
    qtbot.addWidget(details)
    details.show_node(result.tree.find("0"), model)
    histogram = details.histogram()
    assert histogram is not None
    assert histogram[1].sum() >= 16 * 8


# --- minimum sizes and pictures ----------------------------------------------------------


def _grab(widget: QWidget, path: Path) -> None:
    widget.resize(widget.sizeHint())
    widget.show()
    image = widget.grab()
    assert not image.isNull()
    assert image.save(str(path))
    assert path.stat().st_size > 0


def test_tree_view_minimum_size_and_picture(qtbot, tmp_path, cnn) -> None:
    view = LayerTreeView()
    qtbot.addWidget(view)
    assert view.minimumSize().width() >= 300 and view.minimumSize().height() >= 200
    view.set_result(cnn[1])
    view.expand_to_depth(3)
    _grab(view, tmp_path / "layer_tree.png")


def test_tree_view_comparing_and_ticked_picture(qtbot, tmp_path, pruned) -> None:
    before, after = pruned
    view = LayerTreeView()
    qtbot.addWidget(view)
    assert view.minimumSize().width() >= 300 and view.minimumSize().height() >= 200
    view.set_result(after, before)
    view.set_ticked_paths(["stem"])
    view.expand_to_depth(3)
    _grab(view, tmp_path / "layer_tree_compare.png")
    header = view.tree.header()
    metrics = view.tree.fontMetrics()
    for column in (CHANNELS, PARAMS_BEFORE, PARAMS, CHANGE):  # titles and arrows fit
        title = view.model.headerData(column, Qt.Horizontal)
        assert header.sectionSize(column) > metrics.horizontalAdvance(title)
    assert header.sectionSize(CHANNELS) > metrics.horizontalAdvance("8 → 4")


def test_details_minimum_size_and_picture(qtbot, tmp_path, cnn) -> None:
    module, result = cnn
    details = LayerDetails()
    qtbot.addWidget(details)
    assert details.minimumSize().width() >= 250 and details.minimumSize().height() >= 300
    details.show_node(result.tree.find("0.0"), module)
    _grab(details, tmp_path / "layer_details.png")


# --- ticking layers to leave them alone ----------------------------------------------------


def _check_state(model, index: QModelIndex) -> Qt.CheckState | None:
    value = index.data(Qt.CheckStateRole)
    return None if value is None else Qt.CheckState(value)


def _click_checkbox(qtbot, view: LayerTreeView, path: str) -> None:
    """Click a row's checkbox with the mouse, where the style draws it."""
    index = view.proxy.mapFromSource(view.model.index_of_path(path))
    assert index.isValid()
    view.tree.scrollTo(index)
    option = QStyleOptionViewItem()
    view.tree.itemDelegate().initStyleOption(option, index)
    option.rect = view.tree.visualRect(index)
    rect = view.tree.style().subElementRect(
        QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, view.tree
    )
    assert rect.isValid() and option.rect.contains(rect.center())
    qtbot.mouseClick(view.tree.viewport(), Qt.LeftButton, pos=rect.center())


def test_skip_patterns_really_skip_what_was_ticked() -> None:
    from slimbench.engine.prune.config import path_matches
    from slimbench.engine.quantize.schemes import matches

    patterns = skip_patterns(["stages.0.conv", "stages.0", "fc", "", "blocks.[0]*?"])
    assert patterns == ["stages.0", "fc", "blocks.[[]0][*][?]"]  # inner paths dropped
    paths = ["stages.0", "stages.0.conv", "stages.0.1.bn", "stages.1", "stages.10", "fc",
             "fc2", "blocks.[0]*?", "blocks.[0]x1"]
    skipped = {"stages.0", "stages.0.conv", "stages.0.1.bn", "fc", "blocks.[0]*?"}
    for path in paths:
        assert matches(path, patterns) == (path in skipped), path  # how quantize matches
        assert any(path_matches(path, p) for p in patterns) == (path in skipped), path  # prune
    assert skip_patterns(["odd name,with;separators"]) == ["odd?name?with?separators"]


def test_layers_tick_but_the_model_row_does_not(cnn) -> None:
    model = _model(cnn[1])
    emitted: list[list[str]] = []
    model.ticked_changed.connect(emitted.append)
    root = model.index(0, NAME)
    assert not model.flags(root) & Qt.ItemIsUserCheckable
    assert _check_state(model, root) is None
    assert not model.setData(root, Qt.Checked, Qt.CheckStateRole)
    block = model.index_of_path("1")
    assert model.flags(block) & Qt.ItemIsUserCheckable
    assert not model.flags(block.siblingAtColumn(PARAMS)) & Qt.ItemIsUserCheckable
    assert _check_state(model, block) == Qt.Unchecked
    assert "Tick a layer to leave it alone when compressing" in block.data(Qt.ToolTipRole)
    assert "Tick a layer" in model.headerData(NAME, Qt.Horizontal, Qt.ToolTipRole)
    assert "Tick a layer" in block.data(Qt.WhatsThisRole)

    assert model.setData(model.index_of_path("1.3.2"), Qt.Checked, Qt.CheckStateRole)
    assert emitted == [["1.3.2"]]
    assert _check_state(model, model.index_of_path("1.3")) == Qt.PartiallyChecked
    assert _check_state(model, block) == Qt.PartiallyChecked
    assert _check_state(model, model.index_of_path("1.3.0")) == Qt.Unchecked

    assert model.setData(block, Qt.Checked.value, Qt.CheckStateRole)  # an int works too
    assert emitted[-1] == ["1"]  # 1.3.2 is inside 1: one pattern covers both
    inner = model.index_of_path("1.3.0")
    assert _check_state(model, inner) == Qt.Checked  # left alone with its container
    assert not model.flags(inner) & Qt.ItemIsUserCheckable
    assert "because 1 is ticked" in inner.data(Qt.ToolTipRole)
    model.setData(model.index_of_path("0.0"), Qt.Checked, Qt.CheckStateRole)
    assert model.ticked_paths() == ["0.0", "1"]  # the tree's order

    assert model.setData(block, Qt.Unchecked, Qt.CheckStateRole)
    assert model.ticked_paths() == ["0.0", "1.3.2"]  # the inner tick comes back
    assert emitted[-1] == ["0.0", "1.3.2"]


def test_ticks_survive_filtering_and_sorting_and_go_with_another_model(
    qtbot, cnn, wide
) -> None:
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.resize(view.sizeHint())
    view.show()
    view.set_result(cnn[1])
    with qtbot.waitSignal(view.skip_layers_changed, timeout=1000) as blocker:
        _click_checkbox(qtbot, view, "1.3.0")
    assert blocker.args == [["1.3.0"]]

    def shown_state(path: str) -> Qt.CheckState | None:
        return _check_state(view.proxy, view.proxy.mapFromSource(view.model.index_of_path(path)))

    qtbot.keyClicks(view.search, "linear")
    assert shown_state("1.3.0") == Qt.Checked
    view.tree.sortByColumn(PARAMS, Qt.AscendingOrder)
    assert shown_state("1.3.0") == Qt.Checked
    assert shown_state("1.3.2") == Qt.Unchecked
    _click_checkbox(qtbot, view, "1.3.2")  # ticking through the filtered, sorted proxy
    view.search.clear()
    view.tree.sortByColumn(-1, Qt.AscendingOrder)
    assert view.ticked_paths() == ["1.3.0", "1.3.2"]
    assert shown_state("1.3.0") == shown_state("1.3.2") == Qt.Checked
    _click_checkbox(qtbot, view, "1.3.0")  # and unticking
    assert view.ticked_paths() == ["1.3.2"]

    view.set_result(cnn[1], keep_ticks=True)  # another variant of the same model
    assert view.ticked_paths() == ["1.3.2"]
    view.set_result(None, keep_ticks=True)  # not inspected yet: nothing to check against
    assert view.ticked_paths() == ["1.3.2"]
    with qtbot.waitSignal(view.skip_layers_changed, timeout=1000) as blocker:
        view.set_result(wide)  # a different model
    assert blocker.args == [[]]
    assert view.ticked_paths() == []
    view.set_ticked_paths(["5", "no.such.layer"])
    assert view.ticked_paths() == ["5"]
    view.set_result(cnn[1], keep_ticks=True)  # layer 5 is not in this one
    assert view.ticked_paths() == []


# --- before / after ----------------------------------------------------------------------


def _named(**layers: nn.Module) -> nn.Sequential:
    return nn.Sequential(OrderedDict(layers))


@pytest.fixture(scope="module")
def pruned() -> tuple[InspectResult, InspectResult]:
    """(before, after): after has half the stem's channels, no body.extra, a new head.drop."""
    torch.manual_seed(0)
    before = _named(
        stem=_named(conv=nn.Conv2d(3, 8, 3), bn=nn.BatchNorm2d(8), act=nn.ReLU()),
        body=_named(conv=nn.Conv2d(8, 8, 3), extra=_named(conv=nn.Conv2d(8, 8, 1))),
        head=_named(pool=nn.AdaptiveAvgPool2d(1), flat=nn.Flatten(), fc=nn.Linear(8, 10)),
    )
    after = _named(
        stem=_named(conv=nn.Conv2d(3, 4, 3), bn=nn.BatchNorm2d(4), act=nn.ReLU()),
        body=_named(conv=nn.Conv2d(4, 8, 3)),
        head=_named(pool=nn.AdaptiveAvgPool2d(1), flat=nn.Flatten(), drop=nn.Dropout(),
                    fc=nn.Linear(8, 10)),
    )
    return _inspect(before, name="before"), _inspect(after, name="after")


def test_comparison_shows_before_and_after_side_by_side(pruned) -> None:
    before, after = pruned
    model = LayerTreeModel()
    model.set_result(after, before)

    def cell(path: str, column: int, role: int = Qt.DisplayRole):  # type: ignore[no-untyped-def]
        index = model.index_of_path(path)
        assert index.isValid(), path
        return index.siblingAtColumn(column).data(role)

    conv_before, conv_after = before.tree.find("stem.conv"), after.tree.find("stem.conv")
    assert cell("stem.conv", CHANNELS) == "8 → 4"
    assert cell("stem.conv", CHANNELS, SORT_ROLE) == 4
    assert cell("stem.bn", CHANNELS) == "8 → 4"
    assert cell("head.fc", CHANNELS) == "10"  # unchanged: one number
    assert cell("stem.act", CHANNELS) == "—"
    assert cell("stem.conv", PARAMS_BEFORE, SORT_ROLE) == conv_before.params == 224
    assert cell("stem.conv", PARAMS, SORT_ROLE) == conv_after.params == 112
    assert cell("stem.conv", CHANGE) == "−50.0 %"
    assert cell("stem.conv", CHANGE, SORT_ROLE) == pytest.approx(-0.5)
    assert cell("head.fc", CHANGE) == "0.0 %"
    assert "224 parameters before, 112 now" in cell("stem.conv", CHANGE, Qt.ToolTipRole)
    assert cell("", PARAMS_BEFORE, SORT_ROLE) == before.params_total

    # A layer that vanished is a greyed row under its old parent; a new one says so.
    body = model.index_of_path("body")
    assert _rows(model, body) == ["conv", "extra"]
    gone = model.index_of_path("body.extra")
    assert model.is_removed(gone.data(NODE_ROLE))
    assert _rows(model, gone) == ["conv"]  # its insides are gone with it
    assert gone.siblingAtColumn(PARAMS).data() == "removed"
    assert gone.siblingAtColumn(PARAMS).data(SORT_ROLE) == 0
    assert gone.siblingAtColumn(CHANGE).data() == "−100.0 %"
    assert cell("body.extra.conv", CHANNELS) == "8 → 0"
    assert "is gone" in gone.data(Qt.ToolTipRole)
    assert gone.data(Qt.FontRole).italic()
    assert _check_state(model, gone) is None and not model.flags(gone) & Qt.ItemIsUserCheckable
    assert cell("head.drop", PARAMS_BEFORE) == "new"
    assert cell("head.drop", PARAMS_BEFORE, SORT_ROLE) == -1

    model.set_comparison(None)
    assert _rows(model, model.index_of_path("body")) == ["conv"]
    assert cell("stem.conv", CHANNELS) == "4"
    assert not model.index_of_path("body.extra").isValid()


def test_comparison_columns_sort_on_raw_numbers(qtbot, pruned) -> None:
    before, after = pruned
    view = LayerTreeView()
    qtbot.addWidget(view)
    assert view.tree.isColumnHidden(PARAMS_BEFORE) and view.tree.isColumnHidden(CHANGE)
    view.set_result(after, before)
    assert not view.tree.isColumnHidden(PARAMS_BEFORE) and not view.tree.isColumnHidden(CHANGE)

    def shown(path: str) -> QModelIndex:  # proxy indexes do not survive a sort: map anew
        return view.proxy.mapFromSource(view.model.index_of_path(path))

    view.tree.sortByColumn(CHANGE, Qt.AscendingOrder)
    assert _rows(view.proxy, shown("body")) == ["extra", "conv"]  # −100 % before −50 %
    changes = _rows(view.proxy, shown("stem"), CHANGE, SORT_ROLE)
    assert changes[0] == -math.inf and changes[1:] == [-0.5, -0.5]  # the ReLU (n/a) first
    view.tree.sortByColumn(CHANNELS, Qt.DescendingOrder)
    assert _rows(view.proxy, shown("stem"), CHANNELS, SORT_ROLE) == [4, 4, -1]
    view.tree.sortByColumn(PARAMS_BEFORE, Qt.DescendingOrder)
    assert _rows(view.proxy, shown("head")) == ["fc", "pool", "flat", "drop"]
    view.set_filter_text("extra")  # gone layers can be found too
    assert _shown_paths(view.proxy) == ["", "body", "body.extra", "body.extra.conv"]
    view.set_filter_text("")
    view.set_comparison(None)
    assert view.tree.isColumnHidden(PARAMS_BEFORE)


def test_comparing_thousands_of_modules_stays_lazy(qtbot, wide) -> None:
    view = LayerTreeView()
    qtbot.addWidget(view)
    started = time.perf_counter()
    view.set_result(wide, wide)
    root = view.proxy.index(0, 0)
    assert view.proxy.index(2999, CHANGE, root).data() == "0.0 %"
    assert time.perf_counter() - started < 2.0
    view.tree.sortByColumn(CHANGE, Qt.DescendingOrder)
    assert view.proxy.rowCount(root) == 3000


def test_new_strings_are_translatable(qtbot, pseudo_translate, pruned) -> None:
    pseudo_translate("LayerTreeModel", "LayerTreeView")
    before, after = pruned
    view = LayerTreeView()
    qtbot.addWidget(view)
    view.set_result(after, before)
    model = view.model
    assert model.headerData(CHANNELS, Qt.Horizontal) == "[Channels]"
    assert model.headerData(PARAMS_BEFORE, Qt.Horizontal) == "[Params before]"
    assert model.headerData(CHANGE, Qt.Horizontal) == "[Change]"
    assert "[Tick a layer" in model.headerData(NAME, Qt.Horizontal, Qt.ToolTipRole)
    assert model.index_of_path("body.extra").siblingAtColumn(PARAMS).data() == "[removed]"
    assert model.index_of_path("head.drop").siblingAtColumn(PARAMS_BEFORE).data() == "[new]"
    assert view.tree.whatsThis().startswith("[Tick a layer")
