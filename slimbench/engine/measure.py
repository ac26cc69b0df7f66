"""Measurements: latency, throughput, peak memory, serialized size, accuracy and fidelity.

Every figure that is compared (before/after, model A/model B) must come from the same
device, dtype, thread count and inputs; the functions here take all of those explicitly.
"""

from __future__ import annotations

import copy
import io
import statistics
import time
import warnings
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from slimbench.engine.data import TensorDataset
from slimbench.engine.devices import resolve_device, synchronize
from slimbench.engine.errors import InputSpecError, MemoryLimitError
from slimbench.engine.jobs import Job, Progress, run_job
from slimbench.engine.loading import ModelHandle, parse_dtype
from slimbench.engine.memory import is_out_of_memory
from slimbench.engine.module_state import evaluation_mode

# --- size ---------------------------------------------------------------------------------


def serialized_size_bytes(module: nn.Module) -> int:
    """Bytes of the module's state_dict as ``torch.save`` writes it: the real file size."""
    own_size = getattr(module, "serialized_size_bytes", None)
    if callable(own_size):  # a model that is not a state_dict (ONNX bytes) knows its own
        return int(own_size())
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(module, torch.jit.ScriptModule):
            torch.jit.save(module, buffer)
        else:
            torch.save(module.state_dict(), buffer)
    return buffer.getbuffer().nbytes


# --- latency ------------------------------------------------------------------------------


@dataclass
class BenchConfig:
    device: str = "cpu"
    dtype: str = "float32"
    batch_size: int = 1
    compile: bool = False
    warmup: int = 5
    repeats: int = 30
    #: Stop early once this many seconds of timed runs are done (at least 5 runs).
    max_seconds: float = 10.0
    threads: int | None = None
    #: eager, compiled or onnxruntime (``slimbench.engine.runtimes``); None follows
    #: ``compile`` (True means compiled).
    runtime: str | None = None


@dataclass
class BenchResult:
    device: str
    dtype: str
    batch_size: int
    threads: int
    compile: bool
    latency_ms: dict[str, float]
    throughput_per_s: float
    peak_memory_bytes: int | None
    peak_memory_kind: str
    samples_ms: list[float]
    compile_seconds: float | None = None
    flops_per_batch: int | None = None
    achieved_flops_per_s: float | None = None
    notes: list[str] = field(default_factory=list)
    runtime: str = "eager"
    #: onnxruntime: torch.onnx.export's time, and the session's start with its first call.
    export_seconds: float | None = None
    session_seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def latency_summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p90_index = min(len(ordered) - 1, max(0, round(0.9 * (len(ordered) - 1))))
    return {
        "median": statistics.median(ordered),
        "p90": ordered[p90_index],
        "min": ordered[0],
        "mean": statistics.fmean(ordered),
    }


@contextmanager
def thread_count(threads: int | None):  # type: ignore[no-untyped-def]
    """Run with ``threads`` intra-op threads, restoring the previous count afterwards."""
    previous = torch.get_num_threads()
    if threads is not None and threads != previous:
        if threads < 1:
            raise InputSpecError(f"The thread count must be at least 1, not {threads}.")
        torch.set_num_threads(threads)
    try:
        yield torch.get_num_threads()
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


