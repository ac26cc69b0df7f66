"""The benchmark suite's own machinery: the fixtures' sizes, one small matrix run end to end
(real models, real timings, every figure it writes checked for sense), the charts drawn from
its JSON, and the suite runner's section choice and failure reporting."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import benchmarks.charts as charts
import benchmarks.common as common
import benchmarks.matrix as matrix
from benchmarks import __main__ as suite
from benchmarks.fixtures import FIXTURES, ResNet50, load_fixture

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def results(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(common, "RESULTS", tmp_path)
    monkeypatch.setattr(matrix, "RESULTS", tmp_path)
    monkeypatch.setattr(charts, "RESULTS", tmp_path)
    monkeypatch.setattr(charts, "CHARTS", tmp_path / "charts")
    return tmp_path


def test_the_fixtures_have_the_sizes_they_claim() -> None:
    # torchvision's resnet50 has 25,557,032 parameters; BERT-base-class encoders ~109 M.
    assert sum(p.numel() for p in ResNet50().parameters()) == 25_557_032
    bert = FIXTURES["bert-base"].build()
    assert 105e6 < sum(p.numel() for p in bert.parameters()) < 112e6
    handle = load_fixture("mlp-768", samples=8)
    assert handle.data is not None and len(handle.data) == 8 and handle.data.labels is None
    with torch.inference_mode():
        assert handle.module(*handle.example_inputs).shape == (1, 10)
    # Seeded: the same weights every time, so runs compare.
    again = load_fixture("mlp-768", samples=8)
    assert torch.equal(handle.module.net[0].weight, again.module.net[0].weight)


def test_a_small_matrix_run_writes_sensible_rows_and_charts(results) -> None:  # type: ignore[no-untyped-def]
    rows = "fp32 eager,prune structured 50%,prune unstructured 50%,bf16,distil width:0.5"
    matrix.main(["--models", "mlp-cancer", "--rows", rows, "--rounds", "2", "--name",
                 "matrix_test"])
    document = json.loads((results / "matrix_test.json").read_text())
    assert document["machine"]["torch"] == torch.__version__
    assert document["peak_flops_per_s"]["float32"] > 0 and document["bandwidth_bytes_per_s"] > 0
    by_row = {row["row"]: row for row in document["rows"]}
    # Distillation needs training data the fixtures lack, not the zoo model: it ran here.
    assert set(by_row) == set(rows.split(","))
    assert all("skipped" not in row for row in by_row.values())
    base = by_row["fp32 eager"]
    assert base["speedup_vs_fp32_eager_large_batch"] == pytest.approx(1.0)
    assert base["accuracy"] > 0.9 and base["top1_agreement"] == pytest.approx(1.0)
    structured = by_row["prune structured 50%"]
    # Structured pruning really shrinks the model and its FLOPs; masks do not.
    assert structured["size_ratio"] < 0.5 and structured["flops_per_sample"] < base[
        "flops_per_sample"]
    unstructured = by_row["prune unstructured 50%"]
    assert unstructured["size_bytes"] == base["size_bytes"]
    assert unstructured["sparse_file_bytes"] < base["size_bytes"]
    assert by_row["bf16"]["dtype"] == "bfloat16" and by_row["bf16"]["size_ratio"] == (
        pytest.approx(0.5, abs=0.02))
    for row in by_row.values():
        assert row["latency_ms_large_batch"]["p90"] >= row["latency_ms_large_batch"]["median"] > 0
        assert row["throughput_per_s_large_batch"] > 0
        assert row["roofline"] is not None and row["roofline"]["fraction"] > 0
        if sys.platform == "linux":
            assert row["peak_memory_bytes"] >= row["size_bytes"]
    assert "| mlp-cancer | prune structured 50% |" in document["markdown"]

    charts.main()
    for name in ("matrix_speed_test.png", "matrix_size_quality_test.png"):
        assert (results / "charts" / name).stat().st_size > 10_000


def test_a_merged_run_keeps_the_rows_it_did_not_measure(results) -> None:  # type: ignore[no-untyped-def]
    matrix.main(["--models", "mlp-cancer", "--rows", "fp32 eager,prune unstructured 50%",
                 "--rounds", "1", "--name", "merged"])
    matrix.main(["--models", "mlp-cancer", "--rows", "fp32 eager,bf16", "--rounds", "1",
                 "--name", "merged", "--merge"])
    rows = json.loads((results / "merged.json").read_text())["rows"]
    assert sorted(row["row"] for row in rows) == ["bf16", "fp32 eager",
                                                  "prune unstructured 50%"]


def test_a_row_a_model_cannot_take_says_why() -> None:
    model = matrix.Model("resnet50", "cnn", load_fixture("mlp-768", samples=2), False, 2, 2)
    spec = next(spec for spec in matrix.ROWS if spec.label == "int8-dynamic (torchao)")
    assert matrix.unavailable(spec, model, "cpu") == "not measured on cnn models"
    distil = next(spec for spec in matrix.ROWS if spec.label == "distil width:0.5")
    assert "training data" in matrix.unavailable(distil, model, "cpu")


def test_peak_call_memory_sees_an_allocation() -> None:
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs")
    small = matrix.peak_call_memory(lambda: torch.ones(1000).sum(), torch.device("cpu"))
    large = matrix.peak_call_memory(lambda: torch.ones(64 * 2**20 // 4).add_(1).sum(),
                                    torch.device("cpu"))
    assert small is not None and large is not None
    assert large >= 60 * 2**20 > small


def test_the_suite_picks_sections_by_device_and_reports_a_failure(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import argparse

    def names(**options: object) -> list[str]:
        namespace = argparse.Namespace(**{"device": "cpu", "only": "", "long": False, **options})
        return [section.name for section in suite.chosen(namespace)]

    assert names() == ["matrix", "inspect", "gui", "queue", "charts"]
    assert "soak" in names(long=True)
    assert names(device="cuda") == ["matrix", "charts"]
    assert names(only="charts,inspect") == ["inspect", "charts"]
    with pytest.raises(SystemExit, match="no section nope"):
        names(only="nope")

    failing = suite.Section("broken", "benchmarks.no_such_module", "fails on purpose")
    record = suite.run_section(failing, "cpu", tmp_path)
    assert record["status"] == "failed" and record["exit_code"] != 0
    assert any("No module named" in line for line in record["log_tail"])
    if importlib.util.find_spec("PySide6") is None:
        gui = next(s for s in suite.SECTIONS if s.name == "gui")
        assert suite.run_section(gui, "cpu", tmp_path)["status"] == "skipped"


def test_python_minus_m_benchmarks_lists_its_sections() -> None:
    listing = subprocess.run([sys.executable, "-m", "benchmarks", "--list"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=True).stdout
    for name in ("matrix", "inspect", "gui", "queue", "soak", "charts"):
        assert name in listing
