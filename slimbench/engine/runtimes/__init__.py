"""Runtimes as a choice next to the device: PyTorch eager, torch.compile and ONNX Runtime.

Qt-free, and onnxruntime stays optional: it is imported only when a runtime or scheme that
needs it is used, so everything here imports without it and says in one sentence what is
missing. A runtime picker asks:

    from slimbench.engine import runtimes
    runtimes.available_runtimes("cpu")      # {"eager": None, "compiled": None,
                                            #  "onnxruntime": None or "ONNX Runtime is not..."}
    runtimes.scheme_unavailable("ort-int8-static", "cuda:0")   # why not, or None

and measures with ``BenchConfig(runtime="onnxruntime")``. ``export_job`` writes a variant as
an .onnx file checked against PyTorch; ``load_model("x.onnx")`` loads one back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slimbench.engine.runtimes.availability import (
    COMPILED,
    EAGER,
    ONNXRUNTIME,
    RUNTIMES,
    Runtime,
    RuntimeUnavailableError,
    available_runtimes,
    check_runtime,
    onnxruntime_or_reason,
    onnxruntime_provider,
    runtime_unavailable,
)

if TYPE_CHECKING:
    from slimbench.engine.runtimes.export import OnnxExport, OnnxExportError, export_onnx
    from slimbench.engine.runtimes.onnx_files import (
        ExportResult,
        export_job,
        export_to_onnx,
        load_onnx,
        save_onnx,
    )
    from slimbench.engine.runtimes.ort_module import OnnxRuntimeModule

#: Names importable from here whose modules load on first use (they import torch.onnx).
_LAZY = {
    "OnnxExport": "export", "OnnxExportError": "export", "export_onnx": "export",
    "ExportResult": "onnx_files", "export_job": "onnx_files", "export_to_onnx": "onnx_files",
    "load_onnx": "onnx_files", "save_onnx": "onnx_files",
    "OnnxRuntimeModule": "ort_module",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"slimbench.engine.runtimes.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def scheme_unavailable(scheme: str, device: str = "cpu") -> str | None:
    """None when the quantization ``scheme`` can run on ``device``, else why not (one line).

    Covers what a picker needs before a job starts: the scheme's runtime is installed and has
    a provider for the device, and the scheme has kernels there.
    """
    from slimbench.engine.errors import SlimbenchError
    from slimbench.engine.quantize.schemes import all_schemes, check_device

    schemes = all_schemes()
    entry = schemes.get(scheme.strip().lower())
    if entry is None:
        return f"Unknown quantization scheme '{scheme}'; choose one of {', '.join(schemes)}."
    if ONNXRUNTIME in entry.runtimes:
        _, missing = onnxruntime_or_reason()
        if missing:
            return missing
    device_type = device.strip().lower().split(":", 1)[0]
    if device_type not in entry.devices:
        try:
            check_device(entry, device)
        except SlimbenchError as error:
            return str(error)
        return f"{entry.name} has kernels for {', '.join(entry.devices)} only."
    return None


def runtime_of(module: Any) -> str | None:
    """The runtime a model is bound to (``onnxruntime`` for an ONNX model), else None."""
    from slimbench.engine.runtimes.ort_module import OnnxRuntimeModule

    return ONNXRUNTIME if isinstance(module, OnnxRuntimeModule) else None


__all__ = [
    "COMPILED",
    "EAGER",
    "ONNXRUNTIME",
    "RUNTIMES",
    "ExportResult",
    "OnnxExport",
    "OnnxExportError",
    "OnnxRuntimeModule",
    "Runtime",
    "RuntimeUnavailableError",
    "available_runtimes",
    "check_runtime",
    "export_job",
    "export_onnx",
    "export_to_onnx",
    "load_onnx",
    "onnxruntime_or_reason",
    "onnxruntime_provider",
    "runtime_of",
    "runtime_unavailable",
    "save_onnx",
    "scheme_unavailable",
]
