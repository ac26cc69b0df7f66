"""Built-in model zoo: small trained models and the data sets they were trained on.

The weights are bundled in ``slimbench/resources/zoo`` and were made by ``train.py``; the
data sets are bundled or generated, never downloaded. ``catalog`` describes the models
without importing torch; the rest is imported on first use, so the start page can list the
zoo while torch is still loading.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ZOO": "registry",
    "ZooEntry": "registry",
    "build_model": "registry",
    "get_entry": "registry",
    "list_datasets": "datasets",
    "load_dataset": "datasets",
}

__all__ = ["ZOO", "ZooEntry", "build_model", "get_entry", "list_datasets", "load_dataset"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"slimbench.engine.zoo.{_LAZY[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'slimbench.engine.zoo' has no attribute {name!r}")
