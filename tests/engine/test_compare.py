"""Comparing variants: the same measurements for all, a frontier, rooflines, errors per device."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from slimbench.engine.compare import (
    CompareConfig,
    CompareError,
    Comparison,
    Measurement,
    VariantInput,
    VariantRecord,
    compare,
    frontier,
    roofline,
)
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import load_model
from slimbench.engine.prune import PruneConfig, prune_job, save_pruned

QUICK = dict(rounds=2, round_seconds=0.05, eval_samples=256, large_batch=64, batch_1=False,
             compile=False)


class RefusesBigBatches(nn.Module):
    """A model that fails on more than 16 rows: stands in for one a device cannot run."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] > 16:
            raise RuntimeError("this kernel takes at most 16 rows")
        return self.inner(x)


def _record(name: str, latency: float | None, quality: float | None,
            error: str | None = None) -> VariantRecord:
    measurement = Measurement("cpu", error=error)
    if latency is not None:
        measurement.latency_ms = {"median": latency, "p90": latency}
        measurement.accuracy = quality
    return VariantRecord(name=name, by_device={"cpu": measurement})


def test_the_frontier_keeps_only_variants_nothing_beats_on_both() -> None:
    records = [
        _record("original", 10.0, 0.99),
        _record("fast-bad", 2.0, 0.80),
        _record("dominated", 8.0, 0.95),
        _record("middle", 4.0, 0.97),
        _record("broken", None, None, error="cannot run"),
    ]
    assert frontier(records, "cpu") == ["fast-bad", "middle", "original"]


def test_roofline_picks_the_lower_roof() -> None:
    # 1 GFLOP on 1 GB: intensity 1 FLOP/byte; 10 GB/s -> memory roof 10 GFLOP/s < 100 peak.
    memory = roofline(flops_per_batch=1e9, bytes_per_batch=1e9, latency_ms=200.0,
                      peak_flops_per_s=100e9, bandwidth_bytes_per_s=10e9)
    assert memory.bound == "memory" and memory.attainable_flops_per_s == pytest.approx(10e9)
    assert memory.fraction == pytest.approx(0.5)
    compute = roofline(flops_per_batch=1e12, bytes_per_batch=1e6, latency_ms=100_000.0,
                       peak_flops_per_s=100e9, bandwidth_bytes_per_s=10e9)
    assert compute.bound == "compute" and compute.fraction == pytest.approx(0.1)


def test_compare_measures_every_variant_the_same_way(tmp_path: Path) -> None:
    original = load_model("zoo:mlp-digits")
    pruned = run_job(prune_job(original, PruneConfig(amount=0.5, measure=False))).handle
    broken = load_model("zoo:mlp-digits")
    broken.module = RefusesBigBatches(broken.module)
    result = compare(
        [VariantInput("original", original), VariantInput("pruned", pruned, parent="original"),
         VariantInput("refuses", broken)],
        CompareConfig(**QUICK, floor={"accuracy_ratio": 0.5}),
    )
    base, slim, refused = result.variants
    assert slim.params_total < 0.5 * base.params_total
    assert slim.size_bytes < 0.5 * base.size_bytes
    assert slim.flops_per_sample < base.flops_per_sample
    cpu = base.by_device["cpu"]
    assert cpu.fidelity["top1_agreement"] == 1.0 and cpu.accuracy > 0.9
    assert cpu.throughput_per_s == pytest.approx(32 / (cpu.latency_ms["median"] / 1000))
    assert cpu.throughput_large_batch_per_s > 0
    assert 0 < cpu.roofline.fraction <= 1.5 and cpu.roofline.bound in ("compute", "memory")
    assert result.devices[0].peak_flops_per_s["float32"] > 0
    assert result.devices[0].bandwidth_bytes_per_s > 0
    assert refused.by_device["cpu"].error.startswith("cannot run on cpu: this kernel")
    assert refused.meets_floor is None and "refuses" not in result.frontier["cpu"]
    assert base.meets_floor is True
    again = Comparison.from_json(json.loads(json.dumps(result.to_json())))
    assert again == result


def test_compare_refuses_what_cannot_be_compared() -> None:
    handle = load_model("zoo:mlp-digits")
    with pytest.raises(CompareError, match="at least one"):
        compare([])
    with pytest.raises(CompareError, match="same name"):
        compare([VariantInput("a", handle), VariantInput("a", handle)])


def test_compare_command_with_a_saved_variant(tmp_path: Path, capsys) -> None:
    original = load_model("zoo:mlp-digits")
    pruned = run_job(prune_job(original, PruneConfig(amount=0.5, measure=False))).handle
    path = save_pruned(pruned, tmp_path / "pruned.pt").path
    code = main(["compare", "zoo:mlp-digits", str(path), "--rounds", "2", "--large-batch", "0",
                 "--compile", "never", "--min-accuracy-ratio", "0.5"])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert "mlp-digits" in out and "best trade-offs on cpu" in out and "roofline" in out
    code = main(["compare", "zoo:mlp-digits", "--min-accuracy-ratio", "3", "--json"])
    assert code == EXIT_BAD_INPUT
    assert "floor.accuracy_ratio" in json.loads(capsys.readouterr().out)["error"]
