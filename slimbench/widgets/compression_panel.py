"""The compression panel: pick a technique (quantize, prune, distil), fill in its form, and ask
for a run or a sensitivity scan.

The panel only collects choices. ``run_requested(technique, options)`` and
``sensitivity_requested(technique, options)`` hand a plain dict to the application, which
builds the engine's configuration and runs the job; the panel never starts anything. The
form's names mirror the engine's (``--scheme``, ``--method``, importance names), but the panel
imports no engine module, so it loads without torch.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from slimbench.widgets.form_controls import (
    add_row,
    blend,
    combo_box,
    form_label,
    form_layout,
    segmented_buttons,
    select_data,
    spin_box,
)

QUANTIZE = "quantize"
PRUNE = "prune"
DISTILL = "distill"
#: The techniques, in the order of the selector.
TECHNIQUES = (QUANTIZE, PRUNE, DISTILL)
_TECHNIQUE_ALIASES = {
    "distil": DISTILL,
    "distillation": DISTILL,
    "quantization": QUANTIZE,
    "quantise": QUANTIZE,
    "pruning": PRUNE,
}

#: PyTorch's quantization schemes (torchao), as ``slimbench quantize --scheme`` takes them.
SCHEMES = (
    "int8-dynamic", "int8-static", "int8-weight-only", "int4-weight-only", "float8-dynamic",
    "fp16", "bf16",
)
#: ONNX Runtime's quantization schemes: the model is exported to ONNX and runs on ONNX Runtime.
ORT_SCHEMES = ("ort-int8-dynamic", "ort-int8-static")
#: Every scheme the scheme combo offers, in menu order.
ALL_SCHEMES = SCHEMES + ORT_SCHEMES
#: The scheme that calibrates on batches of data (kept for callers that knew only one).
CALIBRATED_SCHEME = "int8-static"
#: The schemes that calibrate on batches of data.
CALIBRATED_SCHEMES = (CALIBRATED_SCHEME, "ort-int8-static")

STRUCTURED = "structured"
UNSTRUCTURED = "unstructured"
SEMI_STRUCTURED = "semi-structured-2:4"
#: Pruning methods, as ``slimbench prune --method`` takes them.
PRUNE_METHODS = (STRUCTURED, UNSTRUCTURED, SEMI_STRUCTURED)
_METHOD_ALIASES = {
    "2:4": SEMI_STRUCTURED,
    "semi-structured": SEMI_STRUCTURED,
    "semi_structured": SEMI_STRUCTURED,
    "semistructured": SEMI_STRUCTURED,
}
#: Importance criteria, in menu order.
IMPORTANCES = ("l1", "l2", "taylor", "lamp", "random")
#: The criteria each method understands (the engine's ``IMPORTANCES``).
IMPORTANCES_BY_METHOD = {
    STRUCTURED: IMPORTANCES,
    UNSTRUCTURED: ("l1", "random"),
    SEMI_STRUCTURED: ("l1",),
}

#: Prune modes: a fixed amount everywhere, or per-layer amounts chosen to reach a target.
MANUAL = "manual"
AUTO = "auto"
PRUNE_MODES = (MANUAL, AUTO)
#: What an automatic target is a share of (``slimbench prune --auto-target-size|latency``).
AUTO_TARGETS = ("size", "latency")
#: The methods automatic mode can use, per target.
METHODS_BY_AUTO_TARGET = {"size": (STRUCTURED, UNSTRUCTURED), "latency": (STRUCTURED,)}

#: Pruning amount limits, in percent.
MIN_AMOUNT = 5
MAX_AMOUNT = 95
#: 2:4 sparsity always removes two weights of every four.
SEMI_STRUCTURED_AMOUNT = 50

#: Width of the form labels in pixels (the panel sits in a tab about 420 px wide).
LABEL_WIDTH = 140

#: Patterns are separated by commas, semicolons or white space (module paths have none).
_PATTERN_SEPARATORS = re.compile(r"[,;\s]+")


def parse_patterns(text: str) -> list[str]:
    """``" fc, stages.0.* ,,net.1 "`` -> ``["fc", "stages.0.*", "net.1"]``: separators are
    commas, semicolons and white space; empty entries and repeats are dropped."""
    patterns: list[str] = []
    for part in _PATTERN_SEPARATORS.split(text):
        if part and part not in patterns:
            patterns.append(part)
    return patterns


def format_patterns(patterns: Iterable[str]) -> str:
    """The skip field's text for ``patterns``: ``fc, stages.0.*``."""
    return ", ".join(parse_patterns(",".join(patterns)))


def normalize_technique(name: str) -> str:
    """``"Distil"`` -> ``"distill"``; raises ValueError for an unknown technique."""
    key = name.strip().lower()
    key = _TECHNIQUE_ALIASES.get(key, key)
    if key not in TECHNIQUES:
        raise ValueError(f"unknown technique {name!r}; use one of {', '.join(TECHNIQUES)}")
    return key


# --- plain-language text ---------------------------------------------------------------------


def technique_label(technique: str) -> str:
    translate = QCoreApplication.translate
    labels = {
        QUANTIZE: translate("CompressionPanel", "&Quantize"),
        PRUNE: translate("CompressionPanel", "&Prune"),
        DISTILL: translate("CompressionPanel", "&Distil"),
    }
    return labels[technique]


def technique_summary(technique: str) -> str:
    """One or two sentences on what a technique does, shown at the top of its form."""
    translate = QCoreApplication.translate
    texts = {
        QUANTIZE: translate(
            "CompressionPanel",
            "Stores the model's numbers with fewer bits: smaller and often faster, usually with "
            "a very small loss of quality. Takes seconds.",
        ),
        PRUNE: translate(
            "CompressionPanel",
            "Removes the weights or channels that matter least. The more you remove, the more "
            "quality drops; a short retraining afterwards wins most of it back.",
        ),
        DISTILL: translate(
            "CompressionPanel",
            "Trains a smaller model (the student) to give the same answers as yours (the "
            "teacher). Needs training data and takes minutes to hours, but a student half the "
            "size often keeps nearly all of the quality.",
        ),
    }
    return texts[technique]


def scheme_label(scheme: str) -> str:
    translate = QCoreApplication.translate
    labels = {
        "int8-dynamic": translate("CompressionPanel", "int8, dynamic"),
        "int8-static": translate("CompressionPanel", "int8, static (calibrated)"),
        "int8-weight-only": translate("CompressionPanel", "int8, weights only"),
        "int4-weight-only": translate("CompressionPanel", "int4, weights only"),
        "float8-dynamic": translate("CompressionPanel", "float8, dynamic (recent NVIDIA GPUs)"),
        "fp16": translate("CompressionPanel", "float16 (half precision)"),
        "bf16": translate("CompressionPanel", "bfloat16 (half precision)"),
        "ort-int8-dynamic": translate("CompressionPanel", "int8, dynamic (ONNX Runtime)"),
        "ort-int8-static": translate(
            "CompressionPanel", "int8, static, calibrated (ONNX Runtime)"
        ),
    }
    return labels[scheme]


