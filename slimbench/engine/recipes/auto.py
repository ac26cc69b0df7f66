"""Automatic mode: try a small set of chains, measure them all, keep those that meet the target.

The candidates depend on the model and the device: int8 quantization of the kind that runs
there (static for convolutions on a CPU, dynamic for Linear layers), structured pruning at a
few ratios with recovery that learns from the original, and pruning followed by int8. Chains
share their first steps (pruning at 0.5 runs once for "prune 0.5" and "prune 0.5 + int8").
Every candidate is measured side by side with the original; the answer is the candidates that
meet the latency/size target and the quality floor, and of those the ones on the trade-off
frontier.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from torch import nn

from slimbench.engine.compare import VariantInput, compare_job, quality_of
from slimbench.engine.devices import resolve_device
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.jobs import Job, Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.recipes.recipe import Recipe, RecipeError, Step


def int8_scheme(module: nn.Module, device_type: str) -> str | None:
    """The int8 scheme that pays on this device for this kind of model, if any."""
    from slimbench.engine.quantize.schemes import SCHEMES

    has_conv = any(isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)) for m in module.modules())
    order = ["int8-static", "int8-dynamic"] if has_conv else ["int8-dynamic", "int8-static"]
    if device_type == "cuda":
        order = ["int8-dynamic", "int8-weight-only"]
    for name in order:
        if device_type in SCHEMES[name].devices:
            return name
    return None


def candidate_chains(original: ModelHandle, recipe: Recipe) -> list[list[Step]]:
    auto = recipe.auto
    assert auto is not None
    device = resolve_device(auto.device)
    scheme = int8_scheme(original.module, device.type)
    ratios = [0.3, 0.5] if auto.budget == "small" else [0.3, 0.5, 0.7]

    def prune(ratio: float) -> Step:
        return Step("prune", {"method": "structured", "amount": ratio,
                              "recovery_epochs": auto.epochs, "recovery_distill": True})

    def quantize(name: str) -> Step:
        return Step("quantize", {"scheme": name, "device": auto.device})

    chains: list[list[Step]] = []
    if scheme is not None:
        chains.append([quantize(scheme)])
    chains.extend([prune(ratio)] for ratio in ratios)
    if scheme is not None:
        chains.append([prune(0.5), quantize(scheme)])
    if auto.budget == "wide":
        if scheme is not None:
            chains.append([prune(0.7), quantize(scheme)])
        chains.append([quantize("bf16")])
        if auto.epochs > 0:
            chains.append([Step("distill", {"student": "width:0.5", "epochs": auto.epochs,
                                            "device": auto.device})])
    return chains


def flops_of(handle: ModelHandle) -> int | None:
    from slimbench.engine.measure import make_batch
    from slimbench.engine.prune.metrics import flops_per_batch

    try:
        return flops_per_batch(handle.module, make_batch(handle, 1))
    except Exception:
        return None


def chain_name(steps: list[Step]) -> str:
    return " + ".join(step.describe() for step in steps)


def auto_search_job(
    recipe: Recipe,
    report_dir: Any,
    original: ModelHandle,
    *,
    resume: bool = True,
    report: bool = True,
) -> Job[Any]:
    from slimbench.engine.recipes.runner import (
        ORIGINAL,
        RecipeResult,
        StepOutcome,
        _relative,
        compare_config,
        fingerprint,
        run_step_job,
        write_recipe_report,
    )

    auto = recipe.auto
    if auto is None:
        raise RecipeError("This recipe has no [auto] table.")
    chains = candidate_chains(original, recipe)
    done: dict[str, StepOutcome] = {}
    finals: list[tuple[int, list[Step], StepOutcome]] = []
    #: The float model each chain quantizes: FLOP counters cannot see int8 layers, and the
    #: candidate's parent in the comparison is the original, not its own pruned model.
    float_models: dict[int, ModelHandle] = {}
    failures: list[dict[str, str]] = []
    total = sum(len(chain) for chain in chains) + 1
    count = 0
    for number, chain in enumerate(chains, 1):
        sub_recipe = dataclasses.replace(recipe, steps=chain, auto=None)
        model, previous_file, outcome = original, None, None
        try:
            for index, step in enumerate(chain, 1):
                if step.technique == "quantize":
                    float_models[number] = model
                key = fingerprint(recipe.model, chain[:index])
                count += 1
                yield Progress(count, total, f"Candidate {number} of {len(chains)}: "
                                             f"{chain_name(chain[:index])}")
                outcome = done.get(key)
                if outcome is None:
                    outcome = yield from run_step_job(step, index, model, original, sub_recipe,
                                                      report_dir, previous_file, resume=resume)
                    done[key] = outcome
                model, previous_file = outcome.handle, outcome.output
        except SlimbenchError as error:
            # One candidate that cannot be made (a scheme this model refuses) is not the end
            # of the search: it is listed as tried and failed.
            failures.append({"name": chain_name(chain), "error": str(error)})
            continue
        assert outcome is not None
        finals.append((number, chain, outcome))
    if not finals:
        raise RecipeError("No candidate could be made: "
                          + "; ".join(f"{f['name']}: {f['error']}" for f in failures))
    devices = [auto.device] + [d for d in recipe.devices if d != auto.device]
    variants = [VariantInput(ORIGINAL, original)]
    for number, chain, outcome in finals:
        float_model = float_models.get(number)
        variants.append(VariantInput(
            chain_name(chain), outcome.handle, technique="+".join(s.technique for s in chain),
            parent=ORIGINAL, steps=[s.describe() for s in chain],
            file=_relative(outcome.output, report_dir), notes=outcome.notes,
            history=outcome.history,
            flops_per_sample=None if float_model is None else flops_of(float_model),
        ))
    yield Progress(total - 1, total, f"Measuring {len(variants)} variants side by side")
    comparison = yield from compare_job(variants, compare_config(recipe, devices))
    summary = judge(comparison, recipe)
    summary["failed"] = failures
    outcomes = list(done.values())
    result = RecipeResult(recipe, report_dir, original, outcomes, comparison,
                          [(v.name, v.handle) for v in variants], auto=summary)
    if report:
        result.report = write_recipe_report(result)
    yield Progress(total, total, _verdict(summary))
    return result


def judge(comparison: Any, recipe: Recipe) -> dict[str, Any]:
    """Which variants meet the target on the target device and the floor."""
    auto = recipe.auto
    assert auto is not None
    device = str(resolve_device(auto.device))
    tried = []
    meeting = []
    for record in comparison.variants:
        if record.name == comparison.reference:
            continue
        measurement = record.by_device.get(device)
        latency = None
        if measurement is not None and not measurement.error and measurement.latency_ms:
            latency = measurement.latency_ms["median"]
        size_mb = record.size_bytes / 1e6
        fits = latency is not None
        if auto.max_latency_ms is not None:
            fits = fits and latency is not None and latency <= auto.max_latency_ms
        if auto.max_size_mb is not None:
            fits = fits and size_mb <= auto.max_size_mb
        quality_ok = record.meets_floor is not False
        tried.append({"name": record.name, "latency_ms": latency, "size_mb": size_mb,
                      "quality": None if measurement is None else quality_of(measurement),
                      "meets_target": fits, "meets_floor": record.meets_floor})
        if fits and quality_ok:
            meeting.append(record.name)
    return {
        "device": device,
        "target": {"max_latency_ms": auto.max_latency_ms, "max_size_mb": auto.max_size_mb,
                   "batch_size": comparison.batch_size},
        "floor": dict(comparison.floor),
        "tried": tried,
        "meeting": meeting,
        # The frontier of the qualifying variants alone: one that meets everything is never
        # hidden behind a faster one that does not.
        "chosen": frontier_within(comparison, meeting, device),
    }


def frontier_within(comparison: Any, names: list[str], device: str) -> list[str]:
    from slimbench.engine.compare.results import frontier

    return frontier([r for r in comparison.variants if r.name in names], device)


def _verdict(summary: dict[str, Any]) -> str:
    if summary["chosen"]:
        return (f"{len(summary['meeting'])} of {len(summary['tried'])} candidates meet the "
                f"target; best trade-offs: {', '.join(summary['chosen'])}")
    return (f"None of the {len(summary['tried'])} candidates meets the target and the floor "
            "on this device; the report shows how close each came.")
