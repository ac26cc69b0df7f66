"""PipelineEditor offscreen: set_recipe/recipe round trips (chain and automatic search), adding,
removing and moving steps with the buttons, live edits, invalid recipes, Run and Cancel, saving
and loading files, translations, a torch-free import, minimum size and an image."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from slimbench.engine.recipes.recipe import (
    AutoSearch,
    MeasureSettings,
    QualityFloor,
    Recipe,
    RecipeError,
    Step,
    load_recipe,
)
from slimbench.widgets.pipeline_editor import AUTO, CHAIN, FIRST_STUDENT, PipelineEditor

ROOT = Path(__file__).resolve().parents[2]
LEFT = Qt.MouseButton.LeftButton


def three_steps() -> Recipe:
    return Recipe(
        model="zoo:resnet-digits",
        name="ResNet: prune, distil, quantize",
        devices=["cpu", "cuda:0"],
        steps=[
            Step("prune", {"method": "structured", "amount": 0.5, "importance": "taylor",
                           "recovery_epochs": 2, "round_to": 16}),
            Step("distill", {"epochs": 5, "temperature": 3.0, "alpha": 0.6}, name="recovered"),
            Step("quantize", {"scheme": "int8-static", "compile": True}),
        ],
        measure=MeasureSettings(batch_size=64, threads=2),
        floor=QualityFloor(accuracy_ratio=0.97, top1_agreement=0.9),
    )


def automatic() -> Recipe:
    return Recipe(
        model="zoo:mlp-digits",
        devices=["cpu"],
        auto=AutoSearch(device="cpu", max_latency_ms=2.5, max_size_mb=None, epochs=2,
                        budget="wide"),
        floor=QualityFloor(top1_agreement=0.95),
    )


class Errors:
    """Replaces show_error: records the messages instead of opening a modal box."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message: str) -> None:
        self.messages.append(message)


@pytest.fixture
def editor(qtbot, monkeypatch) -> PipelineEditor:  # type: ignore[no-untyped-def]
    widget = PipelineEditor()
    qtbot.addWidget(widget)
    widget.errors = Errors()  # type: ignore[attr-defined]
    monkeypatch.setattr(widget, "show_error", widget.errors)  # type: ignore[attr-defined]
    widget.set_devices(["cpu", "cuda:0"])
    widget.set_model("zoo:resnet-digits")
    return widget


def _labels(editor: PipelineEditor) -> list[str]:
    return [editor.step_list.item(row).text() for row in range(editor.step_list.count())]


def test_chain_round_trip(editor: PipelineEditor) -> None:
    recipe = three_steps()
    editor.set_recipe(recipe)
    assert editor.mode() == CHAIN
    assert "zoo:resnet-digits" in editor.model_label.text()
    assert _labels(editor) == ["1.  prune structured 0.5", "2.  recovered",
                               "3.  quantize int8-static"]
    assert editor.devices() == ["cpu", "cuda:0"]
    assert editor.accuracy_check.isChecked() and editor.accuracy_spin.value() == 97.0
    assert editor.recipe() == recipe


def test_auto_round_trip(editor: PipelineEditor) -> None:
    recipe = automatic()
    editor.set_recipe(recipe)
    assert editor.mode() == AUTO
    assert editor.stack.currentIndex() == 1
    assert editor.latency_check.isChecked() and not editor.size_check.isChecked()
    assert editor.devices() == ["cpu"]
    assert editor.recipe() == recipe
    editor.size_check.setChecked(True)
    editor.size_spin.setValue(1.5)
    assert editor.recipe().auto == AutoSearch("cpu", 2.5, 1.5, 2, "wide")
    # back to the chain: its steps (none yet) are what counts
    editor.mode_buttons[CHAIN].click()
    with pytest.raises(RecipeError, match="at least one step"):
        editor.recipe()


