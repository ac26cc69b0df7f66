from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from slimbench.engine.inspection import inspect_model
from slimbench.engine.loading import load_model
from slimbench.engine.measure import BenchConfig

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QMessageBox

from slimbench.app.main_window import MainWindow
from slimbench.widgets.layer_tree import PARAMS, SORT_ROLE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    main_window = MainWindow()
    qtbot.addWidget(main_window)
    main_window.show()
    yield main_window
    main_window.runner.shutdown()


def test_shows_zoo_model_tree_matching_the_engine(window, qtbot, tmp_path: Path) -> None:
    assert window.open_model("zoo:resnet-digits")
    assert window.model_name.text() == "resnet-digits"
    assert "resnet-digits" in window.windowTitle()
    qtbot.waitUntil(lambda: window.inspection is not None, timeout=60_000)
    expected = inspect_model(load_model("zoo:resnet-digits"))
    root = window.tree.model.index(0, 0)
    assert window.tree.model.data(root.siblingAtColumn(PARAMS), SORT_ROLE) == \
        expected.params_total
    assert window.tree.model.rowCount(root) == len(expected.tree.children)
    assert "parameters" in window.model_summary.text()
    shot = tmp_path / "main_window.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 1000
    assert window.minimumSizeHint().width() > 0


def test_benchmark_job_runs_and_updates_the_summary(window, qtbot) -> None:
    assert window.open_model("zoo:mlp-digits")
    record = window.run_benchmark(BenchConfig(warmup=1, repeats=5))
    assert record is not None
    qtbot.waitUntil(lambda: window.last_bench is not None, timeout=60_000)
    assert record.state == "done"
    assert " ms on cpu" in window.model_summary.text()
    assert window.jobs.row_of(record.id) >= 0


def test_bad_file_shows_one_sentence_dialog(window, tmp_path: Path) -> None:
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(os.urandom(256))
    assert not window.open_model(str(bad))
    dialogs = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert len(dialogs) == 1
    assert "\n" not in dialogs[0].text() and "garbage.pt" in dialogs[0].text()
    assert window.handle is None
    dialogs[0].close()


def test_full_pickle_is_refused_in_the_window(window, tmp_path: Path) -> None:
    path = tmp_path / "full.pt"
    torch.save(torch.nn.Linear(2, 2), path)
    assert not window.open_model(str(path))
    assert window.last_error is not None and "trust" in window.last_error


def test_slimbench_command_opens_the_window_with_the_demo_model() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SLIMBENCH_EXIT_AFTER_START": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "slimbench.cli"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "resnet-digits" in result.stdout
