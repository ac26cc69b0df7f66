"""Running a recipe: each step on the previous step's output, every variant measured, a report.

A step's output and a ``step.json`` land in ``REPORT_DIR/steps/NN-technique-HASH/`` the moment
the step finishes (model first, then the record, both atomic). ``HASH`` fingerprints the model
and every step up to this one, so a rerun of the same recipe picks finished steps up again
(after a crash, a cancel, or an edit to a later step) and an edited step runs afresh. A distil
step also keeps its training checkpoints there and resumes from the last epoch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slimbench.engine.compare import CompareConfig, Comparison, VariantInput, compare_job
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.jobs import Job, Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.recipes.recipe import PREVIOUS, Recipe, RecipeError, Step, dumps_recipe

STEPS_FOLDER = "steps"
STEP_RECORD = "step.json"
ORIGINAL = "original"


@dataclass
class StepOutcome:
    """A finished step: its model, where it was saved, and what its job reported."""

    index: int
    technique: str
    description: str
    handle: ModelHandle
    output: Path
    seconds: float
    resumed: bool = False
    notes: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)

    def summary(self, report_dir: Path | None = None) -> dict[str, Any]:
        """The step for results.json: ``output`` relative to ``report_dir`` when inside it."""
        output = str(self.output) if report_dir is None else _relative(self.output, report_dir)
        return {
            "index": self.index, "technique": self.technique, "description": self.description,
            "seconds": self.seconds, "output": output, "notes": list(self.notes),
            "resumed": self.resumed,
        }


@dataclass
class RecipeResult:
    recipe: Recipe
    report_dir: Path
    original: ModelHandle
    steps: list[StepOutcome]
    comparison: Comparison
    #: Variant names in the comparison, in order, with their models (the GUI adds them).
    variants: list[tuple[str, ModelHandle]]
    report: Any = None
    auto: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "recipe": self.recipe.to_toml(),
            "report_dir": str(self.report_dir),
            "report": None if self.report is None else str(self.report.html),
            "steps": [step.summary(self.report_dir) for step in self.steps],
            "auto": self.auto,
            "comparison": self.comparison.to_json(),
        }


# --- fingerprints and step folders -----------------------------------------------------------


def fingerprint(model: str, steps: list[Step]) -> str:
    """The same model and the same steps so far give the same folder: what lets a rerun resume."""
    text = json.dumps({"model": model, "steps": [step.to_toml() for step in steps]},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def step_folder(report_dir: Path, index: int, step: Step, print_: str) -> Path:
    return report_dir / STEPS_FOLDER / f"{index:02d}-{step.technique}-{print_}"


def _read_record(folder: Path, print_: str) -> dict[str, Any] | None:
    """The finished step's record, or None when it must run (absent, other steps, no model)."""
    path = folder / STEP_RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if record.get("fingerprint") != print_:
        return None
    output = folder / str(record.get("output", ""))
    return record if output.is_file() else None


def _write_record(folder: Path, record: dict[str, Any]) -> None:
    from slimbench.engine.saving import atomic_write

    text = json.dumps(record, indent=1, default=str)
    atomic_write(folder / STEP_RECORD, lambda path: path.write_text(text, encoding="utf-8"))


def load_step_output(path: Path, technique: str, trusted_arch: str | None = None) -> ModelHandle:
    """A finished step's model. The step folder may be older than this run (or not the user's
    own), so an architecture in Python code that it names is built only when it is
    ``trusted_arch``: the original's, which the user already chose or trusted."""
    from slimbench.engine.errors import UntrustedCodeError

    if technique == "quantize":
        from slimbench.engine.quantize.saving import load_quantized as load
    else:
        from slimbench.engine.prune.saving import load_pruned as load
    try:
        return load(path)
    except UntrustedCodeError as error:
        if trusted_arch is None or error.arch != trusted_arch:
            raise
    return load(path, trust_code=True)


# --- one step --------------------------------------------------------------------------------


StepRunner = Callable[..., Generator[Progress, None, dict[str, Any]]]


def _prune_step(step: Step, model: ModelHandle, original: ModelHandle, folder: Path,
                recipe: Recipe) -> Generator[Progress, None, dict[str, Any]]:
    from slimbench.engine.prune import PruneConfig, RecoveryConfig, prune_job, recover_job
    from slimbench.engine.prune.saving import save_pruned

    options = dict(step.options)
    epochs = int(options.pop("recovery_epochs", 0))
    learn_from_original = bool(options.pop("recovery_distill", True))
    config = PruneConfig(**options, measure=False, threads=recipe.measure.threads)
    result = yield from prune_job(model, config)
    handle = result.handle
    document = result.to_json()
    history: list[dict[str, Any]] = []
    notes = list(result.notes)
    if epochs > 0:
        teacher = original if learn_from_original else None
        recovered = yield from recover_job(handle, teacher, RecoveryConfig(epochs=epochs))
        handle = recovered.handle
        document["recovery"] = recovered.to_json()
        history = list(document["recovery"].get("history") or [])
        notes.append(f"Recovered for {epochs} epochs"
                     + (", learning from the original." if teacher is not None else "."))
    saved = save_pruned(handle, folder / "model.pt", sparse="auto")
    return {"handle": handle, "output": saved.path, "document": document, "notes": notes,
            "history": history}


