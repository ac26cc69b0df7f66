"""What a comparison measured: every variant on every device, as data and as results.json.

``results.json`` (written by recipes and ``slimbench compare --report``) is
:meth:`Comparison.to_json`; the report, the GUI's comparison table and the tests read it back
with :meth:`Comparison.from_json`. Its keys::

    {"reference": "original",              # fidelity is measured against this variant
     "batch_size": 32, "large_batch": 256, "threads": 2,
     "devices": [{"name": "cpu", "description": "...", "peak_flops_per_s": {"float32": ...},
                  "bandwidth_bytes_per_s": ...}],
     "machine": {"python", "torch", "platform", "cpu"},
     "floor": {"accuracy_ratio": 0.97, "top1_agreement": null},
     "variants": [VARIANT],
     "frontier": {"cpu": ["original", "prune 0.5"]}}   # per device, fastest first

    VARIANT = {"name", "technique", "parent", "steps": [str], "file", "params_total",
               "params_nonzero", "size_bytes", "flops_per_sample", "notes": [str],
               "history": [{"epoch", "train_loss", "val_accuracy", ...}],
               "meets_floor": bool | null,
               "by_device": {"cpu": MEASUREMENT}}

    MEASUREMENT = {"device", "latency_ms": {"median", "p90"}, "latency_ms_batch_1",
                   "throughput_per_s", "throughput_large_batch_per_s", "peak_memory_bytes",
                   "accuracy", "fidelity": {"top1_agreement", "cosine", "max_abs_error"},
                   "compiled", "dtype",
                   "roofline": {"achieved_flops_per_s", "peak_flops_per_s",
                                "bandwidth_bytes_per_s", "bytes_per_batch",
                                "attainable_flops_per_s", "fraction", "bound"} | null,
                   "error": str | null}          # set when the variant cannot run there
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: they become null (a one-output model's top-1 agreement)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {entry.name for entry in fields(cls)}
    return {key: value for key, value in data.items() if key in names}


@dataclass
class Roofline:
    """How close a run came to the device's measured limits.

    ``bytes_per_batch`` is a lower bound on memory traffic (weights once, inputs and outputs),
    so ``attainable = min(peak, intensity * bandwidth)`` is an upper bound and ``fraction`` is
    conservative. ``bound`` says which roof is lower for this model: "compute" or "memory".
    """

    achieved_flops_per_s: float
    peak_flops_per_s: float
    bandwidth_bytes_per_s: float
    bytes_per_batch: int
    attainable_flops_per_s: float
    fraction: float
    bound: str


@dataclass
class Measurement:
    """One variant on one device (all None with ``error`` set when it could not run there)."""

    device: str
    latency_ms: dict[str, float] | None = None
    latency_ms_batch_1: dict[str, float] | None = None
    throughput_per_s: float | None = None
    throughput_large_batch_per_s: float | None = None
    peak_memory_bytes: int | None = None
    accuracy: float | None = None
    fidelity: dict[str, float | None] | None = None
    compiled: bool = False
    dtype: str = "float32"
    roofline: Roofline | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _finite(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Measurement:
        values = _known(cls, data)
        if values.get("roofline") is not None:
            values["roofline"] = Roofline(**_known(Roofline, values["roofline"]))
        return cls(**values)


@dataclass
class VariantRecord:
    """A variant: what it is, where its file is, and its measurements per device."""

    name: str
    technique: str = "original"
    parent: str | None = None
    #: The steps that made it from the original, in order ("prune structured 0.5", ...).
    steps: list[str] = field(default_factory=list)
    #: The saved model, relative to the report folder when it sits inside it.
    file: str | None = None
    params_total: int = 0
    params_nonzero: int = 0
    size_bytes: int = 0
    flops_per_sample: int | None = None
    notes: list[str] = field(default_factory=list)
    #: Training curves of a distil or recovery step (one dict per epoch).
    history: list[dict[str, Any]] = field(default_factory=list)
    #: Whether quality stays above the recipe's floor on every device (None: no floor).
    meets_floor: bool | None = None
    by_device: dict[str, Measurement] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["by_device"] = {name: m.to_json() for name, m in self.by_device.items()}
        return _finite(data)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VariantRecord:
        values = _known(cls, data)
        values["by_device"] = {
            name: Measurement.from_json(entry)
            for name, entry in (values.get("by_device") or {}).items()
        }
        return cls(**values)


@dataclass
class DeviceRecord:
    name: str
    description: str
    #: Measured matmul FLOP/s per dtype ("float32", "bfloat16", "int8").
    peak_flops_per_s: dict[str, float] = field(default_factory=dict)
    bandwidth_bytes_per_s: float | None = None


@dataclass
class Comparison:
    reference: str
    batch_size: int
    variants: list[VariantRecord]
    devices: list[DeviceRecord]
    large_batch: int | None = None
    threads: int | None = None
    machine: dict[str, Any] = field(default_factory=dict)
    floor: dict[str, float | None] = field(default_factory=dict)
    #: Per device, the variants no other variant beats on both latency and quality.
    frontier: dict[str, list[str]] = field(default_factory=dict)

    def variant(self, name: str) -> VariantRecord:
        for record in self.variants:
            if record.name == name:
                return record
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return _finite({
            "reference": self.reference,
            "batch_size": self.batch_size,
            "large_batch": self.large_batch,
            "threads": self.threads,
            "devices": [asdict(device) for device in self.devices],
            "machine": self.machine,
            "floor": self.floor,
            "variants": [record.to_json() for record in self.variants],
            "frontier": self.frontier,
        })

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Comparison:
        return cls(
            reference=data["reference"],
            batch_size=int(data["batch_size"]),
            variants=[VariantRecord.from_json(entry) for entry in data.get("variants", [])],
            devices=[DeviceRecord(**_known(DeviceRecord, entry))
                     for entry in data.get("devices", [])],
            large_batch=data.get("large_batch"),
            threads=data.get("threads"),
            machine=dict(data.get("machine") or {}),
            floor=dict(data.get("floor") or {}),
            frontier={key: list(value) for key, value in (data.get("frontier") or {}).items()},
        )


def quality_of(measurement: Measurement) -> float | None:
    """Accuracy where there are labels, else top-1 agreement with the reference."""
    if measurement.accuracy is not None:
        return measurement.accuracy
    if measurement.fidelity:
        return measurement.fidelity.get("top1_agreement")
    return None


def frontier(records: list[VariantRecord], device: str) -> list[str]:
    """Names of the variants on the latency/quality frontier on ``device``, fastest first.

    A variant is on it when no other variant is at least as fast and at least as good, and
    strictly better on one of the two. Variants that failed there, or have no quality, are out.
    """
    points = []
    for record in records:
        measurement = record.by_device.get(device)
        if measurement is None or measurement.error or not measurement.latency_ms:
            continue
        quality = quality_of(measurement)
        if quality is None:
            continue
        points.append((measurement.latency_ms["median"], -quality, record.name))
    points.sort()
    kept: list[str] = []
    best_quality = math.inf
    for _latency, negative_quality, name in points:
        if negative_quality < best_quality:
            kept.append(name)
            best_quality = negative_quality
    return kept
