"""Recovery: fine-tune a pruned model on its data, optionally distilling from the original.

The best checkpoint is chosen on a validation slice held out of the training data, never on the
test split, so the test accuracy reported stays honest (as in ``zoo.train``). Epoch 0 (the model
as it came) is a candidate too: recovery never hands back something worse than its input.

Cancel: a job that is closed cannot return a value, so the best model so far is kept where the
caller can reach it whenever it improves: ``on_improved(handle, metrics)`` is called with a new
handle of the best model, and ``checkpoint_path`` (when given) is rewritten atomically with it
(in ``prune.saving``'s format, which records the pruned architecture).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from slimbench.engine.data import TensorDataset
from slimbench.engine.errors import DatasetError
from slimbench.engine.jobs import Job, Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import output_tensor, thread_count
from slimbench.engine.module_state import evaluation_mode
from slimbench.engine.prune.config import PruneError
from slimbench.engine.prune.metrics import with_module


@dataclass
class RecoveryConfig:
    """Fine-tuning recipe. ``alpha`` weighs the distillation term when there is a teacher:
    loss = alpha * T^2 * KL(teacher/T || student/T) + (1 - alpha) * cross-entropy."""

    epochs: int = 5
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 64
    temperature: float = 4.0
    alpha: float = 0.7
    #: Random rotations/shifts for the digits images (None: on for the digits data set).
    augment: bool | None = None
    #: Cap on optimizer steps per epoch (None: the whole training split each epoch).
    max_steps_per_epoch: int | None = None
    validation_fraction: float = 0.1
    #: Test-split samples evaluated after each epoch (None: all).
    eval_samples: int | None = None
    #: Keep zeroed weights at zero (unstructured/2:4 results stay as sparse as they were).
    keep_sparsity: bool = True
    channels_last: bool | None = None
    checkpoint_path: str | Path | None = None
    seed: int = 0
    threads: int | None = None
    #: Training data; None: the train split of the model's zoo data set.
    train_data: TensorDataset | None = None


@dataclass
class RecoveryResult:
    handle: ModelHandle
    history: list[dict[str, Any]]
    best_epoch: int
    accuracy_before: float | None
    accuracy_after: float | None
    teacher_accuracy: float | None
    checkpoint_path: Path | None
    seconds: float
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "history": self.history,
            "best_epoch": self.best_epoch,
            "accuracy_before": self.accuracy_before,
            "accuracy_after": self.accuracy_after,
            "teacher_accuracy": self.teacher_accuracy,
            "checkpoint_path": None if self.checkpoint_path is None else str(self.checkpoint_path),
            "seconds": self.seconds,
            "notes": list(self.notes),
        }


def training_data(handle: ModelHandle) -> TensorDataset | None:
    """The train split of the handle's zoo data set, else the handle's own data (or None)."""
    data = handle.data
    if data is None:
        return None
    from slimbench.engine import zoo

    try:
        return zoo.load_dataset(data.name, "train")
    except DatasetError:
        return data


@torch.no_grad()
def evaluate(model: nn.Module, data: TensorDataset, batch_size: int = 500) -> float | None:
    """Top-1 accuracy, in eval mode, restoring each submodule's mode afterwards."""
    if data.labels is None or len(data) == 0:
        return None
    correct = 0
    with evaluation_mode(model):
        for inputs, labels in data.batches(batch_size):
            correct += int((output_tensor(model(inputs)).argmax(-1) == labels).sum())
    return correct / len(data)



def _sparsity_masks(model: nn.Module) -> dict[nn.Parameter, torch.Tensor]:
    masks = {}
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if not isinstance(weight, nn.Parameter) or type(weight.data) is not torch.Tensor:
            continue
        if weight.dim() < 2:
            continue
        mask = weight.detach() != 0
        if mask.float().mean().item() < 0.95:
            masks[weight] = mask
    return masks


