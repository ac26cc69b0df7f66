"""Shared fixtures of the engine and CLI tests: small models, handles and guards.

Nothing here imports Qt: tests/engine runs with PySide6 absent.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest
import torch
from torch import nn

from slimbench.engine.loading import ModelHandle

try:  # tqdm's monitor thread outlives a test; the thread-leak guard would wait 5 s on it
    import tqdm

    tqdm.tqdm.monitor_interval = 0
except ImportError:  # pragma: no cover - tqdm comes with transformers and torch's tools
    pass

_QT_PACKAGES = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def _qt_loaded() -> bool:
    return any(name.split(".", 1)[0] in _QT_PACKAGES for name in sys.modules)


@pytest.fixture(autouse=True)
def _engine_stays_qt_free() -> Iterator[None]:
    """Fail a test whose engine code imported Qt (unless another test suite already had)."""
    had_qt = _qt_loaded()
    yield
    if not had_qt:
        assert not _qt_loaded(), "the engine imported Qt"


@pytest.fixture(autouse=True)
def _torch_threads_restored() -> Iterator[None]:
    """Fail a test that leaves torch with a different intra-op thread count."""
    before = torch.get_num_threads()
    yield
    after = torch.get_num_threads()
    if after != before:
        torch.set_num_threads(before)
        pytest.fail(f"the test left torch at {after} threads (it started at {before})")


def make_mlp(seed: int = 0) -> nn.Sequential:
    """Linear(4, 5) -> ReLU -> Linear(5, 3): 25 + 18 = 43 parameters."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3)).eval()


@pytest.fixture
def mlp() -> nn.Sequential:
    return make_mlp()


@pytest.fixture
def make_handle() -> Callable[..., ModelHandle]:
    """Wrap an in-memory module as a ModelHandle, with example inputs when given."""

    def make(module: nn.Module, *inputs: torch.Tensor, name: str = "model",
             data: object = None) -> ModelHandle:
        return ModelHandle(
            name=name,
            module=module.eval(),
            source="memory",
            location="memory",
            example_inputs=tuple(inputs) or None,
            data=data,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture
def one_line() -> Callable[[BaseException | str], str]:
    """Check that an error's message is one non-empty line without a traceback."""

    def check(error: BaseException | str) -> str:
        text = str(error)
        assert text.strip(), "the message is empty"
        assert "\n" not in text and "\r" not in text, f"not one line: {text!r}"
        assert "Traceback" not in text, text
        return text

    return check


@pytest.fixture
def zoo_digits() -> str:
    """``zoo:mlp-digits``, skipping the test while its trained weights are not built yet."""
    from slimbench.engine import zoo

    if not zoo.get_entry("mlp-digits").weights_file.exists():
        pytest.skip("zoo weights of mlp-digits are not built yet")
    return "zoo:mlp-digits"


@pytest.fixture
def no_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if onnxruntime were not installed: its import raises ImportError."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    _reset_runtime_availability()
    yield
    monkeypatch.undo()
    _reset_runtime_availability()


def _reset_runtime_availability() -> None:
    from slimbench.engine.runtimes import availability

    availability.reset_cache()
