"""Recipes: a model, the devices to measure on, and a chain of compression steps, as TOML.

A recipe file reads like this (every key but ``model`` and the steps' ``technique`` has a
default)::

    name = "ResNet: prune, distil, quantize"
    model = "zoo:resnet-digits"
    devices = ["cpu"]                 # every variant is measured on each

    [measure]
    batch_size = 32                   # latency batch; throughput also at large_batch
    large_batch = 256
    threads = 2                       # CPU threads (default: all)

    [floor]                           # quality no variant may fall below
    accuracy_ratio = 0.97             # of the original's accuracy
    top1_agreement = 0.9              # with the original's predictions (no labels needed)

    [[steps]]
    technique = "prune"
    method = "structured"
    amount = 0.5

    [[steps]]
    technique = "distill"             # the pruned model learns from the original
    epochs = 5

    [[steps]]
    technique = "quantize"
    scheme = "int8-dynamic"

Each step's output feeds the next. Instead of steps, an ``[auto]`` table asks for a small
search (``max_latency_ms`` and/or ``max_size_mb`` on ``device``) whose variants on the trade-off
frontier come back. Every problem is a :class:`RecipeError` naming the key at fault.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slimbench.engine.errors import SlimbenchError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TECHNIQUES = ("prune", "distill", "quantize")

#: What a distill step's teacher is: the recipe's model, or the step before's output.
TEACHERS = ("original", "previous")
#: A distill step's default student: the model the step receives (pruned, say).
PREVIOUS = "previous"


class RecipeError(SlimbenchError):
    """A recipe cannot be read or run as written; the message names the key at fault."""


# --- the options each technique takes ---------------------------------------------------------


def _prune_options() -> dict[str, Any]:
    from slimbench.engine.prune.config import PruneConfig

    measured = {"measure", "device", "dtype", "batch_sizes", "threads", "bench_repeats",
                "bench_rounds", "bench_max_seconds", "max_eval_samples"}
    options = _defaults(PruneConfig, skip=measured, required={"method": "structured"})
    # Fine-tuning after pruning, optionally learning from the unpruned model (KD).
    options.update(recovery_epochs=0, recovery_distill=True)
    return options


def _distill_options() -> dict[str, Any]:
    from slimbench.engine.distill.config import DistillConfig

    managed = {"work_dir", "resume", "node_rank", "background"}
    options = _defaults(DistillConfig, skip=managed)
    options.update(student=PREVIOUS, teacher="original")
    return options


def _quantize_options() -> dict[str, Any]:
    from slimbench.engine.quantize.schemes import QuantizeConfig

    managed = {"calibration_inputs", "extra", "threads", "warmup", "rounds", "round_seconds",
               "eval_samples", "measure_batch_1", "sensitivity_samples", "baselines"}
    return _defaults(QuantizeConfig, skip=managed, required={"scheme": "int8-dynamic"})


def _defaults(config_class: type, *, skip: set[str],
              required: Mapping[str, Any] | None = None) -> dict[str, Any]:
    values: dict[str, Any] = dict(required or {})
    for entry in dataclasses.fields(config_class):
        if entry.name in skip or entry.name in values:
            continue
        if entry.default is not dataclasses.MISSING:
            values[entry.name] = entry.default
        elif entry.default_factory is not dataclasses.MISSING:
            values[entry.name] = entry.default_factory()
    return values


def technique_options(technique: str) -> dict[str, Any]:
    """Every option a step of ``technique`` takes, with its default (the editor's form)."""
    if technique == "prune":
        return _prune_options()
    if technique == "distill":
        return _distill_options()
    if technique == "quantize":
        return _quantize_options()
    raise RecipeError(f"technique must be one of {', '.join(TECHNIQUES)}, not {technique!r}.")


def annotations(config_class: type) -> dict[str, str]:
    """Each field's annotation as written (``"int | None"``): modules use postponed ones."""
    return {entry.name: str(entry.type) for entry in dataclasses.fields(config_class)}


def technique_annotations(technique: str) -> dict[str, str]:
    from slimbench.engine.distill.config import DistillConfig
    from slimbench.engine.prune.config import PruneConfig
    from slimbench.engine.quantize.schemes import QuantizeConfig

    config_class = {"prune": PruneConfig, "distill": DistillConfig,
                    "quantize": QuantizeConfig}[technique]
    types = annotations(config_class)
    if technique == "quantize":
        types["compile"] = "bool | None"
        types["auto_skip"] = "float | None"
    return types


# --- the recipe ---------------------------------------------------------------------------------


@dataclass
class Step:
    """One technique applied to the previous step's output; ``options`` override defaults."""

    technique: str
    options: dict[str, Any] = field(default_factory=dict)
    #: A short label for the variant this step makes (default: "prune 50 %", ...).
    name: str | None = None

    def describe(self) -> str:
        if self.name:
            return self.name
        options = self.options
        if self.technique == "prune":
            return f"prune {options.get('method', 'structured')} {options.get('amount', 0.5):g}"
        if self.technique == "distill":
            student = options.get("student", PREVIOUS)
            epochs = options.get("epochs", 10)
            into = "" if student == PREVIOUS else f" into {student}"
            return f"distil{into} ({epochs} epochs)"
        return f"quantize {options.get('scheme', 'int8-dynamic')}"

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"technique": self.technique}
        if self.name:
            data["name"] = self.name
        data.update(self.options)
        return data


