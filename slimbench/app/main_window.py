"""The main window: a start page with the zoo, then the workbench for the loaded model.

Long work (loading, inspecting, benchmarking, measuring quality) runs as engine jobs on the
JobRunner's worker threads; the window only reacts to their signals, so it never freezes.
Every result belongs to a variant of the model; the charts show the variants side by side.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
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
from slimbench.app.garbage_collection import collect_on_gui_thread, freeze_long_lived_objects
from slimbench.app.job_runner import CANCELLED, DONE, JobRecord, JobRunner
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
    from slimbench.app.architecture_dialog import ArchitectureDialog
    from slimbench.engine.devices import DeviceInfo
    from slimbench.engine.loading import ModelHandle
    from slimbench.engine.measure import BenchConfig
    from slimbench.engine.variants import Variant, Workspace
    from slimbench.widgets.charts import VariantPoint
    from slimbench.widgets.device_picker import DeviceSelection

START_PAGE, WORKBENCH_PAGE = 0, 1
VARIANT_COLUMNS = 6
#: Most often the chart in view is redrawn while jobs end one after another.
CHART_REDRAW_MS = 100


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
        self._pending_opens: list[tuple[str, bool, dict[str, Any]]] = []
        self.picker: Any = None
        self.current: Variant | None = None
        self.last_error: str | None = None
        # Jobs run Python on worker threads: keep garbage collection (and so the deletion of
        # Qt objects) on this thread.
        collect_on_gui_thread()
        self.runner = JobRunner(self)
        self.language = LanguageSwitcher(QApplication.instance())  # type: ignore[arg-type]
        self._devices = devices
        self._bench_variant: dict[int, int] = {}
        self._live_job: int | None = None
        self._load_specs: dict[int, str] = {}
        #: What each load job was asked (spec, trust, architecture), to ask again after a
        #: refusal; "refused" gets the Python file or module a refused load would have run.
        self._load_options: dict[int, dict[str, Any]] = {}
        self._compression_labels: dict[int, str] = {}
        # Prune jobs with recovery: what a cancel keeps (filled on the worker thread, read
        # here once the job has ended), and the jobs whose curves the Live tab may show.
        self._kept_on_cancel: dict[int, dict[str, Any]] = {}
        self._recovery_jobs: dict[int, int] = {}  # job id -> recovery epochs
        self._distill_jobs: set[int] = set()  # of those, the distillation runs
        # The newest prune sensitivity scan per variant id, with the settings it was made
        # with (automatic pruning reuses it when they match), and those of running scans.
        self._prune_scans: dict[int, tuple[tuple[Any, ...], Any]] = {}
        self._scan_settings: dict[int, tuple[Any, ...]] = {}
        # The skip patterns that ticks in the layer tree put into the compression panel.
        self._tree_skip: list[str] = []
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
        self.runner.job_finished.connect(self._release_models)  # after _job_finished

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
        freeze_long_lived_objects()
        self._apply_memory_limit(self.settings.memory_limit)
        self._start_autosave()
        self._rebuild()
        if self._devices is None:
            # The GPU scan starts a Python child that imports torch: let the first model load
            # and inspect before it competes for the processor.
            QTimer.singleShot(3000, self._scan_devices)
        pending, self._pending_opens = self._pending_opens, []
        for spec, trust, extra in pending:
            self.open_model(spec, trust, **extra)

    # --- autosave --------------------------------------------------------------------------

    def _start_autosave(self) -> None:
        """Keep the workspace in the user data folder; offer what a crash left behind."""
        from slimbench.engine.autosave import Autosave

        self.autosave = Autosave()
        self._autosave_thread: threading.Thread | None = None
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(1500)
        self._autosave_timer.timeout.connect(self._autosave_now)
        try:
            crashed = self.autosave.crashed_session()
            self.autosave.start_session()
        except OSError:
            crashed = None  # a read-only data folder: work on without autosave
        # Until the user answers, this session's autosave waits (it would list no models).
        self._restore_pending = bool(crashed)
        if crashed:
            QTimer.singleShot(0, lambda: self._offer_restore(crashed))

    def _offer_restore(self, crashed: list[Any]) -> None:
        names = "\n".join(f"• {saved.name}" for saved in crashed)
        box = QMessageBox(
            QMessageBox.Icon.Question, self.tr("Restore your last session?"),
            self.tr("Slimbench did not close properly last time. Restore the {count} models "
                    "you were working on?").replace("{count}", str(len(crashed))),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("restoreDialog")
        box.setDetailedText(names)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self.runner.submit(self.tr("Restore the last session"), "restore",
                                   self._restore_job)
            else:
                self.autosave.discard()
                self._restore_pending = False
                self._schedule_autosave()

        box.finished.connect(answered)
        box.open()

    def _restore_job(self) -> Any:
        from slimbench.engine.jobs import Progress

        yield Progress(0, 1, self.tr("Loading the models of the last session"))
        return self.autosave.restore()

    def _restored(self, restored: list[Any]) -> None:
        from slimbench.engine.inspection import inspect_job
        from slimbench.engine.measure import Fidelity

        new_ids: dict[int, int] = {}
        problems = []
        for entry in restored:
            saved, handle = entry.saved, entry.handle
            if handle is None:
                problems.append(f"{saved.name}: {entry.problem}")
                continue
            variant = self.workspace.add(handle, name=saved.name,
                                         parent=new_ids.get(saved.parent or -1),
                                         technique=saved.technique)
            new_ids[saved.id] = variant.id
            variant.accuracy = saved.accuracy
            if saved.fidelity:
                variant.fidelity = Fidelity(
                    saved.fidelity.get("top1_agreement") or float("nan"),
                    saved.fidelity.get("cosine") or float("nan"),
                    saved.fidelity.get("max_abs_error") or 0.0, 0)
            variant.notes = list(saved.notes)
            self._submit_for(variant, self.tr("Inspect {name}"), "inspect",
                             lambda handle=handle: inspect_job(handle))
            if self.current is None:
                self.current = variant
                self.pages.setCurrentIndex(WORKBENCH_PAGE)
                self._show_variant(variant)
        self._restore_pending = False
        self.autosave.discard()  # in memory now, and saved again as this session's
        self._refresh_variants()
        if problems:
            self.show_error(self.tr("Some models could not be restored"), "\n".join(problems))

    def _schedule_autosave(self) -> None:
        if getattr(self, "autosave", None) is not None and not self._restore_pending:
            self._autosave_timer.start()

    def _autosave_now(self) -> None:
        """Save the workspace on a thread of its own (a large model takes a while to write)."""
        from slimbench.engine.autosave import SavedVariant

        if self._autosave_thread is not None and self._autosave_thread.is_alive():
            self._autosave_timer.start()  # one save at a time; try again shortly
            return
        snapshot = []
        for variant in self.workspace:
            snapshot.append((SavedVariant(
                id=variant.id, name=variant.name, parent=variant.parent,
                technique=variant.technique, accuracy=variant.accuracy,
                fidelity=variant.fidelity.to_json() if variant.fidelity else None,
                notes=list(variant.notes)), variant.handle))

        def save() -> None:
            # A full or read-only disk costs the autosave only, never the work itself.
            with contextlib.suppress(OSError):
                self.autosave.save(snapshot)

        self._autosave_thread = threading.Thread(target=save, name="slimbench-autosave",
                                                 daemon=True)
        self._autosave_thread.start()

    def _import_techniques_in_background(self) -> None:
        """Import the compression engines once the first model is shown, off the GUI thread.

        The first Prune/Quantize/Distil click would otherwise import them on the GUI thread
        (about 100 ms on a 2-core machine, PySide's import hook reading each module's source).
        """
        if getattr(self, "_techniques_imported", False):
            return
        self._techniques_imported = True

        def import_all() -> None:
            import contextlib
            import importlib

            # Also the machinery torch.compile and the techniques import on first use: their
            # ~300k objects are then frozen with the rest, so no full garbage collection
            # scans them while a job runs (200 ms of the GUI thread otherwise).
            for name in ("slimbench.engine.prune", "slimbench.engine.quantize",
                         "slimbench.engine.distill", "slimbench.engine.recipes",
                         "torch._dynamo", "torch._inductor.compile_fx", "torchao.quantization",
                         "torch_pruning", "torch.export"):
                # A failure here is reported properly by the click that needs the module.
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
            freeze_long_lived_objects(again=True)

        threading.Thread(target=import_all, name="slimbench-imports", daemon=True).start()

    # --- building (and rebuilding after a language or theme change) -----------------------

    def _build_ui(self) -> None:
        ticked = self.tree.ticked_paths() if hasattr(self, "tree") else []
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
            self.tree.set_ticked_paths(ticked)  # the rebuilt tree keeps the user's ticks
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
        self.tree.skip_layers_changed.connect(self._skip_layers_ticked)
        self.details = LayerDetails()
        self.live = LiveCurve()
        self._live_tip = self.live.toolTip()
        # Recovery fine-tuning: loss per step above, accuracy per epoch (in %) below.
        self.live_accuracy = LiveCurve()
        self.live_accuracy.setObjectName("liveAccuracy")
        self.live_accuracy.setToolTip(self.tr(
            "Accuracy after each epoch of recovery fine-tuning: on the validation slice held "
            "out of the training data (it picks the best epoch, the one kept) and on the test "
            "data. Epoch 0 is the pruned model before fine-tuning."))
        self.live_accuracy.setVisible(False)
        self.live_page = QSplitter(Qt.Orientation.Vertical)
        self.live_page.setObjectName("livePage")
        self.live_page.setChildrenCollapsible(False)
        self.live_page.addWidget(self.live)
        self.live_page.addWidget(self.live_accuracy)
        self.before_after = BeforeAfterChart()
        self.tradeoffs = TradeoffScatter()
        self.compress = CompressionPanel()
        self.compress.set_enabled_for_model(self.current is not None)
        self.compress.run_requested.connect(self.run_compression)
        self.compress.options_changed.connect(self._distill_options_changed)
        self.compress.sensitivity_requested.connect(self.run_sensitivity)
        self.sensitivity = SensitivityChart()
        from slimbench.app.comparison_page import ComparisonPage
        from slimbench.app.recipe_workflow import RecipeWorkflow
        from slimbench.widgets.pipeline_editor import PipelineEditor

        if not hasattr(self, "recipes"):
            self.recipes = RecipeWorkflow(self)
        self.recipe_editor = PipelineEditor()
        self.recipe_editor.run_requested.connect(self.recipes.run_recipe)
        self.recipe_editor.cancel_requested.connect(self.recipes.cancel_recipe)
        self.comparison_page = ComparisonPage()
        self.comparison_page.compare_requested.connect(self.recipes.compare)
        self.comparison_page.export_requested.connect(lambda: self.recipes.export_report())
        self.comparison_page.diff_requested.connect(self.recipes.diff)
        if self.recipes.comparison is not None:
            self.comparison_page.set_comparison(self.recipes.comparison)
        self._offer_devices()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.compress, self.tr("Compress"))
        self.tabs.addTab(self.details, self.tr("Layer"))
        self.tabs.addTab(self.live_page, self.tr("Live"))
        self.tabs.addTab(self.before_after, self.tr("Before / after"))
        self.tabs.addTab(self.tradeoffs, self.tr("Trade-offs"))
        self.tabs.addTab(self.sensitivity, self.tr("Sensitivity"))
        self.tabs.addTab(self.recipe_editor, self.tr("Recipe"))
        self.tabs.addTab(self.comparison_page, self.tr("Compare"))
        self._stale_charts: set[QWidget] = set()
        # A chart draw takes 25-50 ms of the GUI thread: jobs ending in a burst redraw the
        # chart in view at most once per CHART_REDRAW_MS, and every draw (a tab switch's too)
        # runs in an event of its own, never inside the slot of the job that ended.
        self._chart_timer = QTimer(self.tabs)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.timeout.connect(self._draw_visible_chart)
        self.tabs.currentChanged.connect(lambda _index: self._chart_timer.start(0))
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
        self.main_splitter = splitter
        self._narrow_tree_sizes: list[int] | None = None
        self.tabs.currentChanged.connect(lambda _index: self._fit_wide_tab())
        workbench = QWidget()
        layout = QVBoxLayout(workbench)
        layout.addWidget(self.model_name)
        layout.addWidget(self.model_summary)
        layout.addWidget(splitter, 1)

        self.picker = DevicePicker(self._devices or _cpu_only())
        self.picker.setToolTip(self.tr("Where and how the model runs when you benchmark it."))
        self.picker.set_selection(DeviceSelection(device=self.settings.default_device))
        self.picker.selection_changed.connect(self._device_chosen)
        self._offer_schemes()
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
        run_menu.addSeparator()
        self.memory_limit_action = action(
            self.tr("Memory limit per job…"), self.ask_memory_limit,
            tip=self.tr("A job that needs more memory than this is stopped cleanly instead of "
                        "running the computer out of memory."))
        run_menu.addAction(self.memory_limit_action)
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

    # --- memory limit ---------------------------------------------------------------------

    def ask_memory_limit(self) -> QInputDialog:
        """Ask how much memory one job may add (empty: the default share of what is free)."""
        from slimbench.engine.memory import DEFAULT_AVAILABLE_SHARE, available_memory

        free = available_memory()
        dialog = QInputDialog(self)
        dialog.setObjectName("memoryLimitDialog")
        dialog.setWindowTitle(self.tr("Memory limit per job"))
        dialog.setLabelText(
            self.tr("Stop a job cleanly once it has used this much memory, e.g. 2G or 512M.\n"
                    "Leave it empty for {share:.0%} of the memory free when the job starts "
                    "(now {free}).").format(
                share=DEFAULT_AVAILABLE_SHARE,
                free=format_bytes(int(free * DEFAULT_AVAILABLE_SHARE)) if free else "?"))
        dialog.setTextValue(self.settings.memory_limit)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.set_memory_limit)
        dialog.open()
        return dialog

    def set_memory_limit(self, text: str) -> bool:
        """Use ``text`` as the memory limit of every later job; False (and a dialog) when it
        is not a size."""
        try:
            self._apply_memory_limit(text)
        except SlimbenchError as error:
            self.show_error(self.tr("Memory limit not changed"), str(error))
            return False
        self.settings.memory_limit = text.strip()
        save_settings(self.store, self.settings)
        return True

    def _apply_memory_limit(self, text: str) -> None:
        from slimbench.engine.memory import set_memory_limit

        set_memory_limit(text.strip() or None)

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
        self._offer_schemes()
        if selection.device != self.settings.default_device:
            self.settings.default_device = selection.device
            save_settings(self.store, self.settings)

    def _offer_schemes(self) -> None:
        """Grey out the quantization schemes that cannot run on the device picked (ONNX
        Runtime's, where it is missing or has no provider for the device), with the reason."""
        from slimbench.widgets.compression_panel import ORT_SCHEMES

        if self.picker is None or not hasattr(self, "compress"):
            return
        from slimbench.engine.runtimes import scheme_unavailable

        device = self.picker.selection().device or "cpu"
        self.compress.set_schemes_unavailable(
            {scheme: scheme_unavailable(scheme, device) for scheme in ORT_SCHEMES})

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
            self.tr("Models (*.pt *.pth *.pt2 *.safetensors *.ts *.bin *.onnx);;"
                    "All files (*)"),
        )
        if path:
            self.open_model(path)

    def open_model(self, spec: str, trust_pickle: bool = False, *, arch: str | None = None,
                   arch_args: dict[str, Any] | None = None,
                   trust_code: bool = False) -> JobRecord | None:
        """Load ``spec`` on a worker; the workbench shows it when it arrives.

        ``arch`` and ``arch_args`` name the architecture of a file holding only weights (the
        user's choice); ``trust_code`` lets the file's own Python architecture be imported,
        which the window asks about first. Before the engine is imported the request waits
        (and None is returned)."""
        extra: dict[str, Any] = {"arch": arch, "arch_args": arch_args, "trust_code": trust_code}
        if not self.engine_ready:
            self._pending_opens.append((spec, trust_pickle, extra))
            return None
        from slimbench.engine.loading import load_job

        refused: dict[str, str] = {}

        def load() -> Any:
            from slimbench.engine.errors import UntrustedCodeError

            try:
                return (yield from load_job(spec, trust_pickle=trust_pickle, **extra))
            except UntrustedCodeError as error:
                refused["code"] = error.code  # the record keeps only the error's name
                raise

        record = self.runner.submit(
            self.tr("Open {spec}").format(spec=Path(spec).name if not spec.startswith("zoo:")
                                          else spec),
            "load",
            load,
        )
        self._load_specs[record.id] = spec
        self._load_options[record.id] = {"spec": spec, "trust_pickle": trust_pickle, **extra,
                                         "refused": refused}
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

    def ask_architecture(self, options: dict[str, Any]) -> ArchitectureDialog:
        """Ask which architecture the weights in ``options["spec"]`` belong to, then load them
        into it (after a question naming the Python file, when it is one)."""
        from slimbench.app.architecture_dialog import ArchitectureDialog
        from slimbench.engine import zoo

        dialog = ArchitectureDialog(Path(options["spec"]).name,
                                    [(name, entry.task) for name, entry in zoo.ZOO.items()], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen() -> None:
            opened = dict(options, arch=dialog.architecture(), arch_args=dialog.arch_args())
            code = dialog.code_file()
            if code is None:
                self._open_again(opened)
            else:
                self._confirm_code(opened, code)

        dialog.accepted.connect(chosen)
        dialog.open()
        return dialog

    def _confirm_code(self, options: dict[str, Any], code: str) -> QMessageBox:
        """Before importing an architecture's Python code: name the file, default to No."""
        name = Path(options["spec"]).name
        if code.endswith(".py"):
            text = self.tr("Loading {file} runs the Python code in {code}, which can do anything "
                           "on your computer. Load it only if you trust that code.")
        else:
            text = self.tr("Loading {file} imports the Python module {code}, which can do "
                           "anything on your computer. Load it only if you trust that code.")
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Run the Python code of this model?"),
            text.format(file=name, code=Path(code).name if code.endswith(".py") else code),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self,
        )
        box.setObjectName("codeTrustDialog")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setInformativeText(code)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self._open_again(options)

        box.finished.connect(answered)
        box.open()
        return box

    def _open_again(self, options: dict[str, Any]) -> None:
        self.open_model(options["spec"], options["trust_pickle"], arch=options["arch"],
                        arch_args=options["arch_args"], trust_code=options["trust_code"])

    def _ask_after_refused_load(self, record: JobRecord) -> None:
        """A load that needs the user: an architecture to name, or Python code to trust."""
        options = self._load_options.pop(record.id, None)
        self._load_specs.pop(record.id, None)
        code = options["refused"].get("code") if options is not None else None
        if options is not None and record.error_type == "UntrustedCodeError" and code:
            self._confirm_code(dict(options, trust_code=True), code)
        elif options is not None and record.error_type == "ArchitectureNeededError":
            self.ask_architecture(options)
        elif record.error:
            self.show_error(self.tr("{title} failed").format(title=record.title), record.error)

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
        from slimbench.widgets.device_picker import runtime_label

        runtime = config.runtime or ("compiled" if config.compile else "eager")
        record = self._submit_for(
            variant, self.tr("Benchmark {name} on {device}, {runtime}").replace(
                "{device}", config.device).replace("{runtime}", runtime_label(runtime)),
            "benchmark", lambda: bench_job(handle, config),
        )
        self._live_job = record.id
        self.live.start(self.tr("Latency of each run — {name}").format(name=variant.name),
                        self.tr("Latency"), "ms")
        self.live.setToolTip(self._live_tip)
        self.live_accuracy.setVisible(False)
        self.tabs.setCurrentWidget(self.live_page)
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
        selection = self.picker.selection() if self.picker is not None else None
        device = selection.device if selection is not None else "cpu"
        # Before and after are measured on the runtime picked beside the device (the engine
        # falls back, with a note, where the result cannot run there).
        runtime = selection.runtime if selection is not None else None
        if technique == "quantize":
            from slimbench.engine.quantize import QuantizeConfig, quantize_job

            # The panel's Compile box decides torch.compile for a quantization; the picker's
            # default (eager) must not override it and send int8 to the slow legacy kernels.
            # Compiled and ONNX Runtime in the picker are explicit choices and win.
            config = QuantizeConfig(
                options["scheme"], device=device, compile=bool(options["compile"]),
                skip=tuple(options["skip"]), calibration_batches=options["calibration_batches"],
                auto_skip=options["auto_skip"] or None,
                runtime=None if runtime == "eager" else runtime,
            )
            label = options["scheme"]
            factory = lambda: quantize_job(handle, config)
        elif technique == "prune":
            prune_config = _prune_config(options, device, runtime)
            scan = None
            if options.get("mode") == "auto":
                label = (f"{options['method']} auto {options['auto_target']} "
                         f"{round(100 * options['target_fraction'])} %")
                saved = self._prune_scans.get(variant.id)
                if saved is not None and saved[0] == _scan_settings(prune_config):
                    scan = saved[1]  # the Sensitivity tab's scan, made with these settings
            else:
                label = f"{options['method']} {round(100 * options['amount'])} %"
            kept: dict[str, Any] = {}
            factory = lambda: _prune_then_recover(handle, prune_config, options, kept, scan)
        elif technique == "distill":
            from slimbench.engine.distill import DistillConfig

            nproc = int(options.get("nproc") or 1)
            # Several processes take a GPU each; one process takes the GPU picked.
            distill_device = "cuda" if nproc > 1 and device.startswith("cuda") else device
            distill_config = DistillConfig(
                student=str(options["student"]), epochs=int(options["epochs"]),
                temperature=float(options["temperature"]), alpha=float(options["alpha"]),
                nproc=nproc, device=distill_device, nnodes=int(options.get("nnodes") or 1),
                rdzv_endpoint=options.get("rdzv_endpoint") or None, background=True,
                runtime=runtime,
            )
            label = str(options["student"])
            kept = {}
            factory = lambda: _distill(handle, distill_config, kept)
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
        if technique == "distill":
            self._kept_on_cancel[record.id] = kept
            self._recovery_jobs[record.id] = int(options["epochs"])
            self._distill_jobs.add(record.id)
        if technique == "prune":
            self._kept_on_cancel[record.id] = kept
            if int(options.get("recover_epochs") or 0) > 0 and handle.data is not None:
                self._recovery_jobs[record.id] = int(options["recover_epochs"])
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

            device = self.picker.selection().device if self.picker is not None else "cpu"
            config = _prune_config(options, device)
            factory = lambda: prune_sensitivity(
                handle, ratios=(0.25, 0.5, 0.75), method=config.method, config=config)
        record = self._submit_for(variant, self.tr("Sensitivity of {name}"), "sensitivity",
                                  factory)
        if technique != "quantize":
            self._scan_settings[record.id] = _scan_settings(config)
        return record

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
        elif record.id in self._recovery_jobs:
            self._recovery_progress(record, progress.step, progress.metrics)

    def _recovery_progress(self, record: JobRecord, step: int, metrics: dict[str, Any]) -> None:
        """Recovery fine-tuning's loss per step and accuracy per epoch, on the Live tab."""
        if "loss" not in metrics and "val_accuracy" not in metrics:
            return  # still pruning (or measuring)
        if record.id != self._live_job:
            holder = self.runner.job(self._live_job) if self._live_job is not None else None
            if holder is not None and not holder.is_finished:
                return  # a benchmark asked for the chart after this job started
            self._live_job = record.id
            try:
                name = self.workspace.get(self._bench_variant[record.id]).name
            except (KeyError, VariantError):
                name = record.title
            if record.id in self._distill_jobs:
                title = self.tr("Distillation — {name}").format(name=name)
                self.live.setToolTip(self.tr(
                    "The training loss of each step of distillation: it falls as the student "
                    "learns to answer like the teacher."))
            else:
                title = self.tr("Recovery fine-tuning — {name}").format(name=name)
                self.live.setToolTip(self.tr(
                    "The training loss of each step of recovery fine-tuning: it falls as the "
                    "pruned model learns back what it lost."))
            self.live.start(title, self.tr("Training loss"), "", x_label=self.tr("Step"),
                            show_stats=False)
            self.live_accuracy.start(self.tr("Accuracy after each epoch"),
                                     self.tr("Accuracy"), "%", x_label=self.tr("Epoch"),
                                     show_stats=False)
            every = max(1, -(-self._recovery_jobs[record.id] // 10))  # whole epochs only
            self.live_accuracy.plot.getAxis("bottom").setTickSpacing(every, every)
            self.live_accuracy.setVisible(True)
            self.tabs.setCurrentWidget(self.live_page)
        if metrics.get("loss") is not None:
            self.live.append(float(metrics["loss"]), float(step), self.tr("training loss"))
        if "val_accuracy" in metrics:
            epoch = float(metrics.get("epoch") or 0)
            for key, series in (("val_accuracy", self.tr("validation")),
                                ("test_accuracy", self.tr("test"))):
                if metrics.get(key) is not None:
                    self.live_accuracy.append(100.0 * float(metrics[key]), epoch, series)

    def _job_finished(self, record: JobRecord) -> None:
        from slimbench.engine.inspection import InspectResult
        from slimbench.engine.measure import BenchResult, QualityResult

        self.jobs.update_job(record)
        variant_id = self._bench_variant.pop(record.id, None)
        if record.id == self._live_job:
            self.live.finish()
            self.live_accuracy.finish()
            self._live_job = None
        self._recovery_jobs.pop(record.id, None)
        self._distill_jobs.discard(record.id)
        kept = self._kept_on_cancel.pop(record.id, None)
        settings = self._scan_settings.pop(record.id, None)
        if record.state == CANCELLED and kept and "result" in kept:
            self.compress.set_busy(False)
            self._keep_best_of_cancelled(record, variant_id, kept)
            return
        if record.state == CANCELLED and kept and "best_file" in kept:
            self.compress.set_busy(False)
            self._keep_best_student(record, variant_id, kept)
            return
        from slimbench.app.recipe_workflow import KINDS as RECIPE_KINDS

        if record.kind in RECIPE_KINDS:
            self.recipes.finished(record, variant_id)  # done, failed or cancelled
            return
        if record.state != DONE:
            if record.kind in COMPRESSION_KINDS:
                self.compress.set_busy(False)
            if record.kind == "restore":
                self._restore_pending = False  # the error says why; autosave goes on
            if record.error_type == "UntrustedPickleError" and record.kind == "load":
                self._confirm_trust(self._spec_of(record))
            elif record.kind == "load" and record.error_type in (
                    "UntrustedCodeError", "ArchitectureNeededError"):
                self._ask_after_refused_load(record)
            elif record.error:
                self.show_error(self.tr("{title} failed").format(title=record.title),
                                record.error)
            return
        if record.kind in COMPRESSION_KINDS:
            self.compress.set_busy(False)
        if record.kind == "load":
            self._loaded(record, self._spec_of(record))
            return
        if record.kind == "restore":
            self._restored(record.result)
            return
        if record.kind == "devices":
            self._devices = record.result
            selection = self.picker.selection()
            self.picker.set_devices(record.result)
            self._offer_devices()
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
        if record.kind in COMPRESSION_KINDS:
            self._compressed(variant, record)
            return
        if record.kind == "sensitivity":
            if settings is not None:
                self._prune_scans[variant.id] = (settings, record.result)
            self._show_sensitivity(record.result)
            return
        if isinstance(record.result, InspectResult):
            variant.inspection = record.result
            if variant is self.current:
                self.tree.set_result(record.result, self._parent_inspection(variant),
                                     keep_ticks=True)
                self.tree.expand_to_depth(1)
                self._import_techniques_in_background()
                self.model_ready.emit(variant.name)
            elif self.current is not None and self.current.parent == variant.id:
                self.tree.set_comparison(self._parent_inspection(self.current))
        elif isinstance(record.result, BenchResult):
            variant.record_benchmark(record.result)
        elif isinstance(record.result, QualityResult):
            variant.accuracy = record.result.accuracy
            variant.fidelity = record.result.fidelity if variant.parent is not None else None
        self._refresh_variants()
        if variant is self.current:
            self._update_summary()

    def _release_models(self, record: JobRecord) -> None:
        """Drop a finished job's model once ``_job_finished`` has handed it to the workspace.

        The runner and the job list keep every record for the job history; a record still
        holding its result would keep the model (and its copies) alive after the user deleted
        the variant made from it.
        """
        if record.kind in MODEL_RESULT_KINDS:
            record.result = None

    def _keep_best_of_cancelled(self, record: JobRecord, variant_id: int | None,
                                kept: dict[str, Any]) -> None:
        """A prune job cancelled during recovery: keep the best model so far as a variant."""
        try:
            parent = self.workspace.get(variant_id) if variant_id is not None else None
        except VariantError:
            parent = None
        if parent is None:
            return
        result = copy.copy(kept["result"])
        result.handle = kept.get("handle") or result.handle
        epoch = int(kept.get("epoch") or 0)
        if epoch > 0:
            note = self.tr("Recovery was cancelled: kept the best model so far, from epoch "
                           "{epoch} (chosen by validation accuracy).").format(epoch=epoch)
        else:
            note = self.tr("Recovery was cancelled before an epoch improved the model: kept "
                           "the pruned model without fine-tuning.")
        result.notes = [*result.notes, note]
        self._compressed(parent, record, result)

    def _keep_best_student(self, record: JobRecord, variant_id: int | None,
                           kept: dict[str, Any]) -> None:
        """A distillation cancelled after an epoch: load its best student as a variant (on a
        worker: the file is read there)."""
        try:
            parent = self.workspace.get(variant_id) if variant_id is not None else None
        except VariantError:
            return
        if parent is None:
            return
        note = self.tr("Distillation was cancelled: kept the best student so far, from epoch "
                       "{epoch} (chosen by validation score).").format(epoch=kept.get("epoch"))
        label = self._compression_labels.get(record.id, "distill")
        teacher = parent.handle
        new = self._submit_for(parent, self.tr("Keep the best student of {name}"), "distill",
                               lambda: _kept_student(teacher, kept, note))
        self._compression_labels[new.id] = label

    def _distill_options_changed(self, technique: str, options: dict[str, Any]) -> None:
        """Show the command each other machine runs when distillation spans several."""
        if technique != "distill" or int(options.get("nnodes") or 1) < 2 or self.current is None:
            return
        from slimbench.engine.distill import DistillConfig, other_node_commands

        device = self.picker.selection().device if self.picker is not None else "cpu"
        config = DistillConfig(
            student=str(options.get("student") or "width:0.5"), epochs=int(options["epochs"]),
            temperature=float(options["temperature"]), alpha=float(options["alpha"]),
            nproc=int(options["nproc"]), nnodes=int(options["nnodes"]),
            rdzv_endpoint=options.get("rdzv_endpoint") or "HOST:PORT",
            device="cuda" if device.startswith("cuda") else device,
        )
        self.compress.set_other_machine_commands(
            other_node_commands(self.current.handle.location, config, None))

    def _offer_students(self, variant: Variant) -> None:
        """Fill the distillation form's students for ``variant``, or say why there are none."""
        handle = variant.handle
        self.compress.set_student_choices(student_choices(handle))
        if handle.data is None:
            self.compress.set_technique_available("distill", False, self.tr(
                "Distillation trains on the model's own data, and this model brings none; "
                "use `slimbench distill --data FILE` for your own data."))
        elif not self.compress.student_choices():
            self.compress.set_technique_available("distill", False, self.tr(
                "No student can be made for this model: its architecture is not recorded."))
        else:
            self.compress.set_technique_available("distill", True)

    def _compressed(self, parent: Variant, record: JobRecord, result: Any = None) -> None:
        from slimbench.engine.inspection import inspect_job

        result = record.result if result is None else result
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
        auto = getattr(result, "auto", None)
        scan = getattr(result, "sensitivity", None)
        if auto and scan is not None:
            self._prune_scans[parent.id] = (_scan_settings(result.config), scan)
            self._show_sensitivity(scan, auto.get("layer_ratios") or {})
        self.tabs.setCurrentWidget(self.before_after)
        self.statusBar().showMessage(" ".join(variant.notes[-1:]), 15000)

    def _show_sensitivity(self, result: Any, chosen: dict[str, float] | None = None) -> None:
        """Chart a scan; ``chosen`` (automatic pruning's per-layer ratios) is written beside
        each layer's name."""
        rows = []
        if hasattr(result, "scheme"):
            for layer in result.layers:
                rows.append((layer.path, {result.scheme: float(layer.fidelity_drop)}))
            metric = self.tr("Fidelity lost (1 − cosine)")
        else:
            for layer in result.layers:
                name = layer.path
                if chosen is not None:
                    ratio = chosen.get(layer.path)
                    name = self.tr("{layer} → {percent} %").format(
                        layer=layer.path, percent=round(100 * ratio)) if ratio else \
                        self.tr("{layer} → kept").format(layer=layer.path)
                rows.append((name, {f"{round(100 * point.ratio)} %": float(point.damage)
                                    for point in layer.points}))
            metric = self.tr("Predictions changed")
            if chosen is not None:
                metric = self.tr("Predictions changed (→ share removed)")
        self.sensitivity.set_rows(rows, metric)
        self.tabs.setCurrentWidget(self.sensitivity)

    def _spec_of(self, record: JobRecord) -> str:
        self._load_options.pop(record.id, None)
        return self._load_specs.pop(record.id, "")

    # --- variants --------------------------------------------------------------------------

    def _show_variant(self, variant: Variant) -> None:
        previous, self.current = self.current, variant
        self.model_name.setText(variant.name)
        self.setWindowTitle(self._title())
        # Ticks stay while the user moves between variants of one model (a pruned child has
        # the same layers); a model opened anew starts with none.
        same_model = previous is not None and self._root_id(previous) == self._root_id(variant)
        self.tree.set_result(variant.inspection, self._parent_inspection(variant),
                             keep_ticks=same_model)
        self._offer_students(variant)
        from slimbench.app.recipe_workflow import model_spec

        self.recipe_editor.set_model(model_spec(variant))
        if variant.inspection is not None:
            self.tree.expand_to_depth(1)
        self.details.show_node(None)
        self._update_summary()
        for item in (self.bench_action, self.quality_action, self.save_action):
            item.setEnabled(True)
        self.compress.set_enabled_for_model(True)

    def _fit_wide_tab(self) -> None:
        """The Recipe and Compare tabs hold wide tables and forms: while one is shown the tabs
        take two thirds of the width (the user's split comes back on the other tabs)."""
        wide = self.tabs.currentWidget() in (self.recipe_editor, self.comparison_page)
        sizes = self.main_splitter.sizes()
        total = sum(sizes)
        if wide and self._narrow_tree_sizes is None and total > 0:
            self._narrow_tree_sizes = sizes
            self.main_splitter.setSizes([total // 3, total - total // 3])
        elif not wide and self._narrow_tree_sizes is not None:
            self.main_splitter.setSizes(self._narrow_tree_sizes)
            self._narrow_tree_sizes = None

    def _offer_devices(self) -> None:
        names = [info.name for info in (self._devices or [])] or ["cpu"]
        self.recipe_editor.set_devices(names)
        self.comparison_page.set_devices(names)

    def _parent_inspection(self, variant: Variant) -> Any:
        """The inspection of the variant ``variant`` was made from (the tree's "before")."""
        from slimbench.engine.runtimes import runtime_of

        # An ONNX model's layers live inside its graph: matched by path against the parent,
        # every one of them would show as removed.
        if variant.parent is None or runtime_of(variant.handle.module) is not None:
            return None
        try:
            return self.workspace.get(variant.parent).inspection
        except VariantError:
            return None

    def _root_id(self, variant: Variant) -> int:
        """The id of the model ``variant`` descends from (the one that was opened)."""
        seen = {variant.id}
        while variant.parent is not None:
            try:
                variant = self.workspace.get(variant.parent)
            except VariantError:
                break
            if variant.id in seen:
                break
            seen.add(variant.id)
        return variant.id

    def _skip_layers_ticked(self, paths: list[str]) -> None:
        """Put the layers ticked in the tree into the quantize and prune skip fields, beside
        what was typed there by hand. One way only: typing in a field ticks nothing."""
        from slimbench.widgets.layer_tree import skip_patterns

        patterns = skip_patterns(paths)
        for technique in ("quantize", "prune"):
            typed = [p for p in self.compress.options(technique)["skip"]
                     if p not in self._tree_skip]
            self.compress.set_skip_layers(typed + [p for p in patterns if p not in typed],
                                          technique)
        self._tree_skip = patterns

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
        self.comparison_page.set_variants([(v.id, v.name) for v in self.workspace])
        self._schedule_autosave()
        self._update_charts()

    def _technique_names(self) -> dict[str, str]:
        return {"original": self.tr("original"), "quantize": self.tr("Quantize"),
                "prune": self.tr("Prune"), "distill": self.tr("Distil")}

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
        """Redraw the chart in view shortly; one in a hidden tab redraws when its tab is shown
        (drawing both took 50-100 ms of the GUI thread after every job)."""
        self._stale_charts = {self.tradeoffs, self.before_after}
        if not self._chart_timer.isActive():
            self._chart_timer.start(CHART_REDRAW_MS)

    def _draw_visible_chart(self) -> None:
        shown = self.tabs.currentWidget()
        if shown not in self._stale_charts:
            return
        self._stale_charts.discard(shown)
        if shown is self.tradeoffs:
            chart, chosen = self.tradeoffs, list(self.workspace)
        else:
            chart, chosen = self.before_after, self._selected_variants()
            if len(chosen) < 2:
                chosen = list(self.workspace)[:4]
        points = [_point(v) for v in chosen]
        if points != chart.variants():  # most jobs change no variant the chart shows
            chart.set_variants(points)

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
            self._prune_scans.pop(variant_id, None)
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
        # Once the deleted models are freed (the next pass of the event loop), give their
        # memory back to the system instead of keeping the process at its peak size.
        QTimer.singleShot(200, self._release_freed_memory)

    def _release_freed_memory(self) -> None:
        from slimbench.engine.memory import release_freed_memory

        release_freed_memory()

    def _save_selected(self) -> None:
        variant = (self._selected_variants() or [self.current])[0]
        if variant is None:
            return
        suffix = _save_suffix(variant)
        filters = {".onnx": self.tr("ONNX model (*.onnx)"),
                   ".pt2": self.tr("PyTorch exported program (*.pt2)")}
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save variant"),
                                              f"{variant.name}{suffix}",
                                              filters.get(suffix, self.tr("PyTorch model (*.pt)")))
        if path:
            if not Path(path).suffix:  # a name typed without one gets the format's own
                path += suffix
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
            from slimbench.widgets.device_picker import runtime_label

            parts.append(self.tr("{ms:.2f} ms on {device} ({runtime}, {dtype}, batch {batch})")
                         .format(ms=bench.latency_ms["median"], device=bench.device,
                                 runtime=runtime_label(bench.runtime), dtype=bench.dtype,
                                 batch=bench.batch_size))
        measured_on = _measured_runtime(variant)
        if measured_on is not None:
            from slimbench.widgets.device_picker import runtime_label

            parts.append(self.tr("before/after measured on {runtime}").format(
                runtime=runtime_label(measured_on)))
        if variant.accuracy is not None:
            parts.append(self.tr("{accuracy:.1f} % accurate on {data}").format(
                accuracy=100 * variant.accuracy,
                data=handle.data.name if handle.data is not None else "?"))
        self.model_summary.setText("  ·  ".join(parts))

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        self.runner.shutdown()
        if getattr(self, "autosave", None) is not None:
            # A clean exit: nothing to offer next time.
            self._autosave_timer.stop()
            if self._autosave_thread is not None:
                self._autosave_thread.join(timeout=30)
            self.autosave.end_session()
        self.settings.window_geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        save_settings(self.store, self.settings)
        super().closeEvent(event)


def _prune_config(options: dict[str, Any], device: str, runtime: str | None = None) -> Any:
    """The engine's PruneConfig from the compression panel's prune options, measured on
    ``runtime`` (the picker's)."""
    from slimbench.engine.prune import PruneConfig

    return PruneConfig(
        method=options["method"], amount=options["amount"],
        importance=options["importance"], global_pruning=options["global_pruning"],
        round_to=options["round_to"], iterative_steps=options["iterative_steps"],
        skip=tuple(options["skip"]), device=device, runtime=runtime,
    )


def _timed_on(device: str, runtime: str, batch: Any) -> str:
    """Where a latency was timed, as the variants table's tooltip says it."""
    from slimbench.widgets.device_picker import runtime_label

    #: Where a variant's latency was timed: device, runtime and batch size.
    return QCoreApplication.translate("MainWindow", "{device}, {runtime}, batch {batch}").format(
        device=device, runtime=runtime_label(runtime), batch=batch)


def _scan_settings(config: Any) -> tuple[Any, ...]:
    """What a prune sensitivity scan depends on: a scan is reused only when these match."""
    return (config.method, config.importance, tuple(config.skip), config.round_to,
            config.device, config.dtype)


def _distill(handle: ModelHandle, config: Any, kept: dict[str, Any]) -> Any:
    """The distillation job, noting in ``kept`` the best student on disk so a cancel keeps it.

    The training itself runs in child processes (never a fork of this Qt process); this
    generator only follows their progress on a worker thread.
    """
    from slimbench.engine.distill import distill_job

    def improved(best_file: Path, metrics: dict[str, Any]) -> None:
        kept.update(best_file=best_file, epoch=metrics.get("epoch"))

    return (yield from distill_job(handle, config, on_improved=improved))


def _kept_student(teacher: ModelHandle, kept: dict[str, Any], note: str) -> Any:
    """Load the best student a cancelled distillation left on disk, as a DistillResult."""
    import dataclasses

    from slimbench.engine.distill import DistillResult
    from slimbench.engine.jobs import Progress
    from slimbench.engine.loading import load_model
    from slimbench.engine.prune.metrics import static_metrics

    yield Progress(0, 1, "Loading the best student")
    student = load_model(kept["best_file"], trust_code=True)  # the distillation just wrote it
    student = dataclasses.replace(student, name=f"{teacher.name}-distilled",
                                  example_inputs=teacher.example_inputs,
                                  data=teacher.data or student.data)
    before, after = static_metrics(teacher.module), static_metrics(student.module)
    return DistillResult(
        handle=student, output=None, before=before, after=after, history=[],
        best_epoch=int(kept.get("epoch") or 0),
        params_ratio=after["params_total"] / max(1, before["params_total"]),
        train_seconds=0.0, world_size=1, command=[], notes=[note],
    )


def student_choices(handle: ModelHandle) -> list[tuple[str, str]]:
    """The students the GUI offers for ``handle``: narrower and pruned copies of its own
    architecture (where it is recorded), and zoo models built for the same data."""
    from slimbench.engine import zoo

    choices: list[tuple[str, str]] = []
    if handle.arch and not handle.arch.startswith("huggingface:"):
        choices += [
            ("width:0.5", QCoreApplication.translate(
                "MainWindow", "Half as wide, trained from scratch")),
            ("pruned:0.5", QCoreApplication.translate(
                "MainWindow", "Pruned by half, then distilled")),
            ("width:0.25", QCoreApplication.translate(
                "MainWindow", "A quarter as wide, trained from scratch")),
        ]
    if handle.data is not None:
        own = handle.arch.removeprefix("zoo:") if handle.arch else None
        for name, entry in zoo.ZOO.items():
            if entry.dataset == handle.data.name and name != own:
                choices.append((f"zoo:{name}", QCoreApplication.translate(
                    "MainWindow", "Built-in {name}").format(name=name)))
    return choices


def _prune_then_recover(handle: ModelHandle, config: Any, options: dict[str, Any],
                        kept: dict[str, Any] | None = None, scan: Any = None) -> Any:
    """Prune (a fixed amount, or automatically to a target), then, when asked, fine-tune the
    pruned copy, distilling from the original.

    ``kept`` is filled for a cancel during recovery: ``result`` (the pruned result), and
    ``handle``/``epoch`` of the best model so far whenever recovery improves on it.
    """
    from slimbench.engine.prune import RecoveryConfig, auto_prune_job, prune_job, recover_job

    if options.get("mode") == "auto":
        result = yield from auto_prune_job(handle, float(options["target_fraction"]),
                                           options["auto_target"], config=config,
                                           sensitivity=scan)
    else:
        result = yield from prune_job(handle, config)
    epochs = int(options.get("recover_epochs") or 0)
    if epochs > 0 and handle.data is not None:
        teacher = handle if options.get("distill_recovery") else None

        def improved(best: ModelHandle, metrics: dict[str, Any]) -> None:
            if kept is not None:
                kept.update(handle=best, epoch=metrics.get("epoch"))

        if kept is not None:
            kept.update(result=result, handle=result.handle, epoch=0)  # epoch 0: as pruned
        recovered = yield from recover_job(result.handle, teacher, RecoveryConfig(epochs=epochs),
                                           on_improved=improved)
        result.handle = recovered.handle
        result.notes.extend(recovered.notes)
    return result


COMPRESSION_KINDS = ("quantize", "prune", "distill")
#: Job kinds whose result holds models (the workspace takes them when the job ends).
MODEL_RESULT_KINDS = ("load", "restore", *COMPRESSION_KINDS)


def _cpu_only() -> list[DeviceInfo]:
    from slimbench.engine.devices import cpu_device

    return [cpu_device()]


def _bench_config(selection: DeviceSelection) -> BenchConfig:
    from slimbench.engine.measure import BenchConfig

    # The runtime alone says how the model runs; compile would only repeat it.
    return BenchConfig(device=selection.device, dtype=selection.dtype,
                       batch_size=selection.batch_size, threads=selection.threads,
                       runtime=selection.runtime)


def _save_suffix(variant: Variant) -> str:
    """The file suffix a variant saves with: .onnx for an ONNX Runtime model, .pt2 for an
    exported (static int8) program, else .pt."""
    from slimbench.engine.runtimes import runtime_of

    if runtime_of(variant.handle.module) is not None:
        return ".onnx"
    if variant.technique.startswith("quantize"):
        from slimbench.engine.quantize.saving import default_suffix

        return default_suffix(variant.handle)
    return ".pt"


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
        from slimbench.widgets.device_picker import runtime_label

        return bench.latency_ms["median"], \
            f"{bench.device}, {runtime_label(bench.runtime)}, batch {bench.batch_size}"
    for document, side in ((variant.compression, "after"), (variant.compression_before, "before")):
        metrics = (document or {}).get(side) or {}
        if metrics.get("latency_ms"):
            config = document.get("config") or {}
            device = document.get("device") or config.get("device", "?")
            batch = document.get("batch_size") or (config.get("batch_sizes") or ["?"])[0]
            where = f"{device}, batch {batch}"
            if metrics.get("runtime"):  # the runtime the compression job timed it on
                where = _timed_on(device, metrics["runtime"], batch)
            return float(metrics["latency_ms"]["median"]), where
    return None


def _measured_runtime(variant: Variant) -> str | None:
    """The runtime the compression job that made ``variant`` timed before and after on."""
    after = (variant.compression or {}).get("after") or {}
    return after.get("runtime") if after.get("latency_ms") else None


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
        latencies=_runtime_latencies(variant),
    )


def _runtime_latencies(variant: Variant) -> tuple[tuple[str, float], ...]:
    """The variant's median latency on each runtime it was timed on, with the device, dtype
    and batch size of its newest benchmark (so the bars differ by runtime alone), in the
    picker's order of runtimes."""
    from slimbench.widgets.device_picker import RUNTIMES, runtime_short_label

    bench = variant.latest_benchmark()
    if bench is None:
        return ()
    same = {result.runtime: result for result in variant.benchmarks.values()
            if (result.device, result.dtype, result.batch_size)
            == (bench.device, bench.dtype, bench.batch_size)}
    order = {name: index for index, name in enumerate(RUNTIMES)}
    return tuple((runtime_short_label(name), float(same[name].latency_ms["median"]))
                 for name in sorted(same, key=lambda name: order.get(name, len(order))))
