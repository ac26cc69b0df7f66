"""The main window: a start page with the zoo, then the workbench for the loaded model.

Long work (loading, inspecting, benchmarking, measuring quality) runs as engine jobs on the
JobRunner's worker threads; the window only reacts to their signals, so it never freezes.
Every result belongs to a variant of the model; the charts show the variants side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from slimbench.app.appearance import LanguageSwitcher, apply_theme
from slimbench.app.job_runner import DONE, JobRecord, JobRunner
from slimbench.app.settings import (
    LANGUAGES,
    THEMES,
    Settings,
    load_settings,
    open_store,
    save_settings,
)
from slimbench.engine.errors import SlimbenchError, VariantError
from slimbench.widgets.formatting import format_bytes, format_count, format_flops
from slimbench.widgets.job_list import JobListWidget
from slimbench.widgets.zoo_gallery import ZooGallery

# Everything below imports torch (1.7 s on a 2-core machine): the shell of the window, with
# the start page, is shown first and these are imported right after (finish_startup).
if TYPE_CHECKING:
    from slimbench.engine.devices import DeviceInfo
    from slimbench.engine.loading import ModelHandle
    from slimbench.engine.measure import BenchConfig
    from slimbench.engine.variants import Variant, Workspace
    from slimbench.widgets.charts import VariantPoint
    from slimbench.widgets.device_picker import DeviceSelection

START_PAGE, WORKBENCH_PAGE = 0, 1
VARIANT_COLUMNS = 6


class MainWindow(QMainWindow):
    """The workbench. ``store`` is a QSettings (tests pass an INI file in a temp folder)."""

    #: Emitted once the first model is inspected (start-up measurements wait for it).
    model_ready = Signal(str)

    def __init__(self, store: Any = None, devices: list[DeviceInfo] | None = None,
                 lazy: bool = False) -> None:
        """With ``lazy``, only the shell and start page are built; call ``finish_startup``
        (after the window is shown) to import the engine and build the workbench."""
        super().__init__()
        self.store = store if store is not None else open_store()
        self.settings: Settings = load_settings(self.store)
        self.workspace: Workspace | None = None
        self.engine_ready = False
        self._closed = False
        self._pending_opens: list[tuple[str, bool]] = []
        self.picker: Any = None
        self.current: Variant | None = None
        self.last_error: str | None = None
        self.runner = JobRunner(self)
        self.language = LanguageSwitcher(QApplication.instance())  # type: ignore[arg-type]
        self._devices = devices
        self._bench_variant: dict[int, int] = {}
        self._live_job: int | None = None
        self._load_specs: dict[int, str] = {}
        self._compression_labels: dict[int, str] = {}
        self.language.apply(self.settings.language)
        self._built_language = self.language.current
        self.setAcceptDrops(True)
        self.setObjectName("mainWindow")

        self.jobs = JobListWidget()
        self.jobs.cancel_requested.connect(self.runner.cancel)
        self.jobs_dock = QDockWidget(self)
        self.jobs_dock.setObjectName("jobsDock")
        self.jobs_dock.setWidget(self.jobs)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_dock)
        self.runner.job_added.connect(self.jobs.add_job)
        self.runner.job_changed.connect(self.jobs.update_job)
        self.runner.job_progress.connect(self._job_progress)
        self.runner.job_finished.connect(self._job_finished)

        self._build_ui()
        self.resize(1280, 820)
        self.resizeDocks([self.jobs_dock], [170], Qt.Orientation.Vertical)
        if self.settings.window_geometry is not None:
            self.restoreGeometry(self.settings.window_geometry)
        if self.settings.window_state is not None:
            self.restoreState(self.settings.window_state)
        if not lazy:
            self.finish_startup()

    def finish_startup(self) -> None:
        """Import the engine (and torch), build the workbench, open what was asked for."""
        if self.engine_ready:
            return
        from slimbench.engine.variants import Workspace

        self.workspace = Workspace()
        self.engine_ready = True
        self._rebuild()
        if self._devices is None:
            # The GPU scan starts a Python child that imports torch: let the first model load
            # and inspect before it competes for the processor.
            QTimer.singleShot(3000, self._scan_devices)
        pending, self._pending_opens = self._pending_opens, []
        for spec, trust in pending:
            self.open_model(spec, trust)

    # --- building (and rebuilding after a language or theme change) -----------------------

    def _build_ui(self) -> None:
        self.menuBar().clear()
        for toolbar in self.findChildren(QToolBar):
            self.removeToolBar(toolbar)
            toolbar.deleteLater()
        self.setWindowTitle(self._title())
        self.jobs_dock.setWindowTitle(self.tr("Jobs"))

        self.gallery = ZooGallery()
        self.gallery.set_recent(self.settings.recent_models)
        self.gallery.model_chosen.connect(self.open_model)
        self.gallery.open_file_requested.connect(self._ask_for_model)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.gallery)
        if self.engine_ready:
            self.pages.addWidget(self._build_workbench())
        else:
            waiting = QLabel(self.tr("Loading the engine…"))
            waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.pages.addWidget(waiting)
        self.setCentralWidget(self.pages)
        self.pages.setCurrentIndex(WORKBENCH_PAGE if self.current else START_PAGE)
        self._build_actions()
        if self.current is not None:
            self._show_variant(self.current)
            self._refresh_variants()

    def _build_workbench(self) -> QWidget:
        """The page of a loaded model: tree, details, charts, variants (needs torch)."""
        from slimbench.widgets.charts import BeforeAfterChart, LiveCurve, TradeoffScatter
        from slimbench.widgets.compression_panel import CompressionPanel
        from slimbench.widgets.device_picker import DevicePicker, DeviceSelection
        from slimbench.widgets.layer_tree import LayerDetails, LayerTreeView
        from slimbench.widgets.sensitivity_chart import SensitivityChart

        self.model_name = QLabel(self.tr("No model loaded"))
        self.model_name.setObjectName("modelName")
        font = self.model_name.font()
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        self.model_name.setFont(font)
        self.model_summary = QLabel("")
        self.model_summary.setObjectName("modelSummary")
        self.model_summary.setWordWrap(True)
        self.model_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tree = LayerTreeView()
        self.tree.layer_selected.connect(self._show_layer)
        self.details = LayerDetails()
        self.live = LiveCurve()
        self.before_after = BeforeAfterChart()
        self.tradeoffs = TradeoffScatter()
        self.compress = CompressionPanel()
        self.compress.set_enabled_for_model(self.current is not None)
        self.compress.set_technique_available(
            "distill", False, self.tr("Distillation is not available in this version yet."))
        self.compress.run_requested.connect(self.run_compression)
        self.compress.sensitivity_requested.connect(self.run_sensitivity)
        self.sensitivity = SensitivityChart()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.compress, self.tr("Compress"))
        self.tabs.addTab(self.details, self.tr("Layer"))
        self.tabs.addTab(self.live, self.tr("Live"))
        self.tabs.addTab(self.before_after, self.tr("Before / after"))
        self.tabs.addTab(self.tradeoffs, self.tr("Trade-offs"))
        self.tabs.addTab(self.sensitivity, self.tr("Sensitivity"))
        self.tabs.setTabToolTip(0, self.tr(
            "Make the model smaller or faster: quantize or prune it into a new variant."))
        self.tabs.setTabToolTip(2, self.tr("Measurements of the running job as they arrive."))
        self.tabs.setTabToolTip(3, self.tr(
            "Size, speed and quality of the selected variants next to each other."))
        self.tabs.setTabToolTip(4, self.tr(
            "Every variant by speed and quality; the line joins the best trade-offs."))
        self.tabs.setTabToolTip(5, self.tr(
            "How much each layer suffers when it alone is compressed: leave the worst alone."))

        self.variants = QTableWidget(0, VARIANT_COLUMNS)
        self.variants.setObjectName("variantsTable")
        self.variants.setHorizontalHeaderLabels([
            self.tr("Variant"), self.tr("Technique"), self.tr("Parameters"), self.tr("Size"),
            self.tr("Latency"), self.tr("Quality"),
        ])
        header_tips = [
            self.tr("A version of the model: the original, or one made from it by a job."),
            self.tr("How this variant was made."),
            self.tr("Numbers the model learned; fewer means a smaller model."),
            self.tr("Space the weights take in memory and on disk."),
            self.tr("How long one prediction takes on the chosen device. Lower is faster."),
            self.tr("Share of test examples answered correctly (or agreement with the original "
                    "when there are no labels)."),
        ]
        for column, tip in enumerate(header_tips):
            self.variants.horizontalHeaderItem(column).setToolTip(tip)
        self.variants.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.variants.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.variants.verticalHeader().hide()
        self.variants.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.variants.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.variants.customContextMenuRequested.connect(self._variant_menu)
        self.variants.itemSelectionChanged.connect(self._variant_selection_changed)
        self.variants.setMinimumHeight(110)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.tree)
        left.addWidget(self.variants)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        workbench = QWidget()
        layout = QVBoxLayout(workbench)
        layout.addWidget(self.model_name)
        layout.addWidget(self.model_summary)
        layout.addWidget(splitter, 1)

        self.picker = DevicePicker(self._devices or _cpu_only())
        self.picker.setToolTip(self.tr("Where and how the model runs when you benchmark it."))
        self.picker.set_selection(DeviceSelection(device=self.settings.default_device))
        self.picker.selection_changed.connect(self._device_chosen)
        return workbench

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable[[], Any], shortcut: Any = None,
                   tip: str = "") -> QAction:
            item = QAction(text, self)
            if shortcut is not None:
                item.setShortcut(QKeySequence(shortcut))
            if tip:
                item.setToolTip(tip)
                item.setStatusTip(tip)
            item.triggered.connect(lambda _checked=False: slot())
            return item

        self.open_action = action(self.tr("Open model…"), self._ask_for_model,
                                  QKeySequence.StandardKey.Open)
        self.bench_action = action(
            self.tr("Benchmark"), self.run_benchmark, "Ctrl+R",
            self.tr("Time the model on the chosen device: how many milliseconds one prediction "
                    "takes, measured many times."))
        self.quality_action = action(
            self.tr("Measure quality"), self.run_quality, "Ctrl+Shift+R",
            self.tr("Check how often the model answers its test examples correctly, and how "
                    "closely each variant follows the original."))
        self.cancel_action = action(self.tr("Cancel jobs"), self.runner.cancel_all, "Esc",
                                    self.tr("Stop every queued and running job."))
        self.save_action = action(self.tr("Save variant as…"), self._save_selected,
                                  QKeySequence.StandardKey.Save)
        self.start_action = action(self.tr("Start page"), self.show_start_page)
        quit_action = action(self.tr("Quit"), self.close, QKeySequence.StandardKey.Quit)
        has_model = self.current is not None
        for item in (self.bench_action, self.quality_action, self.save_action):
            item.setEnabled(has_model)
        self.open_action.setEnabled(self.engine_ready)

        toolbar = QToolBar(self.tr("Main"))
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        for item in (self.start_action, self.open_action, self.bench_action,
                     self.quality_action, self.cancel_action):
            toolbar.addAction(item)
        self.addToolBar(toolbar)
        # The device row gets a toolbar of its own: beside the actions it would be pushed
        # into the overflow menu on all but the widest windows.
        if self.picker is not None:
            self.addToolBarBreak()
            device_bar = QToolBar(self.tr("Device"))
            device_bar.setObjectName("deviceToolbar")
            device_bar.setMovable(False)
            device_bar.addWidget(self.picker)
            self.addToolBar(device_bar)

        file_menu = self.menuBar().addMenu(self.tr("&File"))
        file_menu.addAction(self.start_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu(self.tr("Open recent"))
        self._fill_recent_menu()
        file_menu.addAction(self.save_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        run_menu = self.menuBar().addMenu(self.tr("&Run"))
        for item in (self.bench_action, self.quality_action, self.cancel_action):
            run_menu.addAction(item)
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        language_menu = view_menu.addMenu(self.tr("Language"))
        names = {"system": self.tr("Follow the system"), "en": "English", "zh_CN": "简体中文"}
        self._choice_menu(language_menu, LANGUAGES, names, self.settings.language,
                          self.set_language)
        theme_menu = view_menu.addMenu(self.tr("Theme"))
        themes = {"system": self.tr("Follow the system"), "light": self.tr("Light"),
                  "dark": self.tr("Dark")}
        self._choice_menu(theme_menu, THEMES, themes, self.settings.theme, self.set_theme)
        view_menu.addAction(self.jobs_dock.toggleViewAction())

    def _choice_menu(self, menu: QMenu, values: tuple[str, ...], names: dict[str, str],
                     current: str, choose: Callable[[str], None]) -> None:
        group = QActionGroup(menu)
        for value in values:
            item = QAction(names[value], menu)
            item.setCheckable(True)
            item.setChecked(value == current)
            item.setData(value)
            item.triggered.connect(lambda _checked=False, v=value: choose(v))
            group.addAction(item)
            menu.addAction(item)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for spec in self.settings.recent_models:
            item = self.recent_menu.addAction(spec)
            item.triggered.connect(lambda _checked=False, s=spec: self.open_model(s))
        self.recent_menu.setEnabled(bool(self.settings.recent_models))

    def _title(self) -> str:
        if self.current is None:
            return self.tr("Slimbench")
        return self.tr("Slimbench — {name}").format(name=self.current.handle.name)

    # --- language, theme, devices ---------------------------------------------------------

    def set_language(self, language: str) -> None:
        self.settings.language = language
        self.language.apply(language)  # the LanguageChange event rebuilds the texts
        save_settings(self.store, self.settings)

    def set_theme(self, theme: str) -> None:
        self.settings.theme = theme
        apply_theme(QApplication.instance(), theme)  # type: ignore[arg-type]
        save_settings(self.store, self.settings)
        self._rebuild()

    def changeEvent(self, event: QEvent) -> None:
        if (event.type() == QEvent.Type.LanguageChange and hasattr(self, "pages")
                and self.language.current != self._built_language):
            # The widgets set their texts when built; rebuilding them in the new language is
            # simpler and surer than a retranslate method in every widget.
            QTimer.singleShot(0, self._rebuild)
        super().changeEvent(event)

    def _rebuild(self) -> None:
        self._built_language = self.language.current
        selection = self.picker.selection() if self.picker is not None else None
        old = self.pages
        self._build_ui()
        if selection is not None and self.picker is not None:
            self.picker.set_selection(selection)
        old.deleteLater()
        self.jobs.deleteLater()
        self.jobs = JobListWidget()
        self.jobs.cancel_requested.connect(self.runner.cancel)
        self.runner.job_added.connect(self.jobs.add_job)
        self.runner.job_changed.connect(self.jobs.update_job)
        for record in self.runner.jobs():
            self.jobs.add_job(record)
        self.jobs_dock.setWidget(self.jobs)

    def _device_chosen(self, selection: DeviceSelection) -> None:
        if selection.device != self.settings.default_device:
            self.settings.default_device = selection.device
            save_settings(self.store, self.settings)

    def _scan_devices(self) -> None:
        if self._closed:
            return
        from slimbench.engine.devices import list_devices_in_child
        from slimbench.engine.jobs import Progress

        def scan() -> Any:
            yield Progress(0, 1, self.tr("Looking for GPUs"))
            return list_devices_in_child()

        self.runner.submit(self.tr("Find devices"), "devices", scan)

    # --- loading ---------------------------------------------------------------------------

    def _ask_for_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open model"), "",
            self.tr("PyTorch models (*.pt *.pth *.pt2 *.safetensors *.ts *.bin);;All files (*)"),
        )
        if path:
            self.open_model(path)

    def open_model(self, spec: str, trust_pickle: bool = False) -> JobRecord | None:
        """Load ``spec`` on a worker; the workbench shows it when it arrives.

        Before the engine is imported the request waits (and None is returned)."""
        if not self.engine_ready:
            self._pending_opens.append((spec, trust_pickle))
            return None
        from slimbench.engine.loading import load_job

        record = self.runner.submit(
            self.tr("Open {spec}").format(spec=Path(spec).name if not spec.startswith("zoo:")
                                          else spec),
            "load",
            lambda: load_job(spec, trust_pickle=trust_pickle),
        )
        self._load_specs[record.id] = spec
        return record

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_model(paths[0])

    def _loaded(self, record: JobRecord, spec: str) -> None:
        from slimbench.engine.inspection import inspect_job

        handle: ModelHandle = record.result
        variant = self.workspace.add(handle)
        self.settings.add_recent(spec)
        save_settings(self.store, self.settings)
        self.gallery.set_recent(self.settings.recent_models)
        self._fill_recent_menu()
        self.current = variant
        self.pages.setCurrentIndex(WORKBENCH_PAGE)
        self._show_variant(variant)
        self._refresh_variants()
        self._submit_for(variant, self.tr("Inspect {name}"), "inspect",
                         lambda: inspect_job(handle))
        if handle.data is not None or handle.example_inputs is not None:
            self.run_quality(variant)

    def _confirm_trust(self, spec: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Load a file that can run code?"),
            self.tr("This file can run code on your computer. Load it only if you trust its "
                    "source."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self,
        )
        box.setObjectName("trustDialog")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setInformativeText(Path(spec).name)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.open_model(spec, trust_pickle=True)

        box.finished.connect(answered)
        box.open()

    def show_start_page(self) -> None:
        self.gallery.set_recent(self.settings.recent_models)
        self.pages.setCurrentIndex(START_PAGE)

    # --- jobs on the current variant -------------------------------------------------------

    def _submit_for(self, variant: Variant, title: str, kind: str,
                    factory: Callable[[], Any]) -> JobRecord:
        record = self.runner.submit(title.format(name=variant.name), kind, factory)
        self._bench_variant[record.id] = variant.id
        return record

    def run_benchmark(self, config: BenchConfig | None = None) -> JobRecord | None:
        from slimbench.engine.measure import bench_job

        variant = self._selected_variants()[0] if self._selected_variants() else self.current
        if variant is None:
            return None
        handle = variant.handle
        try:
            handle.require_inputs("benchmark the model")
        except SlimbenchError as error:
            self.show_error(self.tr("Cannot benchmark"), str(error))
            return None
        config = config or _bench_config(self.picker.selection())
        record = self._submit_for(
            variant, self.tr("Benchmark {name} on {device}").replace("{device}", config.device),
            "benchmark", lambda: bench_job(handle, config),
        )
        self._live_job = record.id
        self.live.start(self.tr("Latency of each run — {name}").format(name=variant.name),
                        self.tr("Latency"), "ms")
        self.tabs.setCurrentWidget(self.live)
        return record

    def run_quality(self, variant: Variant | None = None) -> JobRecord | None:
        from slimbench.engine.measure import quality_job

        variant = variant or self.current
        if variant is None:
            return None
        reference = self.workspace.get(variant.parent).handle.module \
            if variant.parent is not None else variant.handle.module
        handle = variant.handle
        return self._submit_for(variant, self.tr("Measure quality of {name}"), "quality",
                                lambda: quality_job(handle, reference=reference))

    def run_compression(self, technique: str, options: dict[str, Any]) -> JobRecord | None:
        """Quantize or prune the current variant into a new one (a job on a worker)."""
        variant = self.current
        if variant is None:
            return None
        handle = variant.handle
        device = self.picker.selection().device if self.picker is not None else "cpu"
        if technique == "quantize":
            from slimbench.engine.quantize import QuantizeConfig, quantize_job

            config = QuantizeConfig(
                options["scheme"], device=device, compile=bool(options["compile"]),
                skip=tuple(options["skip"]), calibration_batches=options["calibration_batches"],
                auto_skip=options["auto_skip"] or None,
            )
            label = options["scheme"]
            factory = lambda: quantize_job(handle, config)
        elif technique == "prune":
            from slimbench.engine.prune import PruneConfig

            prune_config = PruneConfig(
                method=options["method"], amount=options["amount"],
                importance=options["importance"], global_pruning=options["global_pruning"],
                round_to=options["round_to"], iterative_steps=options["iterative_steps"],
                skip=tuple(options["skip"]), device=device,
            )
            label = f"{options['method']} {round(100 * options['amount'])} %"
            factory = lambda: _prune_then_recover(handle, prune_config, options)
        else:
            return None
        self.compress.set_busy(True)
        record = self._submit_for(
            variant, self.tr("{technique} {name}: {label}").replace(
                "{technique}", self._technique_names().get(technique, technique)
            ).replace("{label}", label),
            technique, factory,
        )
        self._compression_labels[record.id] = f"{technique} {label}"
        return record

    def run_sensitivity(self, technique: str, options: dict[str, Any]) -> JobRecord | None:
        """Compress each layer alone and chart the damage, so the user can skip the worst."""
        variant = self.current
        if variant is None:
            return None
        handle = variant.handle
        if technique == "quantize":
            from slimbench.engine.quantize import sensitivity_job

            factory = lambda: sensitivity_job(handle, scheme=options["scheme"])
        else:
            from slimbench.engine.prune import sensitivity_job as prune_sensitivity

            factory = lambda: prune_sensitivity(
                handle, ratios=(0.25, 0.5), method=options["method"])
        return self._submit_for(variant, self.tr("Sensitivity of {name}"), "sensitivity",
                                factory)

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A window-modal message that does not block the event loop (jobs keep reporting)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("errorDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_error = text
        return box

    def _job_progress(self, record: JobRecord, progress: Any) -> None:
        if record.id == self._live_job and "latency_ms" in progress.metrics:
            self.live.append(float(progress.metrics["latency_ms"]))

    def _job_finished(self, record: JobRecord) -> None:
        from slimbench.engine.inspection import InspectResult
        from slimbench.engine.measure import BenchResult, QualityResult

        self.jobs.update_job(record)
        variant_id = self._bench_variant.pop(record.id, None)
        if record.id == self._live_job:
            self.live.finish()
            self._live_job = None
        if record.state != DONE:
            if record.kind in ("quantize", "prune"):
                self.compress.set_busy(False)
            if record.error_type == "UntrustedPickleError" and record.kind == "load":
                self._confirm_trust(self._spec_of(record))
            elif record.error:
                self.show_error(self.tr("{title} failed").format(title=record.title),
                                record.error)
            return
        if record.kind in ("quantize", "prune"):
            self.compress.set_busy(False)
        if record.kind == "load":
            self._loaded(record, self._spec_of(record))
            return
        if record.kind == "devices":
            self._devices = record.result
            selection = self.picker.selection()
            self.picker.set_devices(record.result)
            self.picker.set_selection(selection)
            if self.settings.default_device != selection.device:
                # The saved device (a GPU) may only now be known.
                from slimbench.widgets.device_picker import DeviceSelection

                self.picker.set_selection(DeviceSelection(device=self.settings.default_device))
            return
        try:
            variant = self.workspace.get(variant_id) if variant_id is not None else None
        except VariantError:
            return  # deleted while its job ran
        if variant is None:
            return
        if record.kind in ("quantize", "prune"):
            self._compressed(variant, record)
            return
        if record.kind == "sensitivity":
            self._show_sensitivity(record.result)
            return
        if isinstance(record.result, InspectResult):
            variant.inspection = record.result
            if variant is self.current:
                self.tree.set_result(record.result)
                self.tree.expand_to_depth(1)
                self.model_ready.emit(variant.name)
        elif isinstance(record.result, BenchResult):
            variant.record_benchmark(record.result)
        elif isinstance(record.result, QualityResult):
            variant.accuracy = record.result.accuracy
            variant.fidelity = record.result.fidelity if variant.parent is not None else None
        self._refresh_variants()
        if variant is self.current:
            self._update_summary()

    def _compressed(self, parent: Variant, record: JobRecord) -> None:
        from slimbench.engine.inspection import inspect_job

        result = record.result
        label = self._compression_labels.pop(record.id, record.kind)
        variant = self.workspace.add(result.handle, name=f"{parent.name} · {label}",
                                     parent=parent.id, technique=label)
        document = result.to_json()
        variant.compression = document
        after = document.get("after") or {}
        variant.accuracy = after.get("accuracy")
        fidelity = after.get("fidelity")
        if fidelity:
            from slimbench.engine.measure import Fidelity

            variant.fidelity = Fidelity(fidelity.get("top1_agreement") or float("nan"),
                                        fidelity.get("cosine") or float("nan"),
                                        fidelity.get("max_abs_error") or 0.0, 0)
        variant.notes = list(document.get("notes") or [])
        parent.compression_before = document
        self._submit_for(variant, self.tr("Inspect {name}"), "inspect",
                         lambda: inspect_job(result.handle))
        # Recovery may have trained the model after "after" was measured: measure it again.
        self.run_quality(variant)
        self._refresh_variants()
        self.tabs.setCurrentWidget(self.before_after)
        self.statusBar().showMessage(" ".join(variant.notes[-1:]), 15000)

    def _show_sensitivity(self, result: Any) -> None:
        rows = []
        if hasattr(result, "scheme"):
            for layer in result.layers:
                rows.append((layer.path, {result.scheme: float(layer.fidelity_drop)}))
            metric = self.tr("Fidelity lost (1 − cosine)")
        else:
            for layer in result.layers:
                rows.append((layer.path, {f"{round(100 * point.ratio)} %": float(point.damage)
                                          for point in layer.points}))
            metric = self.tr("Predictions changed")
        self.sensitivity.set_rows(rows, metric)
        self.tabs.setCurrentWidget(self.sensitivity)

    def _spec_of(self, record: JobRecord) -> str:
        return self._load_specs.pop(record.id, "")

    # --- variants --------------------------------------------------------------------------

    def _show_variant(self, variant: Variant) -> None:
        self.current = variant
        self.model_name.setText(variant.name)
        self.setWindowTitle(self._title())
        self.tree.set_result(variant.inspection)
        if variant.inspection is not None:
            self.tree.expand_to_depth(1)
        self.details.show_node(None)
        self._update_summary()
        for item in (self.bench_action, self.quality_action, self.save_action):
            item.setEnabled(True)
        self.compress.set_enabled_for_model(True)

    def _refresh_variants(self) -> None:
        selected = {v.id for v in self._selected_variants()}
        self.variants.blockSignals(True)
        self.variants.setRowCount(0)
        for row, variant in enumerate(self.workspace):
            self.variants.insertRow(row)
            latency = _latency(variant)
            quality = _quality(variant)
            cells = [
                variant.name,
                self._technique_names().get(variant.technique, variant.technique),
                format_count(variant.inspection.params_total) if variant.inspection else "…",
                format_bytes(variant.inspection.size_bytes) if variant.inspection else "…",
                f"{latency[0]:.2f} ms" if latency else "—",
                f"{100 * quality:.1f} %" if quality is not None else "—",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, variant.id)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if column == 4 and latency:
                    item.setToolTip(latency[1])  # device and batch size
                self.variants.setItem(row, column, item)
            if variant.id in selected:
                self.variants.selectRow(row)
        self.variants.blockSignals(False)
        self._update_charts()

    def _technique_names(self) -> dict[str, str]:
        return {"original": self.tr("original"), "quantize": self.tr("Quantize"),
                "prune": self.tr("Prune")}

    def _selected_variants(self) -> list[Variant]:
        ids = []
        for index in self.variants.selectionModel().selectedRows() if hasattr(self, "variants") \
                else []:
            variant_id = index.data(Qt.ItemDataRole.UserRole)
            if variant_id not in ids:
                ids.append(variant_id)
        found = []
        for variant_id in ids:
            try:
                found.append(self.workspace.get(variant_id))
            except VariantError:
                continue
        return found

    def _variant_selection_changed(self) -> None:
        selected = self._selected_variants()
        if len(selected) == 1 and selected[0] is not self.current:
            self._show_variant(selected[0])
        self._update_charts()

    def _update_charts(self) -> None:
        points = [_point(v) for v in self.workspace]
        self.tradeoffs.set_variants(points)
        chosen = self._selected_variants()
        if len(chosen) < 2:
            chosen = list(self.workspace)[:4]
        self.before_after.set_variants([_point(v) for v in chosen])

    def _variant_menu(self, position: Any) -> None:
        selected = self._selected_variants()
        if not selected:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), lambda: self.rename_variant(selected[0].id))
        menu.addAction(self.tr("Save as…"), self._save_selected)
        menu.addAction(self.tr("Compare selected"), lambda: self.tabs.setCurrentWidget(
            self.before_after))
        menu.addAction(self.tr("Delete"), lambda: self.delete_variants([v.id for v in selected]))
        menu.popup(self.variants.viewport().mapToGlobal(position))

    def rename_variant(self, variant_id: int, name: str | None = None) -> None:
        variant = self.workspace.get(variant_id)
        if name is None:
            name, accepted = QInputDialog.getText(self, self.tr("Rename variant"),
                                                  self.tr("New name:"), text=variant.name)
            if not accepted:
                return
        try:
            self.workspace.rename(variant_id, name)
        except VariantError as error:
            self.show_error(self.tr("Cannot rename"), str(error))
            return
        if variant is self.current:
            self._show_variant(variant)
        self._refresh_variants()

    def delete_variants(self, variant_ids: list[int]) -> None:
        for variant_id in variant_ids:
            removed = self.workspace.remove(variant_id)
            if removed is self.current:
                self.current = None
        remaining = list(self.workspace)
        if self.current is None:
            if remaining:
                self._show_variant(remaining[0])
            else:
                self.tree.set_result(None)
                self.show_start_page()
        self._refresh_variants()

    def _save_selected(self) -> None:
        variant = (self._selected_variants() or [self.current])[0]
        if variant is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save variant"),
                                              f"{variant.name}.pt",
                                              self.tr("PyTorch model (*.pt)"))
        if path:
            self.save_variant(variant.id, path)

    def save_variant(self, variant_id: int, path: str) -> Path | None:
        from slimbench.engine.saving import save_model

        variant = self.workspace.get(variant_id)
        try:
            if variant.technique.startswith("quantize"):
                from slimbench.engine.quantize import save_quantized

                saved = save_quantized(variant.handle, path)
            elif variant.technique.startswith("prune"):
                from slimbench.engine.prune import save_pruned

                saved = save_pruned(variant.handle, path).path
            else:
                saved = save_model(variant.handle, path)
        except Exception as error:  # SaveError, or an OS error the engine did not foresee
            self.show_error(self.tr("Cannot save"), str(error).splitlines()[0])
            return None
        variant.saved_to = saved
        return saved

    # --- details ---------------------------------------------------------------------------

    def _show_layer(self, node: Any) -> None:
        module = self.current.handle.module if self.current is not None else None
        self.details.show_node(node, module)
        if node is not None:
            self.tabs.setCurrentWidget(self.details)

    def _update_summary(self) -> None:
        if self.current is None:
            self.model_summary.setText("")
            return
        variant = self.current
        handle = variant.handle
        parts = []
        if variant.inspection is not None:
            result = variant.inspection
            parts.append(self.tr("{params} parameters").format(
                params=format_count(result.params_total)))
            parts.append(format_bytes(result.size_bytes))
            if result.flops is not None:
                parts.append(self.tr("{flops} per prediction").format(
                    flops=format_flops(result.flops)))
        else:
            params = sum(p.numel() for p in handle.module.parameters())
            parts.append(self.tr("{params} parameters").format(params=format_count(params)))
        parts.append(self.tr("source: {source}").format(source=handle.source))
        bench = variant.latest_benchmark()
        if bench is not None:
            parts.append(self.tr("{ms:.2f} ms on {device} ({dtype}, batch {batch})").format(
                ms=bench.latency_ms["median"], device=bench.device, dtype=bench.dtype,
                batch=bench.batch_size))
        if variant.accuracy is not None:
            parts.append(self.tr("{accuracy:.1f} % accurate on {data}").format(
                accuracy=100 * variant.accuracy,
                data=handle.data.name if handle.data is not None else "?"))
        self.model_summary.setText("  ·  ".join(parts))

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        self.runner.shutdown()
        self.settings.window_geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        save_settings(self.store, self.settings)
        super().closeEvent(event)


def _prune_then_recover(handle: ModelHandle, config: Any, options: dict[str, Any]) -> Any:
    """Prune, then (when asked) fine-tune the pruned copy, distilling from the original."""
    from slimbench.engine.prune import RecoveryConfig, prune_job, recover_job

    result = yield from prune_job(handle, config)
    epochs = int(options.get("recover_epochs") or 0)
    if epochs > 0 and handle.data is not None:
        teacher = handle if options.get("distill_recovery") else None
        recovered = yield from recover_job(result.handle, teacher, RecoveryConfig(epochs=epochs))
        result.handle = recovered.handle
        result.notes.append(recovered.summary() if hasattr(recovered, "summary") else
                            f"Recovered for {epochs} epochs.")
    return result


def _cpu_only() -> list[DeviceInfo]:
    from slimbench.engine.devices import cpu_device

    return [cpu_device()]


def _bench_config(selection: DeviceSelection) -> BenchConfig:
    from slimbench.engine.measure import BenchConfig

    return BenchConfig(device=selection.device, dtype=selection.dtype,
                       batch_size=selection.batch_size, compile=selection.compile,
                       threads=selection.threads)


def _quality(variant: Variant) -> float | None:
    if variant.accuracy is not None:
        return variant.accuracy
    if variant.fidelity is not None:
        return variant.fidelity.top1_agreement
    return None


def _latency(variant: Variant) -> tuple[float, str] | None:
    """The newest latency of a variant: its own benchmark, else what a compression job timed
    (for the new variant, or for its parent as "before")."""
    bench = variant.latest_benchmark()
    if bench is not None:
        return bench.latency_ms["median"], f"{bench.device}, batch {bench.batch_size}"
    for document, side in ((variant.compression, "after"), (variant.compression_before, "before")):
        metrics = (document or {}).get(side) or {}
        if metrics.get("latency_ms"):
            config = document.get("config") or {}
            device = document.get("device") or config.get("device", "?")
            batch = document.get("batch_size") or (config.get("batch_sizes") or ["?"])[0]
            where = f"{device}, batch {batch}"
            return float(metrics["latency_ms"]["median"]), where
    return None


def _point(variant: Variant) -> VariantPoint:
    from slimbench.widgets.charts import VariantPoint

    latency = _latency(variant)
    bench = variant.latest_benchmark()
    return VariantPoint(
        name=variant.name,
        latency_ms=latency[0] if latency else None,
        size_bytes=variant.inspection.size_bytes if variant.inspection else None,
        quality=_quality(variant),
        quality_label="accuracy" if variant.accuracy is not None else "agreement",
        device=bench.device if bench else "",
    )
