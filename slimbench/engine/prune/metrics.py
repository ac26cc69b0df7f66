"""DESIGN.md's METRICS for a model and its pruned copy, measured side by side.

Both are measured in this process, on the same device, dtype, thread count and inputs. Latency
is timed one call of each model in turn (before, after, after, before, ...), so a neighbour's
load on a shared machine falls on both alike and their ratio stays fair.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import statistics
import time
import warnings
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from slimbench.engine.devices import resolve_device, synchronize
from slimbench.engine.jobs import Progress
from slimbench.engine.loading import ModelHandle, parse_dtype
from slimbench.engine.measure import (
    fidelity_of_outputs,
    latency_summary,
    make_batch,
    output_tensor,
    predict,
    prepare_for_device,
    serialized_size_bytes,
    thread_count,
)
from slimbench.engine.module_state import evaluation_mode
from slimbench.engine.prune.config import PruneConfig
from slimbench.engine.runtimes.availability import COMPILED, EAGER, ONNXRUNTIME
from slimbench.engine.tensors import count_nonzero


def size_bytes(module: nn.Module) -> int:
    """The dense file size; 2:4 weights (which torch.save cannot write) count as dense."""
    try:
        return serialized_size_bytes(module)
    except Exception:
        from slimbench.engine.prune.semistructured import densified_state_dict

        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.save(densified_state_dict(module), buffer)
        return buffer.getbuffer().nbytes


def parameter_counts(module: nn.Module) -> tuple[int, int]:
    total = nonzero = 0
    for parameter in module.parameters():
        total += parameter.numel()
        if type(parameter.data).__name__.startswith("SparseSemiStructured"):
            nonzero += parameter.numel() // 2  # exactly two of every four are kept
        else:
            nonzero += count_nonzero(parameter)
    return total, nonzero


def has_semi_structured(module: nn.Module) -> bool:
    return any(
        type(p.data).__name__.startswith("SparseSemiStructured") or
        type(p).__name__.startswith("SparseSemiStructured")
        for p in module.parameters()
    )


def _predict(module: nn.Module, inputs: Any, config: PruneConfig) -> torch.Tensor:
    """``measure.predict``; a 2:4 model (which cannot be deep-copied or cast) runs in place."""
    if not has_semi_structured(module):
        return predict(module, inputs, device=config.device, dtype=config.dtype)
    with evaluation_mode(module):
        return _predict_on(module, inputs, next(module.parameters()).device, config)


def _runner(
    handle: ModelHandle, batch_size: int, config: PruneConfig
) -> tuple[nn.Module, tuple[torch.Tensor, ...], torch.device]:
    """A copy of the model on the device and dtype, and a batch of its real inputs."""
    module, device = _device_copy(handle, config)
    return module, _batch_on(handle, batch_size, device, config), device


def _device_copy(handle: ModelHandle, config: PruneConfig) -> tuple[nn.Module, torch.device]:
    """A copy of the model on the device and in the dtype measured (a 2:4 model, which can be
    neither deep-copied nor cast, is the model itself on its own device)."""
    if has_semi_structured(handle.module):
        return handle.module, next(handle.module.parameters()).device
    device = resolve_device(config.device)
    module, _ = prepare_for_device(handle.module, (), device, parse_dtype(config.dtype))
    return module, device


def _batch_on(handle: ModelHandle, batch_size: int, device: torch.device,
              config: PruneConfig) -> tuple[torch.Tensor, ...]:
    dtype = parse_dtype(config.dtype)
    return tuple(
        t.to(device=device, dtype=dtype if t.is_floating_point() else t.dtype)
        for t in make_batch(handle, batch_size)
    )


def paired_latency(
    before: ModelHandle, after: ModelHandle, batch_size: int, config: PruneConfig
) -> tuple[list[float], list[float], int]:
    """Latency samples (ms) of both models, one call of each in turn (ABBA order).

    Alternating single calls, rather than timing one model and then the other, puts both under
    the same load when other processes share the machine: their ratio stays fair.
    """
    with thread_count(config.threads) as threads:
        runners = [_runner(handle, batch_size, config) for handle in (before, after)]
        first, second = _time_in_turn(
            [(module, inputs) for module, inputs, _ in runners], runners[0][2], config)
    return first, second, threads


def _time_in_turn(
    runners: list[tuple[Callable[..., Any], tuple[torch.Tensor, ...]]], device: torch.device,
    config: PruneConfig,
) -> tuple[list[float], list[float]]:
    """Warm both up, then time one call of each in turn (ABBA) until the pairs or the time
    budget run out."""
    with torch.inference_mode():
        for module, inputs in runners:
            for _ in range(3):
                module(*inputs)
            synchronize(device)
        samples: tuple[list[float], list[float]] = ([], [])
        pairs = max(5, config.bench_repeats * max(1, config.bench_rounds))
        deadline = time.perf_counter() + 2 * config.bench_max_seconds
        for pair in range(pairs):
            for index in ((0, 1) if pair % 2 == 0 else (1, 0)):
                module, inputs = runners[index]
                start = time.perf_counter()
                module(*inputs)
                synchronize(device)
                samples[index].append((time.perf_counter() - start) * 1000.0)
            if pair >= 4 and time.perf_counter() > deadline:
                break
    return samples[0], samples[1]


@dataclass
class RuntimePair:
    """Before and after made ready to run on one runtime: callables, where they run, and
    the seconds each took to get there (torch.compile, or torch.onnx.export)."""

    runtime: str
    models: tuple[Callable[..., Any], Callable[..., Any]]
    device: torch.device
    seconds: tuple[float | None, float | None] = (None, None)
    notes: list[str] = field(default_factory=list)


def prepare_pair(before: ModelHandle, after: ModelHandle, config: PruneConfig
                 ) -> tuple[RuntimePair, str | None]:
    """Both models ready on ``config.runtime`` (eager when None), or on the next runtime
    that works when one of them cannot run there; and why, in that case."""
    from slimbench.engine.runtimes import bench as on_runtime

    asked = on_runtime.canonical_runtime(config.runtime) or EAGER

    def prepare(runtime: str) -> RuntimePair:
        return _prepare_on(runtime, before, after, config)

    _, pair, reason = on_runtime.on_best_runtime(asked, config.device, prepare)
    return pair, reason


def _prepare_on(runtime: str, before: ModelHandle, after: ModelHandle,
                config: PruneConfig) -> RuntimePair:
    handles = (before, after)
    if runtime == ONNXRUNTIME:
        from slimbench.engine.runtimes.bench import onnxruntime_pair

        # The pruned model is the likelier one to fail (2:4 weights): export it first.
        example = make_batch(before, max(2, config.batch_sizes[0]))
        models, seconds, notes = onnxruntime_pair(
            [(after.module, after.name), (before.module, before.name)], example)
        device = resolve_device(config.device)
        ready = (models[1].to(device), models[0].to(device))
        for batch_size in config.batch_sizes:  # start the sessions, and fail here if one fails
            for model, handle in zip(ready, handles, strict=True):
                with torch.inference_mode():
                    model(*_batch_on(handle, batch_size, device, config))
        return RuntimePair(runtime, ready, device, (seconds[1], seconds[0]), notes)
    copies = [_device_copy(handle, config) for handle in handles]
    device = copies[0][1]
    if runtime != COMPILED:
        return RuntimePair(runtime, (copies[0][0], copies[1][0]), device)
    from slimbench.engine.quantize.runtime import make_runner

    runners = []
    for (module, _), handle in zip(copies, handles, strict=True):
        runner = make_runner(module, handle.name, compiled=True, freezing=device.type == "cpu")
        with torch.inference_mode():
            for batch_size in config.batch_sizes:  # compile each shape now, not while timed
                runner(*_batch_on(handle, batch_size, device, config))
        synchronize(device)
        runners.append(runner)
    seconds = (runners[0].compile_seconds, runners[1].compile_seconds)
    note = (f"torch.compile took {seconds[0] or 0:.1f} s for {before.name} and "
            f"{seconds[1] or 0:.1f} s for {after.name} (once per input shape; not timed).")
    return RuntimePair(runtime, (runners[0], runners[1]), device, seconds, [note])


def flops_per_batch(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> int | None:
    """FLOPs of one forward pass, counted on CPU in float32 (None where they cannot be)."""
    if has_semi_structured(module):
        return None
    from torch.utils.flop_counter import FlopCounterMode

    cpu_inputs = tuple(t.cpu().float() if t.is_floating_point() else t.cpu() for t in inputs)
    counter = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), counter, evaluation_mode(module):
            module(*cpu_inputs)
    except Exception:
        return None
    return int(counter.get_total_flops()) or None


def quality_inputs(
    handle: ModelHandle, max_samples: int | None
) -> tuple[tuple[torch.Tensor, ...] | torch.Tensor, torch.Tensor | None]:
    """The inputs quality is judged on (the model's data, else its example inputs), and labels."""
    if handle.data is not None and len(handle.data) > 0:
        data = handle.data if max_samples is None else handle.data.subset(max_samples)
        return data.inputs, data.labels
    return handle.require_inputs("measure the pruned model"), None


def measure_pair(
    before: ModelHandle, after: ModelHandle, config: PruneConfig,
    notes: list[str] | None = None,
) -> Generator[Progress, None, tuple[dict[str, Any], dict[str, Any]]]:
    """METRICS of ``before`` and ``after``; ``after``'s fidelity is judged against ``before``.

    Both run on ``config.runtime`` (eager when None); each METRICS says in ``runtime`` which
    one timed it. Where a model cannot run on the runtime asked for, both are measured on
    the next one that works, and a note says which and why. Notes (compile or export time,
    such a fallback) are appended to ``notes`` when given.
    """
    from slimbench.engine.runtimes.bench import fallback_note

    asked = config.runtime
    total = 3 + len(config.batch_sizes)
    step = 0
    label = _runtime_label(asked or EAGER)
    yield Progress(step, total, f"Preparing both models on {label}")
    with thread_count(config.threads) as threads:
        pair, reason = prepare_pair(before, after, config)
        step += 1
        if reason is not None and asked is not None:
            pair.notes.append(fallback_note(asked, pair.runtime, reason))
        yield Progress(step, total, "Measuring quality before and after")
        inputs, labels = quality_inputs(before, config.max_eval_samples)
        if pair.runtime == ONNXRUNTIME:  # the accuracy of what is timed: ONNX Runtime's
            reference = _predict_on(pair.models[0], inputs, pair.device, config)
            candidate = _predict_on(pair.models[1], inputs, pair.device, config)
        else:
            reference = _predict(before.module, inputs, config)
            candidate = _predict(after.module, inputs, config)
        step += 2
        metrics = [_static(before.module, config.dtype), _static(after.module, config.dtype)]
        for index, (entry, outputs) in enumerate(zip(metrics, (reference, candidate),
                                                     strict=True)):
            entry["accuracy"] = (
                None if labels is None else (outputs.argmax(-1) == labels).float().mean().item()
            )
            entry["fidelity"] = fidelity_of_outputs(reference, outputs).to_json()
            entry["device"] = config.device
            entry["dtype"] = config.dtype
            entry["runtime"] = pair.runtime
            if pair.runtime == COMPILED:
                entry["compile_seconds"] = pair.seconds[index]
            elif pair.runtime == ONNXRUNTIME:
                entry["export_seconds"] = pair.seconds[index]
            entry["latency_ms_by_batch"] = {}
        samples: dict[tuple[int, int], list[float]] = {}
        for batch_size in config.batch_sizes:
            yield Progress(step, total, f"Timing before and after in turn at batch {batch_size}"
                           f" on {_runtime_label(pair.runtime)}")
            first, second = _time_in_turn(
                [(model, _batch_on(handle, batch_size, pair.device, config))
                 for model, handle in zip(pair.models, (before, after), strict=True)],
                pair.device, config)
            samples[(0, batch_size)], samples[(1, batch_size)] = first, second
            step += 1
    if notes is not None:
        notes.extend(pair.notes)
    example = make_batch(before, config.batch_sizes[0])
    flops = {
        0: flops_per_batch(before.module, example),
        1: flops_per_batch(after.module, example),
    }
    for index, entry in enumerate(metrics):
        for batch_size in config.batch_sizes:
            summary = latency_summary(samples[(index, batch_size)])
            entry["latency_ms_by_batch"][str(batch_size)] = {
                "median": summary["median"], "p90": summary["p90"], "min": summary["min"],
                "samples": len(samples[(index, batch_size)]),
            }
        first = config.batch_sizes[0]
        entry["latency_ms"] = dict(entry["latency_ms_by_batch"][str(first)])
        entry["batch_size"] = first
        entry["flops_per_batch"] = flops[index]
        entry["threads"] = threads
    # The speedup from calls made back to back: robust when other processes come and go.
    metrics[1]["speedup_by_batch"] = {
        str(batch_size): paired_speedup(samples[(0, batch_size)], samples[(1, batch_size)])
        for batch_size in config.batch_sizes
    }
    yield Progress(total, total, "Measured")
    return metrics[0], metrics[1]


def _runtime_label(runtime: str) -> str:
    from slimbench.engine.runtimes.bench import runtime_label

    return runtime_label(runtime)


def _predict_on(model: Callable[..., Any], inputs: Any, device: torch.device,
                config: PruneConfig) -> torch.Tensor:
    """Outputs of a model made ready on a runtime, over all inputs in batches of 256."""
    tensors = inputs if isinstance(inputs, tuple) else (inputs,)
    dtype = parse_dtype(config.dtype)
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(tensors[0]), 256):
            chunk = tuple(
                t[start:start + 256].to(device=device,
                                        dtype=dtype if t.is_floating_point() else t.dtype)
                for t in tensors
            )
            outputs.append(output_tensor(model(*chunk)).float().cpu())
    return torch.cat(outputs)