def scheme_explanation(scheme: str) -> str:
    """What a quantization scheme does and where it pays off, in one line or two."""
    translate = QCoreApplication.translate
    texts = {
        "int8-dynamic": translate(
            "CompressionPanel",
            "Stores weights as 8-bit integers and converts activations on the fly: about 4× "
            "smaller Linear layers, often 2–4× faster on CPUs.",
        ),
        "int8-static": translate(
            "CompressionPanel",
            "Also converts activations, using a few batches of your data to calibrate: fastest "
            "on CPUs for convolution networks.",
        ),
        "int8-weight-only": translate(
            "CompressionPanel",
            "Only weights are compressed: pays off on GPUs where memory is the bottleneck. "
            "About 4× smaller Linear layers; rarely faster on CPUs.",
        ),
        "int4-weight-only": translate(
            "CompressionPanel",
            "Only weights are compressed: pays off on GPUs where memory is the bottleneck. "
            "About 8× smaller Linear layers; needs an NVIDIA GPU.",
        ),
        "float8-dynamic": translate(
            "CompressionPanel",
            "8-bit floating-point weights and activations on the tensor cores of Hopper or Ada "
            "GPUs: about 4× smaller Linear layers, faster than bfloat16 only for large layers "
            "and batches.",
        ),
        "fp16": translate(
            "CompressionPanel",
            "Half-precision numbers: 2× smaller; float16 is fast on GPUs but slow on most CPUs.",
        ),
        "bf16": translate(
            "CompressionPanel",
            "Half-precision numbers: 2× smaller; bfloat16 is very fast on recent CPUs and GPUs.",
        ),
        "ort-int8-dynamic": translate(
            "CompressionPanel",
            "Exports the model to ONNX and lets ONNX Runtime store Linear weights as 8-bit "
            "integers: about 4× smaller, often the fastest on CPUs. The result is an ONNX "
            "model that runs on ONNX Runtime only.",
        ),
        "ort-int8-static": translate(
            "CompressionPanel",
            "Exports the model to ONNX and lets ONNX Runtime convert weights and activations "
            "to 8 bits, calibrated on a few batches of your data: for CNNs and MLPs on CPUs. "
            "The result runs on ONNX Runtime only.",
        ),
    }
    return texts[scheme]


def method_label(method: str) -> str:
    translate = QCoreApplication.translate
    labels = {
        STRUCTURED: translate("CompressionPanel", "Structured (channels)"),
        UNSTRUCTURED: translate("CompressionPanel", "Unstructured (single weights)"),
        SEMI_STRUCTURED: translate("CompressionPanel", "2:4 semi-structured"),
    }
    return labels[method]


def method_explanation(method: str) -> str:
    """What a pruning method really changes, in one line."""
    translate = QCoreApplication.translate
    texts = {
        STRUCTURED: translate(
            "CompressionPanel",
            "Removes whole channels and neurons: the model really gets smaller and faster.",
        ),
        UNSTRUCTURED: translate(
            "CompressionPanel",
            "Sets the smallest weights to zero: the file can be compressed, but dense speed "
            "does not change.",
        ),
        SEMI_STRUCTURED: translate(
            "CompressionPanel",
            "Keeps 2 of every 4 weights in a pattern NVIDIA GPUs accelerate; needs a GPU.",
        ),
    }
    return texts[method]


def prune_mode_label(mode: str) -> str:
    translate = QCoreApplication.translate
    labels = {
        MANUAL: translate("CompressionPanel", "Fixed amount"),
        AUTO: translate("CompressionPanel", "Automatic (reach a target)"),
    }
    return labels[mode]


def prune_mode_explanation(mode: str) -> str:
    translate = QCoreApplication.translate
    texts = {
        MANUAL: translate(
            "CompressionPanel", "Every layer loses the same share, the amount you set."
        ),
        AUTO: translate(
            "CompressionPanel",
            "Scans how much each layer suffers, then removes more from the layers that "
            "matter least until the target is reached.",
        ),
    }
    return texts[mode]


def auto_target_label(target: str) -> str:
    translate = QCoreApplication.translate
    labels = {
        "size": translate("CompressionPanel", "Size (the file)"),
        "latency": translate("CompressionPanel", "Latency (time per prediction)"),
    }
    return labels[target]


def auto_target_explanation(target: str) -> str:
    translate = QCoreApplication.translate
    texts = {
        "size": translate(
            "CompressionPanel",
            "The pruned file is at most this share of the original's size.",
        ),
        "latency": translate(
            "CompressionPanel",
            "One batch of 32 takes at most this share of the original's time on the chosen "
            "device; measured for real while choosing. Structured pruning only.",
        ),
    }
    return texts[target]


def importance_label(importance: str) -> str:
    translate = QCoreApplication.translate
    labels = {
        "l1": translate("CompressionPanel", "Magnitude (L1)"),
        "l2": translate("CompressionPanel", "Magnitude (L2)"),
        "taylor": translate("CompressionPanel", "Taylor (uses gradients)"),
        "lamp": translate("CompressionPanel", "LAMP (layer-adaptive)"),
        "random": translate("CompressionPanel", "Random (a baseline)"),
    }
    return labels[importance]


def importance_tooltip(importance: str) -> str:
    translate = QCoreApplication.translate
    texts = {
        "l1": translate(
            "CompressionPanel",
            "Removes what has the smallest weights (sum of absolute values). Fast and a good "
            "default.",
        ),
        "l2": translate(
            "CompressionPanel",
            "Like L1, but large single weights count more (sum of squares).",
        ),
        "taylor": translate(
            "CompressionPanel",
            "Estimates how much the output changes without each part, from a few batches of "
            "your data. Often keeps more quality; slower.",
        ),
        "lamp": translate(
            "CompressionPanel",
            "Compares weights across layers fairly, so no layer is emptied by accident. Useful "
            "with global ranking.",
        ),
        "random": translate(
            "CompressionPanel",
            "Removes parts at random: only useful to see how much better the other criteria do.",
        ),
    }
    return texts[importance]


# --- small building blocks ---------------------------------------------------------------


def _form_label(text: str, parent: QWidget) -> QLabel:
    return form_label(text, LABEL_WIDTH, parent)


def _form() -> QFormLayout:
    return form_layout()


def _add_row(form: QFormLayout, text: str, field: QWidget, tooltip: str, parent: QWidget) -> QLabel:
    return add_row(form, text, field, tooltip, label_width=LABEL_WIDTH, parent=parent)


def _combo(parent: QWidget) -> QComboBox:
    return combo_box(parent)


# --- the panel -----------------------------------------------------------------------------


