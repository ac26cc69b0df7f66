from __future__ import annotations

import pytest
import torch

from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import BenchConfig, bench
from slimbench.engine.variants import VariantError, Workspace


def _handle(name: str = "m") -> ModelHandle:
    return ModelHandle(name, torch.nn.Linear(4, 2), "test", "-",
                       example_inputs=(torch.randn(1, 4),))


def test_names_are_made_unique_and_ids_never_reused() -> None:
    workspace = Workspace()
    first = workspace.add(_handle())
    second = workspace.add(_handle())
    assert (first.name, second.name) == ("m", "m (2)")
    workspace.remove(second.id)
    third = workspace.add(_handle())
    assert third.id not in (first.id, second.id)
    assert [v.name for v in workspace] == ["m", "m (2)"]


def test_rename_rejects_empty_and_taken_names() -> None:
    workspace = Workspace()
    a = workspace.add(_handle("a"))
    workspace.add(_handle("b"))
    with pytest.raises(VariantError):
        workspace.rename(a.id, "  ")
    with pytest.raises(VariantError):
        workspace.rename(a.id, "b")
    assert workspace.rename(a.id, "renamed").name == "renamed"


def test_removing_a_parent_reattaches_its_children() -> None:
    workspace = Workspace()
    root = workspace.add(_handle("root"))
    middle = workspace.add(_handle("middle"), parent=root.id, technique="prune")
    leaf = workspace.add(_handle("leaf"), parent=middle.id, technique="quantize")
    workspace.remove(middle.id)
    assert workspace.get(leaf.id).parent == root.id
    with pytest.raises(VariantError):
        workspace.get(middle.id)


def test_latest_benchmark_is_the_newest_recorded() -> None:
    workspace = Workspace()
    variant = workspace.add(_handle())
    first = bench(variant.handle, BenchConfig(warmup=0, repeats=3, batch_size=1))
    second = bench(variant.handle, BenchConfig(warmup=0, repeats=3, batch_size=2))
    variant.record_benchmark(first)
    variant.record_benchmark(second)
    assert variant.latest_benchmark() is second
    variant.record_benchmark(first)
    assert variant.latest_benchmark() is first
    assert variant.summary()["latency_ms"] == first.latency_ms["median"]
