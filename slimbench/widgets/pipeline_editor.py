"""The pipeline editor: build a recipe (a chain of compression steps, or an automatic search)
point and click, open and save it as TOML, and ask for a run.

The editor only collects choices. :meth:`PipelineEditor.recipe` returns a checked
:class:`~slimbench.engine.recipes.recipe.Recipe` and ``run_requested(recipe)`` hands it to the
application, which runs it; the editor never starts anything. Building the editor imports no
torch: the step forms, which read their choices from the engine (pruning methods, quantization
schemes, every option's default), are built the first time a step is shown.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from slimbench.engine.recipes.recipe import (
    PREVIOUS,
    AutoSearch,
    MeasureSettings,
    QualityFloor,
    Recipe,
    RecipeError,
    Step,
    check_chain,
    recipe_from_dict,
)
from slimbench.widgets import compression_panel as panel_text
from slimbench.widgets.form_controls import (
    add_row,
    blend,
    combo_box,
    double_spin_box,
    form_layout,
    segmented_buttons,
    select_data,
    spin_box,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

translate = QCoreApplication.translate

CHAIN = "chain"
AUTO = "auto"
#: The editor's modes, in the order of the switch.
MODES = (CHAIN, AUTO)

PRUNE = "prune"
DISTILL = "distill"
QUANTIZE = "quantize"
#: Step techniques, in the order of the Add buttons.
TECHNIQUES = (PRUNE, DISTILL, QUANTIZE)

#: The options each step form shows as its own controls; the others keep their defaults or
#: go in the step's "Advanced options" field.
MAIN_OPTIONS = {
    PRUNE: ("method", "amount", "importance", "recovery_epochs", "recovery_distill"),
    DISTILL: ("student", "teacher", "epochs", "temperature", "alpha"),
    QUANTIZE: ("scheme", "compile"),
}

#: The options a newly added step writes out, so the saved file says what was chosen.
_NEW_STEP_OPTIONS: dict[str, dict[str, Any]] = {
    PRUNE: {"method": "structured", "amount": 0.5},
    DISTILL: {"epochs": 10},
    QUANTIZE: {"scheme": "int8-dynamic"},
}

#: Students offered in the distil form (the field also takes zoo:NAME and file:PATH).
STUDENTS = (PREVIOUS, "width:0.5", "pruned:0.5")
TEACHERS = ("original", "previous")
#: The quantize form's compile choices and the option value each one writes.
COMPILE_CHOICES = {"auto": None, "on": True, "off": False}
BUDGETS = ("small", "wide")
#: The step a first distillation gets as its student (there is no model before it).
FIRST_STUDENT = "width:0.5"

#: Width of the form labels in pixels, so the fields of every form line up.
LABEL_WIDTH = 104


# --- plain-language text ---------------------------------------------------------------------


def mode_label(mode: str) -> str:
    return {
        CHAIN: translate("PipelineEditor", "Chain of steps"),
        AUTO: translate("PipelineEditor", "Automatic search"),
    }[mode]


def mode_help(mode: str) -> str:
    """One or two sentences at the top of the editor on what the mode does."""
    if mode == CHAIN:
        return translate(
            "PipelineEditor",
            "Chain techniques: each step works on the model the step before produced, and each "
            "result is measured on the ticked devices. Prune, distil, then quantize is a good "
            "start.",
        )
    return translate(
        "PipelineEditor",
        "Automatic search tries a handful of pruning amounts and chains on one device and "
        "keeps the variants that reach your target with quality above the floor.",
    )


def technique_title(technique: str) -> str:
    return {
        PRUNE: translate("PipelineEditor", "Pruning"),
        DISTILL: translate("PipelineEditor", "Distillation"),
        QUANTIZE: translate("PipelineEditor", "Quantization"),
    }[technique]


def technique_summary(technique: str) -> str:
    if technique == DISTILL:
        return translate(
            "PipelineEditor",
            "Trains a student to give a teacher's answers: after pruning it wins back most of "
            "the lost quality. Takes minutes.",
        )
    return panel_text.technique_summary(technique)


def student_explanation(student: str) -> str:
    kind, _, value = student.strip().partition(":")
    kind = kind.lower()
    if student.strip() == PREVIOUS:
        return translate(
            "PipelineEditor",
            "The model the step before produced (the pruned one, say) keeps learning.",
        )
    if kind == "width":
        return translate(
            "PipelineEditor",
            "The original's architecture with every layer {value} times as wide, trained from "
            "scratch.",
        ).format(value=value)
    if kind == "pruned":
        return translate(
            "PipelineEditor",
            "The original with a share {value} of its channels pruned, keeping its other "
            "weights.",
        ).format(value=value)
    if kind == "zoo":
        return translate(
            "PipelineEditor", "The built-in architecture {value}, trained from scratch."
        ).format(value=value)
    if kind == "file":
        return translate("PipelineEditor", "The model saved in {value}, trained further.").format(
            value=value
        )
    return translate(
        "PipelineEditor",
        "previous, width:W, pruned:R, zoo:NAME or file:PATH (e.g. width:0.5).",
    )


def teacher_label(teacher: str) -> str:
    return {
        "original": translate("PipelineEditor", "The original model"),
        "previous": translate("PipelineEditor", "The model from the step before"),
    }[teacher]


def budget_label(budget: str) -> str:
    return {
        "small": translate("PipelineEditor", "Small (a handful of candidates)"),
        "wide": translate("PipelineEditor", "Wide (more amounts and chains; slower)"),
    }[budget]


def compile_label(choice: str) -> str:
    return {
        "auto": translate("PipelineEditor", "Automatic (where it pays off)"),
        "on": translate("PipelineEditor", "On"),
        "off": translate("PipelineEditor", "Off"),
    }[choice]


def _safe(label_of: Any, name: str) -> str:
    """A label from the compression panel's texts, or the name itself for a new entry."""
    try:
        return str(label_of(name))
    except KeyError:
        return name


def plain_step_names(message: str) -> str:
    """The engine names steps as in the file (``recipe: steps[2].student: ...``); the editor
    numbers them like its list: ``Step 2, student: ...``."""
    message = re.sub(
        r"^[^:]*: steps\[(\d+)\]",
        lambda m: translate("PipelineEditor", "Step {index}").format(index=m.group(1)),
        message,
    )
    return re.sub(r"^(Step \d+)\.(\w+)", r"\1, \2", message)


def _first_line(message: str) -> str:
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return lines[0] if lines else translate("PipelineEditor", "Something went wrong.")


# --- small building blocks -------------------------------------------------------------------


def _form() -> QFormLayout:
    return form_layout(vertical_spacing=6, margins=0)


def _add_row(form: QFormLayout, text: str, field: QWidget, tooltip: str) -> QLabel:
    return add_row(form, text, field, tooltip, label_width=LABEL_WIDTH)


def _combo(parent: QWidget, editable: bool = False) -> QComboBox:
    return combo_box(parent, editable=editable, min_chars=10)


def _toml_value(value: Any) -> str:
    """One option value as TOML (for the advanced field's hints)."""
    import tomli_w

    text = tomli_w.dumps({"x": list(value) if isinstance(value, tuple) else value})
    return text.partition("=")[2].strip()


