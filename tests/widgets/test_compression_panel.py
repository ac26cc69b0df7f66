"""CompressionPanel offscreen: the options of each form and their keys, explanations, the
calibration field, Run and Sensitivity signals, set_options round trips, unavailable
techniques and schemes (ONNX Runtime's), busy and no-model states, skip patterns, minimum
size and an image."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QComboBox

from slimbench.widgets.compression_panel import (
    ALL_SCHEMES,
    AUTO_TARGETS,
    CALIBRATED_SCHEMES,
    DISTILL,
    IMPORTANCES,
    IMPORTANCES_BY_METHOD,
    ORT_SCHEMES,
    PRUNE,
    PRUNE_METHODS,
    QUANTIZE,
    SCHEMES,
    SEMI_STRUCTURED,
    CompressionPanel,
    format_patterns,
    method_explanation,
    normalize_technique,
    parse_patterns,
    scheme_explanation,
)

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STUDENTS = [
    ("width:0.5", "Half as wide"),
    ("pruned:0.5", "Pruned to half, then distilled"),
    ("zoo:mlp-digits", "Built-in: mlp-digits"),
]
QUANTIZE_KEYS = {
    "scheme": str,
    "compile": bool,
    "calibration_batches": int,
    "skip": list,
    "auto_skip": int,
}
PRUNE_KEYS = {
    "method": str,
    "amount": float,
    "importance": str,
    "global_pruning": bool,
    "round_to": int,
    "iterative_steps": int,
    "skip": list,
    "recover_epochs": int,
    "distill_recovery": bool,
    "mode": str,
    "auto_target": str,
    "target_fraction": float,
}
DISTILL_KEYS = {"student": str, "epochs": int, "temperature": float, "alpha": float, "nproc": int,
                "nnodes": int, "rdzv_endpoint": str}


@pytest.fixture
def panel(qtbot) -> CompressionPanel:  # type: ignore[no-untyped-def]
    widget = CompressionPanel()
    qtbot.addWidget(widget)
    widget.set_enabled_for_model(True)
    widget.set_student_choices(STUDENTS)
    widget.resize(420, 560)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _select(combo: QComboBox, value: str) -> None:
    row = combo.findData(value)
    assert row >= 0, value
    combo.setCurrentIndex(row)


def _check_types(options: dict, keys: dict[str, type]) -> None:
    assert set(options) == set(keys)
    for key, kind in keys.items():
        assert type(options[key]) is kind, (key, options[key])


# --- pure helpers ------------------------------------------------------------------------


def test_parse_patterns_ignores_whitespace_empties_and_repeats() -> None:
    assert parse_patterns("") == []
    assert parse_patterns("   ,, ;  ") == []
    assert parse_patterns(" fc, stages.0.* ,,net.1 ") == ["fc", "stages.0.*", "net.1"]
    assert parse_patterns("fc\tnet.1\nnet.3;net.5 fc") == ["fc", "net.1", "net.3", "net.5"]
    assert format_patterns(["fc", " stages.0.* ", "", "fc"]) == "fc, stages.0.*"


def test_technique_names_accept_the_british_spelling() -> None:
    assert normalize_technique("Distil") == DISTILL
    assert normalize_technique(" quantize ") == QUANTIZE
    with pytest.raises(ValueError, match="unknown technique"):
        normalize_technique("sparsify")


def test_module_imports_without_torch() -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import slimbench.widgets.compression_panel, slimbench.widgets.sensitivity_chart\n"
        "assert 'torch' not in sys.modules or sys.modules['torch'] is None\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_choices_match_the_engine() -> None:
    schemes = pytest.importorskip("slimbench.engine.quantize.schemes")
    config = pytest.importorskip("slimbench.engine.prune.config")
    assert set(SCHEMES) == set(schemes.SCHEMES)
    assert set(ORT_SCHEMES) == set(schemes.ONNXRUNTIME_SCHEMES)
    assert set(ALL_SCHEMES) == set(schemes.all_schemes())
    for name, scheme in schemes.all_schemes().items():  # the calibration field follows it
        assert (name in CALIBRATED_SCHEMES) == scheme.calibrated, name
    assert set(PRUNE_METHODS) == set(config.METHODS)
    for method, allowed in config.IMPORTANCES.items():
        assert set(IMPORTANCES_BY_METHOD[method]) == set(allowed)
    sensitivity = pytest.importorskip("slimbench.engine.prune.sensitivity")
    assert set(AUTO_TARGETS) <= set(sensitivity.TARGET_KINDS)


# --- options -----------------------------------------------------------------------------


def test_defaults_have_the_documented_keys_and_types(panel: CompressionPanel) -> None:
    assert panel.technique() == QUANTIZE
    quantize = panel.options()
    _check_types(quantize, QUANTIZE_KEYS)
    assert quantize == {
        "scheme": "int8-dynamic",
        "compile": True,
        "calibration_batches": 8,
        "skip": [],
        "auto_skip": 0,
    }
    prune = panel.options(PRUNE)
    _check_types(prune, PRUNE_KEYS)
    assert prune["method"] == "structured" and prune["amount"] == 0.5
    assert prune["round_to"] == 8 and prune["recover_epochs"] == 3
    distill = panel.options("distil")
    _check_types(distill, DISTILL_KEYS)
    assert distill["student"] == "width:0.5"
    assert 0.0 <= distill["alpha"] <= 1.0 and distill["nproc"] >= 1


def test_quantize_options_follow_the_form(panel: CompressionPanel) -> None:
    _select(panel.scheme_combo, "int8-static")
    panel.compile_check.setChecked(False)
    panel.calibration_spin.setValue(16)
    panel.quantize_skip_edit.setText(" fc ,  , stages.0.* ")
    panel.auto_skip_spin.setValue(2)
    options = panel.options()
    _check_types(options, QUANTIZE_KEYS)
    assert options == {
        "scheme": "int8-static",
        "compile": False,
        "calibration_batches": 16,
        "skip": ["fc", "stages.0.*"],
        "auto_skip": 2,
    }


def test_prune_options_follow_the_form(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_technique(PRUNE)
    _select(panel.method_combo, "unstructured")
    panel.amount_slider.setValue(30)
    assert panel.amount_spin.value() == 30  # slider and spin move together
    panel.amount_spin.setValue(70)
    assert panel.amount_slider.value() == 70
    _select(panel.importance_combo, "random")
    panel.global_check.setChecked(True)
    panel.steps_spin.setValue(4)
    panel.prune_skip_edit.setText("net.7")
    panel.recover_epochs_spin.setValue(0)
    options = panel.options()
    _check_types(options, PRUNE_KEYS)
    assert options["method"] == "unstructured"
    assert options["amount"] == pytest.approx(0.7)
    assert options["importance"] == "random"
    assert options["global_pruning"] is True
    assert options["iterative_steps"] == 4
    assert options["skip"] == ["net.7"]
    assert options["recover_epochs"] == 0
    assert not panel.distill_recovery_check.isEnabled()  # nothing to recover
    panel.recover_epochs_spin.setValue(5)
    assert panel.distill_recovery_check.isEnabled()


def test_distill_options_follow_the_form(panel: CompressionPanel) -> None:
    panel.set_technique("distil")
    _select(panel.student_combo, "pruned:0.5")
    panel.epochs_spin.setValue(20)
    panel.temperature_spin.setValue(2.5)
    panel.alpha_spin.setValue(0.7)
    panel.nproc_spin.setValue(1)
    options = panel.options()
    _check_types(options, DISTILL_KEYS)
    assert options == {
        "student": "pruned:0.5",
        "epochs": 20,
        "temperature": 2.5,
        "alpha": 0.7,
        "nproc": 1,
        "nnodes": 1,
        "rdzv_endpoint": "",
    }


def test_options_changed_reports_edits(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.options_changed) as blocker:
        panel.auto_skip_spin.setValue(3)
    technique, options = blocker.args
    assert technique == QUANTIZE and options["auto_skip"] == 3


# --- explanations and dependent fields ---------------------------------------------------


def test_scheme_explanation_changes_with_the_scheme(panel: CompressionPanel) -> None:
    seen = set()
    for scheme in ALL_SCHEMES:
        _select(panel.scheme_combo, scheme)
        text = panel.scheme_explanation.text()
        assert text == scheme_explanation(scheme) == panel.explanation_text()
        seen.add(text)
    assert len(seen) == len(ALL_SCHEMES)
    _select(panel.scheme_combo, "ort-int8-dynamic")
    assert "ONNX Runtime" in panel.scheme_explanation.text()
    assert "ONNX Runtime" in panel.scheme_combo.currentText()
    _select(panel.scheme_combo, "int8-dynamic")
    assert "8-bit integers" in panel.scheme_explanation.text()
    _select(panel.scheme_combo, "bf16")
    assert "bfloat16" in panel.scheme_explanation.text()


def test_method_explanation_changes_with_the_method(panel: CompressionPanel) -> None:
    texts = []
    for method in PRUNE_METHODS:
        _select(panel.method_combo, method)
        assert panel.method_explanation.text() == method_explanation(method)
        texts.append(panel.method_explanation.text())
    assert len(set(texts)) == len(PRUNE_METHODS)
    assert "whole channels" in texts[0] and "dense speed" in texts[1] and "GPU" in texts[2]


def test_calibration_batches_only_for_the_static_schemes(panel: CompressionPanel) -> None:
    for scheme in ALL_SCHEMES:
        _select(panel.scheme_combo, scheme)
        calibrated = scheme in ("int8-static", "ort-int8-static")
        assert panel.calibration_spin.isEnabled() == calibrated, scheme
    _select(panel.scheme_combo, "int8-dynamic")
    assert "static" in panel.calibration_spin.toolTip()  # says why it is greyed
    _select(panel.scheme_combo, "ort-int8-static")
    panel.calibration_spin.setValue(3)
    assert panel.options(QUANTIZE)["calibration_batches"] == 3


def test_onnxruntime_schemes_leave_out_compile_and_auto_skip(panel: CompressionPanel) -> None:
    panel.auto_skip_spin.setValue(2)
    _select(panel.scheme_combo, "ort-int8-dynamic")
    options = panel.options(QUANTIZE)
    assert options["scheme"] == "ort-int8-dynamic"
    assert options["compile"] is False and options["auto_skip"] == 0
    assert not panel.compile_check.isEnabled() and not panel.auto_skip_spin.isEnabled()
    assert "torch.compile does not apply" in panel.compile_check.toolTip()
    assert not panel.sensitivity_button.isEnabled() and panel.run_button.isEnabled()
    assert "ONNX Runtime" in panel.sensitivity_button.toolTip()
    # Shown cleared, not greyed with a tick that would read as "compiles".
    assert not panel.compile_check.isChecked() and panel.auto_skip_spin.value() == 0
    _select(panel.scheme_combo, "int8-dynamic")  # the user's settings come back
    assert panel.options(QUANTIZE)["auto_skip"] == 2 and panel.compile_check.isEnabled()
    assert panel.compile_check.isChecked() and panel.sensitivity_button.isEnabled()

    panel.set_options(QUANTIZE, {"scheme": "ort-int8-static", "compile": False, "auto_skip": 1})
    assert panel.options(QUANTIZE)["compile"] is False
    assert not panel.compile_check.isChecked() and panel.auto_skip_spin.value() == 0
    panel.set_options(QUANTIZE, {"scheme": "int8-static"})
    assert panel.options(QUANTIZE)["auto_skip"] == 1 and not panel.compile_check.isChecked()


def test_unavailable_schemes_are_greyed_with_the_reason(panel: CompressionPanel) -> None:
    reason = "ONNX Runtime is not installed: install it with pip install 'slimbench[onnx]'."
    panel.set_schemes_unavailable({name: reason for name in ORT_SCHEMES})
    model = panel.scheme_combo.model()
    for row, scheme in enumerate(ALL_SCHEMES):
        item = model.item(row)  # type: ignore[attr-defined]
        enabled = bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
        assert enabled == (scheme not in ORT_SCHEMES), scheme
        if not enabled:
            assert reason in item.toolTip()
            assert panel.scheme_unavailable(scheme) == reason
    # A greyed scheme chosen in code keeps Run disabled, with the reason.
    panel.set_options(QUANTIZE, {"scheme": "ort-int8-dynamic"})
    assert not panel.run_button.isEnabled() and panel.blocked_reason() == reason
    panel.set_schemes_unavailable({"ort-int8-dynamic": None})
    assert panel.run_button.isEnabled() and panel.scheme_unavailable("ort-int8-dynamic") == ""
    with pytest.raises(ValueError, match="unknown scheme"):
        panel.set_schemes_unavailable({"int3": "no"})


def test_importance_choices_follow_the_method(panel: CompressionPanel) -> None:
    _select(panel.importance_combo, "lamp")
    _select(panel.method_combo, "unstructured")
    model = panel.importance_combo.model()
    enabled = {
        IMPORTANCES[row]
        for row in range(model.rowCount())
        if model.item(row).flags() & Qt.ItemFlag.ItemIsEnabled  # type: ignore[attr-defined]
    }
    assert enabled == {"l1", "random"}
    assert panel.options(PRUNE)["importance"] == "l1"  # lamp does not apply: back to l1
    assert not panel.round_spin.isEnabled()  # channels are only rounded when removed whole
    _select(panel.method_combo, "structured")
    assert panel.round_spin.isEnabled()


def test_semi_structured_always_removes_half(panel: CompressionPanel) -> None:
    panel.amount_spin.setValue(30)
    _select(panel.method_combo, SEMI_STRUCTURED)
    assert not panel.amount_spin.isEnabled() and not panel.amount_slider.isEnabled()
    assert panel.options(PRUNE)["amount"] == 0.5
    assert not panel.importance_combo.isEnabled()
    _select(panel.method_combo, "structured")
    assert panel.amount_spin.isEnabled()
    assert panel.options(PRUNE)["amount"] == pytest.approx(0.3)  # the user's amount is back


# --- signals -----------------------------------------------------------------------------


def test_run_emits_technique_and_options(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    _select(panel.scheme_combo, "bf16")
    with qtbot.waitSignal(panel.run_requested) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [QUANTIZE, panel.options(QUANTIZE)]
    assert blocker.args[1]["scheme"] == "bf16"

    qtbot.mouseClick(panel.technique_buttons[PRUNE], Qt.MouseButton.LeftButton)
    assert panel.technique() == PRUNE
    with qtbot.waitSignal(panel.run_requested) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == PRUNE and blocker.args[1]["method"] == "structured"

    panel.set_technique(DISTILL)
    with qtbot.waitSignal(panel.run_requested) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [DISTILL, panel.options(DISTILL)]


def test_sensitivity_scan_for_quantize_and_prune_only(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.sensitivity_requested) as blocker:
        qtbot.mouseClick(panel.sensitivity_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [QUANTIZE, panel.options(QUANTIZE)]
    panel.set_technique(PRUNE)
    panel.amount_spin.setValue(25)
    with qtbot.waitSignal(panel.sensitivity_requested) as blocker:
        qtbot.mouseClick(panel.sensitivity_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == PRUNE and blocker.args[1]["amount"] == 0.25
    panel.set_technique(DISTILL)
    assert not panel.sensitivity_button.isVisible()


def test_technique_changed_is_emitted(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.technique_changed) as blocker:
        qtbot.mouseClick(panel.technique_buttons[DISTILL], Qt.MouseButton.LeftButton)
    assert blocker.args == [DISTILL]
    assert panel.stack.currentWidget() is panel.page(DISTILL)


# --- set_options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("technique", "options"),
    [
        (
            QUANTIZE,
            {
                "scheme": "int8-static",
                "compile": False,
                "calibration_batches": 32,
                "skip": ["fc", "stages.0.*"],
                "auto_skip": 4,
            },
        ),
        (
            PRUNE,
            {
                "method": "unstructured",
                "amount": 0.35,
                "importance": "random",
                "global_pruning": True,
                "round_to": 16,
                "iterative_steps": 3,
                "skip": ["net.1"],
                "recover_epochs": 0,
                "distill_recovery": False,
                "mode": "manual",
                "auto_target": "size",
                "target_fraction": 0.5,
            },
        ),
        (
            PRUNE,
            {
                "method": "structured",
                "amount": 0.8,
                "importance": "taylor",
                "global_pruning": False,
                "round_to": 4,
                "iterative_steps": 5,
                "skip": [],
                "recover_epochs": 7,
                "distill_recovery": True,
                "mode": "manual",
                "auto_target": "latency",
                "target_fraction": 0.3,
            },
        ),
        (
            PRUNE,
            {
                "method": "structured",
                "amount": 0.5,
                "importance": "l2",
                "global_pruning": False,
                "round_to": 8,
                "iterative_steps": 1,
                "skip": ["fc"],
                "recover_epochs": 2,
                "distill_recovery": True,
                "mode": "auto",
                "auto_target": "latency",
                "target_fraction": 0.4,
            },
        ),
        (
            DISTILL,
            {
                "student": "zoo:mlp-digits",
                "epochs": 42,
                "temperature": 3.5,
                "alpha": 0.25,
                "nproc": 1,
                "nnodes": 2,
                "rdzv_endpoint": "10.0.0.5:29500",
            },
        ),
    ],
)
def test_set_options_round_trips(panel: CompressionPanel, technique: str, options: dict) -> None:
    panel.set_options(technique, options)
    assert panel.technique() == technique  # the filled form is shown
    assert panel.options() == options


def test_set_options_is_lenient_where_it_can_be(panel: CompressionPanel) -> None:
    panel.set_options(PRUNE, {"method": "2:4", "importance": "l2", "unknown": 1})
    assert panel.options()["method"] == SEMI_STRUCTURED
    assert panel.options()["importance"] == "l1"  # 2:4 ranks by magnitude only
    panel.set_options(PRUNE, {"method": "structured", "amount": 0.999, "skip": "fc,  net.1"})
    assert panel.options()["amount"] == 0.95
    assert panel.options()["skip"] == ["fc", "net.1"]
    panel.set_options("distil", {"student": "width:0.25"})  # not offered: added under its id
    assert panel.options()["student"] == "width:0.25"
    with pytest.raises(ValueError, match="unknown scheme"):
        panel.set_options(QUANTIZE, {"scheme": "int3"})
    with pytest.raises(ValueError, match="unknown pruning method"):
        panel.set_options(PRUNE, {"method": "magic"})


def test_set_options_emits_options_changed_once(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, dict]] = []
    panel.options_changed.connect(lambda technique, options: seen.append((technique, options)))
    panel.set_options(QUANTIZE, {"scheme": "fp16", "auto_skip": 1, "skip": ["fc"]})
    assert len(seen) == 1 and seen[0][1]["scheme"] == "fp16"


# --- availability, busy, no model ---------------------------------------------------------


def test_unavailable_technique_is_disabled_with_its_reason(panel: CompressionPanel) -> None:
    reason = "Distillation needs labelled training data; this model has none."
    panel.set_technique_available("distil", False, reason)
    assert not panel.is_technique_available(DISTILL)
    button = panel.technique_buttons[DISTILL]
    assert reason in button.toolTip()
    panel.set_technique(DISTILL)  # still readable
    reason_label = panel.findChild(type(panel.status_label), "distillReason")
    assert reason_label is not None and reason_label.isVisible()
    assert reason_label.text() == reason
    assert not panel.student_combo.isEnabled()
    assert not panel.run_button.isEnabled()
    assert panel.run_button.toolTip() == reason == panel.blocked_reason()
    panel.set_technique(QUANTIZE)
    assert panel.run_button.isEnabled()  # other techniques are unaffected

    panel.set_technique_available(DISTILL, True)
    panel.set_technique(DISTILL)
    assert panel.run_button.isEnabled() and panel.student_combo.isEnabled()
    assert reason not in button.toolTip()
    assert not reason_label.isVisible()


def test_busy_disables_run_and_scan(panel: CompressionPanel) -> None:
    panel.set_busy(True)
    assert panel.is_busy()
    assert not panel.run_button.isEnabled()
    assert not panel.sensitivity_button.isEnabled()
    assert panel.status_label.isVisible() and "running" in panel.status_label.text()
    assert panel.scheme_combo.isEnabled()  # the form stays editable
    panel.set_busy(False)
    assert panel.run_button.isEnabled() and panel.sensitivity_button.isEnabled()
    assert not panel.status_label.isVisible()


def test_without_a_model_nothing_can_run(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = CompressionPanel()
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.run_button.isEnabled()
    assert not panel.sensitivity_button.isEnabled()
    assert "model" in panel.status_label.text()
    panel.set_enabled_for_model(True)
    assert panel.run_button.isEnabled()
    panel.set_technique(DISTILL)  # no student offered yet
    assert not panel.run_button.isEnabled()
    assert panel.options()["student"] == ""
    panel.set_student_choices(STUDENTS[:1])
    assert panel.run_button.isEnabled()
    assert panel.student_choices() == STUDENTS[:1]


def test_student_choice_is_kept_when_the_list_changes(panel: CompressionPanel) -> None:
    _select(panel.student_combo, "zoo:mlp-digits")
    panel.set_student_choices([*reversed(STUDENTS)])
    assert panel.options(DISTILL)["student"] == "zoo:mlp-digits"
    panel.set_student_choices(STUDENTS[:2])
    assert panel.options(DISTILL)["student"] == "width:0.5"


def test_set_skip_layers_fills_the_skip_fields(panel: CompressionPanel) -> None:
    panel.set_skip_layers(["net.1", " net.7 ", ""])
    assert panel.options(QUANTIZE)["skip"] == ["net.1", "net.7"]
    assert panel.options(PRUNE)["skip"] == ["net.1", "net.7"]
    assert panel.quantize_skip_edit.text() == "net.1, net.7"
    panel.set_skip_layers(["fc"], technique=PRUNE)
    assert panel.options(PRUNE)["skip"] == ["fc"]
    assert panel.options(QUANTIZE)["skip"] == ["net.1", "net.7"]


def test_every_field_explains_itself(panel: CompressionPanel) -> None:
    fields = [
        panel.scheme_combo,
        panel.compile_check,
        panel.calibration_spin,
        panel.quantize_skip_edit,
        panel.auto_skip_spin,
        panel.method_combo,
        panel.amount_spin,
        panel.importance_combo,
        panel.global_check,
        panel.round_spin,
        panel.steps_spin,
        panel.prune_skip_edit,
        panel.prune_mode_combo,
        panel.auto_target_combo,
        panel.target_spin,
        panel.recover_epochs_spin,
        panel.distill_recovery_check,
        panel.student_combo,
        panel.epochs_spin,
        panel.temperature_spin,
        panel.alpha_spin,
        panel.nproc_spin,
        panel.run_button,
        panel.sensitivity_button,
    ]
    for field in fields:
        assert len(field.toolTip()) > 20, field.objectName()
    assert "," in panel.quantize_skip_edit.toolTip() and "*" in panel.quantize_skip_edit.toolTip()


# --- size and pictures --------------------------------------------------------------------


def test_fits_a_420_by_560_tab(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    hint = panel.minimumSizeHint()
    assert hint.width() <= 420 and hint.height() <= 560
    for technique in (QUANTIZE, PRUNE, DISTILL):
        panel.set_technique(technique)
        qtbot.wait(10)
        page = panel.page(technique)
        assert page.horizontalScrollBar().maximum() == 0, technique  # never sideways
        content = page.widget()
        assert content.width() <= page.viewport().width()
    panel.set_technique(QUANTIZE)
    assert panel.page(QUANTIZE).verticalScrollBar().maximum() == 0  # quantize fits entirely


def test_narrow_panel_scrolls_vertically(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_technique(PRUNE)
    panel.resize(panel.minimumSizeHint())
    qtbot.wait(10)
    page = panel.page(PRUNE)
    assert page.verticalScrollBar().maximum() > 0
    assert page.horizontalScrollBar().maximum() == 0


def _row_shown(panel: CompressionPanel, widget) -> bool:  # type: ignore[no-untyped-def]
    return panel._prune_form.isRowVisible(widget)


def test_automatic_mode_swaps_the_amount_for_a_target(panel: CompressionPanel, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel.set_technique(PRUNE)
    assert panel.options()["mode"] == "manual"
    assert _row_shown(panel, panel.amount_label) and not _row_shown(panel, panel.target_label)
    _select(panel.method_combo, "unstructured")
    _select(panel.prune_mode_combo, "auto")
    assert not _row_shown(panel, panel.amount_label)
    assert not _row_shown(panel, panel.steps_label)
    assert not _row_shown(panel, panel.global_check)
    assert _row_shown(panel, panel.target_label)
    assert _row_shown(panel, panel.auto_target_combo.parentWidget())
    assert panel.options()["method"] == "unstructured"  # a size target may use it
    model = panel.method_combo.model()
    assert not model.item(PRUNE_METHODS.index(SEMI_STRUCTURED)).isEnabled()
    _select(panel.auto_target_combo, "latency")  # latency needs real channels removed
    assert panel.options()["method"] == "structured"
    assert not model.item(PRUNE_METHODS.index("unstructured")).isEnabled()
    assert "32" in panel.auto_target_explanation.text()
    panel.target_spin.setValue(35)
    options = panel.options()
    _check_types(options, PRUNE_KEYS)
    assert (options["mode"], options["auto_target"]) == ("auto", "latency")
    assert options["target_fraction"] == pytest.approx(0.35)
    assert "target" in panel.run_button.toolTip()
    with qtbot.waitSignal(panel.run_requested) as blocker:
        panel.run_button.click()
    assert blocker.args[0] == PRUNE and blocker.args[1]["mode"] == "auto"
    _select(panel.prune_mode_combo, "manual")
    assert _row_shown(panel, panel.amount_label) and not _row_shown(panel, panel.target_label)
    assert all(model.item(row).isEnabled() for row in range(len(PRUNE_METHODS)))
    with pytest.raises(ValueError, match="unknown prune mode"):
        panel.set_options(PRUNE, {"mode": "magic"})
    with pytest.raises(ValueError, match="unknown automatic target"):
        panel.set_options(PRUNE, {"auto_target": "colour"})


def test_automatic_mode_fits_without_sideways_scrolling(panel: CompressionPanel, qtbot,  # type: ignore[no-untyped-def]
                                                         tmp_path: Path) -> None:
    panel.set_options(PRUNE, {"mode": "auto", "auto_target": "latency"})
    qtbot.wait(10)
    page = panel.page(PRUNE)
    assert page.horizontalScrollBar().maximum() == 0
    path = tmp_path / "panel_prune_auto.png"
    assert panel.grab().save(str(path), "PNG")
    assert path.stat().st_size > 2000


@pytest.mark.parametrize("technique", [QUANTIZE, PRUNE, DISTILL])
def test_picture_can_be_saved(panel: CompressionPanel, technique: str, tmp_path: Path) -> None:
    panel.set_technique(technique)
    path = tmp_path / f"panel_{technique}.png"
    assert panel.grab().save(str(path), "PNG")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 2000


def test_dark_palette_recolours_the_explanations(panel: CompressionPanel) -> None:
    palette = QPalette(panel.palette())
    palette.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#18191b"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e8eaed"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#9aa0a6"))
    panel.setPalette(palette)
    color = panel.scheme_explanation.palette().color(QPalette.ColorRole.WindowText)
    assert color == QColor("#9aa0a6")