@dataclass
class MeasureSettings:
    """How every variant is measured (same inputs, threads and batch on each device)."""

    batch_size: int = 32
    #: Throughput is also measured at this batch (None: skipped).
    large_batch: int | None = 256
    threads: int | None = None
    eval_samples: int = 1024
    rounds: int = 5
    round_seconds: float = 0.25
    #: Measure batch-1 latency too.
    batch_1: bool = True
    #: "auto" compiles only int8 models (slower than fp32 without), "always" every variant
    #: (a compiled fp32 baseline), "never" none.
    compile: str = "auto"


@dataclass
class QualityFloor:
    """The least quality a variant may keep; None: no floor on that measure."""

    #: Accuracy as a fraction of the original's (0.97: keep 97 % of it).
    accuracy_ratio: float | None = None
    #: Top-1 agreement with the original's predictions (works without labels).
    top1_agreement: float | None = None

    def is_set(self) -> bool:
        return self.accuracy_ratio is not None or self.top1_agreement is not None


@dataclass
class AutoSearch:
    """Find variants that meet a target on ``device`` with quality above the floor."""

    device: str = "cpu"
    max_latency_ms: float | None = None
    max_size_mb: float | None = None
    #: Recovery / distillation epochs each pruned candidate gets.
    epochs: int = 3
    #: "small" tries a handful of candidates; "wide" adds more pruning ratios and chains.
    budget: str = "small"


@dataclass
class Recipe:
    model: str
    steps: list[Step] = field(default_factory=list)
    name: str = ""
    devices: list[str] = field(default_factory=lambda: ["cpu"])
    measure: MeasureSettings = field(default_factory=MeasureSettings)
    floor: QualityFloor = field(default_factory=QualityFloor)
    auto: AutoSearch | None = None
    #: Where the file was read from (relative model paths resolve against its folder).
    source: Path | None = None

    @property
    def title(self) -> str:
        return self.name or (" -> ".join(step.describe() for step in self.steps) or self.model)

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.name:
            data["name"] = self.name
        data["model"] = self.model
        data["devices"] = list(self.devices)
        data["measure"] = _without_none(dataclasses.asdict(self.measure))
        floor = _without_none(dataclasses.asdict(self.floor))
        if floor:
            data["floor"] = floor
        if self.auto is not None:
            data["auto"] = _without_none(dataclasses.asdict(self.auto))
        if self.steps:
            data["steps"] = [_without_none(step.to_toml()) for step in self.steps]
        return data


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    """TOML has no null: an option left at None is simply not written."""
    return {key: value for key, value in data.items() if value is not None}


# --- reading and writing ------------------------------------------------------------------------


def dumps_recipe(recipe: Recipe) -> str:
    import re

    import tomli_w

    data = recipe.to_toml()
    steps = data.pop("steps", [])
    parts = ["# Slimbench recipe: run with `slimbench run THIS_FILE -o REPORT_DIR`\n",
             tomli_w.dumps(data)]
    for step in steps:
        # One [[steps]] table per step (tomli-w would write short ones inline); a table
        # option (layer_ratios) becomes [steps.layer_ratios] under it.
        body = tomli_w.dumps(step)
        body = re.sub(r"^\[(.+)\]$", r"[steps.\1]", body, flags=re.MULTILINE)
        parts.append(f"\n[[steps]]\n{body}")
    return "".join(parts)


