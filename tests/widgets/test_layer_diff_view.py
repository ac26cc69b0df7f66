"""The layer diff view, offscreen: rows, the changed-only filter, looks, sizes and images."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from torch import nn

from slimbench.engine.compare.layer_diff import LayerDiffRow, layer_diff
from slimbench.engine.inspection import inspect_model
from slimbench.engine.loading import ModelHandle
from slimbench.widgets.layer_diff_view import (
    CHANGES,
    CHANNELS,
    DTYPE,
    LATENCY_A,
    LAYER,
    PARAMS_A,
    PARAMS_B,
    TYPE,
    LayerDiffView,
)


def _handle(module: nn.Module) -> ModelHandle:
    return ModelHandle("net", module.eval(), "memory", "memory")  # no run: no inputs


@pytest.fixture(scope="module")
def rows() -> list[LayerDiffRow]:
    torch.manual_seed(0)
    a = nn.Sequential(OrderedDict(
        fc1=nn.Linear(4, 64),
        act=nn.ReLU(),
        block=nn.Sequential(nn.Linear(64, 64), nn.ReLU()),
        fc2=nn.Linear(64, 2),
    ))
    b = nn.Sequential(OrderedDict(
        fc1=nn.Linear(4, 32),
        act=nn.ReLU(),
        norm=nn.LayerNorm(32),
        fc2=nn.Linear(32, 2).to(torch.bfloat16),
    ))
    latency_a = {"": 1.5, "fc1": 0.25, "act": 0.01, "block": 0.5, "block.0": 0.4,
                 "block.1": 0.05, "fc2": 0.2}
    latency_b = {"": 0.5, "fc1": 0.125, "act": 0.01, "norm": 0.1, "fc2": 0.1}
    return layer_diff(inspect_model(_handle(a)), inspect_model(_handle(b)), latency_a, latency_b)


@pytest.fixture
def view(qtbot) -> LayerDiffView:  # type: ignore[no-untyped-def]
    widget = LayerDiffView()
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    return widget


def test_rows_render_nested_side_by_side(view: LayerDiffView, rows: list[LayerDiffRow]) -> None:
    view.set_rows(rows, "mlp", "mlp-slim")
    assert view.stack.currentWidget() is view.tree
    assert view.title.text() == "A: mlp · B: mlp-slim"
    assert view.summary.text().startswith("2 of 7 layers changed; 3 removed; 1 added")
    assert "3× faster" in view.summary.text()

    top = view.tree.topLevelItem(0)
    assert view.tree.topLevelItemCount() == 1 and top.childCount() == 5
    block = top.child(2)
    assert block.text(LAYER) == "block" and block.childCount() == 2
    texts = {item.text(LAYER): item for item in view._items}
    fc1 = texts["fc1"]
    assert fc1.text(TYPE) == "Linear"
    assert fc1.text(PARAMS_A) == "320" and fc1.text(PARAMS_B) == "160"
    assert fc1.text(CHANNELS) == "64 → 32"
    assert fc1.text(DTYPE) == "float32"
    assert fc1.text(LATENCY_A) == "0.25 ms"
    assert "channels 64 → 32" in fc1.text(CHANGES)
    assert texts["fc2"].text(DTYPE) == "float32 → bfloat16"
    assert "+ norm" in texts and texts["+ norm"].text(CHANGES) == "added: only in B"
    assert texts["act"].text(CHANGES) == ""

    removed = texts["block"]
    assert removed.font(LAYER).strikeOut() and removed.text(CHANGES) == "removed: only in A"
    assert removed.foreground(LAYER).color() == view.tree.palette().color(
        QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
    )
    base = view.tree.palette().color(QPalette.ColorRole.Base)
    assert fc1.background(TYPE).color() != base  # changed: tinted
    assert texts["+ norm"].background(TYPE).color() not in (base, fc1.background(TYPE).color())
    assert texts["act"].background(TYPE).style() == Qt.BrushStyle.NoBrush  # unchanged


def test_only_changed_filter_hides_unchanged_rows(
    view: LayerDiffView, rows: list[LayerDiffRow]
) -> None:
    view.set_rows(rows, "a", "b")
    everything = view.visible_paths()
    assert "act" in everything and "block.1" in everything
    view.only_changed.setChecked(True)
    shown = view.visible_paths()
    assert "act" not in shown  # ReLU in both
    assert {"", "fc1", "block", "block.0", "block.1", "norm", "fc2"} <= set(shown)
    view.only_changed.setChecked(False)
    assert view.visible_paths() == everything


def test_empty_state_and_palette_change(view: LayerDiffView, rows: list[LayerDiffRow]) -> None:
    assert view.stack.currentWidget() is view.empty
    assert view.only_changed.isHidden()
    view.set_rows(rows, "a", "b")
    dark = QPalette(view.palette())
    dark.setColor(QPalette.ColorRole.Base, dark.color(QPalette.ColorRole.Text))
    view.tree.setPalette(dark)
    view.setPalette(dark)
    fc1 = next(item for item in view._items if item.text(LAYER) == "fc1")
    assert fc1.background(TYPE).color().lightness() < 128  # the tint follows the theme
    view.set_rows([], "", "")
    assert view.stack.currentWidget() is view.empty and view.tree.topLevelItemCount() == 0


def test_minimum_size_and_image(
    view: LayerDiffView, rows: list[LayerDiffRow], tmp_path: Path
) -> None:
    view.set_rows(rows, "a", "b")
    view.show()
    hint = view.minimumSizeHint()
    assert 300 <= hint.width() <= 640 and 160 <= hint.height() <= 400
    view.resize(hint)
    path = tmp_path / "layer_diff.png"
    assert view.grab().save(str(path))
    assert path.stat().st_size > 1000


def test_strings_are_translatable(pseudo_translate, rows: list[LayerDiffRow], qtbot) -> None:  # type: ignore[no-untyped-def]
    pseudo_translate("LayerDiffView")
    view = LayerDiffView()
    qtbot.addWidget(view)
    view.set_rows(rows, "a", "b")
    assert view.only_changed.text() == "[Only changed layers]"
    assert view.tree.headerItem().text(CHANGES) == "[What changed]"
    assert view.summary.text().startswith("[")
