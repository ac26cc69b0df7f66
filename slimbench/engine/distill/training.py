"""The distillation training loop, as one process of a (possibly) data-parallel run.

It runs inside the worker process (``slimbench.engine.distill.worker``) that ``launch`` starts,
alone or as one rank of ``torch.distributed.run``. Rank 0 alone scores, saves and reports;
every rank trains on its own shard of each epoch (``DistributedSampler``) and DDP averages the
gradients. The best student so far is always on disk (``best.pt``, written atomically) and the
full training state after each epoch (``last.pt``), so a crash or a Cancel loses at most the
epoch under way, and ``resume`` continues from ``last.pt``.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from slimbench.engine.distill.config import DistillConfig, DistillError
from slimbench.engine.distill.data import check_fits, load_distill_data
from slimbench.engine.distill.losses import StudentWithProjections, distillation_loss
from slimbench.engine.distill.students import build_student
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import output_tensor
from slimbench.engine.saving import atomic_write

BEST_FILE = "best.pt"
LAST_FILE = "last.pt"

Emit = Callable[[dict[str, Any]], None]


@dataclass
class Ranks:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def training_device(config: DistillConfig, ranks: Ranks) -> torch.device:
    if config.device == "cuda":
        if not torch.cuda.is_available():
            raise DistillError("--device cuda was asked for, but this machine has no CUDA GPU.")
        if ranks.local_rank >= torch.cuda.device_count():
            raise DistillError(
                f"Process {ranks.local_rank} needs a GPU of its own, but this machine has "
                f"{torch.cuda.device_count()}; use --nproc {torch.cuda.device_count()} or fewer."
            )
        return torch.device("cuda", ranks.local_rank)
    device = torch.device(config.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise DistillError(f"--device {config.device} was asked for, but there is no CUDA GPU.")
    return device


def _autocast_dtype(config: DistillConfig, device: torch.device) -> torch.dtype | None:
    if device.type != "cuda" or config.amp == "off":
        return None
    if config.amp == "fp16":
        return torch.float16
    if config.amp == "bf16" or torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float16



@torch.no_grad()
def _outputs(model: nn.Module, inputs: torch.Tensor, device: torch.device,
             batch_size: int = 512) -> torch.Tensor:
    was_training = model.training
    model.eval()
    parts = [output_tensor(model(inputs[i:i + batch_size].to(device))).float().cpu()
             for i in range(0, len(inputs), batch_size)]
    model.train(was_training)
    return torch.cat(parts) if parts else torch.empty(0)


def _scores(outputs: torch.Tensor, teacher_outputs: torch.Tensor,
            labels: torch.Tensor | None) -> dict[str, float | None]:
    predicted = outputs.argmax(-1)
    return {
        "accuracy": None if labels is None else (predicted == labels).float().mean().item(),
        "agreement": (predicted == teacher_outputs.argmax(-1)).float().mean().item(),
    }


def train_student(
    config: DistillConfig,
    teacher: ModelHandle,
    ranks: Ranks,
    emit: Emit,
) -> dict[str, Any]:
    """Distil ``teacher`` into the configured student; return a summary (rank 0's is complete).

    ``emit`` receives progress events (plain dicts); only rank 0 sends them.
    """
    config.validate()
    work_dir = Path(config.work_dir or ".")
    device = training_device(config, ranks)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    torch.manual_seed(config.seed)

    train, test = load_distill_data(config.data, teacher)
    check_fits(teacher, train)
    train, validation = train.split(config.validation_fraction, config.seed)
    labelled = train.labels is not None
    student = build_student(teacher, config.student, seed=config.seed)
    teacher_module = teacher.module.to(device).eval()
    for parameter in teacher_module.parameters():
        parameter.requires_grad_(False)
    wrapper = StudentWithProjections(
        student.module.to(device), teacher_module, config.feature_pairs,
        train.inputs[:2].to(device),
    ).to(device)
    wrapper.train()
    model: nn.Module = wrapper
    if ranks.world_size > 1:
        model = nn.parallel.DistributedDataParallel(
            wrapper, device_ids=[device.index] if device.type == "cuda" else None,
        )

    sampler = torch.utils.data.distributed.DistributedSampler(
        _Indexed(len(train)), num_replicas=ranks.world_size, rank=ranks.rank, shuffle=True,
        seed=config.seed, drop_last=ranks.world_size > 1,
    )
    workers = config.loader_workers
    if workers is None:
        workers = 2 if device.type == "cuda" else 0
    tensors = [train.inputs] + ([train.labels] if labelled else [])
    # batch_size is the global batch: each of N processes takes 1/N of it, so a run on N
    # processes takes the same optimizer steps as on one and reaches the same accuracy.
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*tensors),
        batch_size=math.ceil(config.batch_size / ranks.world_size), sampler=sampler,
        num_workers=workers,
        pin_memory=device.type == "cuda", persistent_workers=workers > 0, drop_last=False,
    )
    steps_per_epoch = len(loader)
    if config.max_steps_per_epoch is not None:
        steps_per_epoch = max(1, min(steps_per_epoch, config.max_steps_per_epoch))
    total_steps = max(1, config.epochs * steps_per_epoch)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=config.lr, total_steps=total_steps, pct_start=0.15,
    )
    autocast_dtype = _autocast_dtype(config, device)
    scaler = torch.amp.GradScaler("cuda", enabled=autocast_dtype == torch.float16)
    augment = config.augment if config.augment is not None else train.name == "digits"
    generator = torch.Generator().manual_seed(config.seed + 1000 * ranks.rank)

    # Rank 0 scores against the teacher's outputs, computed once.
    teacher_val = _outputs(teacher_module, validation.inputs, device) if ranks.is_main else None
    teacher_test = _outputs(teacher_module, test.inputs, device) if ranks.is_main else None
    teacher_scores = (_scores(teacher_test, teacher_test, test.labels)
                      if ranks.is_main and teacher_test is not None else {})

    history: list[dict[str, Any]] = []
    best = {"epoch": 0, "score": -math.inf}
    first_epoch = 1
    last_path, best_path = work_dir / LAST_FILE, work_dir / BEST_FILE
    if config.resume and last_path.is_file():
        state = torch.load(last_path, map_location=device, weights_only=True)
        if state.get("student_spec") != config.student or state.get("world_size_steps") != (
            ranks.world_size, steps_per_epoch
        ):
            raise DistillError(
                f"The checkpoint in {work_dir} is from a different run (another student, "
                "number of processes or batch size); start afresh without --resume."
            )
        wrapper.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, best = list(state["history"]), dict(state["best"])
        first_epoch = int(state["epoch"]) + 1
        generator.set_state(state["generator"])
        if ranks.is_main:
            emit({"event": "resumed", "epoch": first_epoch - 1})

    def save_best() -> None:
        from slimbench.engine.prune.saving import checkpoint_payload

        best_handle = _student_handle(student, wrapper)
        payload = checkpoint_payload(best_handle, sparse=False)
        atomic_write(best_path, lambda tmp: torch.save(payload, tmp))

    started = time.perf_counter()
    step = (first_epoch - 1) * steps_per_epoch
    stale = 0
    stop = first_epoch > config.epochs
    if history:
        stale = history[-1].get("stale_epochs", 0)
    for epoch in range(first_epoch, config.epochs + 1):
        if stop:
            break
        sampler.set_epoch(epoch)
        model.train()
        epoch_started = time.perf_counter()
        loss_sum = torch.zeros(2, dtype=torch.float64)
        for batch_index, batch in enumerate(loader):
            if batch_index >= steps_per_epoch:
                break
            step_started = time.perf_counter()
            inputs = batch[0]
            labels = batch[1] if labelled else None
            if augment and inputs.dim() == 4:
                from slimbench.engine.zoo.train import augment_digits

                inputs = augment_digits(inputs, generator)
            inputs = inputs.to(device, non_blocking=True)
            if labels is not None:
                labels = labels.to(device, non_blocking=True)
            autocast = (torch.autocast(device.type, dtype=autocast_dtype)
                        if autocast_dtype is not None else contextlib.nullcontext())
            with autocast:
                with torch.no_grad():
                    teacher_logits = output_tensor(teacher_module(inputs))
                logits = model(inputs)
                loss = distillation_loss(logits, teacher_logits, labels, alpha=config.alpha,
                                         temperature=config.temperature)
                features = wrapper.feature_loss(config.feature_loss)
                if features is not None:
                    loss = loss + config.feature_weight * features
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            step += 1
            value = float(loss.detach())
            if not math.isfinite(value):
                raise DistillError(
                    f"The training loss became {value} at epoch {epoch}; lower the learning "
                    f"rate (now {config.lr:g})."
                )
            loss_sum += torch.tensor([value * len(inputs), len(inputs)], dtype=torch.float64)
            if ranks.is_main:
                seconds = time.perf_counter() - step_started
                emit({"event": "step", "step": step, "total": total_steps, "epoch": epoch,
                      "loss": value, "lr": scheduler.get_last_lr()[0],
                      "samples_per_s": len(inputs) * ranks.world_size / max(seconds, 1e-9)})
        if ranks.world_size > 1:
            reduced = loss_sum.to(device) if device.type == "cuda" else loss_sum
            dist.all_reduce(reduced)
            loss_sum = reduced.cpu()
        train_loss = float(loss_sum[0] / max(1.0, float(loss_sum[1])))
        epoch_seconds = time.perf_counter() - epoch_started
        flag = torch.zeros(1, device=device if device.type == "cuda" else "cpu")
        if ranks.is_main:
            assert teacher_val is not None and teacher_test is not None
            val = _scores(_outputs(wrapper.student, validation.inputs, device), teacher_val,
                          validation.labels) if len(validation) else {}
            test_scores = _scores(_outputs(wrapper.student, test.inputs, device), teacher_test,
                                  test.labels)
            score = val.get("accuracy") if labelled else val.get("agreement")
            score = -train_loss if score is None else score
            improved = score > best["score"]
            if improved:
                best = {"epoch": epoch, "score": score}
                save_best()
                stale = 0
            else:
                stale += 1
            metrics = {
                "epoch": epoch,
                "train_loss": train_loss,
                "val_accuracy": val.get("accuracy"),
                "val_agreement": val.get("agreement"),
                "test_accuracy": test_scores["accuracy"],
                "test_agreement": test_scores["agreement"],
                "best_epoch": best["epoch"],
                "seconds": epoch_seconds,
                "samples_per_s": len(train) / max(epoch_seconds, 1e-9),
                "stale_epochs": stale,
            }
            history.append(metrics)
            state = {
                "model": wrapper.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch,
                "history": history,
                "best": best,
                "generator": generator.get_state(),
                "student_spec": config.student,
                "world_size_steps": (ranks.world_size, steps_per_epoch),
            }
            atomic_write(last_path, lambda tmp, state=state: torch.save(state, tmp))
            emit({"event": "epoch", "step": step, "total": total_steps, **metrics})
            if config.patience and stale >= config.patience and epoch < config.epochs:
                flag += 1
                emit({"event": "early_stop", "epoch": epoch,
                      "message": f"No better validation score for {stale} epochs."})
        if ranks.world_size > 1:
            dist.broadcast(flag, src=0)
        stop = bool(flag.item())
    wrapper.remove_hooks()
    return {
        "history": history,
        "best_epoch": int(best["epoch"]),
        "train_seconds": time.perf_counter() - started,
        "world_size": ranks.world_size,
        "best_path": str(best_path),
        "labelled": labelled,
        "teacher_test_accuracy": teacher_scores.get("accuracy"),
        "student_params": sum(p.numel() for p in wrapper.student.parameters()),
        "teacher_params": sum(p.numel() for p in teacher_module.parameters()),
        "student_notes": list(student.notes),
        "early_stopped": stop,
    }


class _Indexed(torch.utils.data.Dataset):
    """A length for DistributedSampler, which only needs ``len``."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> int:
        return index


def _student_handle(student: ModelHandle, wrapper: StudentWithProjections) -> ModelHandle:
    import copy
    import dataclasses

    module = copy.deepcopy(wrapper.student).cpu().eval()
    return dataclasses.replace(student, module=module)
