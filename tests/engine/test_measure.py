"""Measurements (fidelity, accuracy, size, latency), the job runner, and devices."""

from __future__ import annotations

import copy
import json
import math
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine import devices, zoo
from slimbench.engine.data import TensorDataset
from slimbench.engine.errors import DeviceError, InputSpecError, JobCancelled
from slimbench.engine.jobs import Progress, run_job
from slimbench.engine.measure import (
    BenchConfig,
    BenchResult,
    accuracy,
    bench,
    bench_job,
    fidelity,
    fidelity_of_outputs,
    latency_summary,
    make_batch,
    predict,
    serialized_size_bytes,
)

FAST = {"warmup": 1, "repeats": 5}


def other_thread_count() -> int:
    return 1 if torch.get_num_threads() != 1 else 2


def drive(job: Iterator[Progress]) -> tuple[list[Progress], object]:
    events = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            return events, stop.value


class Oracle(nn.Module):
    """Predicts the class written in each sample's first feature, as one-hot logits."""

    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.classes = classes
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.one_hot(x[:, 0].long(), self.classes).float() * self.scale


class Broken(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("this layer is not implemented\nsecond line of detail")


# --- fidelity ------------------------------------------------------------------------------


def test_identical_outputs() -> None:
    outputs = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))

    result = fidelity_of_outputs(outputs, outputs.clone())

    assert result.top1_agreement == 1.0
    assert result.cosine == pytest.approx(1.0, abs=1e-6)
    assert result.max_abs_error == 0.0
    assert result.samples == 6
    assert set(result.to_json()) == {"top1_agreement", "cosine", "max_abs_error"}


def test_negated_outputs() -> None:
    outputs = torch.randn(6, 5, generator=torch.Generator().manual_seed(1))

    result = fidelity_of_outputs(outputs, -outputs)

    assert result.cosine == pytest.approx(-1.0, abs=1e-6)
    assert result.max_abs_error == pytest.approx(2 * float(outputs.abs().max()))
    assert result.top1_agreement == 0.0  # the largest logit becomes the smallest


def test_known_argmax_disagreement() -> None:
    reference = torch.eye(4) * 3.0  # sample i predicts class i
    candidate = reference.clone()
    candidate[0] = torch.tensor([0.0, 0.0, 0.0, 5.0])  # now predicts 3
    candidate[2] = torch.tensor([9.0, 0.0, 1.0, 0.0])  # now predicts 0

    result = fidelity_of_outputs(reference, candidate)

    assert result.top1_agreement == pytest.approx(0.5)
    assert result.max_abs_error == pytest.approx(9.0)
    assert -1.0 <= result.cosine < 1.0


def test_shape_mismatch_cannot_be_compared(one_line) -> None:
    with pytest.raises(InputSpecError) as caught:
        fidelity_of_outputs(torch.zeros(4, 10), torch.zeros(4, 9))
    assert "[4, 10]" in one_line(caught.value)


def test_fidelity_of_two_models_on_the_same_inputs() -> None:
    torch.manual_seed(0)
    reference = nn.Linear(8, 4).eval()
    inputs = torch.randn(20, 8)
    nudged = nn.Linear(8, 4)
    nudged.load_state_dict(reference.state_dict())
    with torch.no_grad():
        nudged.bias += 0.25

    same = fidelity(reference, reference, inputs)
    shifted = fidelity(reference, nudged, inputs)

    assert same.top1_agreement == 1.0 and same.max_abs_error == 0.0
    assert shifted.max_abs_error == pytest.approx(0.25, abs=1e-5)
    assert shifted.samples == 20


# --- accuracy and prediction ---------------------------------------------------------------


def test_accuracy_on_known_labels() -> None:
    predicted = torch.tensor([0, 1, 2, 3, 1, 2, 0, 3])
    labels = torch.tensor([0, 1, 2, 3, 1, 2, 3, 0])  # the last two are wrong
    inputs = torch.stack([predicted.float(), torch.zeros(8)], dim=1)
    data = TensorDataset("known", inputs, labels, classes=4)

    assert accuracy(Oracle(), data) == pytest.approx(6 / 8)