# --- the editor ------------------------------------------------------------------------------


class PipelineEditor(QWidget):
    """A recipe editor: a chain of steps or an automatic search, the devices to measure on and
    the quality floor; Open, Save, Run and Cancel.

    :meth:`recipe` builds a checked recipe from the form (a :class:`RecipeError` with one
    sentence when it cannot be run as it stands) and :meth:`set_recipe` fills the form from
    one. The file dialogs and the warning box are methods (:meth:`ask_open_path`,
    :meth:`ask_save_path`, :meth:`show_error`) that tests and the application may replace;
    :meth:`load_from` and :meth:`save_to` do the work without asking.
    """

    #: The user pressed Run on a valid recipe: (Recipe).
    run_requested = Signal(object)
    #: The user pressed Cancel while a recipe runs.
    cancel_requested = Signal()
    #: The user changed something in the form (not emitted by set_recipe and the like).
    recipe_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps: list[Step] = []
        #: Per step (by identity), why its advanced options cannot be read.
        self._advanced_errors: dict[int, str] = {}
        self._model = ""
        self._measure = MeasureSettings()
        self._source: Path | None = None
        self._busy = False
        self._updating = False
        self._forms_built = False
        self._muted_labels: list[QLabel] = []
        self._defaults: dict[str, dict[str, Any]] = {}

        self.help_label = QLabel(self)
        self.help_label.setObjectName("helpLabel")
        self.help_label.setWordWrap(True)
        self.help_label.setTextFormat(Qt.TextFormat.PlainText)

        # -- the mode switch (segmented buttons) and the model
        self._mode_group, self.mode_buttons, switch = segmented_buttons(
            MODES, self, label=mode_label, tooltip=mode_help, object_name="{name}ModeButton")
        self.model_label = QLabel(self)
        self.model_label.setObjectName("modelLabel")
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_label.setToolTip(self.tr("The model every step starts from."))
        top = QHBoxLayout()
        top.addLayout(switch)
        top.addSpacing(16)
        top.addWidget(self.model_label, 1)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._build_chain_page())
        self.stack.addWidget(self._build_auto_page())

        shared = self._build_shared()

        # -- the buttons
        self.open_button = QPushButton(self.tr("&Open recipe…"), self)
        self.open_button.setObjectName("openButton")
        self.open_button.setToolTip(self.tr("Read a recipe from a .toml file."))
        self.save_button = QPushButton(self.tr("&Save recipe…"), self)
        self.save_button.setObjectName("saveButton")
        self.save_button.setToolTip(
            self.tr("Write this recipe to a .toml file; `slimbench run FILE` runs it headless.")
        )
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip(self.tr("Stops the running recipe after its current step."))
        self.run_button = QPushButton(self.tr("&Run"), self)
        self.run_button.setObjectName("runButton")
        self.run_button.setToolTip(
            self.tr("Runs every step and measures each result on the ticked devices.")
        )
        self.run_button.setMinimumWidth(self.run_button.fontMetrics().horizontalAdvance("Run") + 60)
        for button in (self.open_button, self.save_button, self.cancel_button, self.run_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.run_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.help_label)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addWidget(shared)
        layout.addLayout(buttons)

        self._mode_group.idClicked.connect(self._on_mode_clicked)
        self.open_button.clicked.connect(self.open_recipe)
        self.save_button.clicked.connect(self.save_recipe)
        self.run_button.clicked.connect(self._on_run)
        self.cancel_button.clicked.connect(self.cancel_requested)

        self._restyle()
        self.set_mode(CHAIN)
        self.set_model("")
        self.set_devices(["cpu"])
        self._refresh_list()
        self._update_buttons()

    def sizeHint(self) -> QSize:
        return QSize(760, 620)

    def minimumSizeHint(self) -> QSize:
        return QSize(600, 500)

    # -- building: the chain page

    def _build_chain_page(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("chainPage")

        steps_box = QGroupBox(self.tr("Steps, in order"), page)
        self.step_list = QListWidget(steps_box)
        self.step_list.setObjectName("stepList")
        self.step_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.step_list.setMinimumWidth(180)
        self.step_list.setToolTip(
            self.tr("Each step works on the model the step before produced. Select a step to "
                    "change it.")
        )
        self.add_buttons: dict[str, QPushButton] = {}
        add_texts = {
            PRUNE: self.tr("Add pruning"),
            DISTILL: self.tr("Add distillation"),
            QUANTIZE: self.tr("Add quantization"),
        }
        grid = QGridLayout()
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(4)
        for column, technique in enumerate(TECHNIQUES):
            button = QPushButton(add_texts[technique], steps_box)
            button.setObjectName(f"add{technique.capitalize()}Button")
            button.setAutoDefault(False)
            button.setToolTip(technique_summary(technique))
            button.clicked.connect(lambda _checked=False, t=technique: self.add_step(t))
            grid.addWidget(button, column, 0)
            self.add_buttons[technique] = button
        self.remove_button = QPushButton(self.tr("Remove"), steps_box)
        self.remove_button.setObjectName("removeButton")
        self.remove_button.setToolTip(self.tr("Removes the selected step."))
        self.up_button = QPushButton(self.tr("Move up"), steps_box)
        self.up_button.setObjectName("moveUpButton")
        self.up_button.setToolTip(self.tr("Runs the selected step one place earlier."))
        self.down_button = QPushButton(self.tr("Move down"), steps_box)
        self.down_button.setObjectName("moveDownButton")
        self.down_button.setToolTip(self.tr("Runs the selected step one place later."))
        for row, button in enumerate((self.up_button, self.down_button, self.remove_button)):
            button.setAutoDefault(False)
            grid.addWidget(button, row, 1)
        self.chain_warning = QLabel(steps_box)
        self.chain_warning.setObjectName("chainWarning")
        self.chain_warning.setWordWrap(True)
        self.chain_warning.setAutoFillBackground(True)
        self.chain_warning.setMargin(4)
        self.chain_warning.setVisible(False)
        column_layout = QVBoxLayout(steps_box)
        column_layout.setContentsMargins(6, 6, 6, 6)
        column_layout.setSpacing(6)
        column_layout.addWidget(self.step_list, 1)
        column_layout.addWidget(self.chain_warning)
        column_layout.addLayout(grid)

        # -- the selected step's form (built the first time a step is shown)
        self.step_box = QGroupBox(self.tr("Selected step"), page)
        self.step_box.setObjectName("stepBox")
        self.step_stack = QStackedWidget(self.step_box)
        empty = QLabel(
            self.tr("Add a step with the buttons on the left, then select it to change its "
                    "settings."),
            self.step_stack,
        )
        empty.setObjectName("emptyStepLabel")
        empty.setWordWrap(True)
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._mute(empty)
        self.step_stack.addWidget(empty)
        scroll = QScrollArea(self.step_box)
        scroll.setObjectName("stepScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._step_content = QWidget()
        self._step_content.setObjectName("stepContent")
        scroll.setWidget(self._step_content)
        scroll.viewport().setAutoFillBackground(False)
        self._step_content.setAutoFillBackground(False)
        self.step_stack.addWidget(scroll)
        box_layout = QVBoxLayout(self.step_box)
        box_layout.setContentsMargins(6, 6, 6, 6)
        box_layout.addWidget(self.step_stack)

        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(steps_box, 4)
        row.addWidget(self.step_box, 6)

        self.step_list.currentRowChanged.connect(self._on_step_selected)
        self.remove_button.clicked.connect(self.remove_selected_step)
        self.up_button.clicked.connect(lambda: self.move_selected_step(-1))
        self.down_button.clicked.connect(lambda: self.move_selected_step(1))
        return page

    def _ensure_forms(self) -> None:
        """Build the step forms (this reads the engine's choices, and imports torch)."""
        if self._forms_built:
            return
        self._forms_built = True
        from slimbench.engine.recipes.recipe import technique_options

        self._defaults = {technique: technique_options(technique) for technique in TECHNIQUES}
        content = self._step_content
        column = QVBoxLayout(content)
        column.setContentsMargins(2, 2, 6, 2)
        column.setSpacing(6)
        self.step_title = QLabel(content)
        self.step_title.setObjectName("stepTitle")
        font = QFont(self.step_title.font())
        font.setBold(True)
        self.step_title.setFont(font)
        self.step_summary = QLabel(content)
        self.step_summary.setObjectName("stepSummary")
        self.step_summary.setWordWrap(True)
        self._mute(self.step_summary)
        column.addWidget(self.step_title)
        column.addWidget(self.step_summary)

        # One form per technique; only the selected step's is shown (a hidden form takes no
        # room, so the fields under it follow it closely).
        self._technique_pages: dict[str, QWidget] = {}
        for technique, build in (
            (PRUNE, self._build_prune_form),
            (DISTILL, self._build_distill_form),
            (QUANTIZE, self._build_quantize_form),
        ):
            page = QWidget(content)
            page.setObjectName(f"{technique}Form")
            form = _form()
            page.setLayout(form)
            build(page, form)
            page.setVisible(False)
            column.addWidget(page)
            self._technique_pages[technique] = page

        common = _form()
        self.step_name_edit = QLineEdit(content)
        self.step_name_edit.setObjectName("stepNameEdit")
        self.step_name_edit.setClearButtonEnabled(True)
        self.step_name_edit.setPlaceholderText(self.tr("(automatic)"))
        _add_row(common, self.tr("Name"), self.step_name_edit,
                 self.tr("A short label for the variant this step makes, shown in the results. "
                         "Empty: made from the settings."))
        column.addLayout(common)

        self.advanced_button = QToolButton(content)
        self.advanced_button.setObjectName("advancedButton")
        self.advanced_button.setText(self.tr("Advanced options"))
        self.advanced_button.setCheckable(True)
        self.advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_button.setAutoRaise(True)
        self.advanced_edit = QPlainTextEdit(content)
        self.advanced_edit.setObjectName("advancedEdit")
        self.advanced_edit.setTabChangesFocus(True)
        self.advanced_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.advanced_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 12)
        self.advanced_edit.setVisible(False)
        self.advanced_error = QLabel(content)
        self.advanced_error.setObjectName("advancedError")
        self.advanced_error.setWordWrap(True)
        self.advanced_error.setVisible(False)
        column.addWidget(self.advanced_button, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.advanced_edit)
        column.addWidget(self.advanced_error)
        column.addStretch(1)

        self.step_name_edit.textEdited.connect(self._on_step_name_edited)
        self.advanced_button.toggled.connect(self._on_advanced_toggled)
        self.advanced_edit.textChanged.connect(self._on_advanced_edited)
        self._restyle()

    def _build_prune_form(self, parent: QWidget, form: QFormLayout) -> None:
        from slimbench.engine.prune.config import IMPORTANCES, METHODS

        self._importances = IMPORTANCES
        self.method_combo = _combo(parent)
        self.method_combo.setObjectName("methodCombo")
        for method in METHODS:
            self.method_combo.addItem(_safe(panel_text.method_label, method), method)
            self.method_combo.setItemData(
                self.method_combo.count() - 1,
                _safe(panel_text.method_explanation, method), Qt.ItemDataRole.ToolTipRole,
            )
        _add_row(form, self.tr("Method"), self.method_combo,
                 self.tr("What is removed: whole channels (smaller and faster) or single weights "
                         "(only sparser)."))

        self.amount_spin = double_spin_box(0.0, 0.95, 0.5, 0.05, 2, parent)
        self.amount_spin.setObjectName("amountSpin")
        self._amount_tooltip = self.tr(
            "The share removed: 0.5 removes half of the channels (structured) or of the weights "
            "(unstructured)."
        )
        self.amount_label = _add_row(form, self.tr("Amount"), self.amount_spin,
                                     self._amount_tooltip)

        self.importance_combo = _combo(parent)
        self.importance_combo.setObjectName("importanceCombo")
        _add_row(form, self.tr("Importance"), self.importance_combo,
                 self.tr("How to decide what matters least, and so what is removed first."))

        self.recovery_spin = spin_box(0, 1000, 0, parent)
        self.recovery_spin.setObjectName("recoverySpin")
        self.recovery_spin.setSpecialValueText(self.tr("None"))
        self.recovery_spin.setSuffix(self.tr(" epochs"))
        _add_row(form, self.tr("Retrain afterwards"), self.recovery_spin,
                 self.tr("Epochs of fine-tuning after pruning, to win back quality. None: keep "
                         "the pruned model as it is (a distillation step can follow instead)."))

        self.recovery_distill_check = QCheckBox(self.tr("Learn from the original while "
                                                        "retraining"), parent)
        self.recovery_distill_check.setObjectName("recoveryDistillCheck")
        self.recovery_distill_check.setToolTip(
            self.tr("The pruned model learns to give the original's answers as well as the "
                    "labels (knowledge distillation); usually keeps more quality.")
        )
        form.addRow(self.recovery_distill_check)

        self.method_combo.currentIndexChanged.connect(self._on_method_changed)
        self.amount_spin.valueChanged.connect(lambda value: self._set_option("amount",
                                                                             round(value, 4)))
        self.importance_combo.currentIndexChanged.connect(
            lambda _row: self._set_option("importance", self.importance_combo.currentData())
        )
        self.recovery_spin.valueChanged.connect(self._on_recovery_changed)
        self.recovery_distill_check.toggled.connect(
            lambda checked: self._set_option("recovery_distill", bool(checked))
        )

    def _build_distill_form(self, parent: QWidget, form: QFormLayout) -> None:
        self.student_combo = _combo(parent, editable=True)
        self.student_combo.setObjectName("studentCombo")
        for student in STUDENTS:
            self.student_combo.addItem(student)
            self.student_combo.setItemData(self.student_combo.count() - 1,
                                           student_explanation(student),
                                           Qt.ItemDataRole.ToolTipRole)
        self.student_explanation = QLabel(parent)
        self.student_explanation.setObjectName("studentExplanation")
        self.student_explanation.setWordWrap(True)
        self._mute(self.student_explanation)
        field = QWidget(parent)
        field.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        field_column = QVBoxLayout(field)
        field_column.setContentsMargins(0, 0, 0, 0)
        field_column.setSpacing(2)
        field_column.addWidget(self.student_combo)
        field_column.addWidget(self.student_explanation)
        label = _add_row(form, self.tr("Student"), field,
                         self.tr("The model that learns: previous (the step before's result), "
                                 "width:0.5 (half as wide), pruned:0.5 (the original, half its "
                                 "channels pruned) or zoo:NAME."))
        label.setBuddy(self.student_combo)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.student_combo.setToolTip(field.toolTip())

        self.teacher_combo = _combo(parent)
        self.teacher_combo.setObjectName("teacherCombo")
        for teacher in TEACHERS:
            self.teacher_combo.addItem(teacher_label(teacher), teacher)
        _add_row(form, self.tr("Teacher"), self.teacher_combo,
                 self.tr("The model whose answers the student learns to give: usually the "
                         "original, unpruned one."))

        self.epochs_spin = spin_box(1, 1000, 10, parent)
        self.epochs_spin.setObjectName("epochsSpin")
        _add_row(form, self.tr("Epochs"), self.epochs_spin,
                 self.tr("Passes over the training data. Training stops early when the "
                         "validation score stops improving."))

        self.temperature_spin = double_spin_box(0.5, 20.0, 4.0, 0.5, 1, parent)
        self.temperature_spin.setObjectName("temperatureSpin")
        _add_row(form, self.tr("Temperature"), self.temperature_spin,
                 self.tr("Softens the teacher's answers so the student also learns which wrong "
                         "answers are nearly right. 2 to 6 works for most models."))

        self.alpha_spin = double_spin_box(0.0, 1.0, 0.7, 0.05, 2, parent)
        self.alpha_spin.setObjectName("alphaSpin")
        _add_row(form, self.tr("Teacher weight (alpha)"), self.alpha_spin,
                 self.tr("How much the teacher's answers count against the labels: 1 learns "
                         "only from the teacher, 0 only from the labels."))

        self.student_combo.currentTextChanged.connect(self._on_student_changed)
        self.teacher_combo.currentIndexChanged.connect(
            lambda _row: self._set_option("teacher", self.teacher_combo.currentData())
        )
        self.epochs_spin.valueChanged.connect(lambda value: self._set_option("epochs", value))
        self.temperature_spin.valueChanged.connect(
            lambda value: self._set_option("temperature", round(value, 4))
        )
        self.alpha_spin.valueChanged.connect(
            lambda value: self._set_option("alpha", round(value, 4))
        )

    def _build_quantize_form(self, parent: QWidget, form: QFormLayout) -> None:
        from slimbench.engine.quantize.schemes import SCHEMES

        self.scheme_combo = _combo(parent)
        self.scheme_combo.setObjectName("schemeCombo")
        for name, scheme in SCHEMES.items():
            self.scheme_combo.addItem(_safe(panel_text.scheme_label, name), name)
            tip = _safe(panel_text.scheme_explanation, name)
            self.scheme_combo.setItemData(
                self.scheme_combo.count() - 1,
                (scheme.summary if tip == name else tip) + "\n" + scheme.advice,
                Qt.ItemDataRole.ToolTipRole,
            )
        self.scheme_explanation = QLabel(parent)
        self.scheme_explanation.setObjectName("schemeExplanation")
        self.scheme_explanation.setWordWrap(True)
        self._mute(self.scheme_explanation)
        field = QWidget(parent)
        field.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        field_column = QVBoxLayout(field)
        field_column.setContentsMargins(0, 0, 0, 0)
        field_column.setSpacing(2)
        field_column.addWidget(self.scheme_combo)
        field_column.addWidget(self.scheme_explanation)
        label = _add_row(form, self.tr("Scheme"), field,
                         self.tr("How the model's numbers are stored after quantization. Hover "
                                 "over an entry to read what it is good for."))
        label.setBuddy(self.scheme_combo)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.scheme_combo.setToolTip(field.toolTip())

        self.compile_combo = _combo(parent)
        self.compile_combo.setObjectName("compileCombo")
        for choice in COMPILE_CHOICES:
            self.compile_combo.addItem(compile_label(choice), choice)
        _add_row(form, self.tr("Compile"), self.compile_combo,
                 self.tr("torch.compile turns the quantized model into optimised code; most of "
                         "int8's speed-up comes from it. Automatic: on where it pays off."))

        self.scheme_combo.currentIndexChanged.connect(self._on_scheme_changed)
        self.compile_combo.currentIndexChanged.connect(
            lambda _row: self._set_option("compile",
                                          COMPILE_CHOICES[self.compile_combo.currentData()])
        )

    # -- building: the automatic page and the shared settings

    def _build_auto_page(self) -> QWidget:
        page = QGroupBox(self.tr("Automatic search"), self)
        page.setObjectName("autoPage")
        form = _form()

        self.auto_device_combo = _combo(page)
        self.auto_device_combo.setObjectName("autoDeviceCombo")
        _add_row(form, self.tr("Device"), self.auto_device_combo,
                 self.tr("The device the targets are measured on; the other ticked devices are "
                         "measured too."))

        def target_row(text: str, suffix: str, value: float, tip: str,
                       name: str) -> tuple[QCheckBox, QDoubleSpinBox]:
            check = QCheckBox(text, page)
            check.setObjectName(f"{name}Check")
            check.setToolTip(tip)
            spin = double_spin_box(0.01, 1_000_000.0, value, 1.0, 2, page)
            spin.setObjectName(f"{name}Spin")
            spin.setSuffix(suffix)
            spin.setToolTip(tip)
            spin.setEnabled(False)
            check.toggled.connect(spin.setEnabled)
            check.toggled.connect(self._changed)
            spin.valueChanged.connect(self._changed)
            check.setMinimumWidth(LABEL_WIDTH)
            form.addRow(check, spin)
            return check, spin

        self.latency_check, self.latency_spin = target_row(
            self.tr("Latency at most"), self.tr(" ms"), 10.0,
            self.tr("Keep variants whose median time for one batch is at most this, on the "
                    "device above."), "latency")
        self.size_check, self.size_spin = target_row(
            self.tr("Size at most"), self.tr(" MB"), 10.0,
            self.tr("Keep variants whose saved file is at most this big."), "size")

        self.auto_epochs_spin = spin_box(0, 1000, 3, page)
        self.auto_epochs_spin.setObjectName("autoEpochsSpin")
        _add_row(form, self.tr("Retraining epochs"), self.auto_epochs_spin,
                 self.tr("Epochs of recovery or distillation each pruned candidate gets. More "
                         "keeps more quality and takes longer."))

        self.budget_combo = _combo(page)
        self.budget_combo.setObjectName("budgetCombo")
        for budget in BUDGETS:
            self.budget_combo.addItem(budget_label(budget), budget)
        _add_row(form, self.tr("Search"), self.budget_combo,
                 self.tr("How many candidates to try: a small search takes minutes, a wide one "
                         "tries more pruning amounts and chains."))

        note = QLabel(
            self.tr("Turn on at least one target. The variants on the trade-off frontier (none "
                    "both faster and better) come back."), page)
        note.setWordWrap(True)
        self._mute(note)
        column = QVBoxLayout(page)
        column.setContentsMargins(8, 8, 8, 8)
        column.setSpacing(8)
        column.addLayout(form)
        column.addWidget(note)
        column.addStretch(1)

        self.auto_device_combo.currentIndexChanged.connect(self._changed)
        self.auto_epochs_spin.valueChanged.connect(self._changed)
        self.budget_combo.currentIndexChanged.connect(self._changed)
        return page

    def _build_shared(self) -> QGroupBox:
        box = QGroupBox(self.tr("Measure and judge"), self)
        box.setObjectName("sharedBox")

        devices_label = QLabel(self.tr("Measure on"), box)
        self.device_list = QListWidget(box)
        self.device_list.setObjectName("deviceList")
        self.device_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.device_list.setMinimumWidth(150)
        self.device_list.setMaximumWidth(240)
        rows = 3
        self.device_list.setFixedHeight(self.fontMetrics().lineSpacing() * rows + 16)
        tip = self.tr("Every variant is measured on each ticked device, with the same inputs.")
        devices_label.setToolTip(tip)
        self.device_list.setToolTip(tip)
        devices_label.setBuddy(self.device_list)
        devices = QVBoxLayout()
        devices.setSpacing(2)
        devices.addWidget(devices_label)
        devices.addWidget(self.device_list)
        devices.addStretch(1)

        def floor_row(text: str, after: str, value: float, tip: str,
                      name: str) -> tuple[QCheckBox, QDoubleSpinBox, QHBoxLayout]:
            check = QCheckBox(text, box)
            check.setObjectName(f"{name}Check")
            spin = double_spin_box(0.1, 100.0, value, 0.5, 1, box)
            spin.setObjectName(f"{name}Spin")
            spin.setSuffix(" %")
            spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            spin.setEnabled(False)
            rest = QLabel(after, box)
            for widget in (check, spin, rest):
                widget.setToolTip(tip)
            row = QHBoxLayout()
            row.setSpacing(6)
            row.addWidget(check)
            row.addWidget(spin)
            row.addWidget(rest, 1)
            check.toggled.connect(spin.setEnabled)
            check.toggled.connect(self._changed)
            spin.valueChanged.connect(self._changed)
            return check, spin, row

        self.accuracy_check, self.accuracy_spin, accuracy_row = floor_row(
            self.tr("Keep at least"), self.tr("of the original's accuracy"), 97.0,
            self.tr("Variants whose accuracy on labelled test data falls below this share of "
                    "the original's are marked as failing the floor."), "accuracyFloor")
        self.agreement_check, self.agreement_spin, agreement_row = floor_row(
            self.tr("Agree with the original on at least"), self.tr("of predictions"), 90.0,
            self.tr("Variants that give the original's top answer less often than this are "
                    "marked as failing the floor. Needs no labels."), "agreementFloor")

        self.batch_spin = spin_box(1, 65536, 32, box)
        self.batch_spin.setObjectName("batchSpin")
        self.batch_spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.batch_spin.setMinimumWidth(90)
        self.name_edit = QLineEdit(box)
        self.name_edit.setObjectName("recipeNameEdit")
        self.name_edit.setClearButtonEnabled(True)
        self.name_edit.setPlaceholderText(self.tr("(made from the steps)"))
        batch_label = QLabel(self.tr("Batch size"), box)
        batch_label.setBuddy(self.batch_spin)
        batch_tip = self.tr("Latency is measured on batches of this many inputs.")
        batch_label.setToolTip(batch_tip)
        self.batch_spin.setToolTip(batch_tip)
        name_label = QLabel(self.tr("Recipe name"), box)
        name_label.setBuddy(self.name_edit)
        name_tip = self.tr("A title for the report and the results; optional.")
        name_label.setToolTip(name_tip)
        self.name_edit.setToolTip(name_tip)
        last = QHBoxLayout()
        last.setSpacing(6)
        last.addWidget(batch_label)
        last.addWidget(self.batch_spin)
        last.addSpacing(12)
        last.addWidget(name_label)
        last.addWidget(self.name_edit, 1)

        judge = QVBoxLayout()
        judge.setSpacing(6)
        floor_title = QLabel(self.tr("Quality floor"), box)
        floor_title.setToolTip(self.tr("The least quality a variant may keep."))
        judge.addWidget(floor_title)
        judge.addLayout(accuracy_row)
        judge.addLayout(agreement_row)
        judge.addLayout(last)
        judge.addStretch(1)

        row = QHBoxLayout(box)
        row.setContentsMargins(8, 6, 8, 8)
        row.setSpacing(12)
        row.addLayout(devices)
        row.addLayout(judge, 1)

        self.device_list.itemChanged.connect(self._changed)
        self.batch_spin.valueChanged.connect(self._changed)
        self.name_edit.textEdited.connect(self._changed)
        return box

    # -- the public interface

    def mode(self) -> str:
        return MODES[self.stack.currentIndex()]

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode_buttons[mode].setChecked(True)
        self.stack.setCurrentIndex(MODES.index(mode))
        self.help_label.setText(mode_help(mode))

    def set_model(self, spec: str) -> None:
        """The model every step starts from (``zoo:NAME`` or a path)."""
        self._model = spec.strip()
        if self._model:
            self.model_label.setText(self.tr("Model: {model}").format(model=self._model))
        else:
            self.model_label.setText(self.tr("No model yet: load one first."))

    def model(self) -> str:
        return self._model

    def set_devices(self, names: list[str]) -> None:
        """The devices offered (``cpu``, ``cuda:0``, ...); ticks stay where they were, and the
        first device is ticked when none is."""
        ticked = self.devices()
        auto_device = self.auto_device_combo.currentData()
        previous = self._updating
        self._updating = True
        try:
            self.device_list.clear()
            self.auto_device_combo.clear()
            for name in names:
                self._add_device(name, name in ticked, known=True)
            for name in ticked:  # a device the recipe names stays, marked as not found
                if name not in names:
                    self._add_device(name, True, known=False)
            if not self.devices() and self.device_list.count():
                self.device_list.item(0).setCheckState(Qt.CheckState.Checked)
            if auto_device is not None and not select_data(self.auto_device_combo,
                                                            auto_device):
                self.auto_device_combo.setCurrentIndex(0)
        finally:
            self._updating = previous

    def _add_device(self, name: str, checked: bool, known: bool) -> None:
        item = QListWidgetItem(name if known else self.tr("{name} (not found here)").format(
            name=name))
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        if not known:
            item.setToolTip(self.tr("The recipe names this device, but this computer does not "
                                    "have it."))
        self.device_list.addItem(item)
        if self.auto_device_combo.findData(name) < 0:
            self.auto_device_combo.addItem(name, name)

    def devices(self) -> list[str]:
        """The ticked devices, in list order."""
        names = []
        for row in range(self.device_list.count()):
            item = self.device_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                names.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return names

    def steps(self) -> list[Step]:
        """Copies of the chain's steps, in order."""
        return [copy.deepcopy(step) for step in self._steps]

    def set_busy(self, busy: bool) -> None:
        """While a recipe runs, Run is disabled and Cancel enabled."""
        self._busy = busy
        self._update_buttons()

    def is_busy(self) -> bool:
        return self._busy

    def recipe(self) -> Recipe:
        """The recipe the form describes, checked by the engine's reader.

        Raises :class:`RecipeError` with one sentence when it cannot be run as it stands.
        """
        if not self._model:
            raise RecipeError(self.tr("Load a model first: the recipe needs a model to start "
                                      "from."))
        devices = self.devices()
        if not devices:
            raise RecipeError(self.tr("Tick at least one device to measure on."))
        auto: AutoSearch | None = None
        steps: list[Step] = []
        if self.mode() == AUTO:
            if not (self.latency_check.isChecked() or self.size_check.isChecked()):
                raise RecipeError(self.tr("Turn on a target for the automatic search: a "
                                          "latency, a size or both."))
            auto = AutoSearch(
                device=str(self.auto_device_combo.currentData() or devices[0]),
                max_latency_ms=(round(self.latency_spin.value(), 4)
                                if self.latency_check.isChecked() else None),
                max_size_mb=(round(self.size_spin.value(), 4)
                             if self.size_check.isChecked() else None),
                epochs=self.auto_epochs_spin.value(),
                budget=str(self.budget_combo.currentData()),
            )
        else:
            if not self._steps:
                raise RecipeError(self.tr("Add at least one step (pruning, distillation or "
                                          "quantization) to the chain."))
            for index, step in enumerate(self._steps, 1):
                error = self._advanced_errors.get(id(step))
                if error:
                    raise RecipeError(self.tr("Step {index}, advanced options: {error}").format(
                        index=index, error=error))
            steps = self.steps()
        floor = QualityFloor(
            accuracy_ratio=(round(self.accuracy_spin.value() / 100.0, 6)
                            if self.accuracy_check.isChecked() else None),
            top1_agreement=(round(self.agreement_spin.value() / 100.0, 6)
                            if self.agreement_check.isChecked() else None),
        )
        measure = dataclasses.replace(self._measure, batch_size=self.batch_spin.value())
        draft = Recipe(model=self._model, steps=steps, name=self.name_edit.text().strip(),
                       devices=devices, measure=measure, floor=floor, auto=auto)
        try:
            checked = recipe_from_dict(draft.to_toml(), name=self.tr("The recipe"))
        except RecipeError as error:
            raise RecipeError(plain_step_names(str(error))) from None
        checked.source = self._source
        return checked

    def set_recipe(self, recipe: Recipe) -> None:
        """Fill the form from ``recipe`` (its model, mode, steps, devices and floor)."""
        previous = self._updating
        self._updating = True
        try:
            self.set_model(recipe.model)
            self._source = recipe.source
            self._measure = copy.deepcopy(recipe.measure)
            self.batch_spin.setValue(recipe.measure.batch_size)
            self.name_edit.setText(recipe.name)
            self.name_edit.setCursorPosition(0)
            known = [str(self.device_list.item(row).data(Qt.ItemDataRole.UserRole))
                     for row in range(self.device_list.count())]
            for row, name in enumerate(known):
                self.device_list.item(row).setCheckState(
                    Qt.CheckState.Checked if name in recipe.devices else Qt.CheckState.Unchecked
                )
            for name in recipe.devices:
                if name not in known:
                    self._add_device(name, True, known=False)
            for check, spin, value in (
                (self.accuracy_check, self.accuracy_spin, recipe.floor.accuracy_ratio),
                (self.agreement_check, self.agreement_spin, recipe.floor.top1_agreement),
            ):
                check.setChecked(value is not None)
                if value is not None:
                    spin.setValue(100.0 * value)
            auto = recipe.auto
            if auto is not None:
                if self.auto_device_combo.findData(auto.device) < 0:
                    self._add_device(auto.device, False, known=False)
                select_data(self.auto_device_combo, auto.device)
                for check, spin, value in (
                    (self.latency_check, self.latency_spin, auto.max_latency_ms),
                    (self.size_check, self.size_spin, auto.max_size_mb),
                ):
                    check.setChecked(value is not None)
                    if value is not None:
                        spin.setValue(value)
                self.auto_epochs_spin.setValue(auto.epochs)
                select_data(self.budget_combo, auto.budget)
            self._steps = [copy.deepcopy(step) for step in recipe.steps]
            self._advanced_errors.clear()
            self.set_mode(AUTO if auto is not None else CHAIN)
        finally:
            self._updating = previous
        self._refresh_list(select=0 if self._steps else -1)

    # -- editing the chain

    def add_step(self, technique: str) -> Step:
        """Append a step of ``technique`` (after the selected one, if any) and select it."""
        if technique not in TECHNIQUES:
            raise ValueError(f"technique must be one of {', '.join(TECHNIQUES)}")
        options = dict(_NEW_STEP_OPTIONS[technique])
        row = self.step_list.currentRow()
        position = row + 1 if 0 <= row < len(self._steps) else len(self._steps)
        quantize_at = [i for i, s in enumerate(self._steps) if s.technique == QUANTIZE]
        if technique == QUANTIZE:
            position = len(self._steps)
        elif quantize_at:
            position = min(position, quantize_at[0])  # quantization stays last
        if technique == DISTILL and position == 0:
            options["student"] = FIRST_STUDENT  # there is no model before it to train
        step = Step(technique=technique, options=options)
        self._steps.insert(position, step)
        self._refresh_list(select=position)
        self._changed()
        return step

    def remove_selected_step(self) -> None:
        row = self.step_list.currentRow()
        if not 0 <= row < len(self._steps):
            return
        step = self._steps.pop(row)
        self._advanced_errors.pop(id(step), None)
        self._refresh_list(select=min(row, len(self._steps) - 1))
        self._changed()

    def move_selected_step(self, offset: int) -> None:
        row = self.step_list.currentRow()
        target = row + offset
        if not (0 <= row < len(self._steps) and 0 <= target < len(self._steps)):
            return
        self._steps[row], self._steps[target] = self._steps[target], self._steps[row]
        self._refresh_list(select=target)
        self._changed()

    def _refresh_list(self, select: int | None = None) -> None:
        """Rebuild the list's labels from the steps; select ``select`` (None: keep)."""
        current = self.step_list.currentRow() if select is None else select
        blocked = self.step_list.blockSignals(True)
        try:
            self.step_list.clear()
            for index, step in enumerate(self._steps):
                item = QListWidgetItem(self._item_text(index, step))
                item.setToolTip(technique_summary(step.technique))
                self.step_list.addItem(item)
            if 0 <= current < len(self._steps):
                self.step_list.setCurrentRow(current)
        finally:
            self.step_list.blockSignals(blocked)
        self._show_step(self.step_list.currentRow())
        self._check_chain()
        self._update_buttons()

    def _item_text(self, index: int, step: Step) -> str:
        return f"{index + 1}.  {step.describe()}"

    def _relabel(self, row: int) -> None:
        item = self.step_list.item(row)
        if item is not None and 0 <= row < len(self._steps):
            item.setText(self._item_text(row, self._steps[row]))
        self._check_chain()

    def _check_chain(self) -> None:
        try:
            check_chain(Recipe(model=self._model or "model", steps=self._steps),
                        name=self.tr("This chain"))
        except RecipeError as error:
            self.chain_warning.setText(_first_line(plain_step_names(str(error))))
            self.chain_warning.setVisible(True)
        else:
            self.chain_warning.clear()
            self.chain_warning.setVisible(False)

    def _update_buttons(self) -> None:
        row = self.step_list.currentRow()
        count = len(self._steps)
        selected = 0 <= row < count
        self.remove_button.setEnabled(selected)
        self.up_button.setEnabled(selected and row > 0)
        self.down_button.setEnabled(selected and row < count - 1)
        self.run_button.setEnabled(not self._busy)
        self.cancel_button.setEnabled(self._busy)
        self.open_button.setEnabled(not self._busy)

    # -- the selected step's form

    def _on_step_selected(self, row: int) -> None:
        self._show_step(row)
        self._update_buttons()

    def _show_step(self, row: int) -> None:
        if not 0 <= row < len(self._steps):
            self.step_stack.setCurrentIndex(0)
            self.step_box.setTitle(self.tr("Selected step"))
            return
        self._ensure_forms()
        step = self._steps[row]
        options = {**self._defaults[step.technique], **step.options}
        previous = self._updating
        self._updating = True
        try:
            self.step_box.setTitle(self.tr("Step {index}").format(index=row + 1))
            self.step_title.setText(technique_title(step.technique))
            self.step_summary.setText(technique_summary(step.technique))
            self._show_technique_page(step.technique)
            if step.technique == PRUNE:
                self._fill_prune(options)
            elif step.technique == DISTILL:
                self._fill_distill(options)
            else:
                self._fill_quantize(options)
            self.step_name_edit.setText(step.name or "")
            self.step_name_edit.setPlaceholderText(
                Step(step.technique, step.options).describe()
            )
            self.advanced_edit.setPlaceholderText(self._advanced_placeholder(step.technique))
            self.advanced_edit.setToolTip(self._advanced_tooltip(step.technique))
            self.advanced_button.setToolTip(self.advanced_edit.toolTip())
            text = self._advanced_text(step)
            self.advanced_edit.setPlainText(text)
            error = self._advanced_errors.get(id(step), "")
            self.advanced_error.setText(error)
            self.advanced_error.setVisible(bool(error))
            if text or error:
                self.advanced_button.setChecked(True)
        finally:
            self._updating = previous
        self.step_stack.setCurrentIndex(1)

    def _show_technique_page(self, technique: str) -> None:
        """Show ``technique``'s form and hide the others."""
        for name, page in self._technique_pages.items():
            page.setVisible(name == technique)

    def _fill_prune(self, options: dict[str, Any]) -> None:
        from slimbench.engine.prune.config import PruneError, normalize_method

        try:
            method = normalize_method(str(options["method"]))
        except PruneError:
            method = str(options["method"])
        if not select_data(self.method_combo, method):
            self.method_combo.addItem(method, method)
            select_data(self.method_combo, method)
        self._fill_importances(method, str(options["importance"]))
        self.amount_spin.setValue(float(options["amount"]))
        self._update_amount_state(method)
        self.recovery_spin.setValue(int(options["recovery_epochs"]))
        self.recovery_distill_check.setChecked(bool(options["recovery_distill"]))
        self.recovery_distill_check.setEnabled(int(options["recovery_epochs"]) > 0)

    def _fill_importances(self, method: str, current: str) -> None:
        allowed = self._importances.get(method, ("l1",))
        blocked = self.importance_combo.blockSignals(True)
        try:
            self.importance_combo.clear()
            for importance in allowed:
                self.importance_combo.addItem(_safe(panel_text.importance_label, importance),
                                              importance)
                self.importance_combo.setItemData(
                    self.importance_combo.count() - 1,
                    _safe(panel_text.importance_tooltip, importance),
                    Qt.ItemDataRole.ToolTipRole,
                )
            if not select_data(self.importance_combo, current):
                self.importance_combo.addItem(current, current)
                select_data(self.importance_combo, current)
        finally:
            self.importance_combo.blockSignals(blocked)

    def _update_amount_state(self, method: str) -> None:
        from slimbench.engine.prune.config import SEMI_STRUCTURED

        fixed = method == SEMI_STRUCTURED
        self.amount_spin.setEnabled(not fixed)
        self.amount_label.setEnabled(not fixed)
        tip = (self.tr("2:4 sparsity always removes two of every four weights (0.5).")
               if fixed else self._amount_tooltip)
        self.amount_spin.setToolTip(tip)
        self.amount_label.setToolTip(tip)

    def _fill_distill(self, options: dict[str, Any]) -> None:
        student = str(options["student"])
        self.student_combo.setCurrentText(student)
        self.student_explanation.setText(student_explanation(student))
        teacher = str(options["teacher"])
        if not select_data(self.teacher_combo, teacher):
            self.teacher_combo.addItem(teacher, teacher)
            select_data(self.teacher_combo, teacher)
        self.epochs_spin.setValue(int(options["epochs"]))
        self.temperature_spin.setValue(float(options["temperature"]))
        self.alpha_spin.setValue(float(options["alpha"]))

    def _fill_quantize(self, options: dict[str, Any]) -> None:
        scheme = str(options["scheme"])
        if not select_data(self.scheme_combo, scheme):
            self.scheme_combo.addItem(scheme, scheme)
            select_data(self.scheme_combo, scheme)
        self._explain_scheme()
        choice = {None: "auto", True: "on", False: "off"}.get(options["compile"], "auto")
        select_data(self.compile_combo, choice)

    def _explain_scheme(self) -> None:
        tip = self.scheme_combo.itemData(self.scheme_combo.currentIndex(),
                                         Qt.ItemDataRole.ToolTipRole)
        self.scheme_explanation.setText(str(tip or "").split("\n")[0])

    def _current_step(self) -> tuple[int, Step] | None:
        row = self.step_list.currentRow()
        if 0 <= row < len(self._steps):
            return row, self._steps[row]
        return None

    def _set_option(self, key: str, value: Any) -> None:
        """A control changed: write its value into the selected step and relabel it."""
        if self._updating:
            return
        current = self._current_step()
        if current is None:
            return
        row, step = current
        step.options[key] = value
        self._relabel(row)
        if not step.name:
            self.step_name_edit.setPlaceholderText(step.describe())
        self._changed()

    def _on_method_changed(self, _row: int = -1) -> None:
        method = str(self.method_combo.currentData())
        current = self.importance_combo.currentData()
        allowed = self._importances.get(method, ("l1",))
        self._fill_importances(method, current if current in allowed else allowed[0])
        self._update_amount_state(method)
        if self._updating:
            return
        current_step = self._current_step()
        if current_step is None:
            return
        _row_index, step = current_step
        if method == "semi-structured-2:4":
            blocked = self.amount_spin.blockSignals(True)
            self.amount_spin.setValue(0.5)
            self.amount_spin.blockSignals(blocked)
            step.options["amount"] = 0.5
        if "importance" in step.options or self.importance_combo.currentData() != "l1":
            step.options["importance"] = self.importance_combo.currentData()
        self._set_option("method", method)

    def _on_recovery_changed(self, epochs: int) -> None:
        self.recovery_distill_check.setEnabled(epochs > 0)
        self._set_option("recovery_epochs", epochs)

    def _on_student_changed(self, text: str) -> None:
        self.student_explanation.setText(student_explanation(text))
        self._set_option("student", text.strip())

    def _on_scheme_changed(self, _row: int = -1) -> None:
        self._explain_scheme()
        self._set_option("scheme", str(self.scheme_combo.currentData()))

    def _on_step_name_edited(self, text: str) -> None:
        current = self._current_step()
        if current is None or self._updating:
            return
        row, step = current
        step.name = text.strip() or None
        self._relabel(row)
        self._changed()

    # -- advanced options: every other option of the step, as TOML

    def _other_options(self, technique: str) -> dict[str, Any]:
        return {key: value for key, value in self._defaults[technique].items()
                if key not in MAIN_OPTIONS[technique]}

    def _advanced_text(self, step: Step) -> str:
        import tomli_w

        others = {key: (list(value) if isinstance(value, tuple) else value)
                  for key, value in step.options.items()
                  if key not in MAIN_OPTIONS[step.technique] and value is not None}
        if not others:
            return ""
        try:
            return tomli_w.dumps(others).strip()
        except (TypeError, ValueError):
            return ""

    def _advanced_placeholder(self, technique: str) -> str:
        examples = [(key, value) for key, value in self._other_options(technique).items()
                    if value is not None and not isinstance(value, (dict, list, tuple))][:3]
        lines = [f"{key} = {_toml_value(value)}" for key, value in examples]
        return self.tr("Other options as TOML, e.g.\n{lines}").format(lines="\n".join(lines))

    def _advanced_tooltip(self, technique: str) -> str:
        names = []
        for key, value in self._other_options(technique).items():
            names.append(key if value is None else f"{key} = {_toml_value(value)}")
        return self.tr("Options without a field above, one per line as TOML (key = value). "
                       "Anything left out keeps its default:\n{names}").format(
            names=", ".join(names))

    def _on_advanced_toggled(self, shown: bool) -> None:
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if shown
                                          else Qt.ArrowType.RightArrow)
        self.advanced_edit.setVisible(shown)

    def _on_advanced_edited(self) -> None:
        if self._updating:
            return
        current = self._current_step()
        if current is None:
            return
        _row, step = current
        text = self.advanced_edit.toPlainText()
        error = ""
        parsed: dict[str, Any] = {}
        try:
            parsed = tomllib.loads(text)
        except tomllib.TOMLDecodeError as problem:
            error = self.tr("not valid TOML ({problem}).").format(problem=problem)
        else:
            others = self._other_options(step.technique)
            for key in parsed:
                if key in MAIN_OPTIONS[step.technique]:
                    error = self.tr("{key} has its own field above.").format(key=key)
                    break
                if key not in others:
                    error = self.tr("{key} is not an option of {technique}.").format(
                        key=key, technique=technique_title(step.technique).lower())
                    break
        if error:
            self._advanced_errors[id(step)] = error
        else:
            self._advanced_errors.pop(id(step), None)
            main = {key: value for key, value in step.options.items()
                    if key in MAIN_OPTIONS[step.technique]}
            step.options = {**main, **parsed}
        self.advanced_error.setText(error)
        self.advanced_error.setVisible(bool(error))
        self._changed()

    # -- mode, buttons and dialogs

    def _on_mode_clicked(self, index: int) -> None:
        self.set_mode(MODES[index])
        self._changed()

    def _changed(self, *_args: object) -> None:
        if not self._updating:
            self.recipe_changed.emit()

    def _on_run(self) -> None:
        if self._busy:
            return
        try:
            recipe = self.recipe()
        except RecipeError as error:
            self.show_error(str(error))
            return
        self.run_requested.emit(recipe)

    def open_recipe(self) -> None:
        """Ask for a recipe file and load it."""
        path = self.ask_open_path()
        if path:
            self.load_from(path)

    def save_recipe(self) -> None:
        """Ask where to save the recipe, and save it."""
        try:
            self.recipe()
        except RecipeError as error:
            self.show_error(str(error))
            return
        path = self.ask_save_path()
        if path:
            self.save_to(path)

    def load_from(self, path: str | Path) -> bool:
        """Read the recipe at ``path`` into the form; a problem is shown, not raised."""
        from slimbench.engine.recipes.recipe import load_recipe

        try:
            recipe = load_recipe(path)
        except RecipeError as error:
            self.show_error(str(error))
            return False
        self.set_recipe(recipe)
        return True

    def save_to(self, path: str | Path) -> bool:
        """Write the form's recipe to ``path`` (``.toml`` added when it has no suffix)."""
        from slimbench.engine.recipes.recipe import save_recipe

        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".toml")
        try:
            recipe = self.recipe()
            save_recipe(recipe, target)
        except RecipeError as error:
            self.show_error(str(error))
            return False
        except OSError as error:
            self.show_error(self.tr("The recipe cannot be saved to {path}: {reason}.").format(
                path=target, reason=error.strerror or error))
            return False
        return True

    def ask_open_path(self) -> str | None:
        """The file to open, from a dialog; None when the user cancels."""
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Open recipe"), str(self._start_folder()),
            self.tr("Recipes (*.toml);;All files (*)"),
        )
        return path or None

    def ask_save_path(self) -> str | None:
        """Where to save, from a dialog; None when the user cancels."""
        if self._source is not None:
            suggested = self._source
        else:
            stem = "".join(c if c.isalnum() or c in "-_" else "-"
                           for c in (self.name_edit.text().strip() or "recipe")).strip("-")
            suggested = self._start_folder() / f"{stem or 'recipe'}.toml"
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save recipe"), str(suggested), self.tr("Recipes (*.toml)"),
        )
        return path or None

    def _start_folder(self) -> Path:
        return self._source.parent if self._source is not None else Path.home()

    def show_error(self, message: str) -> None:
        """Tell the user what is wrong, in one line (tests replace this)."""
        QMessageBox.warning(self, self.tr("Recipe"), _first_line(message))

    # -- colours

    def _mute(self, label: QLabel) -> None:
        self._muted_labels.append(label)
        self._style_muted(label)

    def _style_muted(self, label: QLabel) -> None:
        own = label.palette()
        own.setColor(QPalette.ColorRole.WindowText,
                     self.palette().color(QPalette.ColorRole.PlaceholderText))
        label.setPalette(own)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()

    def _restyle(self) -> None:
        palette = self.palette()
        for label in self._muted_labels:
            self._style_muted(label)
        # A faint amber tint over the theme's base colour: readable in light and dark themes.
        tint = blend(palette.color(QPalette.ColorRole.Base), QColor("#E69F00"), 0.22)
        own = self.chain_warning.palette()
        own.setColor(QPalette.ColorRole.Window, tint)
        own.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.Text))
        self.chain_warning.setPalette(own)
        if self._forms_built:
            own = self.advanced_error.palette()
            own.setColor(QPalette.ColorRole.WindowText, QColor("#D55E00"))
            self.advanced_error.setPalette(own)