def recover_job(
    handle: ModelHandle,
    teacher: ModelHandle | None = None,
    config: RecoveryConfig | None = None,
    *,
    on_improved: Callable[[ModelHandle, dict[str, Any]], None] | None = None,
    **options: Any,
) -> Job[RecoveryResult]:
    """Fine-tune a copy of ``handle``'s model (``options`` override ``config`` fields).

    Yields Progress per step (metrics ``epoch`` and ``loss``); after each epoch its metrics
    hold ``epoch``, ``train_loss``, ``val_accuracy``, ``test_accuracy`` and ``best_epoch``
    (epoch 0, the model as it came, without ``train_loss``). Returns the best model found.
    """
    config = config or RecoveryConfig()
    known = {f.name for f in fields(RecoveryConfig)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise PruneError(f"Unknown recovery option(s): {', '.join(unknown)}.")
    config = replace(config, **options)
    if config.epochs < 0 or config.lr <= 0 or config.batch_size < 1:
        raise PruneError("Recovery needs epochs >= 0, a positive lr and batch size.")
    if not 0.0 <= config.alpha <= 1.0 or config.temperature <= 0:
        raise PruneError("Distillation needs alpha in [0, 1] and a positive temperature.")
    from slimbench.engine.prune.metrics import has_semi_structured

    if has_semi_structured(handle.module):
        raise PruneError(
            "A 2:4 model cannot be fine-tuned in its compressed form; fine-tune the dense model "
            "with unstructured pruning first, then make it 2:4."
        )
    started = time.perf_counter()
    notes: list[str] = []
    train = config.train_data or training_data(handle)
    if train is None or len(train) < 2:
        raise DatasetError(
            f"Recovery fine-tuning needs training data for {handle.name}; give a data set "
            "(a zoo model brings its own)."
        )
    if train.labels is None and teacher is None:
        raise DatasetError(
            f"The data {train.name} has no labels, so recovery needs the original model as a "
            "distillation teacher."
        )
    if handle.data is not None and train is handle.data:
        notes.append(
            "Fine-tuned on the evaluation data itself (no separate training split was found): "
            "its accuracy is no longer an honest estimate."
        )
    train, validation = train.split(config.validation_fraction, config.seed)
    test = handle.data
    if test is not None and config.eval_samples is not None:
        test = test.subset(config.eval_samples)
    alpha = config.alpha if teacher is not None else 0.0
    if teacher is not None and train.labels is None:
        alpha = 1.0

    with thread_count(config.threads):
        model = copy.deepcopy(handle.module)
        for parameter in model.parameters():
            if parameter.is_floating_point():
                parameter.requires_grad_(True)
        has_conv = any(isinstance(m, nn.Conv2d) for m in model.modules())
        channels_last = has_conv if config.channels_last is None else config.channels_last
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        augment = config.augment if config.augment is not None else train.name == "digits"
        masks = _sparsity_masks(model) if config.keep_sparsity else {}
        if masks:
            notes.append(f"Zeroed weights of {len(masks)} layers were kept at zero.")

        steps_per_epoch = math.ceil(len(train) / config.batch_size)
        if config.max_steps_per_epoch is not None:
            steps_per_epoch = max(1, min(steps_per_epoch, config.max_steps_per_epoch))
        total = max(1, config.epochs * steps_per_epoch)
        optimizer = torch.optim.AdamW(
            [p for p in model.parameters() if p.requires_grad],
            lr=config.lr, weight_decay=config.weight_decay,
        )
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, total_steps=total, pct_start=0.1
        )
        generator = torch.Generator().manual_seed(config.seed)

        def score(epoch: int, train_loss: float | None) -> dict[str, Any]:
            return {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_accuracy": evaluate(model, validation) if len(validation) else None,
                "test_accuracy": evaluate(model, test) if test is not None else None,
            }

        yield Progress(0, total, "Scoring the pruned model before fine-tuning")
        first = score(0, None)
        history = [first]
        teacher_accuracy = (
            evaluate(teacher.module, test) if teacher is not None and test is not None else None
        )
        best = {"epoch": 0, "val": first["val_accuracy"] or 0.0,
                "state": copy.deepcopy(model.state_dict())}
        # Epoch 0 (the model as it came) starts the accuracy curves; no train_loss key, so
        # it is not mistaken for the end of a training epoch.
        yield Progress(0, total, "Scored the pruned model before fine-tuning",
                       {"epoch": 0, "val_accuracy": first["val_accuracy"],
                        "test_accuracy": first["test_accuracy"], "best_epoch": 0})
        checkpoint = Path(config.checkpoint_path) if config.checkpoint_path else None

        def keep_best(metrics: dict[str, Any]) -> None:
            best.update(epoch=metrics["epoch"], val=metrics["val_accuracy"] or 0.0,
                        state=copy.deepcopy(model.state_dict()))
            best_handle = _best_handle(handle, model, best["state"], channels_last)
            if checkpoint is not None:
                from slimbench.engine.prune.saving import save_pruned

                save_pruned(best_handle, checkpoint)
            if on_improved is not None:
                on_improved(best_handle, dict(metrics))

        step = 0
        for epoch in range(1, config.epochs + 1):
            model.train()
            order = torch.randperm(len(train), generator=generator)
            loss_sum, seen = 0.0, 0
            for batch_index in range(steps_per_epoch):
                index = order[batch_index * config.batch_size:(batch_index + 1) * config.batch_size]
                if len(index) == 0:
                    break
                inputs = train.inputs[index]
                labels = None if train.labels is None else train.labels[index]
                if augment and inputs.dim() == 4:
                    from slimbench.engine.zoo.train import augment_digits

                    inputs = augment_digits(inputs, generator)
                if channels_last and inputs.dim() == 4:
                    inputs = inputs.contiguous(memory_format=torch.channels_last)
                logits = output_tensor(model(inputs))
                loss = _loss(logits, labels, teacher, inputs, alpha, config.temperature)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                if masks:
                    with torch.no_grad():
                        for parameter, mask in masks.items():
                            parameter.mul_(mask)
                step += 1
                loss_sum += loss.item() * len(index)
                seen += len(index)
                yield Progress(step, total, f"Epoch {epoch}/{config.epochs}",
                               {"epoch": epoch, "loss": loss.item()})
            metrics = score(epoch, loss_sum / max(1, seen))
            history.append(metrics)
            if (metrics["val_accuracy"] or 0.0) > best["val"] or not len(validation):
                keep_best(metrics)
            metrics["best_epoch"] = best["epoch"]
            yield Progress(step, total, f"Epoch {epoch}/{config.epochs} done", dict(metrics))

    result_handle = _best_handle(handle, model, best["state"], channels_last)
    best_metrics = history[int(best["epoch"])]
    notes.append(
        f"Best epoch {best['epoch']} of {config.epochs} by validation accuracy (held out of the "
        "training data); test accuracy "
        f"{_percent(first['test_accuracy'])} -> {_percent(best_metrics['test_accuracy'])}"
        + (f" (teacher {_percent(teacher_accuracy)})." if teacher is not None else ".")
    )
    return RecoveryResult(
        handle=result_handle,
        history=history,
        best_epoch=int(best["epoch"]),
        accuracy_before=first["test_accuracy"],
        accuracy_after=best_metrics["test_accuracy"],
        teacher_accuracy=teacher_accuracy,
        checkpoint_path=checkpoint if checkpoint is not None and checkpoint.exists() else None,
        seconds=time.perf_counter() - started,
        notes=notes,
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _loss(
    logits: torch.Tensor,
    labels: torch.Tensor | None,
    teacher: ModelHandle | None,
    inputs: torch.Tensor,
    alpha: float,
    temperature: float,
) -> torch.Tensor:
    loss = logits.new_zeros(())
    if labels is not None and alpha < 1.0:
        loss = loss + (1.0 - alpha) * F.cross_entropy(logits, labels)
    if teacher is not None and alpha > 0.0:
        with torch.no_grad(), evaluation_mode(teacher.module):
            target = output_tensor(teacher.module(inputs.contiguous()))
        loss = loss + alpha * temperature**2 * F.kl_div(
            F.log_softmax(logits / temperature, dim=-1),
            F.softmax(target / temperature, dim=-1),
            reduction="batchmean",
        )
    return loss


def _best_handle(
    handle: ModelHandle, model: nn.Module, state: dict[str, torch.Tensor], channels_last: bool
) -> ModelHandle:
    best = copy.deepcopy(model)
    best.load_state_dict(state)
    if channels_last:
        best = best.to(memory_format=torch.contiguous_format)
    return with_module(handle, best.eval(), name=f"{handle.name}-recovered",
                       notes=[*handle.notes, "Recovered by fine-tuning."])
