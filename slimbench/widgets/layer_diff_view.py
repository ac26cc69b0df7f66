"""Two variants of a model side by side, layer by layer: the rows of ``layer_diff``.

The view only displays :class:`~slimbench.engine.compare.layer_diff.LayerDiffRow` lists; the
job that makes them (``layer_diff_job``) is started by the application. Changed layers are
tinted over the theme's base colour, removed ones greyed and struck through, added ones tinted
green and marked with a plus; "Only changed layers" hides the rest (keeping the containers
of what stays, so the nesting still reads).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from slimbench.widgets.form_controls import blend
from slimbench.widgets.formatting import DASH, format_count

if TYPE_CHECKING:  # the engine module imports torch; the view does not need it to load
    from slimbench.engine.compare.layer_diff import LayerDiffRow

(LAYER, TYPE, PARAMS_A, PARAMS_B, CHANNELS, DTYPE, LATENCY_A, LATENCY_B, CHANGES) = range(9)
COLUMN_COUNT = 9
NUMERIC_COLUMNS = frozenset({PARAMS_A, PARAMS_B, CHANNELS, LATENCY_A, LATENCY_B})
#: The :class:`LayerDiffRow` behind an item (column LAYER).
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1

ARROW = " → "
#: Tints blended over the theme's base colour (Okabe-Ito amber and bluish green).
CHANGED_TINT = QColor("#E69F00")
ADDED_TINT = QColor("#009E73")
TINT_AMOUNT = 0.20

_SAME, _CHANGED, _REMOVED, _ADDED = "same", "changed", "removed", "added"
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _pair(before: object, after: object, status: str) -> str:
    """``64 → 32`` where the sides differ, one value where they agree or one side is absent."""
    text_a = DASH if before is None else str(before)
    text_b = DASH if after is None else str(after)
    if status == _REMOVED:
        return text_a
    if status == _ADDED or before == after:
        return text_b
    return f"{text_a}{ARROW}{text_b}"


class LayerDiffView(QWidget):
    """A tree of layers of variants A and B with parameters, channels, dtypes and latency
    side by side, and what changed in words.

    Call :meth:`set_rows` with ``layer_diff``'s rows (pre-order, with depths) and the two
    variants' names; :meth:`set_rows` with an empty list shows the empty state.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[LayerDiffRow] = []
        self._items: list[QTreeWidgetItem] = []

        self.title = QLabel()
        self.title.setObjectName("layerDiffTitle")
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.only_changed = QCheckBox(self.tr("Only changed layers"))
        self.only_changed.setObjectName("onlyChangedLayers")
        self.only_changed.setToolTip(
            self.tr("Hide layers that are the same in both variants (their containers stay)")
        )
        self.only_changed.toggled.connect(self._apply_filter)
        self.summary = QLabel()
        self.summary.setObjectName("layerDiffSummary")
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.tree = QTreeWidget()
        self.tree.setObjectName("layerDiffTree")
        self.tree.setColumnCount(COLUMN_COUNT)
        self.tree.setHeaderLabels(self._column_titles())
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(False)  # the tints carry the meaning
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(40)
        for column, tip in enumerate(self._column_tips()):
            self.tree.headerItem().setToolTip(column, tip)
            if column in NUMERIC_COLUMNS:
                self.tree.headerItem().setTextAlignment(column, _RIGHT)

        self.empty = QLabel(
            self.tr("Pick two variants of a model to compare them layer by layer.")
        )
        self.empty.setObjectName("layerDiffEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.tree)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.only_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self.setMinimumSize(480, 240)
        self.set_rows([], "", "")

    # --- API -------------------------------------------------------------------------------

    def set_rows(self, rows: list[LayerDiffRow], name_a: str, name_b: str) -> None:
        """Show ``rows`` (``layer_diff``'s, in pre-order) for variants ``name_a`` and
        ``name_b``; an empty list shows the empty state."""
        self._rows = list(rows)
        self.tree.clear()
        self._items = []
        if not self._rows:
            self.title.setText(self.tr("Layer by layer"))
            self.summary.setText("")
            self.summary.setVisible(False)
            self.only_changed.setVisible(False)
            self.stack.setCurrentWidget(self.empty)
            return
        self.title.setText(self.tr("A: {a} · B: {b}").format(a=name_a, b=name_b))
        self.summary.setText(self._summary_text())
        self.summary.setVisible(True)
        self.only_changed.setVisible(True)
        self._build_items()
        self._restyle()
        self._apply_filter()
        self.tree.expandAll()
        self._fit_columns()
        self.stack.setCurrentWidget(self.tree)

    def rows(self) -> list[LayerDiffRow]:
        return list(self._rows)

    def visible_paths(self) -> list[str]:
        """Paths of the rows not hidden by the filter, in tree order."""
        return [
            item.data(LAYER, ROW_ROLE).path for item in self._items if not item.isHidden()
        ]

    def minimumSizeHint(self) -> QSize:
        return QSize(480, 240)

    def sizeHint(self) -> QSize:
        return QSize(1000, 600)

    # --- building --------------------------------------------------------------------------

    def _column_titles(self) -> list[str]:
        """Header titles; two lines where the variant is named, so that narrow columns of
        numbers do not have to be as wide as their titles."""
        return [
            self.tr("Layer"),
            self.tr("Type"),
            self.tr("Params\n(A)"),
            self.tr("Params\n(B)"),
            self.tr("Channels\n(A → B)"),
            self.tr("Dtype\n(A → B)"),
            self.tr("Latency\n(A)"),
            self.tr("Latency\n(B)"),
            self.tr("What changed"),
        ]

    def _column_tips(self) -> list[str]:
        return [
            self.tr("The layer's name inside its parent; the top row is the whole model."),
            self.tr("The kind of layer; A → B where the variant replaced it."),
            self.tr("Parameters of the layer and everything inside it, in variant A."),
            self.tr("Parameters of the layer and everything inside it, in variant B."),
            self.tr("Output channels, features or heads: what structured pruning removes."),
            self.tr("The precision the layer's weight is stored in: what quantization changes."),
            self.tr(
                "Median eager time of the layer (what is inside it included) in variant A, "
                "timed with hooks; compiled models are not timed per layer."
            ),
            self.tr("Median eager time of the layer in variant B, on the same inputs."),
            self.tr("What differs between the two variants, in words."),
        ]

    def _summary_text(self) -> str:
        layers = [row for row in self._rows if row.path]  # the whole model is not a layer
        changed = sum(row.status == _CHANGED for row in layers)
        removed = sum(row.status == _REMOVED for row in layers)
        added = sum(row.status == _ADDED for row in layers)
        parts = [
            self.tr("{changed} of {total} layers changed").format(
                changed=changed, total=len(layers)
            )
        ]
        if removed:
            parts.append(self.tr("{count} removed").format(count=removed))
        if added:
            parts.append(self.tr("{count} added").format(count=added))
        root = self._rows[0]
        if not root.path and root.latency_ms_a and root.latency_ms_b:
            parts.append(self._speed_text(root.latency_ms_a, root.latency_ms_b))
        return "; ".join(parts)

    def _speed_text(self, before: float, after: float) -> str:
        ratio = before / after
        if 0.95 <= ratio <= 1.05:
            return self.tr("A and B run about as fast")
        if ratio >= 1.0:
            return self.tr("B runs {ratio}× faster").format(ratio=f"{ratio:.2g}")
        return self.tr("B runs {ratio}× slower").format(ratio=f"{1 / ratio:.2g}")

    def _build_items(self) -> None:
        parents: list[QTreeWidgetItem] = []  # the open item at each depth
        for row in self._rows:
            item = QTreeWidgetItem(self._texts(row))
            item.setData(LAYER, ROW_ROLE, row)
            item.setToolTip(LAYER, row.path or self.tr("The whole model"))
            item.setToolTip(CHANGES, "\n".join(self._change_texts(row)))
            if row.latency_ms_a and row.latency_ms_b:
                item.setToolTip(LATENCY_B, self._speed_text(row.latency_ms_a, row.latency_ms_b))
            for column in NUMERIC_COLUMNS:
                item.setTextAlignment(column, _RIGHT)
            depth = min(row.depth, len(parents))
            del parents[depth:]
            if parents:
                parents[-1].addChild(item)
            else:
                self.tree.addTopLevelItem(item)
            parents.append(item)
            self._items.append(item)

    def _texts(self, row: LayerDiffRow) -> list[str]:
        name = row.path.rsplit(".", 1)[-1] if row.path else self.tr("(whole model)")
        if row.status == _ADDED:
            name = f"+ {name}"
        return [
            name,
            _pair(row.type_a, row.type_b, row.status),
            format_count(row.params_a),
            format_count(row.params_b),
            _pair(row.channels_a, row.channels_b, row.status),
            _pair(row.dtype_a, row.dtype_b, row.status),
            self._latency(row.latency_ms_a),
            self._latency(row.latency_ms_b),
            "; ".join(self._change_texts(row)),
        ]

    def _latency(self, value: float | None) -> str:
        if value is None:
            return DASH
        unit = self.tr("ms", "milliseconds")
        if value < 0.01:
            return f"<0.01 {unit}"
        if value < 10:
            return f"{value:.2f} {unit}"
        if value < 100:
            return f"{value:.1f} {unit}"
        return f"{value:.0f} {unit}"

    def _change_texts(self, row: LayerDiffRow) -> list[str]:
        """What changed, built from the row's fields so that it can be translated; what a
        technique changes (channels, precision, kind) before the parameter counts."""
        if row.status == _REMOVED:
            return [self.tr("removed: only in A")]
        if row.status == _ADDED:
            return [self.tr("added: only in B")]
        texts = []
        if row.channels_a != row.channels_b:
            texts.append(
                self.tr("channels {a} → {b}").format(
                    a=DASH if row.channels_a is None else row.channels_a,
                    b=DASH if row.channels_b is None else row.channels_b,
                )
            )
        if row.dtype_a != row.dtype_b:
            no_weight = self.tr("no weight")
            texts.append(f"{row.dtype_a or no_weight}{ARROW}{row.dtype_b or no_weight}")
        if row.type_a != row.type_b:
            texts.append(f"{row.type_a}{ARROW}{row.type_b}")
        if row.params_a != row.params_b:
            texts.append(
                self.tr("params {a} → {b}").format(
                    a=format_count(row.params_a), b=format_count(row.params_b)
                )
            )
        return texts

    def _fit_columns(self) -> None:
        """Size columns to their contents, within bounds, leaving the rest to What changed."""
        header = self.tree.header()
        for column in range(COLUMN_COUNT - 1):
            self.tree.resizeColumnToContents(column)
            width = header.sectionSize(column)
            limit = 260 if column in (LAYER, TYPE) else 150
            header.resizeSection(column, min(width + 6, limit))

    # --- looks -----------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()

    def _restyle(self) -> None:
        palette = self.tree.palette()
        base = palette.color(QPalette.ColorRole.Base)
        changed = QBrush(blend(base, CHANGED_TINT, TINT_AMOUNT))
        # A container changes when anything inside it does: a fainter tint keeps the eye on
        # the layers themselves.
        changed_container = QBrush(blend(base, CHANGED_TINT, TINT_AMOUNT / 2))
        added = QBrush(blend(base, ADDED_TINT, TINT_AMOUNT))
        greyed = palette.brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for item in self._items:
            row = item.data(LAYER, ROW_ROLE)
            background = None
            if row.status == _CHANGED:
                background = changed_container if item.childCount() else changed
            elif row.status == _ADDED:
                background = added
            for column in range(COLUMN_COUNT):
                font = QFont(self.tree.font())
                font.setBold(not row.path)
                font.setStrikeOut(row.status == _REMOVED and column != CHANGES)
                item.setFont(column, font)
                item.setBackground(column, background if background is not None else QBrush())
                blank = item.text(column) == DASH
                item.setForeground(
                    column, greyed if row.status == _REMOVED or blank else QBrush()
                )

    def _apply_filter(self) -> None:
        only_changed = self.only_changed.isChecked()

        def visit(item: QTreeWidgetItem) -> bool:
            shown_children = [visit(item.child(index)) for index in range(item.childCount())]
            row = item.data(LAYER, ROW_ROLE)
            shown = not only_changed or row.status != _SAME or any(shown_children)
            item.setHidden(not shown)
            return shown

        for index in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(index))
