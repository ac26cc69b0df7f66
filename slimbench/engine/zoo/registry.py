"""The built-in models: what each one is, how to build it, where its weights and scores live."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from slimbench.engine.errors import InputSpecError, ModelLoadError
from slimbench.engine.zoo.datasets import load_dataset
from slimbench.engine.zoo.models import CancerMLP, DigitsMLP, DigitsResNet, MajorityTransformer

__all__ = ["MANIFEST_PATH", "ZOO", "ZOO_DIR", "ZooEntry", "build_model", "get_entry", "manifest"]

# Resolved from this file rather than the working directory, so a frozen app finds it too.
ZOO_DIR = Path(__file__).resolve().parents[2] / "resources" / "zoo"
MANIFEST_PATH = ZOO_DIR / "manifest.json"


def manifest() -> dict[str, dict[str, Any]]:
    """The training script's record of each model (accuracy, params_total, epochs, ...).

    Read afresh on every call: it is a few hundred bytes, and a cache would go stale when the
    training script rewrites it in the same process.
    """
    if not MANIFEST_PATH.is_file():
        return {}
    try:
        return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"The zoo manifest {MANIFEST_PATH} cannot be read: {exc}.") from exc


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
    entry.name: entry
    for entry in (
        ZooEntry(
            name="mlp-digits",
            family="mlp",
            task="handwritten digit recognition",
            dataset="digits",
            description=(
                "Recognises which digit, 0 to 9, is written in a tiny 8 by 8 pixel image, "
                "using only fully connected layers."
            ),
            model_class=DigitsMLP,
            model_args={"in_features": 64, "hidden": 1024, "depth": 3, "classes": 10},
            input_shape=(1, 8, 8),
            input_dtype=torch.float32,
            weights_file=ZOO_DIR / "mlp-digits.pt",
        ),
        ZooEntry(
            name="resnet-digits",
            family="cnn",
            task="handwritten digit recognition",
            dataset="digits",
            description=(
                "Recognises which digit, 0 to 9, is written in a tiny 8 by 8 pixel image, "
                "using a small image network that looks at neighbouring pixels together."
            ),
            model_class=DigitsResNet,
            model_args={"classes": 10, "widths": [64, 128, 256], "blocks_per_stage": 2},
            input_shape=(1, 8, 8),
            input_dtype=torch.float32,
            weights_file=ZOO_DIR / "resnet-digits.pt",
        ),
        ZooEntry(
            name="transformer-majority",
            family="transformer",
            task="most frequent token in a sequence",
            dataset="majority",
            description=(
                "Reads a list of 32 numbers between 1 and 10 and says which number appears "
                "most often, using the same building blocks as language models."
            ),
            model_class=MajorityTransformer,
            model_args={
                "vocab": 12,
                "seq_len": 32,
                "d_model": 192,
                "heads": 6,
                "layers": 4,
                "ff": 768,
                "classes": 10,
            },
            input_shape=(32,),
            input_dtype=torch.int64,
            weights_file=ZOO_DIR / "transformer-majority.pt",
        ),
        ZooEntry(
            name="mlp-cancer",
            family="mlp",
            task="breast tumour diagnosis",
            dataset="breast-cancer",
            description=(
                "Tells from 30 measurements of cells in a breast tissue sample whether a "
                "tumour is malignant or benign."
            ),
            model_class=CancerMLP,
            model_args={"in_features": 30, "hidden": 1024, "classes": 2, "dropout": 0.5},
            input_shape=(30,),
            input_dtype=torch.float32,
            weights_file=ZOO_DIR / "mlp-cancer.pt",
        ),
    )
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