def _distill_step(step: Step, model: ModelHandle, original: ModelHandle, folder: Path,
                  recipe: Recipe, previous_file: Path | None
                  ) -> Generator[Progress, None, dict[str, Any]]:
    from slimbench.engine.distill import DistillConfig, distill_job
    from slimbench.engine.distill.training import LAST_FILE

    options = dict(step.options)
    teacher = original if options.pop("teacher", "original") == ORIGINAL else model
    student = options.pop("student", PREVIOUS)
    if student == PREVIOUS:
        if previous_file is None:
            raise RecipeError("A distil step's student is the model before it, but there is none.")
        student = f"file:{previous_file}"
    work_dir = folder / "training"
    config = DistillConfig(**options, student=student, work_dir=str(work_dir),
                           resume=(work_dir / LAST_FILE).is_file())
    result = yield from distill_job(teacher, config, output=folder / "model.pt", measure=False)
    if result.handle is None or result.output is None:
        raise RecipeError("The distil step ended without a student on this machine.")
    notes = list(result.notes)
    return {"handle": result.handle, "output": Path(result.output),
            "document": result.to_json(), "notes": notes, "history": list(result.history)}


def _quantize_step(step: Step, model: ModelHandle, original: ModelHandle, folder: Path,
                   recipe: Recipe) -> Generator[Progress, None, dict[str, Any]]:
    from slimbench.engine.prune.metrics import with_module
    from slimbench.engine.quantize.jobs import build_quantized_job
    from slimbench.engine.quantize.saving import default_suffix, save_quantized
    from slimbench.engine.quantize.schemes import QuantizeConfig

    options = dict(step.options)
    options.setdefault("device", recipe.devices[0])
    # Unless the step says otherwise, build for compiled running: that picks torchao's int8
    # kernels (compiled, the fastest on CPU) over the eager legacy ones. The comparison
    # then runs each variant the way it runs best.
    if options.get("compile") is None:
        options["compile"] = True
    config = QuantizeConfig(**options, threads=recipe.measure.threads)
    built = yield from build_quantized_job(model, config)
    handle = with_module(model, built.module, name=f"{model.name}-{config.scheme}")
    path = save_quantized(handle, folder / f"model{default_suffix(handle)}")
    document = {"scheme": config.scheme, "engine": built.engine,
                "quantized_layers": list(built.quantized_layers),
                "skipped_layers": list(built.skipped_layers)}
    return {"handle": handle, "output": path, "document": document, "notes": list(built.notes),
            "history": []}


def run_step_job(
    step: Step,
    index: int,
    model: ModelHandle,
    original: ModelHandle,
    recipe: Recipe,
    report_dir: Path,
    previous_file: Path | None,
    *,
    resume: bool = True,
) -> Generator[Progress, None, StepOutcome]:
    """One step: picked up from its folder when finished before, else run and saved there."""
    steps_so_far = recipe.steps[:index]
    print_ = fingerprint(recipe.model, steps_so_far)
    folder = step_folder(report_dir, index, step, print_)
    record = _read_record(folder, print_) if resume else None
    description = step.describe()
    if record is not None:
        output = folder / record["output"]
        try:
            handle = load_step_output(output, step.technique, original.arch)
        except SlimbenchError:
            record = None  # unreadable: run the step again rather than fail the recipe
        else:
            handle = dataclasses.replace(handle, data=handle.data or model.data,
                                         example_inputs=handle.example_inputs
                                         or model.example_inputs)
            yield Progress(1, 1, f"Step {index} ({description}): finished before, reused")
            return StepOutcome(index, step.technique, description, handle, output,
                               float(record.get("seconds", 0.0)), resumed=True,
                               notes=list(record.get("notes") or []),
                               history=list(record.get("history") or []),
                               document=dict(record.get("document") or {}))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if step.technique == "prune":
        done = yield from _prune_step(step, model, original, folder, recipe)
    elif step.technique == "distill":
        done = yield from _distill_step(step, model, original, folder, recipe, previous_file)
    else:
        done = yield from _quantize_step(step, model, original, folder, recipe)
    seconds = time.perf_counter() - started
    output = Path(done["output"])
    handle = done["handle"]
    _write_record(folder, {
        "fingerprint": print_, "technique": step.technique, "description": description,
        "options": step.options, "output": output.name, "seconds": seconds,
        "notes": done["notes"], "history": done["history"], "document": done["document"],
    })
    return StepOutcome(index, step.technique, description, handle, output, seconds,
                       notes=done["notes"], history=done["history"], document=done["document"])