def save_recipe(recipe: Recipe, path: str | Path) -> Path:
    from slimbench.engine.saving import atomic_write

    target = Path(path)
    text = dumps_recipe(recipe)
    return atomic_write(target, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def load_recipe(path: str | Path) -> Recipe:
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError(f"There is no recipe file {source}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RecipeError(f"The recipe {source} cannot be read: {error}.") from None
    recipe = parse_recipe(text, name=source.name)
    recipe.source = source.resolve()
    return recipe


def parse_recipe(text: str, *, name: str = "recipe") -> Recipe:
    """A checked Recipe from TOML text; a RecipeError names the first key at fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"{name} is not valid TOML: {error}.") from None
    return recipe_from_dict(data, name=name)


def recipe_from_dict(data: Mapping[str, Any], *, name: str = "recipe") -> Recipe:
    reader = _Reader(name)
    known = {"name", "model", "devices", "measure", "floor", "auto", "steps"}
    reader.no_unknown(data, known, "")
    if "model" not in data:
        raise RecipeError(f"{name}: the key 'model' is missing (e.g. model = \"zoo:mlp-digits\").")
    model = reader.text(data["model"], "model")
    title = reader.text(data.get("name", ""), "name", allow_empty=True)
    devices = reader.string_list(data.get("devices", ["cpu"]), "devices")
    if not devices:
        raise RecipeError(f"{name}: devices must name at least one device (e.g. [\"cpu\"]).")
    measure = reader.section(data.get("measure", {}), "measure", MeasureSettings)
    floor = reader.section(data.get("floor", {}), "floor", QualityFloor)
    check_settings(measure, floor, name=name)
    auto = None
    if "auto" in data:
        auto = reader.section(data["auto"], "auto", AutoSearch)
        if auto.max_latency_ms is None and auto.max_size_mb is None:
            raise RecipeError(
                f"{name}: auto needs a target: max_latency_ms and/or max_size_mb."
            )
        for key in ("max_latency_ms", "max_size_mb"):
            value = getattr(auto, key)
            if value is not None and value <= 0:
                raise RecipeError(f"{name}: auto.{key} must be positive, not {value}.")
        if auto.budget not in ("small", "wide"):
            raise RecipeError(f"{name}: auto.budget must be \"small\" or \"wide\", "
                              f"not {auto.budget!r}.")
        if auto.epochs < 0:
            raise RecipeError(f"{name}: auto.epochs must be 0 or more.")
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list):
        raise RecipeError(f"{name}: steps must be a list of [[steps]] tables.")
    steps = [reader.step(raw, f"steps[{index}]") for index, raw in enumerate(raw_steps, 1)]
    if not steps and auto is None:
        raise RecipeError(f"{name}: give at least one [[steps]] table, or an [auto] table.")
    recipe = Recipe(model=model, steps=steps, name=title, devices=devices, measure=measure,
                    floor=floor, auto=auto)
    check_chain(recipe, name=name)
    return recipe


def check_settings(measure: MeasureSettings, floor: QualityFloor, *, name: str = "recipe") -> None:
    """The [measure] and [floor] tables' values (``slimbench compare`` takes the same)."""
    for key in ("accuracy_ratio", "top1_agreement"):
        value = getattr(floor, key)
        if value is not None and not 0.0 < value <= 1.0:
            raise RecipeError(f"{name}: floor.{key} must be above 0 and at most 1, not {value}.")
    if measure.batch_size < 1 or (measure.large_batch is not None and measure.large_batch < 1):
        raise RecipeError(f"{name}: measure.batch_size and measure.large_batch must be >= 1.")
    if measure.compile not in ("auto", "always", "never"):
        raise RecipeError(f"{name}: measure.compile must be \"auto\", \"always\" or "
                          f"\"never\", not {measure.compile!r}.")
    if measure.rounds < 1 or measure.eval_samples < 1:
        raise RecipeError(f"{name}: measure.rounds and measure.eval_samples must be >= 1.")


def check_chain(recipe: Recipe, *, name: str = "recipe") -> None:
    """Checks a step's options against what the steps before it leave behind."""
    quantized = False
    for index, step in enumerate(recipe.steps, 1):
        where = f"{name}: steps[{index}]"
        if quantized:
            raise RecipeError(
                f"{where} ({step.technique}) comes after quantization: a quantized model cannot "
                "be pruned, trained or quantized again; put quantization last."
            )
        if step.technique == "quantize":
            quantized = True
        if step.technique == "distill":
            student = step.options.get("student", PREVIOUS)
            teacher = step.options.get("teacher", "original")
            if index == 1 and student == PREVIOUS:
                raise RecipeError(
                    f"{where}.student: the first step has no earlier model to train; name a "
                    "student (width:0.5, pruned:0.5 or zoo:NAME)."
                )
            if teacher == "previous" and student == PREVIOUS:
                raise RecipeError(
                    f"{where}.teacher: \"previous\" teaches a new student, so give one "
                    "(width:0.5, pruned:0.5 or zoo:NAME)."
                )


class _Reader:
    """Type checks that name the key at fault: ``recipe.toml: steps[2].amount must be ...``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, key: str, message: str) -> RecipeError:
        return RecipeError(f"{self.name}: {key} {message}")

    def no_unknown(self, data: Any, known: set[str], prefix: str) -> None:
        if not isinstance(data, Mapping):
            raise self.fail(prefix or "the file", "must be a table of keys.")
        for key in data:
            if key not in known:
                where = f"{prefix}.{key}" if prefix else key
                raise self.fail(where, f"is not a recipe key here; use one of "
                                       f"{', '.join(sorted(known))}.")

    def text(self, value: Any, key: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.fail(key, f"must be a text string, not {_shown(value)}.")
        return value.strip()

    def string_list(self, value: Any, key: str) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"must be a list of text strings, not {_shown(value)}.")
        return [v.strip() for v in value]

    def section(self, value: Any, key: str, section_class: type) -> Any:
        defaults = {f.name: f.default for f in dataclasses.fields(section_class)}
        types = annotations(section_class)
        self.no_unknown(value, set(defaults), key)
        checked = {
            option: self.value(raw, f"{key}.{option}", defaults[option], types[option])
            for option, raw in value.items()
        }
        return section_class(**checked)

    def step(self, raw: Any, key: str) -> Step:
        if not isinstance(raw, Mapping):
            raise self.fail(key, "must be a table with a technique key.")
        technique = raw.get("technique")
        if technique not in TECHNIQUES:
            raise self.fail(f"{key}.technique", f"must be one of {', '.join(TECHNIQUES)}, "
                                                f"not {_shown(technique)}.")
        defaults = technique_options(technique)
        types = technique_annotations(technique)
        self.no_unknown(raw, {"technique", "name", *defaults}, key)
        label = raw.get("name")
        if label is not None:
            label = self.text(label, f"{key}.name")
        options = {
            option: self.value(value, f"{key}.{option}", defaults[option], types.get(option, ""))
            for option, value in raw.items() if option not in ("technique", "name")
        }
        self.check_step(technique, options, key)
        return Step(technique=technique, options=options, name=label)

    def value(self, value: Any, key: str, default: Any, annotation: str = "") -> Any:
        """``value`` if it has the type of ``default`` (numbers widen: 1 is a float too); an
        option whose default is None is checked against its annotation (``int | None``)."""
        if default is None:
            kinds = [kind.strip() for kind in annotation.split("|")]
            for kind, example in (("float", 0.0), ("int", 0), ("bool", False), ("str", "")):
                if kind in kinds:
                    return self.value(value, key, example)
            if isinstance(value, (bool, int, float, str)):
                return value
            raise self.fail(key, f"must be a number, text or true/false, not {_shown(value)}.")
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise self.fail(key, f"must be true or false, not {_shown(value)}.")
            return value
        if isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.fail(key, f"must be a whole number, not {_shown(value)}.")
            return value
        if isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.fail(key, f"must be a number, not {_shown(value)}.")
            return float(value)
        if isinstance(default, str):
            if not isinstance(value, str):
                raise self.fail(key, f"must be a text string, not {_shown(value)}.")
            return value
        if isinstance(default, (list, tuple)):
            return self.string_list(value, key)
        if isinstance(default, dict):
            if not isinstance(value, Mapping):
                raise self.fail(key, f"must be a table, not {_shown(value)}.")
            return dict(value)
        return value

    def check_step(self, technique: str, options: dict[str, Any], key: str) -> None:
        """The technique's own checks, with the key named (e.g. an amount of 1.5)."""
        from slimbench.engine.distill.config import DistillConfig
        from slimbench.engine.prune.config import PruneConfig
        from slimbench.engine.quantize.schemes import QuantizeConfig, get_scheme

        try:
            if technique == "prune":
                engine_options = {k: v for k, v in options.items()
                                  if not k.startswith("recovery_")}
                PruneConfig(**engine_options).validate()
                if options.get("recovery_epochs", 0) < 0:
                    raise RecipeError("recovery_epochs must be 0 or more.")
            elif technique == "distill":
                teacher = options.get("teacher", "original")
                if teacher not in TEACHERS:
                    raise self.fail(f"{key}.teacher", f"must be \"original\" or \"previous\", "
                                                      f"not {_shown(teacher)}.")
                student = options.get("student", PREVIOUS)
                if student != PREVIOUS:
                    from slimbench.engine.distill.students import parse_student

                    parse_student(student)
                engine_options = {k: v for k, v in options.items()
                                  if k not in ("teacher", "student")}
                DistillConfig(**engine_options).validate()
            else:
                get_scheme(options.get("scheme", "int8-dynamic"))
                engine_options = {k: v for k, v in options.items() if k != "scheme"}
                QuantizeConfig(scheme=options.get("scheme", "int8-dynamic"), **engine_options)
        except RecipeError as error:
            message = str(error)
            raise RecipeError(message if message.startswith(self.name) else
                              f"{self.name}: {key}: {message}") from None
        except SlimbenchError as error:
            raise RecipeError(f"{self.name}: {key}: {error}") from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
