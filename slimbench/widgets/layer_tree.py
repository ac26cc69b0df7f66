"""The layer tree: a lazy item model over an :class:`InspectResult`, a filter/sort proxy,
the tree view with its search box, and a details pane with a histogram of a layer's weights.

The model never copies the engine's tree: every ``QModelIndex`` points straight at its
``LayerNode`` (kept alive by the result the model holds), and a node's parent is recorded only
when Qt first asks for one of its children, so a model of thousands of modules loads at once.

Two extras: layers can be ticked (a checkbox in the Name column) to leave them alone when
compressing, and a compressed variant can be compared with the variant it was made from
(parameters before, change, channels before → after, and rows for layers that vanished).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from torch import nn

from slimbench.engine.inspection import InspectResult, LayerNode
from slimbench.widgets.formatting import (
    DASH,
    format_bytes,
    format_count,
    format_flops,
    format_percent,
    format_shape,
)

#: Raw values for sorting: ints and floats for numeric columns, natural-order keys for text.
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
#: The :class:`LayerNode` behind a row (any column).
NODE_ROLE = int(Qt.ItemDataRole.UserRole) + 2

(
    NAME, TYPE, CHANNELS, PARAMS_BEFORE, PARAMS, CHANGE, PERCENT, SIZE, FLOPS, SHAPE, SPARSITY
) = range(11)
COLUMN_COUNT = 11
NUMERIC_COLUMNS = frozenset(
    {CHANNELS, PARAMS_BEFORE, PARAMS, CHANGE, PERCENT, SIZE, FLOPS, SHAPE, SPARSITY}
)
#: Columns that only mean something while a variant is compared with the one it came from.
COMPARISON_COLUMNS = frozenset({PARAMS_BEFORE, CHANGE})
#: Between the figures before and after in comparison cells.
ARROW = " → "


#: At most this many weight values go into a histogram (sampled with a fixed seed).
HISTOGRAM_SAMPLES = 200_000
HISTOGRAM_BINS = 60

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_CHECK = int(Qt.ItemDataRole.CheckStateRole)
# Combined once: flags() runs for every cell Qt lays out, and combining enums is slow.
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_TICKABLE_FLAGS = _ROW_FLAGS | Qt.ItemFlag.ItemIsUserCheckable
_WHATS_THIS = int(Qt.ItemDataRole.WhatsThisRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_DIGITS = re.compile(r"(\d+)")


def _shape_numel(shape: list[Any] | None) -> int:
    """Elements of an output (all outputs summed), -1 when unknown: the shape's sort key."""
    if shape is None:
        return -1
    if all(isinstance(size, int) for size in shape):
        return math.prod(shape)
    return sum(
        max(_shape_numel(list(part)), 0) for part in shape if isinstance(part, (list, tuple))
    )


def _natural_key(text: str) -> str:
    """A key that sorts ``layer2`` before ``layer10`` with a plain string comparison."""
    return _DIGITS.sub(lambda match: match.group(1).zfill(12), text.casefold())


def _ancestors(path: str) -> list[str]:
    """``"a.b.c"`` -> ``["a", "a.b"]``: the paths strictly above ``path`` (not the model)."""
    parts = path.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _outermost(paths: Iterable[str]) -> set[str]:
    """``paths`` without those inside another of them (skipping ``a`` already skips ``a.b``)."""
    chosen = set(paths)
    return {path for path in chosen if not any(above in chosen for above in _ancestors(path))}


#: fnmatch's wildcards, and the characters the skip field splits patterns at.
_FNMATCH_SPECIAL = re.compile(r"([*?\[])")
_FIELD_SEPARATORS = re.compile(r"[,;\s]")


def skip_patterns(paths: Iterable[str]) -> list[str]:
    """The skip-field patterns that leave the modules at ``paths`` (and all inside them) alone.

    The engine matches a skip pattern with fnmatch against a module's path and its ancestors'
    (quantize) or against ``path`` and ``path.*`` (prune), so a plain path already covers what
    is inside the module: ``stages.0`` skips ``stages.0.conv`` too. Paths inside another one
    are dropped and the order is kept; wildcard characters in a name are escaped so that they
    match only themselves, and the rare comma, semicolon or space (which would split the field)
    becomes ``?``.
    """
    given = list(dict.fromkeys(path for path in paths if path))
    outermost = _outermost(given)
    patterns = []
    for path in (path for path in given if path in outermost):
        pattern = _FNMATCH_SPECIAL.sub(lambda match: f"[{match.group(1)}]", path)
        pattern = _FIELD_SEPARATORS.sub("?", pattern)
        patterns.append(pattern)
    return patterns


def _format_change(fraction: float) -> str:
    """``-0.75`` -> ``−75.0 %``, ``0.1`` -> ``+10.0 %``; no change is ``0.0 %``."""
    text = format_percent(abs(fraction))
    if text == format_percent(0.0):
        return text
    return ("−" if fraction < 0 else "+") + text


def _tick_hint() -> str:
    return QCoreApplication.translate(
        "LayerTreeModel", "Tick a layer to leave it alone when compressing."
    )


