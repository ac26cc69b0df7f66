"""The window keeps its variants in the user data folder and offers them back after a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QMessageBox

from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
from slimbench.engine.autosave import default_folder
from slimbench.engine.devices import cpu_device

SLOW = 120_000


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path


def _window(qtbot, folder: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(store=open_store(str(folder / "settings.ini")), devices=[cpu_device()])
    qtbot.addWidget(window)
    window.show()
    return window


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_crashed_session_is_offered_back_and_restored(qtbot, data_home) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, data_home)
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model("zoo:mlp-digits")
    record = window.run_compression("quantize", {
        **window.compress.options("quantize"), "scheme": "int8-dynamic", "compile": False})
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)
    names = [variant.name for variant in window.workspace]
    assert len(names) == 2
    manifest = window.autosave.folder / "workspace.json"
    qtbot.waitUntil(lambda: manifest.is_file() and len(
        json.loads(manifest.read_text())["variants"]) == 2, timeout=SLOW)
    saved = json.loads(manifest.read_text())["variants"]
    assert saved[0]["spec"] == "zoo:mlp-digits" and saved[1]["file"].startswith("models/")

    # The process "dies": its session file stays, naming a process that no longer runs.
    window.runner.shutdown()
    window._autosave_thread.join(timeout=30)
    dead = _dead_pid()
    crashed = window.autosave.folder.rename(default_folder() / f"session-{dead}")
    data = json.loads((crashed / "session.json").read_text())
    data["pid"] = dead
    (crashed / "session.json").write_text(json.dumps(data))
    window.autosave = None  # nothing to end: it crashed

    again = _window(qtbot, data_home)
    qtbot.waitUntil(lambda: again.findChild(QMessageBox, "restoreDialog") is not None,
                    timeout=SLOW)
    box = again.findChild(QMessageBox, "restoreDialog")
    assert "2 models" in box.text()
    box.done(QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: len(list(again.workspace)) == 2, timeout=SLOW)
    restored = list(again.workspace)
    assert [variant.name for variant in restored] == names
    assert restored[1].parent == restored[0].id
    assert restored[1].handle.module is not None and again.current is restored[0]

    assert not crashed.exists()  # restored: the crashed session's folder is gone
    # Closing cleanly: nothing is offered next time.
    again.close()
    assert not any(default_folder().iterdir())


def test_declining_discards_the_crashed_session(qtbot, data_home) -> None:  # type: ignore[no-untyped-def]
    dead = _dead_pid()
    folder = default_folder() / f"session-{dead}"
    (folder / "models").mkdir(parents=True)
    (folder / "session.json").write_text(json.dumps({"pid": dead, "format": 1}))
    (folder / "workspace.json").write_text(json.dumps({"format": 1, "variants": [
        {"id": 1, "name": "mlp-digits", "spec": "zoo:mlp-digits"}]}))
    window = _window(qtbot, data_home)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "restoreDialog") is not None,
                    timeout=SLOW)
    window.findChild(QMessageBox, "restoreDialog").done(QMessageBox.StandardButton.No)
    qtbot.waitUntil(lambda: not folder.exists(), timeout=SLOW)
    assert list(window.workspace) == []
    assert (window.autosave.folder / "session.json").is_file()
    assert window.autosave.folder.name == f"session-{os.getpid()}"
