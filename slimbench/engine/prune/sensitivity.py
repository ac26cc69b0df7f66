"""Sensitivity scan: prune one layer (one dependency group) at a time and measure the damage.

The chart over layers lets a user pick per-layer ratios; ``auto_plan_job`` (and its blocking
form ``auto_ratios``) picks them greedily, the least damage per parameter (or per FLOP, for a
latency target) removed first, and checks the plan by really pruning: to a target fraction of
the parameters, of the serialized size, or of the latency measured on the chosen device.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from slimbench.engine.jobs import Job, Progress, run_job
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import fidelity_of_outputs, make_batch, predict, thread_count
from slimbench.engine.prune.config import (
    STRUCTURED,
    UNSTRUCTURED,
    PruneConfig,
    PruneError,
    normalize_method,
)
from slimbench.engine.prune.job import prune_model
from slimbench.engine.prune.layers import find_classifier, weighted_layers
from slimbench.engine.prune.metrics import flops_per_batch, parameter_counts, quality_inputs


@dataclass
class SensitivityPoint:
    ratio: float
    params_total: int
    params_nonzero: int
    accuracy: float | None
    top1_agreement: float
    cosine: float
    #: FLOPs of one sample through the pruned model (None where they cannot be counted).
    flops: int | None = None

    @property
    def damage(self) -> float:
        """Disagreement with the original (plus a little of the cosine gap as a tie-break)."""
        agreement = self.top1_agreement if not math.isnan(self.top1_agreement) else self.cosine
        return (1.0 - agreement) + 0.01 * (1.0 - self.cosine)

    def to_json(self) -> dict[str, Any]:
        return {
            "ratio": self.ratio,
            "params_total": self.params_total,
            "params_nonzero": self.params_nonzero,
            "accuracy": self.accuracy,
            "top1_agreement": self.top1_agreement,
            "cosine": self.cosine,
            "damage": self.damage,
            "flops": self.flops,
        }


@dataclass
class SensitivityLayer:
    path: str
    kind: str
    width: int
    members: list[str]
    points: list[SensitivityPoint] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "width": self.width,
            "members": list(self.members),
            "points": [point.to_json() for point in self.points],
        }


@dataclass
class SensitivityResult:
    method: str
    ratios: tuple[float, ...]
    params_total: int
    params_nonzero: int
    baseline_accuracy: float | None
    samples: int
    layers: list[SensitivityLayer]
    importance: str = "l1"
    #: FLOPs of one sample through the unpruned model (None where they cannot be counted).
    flops: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "importance": self.importance,
            "ratios": list(self.ratios),
            "params_total": self.params_total,
            "params_nonzero": self.params_nonzero,
            "baseline_accuracy": self.baseline_accuracy,
            "samples": self.samples,
            "flops": self.flops,
            "layers": [layer.to_json() for layer in self.layers],
        }

    def chart(self, metric: str = "damage") -> dict[str, list[tuple[float, float | None]]]:
        """Per layer, (ratio, metric) pairs: ``damage``, ``accuracy`` or ``top1_agreement``."""
        series: dict[str, list[tuple[float, float | None]]] = {}
        for layer in self.layers:
            series[layer.path] = [
                (point.ratio, getattr(point, metric)) for point in layer.points
            ]
        return series


def _units(handle: ModelHandle, method: str, skip: tuple[str, ...]) -> list[SensitivityLayer]:
    inputs = handle.require_inputs("scan the model's sensitivity")
    if method == STRUCTURED:
        from slimbench.engine.prune.structured import structured_units

        return [
            SensitivityLayer(unit.path, unit.kind, unit.width, unit.members)
            for unit in structured_units(handle.module, inputs, skip)
        ]
    with torch.no_grad():
        classifier = find_classifier(handle.module, inputs)
    from slimbench.engine.prune.structured import resolve_skips

    skipped = resolve_skips(handle.module, skip)
    return [
        SensitivityLayer(path, "weights", layer.weight.numel(), [path])
        for path, layer in weighted_layers(handle.module)
        if path != classifier and not any(path == s or path.startswith(s + ".") for s in skipped)
    ]


def sensitivity_job(
    handle: ModelHandle,
    ratios: Sequence[float] = (0.25, 0.5, 0.75),
    method: str = STRUCTURED,
    *,
    config: PruneConfig | None = None,
    max_samples: int | None = 1024,
) -> Job[SensitivityResult]:
    """Prune each prunable layer alone at each ratio; measure accuracy and fidelity.

    ``config`` gives importance, round_to, skip and device (its amount and layer_ratios are
    ignored). Progress comes once per layer and ratio, its metrics carrying that point.
    """
    method = normalize_method(method)
    if method not in (STRUCTURED, UNSTRUCTURED):
        raise PruneError("A sensitivity scan works with structured or unstructured pruning.")
    ratios = tuple(sorted(float(r) for r in ratios))
    if not ratios or any(not 0.0 < r < 1.0 for r in ratios):
        raise PruneError("Sensitivity ratios must lie between 0 and 1, such as 0.25 0.5 0.75.")
    base = replace(config or PruneConfig(), method=method, measure=False)
    if base.importance not in ("l1", "l2", "taylor", "lamp", "random"):
        base.importance = "l1"
    if method == UNSTRUCTURED and base.importance not in ("l1", "random"):
        base.importance = "l1"
    yield Progress(0, 0, "Finding the prunable layers")
    layers = _units(handle, method, base.skip)
    if not layers:
        raise PruneError("This model has no layer that can be pruned on its own.")
    total = len(layers) * len(ratios)
    inputs, labels = quality_inputs(handle, max_samples)
    with thread_count(base.threads):
        reference = predict(handle.module, inputs, device=base.device, dtype=base.dtype)
    params_total, params_nonzero = parameter_counts(handle.module)
    example = make_batch(handle, 1)
    flops = flops_per_batch(handle.module, example)
    baseline = None if labels is None else (reference.argmax(-1) == labels).float().mean().item()
    step = 0
    for layer in layers:
        for ratio in ratios:
            yield Progress(step, total, f"{layer.path} at {ratio:g}",
                           {"path": layer.path, "ratio": ratio})
            unit_config = replace(base, amount=0.0, layer_ratios={layer.path: ratio},
                                  head_ratio=0.0, iterative_steps=1)
            model, _, _ = run_job(prune_model(handle, unit_config))
            with thread_count(base.threads):
                outputs = predict(model, inputs, device=base.device, dtype=base.dtype)
            fidelity = fidelity_of_outputs(reference, outputs)
            total_after, nonzero_after = parameter_counts(model)
            point = SensitivityPoint(
                ratio=ratio,
                params_total=total_after,
                params_nonzero=nonzero_after,
                accuracy=None if labels is None
                else (outputs.argmax(-1) == labels).float().mean().item(),
                top1_agreement=fidelity.top1_agreement,
                cosine=fidelity.cosine,
                flops=None if flops is None else flops_per_batch(model, example),
            )
            layer.points.append(point)
            step += 1
            yield Progress(step, total, f"{layer.path} at {ratio:g}: damage {point.damage:.3f}",
                           {"path": layer.path, **point.to_json()})
    return SensitivityResult(
        method=method,
        ratios=ratios,
        params_total=params_total,
        params_nonzero=params_nonzero,
        baseline_accuracy=baseline,
        samples=len(reference),
        layers=layers,
        importance=base.importance,
        flops=flops,
    )


#: What an automatic target is a fraction of: the parameters (nonzero ones for unstructured
#: pruning), the serialized size (the sparse-compressed file for unstructured pruning), or the
#: latency measured on the configured device, batch size and threads.
TARGET_PARAMS = "params"
TARGET_SIZE = "size"
TARGET_LATENCY = "latency"
TARGET_KINDS = (TARGET_PARAMS, TARGET_SIZE, TARGET_LATENCY)
_TARGET_ALIASES = {"parameters": TARGET_PARAMS, "bytes": TARGET_SIZE, "file": TARGET_SIZE,
                   "speed": TARGET_LATENCY, "time": TARGET_LATENCY}
_TARGET_NOUNS = {TARGET_PARAMS: "parameters", TARGET_SIZE: "file size",
                 TARGET_LATENCY: "latency"}


def normalize_target_kind(kind: str) -> str:
    key = kind.strip().lower()
    key = _TARGET_ALIASES.get(key, key)
    if key not in TARGET_KINDS:
        raise PruneError(
            f"Unknown automatic target '{kind}'; use one of {', '.join(TARGET_KINDS)}."
        )
    return key


def target_noun(kind: str) -> str:
    """``"size"`` -> ``"file size"``: what a target of this kind is a fraction of."""
    return _TARGET_NOUNS[normalize_target_kind(kind)]


def check_target_fraction(fraction: float, kind: str = TARGET_PARAMS) -> float:
    """``fraction`` as a float strictly between 0 and 1, else a one-line PruneError."""
    noun = target_noun(kind)
    try:
        value = float(fraction)
    except (TypeError, ValueError):
        value = math.nan
    if not 0.0 < value < 1.0:
        raise PruneError(
            f"The target must be a fraction of the {noun} between 0 and 1 (got {fraction}), "
            "such as 0.5 for half."
        )
    return value


@dataclass
class AutoPlan:
    """Per-layer ratios chosen to reach ``target_fraction`` of the parameters, the file size
    or the latency (``kind``), with the least damage the sensitivity scan predicts."""

    layer_ratios: dict[str, float]
    target_fraction: float
    estimated_fraction: float
    estimated_damage: float
    actual_fraction: float | None = None
    reached: bool = True
    notes: list[str] = field(default_factory=list)
    kind: str = TARGET_PARAMS
    #: (greedy steps, measured fraction) of every candidate really pruned, in search order.
    measurements: list[tuple[int, float]] = field(default_factory=list)
    #: Greedy steps taken, of ``total_steps`` available.
    steps: int = 0
    total_steps: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "layer_ratios": dict(self.layer_ratios),
            "target_fraction": self.target_fraction,
            "estimated_fraction": self.estimated_fraction,
            "estimated_damage": self.estimated_damage,
            "actual_fraction": self.actual_fraction,
            "reached": self.reached,
            "steps": self.steps,
            "total_steps": self.total_steps,
            "measurements": [
                {"steps": steps, "fraction": fraction} for steps, fraction in self.measurements
            ],
            "notes": list(self.notes),
        }


def _kept(result: SensitivityResult, point: SensitivityPoint) -> int:
    return point.params_total if result.method == STRUCTURED else point.params_nonzero


def _uses_flops(result: SensitivityResult) -> bool:
    return bool(result.flops) and all(
        point.flops is not None for layer in result.layers for point in layer.points
    )


def _greedy_steps(
    result: SensitivityResult, basis: str = "params"
) -> list[tuple[str, float, int, float]]:
    """Raise one layer's ratio at a time, least damage per parameter (or FLOP) saved first.

    Returns (path, new ratio, parameters or FLOPs saved by the step, damage added by it).
    """
    if basis == "flops":
        baseline = int(result.flops or 0)

        def kept(point: SensitivityPoint) -> int:
            return int(point.flops or 0)
    else:
        baseline = result.params_total if result.method == STRUCTURED else result.params_nonzero

        def kept(point: SensitivityPoint) -> int:
            return _kept(result, point)

    level = {layer.path: -1 for layer in result.layers}
    by_path = {layer.path: layer for layer in result.layers}
    steps = []
    while True:
        best = None
        for path, index in level.items():
            layer = by_path[path]
            if index + 1 >= len(layer.points):
                continue
            nxt = layer.points[index + 1]
            saved_now = 0 if index < 0 else baseline - kept(layer.points[index])
            damage_now = 0.0 if index < 0 else layer.points[index].damage
            saved = baseline - kept(nxt) - saved_now
            if saved <= 0:
                continue
            damage = max(0.0, nxt.damage - damage_now)
            cost = (damage + 1e-6) / saved
            if best is None or cost < best[0]:
                best = (cost, path, nxt.ratio, saved, damage)
        if best is None:
            return steps
        _, path, ratio, saved, damage = best
        level[path] += 1
        steps.append((path, ratio, saved, damage))


def candidate_config(config: PruneConfig | None, result: SensitivityResult) -> PruneConfig:
    """The configuration every candidate plan is pruned with (its layer_ratios left empty):
    the scan's method and importance, layer by layer, nothing else removed."""
    return replace(config or PruneConfig(), method=result.method, amount=0.0, head_ratio=0.0,
                   importance=result.importance, global_pruning=False, iterative_steps=1,
                   layer_ratios={}, measure=False)