def make_batch(handle: ModelHandle, batch_size: int) -> tuple[torch.Tensor, ...]:
    """A batch of real samples when the model has data, else its example inputs repeated."""
    if batch_size < 1:
        raise InputSpecError(f"The batch size must be at least 1, not {batch_size}.")
    example = handle.require_inputs("benchmark the model")
    if handle.data is not None and len(example) == 1 and len(handle.data) > 0:
        inputs = handle.data.inputs
        if inputs.shape[1:] == example[0].shape[1:] and inputs.dtype == example[0].dtype:
            repeats = -(-batch_size // len(inputs))
            return (inputs.repeat((repeats,) + (1,) * (inputs.dim() - 1))[:batch_size],)
    batch = []
    for tensor in example:
        if tensor.dim() == 0:
            batch.append(tensor)
            continue
        repeats = -(-batch_size // tensor.shape[0])
        batch.append(tensor.repeat((repeats,) + (1,) * (tensor.dim() - 1))[:batch_size])
    return tuple(batch)


def prepare_for_device(
    module: nn.Module, inputs: tuple[torch.Tensor, ...], device: torch.device, dtype: torch.dtype
) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    """A copy of the module and inputs on ``device`` in ``dtype`` (the original is untouched)."""
    model = copy.deepcopy(module)
    model = model.to(device)
    if dtype != torch.float32:
        model = model.to(dtype)
    moved = tuple(
        t.to(device=device, dtype=dtype) if t.is_floating_point() else t.to(device)
        for t in inputs
    )
    return model.eval(), moved


def bench(handle: ModelHandle, config: BenchConfig) -> BenchResult:
    return run_job(bench_job(handle, config))


def bench_job(handle: ModelHandle, config: BenchConfig) -> Job[BenchResult]:
    """Warm up, then time ``repeats`` forward passes; each Progress carries the new sample."""
    device = resolve_device(config.device)
    dtype = parse_dtype(config.dtype)
    if not dtype.is_floating_point:
        raise InputSpecError(f"Benchmark dtype must be a floating type, not {config.dtype}.")
    total = config.warmup + config.repeats
    with thread_count(config.threads) as threads:
        from slimbench.engine import runtimes
        from slimbench.engine.runtimes import bench as on_runtime

        runtime, notes = on_runtime.bench_runtime(handle.module, config.runtime, config.compile,
                                                  config.device, config.dtype)
        yield Progress(0, total, f"Preparing {handle.name} on {device} in {config.dtype}")
        inputs = make_batch(handle, config.batch_size)
        source = handle.module
        compile_seconds = export_seconds = session_seconds = None
        if runtime == runtimes.ONNXRUNTIME:
            yield Progress(0, total, "Exporting to ONNX for ONNX Runtime")
            source, export_seconds, more = on_runtime.onnxruntime_model(
                handle.module, make_batch(handle, max(2, config.batch_size)), handle.name)
            notes.extend(more)
        model, inputs = prepare_for_device(source, inputs, device, dtype)
        if runtime == runtimes.COMPILED:
            yield Progress(0, total, "Compiling with torch.compile (first call is slow)")
            model, compile_seconds = _compile(model, inputs, device)
        elif runtime == runtimes.ONNXRUNTIME:
            yield Progress(0, total, "Starting the ONNX Runtime session")
            session_seconds = on_runtime.start_session(model, inputs)
            if export_seconds is not None:
                mismatch = on_runtime.agreement_note(handle.module, model, inputs)
                notes.extend([mismatch] if mismatch else [])
        memory = _PeakMemory(device)
        memory.reset()
        try:
            with torch.inference_mode():
                for step in range(config.warmup):
                    _call(model, inputs)
                    yield Progress(step + 1, total, f"Warm-up {step + 1}/{config.warmup}")
                synchronize(device)
                samples: list[float] = []
                deadline = time.perf_counter() + config.max_seconds
                for step in range(config.repeats):
                    start = time.perf_counter()
                    _call(model, inputs)
                    synchronize(device)
                    samples.append((time.perf_counter() - start) * 1000.0)
                    yield Progress(
                        config.warmup + step + 1,
                        total,
                        f"Run {step + 1}/{config.repeats}",
                        {"latency_ms": samples[-1]},
                    )
                    if len(samples) >= 5 and time.perf_counter() > deadline:
                        notes.append(
                            f"Stopped after {len(samples)} runs: the {config.max_seconds:g} s "
                            "time budget ran out."
                        )
                        break
        except InputSpecError:
            raise
        except Exception as error:
            if is_out_of_memory(error):
                if device.type == "cuda":
                    torch.cuda.empty_cache()  # the next job gets the memory back
                raise MemoryLimitError(
                    f"{handle.name} ran out of memory on {device} at batch size "
                    f"{config.batch_size}; try a smaller batch."
                ) from None
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:240]
            raise InputSpecError(
                f"{handle.name} failed on {device} in {config.dtype}: {first}."
            ) from None
        peak, kind = memory.peak()
        # Counting FLOPs imports torch's tracing machinery the first time (seconds): a step
        # of its own, so progress does not sit at 100% and a cancel can still act before it.
        yield Progress(total, total, "Counting FLOPs for the roofline")
        flops = _flops_per_batch(handle, inputs)
    summary = latency_summary(samples)
    achieved = None if flops is None else flops / (summary["median"] / 1000.0)
    if kind == "process-rss":
        notes.append("Peak memory on CPU is the whole process's peak resident memory.")
    return BenchResult(
        device=str(device),
        dtype=config.dtype,
        batch_size=config.batch_size,
        threads=threads,
        compile=runtime == runtimes.COMPILED,
        latency_ms=summary,
        throughput_per_s=config.batch_size / (summary["median"] / 1000.0),
        peak_memory_bytes=peak,
        peak_memory_kind=kind,
        samples_ms=samples,
        compile_seconds=compile_seconds,
        flops_per_batch=flops,
        achieved_flops_per_s=achieved,
        notes=notes,
        runtime=runtime,
        export_seconds=export_seconds,
        session_seconds=session_seconds,
    )


def _call(model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> Any:
    return model(*inputs)


def _compile(
    model: nn.Module, inputs: tuple[torch.Tensor, ...], device: torch.device
) -> tuple[nn.Module, float]:
    compiled = torch.compile(model)
    start = time.perf_counter()
    try:
        # Freezing lets inductor fold weights and pick oneDNN int8 kernels on CPU; one
        # compile thread leaves no process-wide compile pool running (as CompiledRunner).
        with torch.inference_mode(), torch._inductor.config.patch(
                freezing=device.type == "cpu", compile_threads=1):
            compiled(*inputs)
        synchronize(device)
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise InputSpecError(f"torch.compile could not compile this model: {first}.") from None
    return compiled, time.perf_counter() - start


def _flops_per_batch(handle: ModelHandle, inputs: tuple[torch.Tensor, ...]) -> int | None:
    """FLOPs of one batch, counted on CPU copies so the count never touches the GPU."""
    from torch.utils.flop_counter import FlopCounterMode

    cpu_inputs = tuple(t.cpu().float() if t.is_floating_point() else t.cpu() for t in inputs)
    counter = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), counter, evaluation_mode(handle.module) as module:
            module(*cpu_inputs)
    except Exception:
        return None
    total = int(counter.get_total_flops())
    return total or None


class _PeakMemory:
    """Peak memory during a run: the CUDA allocator's peak, or the process's peak RSS on CPU.

    On Linux the RSS high-water mark can be reset (``clear_refs``), so the figure belongs to
    this run rather than to everything the process did before.
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._baseline = 0

    def reset(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
            self._baseline = 0
            return
        clear_refs = Path("/proc/self/clear_refs")
        with suppress(OSError):
            clear_refs.write_text("5")

    def peak(self) -> tuple[int | None, str]:
        if self.device.type == "cuda":
            return int(torch.cuda.max_memory_allocated(self.device)), "cuda-allocator"
        status = Path("/proc/self/status")
        if status.is_file():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024, "process-rss"
        try:
            import resource

            return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024, "process-rss"
        except (ImportError, OSError):
            return None, "unknown"


# --- quality ------------------------------------------------------------------------------


@dataclass
class Fidelity:
    """How closely a candidate's outputs follow a reference's on the same inputs."""

    top1_agreement: float
    cosine: float
    max_abs_error: float
    samples: int

    def to_json(self) -> dict[str, float]:
        return {
            "top1_agreement": self.top1_agreement,
            "cosine": self.cosine,
            "max_abs_error": self.max_abs_error,
        }


def output_tensor(output: Any) -> torch.Tensor:
    """The tensor of a model's output that quality is judged on (the first one)."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)) and output:
        return output_tensor(output[0])
    if isinstance(output, dict) and output:
        return output_tensor(next(iter(output.values())))
    raise InputSpecError(f"The model returned {type(output).__name__}, not a tensor.")


def fidelity_of_outputs(reference: torch.Tensor, candidate: torch.Tensor) -> Fidelity:
    """Top-1 agreement over the last dimension, mean per-sample cosine, max abs error."""
    if reference.shape != candidate.shape:
        raise InputSpecError(
            f"The two models' outputs differ in shape ({list(reference.shape)} vs "
            f"{list(candidate.shape)}), so they cannot be compared."
        )
    reference = reference.detach().float().cpu()
    candidate = candidate.detach().float().cpu()
    samples = reference.shape[0] if reference.dim() > 1 else 1
    flat_reference = reference.reshape(samples, -1)
    flat_candidate = candidate.reshape(samples, -1)
    cosine = torch.nn.functional.cosine_similarity(flat_reference, flat_candidate, dim=1, eps=1e-12)
    if reference.dim() >= 1 and reference.shape[-1] > 1:
        agreement = (reference.argmax(-1) == candidate.argmax(-1)).float().mean().item()
    else:
        agreement = float("nan")
    return Fidelity(
        top1_agreement=agreement,
        cosine=cosine.mean().item(),
        max_abs_error=(reference - candidate).abs().max().item() if reference.numel() else 0.0,
        samples=samples,
    )


def predict(
    module: nn.Module,
    inputs: torch.Tensor | tuple[torch.Tensor, ...],
    *,
    device: str = "cpu",
    dtype: str = "float32",
    batch_size: int = 256,
) -> torch.Tensor:
    """Outputs of ``module`` over all inputs, batched, on a copy placed on ``device``."""
    target = resolve_device(device)
    torch_dtype = parse_dtype(dtype)
    tensors = inputs if isinstance(inputs, tuple) else (inputs,)
    model, _ = prepare_for_device(module, (), target, torch_dtype)
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(tensors[0]), batch_size):
            chunk = tuple(
                t[start:start + batch_size].to(
                    device=target, dtype=torch_dtype if t.is_floating_point() else t.dtype
                )
                for t in tensors
            )
            outputs.append(output_tensor(model(*chunk)).float().cpu())
    return torch.cat(outputs)