class CompressionPanel(QWidget):
    """A technique selector and one form per technique, with Run and Sensitivity scan buttons.

    :meth:`options` returns the shown form as a plain dict with these keys:

    ``quantize``
        ``scheme`` (str, one of :data:`ALL_SCHEMES`), ``compile`` (bool; False for an ONNX
        Runtime scheme), ``calibration_batches`` (int; used by the schemes of
        :data:`CALIBRATED_SCHEMES` only), ``skip`` (list[str] of fnmatch patterns on module
        paths), ``auto_skip`` (int: skip that many of the most sensitive layers, 0 = off;
        always 0 for an ONNX Runtime scheme).
    ``prune``
        ``method`` (str, one of :data:`PRUNE_METHODS`), ``amount`` (float 0..1, the fraction
        removed; always 0.5 for 2:4), ``importance`` (str, one of :data:`IMPORTANCES` that the
        method understands), ``global_pruning`` (bool), ``round_to`` (int channels),
        ``iterative_steps`` (int), ``skip`` (list[str]), ``recover_epochs`` (int, 0 = no
        recovery), ``distill_recovery`` (bool: recover by learning from the original; only
        matters when ``recover_epochs`` > 0), ``mode`` (str, one of :data:`PRUNE_MODES`:
        ``"auto"`` chooses per-layer amounts instead of ``amount``), ``auto_target`` (str, one
        of :data:`AUTO_TARGETS`) and ``target_fraction`` (float 0..1, the share of the
        original's size or latency to reach; both used in ``"auto"`` mode only).
    ``distill``
        ``student`` (str: the id of a choice from :meth:`set_student_choices`, "" when there is
        none), ``epochs`` (int), ``temperature`` (float), ``alpha`` (float 0..1, the weight of
        the teacher's answers against the labels), ``nproc`` (int processes per machine),
        ``nnodes`` (int machines, this one first) and ``rdzv_endpoint`` (str HOST:PORT where
        the machines meet; "" for one machine).

    Technique names are ``"quantize"``, ``"prune"`` and ``"distill"``; methods that take one
    also accept ``"distil"``. Without a model (:meth:`set_enabled_for_model`), while a job of
    the panel runs (:meth:`set_busy`) and for a technique the application marked unavailable,
    the buttons are disabled and a line under the form says why. Schemes the application
    marks unavailable (:meth:`set_schemes_unavailable`) are greyed out with their reason.
    """

    #: The user pressed Run: (technique, options).
    run_requested = Signal(str, object)
    #: The user asked for a sensitivity scan (quantize and prune): (technique, options).
    sensitivity_requested = Signal(str, object)
    #: Another technique was chosen.
    technique_changed = Signal(str)
    #: Any field of a form changed: (technique, options of that technique).
    options_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        translate = QCoreApplication.translate
        self._has_model = False
        self._busy = False
        self._available: dict[str, tuple[bool, str]] = {name: (True, "") for name in TECHNIQUES}
        self._muted_labels: list[QLabel] = []
        self._updating = False
        self._amount_before_semi = 50
        self._pages: dict[str, QWidget] = {}
        self._forms: dict[str, QWidget] = {}
        self._reason_labels: dict[str, QLabel] = {}
        self._scheme_reasons: dict[str, str] = {}
        # compile and auto-skip as the user left them, shown again after an ONNX Runtime
        # scheme (which shows them cleared, as they do not apply to it).
        self._kept_for_torch: tuple[bool, int] | None = None

        # -- the technique selector: a row of segmented buttons
        self._technique_group, self.technique_buttons, selector = segmented_buttons(
            TECHNIQUES, self, label=technique_label, tooltip=technique_summary,
            object_name="{name}TechniqueButton", expanding=True)

        self.stack = QStackedWidget(self)
        for name, build in (
            (QUANTIZE, self._build_quantize),
            (PRUNE, self._build_prune),
            (DISTILL, self._build_distill),
        ):
            page = self._page(name, build)
            self.stack.addWidget(page)

        # -- the buttons and the line that says why they are disabled
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self._mute(self.status_label)
        self.sensitivity_button = QPushButton(
            translate("CompressionPanel", "&Sensitivity scan"), self
        )
        self.sensitivity_button.setObjectName("sensitivityButton")
        self.sensitivity_button.setAutoDefault(False)
        self.sensitivity_button.setToolTip(
            translate(
                "CompressionPanel",
                "Compresses one layer at a time and measures how much each one hurts the "
                "answers, so you can see which layers to leave alone. Changes nothing.",
            )
        )
        self._sensitivity_tooltip = self.sensitivity_button.toolTip()
        self.run_button = QPushButton(translate("CompressionPanel", "&Run"), self)
        self.run_button.setObjectName("runButton")
        self.run_button.setAutoDefault(False)
        self.run_button.setMinimumWidth(self.run_button.fontMetrics().horizontalAdvance("Run") + 60)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sensitivity_button)
        buttons.addWidget(self.run_button)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(selector)
        layout.addWidget(self.stack, 1)
        layout.addWidget(line)
        layout.addWidget(self.status_label)
        layout.addLayout(buttons)

        self._technique_group.idClicked.connect(self._on_technique_clicked)
        self.run_button.clicked.connect(self._on_run)
        self.sensitivity_button.clicked.connect(self._on_sensitivity)

        self._restyle()
        self.stack.setCurrentIndex(0)
        self.set_technique(QUANTIZE)
        self._on_scheme_changed()
        self._on_method_changed()
        self._on_prune_mode_changed()
        self._on_recover_epochs_changed()
        self._update_buttons()

    def sizeHint(self) -> QSize:
        return QSize(420, 560)

    def minimumSizeHint(self) -> QSize:
        return QSize(340, 320)

    # -- building the forms

    def _page(self, name: str, build: Any) -> QScrollArea:
        """One technique's page: its summary, the reason it is unavailable, its form; scrolls
        vertically, never sideways."""
        content = QWidget()
        content.setObjectName(f"{name}Page")
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 6, 4, 6)
        column.setSpacing(8)
        summary = QLabel(technique_summary(name), content)
        summary.setWordWrap(True)
        summary.setObjectName(f"{name}Summary")
        column.addWidget(summary)
        reason = QLabel(content)
        reason.setObjectName(f"{name}Reason")
        reason.setWordWrap(True)
        reason.setAutoFillBackground(True)
        reason.setMargin(6)
        reason.setVisible(False)
        column.addWidget(reason)
        form_widget = QWidget(content)
        form = _form()
        form.setContentsMargins(0, 0, 0, 0)
        form_widget.setLayout(form)
        build(form_widget, form)
        column.addWidget(form_widget)
        column.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setObjectName(f"{name}Scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self._pages[name] = scroll
        self._forms[name] = form_widget
        self._reason_labels[name] = reason
        return scroll

    def _explanation_label(self, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        self._mute(label)
        return label

    def _explained_choice(
        self,
        parent: QWidget,
        form: QFormLayout,
        names: Sequence[str],
        label_of: Callable[[str], str],
        explanation_of: Callable[[str], str],
        command_line: str,
        title: str,
        tip: str,
    ) -> tuple[QComboBox, QLabel]:
        """A form row: a combo of ``names`` with the chosen entry's explanation under it.

        Each entry's tooltip adds the command-line spelling (``command_line`` has {name}).
        """
        combo = _combo(parent)
        for name in names:
            combo.addItem(label_of(name), name)
            combo.setItemData(
                combo.count() - 1,
                explanation_of(name) + "\n" + command_line.format(name=name),
                Qt.ItemDataRole.ToolTipRole,
            )
        explanation = self._explanation_label(parent)
        field = QWidget(parent)
        column = QVBoxLayout(field)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(combo)
        column.addWidget(explanation)
        label = _add_row(form, title, field, tip, parent)
        label.setBuddy(combo)
        combo.setToolTip(field.toolTip())
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        return combo, explanation

    def _build_quantize(self, parent: QWidget, form: QFormLayout) -> None:
        translate = QCoreApplication.translate
        self.scheme_combo, self.scheme_explanation = self._explained_choice(
            parent, form, ALL_SCHEMES, scheme_label, scheme_explanation,
            translate("CompressionPanel", "Command line: --scheme {name}"),
            translate("CompressionPanel", "Scheme"),
            translate(
                "CompressionPanel",
                "How the model's numbers are stored after quantization. Hover over an entry "
                "to read what it is good for.",
            ),
        )
        self.scheme_combo.setObjectName("schemeCombo")
        self.scheme_explanation.setObjectName("schemeExplanation")

        self.compile_check = QCheckBox(
            translate("CompressionPanel", "Compile (torch.compile)"), parent
        )
        self.compile_check.setObjectName("quantizeCompileCheck")
        self.compile_check.setChecked(True)
        self.compile_check.setToolTip(
            translate(
                "CompressionPanel",
                "Turns the quantized model into optimised code the first time it runs. Most "
                "of the speed-up of int8 comes from this; the first run takes longer.",
            )
        )
        form.addRow(self.compile_check)

        self.calibration_spin = spin_box(1, 1024, 8, parent)
        self.calibration_spin.setObjectName("calibrationSpin")
        self.calibration_label = _add_row(
            form,
            translate("CompressionPanel", "Calibration batches"),
            self.calibration_spin,
            translate(
                "CompressionPanel",
                "How many batches of your data to run through the model to learn the range "
                "of its activations. More is steadier and slower; 8 is usually enough.",
            ),
            parent,
        )
        self._calibration_tooltip = self.calibration_spin.toolTip()
        self._compile_tooltip = self.compile_check.toolTip()

        self.quantize_skip_edit = QLineEdit(parent)
        self.quantize_skip_edit.setObjectName("quantizeSkipEdit")
        self.quantize_skip_edit.setPlaceholderText(
            translate("CompressionPanel", "e.g. fc, stages.0.*")
        )
        self.quantize_skip_edit.setClearButtonEnabled(True)
        _add_row(
            form,
            translate("CompressionPanel", "Skip layers"),
            self.quantize_skip_edit,
            self._skip_tooltip(),
            parent,
        )

        self.auto_skip_spin = spin_box(0, 999, 0, parent)
        self.auto_skip_spin.setObjectName("autoSkipSpin")
        self.auto_skip_spin.setSpecialValueText(translate("CompressionPanel", "Off"))
        self.auto_skip_label = _add_row(
            form,
            translate("CompressionPanel", "Auto-skip the most sensitive layers"),
            self.auto_skip_spin,
            translate(
                "CompressionPanel",
                "Measures first which layers lose the most quality when quantized, and leaves "
                "that many of them as they are. 0 turns it off.",
            ),
            parent,
        )
        self._auto_skip_tooltip = self.auto_skip_spin.toolTip()

        self.scheme_combo.currentIndexChanged.connect(self._on_scheme_changed)
        for signal in (
            self.compile_check.toggled,
            self.calibration_spin.valueChanged,
            self.quantize_skip_edit.textChanged,
            self.auto_skip_spin.valueChanged,
        ):
            signal.connect(lambda *_args: self._changed(QUANTIZE))

    def _build_prune(self, parent: QWidget, form: QFormLayout) -> None:
        translate = QCoreApplication.translate
        self._prune_form = form
        self.prune_mode_combo, self.prune_mode_explanation = self._explained_choice(
            parent, form, PRUNE_MODES, prune_mode_label, prune_mode_explanation,
            translate("CompressionPanel", "Command line: --amount, or --auto-target-size / "
                      "--auto-target-latency"),
            translate("CompressionPanel", "Mode"),
            translate(
                "CompressionPanel",
                "Remove the same share from every layer, or let a sensitivity scan choose "
                "how much each layer loses to reach a size or speed target.",
            ),
        )
        self.prune_mode_combo.setObjectName("pruneModeCombo")
        self.prune_mode_explanation.setObjectName("pruneModeExplanation")
        self.method_combo, self.method_explanation = self._explained_choice(
            parent, form, PRUNE_METHODS, method_label, method_explanation,
            translate("CompressionPanel", "Command line: --method {name}"),
            translate("CompressionPanel", "Method"),
            translate("CompressionPanel", "What is removed: whole channels or single weights."),
        )
        self.method_combo.setObjectName("methodCombo")
        self.method_explanation.setObjectName("methodExplanation")

        self.amount_slider = QSlider(Qt.Orientation.Horizontal, parent)
        self.amount_slider.setObjectName("amountSlider")
        self.amount_slider.setRange(MIN_AMOUNT, MAX_AMOUNT)
        self.amount_slider.setPageStep(10)
        self.amount_slider.setValue(50)
        self.amount_spin = spin_box(MIN_AMOUNT, MAX_AMOUNT, 50, parent)
        self.amount_spin.setObjectName("amountSpin")
        self.amount_spin.setSuffix(" %")
        self.amount_spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        amount_field = QWidget(parent)
        amount_row = QHBoxLayout(amount_field)
        amount_row.setContentsMargins(0, 0, 0, 0)
        amount_row.addWidget(self.amount_slider, 1)
        amount_row.addWidget(self.amount_spin)
        self._amount_tooltip = translate(
            "CompressionPanel",
            "How much to remove: 50 % removes half of the channels (structured) or of the "
            "weights (unstructured).",
        )
        self.amount_label = _add_row(
            form,
            translate("CompressionPanel", "Amount"),
            amount_field,
            self._amount_tooltip,
            parent,
        )
        self.amount_label.setBuddy(self.amount_spin)
        self.amount_slider.setToolTip(self._amount_tooltip)
        self.amount_spin.setToolTip(self._amount_tooltip)

        self.auto_target_combo, self.auto_target_explanation = self._explained_choice(
            parent, form, AUTO_TARGETS, auto_target_label, auto_target_explanation,
            translate("CompressionPanel", "Command line: --auto-target-{name} 0.5"),
            translate("CompressionPanel", "Target"),
            translate(
                "CompressionPanel",
                "What automatic mode makes smaller: the model's file, or the time one "
                "prediction takes.",
            ),
        )
        self.auto_target_combo.setObjectName("autoTargetCombo")
        self.auto_target_explanation.setObjectName("autoTargetExplanation")
        self.target_spin = spin_box(MIN_AMOUNT, MAX_AMOUNT, 50, parent)
        self.target_spin.setObjectName("targetSpin")
        self.target_spin.setSuffix(translate("CompressionPanel", " % of the original"))
        self.target_label = _add_row(
            form,
            translate("CompressionPanel", "Keep at most"),
            self.target_spin,
            translate(
                "CompressionPanel",
                "The share of the original's size or latency to reach: 50 % makes it half "
                "as big or twice as fast. Layers that suffer least lose the most.",
            ),
            parent,
        )

        self.importance_combo = _combo(parent)
        self.importance_combo.setObjectName("importanceCombo")
        for importance in IMPORTANCES:
            self.importance_combo.addItem(importance_label(importance), importance)
            self.importance_combo.setItemData(
                self.importance_combo.count() - 1,
                importance_tooltip(importance),
                Qt.ItemDataRole.ToolTipRole,
            )
        _add_row(
            form,
            translate("CompressionPanel", "Importance"),
            self.importance_combo,
            translate(
                "CompressionPanel",
                "How to decide what matters least, and so what is removed first.",
            ),
            parent,
        )

        self.global_check = QCheckBox(translate("CompressionPanel", "Global ranking"), parent)
        self.global_check.setObjectName("globalCheck")
        self._global_tooltip = translate(
            "CompressionPanel",
            "Ranks all layers together, so layers with many unimportant parts lose more and "
            "sensitive layers lose less. Off: every layer loses the same share.",
        )
        self.global_check.setToolTip(self._global_tooltip)
        form.addRow(self.global_check)

        self.round_spin = spin_box(1, 256, 8, parent)
        self.round_spin.setObjectName("roundSpin")
        self.round_spin.setSuffix(translate("CompressionPanel", " channels"))
        self._round_tooltip = translate(
            "CompressionPanel",
            "Keeps channel counts a multiple of this number, which processors and GPUs handle "
            "fastest. 1 keeps the exact amount.",
        )
        self.round_label = _add_row(
            form,
            translate("CompressionPanel", "Round channels to"),
            self.round_spin,
            self._round_tooltip,
            parent,
        )

        self.steps_spin = spin_box(1, 100, 1, parent)
        self.steps_spin.setObjectName("stepsSpin")
        self._steps_tooltip = translate(
            "CompressionPanel",
            "Removes the amount in this many smaller steps, ranking again after each one. "
            "More steps often keep more quality.",
        )
        self.steps_label = _add_row(
            form,
            translate("CompressionPanel", "Iterative steps"),
            self.steps_spin,
            self._steps_tooltip,
            parent,
        )

        self.prune_skip_edit = QLineEdit(parent)
        self.prune_skip_edit.setObjectName("pruneSkipEdit")
        self.prune_skip_edit.setPlaceholderText(
            translate("CompressionPanel", "e.g. fc, stages.0.*")
        )
        self.prune_skip_edit.setClearButtonEnabled(True)
        _add_row(
            form,
            translate("CompressionPanel", "Skip layers"),
            self.prune_skip_edit,
            self._skip_tooltip(),
            parent,
        )

        self.recover_group = QGroupBox(
            translate("CompressionPanel", "Recover accuracy afterwards"), parent
        )
        self.recover_group.setObjectName("recoverGroup")
        self.recover_group.setToolTip(
            translate(
                "CompressionPanel",
                "Trains the pruned model briefly on your data so it wins back most of the "
                "quality it lost.",
            )
        )
        recover_form = _form()
        self.recover_group.setLayout(recover_form)
        self.recover_epochs_spin = spin_box(0, 1000, 3, self.recover_group)
        self.recover_epochs_spin.setObjectName("recoverEpochsSpin")
        self.recover_epochs_spin.setSpecialValueText(translate("CompressionPanel", "No recovery"))
        _add_row(
            recover_form,
            translate("CompressionPanel", "Epochs"),
            self.recover_epochs_spin,
            translate(
                "CompressionPanel",
                "How many times to go over the training data. 0 skips recovery.",
            ),
            self.recover_group,
        )
        self.distill_recovery_check = QCheckBox(
            translate("CompressionPanel", "Learn from the original (distillation)"),
            self.recover_group,
        )
        self.distill_recovery_check.setObjectName("distillRecoveryCheck")
        self.distill_recovery_check.setChecked(True)
        self.distill_recovery_check.setToolTip(
            translate(
                "CompressionPanel",
                "The pruned model learns to give the same answers as the original, not only "
                "the labels. Usually recovers more quality.",
            )
        )
        recover_form.addRow(self.distill_recovery_check)
        form.addRow(self.recover_group)

        self.method_combo.currentIndexChanged.connect(self._on_method_changed)
        self.prune_mode_combo.currentIndexChanged.connect(self._on_prune_mode_changed)
        self.auto_target_combo.currentIndexChanged.connect(self._on_prune_mode_changed)
        self.target_spin.valueChanged.connect(lambda *_args: self._changed(PRUNE))
        self.amount_slider.valueChanged.connect(self.amount_spin.setValue)
        self.amount_spin.valueChanged.connect(self.amount_slider.setValue)
        self.recover_epochs_spin.valueChanged.connect(self._on_recover_epochs_changed)
        for signal in (
            self.amount_spin.valueChanged,
            self.importance_combo.currentIndexChanged,
            self.global_check.toggled,
            self.round_spin.valueChanged,
            self.steps_spin.valueChanged,
            self.prune_skip_edit.textChanged,
            self.distill_recovery_check.toggled,
        ):
            signal.connect(lambda *_args: self._changed(PRUNE))

    def _build_distill(self, parent: QWidget, form: QFormLayout) -> None:
        translate = QCoreApplication.translate
        self.student_combo = _combo(parent)
        self.student_combo.setObjectName("studentCombo")
        self.student_combo.setPlaceholderText(
            translate("CompressionPanel", "No student offered for this model")
        )
        _add_row(
            form,
            translate("CompressionPanel", "Student"),
            self.student_combo,
            translate(
                "CompressionPanel",
                "The smaller model that learns from yours: a narrower copy, your model "
                "pruned first, or a built-in one.",
            ),
            parent,
        )

        self.epochs_spin = spin_box(1, 1000, 10, parent)
        self.epochs_spin.setObjectName("epochsSpin")
        _add_row(
            form,
            translate("CompressionPanel", "Epochs"),
            self.epochs_spin,
            translate(
                "CompressionPanel",
                "How many times the student goes over the training data. More takes longer "
                "and usually gets closer to the teacher.",
            ),
            parent,
        )

        self.temperature_spin = QDoubleSpinBox(parent)
        self.temperature_spin.setObjectName("temperatureSpin")
        self.temperature_spin.setRange(1.0, 20.0)
        self.temperature_spin.setSingleStep(0.5)
        self.temperature_spin.setDecimals(1)
        self.temperature_spin.setValue(4.0)
        _add_row(
            form,
            translate("CompressionPanel", "Temperature"),
            self.temperature_spin,
            translate(
                "CompressionPanel",
                "Softens the teacher's answers so the student also learns which wrong answers "
                "were nearly right. 2 to 5 works for most models.",
            ),
            parent,
        )

        self.alpha_spin = QDoubleSpinBox(parent)
        self.alpha_spin.setObjectName("alphaSpin")
        self.alpha_spin.setRange(0.0, 1.0)
        self.alpha_spin.setSingleStep(0.05)
        self.alpha_spin.setDecimals(2)
        self.alpha_spin.setValue(0.5)
        _add_row(
            form,
            translate("CompressionPanel", "Teacher weight (alpha)"),
            self.alpha_spin,
            translate(
                "CompressionPanel",
                "How much the student follows the teacher rather than the labels: 1 only the "
                "teacher, 0 only the labels.",
            ),
            parent,
        )

        self.nproc_spin = spin_box(1, max(1, os.cpu_count() or 1), 1, parent)
        self.nproc_spin.setObjectName("nprocSpin")
        _add_row(
            form,
            translate("CompressionPanel", "Processes"),
            self.nproc_spin,
            translate(
                "CompressionPanel",
                "How many processes train together, each on part of the data. Never more "
                "than the processor has cores.",
            ),
            parent,
        )
        self.machines_spin = spin_box(1, 64, 1, parent)
        self.machines_spin.setObjectName("machinesSpin")
        _add_row(
            form,
            translate("CompressionPanel", "Machines"),
            self.machines_spin,
            translate(
                "CompressionPanel",
                "How many computers train together. This one is the first; each other one "
                "runs the command shown below.",
            ),
            parent,
        )
        self.endpoint_edit = QLineEdit(parent)
        self.endpoint_edit.setObjectName("endpointEdit")
        self.endpoint_edit.setPlaceholderText("192.168.1.10:29500")
        self.endpoint_label = _add_row(
            form,
            translate("CompressionPanel", "Meeting point"),
            self.endpoint_edit,
            translate(
                "CompressionPanel",
                "This computer's address and a free port, as the other machines reach it "
                "(HOST:PORT).",
            ),
            parent,
        )
        self.commands_view = QPlainTextEdit(parent)
        self.commands_view.setObjectName("otherMachineCommands")
        self.commands_view.setReadOnly(True)
        self.commands_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.commands_view.setMaximumHeight(90)
        # Long commands wrap rather than widen the form past the panel.
        self.commands_view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.commands_view.setMinimumWidth(120)
        self.commands_label = _add_row(
            form,
            translate("CompressionPanel", "On each other machine"),
            self.commands_view,
            translate(
                "CompressionPanel",
                "Run this in a terminal on each other machine (with Slimbench installed and "
                "the teacher at the same path) before pressing Run here.",
            ),
            parent,
        )
        self.machines_spin.valueChanged.connect(self._on_machines_changed)
        self.endpoint_edit.textChanged.connect(lambda *_args: self._changed(DISTILL))
        self._on_machines_changed()
        for spin in (self.temperature_spin, self.alpha_spin):
            spin.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)

        self.student_combo.currentIndexChanged.connect(self._on_student_changed)
        for signal in (
            self.epochs_spin.valueChanged,
            self.temperature_spin.valueChanged,
            self.alpha_spin.valueChanged,
            self.nproc_spin.valueChanged,
        ):
            signal.connect(lambda *_args: self._changed(DISTILL))

    @staticmethod
    def _skip_tooltip() -> str:
        return QCoreApplication.translate(
            "CompressionPanel",
            "Layers to leave exactly as they are, separated by commas: a layer's path as in "
            "the layer tree (fc, net.1), or a pattern with * for any part (stages.0.* is "
            "everything inside stages.0). The first and last layers are often worth "
            "skipping. Ticking layers in the layer tree fills this in.",
        )

    # -- public API

    def technique(self) -> str:
        """The technique shown: ``"quantize"``, ``"prune"`` or ``"distill"``."""
        return TECHNIQUES[max(0, self.stack.currentIndex())]

    def set_technique(self, name: str) -> None:
        """Show the form of ``name`` (``"distil"`` is accepted for ``"distill"``)."""
        name = normalize_technique(name)
        index = TECHNIQUES.index(name)
        for technique, button in self.technique_buttons.items():
            button.setChecked(technique == name)
            font = button.font()
            font.setBold(technique == name)  # the chosen one stands out in every theme
            button.setFont(font)
        if index != self.stack.currentIndex():
            self.stack.setCurrentIndex(index)
            self._update_buttons()
            self.technique_changed.emit(name)

    def options(self, technique: str | None = None) -> dict[str, Any]:
        """The form of ``technique`` (default: the one shown) as a plain dict; see the class
        docstring for the keys."""
        name = self.technique() if technique is None else normalize_technique(technique)
        if name == QUANTIZE:
            scheme = str(self.scheme_combo.currentData())
            onnx = scheme in ORT_SCHEMES  # runs on ONNX Runtime: neither applies
            return {
                "scheme": scheme,
                "compile": self.compile_check.isChecked() and not onnx,
                "calibration_batches": self.calibration_spin.value(),
                "skip": parse_patterns(self.quantize_skip_edit.text()),
                "auto_skip": 0 if onnx else self.auto_skip_spin.value(),
            }
        if name == PRUNE:
            method = str(self.method_combo.currentData())
            semi = method == SEMI_STRUCTURED
            amount = SEMI_STRUCTURED_AMOUNT if semi else self.amount_spin.value()
            return {
                "method": method,
                "amount": amount / 100.0,
                "importance": str(self.importance_combo.currentData()),
                "global_pruning": self.global_check.isChecked(),
                "round_to": self.round_spin.value(),
                "iterative_steps": self.steps_spin.value(),
                "skip": parse_patterns(self.prune_skip_edit.text()),
                "recover_epochs": self.recover_epochs_spin.value(),
                "distill_recovery": self.distill_recovery_check.isChecked(),
                "mode": str(self.prune_mode_combo.currentData()),
                "auto_target": str(self.auto_target_combo.currentData()),
                "target_fraction": self.target_spin.value() / 100.0,
            }
        student = self.student_combo.currentData()
        return {
            "student": "" if student is None else str(student),
            "epochs": self.epochs_spin.value(),
            "temperature": float(self.temperature_spin.value()),
            "alpha": float(self.alpha_spin.value()),
            "nproc": self.nproc_spin.value(),
            "nnodes": self.machines_spin.value(),
            "rdzv_endpoint": self.endpoint_edit.text().strip(),
        }

    def set_options(self, technique: str, options: Mapping[str, Any]) -> None:
        """Fill the form of ``technique`` from ``options`` (keys as :meth:`options` returns
        them; missing keys keep their field, unknown keys are ignored) and show it.

        ``amount`` is a fraction (0.3 = 30 %), clamped to 5..95 %. An importance the method
        does not understand falls back to ``l1``; a student that is not among the choices is
        added under its id. Raises ValueError for an unknown technique, scheme, method or
        importance. Emits ``options_changed`` once.
        """
        name = normalize_technique(technique)
        self._updating = True
        try:
            if name == QUANTIZE:
                self._set_quantize(options)
            elif name == PRUNE:
                self._set_prune(options)
            else:
                self._set_distill(options)
        finally:
            self._updating = False
        self.set_technique(name)
        self._update_buttons()
        self._changed(name)

    def set_technique_available(self, name: str, available: bool, reason: str = "") -> None:
        """Mark a technique (un)available, with a sentence that says why.

        An unavailable technique can still be looked at: its page shows the reason above a
        greyed form, its selector button carries the reason as tooltip, and Run is disabled.
        """
        name = normalize_technique(name)
        self._available[name] = (available, reason)
        button = self.technique_buttons[name]
        label = self._reason_labels[name]
        form = self._forms[name]
        form.setEnabled(available)
        if available:
            button.setToolTip(technique_summary(name))
            label.setVisible(False)
            label.clear()
        else:
            text = reason or QCoreApplication.translate(
                "CompressionPanel", "Not available for this model."
            )
            button.setToolTip(
                QCoreApplication.translate("CompressionPanel", "Not available: {reason}").format(
                    reason=text
                )
            )
            label.setText(text)
            label.setVisible(True)
        self._update_buttons()

    def is_technique_available(self, name: str) -> bool:
        return self._available[normalize_technique(name)][0]

    def set_schemes_unavailable(self, reasons: Mapping[str, str | None]) -> None:
        """Grey out the schemes that cannot run, each with its one-sentence reason as tooltip
        (None or "" makes a scheme available again; schemes not named keep their state).

        The panel stays on a greyed scheme the user had chosen, and Run says why it cannot
        start, rather than switching schemes behind the user's back.
        """
        for scheme, reason in reasons.items():
            if scheme not in ALL_SCHEMES:
                raise ValueError(f"unknown scheme {scheme!r}; use one of {', '.join(ALL_SCHEMES)}")
            if reason:
                self._scheme_reasons[scheme] = reason
            else:
                self._scheme_reasons.pop(scheme, None)
        model = self.scheme_combo.model()
        assert isinstance(model, QStandardItemModel)
        command_line = QCoreApplication.translate(
            "CompressionPanel", "Command line: --scheme {name}"
        )
        for row, scheme in enumerate(ALL_SCHEMES):
            item = model.item(row)
            reason = self._scheme_reasons.get(scheme)
            item.setEnabled(reason is None)
            item.setToolTip(
                QCoreApplication.translate("CompressionPanel", "Not available: {reason}").format(
                    reason=reason
                )
                if reason
                else scheme_explanation(scheme) + "\n" + command_line.format(name=scheme)
            )
        self._on_scheme_changed()

    def scheme_unavailable(self, scheme: str) -> str:
        """Why ``scheme`` is greyed out, or "" when it can run."""
        return self._scheme_reasons.get(scheme, "")

    def set_student_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """The students to offer, as ``(id, label)`` pairs such as
        ``("width:0.5", "Half as wide")``; the current choice is kept where it is offered."""
        current = self.student_combo.currentData()
        self._updating = True
        try:
            self.student_combo.clear()
            for student_id, label in choices:
                self.student_combo.addItem(label, student_id)
                self.student_combo.setItemData(
                    self.student_combo.count() - 1, student_id, Qt.ItemDataRole.ToolTipRole
                )
            if current is None or not select_data(self.student_combo, current):
                self.student_combo.setCurrentIndex(0 if choices else -1)
        finally:
            self._updating = False
        self._on_student_changed()

    def student_choices(self) -> list[tuple[str, str]]:
        return [
            (str(self.student_combo.itemData(row)), self.student_combo.itemText(row))
            for row in range(self.student_combo.count())
        ]

    def set_enabled_for_model(self, has_model: bool) -> None:
        """Enable Run and Sensitivity scan once a model is loaded; the forms stay editable."""
        self._has_model = has_model
        self._update_buttons()

    def set_busy(self, busy: bool) -> None:
        """While a job of this panel runs, Run and Sensitivity scan are disabled."""
        self._busy = busy
        self._update_buttons()

    def is_busy(self) -> bool:
        return self._busy

    def set_skip_layers(self, patterns: Sequence[str], technique: str | None = None) -> None:
        """Fill the skip field with ``patterns`` (layers ticked in the layer tree): the field of
        ``technique``, or of both quantize and prune when it is None."""
        text = format_patterns(patterns)
        names = (QUANTIZE, PRUNE) if technique is None else (normalize_technique(technique),)
        for name in names:
            if name == QUANTIZE:
                self.quantize_skip_edit.setText(text)
            elif name == PRUNE:
                self.prune_skip_edit.setText(text)

    def explanation_text(self, technique: str | None = None) -> str:
        """The plain-language line under the scheme (quantize) or method (prune) combo."""
        name = self.technique() if technique is None else normalize_technique(technique)
        if name == QUANTIZE:
            return self.scheme_explanation.text()
        if name == PRUNE:
            return self.method_explanation.text()
        return technique_summary(DISTILL)

    def page(self, technique: str) -> QScrollArea:
        """The scroll area that holds the form of ``technique``."""
        return self._pages[normalize_technique(technique)]  # type: ignore[return-value]

    def blocked_reason(self) -> str:
        """Why Run is disabled (also its tooltip), or "" when it is enabled."""
        return self._blocked_reason()

    # -- filling the forms

    def _set_quantize(self, options: Mapping[str, Any]) -> None:
        if "scheme" in options and not select_data(self.scheme_combo, str(options["scheme"])):
            raise ValueError(
                f"unknown scheme {options['scheme']!r}; use one of {', '.join(ALL_SCHEMES)}"
            )
        kept = self._kept_for_torch  # set while an ONNX Runtime scheme shows them cleared
        if "compile" in options:
            if kept is not None:
                kept = (bool(options["compile"]), kept[1])
            else:
                self.compile_check.setChecked(bool(options["compile"]))
        if "calibration_batches" in options:
            self.calibration_spin.setValue(int(options["calibration_batches"]))
        if "skip" in options:
            self.quantize_skip_edit.setText(_patterns_text(options["skip"]))
        if "auto_skip" in options:
            if kept is not None:
                kept = (kept[0], int(options["auto_skip"] or 0))
            else:
                self.auto_skip_spin.setValue(int(options["auto_skip"] or 0))
        self._kept_for_torch = kept
        self._on_scheme_changed()

    def _set_prune(self, options: Mapping[str, Any]) -> None:
        if "method" in options:
            method = str(options["method"]).strip().lower()
            method = _METHOD_ALIASES.get(method, method)
            if not select_data(self.method_combo, method):
                raise ValueError(
                    f"unknown pruning method {options['method']!r}; use one of "
                    f"{', '.join(PRUNE_METHODS)}"
                )
        if "amount" in options:
            percent = round(100 * float(options["amount"]))
            percent = min(MAX_AMOUNT, max(MIN_AMOUNT, percent))
            if self.method_combo.currentData() == SEMI_STRUCTURED:
                self._amount_before_semi = percent
            else:
                self.amount_spin.setValue(percent)
        if "importance" in options:
            importance = str(options["importance"]).strip().lower()
            if importance not in IMPORTANCES:
                raise ValueError(
                    f"unknown importance {options['importance']!r}; use one of "
                    f"{', '.join(IMPORTANCES)}"
                )
            select_data(self.importance_combo, importance)
        if "global_pruning" in options:
            self.global_check.setChecked(bool(options["global_pruning"]))
        if "round_to" in options:
            self.round_spin.setValue(int(options["round_to"] or 1))
        if "iterative_steps" in options:
            self.steps_spin.setValue(int(options["iterative_steps"]))
        if "skip" in options:
            self.prune_skip_edit.setText(_patterns_text(options["skip"]))
        if "recover_epochs" in options:
            self.recover_epochs_spin.setValue(int(options["recover_epochs"] or 0))
        if "distill_recovery" in options:
            self.distill_recovery_check.setChecked(bool(options["distill_recovery"]))
        if "mode" in options and not select_data(self.prune_mode_combo,
                                                  str(options["mode"]).strip().lower()):
            raise ValueError(
                f"unknown prune mode {options['mode']!r}; use one of {', '.join(PRUNE_MODES)}"
            )
        if "auto_target" in options and not select_data(
            self.auto_target_combo, str(options["auto_target"]).strip().lower()
        ):
            raise ValueError(
                f"unknown automatic target {options['auto_target']!r}; use one of "
                f"{', '.join(AUTO_TARGETS)}"
            )
        if "target_fraction" in options:
            percent = round(100 * float(options["target_fraction"]))
            self.target_spin.setValue(min(MAX_AMOUNT, max(MIN_AMOUNT, percent)))
        self._on_method_changed()
        self._on_prune_mode_changed()
        self._on_recover_epochs_changed()

    def _set_distill(self, options: Mapping[str, Any]) -> None:
        student = options.get("student")
        if student and not select_data(self.student_combo, str(student)):
            self.student_combo.addItem(str(student), str(student))
            self.student_combo.setCurrentIndex(self.student_combo.count() - 1)
        if "epochs" in options:
            self.epochs_spin.setValue(int(options["epochs"]))
        if "temperature" in options:
            self.temperature_spin.setValue(float(options["temperature"]))
        if "alpha" in options:
            self.alpha_spin.setValue(float(options["alpha"]))
        if "nproc" in options:
            self.nproc_spin.setValue(int(options["nproc"]))
        if "nnodes" in options:
            self.machines_spin.setValue(int(options["nnodes"]))
        if "rdzv_endpoint" in options:
            self.endpoint_edit.setText(str(options["rdzv_endpoint"] or ""))

    # -- reacting to the user

    def _on_technique_clicked(self, index: int) -> None:
        self.set_technique(TECHNIQUES[index])

    def _on_scheme_changed(self, *_args: object) -> None:
        translate = QCoreApplication.translate
        scheme = str(self.scheme_combo.currentData())
        self.scheme_explanation.setText(scheme_explanation(scheme))
        calibrated = scheme in CALIBRATED_SCHEMES
        self.calibration_spin.setEnabled(calibrated)
        self.calibration_label.setEnabled(calibrated)
        if calibrated:
            self.calibration_spin.setToolTip(self._calibration_tooltip)
        else:
            self.calibration_spin.setToolTip(
                translate(
                    "CompressionPanel",
                    "Only the static int8 schemes (PyTorch's and ONNX Runtime's) need "
                    "calibration data.",
                )
            )
        # ONNX Runtime runs its own graph: torch.compile and the torch-kernel sensitivity
        # scan behind auto-skip do not apply to it.
        onnx = scheme in ORT_SCHEMES
        self._show_torch_only_fields(not onnx)
        self.compile_check.setEnabled(not onnx)
        self.compile_check.setToolTip(
            translate(
                "CompressionPanel",
                "ONNX Runtime schemes run on ONNX Runtime, which optimises the model itself; "
                "torch.compile does not apply.",
            )
            if onnx
            else self._compile_tooltip
        )
        not_for_onnx = translate(
            "CompressionPanel",
            "Not for ONNX Runtime schemes: the sensitivity scan measures PyTorch's int8 "
            "kernels. Name the layers to keep in Skip layers instead.",
        )
        self.auto_skip_spin.setEnabled(not onnx)
        self.auto_skip_label.setEnabled(not onnx)
        self.auto_skip_spin.setToolTip(not_for_onnx if onnx else self._auto_skip_tooltip)
        if hasattr(self, "run_button"):
            self._update_buttons()
        self._changed(QUANTIZE)

    def _show_torch_only_fields(self, shown: bool) -> None:
        """Clear compile and auto-skip while an ONNX Runtime scheme is chosen (a greyed tick
        would read as "compiles"), and give the user's values back afterwards."""
        fields = (self.compile_check, self.auto_skip_spin)
        if not shown and self._kept_for_torch is None:
            self._kept_for_torch = (self.compile_check.isChecked(), self.auto_skip_spin.value())
            values: tuple[bool, int] = (False, 0)
        elif shown and self._kept_for_torch is not None:
            values, self._kept_for_torch = self._kept_for_torch, None
        else:
            return
        for field in fields:
            field.blockSignals(True)
        try:
            self.compile_check.setChecked(values[0])
            self.auto_skip_spin.setValue(values[1])
        finally:
            for field in fields:
                field.blockSignals(False)

    def _on_method_changed(self, *_args: object) -> None:
        translate = QCoreApplication.translate
        method = str(self.method_combo.currentData())
        self.method_explanation.setText(method_explanation(method))
        semi = method == SEMI_STRUCTURED
        structured = method == STRUCTURED

        # 2:4 always removes half: show 50 % greyed, and give the user's amount back after.
        was_updating, self._updating = self._updating, True
        try:
            if semi and self.amount_spin.isEnabled():
                self._amount_before_semi = self.amount_spin.value()
                self.amount_spin.setValue(SEMI_STRUCTURED_AMOUNT)
            elif not semi and not self.amount_spin.isEnabled():
                self.amount_spin.setValue(self._amount_before_semi)
        finally:
            self._updating = was_updating
        for widget in (self.amount_spin, self.amount_slider, self.amount_label):
            widget.setEnabled(not semi)
            widget.setToolTip(
                translate("CompressionPanel", "2:4 always removes half of the weights.")
                if semi
                else self._amount_tooltip
            )

        allowed = IMPORTANCES_BY_METHOD[method]
        model = self.importance_combo.model()
        assert isinstance(model, QStandardItemModel)
        for row, importance in enumerate(IMPORTANCES):
            item = model.item(row)
            item.setEnabled(importance in allowed)
            item.setToolTip(
                importance_tooltip(importance)
                if importance in allowed
                else translate("CompressionPanel", "Not available for this pruning method.")
            )
        if self.importance_combo.currentData() not in allowed:
            select_data(self.importance_combo, allowed[0])
        self.importance_combo.setEnabled(len(allowed) > 1)

        not_applicable = translate("CompressionPanel", "Only for structured pruning.")
        self.round_spin.setEnabled(structured)
        self.round_label.setEnabled(structured)
        self.round_spin.setToolTip(self._round_tooltip if structured else not_applicable)
        self.global_check.setEnabled(not semi)
        self.global_check.setToolTip(
            self._global_tooltip
            if not semi
            else translate("CompressionPanel", "2:4 works inside each layer.")
        )
        self.steps_spin.setEnabled(not semi)
        self.steps_label.setEnabled(not semi)
        self._changed(PRUNE)

    def _on_prune_mode_changed(self, *_args: object) -> None:
        """Show the amount rows or the target rows, and offer only the methods the mode
        can use (automatic: structured, or unstructured for a size target)."""
        translate = QCoreApplication.translate
        mode = str(self.prune_mode_combo.currentData())
        target = str(self.auto_target_combo.currentData())
        auto = mode == AUTO
        self.prune_mode_explanation.setText(prune_mode_explanation(mode))
        self.auto_target_explanation.setText(auto_target_explanation(target))
        form = self._prune_form
        for row in (self.amount_label, self.global_check, self.steps_label):
            form.setRowVisible(row, not auto)
        for row in (self.auto_target_combo.parentWidget(), self.target_label):
            form.setRowVisible(row, auto)
        allowed = METHODS_BY_AUTO_TARGET[target] if auto else PRUNE_METHODS
        model = self.method_combo.model()
        assert isinstance(model, QStandardItemModel)
        for row, method in enumerate(PRUNE_METHODS):
            item = model.item(row)
            item.setEnabled(method in allowed)
            item.setToolTip(
                method_explanation(method)
                if method in allowed
                else translate("CompressionPanel", "Not available for this automatic target.")
            )
        was_updating, self._updating = self._updating, True
        try:
            if self.method_combo.currentData() not in allowed:
                select_data(self.method_combo, STRUCTURED)
        finally:
            self._updating = was_updating
        self._update_buttons()
        self._changed(PRUNE)

    def _on_recover_epochs_changed(self, *_args: object) -> None:
        self.distill_recovery_check.setEnabled(self.recover_epochs_spin.value() > 0)
        self._changed(PRUNE)

    def set_other_machine_commands(self, commands: Sequence[str]) -> None:
        """The commands each other machine of a several-machine distillation runs."""
        self.commands_view.setPlainText("\n".join(commands))

    def _on_machines_changed(self, *_args: object) -> None:
        several = self.machines_spin.value() > 1
        for widget in (self.endpoint_label, self.endpoint_edit, self.commands_label,
                       self.commands_view):
            widget.setVisible(several)
        self._changed(DISTILL)

    def _on_student_changed(self, *_args: object) -> None:
        self._update_buttons()
        self._changed(DISTILL)

    def _changed(self, technique: str) -> None:
        if not self._updating and hasattr(self, "run_button"):
            self.options_changed.emit(technique, self.options(technique))

    def _on_run(self) -> None:
        if self.run_button.isEnabled():
            name = self.technique()
            self.run_requested.emit(name, self.options(name))

    def _on_sensitivity(self) -> None:
        name = self.technique()
        if self.sensitivity_button.isEnabled() and name in (QUANTIZE, PRUNE):
            self.sensitivity_requested.emit(name, self.options(name))

    def _blocked_reason(self) -> str:
        translate = QCoreApplication.translate
        name = self.technique()
        available, reason = self._available[name]
        if not available:
            return reason or translate("CompressionPanel", "Not available for this model.")
        if not self._has_model:
            return translate("CompressionPanel", "Open a model first.")
        if self._busy:
            return translate(
                "CompressionPanel", "A job from this panel is running; wait for it or cancel it."
            )
        if name == DISTILL and self.student_combo.currentIndex() < 0:
            return translate("CompressionPanel", "Choose a student model first.")
        if name == QUANTIZE:
            reason = self._scheme_reasons.get(str(self.scheme_combo.currentData()))
            if reason:
                return reason
        return ""

    def _update_buttons(self) -> None:
        translate = QCoreApplication.translate
        reason = self._blocked_reason()
        name = self.technique()
        self.run_button.setEnabled(not reason)
        self.sensitivity_button.setVisible(name in (QUANTIZE, PRUNE))
        onnx = name == QUANTIZE and self.scheme_combo.currentData() in ORT_SCHEMES
        self.sensitivity_button.setEnabled(not reason and name in (QUANTIZE, PRUNE) and not onnx)
        self.sensitivity_button.setToolTip(
            translate(
                "CompressionPanel",
                "The sensitivity scan measures PyTorch's int8 kernels, so it says nothing about "
                "ONNX Runtime schemes.",
            )
            if onnx
            else self._sensitivity_tooltip
        )
        # An unavailable technique's page already says why, above its form.
        shown = reason if self._available[name][0] else ""
        self.status_label.setText(shown)
        self.status_label.setVisible(bool(shown))
        runs = {
            QUANTIZE: translate(
                "CompressionPanel",
                "Quantizes a copy of the model with these settings and measures it before "
                "and after. Your model is not changed.",
            ),
            PRUNE: translate(
                "CompressionPanel",
                "Prunes a copy of the model with these settings and measures it before and "
                "after. Your model is not changed.",
            ) if self.prune_mode_combo.currentData() != AUTO else translate(
                "CompressionPanel",
                "Scans how much each layer suffers, chooses per-layer amounts that reach the "
                "target, prunes a copy and measures it before and after. Your model is not "
                "changed.",
            ),
            DISTILL: translate(
                "CompressionPanel",
                "Trains the student on your data and measures it beside the original.",
            ),
        }
        self.run_button.setToolTip(reason or runs[name])

    # -- colours

    def _mute(self, label: QLabel) -> None:
        self._muted_labels.append(label)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()

    def _restyle(self) -> None:
        palette = self.palette()
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        for label in self._muted_labels:
            own = label.palette()
            own.setColor(QPalette.ColorRole.WindowText, muted)
            label.setPalette(own)
        # A faint amber tint over the theme's base colour: readable in light and dark themes.
        tint = blend(palette.color(QPalette.ColorRole.Base), QColor("#E69F00"), 0.22)
        for label in self._reason_labels.values():
            own = label.palette()
            own.setColor(QPalette.ColorRole.Window, tint)
            own.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.Text))
            label.setPalette(own)


def _patterns_text(value: object) -> str:
    if isinstance(value, str):
        return format_patterns([value])
    if isinstance(value, Iterable):
        return format_patterns(str(item) for item in value)
    return ""
