"""The comparison table: every variant on every device, side by side.

:class:`ComparisonTable` shows a :class:`~slimbench.engine.compare.results.Comparison` (what a
recipe run or ``slimbench compare`` measured): one row per variant, the variant's size, then a
group of columns per device (latency, throughput, roofline, accuracy, agreement). Each number
has its ratio to the reference row on a second, muted line; columns sort by the raw values. The
reference row is bold, rows below the quality floor are tinted, variants on a device's trade-off
frontier carry a ★, and a line under the table says which device is fastest for each variant.
The table only displays; it never starts anything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from slimbench.widgets.charts import format_latency, format_points, format_ratio, format_value
from slimbench.widgets.form_controls import blend
from slimbench.widgets.formatting import (
    DASH,
    format_bytes,
    format_count,
    format_flops,
    format_percent,
)

if TYPE_CHECKING:  # the table reads plain data: importing the engine here would load torch
    from slimbench.engine.compare.results import Comparison, Measurement, VariantRecord

#: The raw value a column sorts by (None sorts last either way).
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
#: The variant's name, on every cell of its row.
NAME_ROLE = int(Qt.ItemDataRole.UserRole) + 2
#: The muted second line of a cell: the ratio to the reference row ("0.25×").
DETAIL_ROLE = int(Qt.ItemDataRole.UserRole) + 3
#: True where the cell stands for a measurement that failed ("n/a").
ERROR_ROLE = int(Qt.ItemDataRole.UserRole) + 4

#: Columns before the device groups, and the columns of each device's group.
VARIANT_COLUMNS = ("variant", "steps", "params", "size")
DEVICE_COLUMNS = ("latency", "throughput", "roofline", "accuracy", "agreement")

#: Shown in a cell whose measurement failed on that device.
NOT_AVAILABLE = "n/a"
FRONTIER_MARK = "★"
#: The widest the steps column starts out, in pixels (the tooltip has the whole chain).
MAX_STEPS_WIDTH = 190

translate = QCoreApplication.translate

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
#: The invisible root: the parent of every row.
_ROOT = QModelIndex()


def _known(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


# --- formatting --------------------------------------------------------------------------


def format_rate(per_second: float | None) -> str:
    """Inputs per second: ``5040.2`` -> ``5.04 k/s``, ``37.5`` -> ``37.5/s``."""
    if not _known(per_second):
        return DASH
    assert per_second is not None
    text = format_count(round(per_second)) if per_second >= 1000 else format_value(per_second)
    return text + translate("ComparisonTable", "/s", "per second")


def format_flop_rate(per_second: float | None) -> str:
    """``1.2e12`` -> ``1.20 TFLOP/s``."""
    if not _known(per_second):
        return DASH
    assert per_second is not None
    return format_flops(round(per_second)) + translate("ComparisonTable", "/s", "per second")


def column_title(kind: str) -> str:
    titles = {
        "variant": translate("ComparisonTable", "Variant"),
        "steps": translate("ComparisonTable", "Steps"),
        "params": translate("ComparisonTable", "Parameters"),
        "size": translate("ComparisonTable", "Size"),
        "latency": translate("ComparisonTable", "Latency"),
        "throughput": translate("ComparisonTable", "Throughput"),
        "roofline": translate("ComparisonTable", "Roofline"),
        "accuracy": translate("ComparisonTable", "Accuracy"),
        "agreement": translate("ComparisonTable", "Agreement"),
    }
    return titles[kind]


def column_explanation(kind: str) -> str:
    texts = {
        "variant": translate(
            "ComparisonTable",
            "The variant's name. ★: on the trade-off frontier of a device (no other variant is "
            "both faster and better there). The reference is in bold.",
        ),
        "steps": translate(
            "ComparisonTable",
            "The techniques that made the variant from the original, in order.",
        ),
        "params": translate(
            "ComparisonTable",
            "Parameters in the model; the second line is the share of the reference's.",
        ),
        "size": translate(
            "ComparisonTable",
            "The saved file's real size; the second line is the share of the reference's.",
        ),
        "latency": translate(
            "ComparisonTable",
            "Median time for one batch, after warm-up; the second line is the share of the "
            "reference's time (0.25× is four times faster). Lower is better.",
        ),
        "throughput": translate(
            "ComparisonTable",
            "Inputs handled per second; the second line compares with the reference. Higher is "
            "better.",
        ),
        "roofline": translate(
            "ComparisonTable",
            "How close the model comes to what this device could do for it: the share of the "
            "attainable speed, limited either by the device's arithmetic peak (compute bound) "
            "or by how fast it moves the model's bytes (memory bound).",
        ),
        "accuracy": translate(
            "ComparisonTable",
            "Share of the labelled test examples the variant gets right; the second line is the "
            "difference to the reference in percentage points.",
        ),
        "agreement": translate(
            "ComparisonTable",
            "How often the variant gives the reference's top answer (needs no labels).",
        ),
    }
    return texts[kind]


def bound_label(bound: str) -> str:
    labels = {
        "compute": translate("ComparisonTable", "compute bound"),
        "memory": translate("ComparisonTable", "memory bound"),
    }
    return labels.get(bound, bound)


def floor_description(floor: dict[str, float | None]) -> str:
    """``{"accuracy_ratio": 0.97}`` -> "keep at least 97 % of the reference's accuracy"."""
    parts = []
    accuracy = floor.get("accuracy_ratio")
    agreement = floor.get("top1_agreement")
    if accuracy is not None:
        parts.append(translate(
            "ComparisonTable", "keep at least {share} of the reference's accuracy"
        ).format(share=format_percent(accuracy)))
    if agreement is not None:
        parts.append(translate(
            "ComparisonTable", "agree with it on at least {share} of predictions"
        ).format(share=format_percent(agreement)))
    return translate("ComparisonTable", " and ").join(parts)


def fastest_devices(comparison: Comparison) -> list[str]:
    """One sentence per variant: the device it runs fastest on, and by how much."""
    lines = []
    for record in comparison.variants:
        timed = []
        failed = []
        for device in comparison.devices:
            measurement = record.by_device.get(device.name)
            if measurement is None:
                continue
            if measurement.error or not measurement.latency_ms:
                failed.append(device.name)
                continue
            timed.append((measurement.latency_ms["median"], device.name))
        timed.sort()
        if not timed:
            lines.append(translate("ComparisonTable", "{variant}: no device could run it.").format(
                variant=record.name))
        elif len(timed) == 1:
            lines.append(translate("ComparisonTable", "{variant}: runs only on {device}.").format(
                variant=record.name, device=timed[0][1]))
        else:
            (best, device), (second, other) = timed[0], timed[1]
            ratio = second / best if best > 0 else math.inf
            if ratio < 1.05:
                lines.append(translate(
                    "ComparisonTable", "{variant}: about as fast on {device} as on {other}."
                ).format(variant=record.name, device=device, other=other))
            else:
                lines.append(translate(
                    "ComparisonTable",
                    "{variant}: fastest on {device}, {ratio} faster than on {other}.",
                ).format(variant=record.name, device=device, ratio=format_ratio(ratio),
                         other=other))
    return lines


# --- cells -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column: a variant column (``device`` None) or one of a device's group."""

    kind: str
    device: str | None = None
    #: The device's place among the devices (shades alternate groups).
    group: int = 0


