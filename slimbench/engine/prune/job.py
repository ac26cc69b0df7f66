"""``prune_job``: prune a copy of a model, measure before and after, say what it bought."""

from __future__ import annotations

import copy
import io
import time
import warnings
from collections.abc import Generator
from typing import Any, TypeVar

import torch

from slimbench.engine.jobs import Job, Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.prune.config import (
    STRUCTURED,
    UNSTRUCTURED,
    PruneConfig,
    PruneError,
    PruneResult,
)
from slimbench.engine.prune.layers import find_classifier, layer_changes, layer_snapshot
from slimbench.engine.prune.metrics import measure_pair, static_metrics, with_module

T = TypeVar("T")


def forward_progress(
    job: Generator[Progress, None, T], offset: int, total: int, prefix: str = ""
) -> Generator[Progress, None, T]:
    """Re-yield a sub-job's Progress as steps ``offset .. offset + its total`` of ``total``."""
    try:
        while True:
            progress = next(job)
            yield Progress(offset + progress.step, total, prefix + progress.message,
                           progress.metrics)
    except StopIteration as stop:
        return stop.value
    finally:
        job.close()


def prune_model(
    handle: ModelHandle, config: PruneConfig
) -> Generator[Progress, None, tuple[torch.nn.Module, list[str], list[str]]]:
    """Prune a deep copy of ``handle.module``; return it, notes, and the layers pruned.

    The input is never touched: a cancel (closing the generator) or an error loses nothing.
    """
    config.validate()
    if isinstance(handle.module, torch.jit.ScriptModule):
        raise PruneError(
            f"{handle.name} is TorchScript, whose layers cannot be changed; load its original "
            "weights with --arch to prune it."
        )
    inputs = handle.require_inputs("prune the model")
    from slimbench.engine.prune.structured import resolve_skips

    resolve_skips(handle.module, list(config.layer_ratios), "layer ratio")
    model = copy.deepcopy(handle.module).eval()
    notes: list[str] = []
    if config.method == STRUCTURED:
        from slimbench.engine.prune.recovery import training_data
        from slimbench.engine.prune.structured import prune_structured

        data = training_data(handle) if config.importance == "taylor" else None
        outcome = yield from prune_structured(model, inputs, config, data=data)
        notes.extend(outcome.notes)
        if data is not None:
            notes.append(f"Taylor importance used gradients on the {data.name} data.")
        return model, notes, []
    with torch.no_grad():
        classifier = find_classifier(model, inputs)
    yield Progress(0, 1, f"Pruning weights ({config.method})")
    if config.method == UNSTRUCTURED:
        from slimbench.engine.prune.unstructured import prune_unstructured

        layers = prune_unstructured(model, config, classifier)
        return model, notes, layers
    from slimbench.engine.prune.semistructured import prune_semi_structured

    model, layers, extra = prune_semi_structured(model, config, classifier)
    notes.extend(extra)
    return model, notes, layers


def prune_job(handle: ModelHandle, config: PruneConfig | None = None) -> Job[PruneResult]:
    """Prune a copy of ``handle``'s model; yield Progress; return a PruneResult.

    ``before`` and ``after`` are DESIGN.md's METRICS, measured in this process on the same
    device, dtype, threads and inputs (``config.measure=False`` skips the timed parts).
    """
    config = config or PruneConfig()
    config.validate()
    started = time.perf_counter()
    total = 2 + config.iterative_steps + (
        3 + len(config.batch_sizes) if config.measure else 0
    )
    yield Progress(0, total, f"Copying {handle.name}")
    snapshot_sparsity = config.method != STRUCTURED
    before_layers = layer_snapshot(handle.module, sparsity=snapshot_sparsity)
    model, notes, pruned_layers = yield from forward_progress(
        prune_model(handle, config), 1, total
    )
    offset = 2 + config.iterative_steps
    pruned = with_module(
        handle, model,
        name=f"{handle.name}-{config.method.split('-')[0]}",
        notes=[*handle.notes, f"Pruned ({config.method}, amount {config.amount:g})."],
    )
    after_layers = layer_snapshot(model, sparsity=snapshot_sparsity)
    runtime_notes: list[str] = []
    if config.measure:
        before, after = yield from forward_progress(
            measure_pair(handle, pruned, config, runtime_notes), offset, total
        )
    else:
        before, after = static_metrics(handle.module), static_metrics(model)
    sparse_size = None
    if config.method != STRUCTURED:
        sparse_size = sparse_file_size(pruned)
    result = PruneResult(
        handle=pruned,
        method=config.method,
        config=config,
        before=before,
        after=after,
        layers=layer_changes(before_layers, after_layers),
        notes=notes,
        sparse_size_bytes=sparse_size,
    )
    result.notes[:0] = [*honest_notes(result, pruned_layers), *runtime_notes]
    result.seconds = time.perf_counter() - started
    yield Progress(total, total, "Pruned")
    return result


