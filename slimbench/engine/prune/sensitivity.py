"""Sensitivity scan: prune one layer (one dependency group) at a time and measure the damage.

The chart over layers lets a user pick per-layer ratios; ``auto_ratios`` picks them greedily
(the least damage per parameter removed first) to reach a target fraction of parameters, which
for float weights is also the fraction of the file size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from slimbench.engine.jobs import Job, Progress, run_job
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import fidelity_of_outputs, predict, thread_count
from slimbench.engine.prune.config import (
    STRUCTURED,
    UNSTRUCTURED,
    PruneConfig,
    PruneError,
    normalize_method,
)
from slimbench.engine.prune.job import prune_model
from slimbench.engine.prune.layers import find_classifier, weighted_layers
from slimbench.engine.prune.metrics import parameter_counts, quality_inputs


@dataclass
class SensitivityPoint:
    ratio: float
    params_total: int
    params_nonzero: int
    accuracy: float | None
    top1_agreement: float
    cosine: float

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

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "importance": self.importance,
            "ratios": list(self.ratios),
            "params_total": self.params_total,
            "params_nonzero": self.params_nonzero,
            "baseline_accuracy": self.baseline_accuracy,
            "samples": self.samples,
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
    )


@dataclass
class AutoPlan:
    """Per-layer ratios chosen to reach ``target_fraction`` of the parameters."""

    layer_ratios: dict[str, float]
    target_fraction: float
    estimated_fraction: float
    estimated_damage: float
    actual_fraction: float | None = None
    reached: bool = True
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "layer_ratios": dict(self.layer_ratios),
            "target_fraction": self.target_fraction,
            "estimated_fraction": self.estimated_fraction,
            "estimated_damage": self.estimated_damage,
            "actual_fraction": self.actual_fraction,
            "reached": self.reached,
            "notes": list(self.notes),
        }


def _kept(result: SensitivityResult, point: SensitivityPoint) -> int:
    return point.params_total if result.method == STRUCTURED else point.params_nonzero


def _greedy_steps(result: SensitivityResult) -> list[tuple[str, float, int, float]]:
    """Raise one layer's ratio at a time, least damage per parameter saved first.

    Returns (path, new ratio, parameters saved by the step, damage added by the step).
    """
    baseline = result.params_total if result.method == STRUCTURED else result.params_nonzero
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
            saved_now = 0 if index < 0 else baseline - _kept(result, layer.points[index])
            damage_now = 0.0 if index < 0 else layer.points[index].damage
            saved = baseline - _kept(result, nxt) - saved_now
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


def auto_ratios(
    result: SensitivityResult,
    target_fraction: float,
    *,
    handle: ModelHandle | None = None,
    config: PruneConfig | None = None,
) -> AutoPlan:
    """Per-layer ratios that bring the parameters to ``target_fraction`` with the least damage.

    Greedy over the sensitivity scan: the cheapest step (damage per parameter saved) first.
    Savings of layers that share channels do not add up exactly, so with ``handle`` the plan
    is checked by really pruning (a handful of times, by bisection over the greedy sequence).
    """
    if not 0.0 < target_fraction < 1.0:
        raise PruneError("The target must be a fraction of the parameters between 0 and 1.")
    steps = _greedy_steps(result)
    baseline = result.params_total if result.method == STRUCTURED else result.params_nonzero

    def plan(count: int) -> tuple[dict[str, float], float, float]:
        ratios: dict[str, float] = {}
        saved, damage = 0, 0.0
        for path, ratio, step_saved, step_damage in steps[:count]:
            ratios[path] = ratio
            saved += step_saved
            damage += step_damage
        return ratios, 1.0 - saved / max(1, baseline), damage

    estimated_count = next(
        (n for n in range(len(steps) + 1) if plan(n)[1] <= target_fraction), len(steps)
    )
    chosen = estimated_count
    actual = None
    if handle is not None:
        base = replace(config or PruneConfig(), method=result.method, measure=False, amount=0.0,
                       head_ratio=0.0, importance=result.importance)

        def actual_fraction(count: int) -> float:
            ratios = plan(count)[0]
            if not ratios:
                return 1.0
            model, _, _ = run_job(prune_model(handle, replace(base, layer_ratios=ratios)))
            total, nonzero = parameter_counts(model)
            kept = total if result.method == STRUCTURED else nonzero
            return kept / max(1, baseline)

        low, high = 0, len(steps)
        cache: dict[int, float] = {}
        while low < high:
            middle = (low + high) // 2
            cache[middle] = actual_fraction(middle)
            if cache[middle] <= target_fraction:
                high = middle
            else:
                low = middle + 1
        chosen = low
        actual = cache.get(chosen, actual_fraction(chosen))
    ratios, estimated, damage = plan(chosen)
    reached = (actual if actual is not None else estimated) <= target_fraction
    notes = []
    if not reached:
        notes.append(
            f"Even every layer at its highest scanned ratio keeps "
            f"{(actual if actual is not None else estimated):.0%} of the parameters; scan "
            "higher ratios to go further."
        )
    return AutoPlan(ratios, target_fraction, estimated, damage, actual, reached, notes)