def test_add_remove_and_move_steps_with_the_buttons(editor: PipelineEditor, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert not editor.remove_button.isEnabled()
    qtbot.mouseClick(editor.add_buttons["prune"], LEFT)
    qtbot.mouseClick(editor.add_buttons["quantize"], LEFT)
    assert _labels(editor) == ["1.  prune structured 0.5", "2.  quantize int8-dynamic"]
    assert editor.step_list.currentRow() == 1
    # a distillation goes before the quantization (which stays last)
    qtbot.mouseClick(editor.add_buttons["distill"], LEFT)
    assert [s.technique for s in editor.steps()] == ["prune", "distill", "quantize"]
    assert editor.step_list.currentRow() == 1
    assert not editor.chain_warning.isVisibleTo(editor)

    qtbot.mouseClick(editor.up_button, LEFT)
    assert [s.technique for s in editor.steps()] == ["distill", "prune", "quantize"]
    assert editor.step_list.currentRow() == 0 and not editor.up_button.isEnabled()
    # a first distillation needs a student: the chain says so in plain words
    assert editor.chain_warning.isVisibleTo(editor)
    assert editor.chain_warning.text().startswith("Step 1, student:")
    qtbot.mouseClick(editor.down_button, LEFT)
    assert [s.technique for s in editor.steps()] == ["prune", "distill", "quantize"]
    assert not editor.chain_warning.isVisibleTo(editor)

    editor.step_list.setCurrentRow(2)
    assert not editor.down_button.isEnabled()
    qtbot.mouseClick(editor.remove_button, LEFT)
    assert [s.technique for s in editor.steps()] == ["prune", "distill"]
    assert editor.step_list.currentRow() == 1
    recipe = editor.recipe()
    assert [step.technique for step in recipe.steps] == ["prune", "distill"]
    assert recipe.model == "zoo:resnet-digits"


def test_first_distillation_gets_a_student(editor: PipelineEditor, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(editor.add_buttons["distill"], LEFT)
    assert editor.steps()[0].options["student"] == FIRST_STUDENT
    assert editor.student_combo.currentText() == FIRST_STUDENT
    assert editor.recipe().steps[0].describe() == f"distil into {FIRST_STUDENT} (10 epochs)"


def test_editing_controls_updates_the_step_and_its_label(editor: PipelineEditor, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor.set_recipe(three_steps())
    editor.step_list.setCurrentRow(0)
    with qtbot.waitSignal(editor.recipe_changed):
        editor.amount_spin.setValue(0.3)
    assert editor.recipe().steps[0].options["amount"] == 0.3
    assert _labels(editor)[0] == "1.  prune structured 0.3"
    assert editor.recipe().steps[0].options["round_to"] == 16  # untouched options stay

    editor.method_combo.setCurrentIndex(editor.method_combo.findData("unstructured"))
    step = editor.recipe().steps[0]
    assert step.options["method"] == "unstructured"
    assert step.options["importance"] == "l1"  # taylor does not apply to unstructured
    assert [editor.importance_combo.itemData(i)
            for i in range(editor.importance_combo.count())] == ["l1", "random"]

    editor.step_list.setCurrentRow(1)
    editor.student_combo.setCurrentText("width:0.25")
    editor.teacher_combo.setCurrentIndex(editor.teacher_combo.findData("original"))
    editor.epochs_spin.setValue(7)
    step = editor.recipe().steps[1]
    assert step.options["student"] == "width:0.25" and step.options["epochs"] == 7

    editor.step_list.setCurrentRow(2)
    editor.scheme_combo.setCurrentIndex(editor.scheme_combo.findData("bf16"))
    editor.compile_combo.setCurrentIndex(editor.compile_combo.findData("auto"))
    step = editor.recipe().steps[2]
    assert step.options == {"scheme": "bf16"}  # compile "auto" is the default: not written
    assert _labels(editor)[2] == "3.  quantize bf16"


def test_advanced_options(editor: PipelineEditor) -> None:
    editor.set_recipe(three_steps())
    editor.step_list.setCurrentRow(0)
    assert editor.advanced_edit.toPlainText() == "round_to = 16"
    assert editor.advanced_edit.isVisibleTo(editor)
    editor.advanced_edit.setPlainText("round_to = 8\nglobal_pruning = true")
    assert editor.recipe().steps[0].options["global_pruning"] is True
    editor.advanced_edit.setPlainText("colour = 3")
    assert editor.advanced_error.isVisibleTo(editor)
    with pytest.raises(RecipeError, match="colour is not an option"):
        editor.recipe()
    editor.advanced_edit.setPlainText("round_to = ")
    with pytest.raises(RecipeError, match="Step 1"):
        editor.recipe()
    editor.advanced_edit.setPlainText("head_ratio = 1.5")  # the engine's own check
    with pytest.raises(RecipeError, match=r"^Step 1: A pruning ratio"):
        editor.recipe()
    editor.advanced_edit.setPlainText("")
    assert "round_to" not in editor.recipe().steps[0].options


def test_invalid_recipe_shows_an_error_and_emits_nothing(editor: PipelineEditor, qtbot) -> None:  # type: ignore[no-untyped-def]
    errors = editor.errors  # type: ignore[attr-defined]
    with qtbot.assertNotEmitted(editor.run_requested):
        qtbot.mouseClick(editor.run_button, LEFT)
    assert len(errors.messages) == 1 and "at least one step" in errors.messages[0]
    assert "\n" not in errors.messages[0]

    qtbot.mouseClick(editor.add_buttons["prune"], LEFT)
    editor.set_mode(AUTO)
    with qtbot.assertNotEmitted(editor.run_requested):
        qtbot.mouseClick(editor.run_button, LEFT)
    assert "target" in errors.messages[-1]

    editor.set_mode(CHAIN)
    editor.set_model("")
    with qtbot.assertNotEmitted(editor.run_requested):
        qtbot.mouseClick(editor.run_button, LEFT)
    assert "model" in errors.messages[-1]


def test_run_busy_and_cancel(editor: PipelineEditor, qtbot) -> None:  # type: ignore[no-untyped-def]
    editor.set_recipe(three_steps())
    assert not editor.cancel_button.isEnabled()
    with qtbot.waitSignal(editor.run_requested) as blocker:
        qtbot.mouseClick(editor.run_button, LEFT)
    assert blocker.args[0] == three_steps()
    editor.set_busy(True)
    assert not editor.run_button.isEnabled() and editor.cancel_button.isEnabled()
    with qtbot.waitSignal(editor.cancel_requested):
        qtbot.mouseClick(editor.cancel_button, LEFT)
    editor.set_busy(False)
    assert editor.run_button.isEnabled() and not editor.cancel_button.isEnabled()


def test_save_and_load_round_trip(editor: PipelineEditor, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    editor.set_recipe(three_steps())
    path = tmp_path / "chain"
    assert editor.save_to(path)
    saved = tmp_path / "chain.toml"
    assert saved.exists() and "[[steps]]" in saved.read_text()
    assert load_recipe(saved).steps == three_steps().steps

    other = PipelineEditor()
    qtbot.addWidget(other)
    other.set_devices(["cpu"])
    assert other.load_from(saved)
    loaded = other.recipe()
    assert loaded.source == saved.resolve()
    loaded.source = None
    assert loaded == three_steps()
    # a device the file names but this computer lacks stays ticked, marked
    assert other.devices() == ["cpu", "cuda:0"]
    assert "not found" in other.device_list.item(1).text()

    # the buttons ask through overridable methods
    editor.ask_save_path = lambda: str(tmp_path / "asked.toml")  # type: ignore[method-assign]
    qtbot.mouseClick(editor.save_button, LEFT)
    assert (tmp_path / "asked.toml").exists()
    other.ask_open_path = lambda: str(tmp_path / "asked.toml")  # type: ignore[method-assign]
    other.set_recipe(automatic())
    qtbot.mouseClick(other.open_button, LEFT)
    assert other.mode() == CHAIN and len(other.steps()) == 3


def test_load_errors_are_one_line(editor: PipelineEditor, tmp_path: Path) -> None:
    errors = editor.errors  # type: ignore[attr-defined]
    broken = tmp_path / "broken.toml"
    broken.write_text('model = "zoo:x"\n[[steps]]\ntechnique = "prune"\namount = 1.5\n')
    assert not editor.load_from(broken)
    assert not editor.load_from(tmp_path / "missing.toml")
    assert len(errors.messages) == 2
    assert "steps[1]" in errors.messages[0] and "missing.toml" in errors.messages[1]
    assert all("\n" not in message and "Traceback" not in message
               for message in errors.messages)
    assert editor.steps() == []  # the form is unchanged


def test_strings_are_translated(qtbot, pseudo_translate) -> None:  # type: ignore[no-untyped-def]
    pseudo_translate("PipelineEditor")
    widget = PipelineEditor()
    qtbot.addWidget(widget)
    assert widget.run_button.text() == "[&Run]"
    assert widget.add_buttons["prune"].text() == "[Add pruning]"
    assert widget.mode_buttons[AUTO].text() == "[Automatic search]"
    assert widget.help_label.text().startswith("[Chain techniques")


def test_import_and_construction_need_no_torch() -> None:
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from slimbench.widgets.pipeline_editor import PipelineEditor\n"
        "from slimbench.widgets.comparison_table import ComparisonTable\n"
        "PipelineEditor(); ComparisonTable()\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60,
                            env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr


def test_minimum_size_and_picture(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    widget = PipelineEditor()
    qtbot.addWidget(widget)
    minimum = widget.minimumSizeHint()
    assert 400 <= minimum.width() <= 700 and 300 <= minimum.height() <= 600
    assert widget.sizeHint().width() >= minimum.width()
    widget.set_devices(["cpu", "cuda:0"])
    widget.set_recipe(three_steps())
    widget.resize(minimum)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.width() >= minimum.width() and widget.height() >= minimum.height()
    path = tmp_path / "pipeline_editor.png"
    assert widget.grab().save(str(path))
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
