"""The window under a memory limit: a model too large for it fails its job cleanly, the
original variant stays as it was, and the window keeps working."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch
from torch import nn

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QInputDialog, QMessageBox

from slimbench.app.settings import load_settings, open_store
from slimbench.engine import memory

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").is_file(), reason="the memory watcher reads Linux's /proc"
)

SLOW = 120_000


@pytest.fixture(autouse=True)
def _default_memory_limit_after():  # type: ignore[no-untyped-def]
    yield
    memory.set_memory_limit(None)


@pytest.fixture(scope="module")
def wide_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fully pickled 134 MB MLP (its classes are torch's own, so trusting it is safe)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2048, 8192), nn.ReLU(), nn.Linear(8192, 2048)).eval()
    path = tmp_path_factory.mktemp("wide") / "wide.pt"
    torch.save(model, path)
    return path


def _digest(module: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode() + tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def test_the_limit_is_asked_for_saved_and_checked(window, qtbot, tmp_path: Path) -> None:
    dialog = window.ask_memory_limit()
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    assert "%" in dialog.labelText()  # says what an empty field means
    dialog.setTextValue("3G")
    dialog.accept()

    assert memory.job_memory_limit() == 3 << 30
    assert load_settings(open_store(str(tmp_path / "settings.ini"))).memory_limit == "3G"

    assert not window.set_memory_limit("plenty")
    error = window.findChild(QMessageBox, "errorDialog")
    assert error is not None and "not a memory size" in error.text()
    assert memory.job_memory_limit() == 3 << 30  # a bad entry changes nothing


def test_a_model_too_large_for_the_limit_fails_cleanly(window, qtbot, wide_model: Path) -> None:
    assert window.set_memory_limit("64M")
    record = window.open_model(str(wide_model), trust_pickle=True)
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW)

    assert record.state == "failed"
    assert "memory" in record.error and "\n" not in record.error
    assert list(window.workspace) == []

    # With room for it, the same file opens; then quantizing it (a copy) is over the limit.
    assert window.set_memory_limit("2G")
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model(str(wide_model), trust_pickle=True)
    original = window.current
    original.handle.example_inputs = (torch.randn(1, 2048),)  # a pickled module has none
    before = _digest(original.handle.module)
    assert window.set_memory_limit("64M")
    quantize = window.run_compression("quantize", {
        **window.compress.options("quantize"), "scheme": "int8-dynamic", "compile": False})
    qtbot.waitUntil(lambda: quantize.is_finished, timeout=SLOW)

    assert quantize.state == "failed" and "memory" in quantize.error
    assert [variant.id for variant in window.workspace] == [original.id]
    assert _digest(original.handle.module) == before

    # The window keeps working: a benchmark of the original runs to the end.
    assert window.set_memory_limit("")
    bench = window.run_benchmark()
    qtbot.waitUntil(lambda: bench.is_finished, timeout=SLOW)
    assert bench.state == "done", bench.error
