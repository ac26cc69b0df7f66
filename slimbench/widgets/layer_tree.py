"""The layer tree: a lazy item model over an :class:`InspectResult`, a filter/sort proxy,
the tree view with its search box, and a details pane with a histogram of a layer's weights.

The model never copies the engine's tree: every ``QModelIndex`` points straight at its
``LayerNode`` (kept alive by the result the model holds), and a node's parent is recorded only
when Qt first asks for one of its children, so a model of thousands of modules loads at once.
"""

from __future__ import annotations

import math
import re
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

NAME, TYPE, PARAMS, PERCENT, SIZE, FLOPS, SHAPE, SPARSITY = range(8)
COLUMN_COUNT = 8
NUMERIC_COLUMNS = frozenset({PARAMS, PERCENT, SIZE, FLOPS, SHAPE, SPARSITY})


#: At most this many weight values go into a histogram (sampled with a fixed seed).
HISTOGRAM_SAMPLES = 200_000
HISTOGRAM_BINS = 60

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
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


def _column_titles() -> list[str]:
    return [
        QCoreApplication.translate("LayerTreeModel", "Name"),
        QCoreApplication.translate("LayerTreeModel", "Type"),
        QCoreApplication.translate("LayerTreeModel", "Parameters"),
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
        ),
        QCoreApplication.translate(
            "LayerTreeModel", "The kind of layer (its PyTorch class), such as Linear or Conv2d."
        ),
        QCoreApplication.translate(
            "LayerTreeModel",
            "Numbers the layer learned during training; fewer means a smaller model.",
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
    parent link is stored the first time Qt asks for the node's index.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._result: InspectResult | None = None
        self._top: list[LayerNode] = []
        # id(node) -> (parent node or None for the top row, row of node under its parent).
        # The nodes themselves stay alive through self._result.
        self._parents: dict[int, tuple[LayerNode | None, int]] = {}

    # -- data in

    def set_result(self, result: InspectResult | None) -> None:
        """Show ``result``'s tree, or nothing for None."""
        self.beginResetModel()
        self._result = result
        self._top = [result.tree] if result is not None else []
        self._parents = {}
        self.endResetModel()

    def result(self) -> InspectResult | None:
        return self._result

    def node(self, index: QModelIndex | QPersistentModelIndex) -> LayerNode | None:
        """The node behind an index of this model (not of a proxy)."""
        if not index.isValid():
            return None
        return index.internalPointer()

    def child_node(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> LayerNode:
        """The node at ``row`` under ``parent`` without creating an index for it."""
        siblings = self._top if not parent.isValid() else parent.internalPointer().children
        return siblings[row]

    def index_of_path(self, path: str) -> QModelIndex:
        """The index (column 0) of the module at ``path`` (``""`` is the model itself)."""
        if not self._top:
            return QModelIndex()
        index = self.index(0, 0)
        if not path:
            return index
        for name in path.split("."):
            children = index.internalPointer().children
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
        siblings = self._top if parent_node is None else parent_node.children
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
        return len(parent.internalPointer().children)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return COLUMN_COUNT

    def hasChildren(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return self.rowCount(parent) > 0

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

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
        if role == _FONT and self._top and node is self._top[0]:
            font = QFont()
            font.setBold(True)
            return font
        if role == _FOREGROUND and column in NUMERIC_COLUMNS and self._is_blank(node, column):
            return QPalette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None

    def _total(self) -> int:
        return self._result.params_total if self._result is not None else 0

    def _fraction(self, node: LayerNode) -> float | None:
        total = self._total()
        return node.params / total if total else None

    @staticmethod
    def _is_blank(node: LayerNode, column: int) -> bool:
        if column == FLOPS:
            return node.flops is None
        if column == SHAPE:
            return node.output_shape is None
        if column == SPARSITY:
            return node.params == 0
        return column in (PARAMS, SIZE, PERCENT) and node.params == 0 and node.size_bytes == 0

    def _display(self, node: LayerNode, column: int) -> str:
        if column == NAME:
            return node.name
        if column == TYPE:
            return node.type
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
        if column in (NAME, TYPE):
            path = node.path or QCoreApplication.translate("LayerTreeModel", "(the whole model)")
            return f"{path}\n{node.type}"
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
    ``LayerNode``, or None when the selection is cleared or the result replaced."""

    layer_selected = Signal(object)

    #: Levels expanded when a result is shown.
    DEFAULT_DEPTH = 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LayerTreeModel(self)
        self.proxy = LayerFilterProxy(self)
        self.proxy.setSourceModel(self.model)
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
        self.tree.selectionModel().selectionChanged.connect(self._on_selection_changed)
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

    def set_result(self, result: InspectResult | None) -> None:
        """Show ``result`` (or nothing), expanded :attr:`DEFAULT_DEPTH` levels deep."""
        had_selection = self._selected is not None
        self.model.set_result(result)
        self._selected = None
        hint = result.hint if result is not None else None
        self.hint.setText(hint or "")
        self.hint.setVisible(bool(hint))
        if self.proxy.filter_text():
            self.tree.expandAll()
        else:
            self.expand_to_depth(self.DEFAULT_DEPTH)
        self._size_columns()
        if had_selection:
            self.layer_selected.emit(None)

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
        samples = {
            PARAMS: "888 M",
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
