"""The main window: the loaded model's layer tree and details, a summary, and the job list.

Long work (inspecting, benchmarking) runs as engine jobs on the JobRunner's worker threads;
the window only reacts to their signals, so it never freezes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from slimbench.app.job_runner import DONE, JobRecord, JobRunner
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.inspection import InspectResult, inspect_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import BenchConfig, BenchResult, bench_job
from slimbench.widgets.job_list import JobListWidget
from slimbench.widgets.layer_tree import (
    LayerDetails,
    LayerTreeView,
    format_bytes,
    format_count,
    format_flops,
)


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Slimbench"))
        self.handle: ModelHandle | None = None
        self.inspection: InspectResult | None = None
        self.last_bench: BenchResult | None = None
        self.last_error: str | None = None
        self.runner = JobRunner(self)

        self.model_name = QLabel(self.tr("No model loaded"))
        self.model_name.setObjectName("modelName")
        font = self.model_name.font()
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        self.model_name.setFont(font)
        self.model_summary = QLabel("")
        self.model_summary.setObjectName("modelSummary")
        self.model_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree = LayerTreeView()
        self.details = LayerDetails()
        self.tree.layer_selected.connect(self._show_layer)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout()
        layout.addWidget(self.model_name)
        layout.addWidget(self.model_summary)
        layout.addWidget(splitter, 1)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

        self.jobs = JobListWidget()
        self.jobs.cancel_requested.connect(self.runner.cancel)
        dock = QDockWidget(self.tr("Jobs"), self)
        dock.setObjectName("jobsDock")
        dock.setWidget(self.jobs)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.runner.job_added.connect(self.jobs.add_job)
        self.runner.job_changed.connect(self.jobs.update_job)
        self.runner.job_finished.connect(self._job_finished)

        self._build_actions()
        self.resize(1180, 760)

    # --- actions -------------------------------------------------------------------------

    def _build_actions(self) -> None:
        toolbar = QToolBar(self.tr("Main"))
        toolbar.setObjectName("mainToolbar")
        self.addToolBar(toolbar)
        self.open_action = QAction(self.tr("Open model…"), self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._ask_for_model)
        self.bench_action = QAction(self.tr("Benchmark"), self)
        self.bench_action.setShortcut(QKeySequence("Ctrl+R"))
        self.bench_action.setToolTip(
            self.tr("Time the model on this computer's processor: how many milliseconds one "
                    "prediction takes.")
        )
        self.bench_action.triggered.connect(lambda: self.run_benchmark())
        self.cancel_action = QAction(self.tr("Cancel jobs"), self)
        self.cancel_action.setShortcut(QKeySequence("Esc"))
        self.cancel_action.triggered.connect(self.runner.cancel_all)
        quit_action = QAction(self.tr("Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (self.open_action, self.bench_action, self.cancel_action):
            toolbar.addAction(action)
        self.addAction(quit_action)
        self.bench_action.setEnabled(False)

    def _ask_for_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open model"), "",
            self.tr("PyTorch models (*.pt *.pth *.pt2 *.safetensors *.ts);;All files (*)"),
        )
        if path:
            self.open_model(path)

    # --- models --------------------------------------------------------------------------

    def open_model(self, spec: str) -> bool:
        """Load ``spec`` and inspect it on a worker; on failure show the reason in a dialog."""
        try:
            handle = load_model(spec)
        except SlimbenchError as error:
            self.show_error(self.tr("Cannot open model"), str(error))
            return False
        self.show_model(handle)
        return True

    def show_model(self, handle: ModelHandle) -> None:
        self.handle = handle
        self.inspection = None
        self.last_bench = None
        self.tree.set_result(None)
        self.details.show_node(None)
        self.model_name.setText(handle.name)
        self._update_summary()
        self.setWindowTitle(self.tr("Slimbench — {name}").format(name=handle.name))
        self.bench_action.setEnabled(handle.example_inputs is not None)
        self.runner.submit(
            self.tr("Inspect {name}").format(name=handle.name), "inspect",
            lambda: inspect_job(handle),
        )

    def run_benchmark(self, config: BenchConfig | None = None) -> JobRecord | None:
        if self.handle is None:
            return None
        handle = self.handle
        config = config or BenchConfig()
        return self.runner.submit(
            self.tr("Benchmark {name} on {device}").format(name=handle.name, device=config.device),
            "benchmark",
            lambda: bench_job(handle, config),
        )

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A window-modal message that does not block the event loop (jobs keep reporting)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("errorDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_error = text
        return box

    # --- job results ---------------------------------------------------------------------

    def _job_finished(self, record: JobRecord) -> None:
        self.jobs.update_job(record)
        if record.state != DONE:
            if record.error:
                self.show_error(self.tr("Job failed"), record.error)
            return
        if isinstance(record.result, InspectResult) and self.handle is not None \
                and record.result.name == self.handle.name:
            self.inspection = record.result
            self.tree.set_result(record.result)
            self.tree.expand_to_depth(1)
        elif isinstance(record.result, BenchResult):
            self.last_bench = record.result
        self._update_summary()

    def _show_layer(self, node: Any) -> None:
        self.details.show_node(node, self.handle.module if self.handle is not None else None)

    def _update_summary(self) -> None:
        if self.handle is None:
            self.model_summary.setText("")
            return
        parts = [self.tr("source: {source}").format(source=self.handle.source)]
        if self.inspection is not None:
            result = self.inspection
            parts.insert(0, self.tr("{params} parameters").format(
                params=format_count(result.params_total)))
            parts.insert(1, self.tr("{size}").format(size=format_bytes(result.size_bytes)))
            if result.flops is not None:
                parts.insert(2, self.tr("{flops} per prediction").format(
                    flops=format_flops(result.flops)))
        else:
            params = sum(p.numel() for p in self.handle.module.parameters())
            parts.insert(0, self.tr("{params} parameters").format(params=f"{params:,}"))
        if self.last_bench is not None:
            bench = self.last_bench
            parts.append(self.tr("{ms:.2f} ms on {device} ({dtype}, batch {batch})").format(
                ms=bench.latency_ms["median"], device=bench.device, dtype=bench.dtype,
                batch=bench.batch_size))
        self.model_summary.setText("  ·  ".join(parts))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.shutdown()
        super().closeEvent(event)
