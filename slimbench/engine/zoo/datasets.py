"""Built-in data sets of the model zoo: small, bundled or synthetic, never downloaded.

``digits`` and ``breast-cancer`` are copies of scikit-learn's data sets, derived once by
``derive_data.py`` into ``slimbench/resources/data`` (sources and licences in LICENSES.md there),
so that Slimbench runs without scikit-learn. ``majority`` is generated from a fixed seed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from slimbench.engine.data import TensorDataset
from slimbench.engine.errors import DatasetError

__all__ = ["DATA_DIR", "SPLITS", "list_datasets", "load_dataset"]

# Resolved from this file rather than the working directory, so a frozen app finds it too.
DATA_DIR = Path(__file__).resolve().parents[2] / "resources" / "data"
SPLITS = ("train", "test")

MAJORITY_SEQ_LEN = 32
MAJORITY_TOKENS = 10  # tokens 1..10; 0 stays free for padding
MAJORITY_SIZES = {"train": 20000, "test": 4000}
MAJORITY_SEEDS = {"train": 20240, "test": 20241}
MAJORITY_LEADS = (1, 2, 3)


@dataclass(frozen=True)
class _Info:
    task: str
    samples: int
    classes: int
    source: str
    licence: str
    split_sizes: dict[str, int]
    loader: Callable[[str], tuple[torch.Tensor, torch.Tensor]]


def _read_npz(filename: str) -> dict[str, np.ndarray]:
    path = DATA_DIR / filename
    if not path.is_file():
        raise DatasetError(
            f"The bundled data file {path} is missing; reinstall Slimbench or run "
            "python -m slimbench.engine.zoo.derive_data."
        )
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


@functools.cache
def _digits(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    data = _read_npz("digits.npz")
    index = data[f"{split}_index"]
    # Pixels are counts 0..16; dividing by 16 puts them in [0, 1].
    pixels = torch.from_numpy(data["pixels"][index].astype(np.float32) / 16.0)
    labels = torch.from_numpy(data["labels"][index].astype(np.int64))
    return pixels.unsqueeze(1).contiguous(), labels


@functools.cache
def _breast_cancer(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    data = _read_npz("breast_cancer.npz")
    features = data["features"]
    # Standardize with the train split's statistics only, so nothing leaks from the test split.
    train = features[data["train_index"]]
    mean, std = train.mean(axis=0), train.std(axis=0)
    chosen = (features[data[f"{split}_index"]] - mean) / np.where(std > 0, std, 1.0)
    labels = data["labels"][data[f"{split}_index"]].astype(np.int64)
    return torch.from_numpy(chosen.astype(np.float32)), torch.from_numpy(labels)


def _majority_counts(tokens: torch.Tensor) -> torch.Tensor:
    counts = torch.zeros(len(tokens), MAJORITY_TOKENS + 1, dtype=torch.int64)
    counts.scatter_add_(1, tokens, torch.ones_like(tokens))
    return counts[:, 1:]


@functools.cache
def _majority(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniformly random sequences whose most frequent token leads the runner-up by 1 to 3.

    A lead of 1 is the hard case (one token out of 32 decides). Random sequences have lead 1
    five times as often as lead 3, so an equal number of each lead is drawn: the task needs exact
    counting but is not dominated by its hardest case. Ties are never kept, so every label is
    well defined.
    """
    size = MAJORITY_SIZES[split]
    generator = torch.Generator().manual_seed(MAJORITY_SEEDS[split])
    per_lead = [size // len(MAJORITY_LEADS)] * len(MAJORITY_LEADS)
    per_lead[0] += size - sum(per_lead)
    # Lead 3 is the rarest (~8% of random sequences): 8 candidates per sample leave ample margin.
    pool = torch.randint(1, MAJORITY_TOKENS + 1, (8 * size, MAJORITY_SEQ_LEN), generator=generator)
    counts = _majority_counts(pool)
    top = counts.topk(2, dim=1)
    lead = top.values[:, 0] - top.values[:, 1]
    chosen = []
    for wanted, count in zip(MAJORITY_LEADS, per_lead, strict=True):
        rows = torch.nonzero(lead == wanted).flatten()[:count]
        if len(rows) < count:
            raise DatasetError(f"The majority generator drew too few sequences with lead {wanted}.")
        chosen.append(rows)
    rows = torch.cat(chosen)
    rows = rows[torch.randperm(len(rows), generator=generator)]
    return pool[rows].contiguous(), top.indices[rows, 0].contiguous()


_DATASETS: dict[str, _Info] = {
    "digits": _Info(
        task="handwritten digit recognition (8x8 grey images, digits 0-9)",
        samples=1797,
        classes=10,
        source="scikit-learn's copy of the UCI Optical Recognition of Handwritten Digits data set",
        licence="CC BY 4.0 (data), BSD-3-Clause (scikit-learn)",
        split_sizes={"train": 1437, "test": 360},
        loader=_digits,
    ),
    "breast-cancer": _Info(
        task="breast tumour diagnosis from 30 cell measurements (0 malignant, 1 benign)",
        samples=569,
        classes=2,
        source="scikit-learn's copy of the UCI Breast Cancer Wisconsin (Diagnostic) data set",
        licence="CC BY 4.0 (data), BSD-3-Clause (scikit-learn)",
        split_sizes={"train": 455, "test": 114},
        loader=_breast_cancer,
    ),
    "majority": _Info(
        task="name the most frequent token in a sequence of 32 tokens (1-10)",
        samples=sum(MAJORITY_SIZES.values()),
        classes=MAJORITY_TOKENS,
        source="synthetic, generated by Slimbench from a fixed seed",
        licence="no restrictions (generated)",
        split_sizes=dict(MAJORITY_SIZES),
        loader=_majority,
    ),
}


def load_dataset(name: str, split: str = "test") -> TensorDataset:
    """Return one split ("train" or "test") of a built-in data set; identical on every call."""
    info = _DATASETS.get(name)
    if info is None:
        raise DatasetError(
            f"Unknown dataset {name!r}; the built-in datasets are {', '.join(_DATASETS)}."
        )
    if split not in SPLITS:
        raise DatasetError(f"Unknown split {split!r} of dataset {name!r}; use train or test.")
    inputs, labels = info.loader(split)
    # Copies, so a caller that edits its tensors in place cannot change the cached originals.
    return TensorDataset(name, inputs.clone(), labels.clone(), info.classes)


def list_datasets() -> list[dict]:
    """Describe every built-in data set (name, task, samples, classes, source, licence, splits)."""
    return [
        {
            "name": name,
            "task": info.task,
            "samples": info.samples,
            "classes": info.classes,
            "source": info.source,
            "licence": info.licence,
            "splits": dict(info.split_sizes),
        }
        for name, info in _DATASETS.items()
    ]