def test_accuracy_without_labels_is_none() -> None:
    data = TensorDataset("unlabelled", torch.zeros(3, 2))

    assert accuracy(Oracle(), data) is None


def test_predict_batches_and_leaves_the_model_alone() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5)).train()
    inputs = torch.randn(7, 3)

    outputs = predict(model, inputs, batch_size=2)

    assert outputs.shape == (7, 4)
    assert model.training  # predicted on an eval copy
    model.eval()
    with torch.no_grad():
        assert torch.allclose(outputs, model(inputs))


def test_dataset_labels_must_match_inputs() -> None:
    with pytest.raises(ValueError):
        TensorDataset("bad", torch.zeros(3, 2), torch.zeros(2, dtype=torch.long))


# --- size ----------------------------------------------------------------------------------


def test_serialized_size_is_the_real_file_size(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)

    size = serialized_size_bytes(model)

    file_size = path.stat().st_size
    assert abs(size - file_size) <= 0.01 * file_size
    assert size >= (256 * 256 + 256 + 2560 + 10) * 4


def test_serialized_size_of_dynamic_int8_is_smaller() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 256))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        int8 = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)

    assert serialized_size_bytes(int8) < 0.35 * serialized_size_bytes(model)


# --- latency -------------------------------------------------------------------------------


def test_latency_summary_of_known_samples() -> None:
    summary = latency_summary([float(v) for v in (7, 1, 9, 3, 5, 2, 10, 4, 8, 6)])

    assert summary["median"] == 5.5
    assert summary["p90"] == 9.0
    assert summary["min"] == 1.0
    assert summary["mean"] == 5.5


def test_bench_job_reports_each_run(make_handle) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 8))
    handle = make_handle(model, torch.randn(1, 32))
    threads = other_thread_count()
    previous = torch.get_num_threads()
    seen_threads = []

    job = bench_job(handle, BenchConfig(batch_size=4, threads=threads, warmup=2, repeats=6))
    events = []
    while True:
        try:
            events.append(next(job))
            seen_threads.append(torch.get_num_threads())
        except StopIteration as stop:
            result = stop.value
            break

    assert isinstance(result, BenchResult)
    runs = [event for event in events if "latency_ms" in event.metrics]
    assert len(runs) == 6
    assert [event.metrics["latency_ms"] for event in runs] == result.samples_ms
    assert all(sample > 0 for sample in result.samples_ms)
    assert [event.step for event in runs] == list(range(3, 9))
    assert all(event.total == 8 for event in events)
    assert events[-1].fraction == 1.0
    assert result.latency_ms["min"] <= result.latency_ms["median"] <= result.latency_ms["p90"]
    assert result.throughput_per_s == pytest.approx(4 / (result.latency_ms["median"] / 1000))
    assert (result.device, result.dtype, result.batch_size) == ("cpu", "float32", 4)
    assert result.threads == threads
    assert set(seen_threads) == {threads}
    assert torch.get_num_threads() == previous
    assert result.compile is False and result.compile_seconds is None
    assert result.flops_per_batch == 2 * 4 * (32 * 64 + 64 * 8)
    assert result.peak_memory_bytes is not None and result.peak_memory_bytes > 0
    json.dumps(result.to_json(), allow_nan=False)


def test_bench_stops_when_the_time_budget_runs_out(make_handle) -> None:
    handle = make_handle(nn.Linear(4, 2), torch.randn(1, 4))

    result = bench(handle, BenchConfig(warmup=0, repeats=50, max_seconds=0.0))

    assert len(result.samples_ms) == 5  # at least 5 runs, then the budget
    assert any("Stopped after 5 runs" in note for note in result.notes)


def test_a_batch_larger_than_the_data_repeats_it(make_handle) -> None:
    data = TensorDataset("three", torch.arange(12.0).reshape(3, 4))
    handle = make_handle(nn.Linear(4, 2), torch.zeros(1, 4), data=data)

    (batch,) = make_batch(handle, 7)

    assert batch.shape == (7, 4)
    for row in range(7):
        assert torch.equal(batch[row], data.inputs[row % 3])
    result = bench(handle, BenchConfig(batch_size=7, **FAST))
    assert result.batch_size == 7


