"""Before/after METRICS of DESIGN.md, measured side by side on one device, thread count and batch.

Latency is timed round-robin: every model runs for a short slice in turn, several rounds,
so load from other processes lands on all of them alike and the ratios stay honest on a
shared machine. Quality runs every model on the same samples, in batches of the benchmark
batch size (the last one padded), so a compiled model never recompiles for a new shape.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from slimbench.engine.devices import synchronize
from slimbench.engine.errors import InputSpecError
from slimbench.engine.jobs import Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import (
    Fidelity,
    fidelity_of_outputs,
    latency_summary,
    make_batch,
    output_tensor,
    serialized_size_bytes,
)
from slimbench.engine.quantize.backends import first_line, quiet
from slimbench.engine.quantize.runtime import Runner
from slimbench.engine.tensors import count_nonzero


@dataclass
class Metrics:
    """DESIGN.md's METRICS for one model, plus how it ran."""

    label: str
    params_total: int
    params_nonzero: int
    size_bytes: int
    latency_ms: dict[str, float]
    accuracy: float | None
    fidelity: Fidelity | None
    compiled: bool = False
    dtype: str = "float32"
    latency_ms_batch_1: dict[str, float] | None = None
    batch_1_error: str | None = None
    samples_ms: list[float] = field(default_factory=list)
    #: The runtime that timed it: eager, compiled or onnxruntime.
    runtime: str = "eager"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "params_total": self.params_total,
            "params_nonzero": self.params_nonzero,
            "size_bytes": self.size_bytes,
            "latency_ms": {"median": self.latency_ms["median"], "p90": self.latency_ms["p90"]},
            "accuracy": self.accuracy,
            "fidelity": self.fidelity.to_json() if self.fidelity else None,
            "compiled": self.compiled,
            "dtype": self.dtype,
            "runtime": self.runtime,
        }
        if self.latency_ms_batch_1 is not None:
            data["latency_ms_batch_1"] = {
                "median": self.latency_ms_batch_1["median"],
                "p90": self.latency_ms_batch_1["p90"],
            }
        return data


@dataclass
class Candidate:
    """A model to measure: the module (for size and parameters) and how to run it."""

    module: nn.Module | None
    runner: Runner
    dtype: str = "float32"
    #: For models that are not torch modules (an ONNX Runtime session): measured elsewhere.
    size_bytes: int | None = None
    params: tuple[int, int] | None = None


def runner_runtime(runner: Runner) -> str:
    """The runtime a runner runs its model on: compiled, onnxruntime (an ONNX model) or
    eager."""
    from slimbench.engine.runtimes import COMPILED, EAGER, runtime_of

    if runner.compiled:
        return COMPILED
    return runtime_of(runner.module) or EAGER


# --- parameters and size ------------------------------------------------------------------


def count_parameters(module: nn.Module) -> tuple[int, int]:
    """(total, nonzero) weights and biases, including quantized ones.

    torchao weights are counted at their logical shape; torch.ao's dynamic Linear keeps its
    weight packed (reached by calling ``weight()``); a pt2e graph keeps weights and biases
    as ``_frozen_param*`` attributes.
    """
    own_counts = getattr(module, "parameter_counts", None)
    if callable(own_counts):  # an ONNX Runtime model counts its initializers
        return own_counts()
    total = nonzero = 0
    seen: set[int] = set()
    for sub in module.modules():
        own = list(sub.parameters(recurse=False))
        for param in own:
            if id(param) in seen:
                continue
            seen.add(id(param))
            total += param.numel()
            nonzero += count_nonzero(param)
        if own:
            continue
        packed = getattr(sub, "weight", None)
        if callable(packed) and not isinstance(packed, nn.Module):
            for accessor in ("weight", "bias"):
                try:
                    tensor = getattr(sub, accessor)()
                except Exception:
                    continue
                if isinstance(tensor, torch.Tensor):
                    total += tensor.numel()
                    nonzero += count_nonzero(tensor)
    if isinstance(module, torch.fx.GraphModule):
        parameter_names = {name for name, _ in module.named_parameters()}
        for name, tensor in module.state_dict().items():
            leaf = name.rpartition(".")[2]
            if leaf.startswith("_frozen_param") and name not in parameter_names:
                total += tensor.numel()
                nonzero += int(torch.count_nonzero(tensor))
    return total, nonzero


def size_bytes(module: nn.Module) -> int:
    """The real serialized size (torch.save of the state_dict: torchao tensors at int8)."""
    with quiet():
        return serialized_size_bytes(module)


# --- inputs -------------------------------------------------------------------------------


def evaluation_data(
    handle: ModelHandle, max_samples: int, batch_size: int
) -> tuple[tuple[torch.Tensor, ...], torch.Tensor | None]:
    """Inputs (and labels) quality is judged on: the model's data, else one benchmark batch."""
    if handle.data is not None and len(handle.data) > 0:
        data = handle.data.subset(max_samples)
        return (data.inputs,), data.labels
    return make_batch(handle, batch_size), None


def to_device(inputs: tuple[torch.Tensor, ...], device: torch.device) -> tuple[torch.Tensor, ...]:
    return tuple(t.to(device) for t in inputs)


def predict_padded(
    runner: Runner, inputs: tuple[torch.Tensor, ...], batch_size: int, device: torch.device
) -> torch.Tensor:
    """Outputs over all inputs in batches of exactly ``batch_size`` (the last one padded)."""
    count = len(inputs[0])
    outputs = []
    with torch.inference_mode():
        for start in range(0, count, batch_size):
            chunk = [t[start:start + batch_size] for t in inputs]
            real = len(chunk[0])
            if real < batch_size:
                chunk = [_pad(t, batch_size) for t in chunk]
            output = output_tensor(runner(*to_device(tuple(chunk), device)))
            outputs.append(output[:real].float().cpu())
    return torch.cat(outputs)


