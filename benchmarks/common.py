"""What every benchmark records: the machine it ran on, and where results go."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def machine_description() -> dict[str, Any]:
    from slimbench.engine.devices import list_devices

    devices = list_devices()
    return {
        "cpu": devices[0].description,
        "cpu_features": devices[0].features,
        "cores": devices[0].cores,
        "threads": torch.get_num_threads(),
        "gpus": [d.description for d in devices if d.kind == "cuda"],
        "torch": torch.__version__,
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
    }


def write_results(name: str, rows: list[dict[str, Any]], **extra: Any) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {"machine": machine_description(), **extra, "rows": rows}
    path.write_text(json.dumps(document, indent=2))
    return path


def device_name(device: str) -> str:
    """The GPU's name for a CUDA device, else the CPU's description."""
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    from slimbench.engine.devices import list_devices

    return list_devices()[0].description


def package_version(package: str) -> str | None:
    """An installed package's version, or None when it is not installed."""
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:
        return None
