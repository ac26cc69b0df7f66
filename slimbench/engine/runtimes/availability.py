"""Which runtimes can serve which device, and if not, why (one sentence each).

Nothing here imports onnxruntime at module import: it is an optional extra, and the app must
start without it. The answers are cached per process (installing a package needs a restart
anyway), and none of them initialises CUDA.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from slimbench.engine.errors import SlimbenchError

EAGER = "eager"
COMPILED = "compiled"
ONNXRUNTIME = "onnxruntime"


@dataclass(frozen=True)
class Runtime:
    """One runtime as the user picks it (``name`` is what ``--runtime`` takes)."""

    name: str
    label: str
    summary: str


RUNTIMES: dict[str, Runtime] = {
    runtime.name: runtime
    for runtime in (
        Runtime(EAGER, "PyTorch eager", "the model's own forward, op by op"),
        Runtime(COMPILED, "torch.compile",
                "inductor-generated kernels; the first call of each input shape compiles"),
        Runtime(ONNXRUNTIME, "ONNX Runtime",
                "exported with torch.onnx.export, run by an ONNX Runtime session"),
    )
}

#: The pip extra that brings ONNX Runtime, quoted in every reason that it is missing.
ONNX_EXTRA = "pip install 'slimbench[onnx]'"


class RuntimeUnavailableError(SlimbenchError):
    """A runtime cannot serve the device or model the user picked."""


_modules: dict[str, Any] = {}
_reasons: dict[str, str] = {}


def _import(name: str) -> tuple[Any, str | None]:
    if name not in _modules and name not in _reasons:
        try:
            _modules[name] = importlib.import_module(name)
        except Exception as error:  # ImportError, or an ABI mismatch (OSError, RuntimeError)
            text = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
            _reasons[name] = f"{name} cannot be imported ({text.rstrip('.')})"
    return _modules.get(name), _reasons.get(name)


def onnxruntime_or_reason() -> tuple[Any, str | None]:
    """(the onnxruntime module, None), or (None, one sentence saying why it is missing)."""
    for package in ("onnx", "onnxruntime"):
        _, reason = _import(package)
        if reason:
            return None, (f"ONNX Runtime is not installed: {reason}; install it with "
                          f"{ONNX_EXTRA}.")
    return _modules["onnxruntime"], None


def require_onnxruntime() -> Any:
    """The onnxruntime module, or RuntimeUnavailableError with the one-line reason."""
    module, reason = onnxruntime_or_reason()
    if reason:
        raise RuntimeUnavailableError(reason)
    return module


def reset_cache() -> None:
    """Forget what was imported or refused (tests that hide a package call this)."""
    _modules.clear()
    _reasons.clear()


def onnxruntime_provider(device_type: str) -> tuple[str | None, str | None]:
    """(ONNX Runtime execution provider for ``device_type``, None) or (None, why not)."""
    ort, reason = onnxruntime_or_reason()
    if reason:
        return None, reason
    providers = list(ort.get_available_providers())
    if device_type == "cpu":
        return "CPUExecutionProvider", None
    if device_type == "cuda":
        if "CUDAExecutionProvider" in providers:
            return "CUDAExecutionProvider", None
        return None, ("ONNX Runtime here has no CUDAExecutionProvider (it is the CPU build); "
                      "install onnxruntime-gpu in place of onnxruntime to run it on a GPU.")
    if device_type == "mps":
        return None, ("ONNX Runtime has no Metal (MPS) provider; its CoreML provider is not "
                      "supported by Slimbench yet, so pick the CPU.")
    return None, f"ONNX Runtime has no execution provider for {device_type} devices."


def runtime_unavailable(runtime: str, device: str = "cpu") -> str | None:
    """None when ``runtime`` can run models on ``device``, else one sentence saying why not.

    ``device`` is what ``--device`` takes (cpu, cuda, cuda:1, mps); it is not resolved, so
    asking never initialises CUDA.
    """
    name = runtime.strip().lower()
    if name not in RUNTIMES:
        return f"Unknown runtime '{runtime}'; choose one of {', '.join(RUNTIMES)}."
    device_type = device.strip().lower().split(":", 1)[0]
    if name == EAGER:
        return None
    if name == COMPILED:
        from slimbench.engine.quantize.runtime import compile_available

        missing = compile_available()
        return None if missing is None else f"{missing[0].upper()}{missing[1:]}."
    _, reason = onnxruntime_provider(device_type)
    return reason


def available_runtimes(device: str = "cpu") -> dict[str, str | None]:
    """Every runtime and, for ``device``, None when it can serve it or the reason it cannot.

    This is what a runtime picker greys its entries out with.
    """
    return {name: runtime_unavailable(name, device) for name in RUNTIMES}


def check_runtime(runtime: str, device: str = "cpu") -> str:
    """The runtime's canonical name, or RuntimeUnavailableError with the reason."""
    reason = runtime_unavailable(runtime, device)
    if reason:
        raise RuntimeUnavailableError(reason)
    return runtime.strip().lower()