def paired_speedup(before_ms: list[float], after_ms: list[float]) -> float:
    """Median over pairs of calls made back to back of before/after latency.

    On a machine shared with other jobs, a call's latency jumps between an idle and a contended
    level; the medians of two separate sample sets can land on different levels, while each
    back-to-back pair sees nearly the same one.
    """
    ratios = [b / a for b, a in zip(before_ms, after_ms, strict=False) if a > 0]
    return statistics.median(ratios) if ratios else float("nan")


def static_metrics(module: nn.Module) -> dict[str, Any]:
    """The METRICS that need no run: parameters and dense size (latency and quality None)."""
    entry = _static(module)
    entry.update(accuracy=None, fidelity=None, latency_ms=None)
    return entry


def _static(module: nn.Module, dtype: str = "float32") -> dict[str, Any]:
    """Parameters, and the dense size in the dtype measured (a float32 model timed in float16
    is compared at its float16 size, so a cast is not counted as pruning's gain)."""
    total, nonzero = parameter_counts(module)
    target = parse_dtype(dtype)
    floats = [p for p in module.parameters() if p.is_floating_point()]
    if target.is_floating_point and floats and any(p.dtype != target for p in floats) and not (
        has_semi_structured(module)
    ):
        module = copy.deepcopy(module).to(target)
    return {"params_total": total, "params_nonzero": nonzero, "size_bytes": size_bytes(module)}


def with_module(handle: ModelHandle, module: nn.Module, **changes: Any) -> ModelHandle:
    return dataclasses.replace(handle, module=module, **changes)
