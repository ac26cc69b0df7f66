"""The Compare tab: variants side by side on the devices picked, a report, a per-layer diff.

The page only asks (signals); the window runs the jobs and hands results back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from slimbench.widgets.charts import TradeoffScatter, VariantPoint
from slimbench.widgets.comparison_table import ComparisonTable
from slimbench.widgets.layer_diff_view import LayerDiffView


class ComparisonPage(QWidget):
    """Compare variants on devices; export the report; diff two variants layer by layer."""

    #: Measure the selected variants on these device names.
    compare_requested = Signal(list)
    #: Write the current comparison's report (the window asks where).
    export_requested = Signal()
    #: Diff two variant ids layer by layer.
    diff_requested = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: Path | None = None
        self._device_boxes: list[QCheckBox] = []

        intro = QLabel(self.tr(
            "Measure the variants you selected in the list on the left on every device ticked "
            "here, all the same way. ★ marks the best trade-offs: nothing else is both faster "
            "and at least as good."))
        intro.setWordWrap(True)
        self.devices_row = QHBoxLayout()
        self.devices_row.setSpacing(10)
        self.devices_row.addWidget(QLabel(self.tr("Devices:")))
        self.devices_row.addStretch(1)
        self.compare_button = QPushButton(self.tr("Compare selected variants"))
        self.compare_button.setObjectName("compareButton")
        self.compare_button.setToolTip(self.tr(
            "Time, size and quality of the selected variants (all of them when fewer than two "
            "are selected) on each ticked device."))
        self.compare_button.clicked.connect(self._ask_compare)
        self.export_button = QPushButton(self.tr("Export report…"))
        self.export_button.setObjectName("exportReportButton")
        self.export_button.setToolTip(self.tr(
            "Write results.json, the charts (PNG and SVG) and a report.html anyone can open in "
            "a browser, with the models and how to load them."))
        self.export_button.clicked.connect(self.export_requested)
        self.open_button = QPushButton(self.tr("Open report"))
        self.open_button.setObjectName("openReportButton")
        self.open_button.clicked.connect(self._open_report)
        self.devices_row.addWidget(self.compare_button)
        self.devices_row.addWidget(self.export_button)
        self.devices_row.addWidget(self.open_button)

        self.table = ComparisonTable()

        self.variant_a = QComboBox()
        self.variant_a.setObjectName("diffVariantA")
        self.variant_b = QComboBox()
        self.variant_b.setObjectName("diffVariantB")
        self.diff_button = QPushButton(self.tr("Show layer differences"))
        self.diff_button.setObjectName("diffButton")
        self.diff_button.setToolTip(self.tr(
            "The two variants' layer trees side by side: parameters, channels, number type and "
            "time per layer, with what changed in words."))
        self.diff_button.clicked.connect(self._ask_diff)
        diff_row = QHBoxLayout()
        diff_row.addWidget(QLabel(self.tr("Layers of")))
        diff_row.addWidget(self.variant_a, 1)
        diff_row.addWidget(QLabel(self.tr("against")))
        diff_row.addWidget(self.variant_b, 1)
        diff_row.addWidget(self.diff_button)
        self.diff = LayerDiffView()
        diff_page = QWidget()
        diff_layout = QVBoxLayout(diff_page)
        diff_layout.setContentsMargins(0, 4, 0, 0)
        diff_layout.addLayout(diff_row)
        diff_layout.addWidget(self.diff, 1)

        # Latency against quality of the compared variants on one device, frontier joined.
        self.scatter = TradeoffScatter()
        self.scatter_device = QComboBox()
        self.scatter_device.setObjectName("scatterDevice")
        self.scatter_device.currentIndexChanged.connect(lambda _index: self._draw_scatter())
        scatter_row = QHBoxLayout()
        scatter_row.addWidget(QLabel(self.tr("On device")))
        scatter_row.addWidget(self.scatter_device)
        scatter_row.addStretch(1)
        scatter_page = QWidget()
        scatter_layout = QVBoxLayout(scatter_page)
        scatter_layout.setContentsMargins(0, 4, 0, 0)
        scatter_layout.addLayout(scatter_row)
        scatter_layout.addWidget(self.scatter, 1)

        lower = QTabWidget()
        lower.setObjectName("compareLower")
        lower.addTab(scatter_page, self.tr("Speed against quality"))
        lower.addTab(diff_page, self.tr("Layer by layer"))
        self.lower_tabs = lower

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(self.devices_row)
        layout.addWidget(splitter, 1)
        self.set_busy(False)
        self._update_buttons()

    def sizeHint(self) -> QSize:
        return QSize(760, 560)

    def minimumSizeHint(self) -> QSize:
        return QSize(420, 320)

    # -- data in

    def set_devices(self, names: Sequence[str], ticked: Sequence[str] = ()) -> None:
        """One tick box per device; ``ticked`` (default: the first) are ticked."""
        chosen = set(ticked) or set(self.devices()) or set(list(names)[:1])
        for box in self._device_boxes:
            self.devices_row.removeWidget(box)
            box.deleteLater()
        self._device_boxes = []
        for index, name in enumerate(names):
            box = QCheckBox(name)
            box.setChecked(name in chosen)
            box.toggled.connect(self._update_buttons)
            self.devices_row.insertWidget(1 + index, box)
            self._device_boxes.append(box)
        self._update_buttons()

    def set_variants(self, variants: Sequence[tuple[int, str]]) -> None:
        """The workspace's variants (id, name) for the diff pickers; B defaults to the newest."""
        grown = len(variants) != self.variant_a.count()
        for combo, default in ((self.variant_a, 0), (self.variant_b, len(variants) - 1)):
            # New variants (a job finished): B moves to the newest; otherwise picks stay.
            previous = None if grown and combo is self.variant_b else combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for variant_id, name in variants:
                combo.addItem(name, variant_id)
            index = combo.findData(previous)
            combo.setCurrentIndex(index if index >= 0 else max(0, default))
            combo.blockSignals(False)
        self._update_buttons()

    def set_comparison(self, comparison: Any, report: Path | None = None) -> None:
        self.table.set_comparison(comparison)
        self._report = report
        chosen = self.scatter_device.currentText()
        self.scatter_device.blockSignals(True)
        self.scatter_device.clear()
        for device in getattr(comparison, "devices", None) or []:
            self.scatter_device.addItem(device.name)
        index = self.scatter_device.findText(chosen)
        self.scatter_device.setCurrentIndex(max(0, index))
        self.scatter_device.blockSignals(False)
        self._draw_scatter()
        self._update_buttons()

    def scatter_points(self) -> list[VariantPoint]:
        """The compared variants on the device picked above the chart."""
        comparison = self.table.comparison()
        device = self.scatter_device.currentText()
        points = []
        for record in getattr(comparison, "variants", None) or []:
            measured = record.by_device.get(device)
            usable = measured is not None and not measured.error and measured.latency_ms
            quality, label = None, "accuracy"
            if usable and measured.accuracy is not None:
                quality = measured.accuracy
            elif usable and measured.fidelity:
                quality, label = measured.fidelity.get("top1_agreement"), "agreement"
            points.append(VariantPoint(
                name=record.name,
                latency_ms=measured.latency_ms["median"] if usable else None,
                size_bytes=record.size_bytes, quality=quality, quality_label=label,
                device=device))
        return points

    def _draw_scatter(self) -> None:
        self.scatter.set_variants(self.scatter_points())

    def set_report(self, report: Path | None) -> None:
        self._report = report
        self._update_buttons()

    def set_diff(self, rows: list[Any], name_a: str, name_b: str) -> None:
        self.diff.set_rows(rows, name_a, name_b)
        self.lower_tabs.setCurrentIndex(1)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    # -- data out

    def devices(self) -> list[str]:
        return [box.text().replace("&", "") for box in self._device_boxes if box.isChecked()]

    def report(self) -> Path | None:
        return self._report

    # -- internals

    def _ask_compare(self) -> None:
        self.compare_requested.emit(self.devices())

    def _ask_diff(self) -> None:
        a, b = self.variant_a.currentData(), self.variant_b.currentData()
        if a is not None and b is not None:
            self.diff_requested.emit(int(a), int(b))

    def _open_report(self) -> None:
        if self._report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._report)))

    def _update_buttons(self) -> None:
        busy = getattr(self, "_busy", False)
        self.compare_button.setEnabled(not busy and bool(self.devices()))
        self.export_button.setEnabled(not busy and self.table.comparison() is not None)
        self.open_button.setEnabled(self._report is not None and self._report.is_file())
        self.diff_button.setEnabled(not busy and self.variant_a.count() > 1)
