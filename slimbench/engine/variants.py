"""Variants: the original model and every model a job derives from it, with their metrics.

Qt-free, so the CLI's ``compare`` and recipes use the same bookkeeping as the window.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slimbench.engine.errors import VariantError
from slimbench.engine.inspection import InspectResult
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import BenchResult, Fidelity


@dataclass
class Variant:
    """One model and what has been measured of it. ``parent`` names the variant it came from."""

    id: int
    name: str
    handle: ModelHandle
    parent: int | None = None
    technique: str = "original"
    inspection: InspectResult | None = None
    #: By (device, dtype, batch size, runtime): runtimes are measured side by side.
    benchmarks: dict[tuple[str, str, int, str], BenchResult] = field(default_factory=dict)
    accuracy: float | None = None
    fidelity: Fidelity | None = None
    saved_to: Path | None = None
    notes: list[str] = field(default_factory=list)
    #: The prune/quantize document that made this variant (its "before"/"after" METRICS).
    compression: dict[str, Any] | None = None
    #: The document of the newest job that made a child of this variant (its "before" side
    #: measured this variant).
    compression_before: dict[str, Any] | None = None

    def latest_benchmark(self) -> BenchResult | None:
        return next(reversed(self.benchmarks.values()), None)

    def record_benchmark(self, result: BenchResult) -> None:
        key = (result.device, result.dtype, result.batch_size, result.runtime)
        self.benchmarks.pop(key, None)  # re-insert so the newest is last
        self.benchmarks[key] = result

    def summary(self) -> dict[str, Any]:
        bench = self.latest_benchmark()
        return {
            "id": self.id,
            "name": self.name,
            "technique": self.technique,
            "params_total": self.inspection.params_total if self.inspection else None,
            "size_bytes": self.inspection.size_bytes if self.inspection else None,
            "latency_ms": bench.latency_ms["median"] if bench else None,
            "device": bench.device if bench else None,
            "runtime": bench.runtime if bench else None,
            "accuracy": self.accuracy,
            "fidelity": self.fidelity.to_json() if self.fidelity else None,
        }


class Workspace:
    """The variants of the models a user has open; ids are never reused."""

    def __init__(self) -> None:
        self._variants: dict[int, Variant] = {}
        self._ids = itertools.count(1)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._variants.values()))

    def __len__(self) -> int:
        return len(self._variants)

    def add(self, handle: ModelHandle, *, name: str | None = None, parent: int | None = None,
            technique: str = "original") -> Variant:
        variant = Variant(next(self._ids), self._unique_name(name or handle.name), handle,
                          parent=parent, technique=technique)
        self._variants[variant.id] = variant
        return variant

    def get(self, variant_id: int) -> Variant:
        if variant_id not in self._variants:
            raise VariantError(f"There is no variant {variant_id}; it may have been deleted.")
        return self._variants[variant_id]

    def rename(self, variant_id: int, name: str) -> Variant:
        name = name.strip()
        if not name:
            raise VariantError("A variant needs a name that is not empty.")
        variant = self.get(variant_id)
        if any(v.name == name and v.id != variant_id for v in self._variants.values()):
            raise VariantError(f"Another variant is already called {name!r}.")
        variant.name = name
        return variant

    def remove(self, variant_id: int) -> Variant:
        variant = self.get(variant_id)
        del self._variants[variant_id]
        for other in self._variants.values():
            if other.parent == variant_id:
                other.parent = variant.parent
        return variant

    def clear(self) -> None:
        self._variants.clear()

    def _unique_name(self, name: str) -> str:
        taken = {v.name for v in self._variants.values()}
        if name not in taken:
            return name
        for number in itertools.count(2):
            candidate = f"{name} ({number})"
            if candidate not in taken:
                return candidate
        raise AssertionError("unreachable")