def accuracy(
    module: nn.Module, data: TensorDataset, *, device: str = "cpu", dtype: str = "float32"
) -> float | None:
    """Top-1 accuracy on labelled data, or None when the data has no labels."""
    if data.labels is None:
        return None
    outputs = predict(module, data.inputs, device=device, dtype=dtype)
    return (outputs.argmax(-1) == data.labels).float().mean().item()


def fidelity(
    reference: nn.Module,
    candidate: nn.Module,
    inputs: torch.Tensor | tuple[torch.Tensor, ...],
    *,
    device: str = "cpu",
    dtype: str = "float32",
) -> Fidelity:
    """Compare two models on the same inputs, device and dtype (labels not needed)."""
    return fidelity_of_outputs(
        predict(reference, inputs, device=device, dtype=dtype),
        predict(candidate, inputs, device=device, dtype=dtype),
    )


@dataclass
class QualityResult:
    """Accuracy on labelled data (None without labels) and fidelity to a reference model."""

    accuracy: float | None
    fidelity: Fidelity | None
    samples: int
    data_name: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "fidelity": self.fidelity.to_json() if self.fidelity else None,
            "samples": self.samples,
            "data": self.data_name,
        }


def quality_job(
    handle: ModelHandle,
    reference: nn.Module | None = None,
    *,
    device: str = "cpu",
    dtype: str = "float32",
    max_samples: int = 4096,
) -> Job[QualityResult]:
    """Accuracy on the model's own data, and fidelity to ``reference`` on the same inputs.

    Without data, fidelity is judged on the example inputs (labels are never needed).
    """
    if handle.data is not None:
        data = handle.data.subset(max_samples)
        inputs: torch.Tensor | tuple[torch.Tensor, ...] = data.inputs
    else:
        data = None
        inputs = handle.require_inputs("measure quality")
    yield Progress(0, 2, f"Running {handle.name} on its evaluation data")
    outputs = predict(handle.module, inputs, device=device, dtype=dtype)
    accuracy_value = None
    if data is not None and data.labels is not None:
        accuracy_value = (outputs.argmax(-1) == data.labels).float().mean().item()
    fidelity_value = None
    if reference is not None:
        yield Progress(1, 2, "Running the reference model on the same inputs")
        fidelity_value = fidelity_of_outputs(
            predict(reference, inputs, device=device, dtype=dtype), outputs
        )
    yield Progress(2, 2, "Done")
    samples = len(inputs) if isinstance(inputs, torch.Tensor) else len(inputs[0])
    return QualityResult(accuracy_value, fidelity_value, samples,
                         data.name if data is not None else None)
