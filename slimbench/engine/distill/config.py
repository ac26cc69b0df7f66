"""What a distillation run is asked to do, and what it hands back.

The config is plain data (it travels to the training processes as JSON), so every field is a
string, number, bool, list or None.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from slimbench.engine.errors import SlimbenchError
from slimbench.engine.loading import ModelHandle

FEATURE_LOSSES = ("mse", "cosine")


class DistillError(SlimbenchError):
    """Distillation cannot be done as asked; the teacher and saved files are unchanged."""


@dataclass
class DistillConfig:
    """The student, the data, the loss and the training recipe.

    ``student`` is ``zoo:NAME`` (a zoo architecture, freshly initialised), ``width:W`` (the
    teacher's architecture with every prunable layer at W times its width, freshly initialised)
    or ``pruned:R`` (the teacher with a fraction R of its channels removed by structured
    pruning, keeping the teacher's remaining weights: "prune, then distil").

    Loss = ``alpha * T^2 * KL(teacher/T || student/T) + (1 - alpha) * cross-entropy`` (the
    hard term only where there are labels) ``+ feature_weight * feature loss`` over
    ``feature_pairs`` (``"teacher.path=student.path"``; a learned linear projection maps the
    student's width to the teacher's where they differ).
    """

    student: str = "width:0.5"
    #: ``zoo:NAME`` / a zoo data set name, a ``.pt`` file, a folder of ``.pt`` files or a CSV;
    #: None: the teacher's own data set.
    data: str | None = None
    epochs: int = 10
    #: The global batch: with N processes each one takes batch_size / N samples per step.
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    temperature: float = 4.0
    alpha: float = 0.7
    feature_pairs: list[str] = field(default_factory=list)
    feature_loss: str = "mse"
    feature_weight: float = 1.0
    #: Stop after this many epochs without a better validation score (0: never stop early).
    patience: int = 5
    validation_fraction: float = 0.1
    #: Random rotations/shifts for the digits images (None: on for the digits data set).
    augment: bool | None = None
    #: Cap on optimizer steps per epoch (None: the whole training split).
    max_steps_per_epoch: int | None = None
    seed: int = 0
    #: "cpu", "cuda" (one GPU per process) or "cuda:N" (single process only).
    device: str = "cpu"
    #: Mixed precision on CUDA: "auto" (bf16 where supported, else fp16), "bf16", "fp16", "off".
    amp: str = "auto"
    #: DataLoader worker processes (None: 2 on CUDA, where they overlap the copies with
    #: compute; 0 on CPU, where the data is in memory and workers would take the cores).
    loader_workers: int | None = None
    #: Data-parallel processes on this machine, and machines taking part.
    nproc: int = 1
    nnodes: int = 1
    node_rank: int = 0
    rdzv_endpoint: str | None = None
    rdzv_id: str = "slimbench-distill"
    #: Threads per process on CPU (None: the cores divided among the processes).
    threads: int | None = None
    #: Where checkpoints, the teacher copy and the run's log live (None: a temporary folder).
    work_dir: str | None = None
    resume: bool = False
    #: How long a process group waits for a peer before failing, in seconds.
    timeout_s: float = 300.0
    #: Training processes lower their scheduling priority (the window sets this: its event
    #: loop must get a core the moment it needs one; training still takes every idle cycle).
    background: bool = False
    #: The runtime the teacher and the student are timed on afterwards: eager, compiled
    #: (both torch.compiled) or onnxruntime (both exported to ONNX); None is eager. A model
    #: that cannot run there is measured, with the other, on the next runtime that works.
    runtime: str | None = None

    def __post_init__(self) -> None:
        self.feature_pairs = [str(pair) for pair in self.feature_pairs]
        if self.runtime is not None:
            self.runtime = str(self.runtime).strip().lower()
        self.feature_loss = self.feature_loss.strip().lower()
        self.amp = self.amp.strip().lower()

    def validate(self) -> None:
        if self.epochs < 1:
            raise DistillError("Distillation needs at least one epoch.")
        if self.batch_size < 1 or self.lr <= 0:
            raise DistillError("Distillation needs a batch size of at least 1 and a positive lr.")
        if not 0.0 <= self.alpha <= 1.0 or self.temperature <= 0:
            raise DistillError("Distillation needs alpha in [0, 1] and a positive temperature.")
        if self.feature_loss not in FEATURE_LOSSES:
            raise DistillError(
                f"Unknown feature loss '{self.feature_loss}'; use one of "
                f"{', '.join(FEATURE_LOSSES)}."
            )
        for pair in self.feature_pairs:
            if pair.count("=") != 1 or not all(pair.split("=")):
                raise DistillError(
                    f"A feature pair is TEACHER_LAYER=STUDENT_LAYER (e.g. stages.1=stages.1), "
                    f"not {pair!r}."
                )
        if self.amp not in ("auto", "bf16", "fp16", "off"):
            raise DistillError(f"amp is auto, bf16, fp16 or off, not {self.amp!r}.")
        if self.nproc < 1 or self.nnodes < 1:
            raise DistillError("--nproc and --nnodes must be at least 1.")
        if not 0 <= self.node_rank < self.nnodes:
            raise DistillError(
                f"--node-rank must be between 0 and {self.nnodes - 1} for {self.nnodes} machines."
            )
        if self.nnodes > 1 and not self.rdzv_endpoint:
            raise DistillError(
                "Several machines meet at a rendezvous endpoint: give --rdzv-endpoint HOST:PORT "
                "(the first machine's address, reachable from every other one)."
            )
        if self.batch_size < self.world_size:
            raise DistillError(
                f"The batch size ({self.batch_size}) is shared among {self.world_size} "
                "processes: make it at least as large as the number of processes."
            )
        if not 0.0 <= self.validation_fraction < 1.0:
            raise DistillError("The validation fraction must be at least 0 and below 1.")
        if self.patience < 0:
            raise DistillError("patience must be 0 (never stop early) or more epochs.")
        if self.nproc > 1 and self.device.startswith("cuda:"):
            raise DistillError(
                "With several processes each one takes its own GPU: give --device cuda, not "
                f"{self.device}."
            )
        if self.runtime is not None:
            from slimbench.engine.runtimes.availability import RUNTIMES

            if self.runtime not in RUNTIMES:
                raise DistillError(f"Unknown runtime '{self.runtime}'; choose one of "
                                   f"{', '.join(RUNTIMES)}.")

    @property
    def world_size(self) -> int:
        return self.nproc * self.nnodes

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DistillConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DistillError(f"Unknown distillation option(s): {', '.join(unknown)}.")
        return cls(**data)


@dataclass
class DistillResult:
    """The best student, its METRICS next to the teacher's, and the training record."""

    #: None on a machine of a several-machine run that did not take rank 0.
    handle: ModelHandle | None
    output: Path | None
    before: dict[str, Any]
    after: dict[str, Any]
    history: list[dict[str, Any]]
    best_epoch: int
    params_ratio: float
    train_seconds: float
    world_size: int
    command: list[str]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "output": None if self.output is None else str(self.output),
            "before": self.before,
            "after": self.after,
            "notes": list(self.notes),
            # The runtime that timed teacher and student (config.runtime asked for it).
            "runtime": self.after.get("runtime"),
            "history": self.history,
            "best_epoch": self.best_epoch,
            "params_ratio": self.params_ratio,
            "train_seconds": self.train_seconds,
            "world_size": self.world_size,
            "command": list(self.command),
        }
