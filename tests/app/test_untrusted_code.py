"""Python code named as a model's architecture: the window asks, naming the file, before it
imports it; No runs nothing. A file of weights alone: the window asks for the architecture."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox

from tests.engine.test_untrusted_code import PLANTED_SOURCE, write_checkpoint
from tests.engine.test_untrusted_files import digits_state

SLOW = 90_000




@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "PLANTED_CODE_RAN"


@pytest.fixture
def code_file(tmp_path: Path, marker: Path) -> Path:
    path = tmp_path / "evil.py"
    path.write_text(PLANTED_SOURCE.format(marker=str(marker)), encoding="utf-8")
    return path


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    path = tmp_path / "weights.pt"
    torch.save(digits_state(), path)
    return path


def _finished_load(window, qtbot, path: Path, **options) -> None:  # type: ignore[no-untyped-def]
    record = window.open_model(str(path), **options)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)


def _code_question(window, qtbot) -> QMessageBox:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "codeTrustDialog") is not None,
                    timeout=SLOW)
    box = window.findChild(QMessageBox, "codeTrustDialog")
    assert box.isVisible()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    return box


def _architecture_dialog(window, qtbot) -> QDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.findChild(QDialog, "architectureDialog") is not None,
                    timeout=SLOW)
    dialog = window.findChild(QDialog, "architectureDialog")
    assert dialog.isVisible()
    return dialog


def _loaded(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.current is not None and window.runner.active_count() == 0,
                    timeout=SLOW)


def test_a_file_naming_python_code_asks_first_and_no_runs_nothing(
    window, qtbot, tmp_path: Path, code_file: Path, marker: Path
) -> None:
    path = write_checkpoint(tmp_path / "checkpoint.pt", f"{code_file}:Net")
    _finished_load(window, qtbot, path)
    box = _code_question(window, qtbot)
    assert "evil.py" in box.text() and "checkpoint.pt" in box.text()
    assert box.informativeText() == str(code_file)
    assert not marker.exists()
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.wait(50)

    assert not marker.exists()
    assert window.current is None and window.runner.active_count() == 0
    assert window.findChild(QMessageBox, "errorDialog") is None
    # The window goes on working.
    window.open_model("zoo:mlp-digits")
    _loaded(window, qtbot)
    assert window.current.handle.arch == "zoo:mlp-digits" and not marker.exists()


def test_yes_to_the_code_question_loads_the_model(
    window, qtbot, tmp_path: Path, code_file: Path, marker: Path
) -> None:
    path = write_checkpoint(tmp_path / "checkpoint.pt", f"{code_file}:Net")
    _finished_load(window, qtbot, path)
    _code_question(window, qtbot).button(QMessageBox.StandardButton.Yes).click()
    _loaded(window, qtbot)
    assert window.current.handle.arch == f"{code_file}:Net"
    assert marker.exists()


def test_weights_alone_ask_for_a_zoo_architecture_and_load(
    window, qtbot, bare: Path, marker: Path
) -> None:
    _finished_load(window, qtbot, bare)
    dialog = _architecture_dialog(window, qtbot)
    assert "weights.pt" in dialog.findChild(QLabel, "architectureIntro").text()
    combo = dialog.kind
    combo.setCurrentIndex(combo.findData("zoo:mlp-digits"))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    _loaded(window, qtbot)
    assert window.current.handle.arch == "zoo:mlp-digits"
    assert window.findChild(QMessageBox, "codeTrustDialog") is None


def test_a_python_file_chosen_in_the_dialog_is_asked_about_too(
    window, qtbot, bare: Path, code_file: Path, marker: Path
) -> None:
    _finished_load(window, qtbot, bare)
    dialog = _architecture_dialog(window, qtbot)
    dialog.kind.setCurrentIndex(dialog.kind.findData("python-file"))
    dialog.file.setText(str(code_file))
    dialog.class_name.setText("Net")
    dialog.args.setText("{classes: 10")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    ok.click()
    error = dialog.findChild(QLabel, "architectureError")
    assert dialog.isVisible() and error.isVisible()
    assert "JSON" in error.text() and "\n" not in error.text()
    dialog.args.setText("{}")
    assert not error.isVisible()
    ok.click()

    box = _code_question(window, qtbot)
    assert "evil.py" in box.text() and not marker.exists()
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.wait(50)
    assert not marker.exists() and window.current is None

    # Asked again, Yes loads it into the chosen class.
    _finished_load(window, qtbot, bare)
    dialog = _architecture_dialog(window, qtbot)
    dialog.kind.setCurrentIndex(dialog.kind.findData("python-file"))
    dialog.file.setText(str(code_file))
    dialog.class_name.setText("Net")
    dialog.accept()
    _code_question(window, qtbot).button(QMessageBox.StandardButton.Yes).click()
    _loaded(window, qtbot)
    assert window.current.handle.arch == f"{code_file}:Net" and marker.exists()


def test_cancelling_the_architecture_dialog_loads_nothing(window, qtbot, bare: Path) -> None:
    _finished_load(window, qtbot, bare)
    _architecture_dialog(window, qtbot).reject()
    qtbot.wait(50)
    assert window.current is None and window.runner.active_count() == 0