@dataclass
class Cell:
    text: str = DASH
    detail: str = ""
    sort: Any = None
    tooltip: str = ""
    error: bool = False
    numeric: bool = True


class ComparisonModel(QAbstractTableModel):
    """A table model over a :class:`Comparison`: rows are variants, columns as
    :class:`Column`; cells come with a sort value (:data:`SORT_ROLE`), a second line
    (:data:`DETAIL_ROLE`) and a tooltip."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._comparison: Comparison | None = None
        self._records: list[VariantRecord] = []
        self._columns: list[Column] = []
        self._cells: list[list[Cell]] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self.floor_tint = QColor("#F6DCCB")
        self.group_tint = QColor("#F5F5F5")
        self.muted = QColor("#808080")

    # -- filling

    def comparison(self) -> Comparison | None:
        return self._comparison

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.beginResetModel()
        self._comparison = comparison
        self._records = list(comparison.variants) if comparison is not None else []
        self._columns = self._make_columns(comparison) if comparison is not None else []
        self._cells = [[self._cell(record, column) for column in self._columns]
                       for record in self._records]
        self.endResetModel()
        if self._sort is not None and self._sort[0] < len(self._columns):
            self.sort(*self._sort)

    def column_name(self, section: int) -> str:
        """A column's name on one line: "Latency · cpu"."""
        column = self._columns[section]
        title = column_title(column.kind)
        return f"{title} · {column.device}" if column.device else title

    def columns(self) -> list[Column]:
        return list(self._columns)

    def column_of(self, kind: str, device: str | None = None) -> int:
        """The index of a column (-1 when there is none, e.g. a column with no data)."""
        for index, column in enumerate(self._columns):
            if column.kind == kind and column.device == device:
                return index
        return -1

    def names(self) -> list[str]:
        """The variants' names in row order."""
        return [record.name for record in self._records]

    def _make_columns(self, comparison: Comparison) -> list[Column]:
        columns = [Column(kind) for kind in VARIANT_COLUMNS]
        for group, device in enumerate(comparison.devices):
            for kind in DEVICE_COLUMNS:
                if kind in ("roofline", "accuracy") and not any(
                    self._device_value(record.by_device.get(device.name), kind) is not None
                    for record in comparison.variants
                ):
                    continue  # a column with no number in it says nothing
                columns.append(Column(kind, device.name, group))
        return columns

    @staticmethod
    def _device_value(measurement: Measurement | None, kind: str) -> Any:
        if measurement is None or measurement.error:
            return None
        if kind == "latency":
            return (measurement.latency_ms or {}).get("median")
        if kind == "throughput":
            return measurement.throughput_per_s
        if kind == "roofline":
            return measurement.roofline.fraction if measurement.roofline else None
        if kind == "accuracy":
            return measurement.accuracy
        return (measurement.fidelity or {}).get("top1_agreement")

    # -- the cells

    def _reference(self) -> VariantRecord | None:
        comparison = self._comparison
        if comparison is None:
            return None
        for record in comparison.variants:
            if record.name == comparison.reference:
                return record
        return None

    def _is_reference(self, record: VariantRecord) -> bool:
        return self._comparison is not None and record.name == self._comparison.reference

    def _ratio(self, value: float | None, reference: float | None,
               record: VariantRecord) -> str:
        if self._is_reference(record) or not _known(value) or not _known(reference):
            return ""
        assert value is not None and reference is not None
        if reference <= 0:
            return ""
        return format_ratio(value / reference)

    def _cell(self, record: VariantRecord, column: Column) -> Cell:
        if column.device is None:
            return self._variant_cell(record, column.kind)
        return self._device_cell(record, column.kind, column.device)

    def _variant_cell(self, record: VariantRecord, kind: str) -> Cell:
        comparison = self._comparison
        assert comparison is not None
        reference = self._reference()
        if kind == "variant":
            on = [device for device, names in comparison.frontier.items() if record.name in names]
            lines = [record.name]
            if self._is_reference(record):
                lines.append(translate(
                    "ComparisonTable",
                    "The reference: every ratio and the agreement are measured against it.",
                ))
            if on:
                lines.append(translate(
                    "ComparisonTable",
                    "On the trade-off frontier on {devices}: no other "
                    "variant is both faster and better there.",
                ).format(devices=translate("ComparisonTable", ", ").join(on)))
            if record.parent:
                lines.append(translate("ComparisonTable", "Made from {parent}.").format(
                    parent=record.parent))
            if record.file:
                lines.append(translate("ComparisonTable", "File: {file}").format(file=record.file))
            lines.extend(record.notes)
            text = (f"{FRONTIER_MARK} " if on else "") + record.name
            detail = translate("ComparisonTable", "reference") if self._is_reference(record) else ""
            return Cell(text, detail, record.name.lower(), "\n".join(lines), numeric=False)
        if kind == "steps":
            steps = " → ".join(record.steps) if record.steps else record.technique
            tooltip = "\n".join([steps, *record.notes])
            return Cell(steps, "", steps.lower(), tooltip, numeric=False)
        if kind == "params":
            total = record.params_total
            lines = [translate("ComparisonTable", "{count} parameters").format(count=f"{total:,}")]
            if record.params_nonzero and record.params_nonzero < total:
                zero = 1 - record.params_nonzero / total if total else 0.0
                lines.append(translate(
                    "ComparisonTable",
                    "{nonzero} of them nonzero ({zero} zero: the dense size "
                    "and speed do not change).",
                ).format(nonzero=f"{record.params_nonzero:,}", zero=format_percent(zero)))
            ratio = self._ratio(total, reference.params_total if reference else None, record)
            if ratio:
                lines.append(translate(
                    "ComparisonTable", "{ratio} the reference's parameters."
                ).format(ratio=ratio))
            return Cell(format_count(total), ratio, total, "\n".join(lines))
        # size
        size = record.size_bytes
        ratio = self._ratio(size, reference.size_bytes if reference else None, record)
        lines = [translate("ComparisonTable", "{size} saved ({bytes} bytes).").format(
            size=format_bytes(size), bytes=f"{size:,}")]
        if ratio:
            lines.append(translate("ComparisonTable", "{ratio} the reference's size.").format(
                ratio=ratio))
        return Cell(format_bytes(size), ratio, size, "\n".join(lines))

    def _device_cell(self, record: VariantRecord, kind: str, device: str) -> Cell:
        comparison = self._comparison
        assert comparison is not None
        measurement = record.by_device.get(device)
        if measurement is None:
            return Cell(DASH, tooltip=translate(
                "ComparisonTable", "Not measured on {device}."
            ).format(device=device))
        if measurement.error:
            return Cell(NOT_AVAILABLE, tooltip=translate(
                "ComparisonTable", "Could not run on {device}: {error}"
            ).format(device=device, error=measurement.error), error=True)
        reference = self._reference()
        reference_measurement = reference.by_device.get(device) if reference else None
        value = self._device_value(measurement, kind)
        reference_value = self._device_value(reference_measurement, kind)
        batch = comparison.batch_size
        if kind == "latency":
            return self._latency_cell(record, measurement, value, reference_value, batch)
        if kind == "throughput":
            ratio = self._ratio(value, reference_value, record)
            lines = [translate(
                "ComparisonTable", "{rate} inputs per second at a batch of {batch}."
            ).format(rate=format_rate(value), batch=batch)]
            large = measurement.throughput_large_batch_per_s
            if _known(large) and comparison.large_batch:
                lines.append(translate("ComparisonTable", "{rate} at a batch of {batch}.").format(
                    rate=format_rate(large), batch=comparison.large_batch))
            if ratio:
                lines.append(translate(
                    "ComparisonTable", "{ratio} the reference's throughput."
                ).format(ratio=ratio))
            return Cell(format_rate(value), ratio, value, "\n".join(lines))
        if kind == "roofline":
            roofline = measurement.roofline
            if roofline is None:
                return Cell(DASH, tooltip=translate(
                    "ComparisonTable",
                    "No roofline here: the device's peak or the model's FLOPs are unknown.",
                ))
            if roofline.bound == "memory":
                why = translate(
                    "ComparisonTable",
                    "Memory bound: the model does little arithmetic per byte it reads, so "
                    "the memory bandwidth ({bandwidth}) sets the limit, not the arithmetic "
                    "peak ({peak}).",
                )
            else:
                why = translate(
                    "ComparisonTable",
                    "Compute bound: the model does enough arithmetic per byte that the "
                    "device's arithmetic peak ({peak}) sets the limit; memory bandwidth is "
                    "{bandwidth}.",
                )
            lines = [
                translate(
                    "ComparisonTable",
                    "Reaches {share} of what {device} could attain for this model: "
                    "{achieved} of {attainable}.",
                ).format(
                    share=format_percent(roofline.fraction), device=device,
                    achieved=format_flop_rate(roofline.achieved_flops_per_s),
                    attainable=format_flop_rate(roofline.attainable_flops_per_s)),
                why.format(
                    bandwidth=format_bytes(round(roofline.bandwidth_bytes_per_s))
                    + translate("ComparisonTable", "/s", "per second"),
                    peak=format_flop_rate(roofline.peak_flops_per_s)),
            ]
            return Cell(format_percent(roofline.fraction), bound_label(roofline.bound),
                        roofline.fraction, "\n".join(lines))
        if kind == "accuracy":
            if value is None:
                return Cell(DASH, tooltip=translate(
                    "ComparisonTable", "No labelled test data for this model."
                ))
            detail = ""
            if not self._is_reference(record) and _known(reference_value):
                detail = format_points(value - reference_value)
            lines = [translate(
                "ComparisonTable",
                "Gets {share} of the labelled test examples right on {device}.",
            ).format(share=format_percent(value), device=device)]
            if detail:
                lines.append(translate(
                    "ComparisonTable", "{points} compared with the reference."
                ).format(points=detail))
            return Cell(format_percent(value), detail, value, "\n".join(lines))
        # agreement
        fidelity = measurement.fidelity or {}
        if value is None:
            return Cell(DASH, tooltip=translate(
                "ComparisonTable",
                "Agreement was not measured (a model with one output has no top answer).",
            ))
        lines = [translate(
            "ComparisonTable", "Gives the reference's top answer for {share} of the inputs."
        ).format(share=format_percent(value))]
        cosine = fidelity.get("cosine")
        if _known(cosine):
            lines.append(translate(
                "ComparisonTable", "Cosine similarity of the outputs: {cosine}."
            ).format(cosine=f"{cosine:.4f}"))
        error = fidelity.get("max_abs_error")
        if _known(error):
            lines.append(translate(
                "ComparisonTable", "Largest difference in an output: {error}."
            ).format(error=format_value(float(error or 0.0))))
        return Cell(format_percent(value), "", value, "\n".join(lines))

    def _latency_cell(self, record: VariantRecord, measurement: Measurement,
                      value: float | None, reference_value: float | None, batch: int) -> Cell:
        latency = measurement.latency_ms or {}
        if value is None:
            return Cell(DASH, tooltip=translate("ComparisonTable", "Latency was not measured."))
        ratio = self._ratio(value, reference_value, record)
        lines = [translate("ComparisonTable", "Median {median} for a batch of {batch}").format(
            median=format_latency(value), batch=batch)]
        if _known(latency.get("p90")):
            lines[0] += translate("ComparisonTable", "; p90 {p90}").format(
                p90=format_latency(latency["p90"]))
        lines[0] += "."
        single = measurement.latency_ms_batch_1 or {}
        if _known(single.get("median")):
            line = translate("ComparisonTable", "Batch of 1: median {median}").format(
                median=format_latency(single["median"]))
            if _known(single.get("p90")):
                line += translate("ComparisonTable", "; p90 {p90}").format(
                    p90=format_latency(single["p90"]))
            lines.append(line + ".")
        if ratio:
            assert reference_value is not None
            speedup = reference_value / value if value > 0 else math.inf
            if speedup >= 1:
                lines.append(translate(
                    "ComparisonTable", "{ratio} the reference's time: {speedup} faster."
                ).format(ratio=ratio, speedup=format_ratio(speedup)))
            else:
                lines.append(translate(
                    "ComparisonTable", "{ratio} the reference's time: {slowdown} slower."
                ).format(ratio=ratio, slowdown=format_ratio(1 / speedup)))
        compiled = (translate("ComparisonTable", "compiled") if measurement.compiled
                    else translate("ComparisonTable", "eager"))
        lines.append(translate("ComparisonTable", "Ran in {dtype}, {compiled}.").format(
            dtype=measurement.dtype, compiled=compiled))
        return Cell(format_latency(value), ratio, value, "\n".join(lines))

    # -- the model interface

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def record(self, row: int) -> VariantRecord:
        return self._records[row]

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        record = self._records[index.row()]
        column = self._columns[index.column()]
        cell = self._cells[index.row()][index.column()]
        role = int(role)
        if role == _DISPLAY:
            return cell.text
        if role == DETAIL_ROLE:
            return cell.detail
        if role == SORT_ROLE:
            return cell.sort
        if role == NAME_ROLE:
            return record.name
        if role == ERROR_ROLE:
            return cell.error
        if role == _TOOLTIP:
            if record.meets_floor is False:
                return self._floor_warning() + ("\n\n" + cell.tooltip if cell.tooltip else "")
            return cell.tooltip or None
        if role == _ALIGN:
            horizontal = (Qt.AlignmentFlag.AlignRight if cell.numeric
                          else Qt.AlignmentFlag.AlignLeft)
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == _FONT and self._is_reference(record):
            font = QFont()
            font.setBold(True)
            return font
        if role == _FOREGROUND and cell.error:
            return self.muted
        if role == _BACKGROUND:
            if record.meets_floor is False:
                return self.floor_tint
            if column.group % 2 == 1:
                return self.group_tint
        return None

    def _floor_warning(self) -> str:
        floor = self._comparison.floor if self._comparison is not None else {}
        description = floor_description(floor)
        if description:
            return translate("ComparisonTable", "Below the quality floor ({floor}).").format(
                floor=description)
        return translate("ComparisonTable", "Below the quality floor.")

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        role = int(role)
        if role == _DISPLAY:
            # The device on a second line keeps the columns narrow; the tooltip and the
            # accessible text say "Latency · cpu".
            title = column_title(column.kind)
            return f"{title}\n{column.device}" if column.device else title
        if role == int(Qt.ItemDataRole.AccessibleTextRole):
            return self.column_name(section)
        if role == _TOOLTIP:
            text = self.column_name(section) + "\n" + column_explanation(column.kind)
            if column.device and self._comparison is not None:
                for device in self._comparison.devices:
                    if device.name == column.device and device.description:
                        text += "\n" + translate(
                            "ComparisonTable", "Measured on {device}: {description}."
                        ).format(device=device.name, description=device.description)
            return text
        if role == _ALIGN:
            numeric = column.kind not in ("variant", "steps")
            horizontal = (Qt.AlignmentFlag.AlignRight if numeric
                          else Qt.AlignmentFlag.AlignLeft)
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort rows by the raw values of ``column``; cells without a value go last."""
        if not 0 <= column < len(self._columns):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_rows = [index.row() for index in old_persistent]
        keyed = list(range(len(self._records)))
        present = [row for row in keyed if self._cells[row][column].sort is not None]
        missing = [row for row in keyed if self._cells[row][column].sort is None]
        present.sort(key=lambda row: self._cells[row][column].sort,
                     reverse=order == Qt.SortOrder.DescendingOrder)
        order_rows = present + missing
        self._records = [self._records[row] for row in order_rows]
        self._cells = [self._cells[row] for row in order_rows]
        new_row = {old: new for new, old in enumerate(order_rows)}
        self.changePersistentIndexList(
            old_persistent,
            [self.index(new_row[row], index.column())
             for row, index in zip(old_rows, old_persistent, strict=True)],
        )
        self.layoutChanged.emit()


# --- drawing two-line cells --------------------------------------------------------------


class TwoLineDelegate(QStyledItemDelegate):
    """Draws a cell's value and, under it, its :data:`DETAIL_ROLE` line, smaller and muted."""

    PADDING = 6

    def _detail_font(self, font: QFont) -> QFont:
        small = QFont(font)
        small.setBold(False)
        if small.pointSizeF() > 0:
            small.setPointSizeF(max(small.pointSizeF() * 0.88, 6.0))
        else:
            small.setPixelSize(max(round(small.pixelSize() * 0.88), 8))
        return small

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text  # type: ignore[attr-defined]
        detail = str(index.data(DETAIL_ROLE) or "")
        opt.text = ""  # type: ignore[attr-defined]
        # Rows are selected whole: a focus frame around one cell would only be noise.
        opt.state &= ~QStyle.StateFlag.State_HasFocus  # type: ignore[attr-defined]
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        rect: QRect = opt.rect.adjusted(self.PADDING, 2, -self.PADDING, -2)  # type: ignore[attr-defined]
        palette: QPalette = opt.palette  # type: ignore[attr-defined]
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        color = palette.color(QPalette.ColorRole.HighlightedText if selected
                              else QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.HighlightedText if selected
                              else QPalette.ColorRole.PlaceholderText)
        if not selected and bool(index.data(ERROR_ROLE)):
            color = muted
        font: QFont = opt.font  # type: ignore[attr-defined]
        small = self._detail_font(font)
        metrics = QFontMetrics(font)
        small_metrics = QFontMetrics(small)
        height = metrics.height() + (small_metrics.height() if detail else 0)
        top = rect.top() + max(0, (rect.height() - height) // 2)
        align = int(index.data(int(Qt.ItemDataRole.TextAlignmentRole))
                    or int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter))
        horizontal = Qt.AlignmentFlag(align) & Qt.AlignmentFlag.AlignHorizontal_Mask
        flags = horizontal | Qt.AlignmentFlag.AlignVCenter

        painter.save()
        painter.setFont(font)
        painter.setPen(color)
        line = QRect(rect.left(), top, rect.width(), metrics.height())
        painter.drawText(line, flags, metrics.elidedText(
            text, Qt.TextElideMode.ElideRight, rect.width()))
        if detail:
            painter.setFont(small)
            painter.setPen(muted)
            line = QRect(rect.left(), top + metrics.height(), rect.width(),
                         small_metrics.height())
            painter.drawText(line, flags, small_metrics.elidedText(
                detail, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        font: QFont = opt.font  # type: ignore[attr-defined]
        metrics = QFontMetrics(font)
        small_metrics = QFontMetrics(self._detail_font(font))
        text = str(index.data(_DISPLAY) or "")
        detail = str(index.data(DETAIL_ROLE) or "")
        width = max(metrics.horizontalAdvance(text), small_metrics.horizontalAdvance(detail))
        height = metrics.height() + small_metrics.height()
        return QSize(width + 2 * self.PADDING + 4, height + 8)


# --- a table whose first column stays put -----------------------------------------------


class FrozenColumnTableView(QTableView):
    """A table view whose first column (the variant's name) stays in place while the others
    scroll sideways: a second view over the left edge shows that column alone, sharing the
    model, the delegate and the selection (Qt's "frozen column" example)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frozen = QTableView(self)
        self.frozen.setObjectName("frozenColumn")
        #: A thin line along the frozen column's right edge.
        self.edge = QFrame(self)
        self.edge.setObjectName("frozenEdge")
        self.edge.setAutoFillBackground(True)
        self.edge.setBackgroundRole(QPalette.ColorRole.Mid)
        self.frozen.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.frozen.verticalHeader().setVisible(False)
        self.frozen.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.frozen.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.frozen.setFrameShape(QFrame.Shape.NoFrame)
        self.frozen.setShowGrid(False)
        self.frozen.setWordWrap(False)
        self.frozen.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.frozen.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.frozen.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.frozen.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        frozen_header = self.frozen.horizontalHeader()
        frozen_header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        frozen_header.setHighlightSections(False)
        frozen_header.setSortIndicatorShown(True)
        frozen_header.setSectionsClickable(True)
        self.viewport().stackUnder(self.frozen)

        self.horizontalHeader().sectionResized.connect(self._on_column_resized)
        self.verticalHeader().sectionResized.connect(
            lambda row, _old, size: self.frozen.setRowHeight(row, size))
        self.frozen.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(self.frozen.verticalScrollBar().setValue)
        frozen_header.sectionClicked.connect(self._on_frozen_header_clicked)
        self.horizontalHeader().sortIndicatorChanged.connect(self._mirror_sort_indicator)

    def setModel(self, model: Any) -> None:
        super().setModel(model)
        self.frozen.setModel(model)
        self.frozen.setSelectionModel(self.selectionModel())
        model.modelReset.connect(self._hide_scrolling_columns)
        model.layoutChanged.connect(self._hide_scrolling_columns)
        self._hide_scrolling_columns()

    def setItemDelegate(self, delegate: Any) -> None:
        super().setItemDelegate(delegate)
        self.frozen.setItemDelegate(delegate)

    def _hide_scrolling_columns(self) -> None:
        model = self.model()
        if model is None:
            return
        for column in range(model.columnCount()):
            self.frozen.setColumnHidden(column, column != 0)
        if model.columnCount():
            self.frozen.setColumnWidth(0, self.columnWidth(0))
        self.frozen.verticalHeader().setDefaultSectionSize(
            self.verticalHeader().defaultSectionSize())
        self.frozen.setVisible(model.columnCount() > 1)
        self.edge.setVisible(model.columnCount() > 1)
        self._place_frozen()

    def _on_column_resized(self, column: int, _old: int, size: int) -> None:
        if column == 0:
            self.frozen.setColumnWidth(0, size)
            self._place_frozen()

    def _on_frozen_header_clicked(self, _section: int) -> None:
        header = self.horizontalHeader()
        ascending = Qt.SortOrder.AscendingOrder
        order = (Qt.SortOrder.DescendingOrder
                 if header.sortIndicatorSection() == 0 and header.sortIndicatorOrder() == ascending
                 else ascending)
        self.sortByColumn(0, order)

    def _mirror_sort_indicator(self, section: int, order: Qt.SortOrder) -> None:
        self.frozen.horizontalHeader().setSortIndicator(section if section == 0 else -1, order)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_frozen()

    def updateGeometries(self) -> None:
        super().updateGeometries()
        self._place_frozen()

    def _place_frozen(self) -> None:
        frame = self.frameWidth()
        self.frozen.horizontalHeader().setFixedHeight(self.horizontalHeader().height())
        self.frozen.setGeometry(
            self.verticalHeader().width() + frame, frame, self.columnWidth(0),
            self.viewport().height() + self.horizontalHeader().height(),
        )
        geometry = self.frozen.geometry()
        self.edge.setGeometry(geometry.right() + 1, geometry.top(), 1, geometry.height())
        self.edge.raise_()

    def scrollTo(self, index: Any,
                 hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible
                 ) -> None:
        # The first column is always in sight: scrolling to it would only jump sideways.
        if index.column() > 0:
            super().scrollTo(index, hint)


# --- the widget --------------------------------------------------------------------------


class ComparisonTable(QWidget):
    """Every variant of a :class:`Comparison` on every device, sortable, with ratios to the
    reference; :meth:`selected_variants` names the selected rows."""

    #: The selected rows changed: (list of variant names, in row order).
    selection_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ComparisonModel(self)
        self.delegate = TwoLineDelegate(self)

        self.empty_label = QLabel(
            self.tr("Run a recipe or compare variants to fill this table."), self
        )
        self.empty_label.setObjectName("emptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        self.view = FrozenColumnTableView(self)
        self.view.setObjectName("comparisonView")
        self.view.setModel(self.model)
        self.view.setItemDelegate(self.delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSortingEnabled(True)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setCornerButtonEnabled(False)
        self.view.verticalHeader().setVisible(False)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(48)
        self.view.setToolTip("")

        self.summary_title = QLabel(self.tr("Fastest device per variant"), self)
        self.summary_title.setObjectName("summaryTitle")
        font = QFont(self.summary_title.font())
        font.setBold(True)
        self.summary_title.setFont(font)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setToolTip(
            self.tr("Which device runs each variant fastest, at the same batch, compared with "
                    "the next fastest one.")
        )
        self.legend_label = QLabel(self)
        self.legend_label.setObjectName("legendLabel")
        self.legend_label.setWordWrap(True)

        table_page = QWidget(self)
        column = QVBoxLayout(table_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.view, 1)
        column.addWidget(self.legend_label)
        column.addWidget(self.summary_title)
        column.addWidget(self.summary_label)
        for label in (self.legend_label, self.summary_title, self.summary_label):
            label.setContentsMargins(4, 0, 4, 0)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(table_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._restyle()
        self.set_comparison(None)

    def sizeHint(self) -> QSize:
        return QSize(900, 420)

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 240)

    # -- the public interface

    def comparison(self) -> Comparison | None:
        return self.model.comparison()

    def set_comparison(self, comparison: Comparison | None) -> None:
        """Show ``comparison`` (None: the empty state). The selection is cleared."""
        had_selection = bool(self.selected_variants())
        self.model.set_comparison(comparison)
        empty = comparison is None or not comparison.variants
        self.stack.setCurrentIndex(0 if empty else 1)
        if not empty:
            assert comparison is not None
            self._fit_columns()
            self._fill_summary(comparison)
            self._fill_legend(comparison)
        if had_selection:
            self.selection_changed.emit(self.selected_variants())

    def selected_variants(self) -> list[str]:
        """The names of the selected variants, in row order."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.record(row).name for row in rows]

    def select_variants(self, names: Sequence[str]) -> None:
        """Select the rows of ``names`` (others are deselected)."""
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for row, name in enumerate(self.model.names()):
            if name in names:
                selection.select(self.model.index(row, 0), self.model.index(row, last))
        self.view.selectionModel().select(
            selection, self.view.selectionModel().SelectionFlag.ClearAndSelect
        )

    def sort_by(self, kind: str, device: str | None = None,
                order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort as a click on that column's header would (no-op for a missing column)."""
        column = self.model.column_of(kind, device)
        if column >= 0:
            self.view.sortByColumn(column, order)

    def summary_lines(self) -> list[str]:
        comparison = self.model.comparison()
        if comparison is None or len(comparison.devices) < 2:
            return []
        return fastest_devices(comparison)

    # -- filling

    def _fit_columns(self) -> None:
        """Each column as wide as its widest cell or header line, plus room for the sort
        arrow (Qt's own fit reserves more than that, and the table gets wide)."""
        header = self.view.horizontalHeader()
        header_metrics = header.fontMetrics()
        option = QStyleOptionViewItem()
        self.view.initViewItemOption(option)
        arrow = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header)
        margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
        for column in range(self.model.columnCount()):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = max(header_metrics.horizontalAdvance(line) for line in title.split("\n"))
            width += 2 * margin + arrow + 4
            for row in range(self.model.rowCount()):
                index = self.model.index(row, column)
                width = max(width, self.delegate.sizeHint(option, index).width())
            if self.model.columns()[column].kind == "steps":
                width = min(width, MAX_STEPS_WIDTH)
            self.view.setColumnWidth(column, width)
        metrics = self.view.fontMetrics()
        small = QFontMetrics(self.delegate._detail_font(self.view.font()))
        self.view.verticalHeader().setDefaultSectionSize(metrics.height() + small.height() + 10)
        self.view._hide_scrolling_columns()

    def _fill_summary(self, comparison: Comparison) -> None:
        lines = self.summary_lines()
        shown = bool(lines)
        self.summary_title.setVisible(shown)
        self.summary_label.setVisible(shown)
        if not shown:
            self.summary_label.clear()
            return
        text = "\n".join(f"• {line}" for line in lines)
        winners = set()
        for record in comparison.variants:
            timed = [(m.latency_ms["median"], name) for name, m in record.by_device.items()
                     if not m.error and m.latency_ms]
            if timed:
                winners.add(min(timed)[1])
        if len(winners) > 1:
            text += "\n" + self.tr("The fastest device differs between variants.")
        self.summary_label.setText(text)

    def _fill_legend(self, comparison: Comparison) -> None:
        parts = [self.tr("Bold: the reference ({name}); second lines compare with it.").format(
            name=comparison.reference)]
        if any(comparison.frontier.values()):
            parts.append(self.tr("★ on the trade-off frontier."))
        if any(record.meets_floor is False for record in comparison.variants):
            parts.append(self.tr("Tinted rows fall below the quality floor."))
        parts.append(self.tr("Latency at a batch of {batch}.").format(
            batch=comparison.batch_size))
        self.legend_label.setText("  ".join(parts))

    def _on_selection_changed(self, *_args: object) -> None:
        self.selection_changed.emit(self.selected_variants())

    # -- colours

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()

    def _restyle(self) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        # Faint tints over the theme's base colour: readable in light and dark themes.
        self.model.floor_tint = blend(base, QColor("#D55E00"), 0.16)
        self.model.group_tint = blend(base, palette.color(QPalette.ColorRole.Text), 0.035)
        self.model.muted = muted
        for label in (self.empty_label, self.legend_label):
            own = label.palette()
            own.setColor(QPalette.ColorRole.WindowText, muted)
            label.setPalette(own)
        if self.model.rowCount():
            self.model.dataChanged.emit(
                self.model.index(0, 0),
                self.model.index(self.model.rowCount() - 1, self.model.columnCount() - 1),
            )

