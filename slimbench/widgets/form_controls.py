"""Form building blocks shared by the Compress panel and the pipeline editor."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)


def form_layout(*, vertical_spacing: int = 8, margins: int | None = None) -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    if margins is not None:
        form.setContentsMargins(margins, margins, margins, margins)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(vertical_spacing)
    return form


def form_label(text: str, width: int, parent: QWidget | None = None) -> QLabel:
    """A label of a fixed width, so the fields of every form line up; longer text wraps."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setFixedWidth(width)
    return label


def add_row(form: QFormLayout, text: str, field: QWidget, tooltip: str, *, label_width: int,
            parent: QWidget | None = None) -> QLabel:
    """A labelled row whose label and field share one plain-language tooltip."""
    label = form_label(text, label_width, parent)
    label.setBuddy(field)
    label.setToolTip(tooltip)
    field.setToolTip(tooltip)
    form.addRow(label, field)
    return label


def combo_box(parent: QWidget | None, *, editable: bool = False,
              min_chars: int = 12) -> QComboBox:
    combo = QComboBox(parent)
    combo.setEditable(editable)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(min_chars)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return combo


def spin_box(minimum: int, maximum: int, value: int, parent: QWidget | None) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(minimum, maximum)
    spin.setValue(value)
    spin.setAccelerated(True)
    spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return spin


def double_spin_box(minimum: float, maximum: float, value: float, step: float, decimals: int,
                    parent: QWidget | None) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(minimum, maximum)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setValue(value)
    spin.setAccelerated(True)
    spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return spin


def select_data(combo: QComboBox, value: object) -> bool:
    """Select the item holding ``value``; False (nothing changed) when there is none."""
    row = combo.findData(value)
    if row < 0:
        return False
    combo.setCurrentIndex(row)
    return True


def blend(base: QColor, tint: QColor, amount: float) -> QColor:
    """``base`` moved ``amount`` (0..1) of the way towards ``tint``: theme-aware tints."""
    return QColor(
        round(base.red() + (tint.red() - base.red()) * amount),
        round(base.green() + (tint.green() - base.green()) * amount),
        round(base.blue() + (tint.blue() - base.blue()) * amount),
    )


def segmented_buttons(
    names: Sequence[str], parent: QWidget, *, label: Callable[[str], str],
    tooltip: Callable[[str], str], object_name: str, expanding: bool = False,
) -> tuple[QButtonGroup, dict[str, QPushButton], QHBoxLayout]:
    """A row of checkable buttons of which one is pressed (a segmented switch): the group
    (ids are the names' positions), the buttons by name, and the row to place."""
    group = QButtonGroup(parent)
    group.setExclusive(True)
    row = QHBoxLayout()
    row.setSpacing(0)
    buttons: dict[str, QPushButton] = {}
    for index, name in enumerate(names):
        button = QPushButton(label(name), parent)
        button.setObjectName(object_name.format(name=name))
        button.setCheckable(True)
        button.setAutoDefault(False)
        if expanding:
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setToolTip(tooltip(name))
        group.addButton(button, index)
        row.addWidget(button)
        buttons[name] = button
    return group, buttons, row