def _pad(tensor: torch.Tensor, size: int) -> torch.Tensor:
    repeats = -(-size // len(tensor))
    return tensor.repeat((repeats,) + (1,) * (tensor.dim() - 1))[:size]


# --- latency ------------------------------------------------------------------------------


def time_round_robin(
    runners: Mapping[str, tuple[Runner, tuple[torch.Tensor, ...]]],
    device: torch.device,
    *,
    warmup: int,
    rounds: int,
    round_seconds: float,
    label: str = "Timing",
) -> Generator[Progress, None, dict[str, list[float]]]:
    """Samples (ms) per runner: warm-up, then ``rounds`` rounds of ``round_seconds`` each."""
    samples: dict[str, list[float]] = {name: [] for name in runners}
    with torch.inference_mode():
        for runner, inputs in runners.values():
            for _ in range(max(1, warmup)):
                runner(*inputs)
            synchronize(device)
        for index in range(rounds):
            for name, (runner, inputs) in runners.items():
                started = time.perf_counter()
                runs = 0
                while runs < 1 or (time.perf_counter() - started < round_seconds and runs < 200):
                    begin = time.perf_counter()
                    runner(*inputs)
                    synchronize(device)
                    samples[name].append((time.perf_counter() - begin) * 1000.0)
                    runs += 1
            medians = {name: latency_summary(values)["median"] for name, values in samples.items()}
            yield Progress(index + 1, rounds, f"{label}: round {index + 1}/{rounds}",
                           {"latency_ms": medians})
    return samples


# --- the comparison -----------------------------------------------------------------------


@dataclass
class CompareSettings:
    device: torch.device
    batch_size: int
    warmup: int = 3
    rounds: int = 5
    round_seconds: float = 0.25
    eval_samples: int = 1024
    measure_batch_1: bool = False


def compare_metrics_job(
    handle: ModelHandle,
    candidates: Mapping[str, Candidate],
    settings: CompareSettings,
    *,
    reference: str | None = None,
) -> Generator[Progress, None, dict[str, Metrics]]:
    """METRICS for every candidate, on the same inputs, device and threads.

    Fidelity is measured against ``reference`` (the first candidate by default), which is
    normally the original model: before and after in one process, side by side.
    """
    device = settings.device
    names = list(candidates)
    reference = reference or names[0]
    batch = to_device(make_batch(handle, settings.batch_size), device)
    yield Progress(0, 3, "Timing every model side by side")
    runners = {name: (candidates[name].runner, batch) for name in names}
    try:
        samples = yield from time_round_robin(
            runners, device, warmup=settings.warmup, rounds=settings.rounds,
            round_seconds=settings.round_seconds, label=f"Batch {settings.batch_size}",
        )
        samples_1: dict[str, list[float]] = {}
        errors_1: dict[str, str] = {}
        if settings.measure_batch_1 and settings.batch_size != 1:
            single = to_device(make_batch(handle, 1), device)
            for name in names:  # a kernel may refuse one row (cuBLAS int8 needs 17)
                try:
                    with torch.inference_mode():
                        candidates[name].runner(*single)
                except Exception as error:
                    errors_1[name] = first_line(error)
            samples_1 = yield from time_round_robin(
                {name: (candidates[name].runner, single) for name in names
                 if name not in errors_1}, device,
                warmup=settings.warmup, rounds=settings.rounds,
                round_seconds=settings.round_seconds, label="Batch 1",
            )
        yield Progress(1, 3, "Running every model on the evaluation data")
        inputs, labels = evaluation_data(handle, settings.eval_samples, settings.batch_size)
        outputs = {
            name: predict_padded(candidates[name].runner, inputs, settings.batch_size, device)
            for name in names
        }
    except InputSpecError:
        raise
    except Exception as error:
        raise InputSpecError(
            f"{handle.name} failed while being measured: {first_line(error)}."
        ) from None
    yield Progress(2, 3, "Counting parameters and serialized size")
    results = {}
    for name in names:
        candidate = candidates[name]
        if candidate.params is not None or candidate.module is None:
            total, nonzero = candidate.params or (0, 0)
        else:
            total, nonzero = count_parameters(candidate.module)
        size = candidate.size_bytes
        if size is None:
            size = size_bytes(candidate.module) if candidate.module is not None else 0
        accuracy = None
        if labels is not None and outputs[name].dim() == 2:
            accuracy = (outputs[name].argmax(-1) == labels).float().mean().item()
        results[name] = Metrics(
            label=name,
            params_total=total,
            params_nonzero=nonzero,
            size_bytes=size,
            latency_ms=latency_summary(samples[name]),
            accuracy=accuracy,
            fidelity=fidelity_of_outputs(outputs[reference], outputs[name]),
            compiled=candidate.runner.compiled,
            dtype=candidate.dtype,
            latency_ms_batch_1=latency_summary(samples_1[name]) if name in samples_1 else None,
            batch_1_error=errors_1.get(name),
            samples_ms=samples[name],
            runtime=runner_runtime(candidate.runner),
        )
    yield Progress(3, 3, "Measured", {"metrics": {k: v.to_json() for k, v in results.items()}})
    return results


def ratio(before: float, after: float) -> float:
    return math.inf if after <= 0 else before / after