def _column_titles() -> list[str]:
    return [
        QCoreApplication.translate("LayerTreeModel", "Name"),
        QCoreApplication.translate("LayerTreeModel", "Type"),
        QCoreApplication.translate("LayerTreeModel", "Channels"),
        QCoreApplication.translate("LayerTreeModel", "Params before"),
        QCoreApplication.translate("LayerTreeModel", "Parameters"),
        QCoreApplication.translate("LayerTreeModel", "Change"),
        QCoreApplication.translate("LayerTreeModel", "% of total"),
        QCoreApplication.translate("LayerTreeModel", "Size"),
        QCoreApplication.translate("LayerTreeModel", "FLOPs"),
        QCoreApplication.translate("LayerTreeModel", "Output shape"),
        QCoreApplication.translate("LayerTreeModel", "Sparsity"),
    ]


def _column_explanations() -> list[str]:
    return [
        QCoreApplication.translate(
            "LayerTreeModel",
            "The layer's name inside its parent; the top row is the whole model.",
        )
        + " "
        + _tick_hint(),
        QCoreApplication.translate(
            "LayerTreeModel", "The kind of layer (its PyTorch class), such as Linear or Conv2d."
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "How many outputs the layer makes: output channels of a convolution, outputs of a "
            "linear layer, heads of an attention layer. Pruning whole channels lowers it; "
            "compared with the model a variant came from, it reads before → after.",
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "Parameters the layer had in the model this variant was made from.",
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "Numbers the layer learned during training; fewer means a smaller model.",
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "How the layer's parameters changed from the model this variant was made from: "
            "−50 % means half of them are gone.",
        ),
        QCoreApplication.translate(
            "LayerTreeModel", "This layer's share of all the model's parameters."
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "Memory the layer's weights and buffers really take, at their stored precision.",
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "Arithmetic operations for one pass over the example input; fewer usually means "
            "faster. Shown as — when the model was not run with example inputs.",
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "Size of what the layer produces for the example input (batch first).",
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "Share of this layer's weights that are exactly zero. Zeros only make a model "
            "smaller or faster when whole channels are removed or the file is saved sparse.",
        ),
    ]


# --- the model -----------------------------------------------------------------------------


