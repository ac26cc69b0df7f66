"""Labelled (or unlabelled) evaluation data attached to a model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class TensorDataset:
    """Inputs (one tensor per sample along dim 0) and optional integer class labels.

    `name` says where the data came from (a zoo dataset name, or a file path).
    """

    name: str
    inputs: torch.Tensor
    labels: torch.Tensor | None = None
    classes: int | None = None

    def __post_init__(self) -> None:
        if self.labels is not None and len(self.labels) != len(self.inputs):
            raise ValueError(
                f"{self.name}: {len(self.inputs)} inputs but {len(self.labels)} labels"
            )

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def has_labels(self) -> bool:
        return self.labels is not None

    def batches(self, batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        for start in range(0, len(self.inputs), batch_size):
            stop = start + batch_size
            labels = None if self.labels is None else self.labels[start:stop]
            yield self.inputs[start:stop], labels

    def split(self, fraction: float, seed: int = 0) -> tuple[TensorDataset, TensorDataset]:
        """(rest, held out): a seeded random ``fraction`` of the samples held out (at least one
        and never all of them when ``fraction`` > 0; none when it is 0)."""
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))
        count = min(len(self) - 1, max(1, round(fraction * len(self)))) if fraction > 0 else 0

        def take(index: torch.Tensor) -> TensorDataset:
            labels = None if self.labels is None else self.labels[index]
            return TensorDataset(self.name, self.inputs[index], labels, self.classes)

        return take(order[count:]), take(order[:count])

    def subset(self, count: int) -> TensorDataset:
        labels = None if self.labels is None else self.labels[:count]
        return TensorDataset(self.name, self.inputs[:count], labels, self.classes)
