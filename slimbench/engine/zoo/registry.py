"""The built-in models: what each one is, how to build it, where its weights and scores live."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from slimbench.engine.errors import InputSpecError, ModelLoadError
from slimbench.engine.zoo import models
from slimbench.engine.zoo.catalog import CATALOG, MANIFEST_PATH, ZOO_DIR, manifest
from slimbench.engine.zoo.datasets import load_dataset

__all__ = ["MANIFEST_PATH", "ZOO", "ZOO_DIR", "ZooEntry", "build_model", "get_entry", "manifest"]


@dataclass(frozen=True)
class ZooEntry:
    """One built-in model: its architecture, data set, input format and weights file."""

    name: str
    family: str  # "mlp", "cnn" or "transformer"
    task: str
    dataset: str
    description: str
    model_class: type[nn.Module]
    model_args: dict[str, Any] = field(hash=False)
    input_shape: tuple[int, ...]  # per sample, without the batch dimension
    input_dtype: torch.dtype
    weights_file: Path

    @property
    def accuracy(self) -> float | None:
        """Test-split accuracy (0..1) recorded by the training script; None before training."""
        value = manifest().get(self.name, {}).get("accuracy")
        return None if value is None else float(value)

    @property
    def params_total(self) -> int | None:
        """Parameter count recorded by the training script; None before training."""
        value = manifest().get(self.name, {}).get("params_total")
        return None if value is None else int(value)

    def build(self, pretrained: bool = True) -> nn.Module:
        """Same as ``build_model(entry.name, pretrained)``."""
        model = self.model_class(**self.model_args)
        if pretrained:
            if not self.weights_file.is_file():
                raise ModelLoadError(
                    f"The weights of zoo model {self.name} are missing at {self.weights_file}; "
                    f"run python -m slimbench.engine.zoo.train --only {self.name}."
                )
            try:
                state = torch.load(self.weights_file, map_location="cpu", weights_only=True)
                model.load_state_dict(state)
            except Exception as exc:  # any unreadable or mismatched file is the same user problem
                raise ModelLoadError(
                    f"The weights file {self.weights_file} of zoo model {self.name} cannot be "
                    f"loaded ({type(exc).__name__}); retrain it with "
                    f"python -m slimbench.engine.zoo.train --only {self.name}."
                ) from exc
        return model.eval()

    def example_inputs(self, batch_size: int = 1) -> tuple[torch.Tensor]:
        """The first ``batch_size`` samples of the test split, as a tuple of positional args.

        Real samples, not random ones, so that measurements see realistic activations. A batch
        larger than the test split repeats its samples in order.
        """
        if batch_size < 1:
            raise InputSpecError(f"The batch size must be at least 1, not {batch_size}.")
        inputs = load_dataset(self.dataset, "test").inputs
        index = torch.arange(batch_size) % len(inputs)
        return (inputs[index].to(self.input_dtype).contiguous(),)


ZOO: dict[str, ZooEntry] = {
    item.name: ZooEntry(
        name=item.name,
        family=item.family,
        task=item.task,
        dataset=item.dataset,
        description=item.description,
        model_class=getattr(models, item.model_class),
        model_args=dict(item.model_args),
        input_shape=item.input_shape,
        input_dtype=getattr(torch, item.input_dtype),
        weights_file=item.weights_file,
    )
    for item in CATALOG
}


def get_entry(name: str) -> ZooEntry:
    """The zoo entry called ``name``; a ``zoo:`` prefix is accepted."""
    key = name.removeprefix("zoo:")
    entry = ZOO.get(key)
    if entry is None:
        raise ModelLoadError(
            f"Unknown zoo model {name!r}; the built-in models are {', '.join(ZOO)}."
        )
    return entry


def build_model(name: str, pretrained: bool = True) -> nn.Module:
    """Build zoo model ``name`` in eval mode, with its trained weights unless ``pretrained=False``.

    The weights are read with ``weights_only=True``: they are plain tensors, never pickled code.
    """
    return get_entry(name).build(pretrained)