class LayerTreeModel(QAbstractItemModel):
    """The module tree of an :class:`InspectResult`; the single top-level row is the model.

    Indexes carry their ``LayerNode`` as internal pointer. Nothing is precomputed: a node's
    parent link is stored the first time Qt asks for the node's index, and the path → node
    dicts that ticks and comparisons need are built once, the first time they are needed.

    Ticks are kept as module paths, so they survive filtering and sorting by a proxy. Ticking
    a layer also leaves everything inside it alone: its sublayers show ticked (and cannot be
    unticked on their own), its containers show partly ticked. The top row cannot be ticked.
    :attr:`ticked_changed` carries :meth:`ticked_paths` whenever they change.

    With a comparison (:meth:`set_comparison`), rows are matched with the earlier model's by
    module path; a layer that is gone shows as a greyed row under its old parent.
    """

    #: The outermost ticked paths (list[str], in tree order) after every change.
    ticked_changed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._result: InspectResult | None = None
        self._top: list[LayerNode] = []
        # id(node) -> (parent node or None for the top row, row of node under its parent).
        # The nodes themselves stay alive through self._result (and self._before).
        self._parents: dict[int, tuple[LayerNode | None, int]] = {}
        self._before: InspectResult | None = None
        # Built on first use: path -> node of the result and of the comparison, the rows of a
        # node with vanished layers appended (by id of the node).
        self._by_path: dict[str, LayerNode] | None = None
        self._before_by_path: dict[str, LayerNode] | None = None
        self._rows: dict[int, list[LayerNode]] = {}
        self._ticked: set[str] = set()
        self._partly_ticked: set[str] = set()  # containers of ticked layers

    # -- data in

    def set_result(
        self,
        result: InspectResult | None,
        before: InspectResult | None = None,
        *,
        keep_ticks: bool = False,
    ) -> None:
        """Show ``result``'s tree (nothing for None), compared with ``before`` when given.

        Ticks are cleared, unless ``keep_ticks``: then those whose layer is in ``result`` stay
        (all of them while ``result`` is None). Use it for another variant of the same model.
        """
        previous = self.ticked_paths()
        self.beginResetModel()
        self._result = result
        self._top = [result.tree] if result is not None else []
        self._before = before
        self._forget_rows()
        if not keep_ticks:
            self._ticked = set()
        elif result is not None and self._ticked:
            present = self._paths()
            self._ticked = {path for path in self._ticked if path in present}
        self._partly_ticked = {above for path in self._ticked for above in _ancestors(path)}
        self.endResetModel()
        if self.ticked_paths() != previous:
            self.ticked_changed.emit(self.ticked_paths())

    def result(self) -> InspectResult | None:
        return self._result

    def set_comparison(self, before: InspectResult | None) -> None:
        """Compare with ``before`` (the model the shown one was made from), or stop for None.

        Adds parameters before and their change, shows channels as before → after, and adds
        greyed rows for layers that are gone. Layers are matched by module path. Ticks stay.
        """
        if before is self._before:
            return
        self.beginResetModel()
        self._before = before
        self._forget_rows()
        self.endResetModel()

    def comparison(self) -> InspectResult | None:
        return self._before

    def is_removed(self, node: LayerNode) -> bool:
        """Whether ``node`` is a row of the compared model's that the shown model lacks."""
        return self._before is not None and self._paths().get(node.path) is not node

    def before_node(self, node: LayerNode) -> LayerNode | None:
        """The compared model's layer at ``node``'s path (None: a new layer, or no comparison)."""
        if self._before is None:
            return None
        if self.is_removed(node):
            return node
        return self._before_paths().get(node.path)

    # -- ticks

    def ticked_paths(self) -> list[str]:
        """Paths of the ticked layers, outermost only (a ticked layer covers what it holds), in
        the tree's order."""
        chosen = _outermost(self._ticked)
        if not chosen:
            return []
        if self._result is None:
            return sorted(chosen, key=_natural_key)
        order = {path: position for position, path in enumerate(self._paths())}
        return sorted(chosen, key=lambda path: order.get(path, len(order)))

    def set_ticked_paths(self, paths: Iterable[str]) -> None:
        """Tick exactly ``paths`` (those not in the shown model are dropped)."""
        wanted = {path for path in paths if path}
        if self._result is not None:
            present = self._paths()
            wanted = {path for path in wanted if path in present}
        if wanted == self._ticked:
            return
        changed = wanted ^ self._ticked
        self._ticked = wanted
        self._partly_ticked = {above for path in wanted for above in _ancestors(path)}
        self._refresh_ticks(changed)
        self.ticked_changed.emit(self.ticked_paths())

    def is_tickable(self, node: LayerNode) -> bool:
        """A layer of the shown model, not the model itself, not inside a ticked layer."""
        return bool(node.path) and not self.is_removed(node) and not self._covered(node.path)

    def _covered(self, path: str) -> bool:
        if not self._ticked or "." not in path:
            return False
        return any(above in self._ticked for above in _ancestors(path))

    def _check_state(self, node: LayerNode) -> Qt.CheckState | None:
        if not node.path or self.is_removed(node):
            return None
        if node.path in self._ticked or self._covered(node.path):
            return Qt.CheckState.Checked
        if node.path in self._partly_ticked:
            return Qt.CheckState.PartiallyChecked
        return Qt.CheckState.Unchecked

    def _refresh_ticks(self, changed: set[str]) -> None:
        """Tell views which check marks may have changed: those of the layers at ``changed``,
        of their containers (partly ticked) and of the rows Qt has seen inside them."""
        around = {above for path in changed for above in (*_ancestors(path), path)}
        for path in around:
            index = self.index_of_path(path)
            if index.isValid():
                self.dataChanged.emit(index, index, [_CHECK])
        paths = self._paths()
        stack = [paths[path] for path in changed if path in paths]
        while stack:
            node = stack.pop()
            rows = self._children(node)
            seen = [child for child in rows if id(child) in self._parents]
            if not seen or id(node) not in self._parents:
                continue
            _parent, row = self._parents[id(node)]
            parent = self.createIndex(row, NAME, node)
            self.dataChanged.emit(
                self.index(0, NAME, parent), self.index(len(rows) - 1, NAME, parent), [_CHECK]
            )
            stack.extend(seen)

    # -- lookups, built once

    def _forget_rows(self) -> None:
        self._parents = {}
        self._by_path = None
        self._before_by_path = None
        self._rows = {}

    def _paths(self) -> dict[str, LayerNode]:
        if self._by_path is None:
            self._by_path = _index_by_path(self._result.tree if self._result else None)
        return self._by_path

    def _before_paths(self) -> dict[str, LayerNode]:
        if self._before_by_path is None:
            self._before_by_path = _index_by_path(self._before.tree if self._before else None)
        return self._before_by_path

    def _children(self, node: LayerNode) -> list[LayerNode]:
        """``node``'s rows: its children, and while comparing the earlier model's children
        at the same path that are gone (a gone layer's own children are all gone too)."""
        if self._before is None:
            return node.children
        rows = self._rows.get(id(node))
        if rows is None:
            rows = node.children
            twin = None if self.is_removed(node) else self._before_paths().get(node.path)
            if twin is not None:
                present = self._paths()
                gone = [child for child in twin.children if child.path not in present]
                if gone:
                    rows = [*node.children, *gone]
            self._rows[id(node)] = rows
        return rows

    def node(self, index: QModelIndex | QPersistentModelIndex) -> LayerNode | None:
        """The node behind an index of this model (not of a proxy)."""
        if not index.isValid():
            return None
        return index.internalPointer()

    def child_node(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> LayerNode:
        """The node at ``row`` under ``parent`` without creating an index for it."""
        siblings = self._top if not parent.isValid() else self._children(parent.internalPointer())
        return siblings[row]

    def index_of_path(self, path: str) -> QModelIndex:
        """The index (column 0) of the module at ``path`` (``""`` is the model itself)."""
        if not self._top:
            return QModelIndex()
        index = self.index(0, 0)
        if not path:
            return index
        for name in path.split("."):
            children = self._children(index.internalPointer())
            row = next((row for row, child in enumerate(children) if child.name == name), None)
            if row is None:
                return QModelIndex()
            index = self.index(row, 0, index)
        return index

    # -- structure

    def index(
        self,
        row: int,
        column: int,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> QModelIndex:
        if column < 0 or column >= COLUMN_COUNT or row < 0:
            return QModelIndex()
        parent_node = parent.internalPointer() if parent.isValid() else None
        siblings = self._top if parent_node is None else self._children(parent_node)
        if row >= len(siblings):
            return QModelIndex()
        node = siblings[row]
        self._parents[id(node)] = (parent_node, row)
        return self.createIndex(row, column, node)

    def parent(self, index: Any = None) -> Any:  # QObject.parent() shares the name
        if index is None:
            return super().parent()
        if not index.isValid():
            return QModelIndex()
        parent_node, _row = self._parents[id(index.internalPointer())]
        if parent_node is None:
            return QModelIndex()
        _grandparent, parent_row = self._parents[id(parent_node)]
        return self.createIndex(parent_row, 0, parent_node)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._top)
        if parent.column() > 0:
            return 0
        return len(self._children(parent.internalPointer()))

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return COLUMN_COUNT

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() == NAME and self.is_tickable(index.internalPointer()):
            return _TICKABLE_FLAGS
        return _ROW_FLAGS

    def setData(
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = _CHECK
    ) -> bool:
        """Tick or untick a layer (the check state of its Name cell); nothing else is editable."""
        if role != _CHECK or not index.isValid() or index.column() != NAME:
            return False
        node: LayerNode = index.internalPointer()
        if not self.is_tickable(node):
            return False
        state = Qt.CheckState(value.value if isinstance(value, Qt.CheckState) else int(value))
        ticked = set(self._ticked)
        if state == Qt.CheckState.Checked:
            ticked.add(node.path)
        else:
            ticked.discard(node.path)
        self.set_ticked_paths(ticked)
        return True

    # -- data out

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < COLUMN_COUNT:
            return None
        if role == _DISPLAY:
            return _column_titles()[section]
        if role == _TOOLTIP:
            return _column_explanations()[section]
        if role == _ALIGN:
            return _RIGHT if section in NUMERIC_COLUMNS else _LEFT
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        node: LayerNode = index.internalPointer()
        column = index.column()
        if role == _DISPLAY:
            return self._display(node, column)
        if role == SORT_ROLE:
            return self._sort_value(node, column)
        if role == NODE_ROLE:
            return node
        if role == _ALIGN:
            return _RIGHT if column in NUMERIC_COLUMNS else _LEFT
        if role == _TOOLTIP:
            return self._tooltip(node, column)
        if role == _CHECK and column == NAME:
            return self._check_state(node)
        if role == _WHATS_THIS and column == NAME:
            return _tick_hint()
        if role == _FONT and self._top and node is self._top[0]:
            font = QFont()
            font.setBold(True)
            return font
        if role == _FONT and self.is_removed(node):
            font = QFont()
            font.setItalic(True)
            return font
        if role == _FOREGROUND and (
            self.is_removed(node)
            or (column in NUMERIC_COLUMNS and self._is_blank(node, column))
        ):
            return QPalette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None

    def _total(self) -> int:
        return self._result.params_total if self._result is not None else 0

    def _fraction(self, node: LayerNode) -> float | None:
        total = self._total()
        return node.params / total if total else None

    def _is_blank(self, node: LayerNode, column: int) -> bool:
        if column == CHANNELS:
            twin = self.before_node(node)
            return node.channels is None and (twin is None or twin.channels is None)
        if column == PARAMS_BEFORE:
            twin = self.before_node(node)
            return twin is not None and twin.params == 0 and twin.size_bytes == 0
        if column == CHANGE:
            change = self._change(node)
            return change is None or change == 0.0
        if column == FLOPS:
            return node.flops is None
        if column == SHAPE:
            return node.output_shape is None
        if column == SPARSITY:
            return node.params == 0
        return column in (PARAMS, SIZE, PERCENT) and node.params == 0 and node.size_bytes == 0

    def _change(self, node: LayerNode) -> float | None:
        """Relative change of the parameters since the compared model: -0.75 is 75 % fewer,
        -1.0 a layer that is gone, inf a new one; None when it does not apply."""
        if self._before is None:
            return None
        twin = self.before_node(node)
        if twin is None:
            return math.inf
        after = 0 if self.is_removed(node) else node.params
        if twin.params == 0:
            return None if after == 0 else math.inf
        return after / twin.params - 1.0

    def _channels_now(self, node: LayerNode) -> int | None:
        """The layer's channels in the shown model: 0 for a layer with channels that is gone."""
        if self.is_removed(node):
            return None if node.channels is None else 0
        return node.channels

    def _channels_text(self, node: LayerNode) -> str:
        now = self._channels_now(node)
        twin = self.before_node(node)
        before = twin.channels if twin is not None else None
        if self._before is None or before is None or before == now:
            return DASH if now is None else str(now)
        return f"{before}{ARROW}{DASH if now is None else now}"

    def _comparison_display(self, node: LayerNode, column: int) -> str:
        new = QCoreApplication.translate("LayerTreeModel", "new", "a layer the earlier model lacks")
        if self._before is None:
            return ""
        if column == PARAMS_BEFORE:
            twin = self.before_node(node)
            return new if twin is None else format_count(twin.params)
        change = self._change(node)
        if change is None:
            return DASH
        return new if change == math.inf else _format_change(change)

    def _display(self, node: LayerNode, column: int) -> str:
        if column == NAME:
            return node.name
        if column == TYPE:
            return node.type
        if column == CHANNELS:
            return self._channels_text(node)
        if column in COMPARISON_COLUMNS:
            return self._comparison_display(node, column)
        if self.is_removed(node):
            if column == PARAMS:
                return QCoreApplication.translate(
                    "LayerTreeModel", "removed", "a layer that is gone"
                )
            return DASH
        if column == PARAMS:
            return format_count(node.params)
        if column == PERCENT:
            return format_percent(self._fraction(node))
        if column == SIZE:
            return format_bytes(node.size_bytes)
        if column == FLOPS:
            return format_flops(node.flops)
        if column == SHAPE:
            return format_shape(node.output_shape)
        if column == SPARSITY:
            return DASH if node.params == 0 else format_percent(node.sparsity)
        return ""

    def _sort_value(self, node: LayerNode, column: int) -> Any:
        if column == NAME:
            return _natural_key(node.name)
        if column == TYPE:
            return _natural_key(node.type)
        if column == CHANNELS:
            now = self._channels_now(node)
            return -1 if now is None else now
        if column == PARAMS_BEFORE:
            twin = self.before_node(node)
            return -1 if twin is None else twin.params
        if column == CHANGE:
            change = self._change(node)
            return -math.inf if change is None else change
        if self.is_removed(node):
            return 0 if column == PARAMS else -1
        if column == PARAMS:
            return node.params
        if column == PERCENT:
            fraction = self._fraction(node)
            return -1.0 if fraction is None else fraction
        if column == SIZE:
            return node.size_bytes
        if column == FLOPS:
            return -1 if node.flops is None else node.flops
        if column == SHAPE:
            return _shape_numel(node.output_shape)
        if column == SPARSITY:
            return -1.0 if node.params == 0 else node.sparsity
        return None

    def _tooltip(self, node: LayerNode, column: int) -> str | None:
        if self.is_removed(node):
            name = self._before.name if self._before is not None else ""
            return QCoreApplication.translate(
                "LayerTreeModel", "{path} is gone: {name} had it, this variant does not."
            ).format(path=node.path, name=name)
        if column in (NAME, TYPE):
            path = node.path or QCoreApplication.translate("LayerTreeModel", "(the whole model)")
            text = f"{path}\n{node.type}"
            if column == NAME and node.path:
                covered = next((a for a in _ancestors(node.path) if a in self._ticked), None)
                if covered is not None:
                    text += "\n" + QCoreApplication.translate(
                        "LayerTreeModel", "Left alone when compressing, because {path} is ticked."
                    ).format(path=covered)
                else:
                    text += "\n" + _tick_hint()
            return text
        if column in (PARAMS_BEFORE, CHANGE) and self._before is not None:
            twin = self.before_node(node)
            if twin is None:
                return QCoreApplication.translate(
                    "LayerTreeModel", "New: {name} has no layer at this path."
                ).format(name=self._before.name)
            return QCoreApplication.translate(
                "LayerTreeModel", "{before} parameters before, {after} now"
            ).format(before=f"{twin.params:,}", after=f"{node.params:,}")
        if column == CHANNELS and node.channels is not None and node.type == "MultiheadAttention":
            return QCoreApplication.translate("LayerTreeModel", "{count} attention heads").format(
                count=node.channels
            )
        if column == PARAMS:
            return QCoreApplication.translate(
                "LayerTreeModel", "{total} parameters, {own} of them in this layer itself"
            ).format(total=f"{node.params:,}", own=f"{node.params_own:,}")
        if column == SIZE:
            return QCoreApplication.translate("LayerTreeModel", "{bytes} bytes").format(
                bytes=f"{node.size_bytes:,}"
            )
        if column == FLOPS:
            if node.flops is None:
                return QCoreApplication.translate(
                    "LayerTreeModel",
                    "Unknown: the model was not run with example inputs, or this layer was "
                    "not called.",
                )
            return QCoreApplication.translate("LayerTreeModel", "{flops} FLOPs").format(
                flops=f"{node.flops:,}"
            )
        if column == SPARSITY and node.params:
            return QCoreApplication.translate(
                "LayerTreeModel", "{zeros} of {total} weights are zero"
            ).format(zeros=f"{node.params - node.nonzero:,}", total=f"{node.params:,}")
        return None


def _index_by_path(tree: LayerNode | None) -> dict[str, LayerNode]:
    """Path -> node for every node of ``tree``, in depth-first order (iterative: deep trees
    and thousands of modules take a few milliseconds)."""
    found: dict[str, LayerNode] = {}
    stack = [tree] if tree is not None else []
    while stack:
        node = stack.pop()
        found.setdefault(node.path, node)
        stack.extend(reversed(node.children))
    return found


# --- filtering and sorting ---------------------------------------------------------------------


class LayerFilterProxy(QSortFilterProxyModel):
    """Keeps layers whose name or type contains the filter text (any case), with their
    ancestors and everything below a match; sorts by :data:`SORT_ROLE`, so numerically.

    The top row (the whole model) never matches by itself: it stays as the ancestor of
    matches, and an empty filter shows everything.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def filter_text(self) -> str:
        return self._needle

    def set_filter_text(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        self.beginFilterChange()
        self._needle = needle
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._needle:
            return True
        if not source_parent.isValid():
            return False  # the model itself; kept when any layer below it matches
        source = self.sourceModel()
        if not isinstance(source, LayerTreeModel):
            return True
        node = source.child_node(source_row, source_parent)
        return self._needle in node.name.casefold() or self._needle in node.type.casefold()


# --- the tree view -------------------------------------------------------------------------


class LayerTreeView(QWidget):
    """A filter box above the layer tree. Emits :attr:`layer_selected` with the selected
    ``LayerNode``, or None when the selection is cleared or the result replaced.

    Layers ticked in the Name column are to be left alone when compressing:
    :attr:`skip_layers_changed` carries their paths (outermost only; :func:`skip_patterns`
    turns them into skip-field patterns). The link is one way: what is typed into a skip field
    by hand does not tick anything here.
    """

    layer_selected = Signal(object)
    #: The ticked layers' module paths (list[str]) after every change, [] when none is left.
    skip_layers_changed = Signal(list)

    #: Levels expanded when a result is shown.
    DEFAULT_DEPTH = 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LayerTreeModel(self)
        self.proxy = LayerFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.model.ticked_changed.connect(self.skip_layers_changed)
        self._selected: LayerNode | None = None

        self.search = QLineEdit(self)
        self.search.setObjectName("layerFilter")
        self.search.setPlaceholderText(
            QCoreApplication.translate("LayerTreeView", "Filter layers by name or type…")
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filter)

        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.tree = QTreeView(self)
        self.tree.setObjectName("layerTree")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setSortingEnabled(True)
        header = self.tree.header()
        header.setSortIndicatorClearable(True)  # third click: back to the model's own order
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(256)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.tree.setWhatsThis(
            _tick_hint()
            + " "
            + QCoreApplication.translate(
                "LayerTreeView",
                "Everything inside a ticked layer is left alone with it. The ticked layers "
                "are filled into the skip fields of the Compress tab.",
            )
        )
        self.tree.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._show_comparison_columns(False)
        self._size_columns()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.hint)
        layout.addWidget(self.tree, 1)
        self.setMinimumSize(360, 240)

    def sizeHint(self) -> QSize:
        return QSize(960, 520)

    # -- public API

    def set_result(
        self,
        result: InspectResult | None,
        before: InspectResult | None = None,
        *,
        keep_ticks: bool = False,
    ) -> None:
        """Show ``result`` (or nothing), expanded :attr:`DEFAULT_DEPTH` levels deep, compared
        with ``before`` (the model it was made from) when given.

        Ticks are cleared (a different model), unless ``keep_ticks`` (another variant of the
        same model): then the ticked layers that ``result`` has stay ticked.
        """
        had_selection = self._selected is not None
        self.model.set_result(result, before, keep_ticks=keep_ticks)
        self._selected = None
        hint = result.hint if result is not None else None
        self.hint.setText(hint or "")
        self.hint.setVisible(bool(hint))
        self._after_reset()
        if had_selection:
            self.layer_selected.emit(None)

    def set_comparison(self, before: InspectResult | None) -> None:
        """Show the shown model's figures next to ``before``'s (the model it was made from):
        parameters before and their change, channels before → after, and the layers that are
        gone. None stops comparing."""
        if before is self.model.comparison():
            return
        had_selection = self._selected is not None
        self.model.set_comparison(before)
        self._selected = None
        self._after_reset()
        if had_selection:
            self.layer_selected.emit(None)

    def comparison(self) -> InspectResult | None:
        return self.model.comparison()

    def ticked_paths(self) -> list[str]:
        """Paths of the layers ticked to be left alone (outermost only), in the tree's order."""
        return self.model.ticked_paths()

    def set_ticked_paths(self, paths: Iterable[str]) -> None:
        self.model.set_ticked_paths(paths)

    def result(self) -> InspectResult | None:
        return self.model.result()

    def expand_to_depth(self, depth: int) -> None:
        """Expand every row down to ``depth`` levels below the top (0: only the model row)."""
        self.tree.collapseAll()
        if depth >= 0:
            self.tree.expandToDepth(depth)

    def selected_node(self) -> LayerNode | None:
        return self._selected

    def select_path(self, path: str) -> bool:
        """Select and reveal the module at ``path``; False when absent or filtered out."""
        index = self.proxy.mapFromSource(self.model.index_of_path(path))
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def set_filter_text(self, text: str) -> None:
        self.search.setText(text)

    # -- internals

    def _after_reset(self) -> None:
        if self.proxy.filter_text():
            self.tree.expandAll()
        else:
            self.expand_to_depth(self.DEFAULT_DEPTH)
        self._show_comparison_columns(self.model.comparison() is not None)
        self._size_columns()

    def _show_comparison_columns(self, shown: bool) -> None:
        for column in COMPARISON_COLUMNS:
            self.tree.setColumnHidden(column, not shown)

    def _apply_filter(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        if text.strip():
            self.tree.expandAll()  # matches are usually few; show them all
        else:
            self.expand_to_depth(self.DEFAULT_DEPTH)
            if self._selected is not None:
                self.select_path(self._selected.path)

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.tree.selectionModel().selectedRows(0)
        node = rows[0].data(NODE_ROLE) if rows else None
        if node is self._selected:
            return
        self._selected = node
        self.layer_selected.emit(node)

    def _size_columns(self) -> None:
        """Numeric columns fit their widest likely value; text columns fit what is shown."""
        metrics = self.tree.fontMetrics()
        header = self.tree.header()
        comparing = self.model.comparison() is not None
        samples = {
            CHANNELS: f"8888{ARROW}8888" if comparing else "8888",
            PARAMS_BEFORE: "888 M",
            PARAMS: "888 M",
            CHANGE: "−100.0 %",
            PERCENT: "100.0 %",
            SIZE: "888.8 MB",
            FLOPS: "888 MFLOP",
            SHAPE: "1×512×14×14",
            SPARSITY: "100.0 %",
        }
        margin = metrics.horizontalAdvance("MM")
        for column, sample in samples.items():
            width = max(metrics.horizontalAdvance(sample) + margin, header.sectionSizeHint(column))
            header.resizeSection(column, width)
        limits = {NAME: (140, 320), TYPE: (90, 220), SHAPE: (header.sectionSize(SHAPE), 240)}
        for column, (least, most) in limits.items():
            wanted = header.sectionSizeHint(column)
            if self.model.rowCount():
                wanted = max(wanted, self.tree.sizeHintForColumn(column) + margin // 2)
            header.resizeSection(column, min(max(wanted, least), most))


# --- details of one layer ----------------------------------------------------------------


def own_weight_values(
    module: nn.Module, limit: int = HISTOGRAM_SAMPLES, seed: int = 0
) -> tuple[np.ndarray, list[str], int]:
    """Values of ``module``'s own parameters (not its children's), dequantized, as float64.

    At most ``limit`` values, drawn with a fixed seed in proportion to each tensor's size.
    Returns the values, the names of the tensors used and the total count before sampling.
    Non-finite values are dropped.
    """
    tensors: list[tuple[str, torch.Tensor]] = [
        (name, param) for name, param in module.named_parameters(recurse=False)
    ]
    if not tensors:
        # Quantized modules (torch.ao) keep packed weights behind weight() and bias() methods.
        for name in ("weight", "bias"):
            method = getattr(module, name, None)
            if not callable(method) or isinstance(method, torch.Tensor):
                continue
            try:
                packed = method()
            except Exception:
                continue
            if isinstance(packed, torch.Tensor):
                tensors.append((name, packed))
    plain: list[tuple[str, torch.Tensor]] = []
    for name, tensor in tensors:
        value = _dequantized(tensor)
        if value is not None and value.numel() > 0:
            plain.append((name, value))
    total = sum(value.numel() for _, value in plain)
    if total == 0:
        return np.empty(0), [name for name, _ in tensors], 0
    generator = torch.Generator().manual_seed(seed)
    parts = []
    with torch.no_grad():
        for _name, value in plain:
            flat = value.reshape(-1)
            if total > limit:
                count = max(1, round(limit * flat.numel() / total))
                picks = torch.randint(0, flat.numel(), (count,), generator=generator)
                flat = flat[picks.to(flat.device)]
            parts.append(flat.to("cpu", torch.float64).numpy())
    values = np.concatenate(parts)
    values = values[np.isfinite(values)]
    return values, [name for name, _ in plain], total


def _dequantized(tensor: torch.Tensor) -> torch.Tensor | None:
    with torch.no_grad():
        value = tensor.detach()
        if value.device.type == "meta":
            return None
        if value.is_quantized or type(value) not in (torch.Tensor, torch.nn.Parameter):
            dequantize = getattr(value, "dequantize", None)
            if dequantize is None:
                return None
            try:
                value = dequantize()
            except Exception:
                return None
        if value.is_sparse or value.layout != torch.strided:
            value = value.to_dense()
        if not (value.is_floating_point() or value.is_complex()):
            value = value.float()
        if value.is_complex():
            value = value.real
        return value


class LayerDetails(QWidget):
    """The selected layer's numbers and a histogram of its own weights."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._node: LayerNode | None = None
        self._histogram: tuple[np.ndarray, np.ndarray] | None = None

        self.title = QLabel(self)
        title_font = self.title.font()
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title.setFont(title_font)
        self.title.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._fields: dict[str, QLabel] = {}
        labels = [
            ("path", QCoreApplication.translate("LayerDetails", "Path")),
            ("type", QCoreApplication.translate("LayerDetails", "Type")),
            ("dtype", QCoreApplication.translate("LayerDetails", "Data type")),
            ("params", QCoreApplication.translate("LayerDetails", "Parameters")),
            ("size", QCoreApplication.translate("LayerDetails", "Size")),
            ("flops", QCoreApplication.translate("LayerDetails", "FLOPs")),
            ("shape", QCoreApplication.translate("LayerDetails", "Output shape")),
            ("sparsity", QCoreApplication.translate("LayerDetails", "Sparsity")),
        ]
        explanations = _column_explanations()
        tooltips = {
            "params": explanations[PARAMS],
            "size": explanations[SIZE],
            "flops": explanations[FLOPS],
            "shape": explanations[SHAPE],
            "sparsity": explanations[SPARSITY],
        }
        for key, text in labels:
            value = QLabel(self)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label = QLabel(text + ":", self)
            if key in tooltips:
                label.setToolTip(tooltips[key])
                value.setToolTip(tooltips[key])
            form.addRow(label, value)
            self._fields[key] = value

        self.plot = pg.PlotWidget(self)
        self.plot.setObjectName("weightHistogram")
        self.plot.setMinimumHeight(160)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text_color = palette.color(QPalette.ColorRole.Text)
        item = self.plot.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen(text_color))
            axis.setTextPen(pg.mkPen(text_color))
            axis.enableAutoSIPrefix(False)  # "0.02", not "20 (x0.001)"
        item.setLabel("bottom", QCoreApplication.translate("LayerDetails", "Weight value"))
        item.setLabel("left", QCoreApplication.translate("LayerDetails", "Count"))
        accent = palette.color(QPalette.ColorRole.Highlight)
        fill = pg.mkColor(accent)
        fill.setAlpha(140)
        self._curve = self.plot.plot(
            [0.0, 1.0], [0.0], stepMode="center", fillLevel=0, pen=pg.mkPen(accent, width=1),
            brush=pg.mkBrush(fill),
        )
        self._curve.setData([], [])

        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.message = QLabel(self)
        self.message.setObjectName("detailsMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setFrameShape(QFrame.Shape.StyledPanel)
        self.message.setMinimumHeight(60)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.message, 1)
        self.setMinimumSize(300, 380)
        self.show_node(None)

    def sizeHint(self) -> QSize:
        return QSize(380, 520)

    def node(self) -> LayerNode | None:
        return self._node

    def histogram(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The histogram drawn now as (bin edges, counts), or None when none is shown."""
        return self._histogram

    def show_node(self, node: LayerNode | None, module: nn.Module | None = None) -> None:
        """Show ``node``'s numbers; with the model's ``module``, also its weights' histogram."""
        self._node = node
        if node is None:
            self.title.setText(QCoreApplication.translate("LayerDetails", "No layer selected"))
            for value in self._fields.values():
                value.setText(DASH)
            self._show_message(
                QCoreApplication.translate("LayerDetails", "Select a layer to see its details.")
            )
            return
        self._fill_fields(node)
        if module is None and node.params_own == 0:
            self._show_no_weights(node)
            return
        if module is None:
            self._show_message(
                QCoreApplication.translate(
                    "LayerDetails", "The weights are not loaded, so there is no histogram."
                )
            )
            return
        if getattr(module, "onnx_bytes", None) is not None:
            # An ONNX Runtime model keeps its weights inside the ONNX graph, not as modules.
            self._show_message(
                QCoreApplication.translate(
                    "LayerDetails",
                    "This is an ONNX model run by ONNX Runtime: its layers and weights live "
                    "inside the ONNX graph, so the tree shows the whole model as one row and "
                    "there is no weight histogram.",
                )
            )
            return
        try:
            submodule = module.get_submodule(node.path)
        except AttributeError:
            self._show_message(
                QCoreApplication.translate(
                    "LayerDetails", "This layer is not in the loaded model any more."
                )
            )
            return
        values, names, total = own_weight_values(submodule)
        if values.size == 0:
            self._show_no_weights(node)
            return
        self._show_histogram(values, names, total)

    # -- internals

    def _fill_fields(self, node: LayerNode) -> None:
        self.title.setText(f"{node.path or node.name}  ·  {node.type}")
        fields = self._fields
        fields["path"].setText(
            node.path or QCoreApplication.translate("LayerDetails", "(the whole model)")
        )
        fields["type"].setText(node.type)
        fields["dtype"].setText(node.dtype or DASH)
        if node.params == node.params_own:
            params = f"{node.params:,}"
        else:
            params = QCoreApplication.translate(
                "LayerDetails", "{total} with sublayers, {own} its own"
            ).format(own=f"{node.params_own:,}", total=f"{node.params:,}")
        if node.params >= 1000:
            params += f" ({format_count(node.params)})"
        fields["params"].setText(params)
        size = format_bytes(node.size_bytes)
        if node.size_bytes >= 1024:
            size += " " + QCoreApplication.translate("LayerDetails", "({bytes} bytes)").format(
                bytes=f"{node.size_bytes:,}"
            )
        fields["size"].setText(size)
        if node.flops is None:
            fields["flops"].setText(
                QCoreApplication.translate(
                    "LayerDetails", "Unknown (no example inputs, or the layer was not called)"
                )
            )
        else:
            fields["flops"].setText(format_flops(node.flops))
        fields["shape"].setText(format_shape(node.output_shape))
        if node.params == 0:
            fields["sparsity"].setText(DASH)
        else:
            fields["sparsity"].setText(
                QCoreApplication.translate("LayerDetails", "{percent} ({zeros} of {total} zero)")
                .format(
                    percent=format_percent(node.sparsity),
                    zeros=f"{node.params - node.nonzero:,}",
                    total=f"{node.params:,}",
                )
            )

    def _show_no_weights(self, node: LayerNode) -> None:
        text = QCoreApplication.translate("LayerDetails", "This layer has no weights of its own.")
        if node.params:
            text += "\n" + QCoreApplication.translate(
                "LayerDetails", "Its {count} parameters belong to the layers inside it."
            ).format(count=f"{node.params:,}")
        self._show_message(text)

    def _show_message(self, text: str) -> None:
        self._histogram = None
        self._curve.setData([], [])
        self.message.setText(text)
        self.message.setVisible(True)
        self.plot.setVisible(False)
        self.caption.setVisible(False)

    def _show_histogram(self, values: np.ndarray, names: list[str], total: int) -> None:
        counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
        self._histogram = (edges, counts)
        self._curve.setData(edges, counts)
        self.plot.getPlotItem().enableAutoRange()
        if values.size < total:
            caption = QCoreApplication.translate(
                "LayerDetails", "Own weights ({names}): {shown} sampled of {total} values"
            )
        else:
            caption = QCoreApplication.translate(
                "LayerDetails", "Own weights ({names}): {total} values"
            )
        self.caption.setText(
            caption.format(names=", ".join(names), shown=f"{values.size:,}", total=f"{total:,}")
        )
        self.message.setVisible(False)
        self.plot.setVisible(True)
        self.caption.setVisible(True)
