"""What ``measure.bench_job`` needs to time a model on any runtime."""

from __future__ import annotations

import time

import torch
from torch import nn

from slimbench.engine.errors import InputSpecError
from slimbench.engine.runtimes.availability import (
    COMPILED,
    EAGER,
    ONNXRUNTIME,
    RUNTIMES,
    RuntimeUnavailableError,
    runtime_unavailable,
)


def bench_runtime(module: nn.Module, runtime: str | None, compile: bool, device: str,
                  dtype: str) -> tuple[str, list[str]]:
    """(the runtime to time ``module`` on, notes), or a one-line error.

    ``compile=True`` without a runtime means the compiled runtime (what ``--compile`` always
    meant); an ONNX model runs on ONNX Runtime whatever was asked, and says so.
    """
    from slimbench.engine.runtimes.ort_module import OnnxRuntimeModule

    name = (runtime or (COMPILED if compile else EAGER)).strip().lower()
    if name not in RUNTIMES:
        raise InputSpecError(f"Unknown runtime '{runtime}'; choose one of {', '.join(RUNTIMES)}.")
    if compile and name != COMPILED:
        raise InputSpecError(
            f"compile asks for the compiled runtime but the runtime is {name}; choose one."
        )
    notes: list[str] = []
    if isinstance(module, OnnxRuntimeModule) and name != ONNXRUNTIME:
        if runtime is not None or compile:  # asked for explicitly: say why it was not used
            notes.append(f"This is an ONNX model: it runs on ONNX Runtime only, so it was "
                         f"timed there and not on the {name} runtime.")
        name = ONNXRUNTIME
    reason = runtime_unavailable(name, device)
    if reason:
        raise RuntimeUnavailableError(reason)
    if name == ONNXRUNTIME and dtype.strip().lower().removeprefix("torch.") not in (
            "float32", "float"):
        raise InputSpecError(
            f"ONNX Runtime runs the float32 export, not {dtype}; time it in float32, or "
            "quantize with ort-int8-dynamic or ort-int8-static for smaller numbers."
        )
    return name, notes


def onnxruntime_model(module: nn.Module, example: tuple[torch.Tensor, ...], name: str,
                      ) -> tuple[nn.Module, float | None, list[str]]:
    """(an OnnxRuntimeModule for ``module``, export seconds or None if it already was one,
    notes). ``example`` should have a batch of at least 2 (see ``export_onnx``)."""
    from slimbench.engine.runtimes.export import export_onnx
    from slimbench.engine.runtimes.ort_module import OnnxRuntimeModule

    if isinstance(module, OnnxRuntimeModule):
        return module, None, []
    started = time.perf_counter()
    exported = export_onnx(module, example, name=name)
    seconds = time.perf_counter() - started
    ort_module = OnnxRuntimeModule(exported.onnx_bytes, label=f"{name} (ONNX)",
                                   info={"exporter": exported.exporter, "opset": exported.opset})
    notes = [*exported.notes, f"Exported with torch.onnx's {exported.exporter} exporter at "
             f"opset {exported.opset} in {seconds:.1f} s."]
    return ort_module, seconds, notes


def start_session(model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> float:
    """Seconds to build ``model``'s ONNX Runtime session and run it once (its first call
    allocates and plans memory, the way a compiled model's first call compiles)."""
    started = time.perf_counter()
    model.session()  # type: ignore[operator]
    with torch.inference_mode():
        model(*inputs)
    return time.perf_counter() - started


def agreement_note(reference: nn.Module, candidate: nn.Module,
                   inputs: tuple[torch.Tensor, ...]) -> str | None:
    """A note when the exported model's outputs stray from PyTorch's on the timed batch."""
    from slimbench.engine.measure import fidelity_of_outputs, output_tensor
    from slimbench.engine.module_state import evaluation_mode

    cpu_inputs = tuple(t.cpu() for t in inputs)
    with torch.inference_mode(), evaluation_mode(reference) as model:
        expected = output_tensor(model(*cpu_inputs))
        got = output_tensor(candidate(*inputs))
    fidelity = fidelity_of_outputs(expected, got)
    agreement = fidelity.top1_agreement
    if (agreement == agreement and agreement < 0.99) or fidelity.cosine < 0.999:
        return (f"The ONNX export does not reproduce PyTorch's outputs on this batch (cosine "
                f"{fidelity.cosine:.4f}): its timing is of a different computation.")
    return None
