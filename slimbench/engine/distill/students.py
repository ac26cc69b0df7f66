"""The student a teacher distils into: a zoo architecture, a narrower copy, or a pruned copy.

``width:W`` and ``pruned:R`` both go through the pruning engine's structured pruning (torch-
pruning's dependency graph), which keeps residual, BatchNorm and attention-head couplings
consistent for any traceable model, not only the zoo's. ``width`` then re-initialises every
layer (a fresh narrow network: the teacher's architecture at a width multiplier); ``pruned``
keeps the teacher's surviving weights (the "prune, then distil" recipe, which starts closer).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from torch import nn

from slimbench.engine.distill.config import DistillError
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle

STUDENT_KINDS = ("zoo", "width", "pruned", "file")


def parse_student(spec: str) -> tuple[str, str]:
    """``("zoo", NAME)``, ``("width", "0.5")``, ``("pruned", "0.5")`` or ``("file", PATH)``.

    ``file:PATH`` trains a model Slimbench saved (a recipe's pruned step, say) further, keeping
    its weights: the "prune, then distil" chain with any pruning settings.
    """
    kind, _, value = spec.strip().partition(":")
    kind = kind.lower()
    if kind not in STUDENT_KINDS or not value:
        raise DistillError(
            f"A student is zoo:NAME, width:W (e.g. width:0.5), pruned:R (e.g. pruned:0.5) or "
            f"file:PATH (a saved model), not {spec!r}."
        )
    if kind == "file":
        if not Path(value).is_file():
            raise DistillError(f"The student file {value} does not exist.")
        return kind, value
    if kind in ("width", "pruned"):
        try:
            number = float(value)
        except ValueError:
            raise DistillError(f"{kind}: takes a number, not {value!r}.") from None
        if kind == "width" and not 0.0 < number < 1.0:
            raise DistillError(
                f"A width multiplier is above 0 and below 1 (0.5 halves each layer), not {value}."
            )
        if kind == "pruned" and not 0.0 < number < 1.0:
            raise DistillError(
                f"A pruning ratio is above 0 and below 1 (0.5 removes half the channels), "
                f"not {value}."
            )
    return kind, value


def build_student(teacher: ModelHandle, spec: str, *, seed: int = 0) -> ModelHandle:
    """A new student module for ``teacher``; the teacher is never changed."""
    kind, value = parse_student(spec)
    if kind == "zoo":
        return _zoo_student(teacher, value, seed)
    if kind == "file":
        return _saved_student(teacher, value)
    return _slimmed_student(teacher, kind, float(value), seed)


def _zoo_student(teacher: ModelHandle, name: str, seed: int) -> ModelHandle:
    from slimbench.engine import zoo
    from slimbench.engine.errors import ModelLoadError

    try:
        entry = zoo.get_entry(name)
    except ModelLoadError as error:
        raise DistillError(str(error)) from None
    torch.manual_seed(seed)
    module = entry.build(pretrained=False).train()
    if teacher.data is not None and teacher.data.name != entry.dataset:
        raise DistillError(
            f"The zoo model {entry.name} is built for the {entry.dataset} data, but "
            f"{teacher.name} works on {teacher.data.name}; pick a zoo student of the same task "
            "or use width:W / pruned:R."
        )
    return ModelHandle(
        name=f"{teacher.name}-student-{entry.name}",
        module=module,
        source="zoo",
        location=f"zoo:{entry.name}",
        example_inputs=teacher.example_inputs,
        data=teacher.data,
        arch=f"zoo:{entry.name}",
        notes=[f"Student: the zoo architecture {entry.name}, freshly initialised."],
    )


def _saved_student(teacher: ModelHandle, path: str) -> ModelHandle:
    from slimbench.engine.errors import SlimbenchError
    from slimbench.engine.loading import load_model

    try:
        saved = load_model(path)
    except SlimbenchError as error:
        raise DistillError(f"The student {path} cannot be loaded: {error}") from None
    if not isinstance(saved.module, nn.Module) or not any(
        p.is_floating_point() for p in saved.module.parameters()
    ):
        raise DistillError(
            f"The student {path} has no trainable float weights (quantized or scripted models "
            "cannot be trained); distil before quantizing."
        )
    for parameter in saved.module.parameters():
        parameter.requires_grad_(True)
    return dataclasses.replace(
        teacher,
        name=f"{teacher.name}-student",
        module=saved.module.train(),
        notes=[f"Student: the saved model {Path(path).name}, trained further from its weights."],
    )


def _slimmed_student(teacher: ModelHandle, kind: str, number: float, seed: int) -> ModelHandle:
    from slimbench.engine.prune.config import PruneConfig, PruneError
    from slimbench.engine.prune.job import prune_model

    if not teacher.arch or teacher.arch.startswith("huggingface:"):
        raise DistillError(
            f"{teacher.name} has no recorded architecture, so a {kind}: student could not be "
            "saved and loaded again; load it with --arch, or use a zoo: student."
        )
    amount = 1.0 - number if kind == "width" else number
    config = PruneConfig(method="structured", amount=amount, importance="l1", measure=False,
                         seed=seed)
    try:
        module, _, _ = run_job(prune_model(teacher, config))
    except PruneError as error:
        raise DistillError(f"The {kind}:{number:g} student cannot be made: {error}") from None
    if kind == "width":
        torch.manual_seed(seed)
        for layer in module.modules():
            reset = getattr(layer, "reset_parameters", None)
            if callable(reset) and layer is not module:
                reset()
        note = f"Student: {teacher.name}'s architecture at width {number:g}, freshly initialised."
    else:
        note = (f"Student: {teacher.name} with {number:.0%} of its channels pruned away, keeping "
                "the teacher's remaining weights.")
    return dataclasses.replace(
        teacher,
        name=f"{teacher.name}-student",
        module=module.train(),
        notes=[note],
    )


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
