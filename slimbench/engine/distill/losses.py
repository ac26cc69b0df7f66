"""Distillation losses: Hinton's soft-target loss, the hard-label loss, and feature matching.

Feature matching compares a teacher layer's output with a student layer's. Where their widths
differ (a narrower student), a learned projection (a 1x1 convolution for image feature maps,
a linear layer otherwise) maps the student's features to the teacher's width. The projections
train with the student and live in :class:`StudentWithProjections`, so data-parallel training
keeps them in step across processes like any other weight.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from slimbench.engine.distill.config import DistillError
from slimbench.engine.measure import output_tensor


def soft_target_loss(
    student: torch.Tensor, teacher: torch.Tensor, temperature: float
) -> torch.Tensor:
    """T^2 * KL(teacher_T || student_T): the T^2 keeps gradients comparable across T."""
    return temperature**2 * F.kl_div(
        F.log_softmax(student.float() / temperature, dim=-1),
        F.softmax(teacher.float() / temperature, dim=-1),
        reduction="batchmean",
    )


def distillation_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    labels: torch.Tensor | None,
    *,
    alpha: float,
    temperature: float,
) -> torch.Tensor:
    """alpha * soft loss + (1 - alpha) * cross-entropy; pure soft loss without labels."""
    if labels is None:
        return soft_target_loss(student, teacher, temperature)
    loss = (1.0 - alpha) * F.cross_entropy(student.float(), labels)
    if alpha > 0:
        loss = loss + alpha * soft_target_loss(student, teacher, temperature)
    return loss


def feature_distance(student: torch.Tensor, teacher: torch.Tensor, kind: str) -> torch.Tensor:
    student, teacher = student.float(), teacher.float()
    if kind == "cosine":
        return (1.0 - F.cosine_similarity(student.flatten(1), teacher.flatten(1), dim=1)).mean()
    return F.mse_loss(student, teacher)


def _channel_dim(tensor: torch.Tensor) -> int:
    """Feature width: channels of an image map (N, C, H, W), else the last dimension."""
    return 1 if tensor.dim() == 4 else -1


class _Capture:
    def __init__(self) -> None:
        self.value: torch.Tensor | None = None

    def __call__(self, _module: nn.Module, _inputs: Any, output: Any) -> None:
        self.value = output_tensor(output)


class StudentWithProjections(nn.Module):
    """The student plus one projection per feature pair; ``forward`` returns the student's
    logits and records the projected student features and the teacher's features."""

    def __init__(
        self,
        student: nn.Module,
        teacher: nn.Module,
        pairs: list[str],
        sample: torch.Tensor,
    ) -> None:
        super().__init__()
        self.student = student
        self.pairs = [tuple(pair.split("=")) for pair in pairs]
        self.projections = nn.ModuleDict()
        self._teacher_captures: list[_Capture] = []
        self._student_captures: list[_Capture] = []
        self._hooks = []
        for teacher_path, student_path in self.pairs:
            for model, path, role in ((teacher, teacher_path, "teacher"),
                                      (student, student_path, "student")):
                try:
                    model.get_submodule(path)
                except AttributeError:
                    raise DistillError(
                        f"The {role} has no layer called {path!r} to match features on."
                    ) from None
            teacher_capture, student_capture = _Capture(), _Capture()
            self._hooks.append(teacher.get_submodule(teacher_path)
                               .register_forward_hook(teacher_capture))
            self._hooks.append(student.get_submodule(student_path)
                               .register_forward_hook(student_capture))
            self._teacher_captures.append(teacher_capture)
            self._student_captures.append(student_capture)
        if self.pairs:
            self._build_projections(teacher, sample)

    def _build_projections(self, teacher: nn.Module, sample: torch.Tensor) -> None:
        was_training = self.student.training
        with torch.no_grad():
            teacher.eval()
            teacher(sample)
            self.student.eval()
            self.student(sample)
        self.student.train(was_training)
        for index, (teacher_path, student_path) in enumerate(self.pairs):
            wanted = self._teacher_captures[index].value
            got = self._student_captures[index].value
            if wanted is None or got is None:
                raise DistillError(
                    f"The layers {teacher_path} / {student_path} did not run on the inputs."
                )
            if wanted.dim() != got.dim() or (
                wanted.dim() == 4 and wanted.shape[2:] != got.shape[2:]
            ) or (wanted.dim() == 3 and wanted.shape[1] != got.shape[1]):
                raise DistillError(
                    f"Features of {teacher_path} {list(wanted.shape[1:])} and {student_path} "
                    f"{list(got.shape[1:])} differ in more than their width; pick layers whose "
                    "outputs have the same layout."
                )
            dim = _channel_dim(wanted)
            width_in, width_out = got.shape[dim], wanted.shape[dim]
            key = str(index)
            if width_in == width_out:
                self.projections[key] = nn.Identity()
            elif wanted.dim() == 4:
                self.projections[key] = nn.Conv2d(width_in, width_out, 1, bias=False)
            else:
                self.projections[key] = nn.Linear(width_in, width_out, bias=False)
            self._teacher_captures[index].value = None
            self._student_captures[index].value = None

    def forward(self, *inputs: Any) -> torch.Tensor:
        return output_tensor(self.student(*inputs))

    def feature_loss(self, kind: str) -> torch.Tensor | None:
        """Mean distance over the pairs captured by the last teacher and student forwards."""
        if not self.pairs:
            return None
        total = None
        for index in range(len(self.pairs)):
            wanted = self._teacher_captures[index].value
            got = self._student_captures[index].value
            if wanted is None or got is None:
                continue
            projected = self.projections[str(index)](
                got if got.dim() != 4 else got.contiguous()
            )
            distance = feature_distance(projected, wanted.detach(), kind)
            total = distance if total is None else total + distance
        return None if total is None else total / len(self.pairs)

    def remove_hooks(self) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks = []
