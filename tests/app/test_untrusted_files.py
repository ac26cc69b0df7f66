"""Opening a file with a planted pickle in the window: a trust question, and No runs nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QMessageBox

from tests.engine.test_untrusted_files import Planted, digits_state, plant_program

SLOW = 90_000




@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = torch.nn.Sequential(torch.nn.Linear(4, 3)).eval()
    path = tmp_path_factory.mktemp("export") / "tiny.pt2"
    torch.export.save(torch.export.export(model, (torch.randn(1, 4),)), str(path))
    return path


@pytest.mark.parametrize("kind", ["checkpoint", "exported"])
def test_no_to_the_trust_question_runs_nothing_and_changes_nothing(
    window, qtbot, tmp_path: Path, program: Path, kind: str
) -> None:
    marker = tmp_path / "PLANTED_CODE_RAN"
    if kind == "checkpoint":
        path = tmp_path / "nested.pt"
        torch.save({"state_dict": digits_state(), "optimizer": Planted(marker)}, path)
    else:
        path = plant_program(program, tmp_path / "planted.pt2", marker, "inputs")
    before = [variant.name for variant in window.workspace]

    record = window.open_model(str(path))
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    dialog = window.findChild(QMessageBox, "trustDialog")
    assert dialog is not None and dialog.isVisible()
    assert not marker.exists()
    dialog.button(QMessageBox.StandardButton.No).click()
    qtbot.wait(50)

    assert not marker.exists()
    assert [variant.name for variant in window.workspace] == before
    assert window.current is None and window.runner.active_count() == 0