def _fraction_measure(
    kind: str,
    result: SensitivityResult,
    handle: ModelHandle,
    config: PruneConfig,
    search_repeats: int,
    search_seconds: float = 0.5,
) -> Callable[[nn.Module], float]:
    """A function that measures a pruned copy as a fraction of ``handle``'s model."""
    from slimbench.engine.prune.metrics import paired_latency, size_bytes, with_module

    if kind == TARGET_PARAMS:
        baseline = result.params_total if result.method == STRUCTURED else result.params_nonzero

        def params(model: nn.Module) -> float:
            total, nonzero = parameter_counts(model)
            return (total if result.method == STRUCTURED else nonzero) / max(1, baseline)

        return params
    if kind == TARGET_SIZE:
        dense = size_bytes(handle.module)

        def size(model: nn.Module) -> float:
            if result.method == STRUCTURED:
                return size_bytes(model) / dense
            from slimbench.engine.prune.job import sparse_file_size

            packed = sparse_file_size(with_module(handle, model))
            return (packed if packed is not None else size_bytes(model)) / dense

        return size
    # Latency: the original and the candidate timed one call each in turn (as prune_job's
    # before/after), on the configured device, threads and first batch size; a short run of
    # at least ``search_repeats`` pairs, more for a fast model (about ``search_seconds``).
    # The fraction compares the fastest call of each: load from other processes only ever
    # slows a call down, so on a busy machine the fastest calls are the ones it spared (the
    # final before/after measurement of prune_job reports the usual paired medians).
    search = replace(config, bench_repeats=max(5, search_repeats), bench_rounds=1,
                     bench_max_seconds=min(config.bench_max_seconds, 2.0))
    batch = config.batch_sizes[0]

    def latency(model: nn.Module) -> float:
        candidate = with_module(handle, model)
        before: list[float] = []
        after: list[float] = []
        started = time.perf_counter()
        while True:
            first, second, _threads = paired_latency(handle, candidate, batch, search)
            before.extend(first)
            after.extend(second)
            if (time.perf_counter() - started >= search_seconds
                    or len(before) >= 50 * search.bench_repeats):
                break
        fastest = min(before)
        return min(after) / fastest if fastest > 0 else math.inf

    return latency