def test_a_batch_without_data_repeats_the_example_inputs(make_handle) -> None:
    example = torch.arange(8.0).reshape(2, 4)
    handle = make_handle(nn.Linear(4, 2), example)

    (batch,) = make_batch(handle, 5)

    assert torch.equal(batch, torch.cat([example, example, example])[:5])
    (smaller,) = make_batch(handle, 1)
    assert torch.equal(smaller, example[:1])


def test_bench_in_bfloat16_leaves_the_model_in_float32(make_handle) -> None:
    model = nn.Linear(16, 4)
    handle = make_handle(model, torch.randn(1, 16))

    result = bench(handle, BenchConfig(dtype="bfloat16", **FAST))

    assert result.dtype == "bfloat16"
    assert model.weight.dtype == torch.float32


class WithBatchNorm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.fc(x))


def test_bench_never_mutates_the_model(make_handle) -> None:
    """Jobs work on a copy: even a model left in training mode keeps its BatchNorm statistics."""
    torch.manual_seed(0)
    model = WithBatchNorm()
    handle = make_handle(model, torch.randn(4, 4))
    model.train()
    state = {key: value.clone() for key, value in model.state_dict().items()}

    bench(handle, BenchConfig(batch_size=4, **FAST))

    assert model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


@pytest.mark.parametrize(
    "config, error",
    [
        (BenchConfig(batch_size=0), InputSpecError),
        (BenchConfig(dtype="int64"), InputSpecError),
        (BenchConfig(dtype="float8"), InputSpecError),
        (BenchConfig(device="tpu"), DeviceError),
        (BenchConfig(threads=0), InputSpecError),
    ],
    ids=["batch-0", "int-dtype", "unknown-dtype", "tpu", "threads-0"],
)
def test_invalid_bench_settings(make_handle, one_line, config: BenchConfig, error: type) -> None:
    handle = make_handle(nn.Linear(4, 2), torch.randn(1, 4))

    with pytest.raises(error) as caught:
        bench(handle, config)
    one_line(caught.value)


def test_bench_without_inputs_asks_for_them(make_handle, one_line) -> None:
    with pytest.raises(InputSpecError, match="--input-shape") as caught:
        bench(make_handle(nn.Linear(4, 2)), BenchConfig(**FAST))
    one_line(caught.value)


def test_a_model_failing_during_bench_is_one_line(make_handle, one_line) -> None:
    with pytest.raises(InputSpecError) as caught:
        bench(make_handle(Broken(), torch.randn(1, 4), name="broken"), BenchConfig(**FAST))
    message = one_line(caught.value)
    assert "broken" in message and "not implemented" in message


# --- jobs ----------------------------------------------------------------------------------


def test_run_job_returns_the_result_and_reports_progress() -> None:
    def job():
        for step in range(3):
            yield Progress(step + 1, 3, f"step {step + 1}")
        return "done"

    seen: list[Progress] = []

    assert run_job(job(), seen.append) == "done"
    assert [event.step for event in seen] == [1, 2, 3]


def test_run_job_cancel_closes_the_generator(one_line) -> None:
    state = {"finally": False, "steps": 0}

    def job():
        try:
            for step in range(10):
                state["steps"] += 1
                yield Progress(step + 1, 10, "working")
            return "finished"
        finally:
            state["finally"] = True

    seen: list[Progress] = []
    with pytest.raises(JobCancelled) as caught:
        run_job(job(), seen.append, should_cancel=lambda: len(seen) >= 2)

    one_line(caught.value)
    assert state == {"finally": True, "steps": 2}
    assert len(seen) == 2


def test_cancelling_a_bench_restores_the_thread_count(make_handle) -> None:
    previous = torch.get_num_threads()
    handle = make_handle(nn.Linear(4, 2), torch.randn(1, 4))
    job = bench_job(handle, BenchConfig(threads=other_thread_count(), warmup=3, repeats=50))

    with pytest.raises(JobCancelled):
        run_job(job, should_cancel=lambda: True)

    assert torch.get_num_threads() == previous