def sparse_file_size(handle: ModelHandle) -> int | None:
    """Bytes of the sparse-compressed file, when packing makes it smaller; else None."""
    from slimbench.engine.prune.saving import checkpoint_payload, pack_state_dict, sparse_gain
    from slimbench.engine.prune.semistructured import densified_state_dict

    if sparse_gain(handle.module) > 0.9:
        return None
    try:
        payload: Any = checkpoint_payload(handle, sparse=True)
    except Exception:
        dense, packed = pack_state_dict(densified_state_dict(handle.module))
        payload = {"state_dict": dense, "packed": packed}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.save(payload, buffer)
    return buffer.getbuffer().nbytes


def _ratio(new: float | None, old: float | None) -> float | None:
    if new is None or old is None or old == 0:
        return None
    return new / old


def honest_notes(result: PruneResult, pruned_layers: list[str]) -> list[str]:
    """What the pruning bought, in plain words, from the measured figures."""
    before, after = result.before or {}, result.after or {}
    notes: list[str] = []
    size_ratio = _ratio(after.get("size_bytes"), before.get("size_bytes"))
    latency_text = ""
    speedup = None
    if before.get("latency_ms") and after.get("latency_ms"):
        old = before["latency_ms"]["median"]
        new = after["latency_ms"]["median"]
        batch = before.get("batch_size")
        speedup = (after.get("speedup_by_batch") or {}).get(str(batch))
        if speedup is None:
            speedup = old / new if new else None
        where = str(before.get("device"))
        if before.get("runtime"):
            from slimbench.engine.runtimes.bench import runtime_label

            where += f", {runtime_label(before['runtime'])}"
        latency_text = (
            f"latency at batch {batch} {old:.2f} -> {new:.2f} ms "
            f"({speedup:.2f}x, paired calls) on {where}"
        )
        others = [
            f"batch {size}: {value:.2f}x"
            for size, value in (after.get("speedup_by_batch") or {}).items()
            if size != str(batch)
        ]
        if others:
            latency_text += f" ({', '.join(others)})"
    if result.method == STRUCTURED:
        params = _ratio(after.get("params_total"), before.get("params_total")) or 1.0
        text = (
            f"Structured pruning removed channels for real: {1 - params:.0%} fewer parameters, "
            f"dense size {size_ratio or 1:.2f}x of the original"
        )
        notes.append(text + (f", {latency_text}." if latency_text else "."))
        if speedup is not None and speedup < 1.1:
            notes.append(
                f"At this size it buys little or no speed on {before.get('device')}: "
                "measure at the batch size you will use."
            )
    elif result.method == UNSTRUCTURED:
        from slimbench.engine.prune.unstructured import weight_sparsity

        sparsity = weight_sparsity(result.handle.module, pruned_layers)
        text = (
            f"Unstructured pruning zeroed {sparsity:.0%} of the weights of {len(pruned_layers)} "
            "layers: this changes sparsity, not the dense size "
            f"({before.get('size_bytes')} -> {after.get('size_bytes')} bytes) or the speed"
        )
        notes.append(text + (f" ({latency_text})." if latency_text else "."))
        if result.sparse_size_bytes is not None and before.get("size_bytes"):
            notes.append(
                f"Saved sparse-compressed (nonzero values plus a bitmask) the file is "
                f"{result.sparse_size_bytes} bytes, "
                f"{result.sparse_size_bytes / before['size_bytes']:.2f}x of the dense file."
            )
        else:
            notes.append("At this sparsity a sparse-compressed file would not be smaller.")
    else:
        text = f"2:4 sparsity on {len(pruned_layers)} Linear layers"
        if speedup is not None:
            verdict = "faster" if speedup >= 1.0 else "slower"
            text += (
                f": {latency_text}, so the sparse kernels are {verdict} than dense here; "
                "they pay off mostly at very large shapes"
            )
        notes.append(text + ".")
    old_accuracy, new_accuracy = before.get("accuracy"), after.get("accuracy")
    if old_accuracy is not None and new_accuracy is not None:
        if new_accuracy < old_accuracy - 0.01:
            notes.append(
                f"Accuracy fell from {old_accuracy:.2%} to {new_accuracy:.2%} without "
                "retraining; recover it by fine-tuning (recover_job), with the original model "
                "as the distillation teacher."
            )
        else:
            notes.append(f"Accuracy {old_accuracy:.2%} -> {new_accuracy:.2%}.")
    return notes
