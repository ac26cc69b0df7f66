"""What ``measure.bench_job`` needs to time a model on any runtime."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

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

T = TypeVar("T")


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


# --- before/after on one runtime (prune, quantize and distillation METRICS) ---------------

#: Where a before/after measurement goes when a model cannot run on the runtime asked for:
#: the next runtime that works, best first (eager always can).
FALLBACKS: dict[str, tuple[str, ...]] = {
    ONNXRUNTIME: (COMPILED, EAGER),
    COMPILED: (EAGER,),
    EAGER: (),
}


def canonical_runtime(runtime: str | None) -> str | None:
    """``runtime`` as ``--runtime`` spells it (None stays None), or a one-line InputSpecError."""
    if runtime is None:
        return None
    name = str(runtime).strip().lower()
    if name not in RUNTIMES:
        raise InputSpecError(f"Unknown runtime '{runtime}'; choose one of {', '.join(RUNTIMES)}.")
    return name


def runtime_label(runtime: str) -> str:
    """The runtime's name as notes write it (``ONNX Runtime``, ``torch.compile``...)."""
    entry = RUNTIMES.get(runtime)
    return entry.label if entry is not None else runtime


def one_line(error: BaseException, limit: int = 400) -> str:
    """The first non-empty line of an error, without its final full stop."""
    text = str(error).strip() or type(error).__name__
    line = next((part.strip() for part in text.splitlines() if part.strip()), text)
    return line.rstrip(".")[:limit]


def fallback_note(asked: str, used: str, reason: str) -> str:
    """One line: which runtime was asked for, which one measured instead, and why."""
    return (f"Asked to measure on {runtime_label(asked)}, but {runtime_label(used)} measured "
            f"before and after: {reason.rstrip('.')}.")


def on_best_runtime(asked: str, device: str, prepare: Callable[[str], T],
                    ) -> tuple[str, T, str | None]:
    """(runtime used, ``prepare(runtime)``, why the one asked was not used or None).

    ``prepare`` readies the models on one runtime, raising if one of them cannot run there
    (an operator ONNX has no conversion for, a graph torch.compile refuses); the fallbacks
    are tried in order (FALLBACKS), skipping runtimes unavailable on ``device``. Running out
    of memory is not a reason to try another runtime: it is raised. A failure on eager, which
    every other runtime falls back to, is raised too.
    """
    from slimbench.engine.errors import MemoryLimitError
    from slimbench.engine.memory import is_out_of_memory

    reason: str | None = None
    for name in (asked, *FALLBACKS.get(asked, (EAGER,))):
        if name != asked and runtime_unavailable(name, device) is not None:
            continue
        if name == EAGER:  # nothing left to fall back to: its errors are the model's own
            return name, prepare(name), reason
        try:
            return name, prepare(name), reason
        except (MemoryLimitError, RuntimeUnavailableError):
            raise
        except Exception as error:
            if is_out_of_memory(error):
                raise
            reason = reason or one_line(error)
    raise AssertionError("eager is always a fallback")  # pragma: no cover


def onnxruntime_pair(
    modules: Sequence[tuple[nn.Module, str]], example: tuple[torch.Tensor, ...],
) -> tuple[list[nn.Module], list[float | None], list[str]]:
    """Each module exported to ONNX and wrapped for ONNX Runtime (in order), the export
    seconds of each (None for one that already was ONNX), and one note on how.

    ``example`` should have a batch of at least 2. Raises OnnxExportError (naming the
    operator where the exporter does) for the first module that does not export.
    """
    models: list[nn.Module] = []
    seconds: list[float | None] = []
    notes: list[str] = []
    for module, name in modules:
        model, spent, more = onnxruntime_model(module, example, name)
        models.append(model)
        seconds.append(spent)
        notes.extend(note for note in more if not note.startswith("Exported with")
                     and note not in notes)
    timed = [(name, spent) for (_, name), spent in zip(modules, seconds, strict=True)
             if spent is not None]
    if timed:
        info = getattr(models[0], "info", {}) or {}
        how = (f" (torch.onnx's {info['exporter']} exporter, opset {info['opset']})"
               if info.get("exporter") else "")
        notes.insert(0, "Exported to ONNX for ONNX Runtime" + how + ": " + ", ".join(
            f"{name} in {spent:.1f} s" for name, spent in timed) + " (not timed).")
    return models, seconds, notes
