"""``auto_prune_job``: prune to a target size or latency with per-layer ratios chosen for the
least damage.

Three phases, one job: a sensitivity scan (unless one is given), a search over the greedy plan
(``auto_plan_job``: candidates really pruned and measured, by bisection), then ``prune_job``
with the chosen ``layer_ratios``, so the result is an ordinary PruneResult whose METRICS are
measured before and after like any other. Its ``auto`` says the target, what was reached and
the ratios; its notes say it in words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator, Sequence
from typing import TypeVar

from slimbench.engine.jobs import Job, Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.prune.config import (
    STRUCTURED,
    UNSTRUCTURED,
    PruneConfig,
    PruneError,
    PruneResult,
    check_measure_runtime,
)
from slimbench.engine.prune.job import prune_job
from slimbench.engine.prune.sensitivity import (
    TARGET_LATENCY,
    TARGET_PARAMS,
    TARGET_SIZE,
    AutoPlan,
    SensitivityResult,
    auto_plan_job,
    candidate_config,
    check_target_fraction,
    normalize_target_kind,
    sensitivity_job,
    target_noun,
)

T = TypeVar("T")

#: The job's progress runs over this many steps: scan, search and final prune share them.
_STEPS = 100


def _phase(
    job: Generator[Progress, None, T], start: int, end: int, prefix: str = ""
) -> Generator[Progress, None, T]:
    """Re-yield a sub-job's Progress scaled into steps ``start .. end`` of :data:`_STEPS`."""
    try:
        while True:
            progress = next(job)
            fraction = progress.fraction
            step = start if fraction is None else start + round(fraction * (end - start))
            yield Progress(step, _STEPS, prefix + progress.message, progress.metrics)
    except StopIteration as stop:
        return stop.value
    finally:
        job.close()


def reached_fraction(result: PruneResult, kind: str) -> float | None:
    """The fraction of the original's parameters, file size or latency that ``result`` keeps,
    from its before/after METRICS (latency: the paired speedup at the first batch size)."""
    before, after = result.before or {}, result.after or {}
    if kind == TARGET_PARAMS:
        key = "params_total" if result.method == STRUCTURED else "params_nonzero"
        if before.get(key):
            return after[key] / before[key]
        return None
    if kind == TARGET_SIZE:
        dense = before.get("size_bytes")
        if not dense:
            return None
        if result.method == UNSTRUCTURED and result.sparse_size_bytes is not None:
            return result.sparse_size_bytes / dense
        return after["size_bytes"] / dense
    speedups = after.get("speedup_by_batch") or {}
    speedup = speedups.get(str(before.get("batch_size")))
    if speedup is None or not speedup > 0:
        return None
    return 1.0 / speedup


def _ratios_text(ratios: dict[str, float]) -> str:
    return ", ".join(f"{path} {ratio:.0%}" for path, ratio in ratios.items()) or "none"


def auto_prune_job(
    handle: ModelHandle,
    target_fraction: float,
    kind: str = TARGET_SIZE,
    *,
    config: PruneConfig | None = None,
    ratios: Sequence[float] = (0.25, 0.5, 0.75),
    sensitivity: SensitivityResult | None = None,
    max_samples: int | None = 1024,
    search_repeats: int = 10,
    max_search_steps: int = 8,
    search_seconds: float = 0.5,
) -> Job[PruneResult]:
    """Prune a copy of ``handle`` to ``target_fraction`` of its ``kind`` (``"size"``,
    ``"latency"`` or ``"params"``) with per-layer ratios chosen for the least damage.

    ``config`` gives the method (structured, or unstructured for size and parameters),
    importance, skip, device, threads and the measurement settings; its amount is not used.
    The latency is measured for real on ``config.device`` at ``config.batch_sizes[0]``. Pass a
    ``sensitivity`` scan of the same method to skip the scan. Cancellable between steps.
    """
    config = config or PruneConfig()
    kind = normalize_target_kind(kind)
    target_fraction = check_target_fraction(target_fraction, kind)
    if config.method not in (STRUCTURED, UNSTRUCTURED):
        raise PruneError(
            "Automatic ratios work with structured or unstructured pruning, not "
            f"{config.method}."
        )
    if kind == TARGET_LATENCY and config.method != STRUCTURED:
        raise PruneError(
            "A latency target needs structured pruning: zeroed weights leave dense layers "
            "exactly as fast as they were."
        )
    if config.runtime is not None and config.measure:
        # Before the scan, not after minutes of it: an unusable runtime is one line now.
        check_measure_runtime(config.runtime, config.device, config.dtype)
    if sensitivity is not None and sensitivity.method != config.method:
        raise PruneError(
            f"The sensitivity scan was made for {sensitivity.method} pruning, not "
            f"{config.method}; scan again with the method you prune with."
        )
    noun = target_noun(kind)
    yield Progress(0, _STEPS, f"Automatic pruning to {target_fraction:.0%} of the {noun}")
    scan_end = 0 if sensitivity is not None else 60
    if sensitivity is None:
        sensitivity = yield from _phase(
            sensitivity_job(handle, ratios, config.method, config=config,
                            max_samples=max_samples),
            0, scan_end, "Sensitivity: ",
        )
    plan: AutoPlan = yield from _phase(
        auto_plan_job(sensitivity, target_fraction, kind, handle=handle, config=config,
                      search_repeats=search_repeats, max_search_steps=max_search_steps,
                      search_seconds=search_seconds),
        scan_end, 75,
    )
    prune_config = dataclasses.replace(
        candidate_config(config, sensitivity),
        layer_ratios=dict(plan.layer_ratios), measure=config.measure,
    )
    result: PruneResult = yield from _phase(prune_job(handle, prune_config), 75, _STEPS)
    reached = reached_fraction(result, kind)
    measured_again = reached is not None
    if reached is None:
        reached = plan.actual_fraction if plan.actual_fraction is not None \
            else plan.estimated_fraction
    met = reached <= target_fraction
    where = ""
    if kind == TARGET_LATENCY:
        where = (f" (batch {prune_config.batch_sizes[0]} on {prune_config.device}, the two "
                 "models timed in turn)")
    summary = (
        f"Automatic: target {target_fraction:.0%} of the {noun}{where}; reached "
        f"{reached:.1%}, so the target was {'met' if met else 'NOT met'}. Per-layer ratios "
        f"chosen for the least damage in the sensitivity scan: "
        f"{_ratios_text(plan.layer_ratios)}."
    )
    notes = [summary]
    if (kind == TARGET_LATENCY and measured_again and plan.actual_fraction is not None
            and plan.actual_fraction <= target_fraction < reached):
        notes.append(
            f"The search measured {plan.actual_fraction:.1%} with a short run; the final "
            f"measurement says {reached:.1%}: latency varies with the load on the machine."
        )
    if not met:
        notes.extend(plan.notes)
    result.notes[:0] = notes
    if result.handle.notes:
        result.handle.notes[-1] = (
            f"Pruned ({result.method}, automatic: {target_fraction:.0%} of the {noun})."
        )
    result.auto = {
        "kind": kind,
        "target_fraction": target_fraction,
        "reached_fraction": reached,
        "reached": met,
        "layer_ratios": dict(plan.layer_ratios),
        "plan": plan.to_json(),
    }
    result.sensitivity = sensitivity
    return result