@pytest.mark.parametrize(
    "step, total, fraction", [(0, 0, None), (1, 4, 0.25), (5, 4, 1.0), (3, -1, None)]
)
def test_progress_fraction(step: int, total: int, fraction: float | None) -> None:
    assert Progress(step, total, "x").fraction == fraction


# --- devices -------------------------------------------------------------------------------


def test_cpu_is_listed_first_with_its_cores() -> None:
    listed = devices.list_devices()

    cpu = listed[0]
    assert (cpu.name, cpu.kind) == ("cpu", "cpu")
    assert cpu.cores is not None and cpu.cores >= 1
    assert cpu.threads == torch.get_num_threads()
    assert "float32" in cpu.dtypes
    assert cpu.memory_bytes is None or cpu.memory_bytes > 0
    json.dumps(cpu.to_json())
    assert len({device.name for device in listed}) == len(listed)


@pytest.mark.parametrize("name", ["cpu", " CPU ", "cpu:0"])
def test_resolve_cpu(name: str) -> None:
    assert devices.resolve_device(name) == torch.device("cpu")


@pytest.mark.parametrize("name", ["tpu", "cuda:7", "gpu", "cuda:x", "meta", ""])
def test_resolve_device_errors(name: str, one_line) -> None:
    if torch.cuda.is_available() and name in ("gpu",):
        pytest.skip("this machine has a GPU")
    if torch.cuda.device_count() > 7 and name == "cuda:7":
        pytest.skip("this machine has 8 GPUs")

    with pytest.raises(DeviceError) as caught:
        devices.resolve_device(name)
    assert "cpu" in one_line(caught.value)  # says what is available instead


def test_measured_peak_flops_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache" / "peak_flops.json"
    monkeypatch.setattr(devices, "_cache_file", lambda: cache)

    measured = devices.measured_peak_flops("cpu", torch.float32)

    assert isinstance(measured, float)
    assert math.isfinite(measured) and measured > 1e6
    stored = json.loads(cache.read_text())
    assert list(stored.values()) == [measured]
    # A second call reads the cache instead of measuring again.
    cache.write_text(json.dumps({key: 123.0 for key in stored}))
    assert devices.measured_peak_flops("cpu", torch.float32) == 123.0


def test_measured_peak_flops_on_an_unknown_device(one_line) -> None:
    with pytest.raises(DeviceError) as caught:
        devices.measured_peak_flops("tpu")
    one_line(caught.value)


def test_quality_job_gives_accuracy_and_fidelity_to_a_reference() -> None:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.loading import load_model
    from slimbench.engine.measure import quality_job

    handle = load_model("zoo:mlp-cancer")
    same = run_job(quality_job(handle, reference=handle.module))
    assert same.fidelity is not None and same.fidelity.top1_agreement == 1.0
    assert same.accuracy == pytest.approx(zoo.get_entry("mlp-cancer").accuracy, abs=1e-6)
    assert same.samples == len(handle.data)
    noisy = copy.deepcopy(handle.module)
    with torch.no_grad():
        for parameter in noisy.parameters():
            parameter.add_(torch.randn_like(parameter) * parameter.std())
    other = run_job(quality_job(handle, reference=noisy))
    assert other.fidelity is not None and other.fidelity.max_abs_error > 0


def test_quality_job_without_data_uses_example_inputs() -> None:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.loading import ModelHandle
    from slimbench.engine.measure import quality_job

    model = torch.nn.Linear(4, 3)
    handle = ModelHandle("m", model, "test", "-", example_inputs=(torch.randn(5, 4),))
    result = run_job(quality_job(handle, reference=model))
    assert result.accuracy is None and result.samples == 5
    assert result.fidelity is not None and result.fidelity.cosine == pytest.approx(1.0)


def test_devices_listed_by_a_child_process_match_the_direct_listing() -> None:
    direct = devices.list_devices()
    from_child = devices.list_devices_in_child()
    assert [d.name for d in from_child] == [d.name for d in direct]
    assert from_child[0].cores == direct[0].cores
    assert from_child[0].features == direct[0].features