# --- the whole recipe ------------------------------------------------------------------------


def compare_config(recipe: Recipe, devices: list[str] | None = None) -> CompareConfig:
    measure = recipe.measure
    compile_mode: str | bool = {"always": True, "never": False}.get(measure.compile, "auto")
    return CompareConfig(
        devices=tuple(devices or recipe.devices), batch_size=measure.batch_size,
        large_batch=measure.large_batch, batch_1=measure.batch_1, threads=measure.threads,
        eval_samples=measure.eval_samples, rounds=measure.rounds,
        round_seconds=measure.round_seconds, compile=compile_mode,
        floor={"accuracy_ratio": recipe.floor.accuracy_ratio,
               "top1_agreement": recipe.floor.top1_agreement},
    )


def load_recipe_model(recipe: Recipe) -> ModelHandle:
    from slimbench.engine.loading import load_model

    spec = recipe.model
    if not spec.startswith("zoo:") and recipe.source is not None:
        candidate = Path(spec).expanduser()
        if not candidate.is_absolute():
            spec = str(recipe.source.parent / candidate)
    return load_model(spec)


def run_recipe_job(
    recipe: Recipe,
    report_dir: str | Path,
    *,
    original: ModelHandle | None = None,
    resume: bool = True,
    report: bool = True,
) -> Job[RecipeResult]:
    """Run ``recipe``'s steps (or its automatic search), compare every variant, write the report.

    ``original`` is the recipe's model when the caller has it loaded already (the window).
    """
    report_dir = Path(report_dir).expanduser()
    if report_dir.exists() and not report_dir.is_dir():
        raise RecipeError(f"{report_dir} is a file; give a folder for the report.")
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RecipeError(f"Cannot create the report folder {report_dir}: "
                          f"{error.strerror or error}.") from None
    from slimbench.engine.saving import atomic_write

    text = dumps_recipe(recipe)
    atomic_write(report_dir / "recipe.toml", lambda p: p.write_text(text, encoding="utf-8"))
    if original is None:
        yield Progress(0, 0, f"Loading {recipe.model}")
        original = load_recipe_model(recipe)
    if recipe.auto is not None:
        from slimbench.engine.recipes.auto import auto_search_job

        return (yield from auto_search_job(recipe, report_dir, original, resume=resume,
                                           report=report))
    outcomes: list[StepOutcome] = []
    model, previous_file = original, None
    for index, step in enumerate(recipe.steps, 1):
        yield Progress(index - 1, len(recipe.steps) + 1,
                       f"Step {index} of {len(recipe.steps)}: {step.describe()}")
        outcome = yield from run_step_job(step, index, model, original, recipe, report_dir,
                                          previous_file, resume=resume)
        outcomes.append(outcome)
        model, previous_file = outcome.handle, outcome.output
    variants = [VariantInput(ORIGINAL, original, steps=[])]
    descriptions: list[str] = []
    for outcome in outcomes:
        descriptions.append(outcome.description)
        variants.append(VariantInput(
            variant_name(outcome), outcome.handle, technique=outcome.technique,
            parent=variants[-1].name, steps=list(descriptions),
            file=_relative(outcome.output, report_dir), notes=outcome.notes,
            history=outcome.history,
        ))
    yield Progress(len(recipe.steps), len(recipe.steps) + 1, "Measuring every variant")
    comparison = yield from compare_job(variants, compare_config(recipe))
    result = RecipeResult(recipe, report_dir, original, outcomes, comparison,
                          [(v.name, v.handle) for v in variants])
    if report:
        result.report = write_recipe_report(result)
    return result


def variant_name(outcome: StepOutcome) -> str:
    return f"{outcome.index}. {outcome.description}"


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)


def write_recipe_report(result: RecipeResult) -> Any:
    from slimbench.engine.report import write_report

    models = {name: result.report_dir / record.file
              for name, record in ((r.name, r) for r in result.comparison.variants)
              if record.file}
    return write_report(result.comparison, result.report_dir, title=result.recipe.title,
                        recipe=result.recipe.to_toml(),
                        steps=[step.summary(result.report_dir) for step in result.steps],
                        auto=result.auto,
                        models=models)
