"""What the built-in models are, as plain data: no torch import.

The start page shows this before torch has finished importing; registry.py builds the
runnable entries (architecture class, input dtype, weights) from the same records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Resolved from this file rather than the working directory, so a frozen app finds it too.
ZOO_DIR = Path(__file__).resolve().parents[2] / "resources" / "zoo"
MANIFEST_PATH = ZOO_DIR / "manifest.json"


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    family: str  # "mlp", "cnn" or "transformer"
    task: str
    dataset: str
    description: str
    model_class: str  # a class name in slimbench.engine.zoo.models
    model_args: dict[str, Any] = field(hash=False)
    input_shape: tuple[int, ...]  # per sample, without the batch dimension
    input_dtype: str  # a torch dtype name

    @property
    def weights_file(self) -> Path:
        return ZOO_DIR / f"{self.name}.pt"


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
        from slimbench.engine.errors import ModelLoadError

        raise ModelLoadError(f"The zoo manifest {MANIFEST_PATH} cannot be read: {exc}.") from exc


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        name="mlp-digits",
        family="mlp",
        task="handwritten digit recognition",
        dataset="digits",
        description=(
            "Recognises which digit, 0 to 9, is written in a tiny 8 by 8 pixel image, "
            "using only fully connected layers."
        ),
        model_class="DigitsMLP",
        model_args={"in_features": 64, "hidden": 1024, "depth": 3, "classes": 10},
        input_shape=(1, 8, 8),
        input_dtype="float32",
    ),
    CatalogEntry(
        name="resnet-digits",
        family="cnn",
        task="handwritten digit recognition",
        dataset="digits",
        description=(
            "Recognises which digit, 0 to 9, is written in a tiny 8 by 8 pixel image, "
            "using a small image network that looks at neighbouring pixels together."
        ),
        model_class="DigitsResNet",
        model_args={"classes": 10, "widths": [64, 128, 256], "blocks_per_stage": 2},
        input_shape=(1, 8, 8),
        input_dtype="float32",
    ),
    CatalogEntry(
        name="transformer-majority",
        family="transformer",
        task="most frequent token in a sequence",
        dataset="majority",
        description=(
            "Reads a list of 32 numbers between 1 and 10 and says which number appears "
            "most often, using the same building blocks as language models."
        ),
        model_class="MajorityTransformer",
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
        input_dtype="int64",
    ),
    CatalogEntry(
        name="mlp-cancer",
        family="mlp",
        task="breast tumour diagnosis",
        dataset="breast-cancer",
        description=(
            "Tells from 30 measurements of cells in a breast tissue sample whether a "
            "tumour is malignant or benign."
        ),
        model_class="CancerMLP",
        model_args={"in_features": 30, "hidden": 1024, "classes": 2, "dropout": 0.5},
        input_shape=(30,),
        input_dtype="float32",
    ),
)