def auto_plan_job(
    result: SensitivityResult,
    target_fraction: float,
    kind: str = TARGET_PARAMS,
    *,
    handle: ModelHandle | None = None,
    config: PruneConfig | None = None,
    search_repeats: int = 10,
    max_search_steps: int = 8,
    search_seconds: float = 0.5,
    latency_margin: float = 0.02,
) -> Job[AutoPlan]:
    """Per-layer ratios that bring the ``kind`` to ``target_fraction`` with the least damage.

    Greedy over the sensitivity scan: the cheapest step (damage per parameter saved, or per
    FLOP saved for a latency target) first. Savings of layers that share channels do not add
    up exactly, and latency does not follow FLOPs exactly, so with ``handle`` the plan is
    checked by really pruning and measuring: a bisection over the greedy sequence, at most
    ``max_search_steps`` candidates (latency: at least ``search_repeats`` paired calls each
    and about ``search_seconds`` of them, on ``config``'s device, threads and first batch
    size). A latency target needs ``handle``; its search aims ``latency_margin`` (a share of
    the target) under it, so that the noise of the final measurement seldom tips it over.
    """
    kind = normalize_target_kind(kind)
    target_fraction = check_target_fraction(target_fraction, kind)
    noun = target_noun(kind)
    if kind == TARGET_LATENCY:
        if result.method != STRUCTURED:
            raise PruneError(
                "A latency target needs structured pruning: zeroed weights leave dense layers "
                "exactly as fast as they were."
            )
        if handle is None:
            raise PruneError("A latency target is measured on the model itself: give its handle.")
    basis = "flops" if kind == TARGET_LATENCY and _uses_flops(result) else "params"
    steps = _greedy_steps(result, basis)
    if basis == "flops":
        baseline = int(result.flops or 0)
    else:
        baseline = result.params_total if result.method == STRUCTURED else result.params_nonzero

    def plan(count: int) -> tuple[dict[str, float], float, float]:
        ratios: dict[str, float] = {}
        saved, damage = 0, 0.0
        for path, ratio, step_saved, step_damage in steps[:count]:
            ratios[path] = ratio
            saved += step_saved
            damage += step_damage
        return ratios, 1.0 - saved / max(1, baseline), damage

    chosen = next(
        (n for n in range(len(steps) + 1) if plan(n)[1] <= target_fraction), len(steps)
    )
    actual = None
    measurements: list[tuple[int, float]] = []
    if handle is not None:
        measure = _fraction_measure(kind, result, handle, config or PruneConfig(),
                                    search_repeats, search_seconds)
        base = candidate_config(config, result)
        cache: dict[int, float] = {0: 1.0}
        total = min(max_search_steps, math.ceil(math.log2(len(steps) + 1))) + 1

        def candidate(count: int) -> float:
            if count not in cache:
                ratios = plan(count)[0]
                model, _, _ = run_job(prune_model(handle, replace(base, layer_ratios=ratios)))
                with thread_count(base.threads):
                    cache[count] = measure(model)
                measurements.append((count, cache[count]))
            return cache[count]

        yield Progress(0, total, f"Searching per-layer ratios for {target_fraction:.0%} of "
                                 f"the {noun}")
        goal = target_fraction * (1.0 - latency_margin) if kind == TARGET_LATENCY \
            else target_fraction
        low, high, searched = 0, len(steps), 0
        while low < high and searched < max_search_steps:
            middle = (low + high) // 2
            value = candidate(middle)
            searched += 1
            yield Progress(
                min(searched, total - 1), total,
                f"{len(plan(middle)[0])} layers pruned: {noun} {value:.0%} of the original",
                {"kind": kind, "steps": middle, "fraction": value,
                 "target_fraction": target_fraction},
            )
            if value <= goal:
                high = middle
            else:
                low = middle + 1
        chosen = high  # the fewest steps seen to reach the target (or all of them)
        actual = candidate(chosen)
        yield Progress(total, total, f"Chose {chosen} of {len(steps)} steps: {noun} "
                                     f"{actual:.0%} of the original")
    ratios, estimated, damage = plan(chosen)
    reached = (actual if actual is not None else estimated) <= target_fraction
    notes = []
    if not reached:
        notes.append(
            f"Even every layer at its highest scanned ratio keeps "
            f"{(actual if actual is not None else estimated):.0%} of the {noun}; scan "
            "higher ratios (or skip fewer layers) to go further."
        )
    return AutoPlan(ratios, target_fraction, estimated, damage, actual, reached, notes,
                    kind=kind, measurements=measurements, steps=chosen,
                    total_steps=len(steps))


def auto_ratios(
    result: SensitivityResult,
    target_fraction: float,
    *,
    kind: str = TARGET_PARAMS,
    handle: ModelHandle | None = None,
    config: PruneConfig | None = None,
    **options: Any,
) -> AutoPlan:
    """``auto_plan_job`` run to its end: per-layer ratios for ``target_fraction`` of ``kind``
    (the parameters by default; checked by really pruning when ``handle`` is given)."""
    return run_job(auto_plan_job(result, target_fraction, kind, handle=handle, config=config,
                                 **options))
