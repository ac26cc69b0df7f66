"""Memory limits: a job that outgrows its limit, or runs out of memory, ends in one sentence
and leaves the original model as it was."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Generator
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine import memory
from slimbench.engine.errors import MemoryLimitError, SlimbenchError
from slimbench.engine.jobs import Progress, run_job
from slimbench.engine.loading import ModelHandle

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/statm").is_file(), reason="the memory watcher reads Linux's /proc"
)

MB = 1 << 20


def _weights_digest(module: nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _wide_mlp() -> nn.Sequential:
    """About 134 MB of float32 weights: too large for the limits these tests set."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2048, 8192), nn.ReLU(), nn.Linear(8192, 2048)).eval()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512M", 512 * MB), ("2G", 2 << 30), ("1.5GiB", int(1.5 * (1 << 30))), ("64mb", 64 * MB),
     (str(8 * MB), 8 * MB)],
)
def test_memory_sizes_are_read_in_the_units_people_write(text: str, expected: int) -> None:
    assert memory.parse_memory_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "-1G", "2X", "", "12 parsecs", "100k"])
def test_a_bad_memory_size_is_one_sentence(text: str) -> None:
    with pytest.raises(SlimbenchError) as caught:
        memory.parse_memory_size(text)
    assert "\n" not in str(caught.value)


def test_the_default_limit_is_a_share_of_free_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(memory.ENVIRONMENT_VARIABLE, raising=False)
    memory.set_memory_limit(None)
    free = memory.available_memory()
    assert free is not None
    assert memory.job_memory_limit() == pytest.approx(free * memory.DEFAULT_AVAILABLE_SHARE,
                                                      rel=0.2)
    monkeypatch.setenv(memory.ENVIRONMENT_VARIABLE, "300M")
    assert memory.job_memory_limit() == 300 * MB
    memory.set_memory_limit("1G")
    try:
        assert memory.job_memory_limit() == 1 << 30  # the window's setting wins
    finally:
        memory.set_memory_limit(None)


def test_a_job_growing_between_progress_reports_is_stopped() -> None:
    finished_cleanly: list[bool] = []

    def hog() -> Generator[Progress, None, int]:
        kept = []
        try:
            for step in range(200):
                kept.append(torch.ones(5 * MB // 4))  # 5 MB a step
                yield Progress(step, 200, "growing")
            return len(kept)
        finally:
            finished_cleanly.append(True)

    with pytest.raises(MemoryLimitError) as caught:
        run_job(memory.guard_job(hog(), limit=100 * MB))

    assert "100.0 MB" in str(caught.value)
    assert finished_cleanly == [True]  # the job's own clean-up ran


def test_a_job_stuck_in_one_long_step_is_stopped_inside_it() -> None:
    """No progress report for 400 MB of allocations: the watcher must raise inside the step."""
    reached: list[int] = []

    def one_long_step() -> Generator[Progress, None, None]:
        yield Progress(0, 1, "start")
        kept = []
        for index in range(80):
            kept.append(torch.ones(5 * MB // 4))
            reached.append(index)
        yield Progress(1, 1, "never reached")

    with pytest.raises(MemoryLimitError):
        run_job(memory.guard_job(one_long_step(), limit=60 * MB))

    assert len(reached) < 80  # stopped part-way through the step, not after it


def test_the_watcher_lets_a_job_within_its_limit_finish() -> None:
    def small() -> Generator[Progress, None, int]:
        data = [torch.ones(MB // 4) for _ in range(4)]
        yield Progress(1, 1, "done")
        return len(data)

    assert run_job(memory.guard_job(small(), limit=200 * MB)) == 4
    time.sleep(3 * memory.SAMPLE_SECONDS)  # a raise cancelled on leaving would land here
    assert torch.ones(1).sum().item() == 1


@pytest.mark.parametrize(
    "allocate",
    [
        pytest.param(lambda: bytearray(1 << 62), id="python-MemoryError"),
        pytest.param(lambda: torch.empty(1 << 52, dtype=torch.uint8), id="torch-cpu-allocator"),
    ],
)
def test_a_failed_allocation_becomes_one_sentence(allocate) -> None:  # type: ignore[no-untyped-def]
    def job() -> Generator[Progress, None, None]:
        yield Progress(0, 1, "allocating")
        allocate()

    with pytest.raises(MemoryLimitError) as caught:
        run_job(memory.guard_job(job()))
    assert "ran out of memory" in str(caught.value)


def test_child_processes_count_towards_a_job(tmp_path: Path) -> None:
    """Distillation trains in child processes: their memory is the job's memory too."""
    ready = tmp_path / "ready"
    child = subprocess.Popen([
        sys.executable, "-c",
        "import pathlib, sys, time\n"
        "block = bytearray(150 * 2**20)\n"
        "block[::4096] = b'x' * len(block[::4096])\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(60)\n",
    ])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
        alone = memory.resident_memory(include_children=False)
        together = memory.resident_memory()
        assert alone is not None and together is not None
        assert together - alone >= 140 * MB
    finally:
        child.kill()
        child.wait()


def test_quantizing_a_model_too_large_for_the_limit_leaves_it_intact() -> None:
    """A real job: int8 quantization copies the 134 MB model, which a 64 MB limit forbids."""
    from slimbench.engine.quantize import QuantizeConfig, quantize_job

    handle = ModelHandle(name="wide", module=_wide_mlp(), source="test", location="test",
                         example_inputs=(torch.randn(1, 2048),))
    before = _weights_digest(handle.module)

    with pytest.raises(MemoryLimitError):
        run_job(memory.guard_job(
            quantize_job(handle, QuantizeConfig(scheme="int8-dynamic", compile=False)),
            limit=64 * MB,
        ))

    assert _weights_digest(handle.module) == before
    # The process keeps working: the same job under a roomy limit succeeds.
    result = run_job(memory.guard_job(
        quantize_job(handle, QuantizeConfig(scheme="int8-dynamic", compile=False)),
        limit=4 << 30,
    ))
    assert result.handle.module is not handle.module
    assert _weights_digest(handle.module) == before


def _run_cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "slimbench.cli", *map(str, args)],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd, check=False,
    )


def test_the_command_line_stops_at_its_memory_limit(tmp_path: Path) -> None:
    torch.save(_wide_mlp(), tmp_path / "wide.pt")
    original = (tmp_path / "wide.pt").read_bytes()
    output = tmp_path / "wide-int8.pt"

    done = _run_cli("quantize", tmp_path / "wide.pt", "--trust-pickle", "--input-shape",
                    "1,2048", "--scheme", "int8-dynamic", "--no-compile", "--memory-limit",
                    "150M", "-o", output, cwd=tmp_path)

    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "memory" in done.stderr
    assert (tmp_path / "wide.pt").read_bytes() == original
    assert not output.exists()
    assert not [p for p in tmp_path.iterdir() if p.name not in ("wide.pt",)]


def test_a_bad_memory_limit_on_the_command_line_is_one_line(tmp_path: Path) -> None:
    done = _run_cli("zoo", "--memory-limit", "plenty", cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr.startswith("slimbench: error: 'plenty' is not a memory size")
    assert done.stderr.count("\n") == 1


# --- GPUs (run on a CUDA machine; skipped elsewhere) ----------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_out_of_memory_is_one_sentence_and_the_gpu_recovers() -> None:
    from slimbench.engine.measure import BenchConfig, bench_job

    handle = ModelHandle(name="wide", module=_wide_mlp(), source="test", location="test",
                         example_inputs=(torch.randn(1, 2048),))
    before = _weights_digest(handle.module)
    memory.set_gpu_memory_limit("300M")
    try:
        # Weights (134 MB) fit; a batch of 16384 needs 16384 x 8192 x 4 B = 512 MB more.
        with pytest.raises(MemoryLimitError) as caught:
            run_job(memory.guard_job(bench_job(handle, BenchConfig(
                device="cuda", batch_size=16384, warmup=1, repeats=2))))
        assert "out of memory" in str(caught.value) and "\n" not in str(caught.value)

        def grab() -> Generator[Progress, None, None]:
            yield Progress(0, 1, "allocating")
            torch.empty(1 << 40, dtype=torch.uint8, device="cuda")

        with pytest.raises(MemoryLimitError, match="GPU ran out of memory"):
            run_job(memory.guard_job(grab()))

        # The GPU has its memory back: the same model at batch 1 runs.
        result = run_job(memory.guard_job(bench_job(handle, BenchConfig(
            device="cuda", batch_size=1, warmup=1, repeats=3))))
        assert result.latency_ms["median"] > 0
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    assert _weights_digest(handle.module) == before
    assert torch.cuda.memory_allocated() < 200 * MB


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_the_command_line_caps_gpu_memory(tmp_path: Path) -> None:
    torch.save(_wide_mlp(), tmp_path / "wide.pt")

    done = _run_cli("bench", tmp_path / "wide.pt", "--trust-pickle", "--input-shape",
                    "1,2048", "--batch-size", "16384", "--device", "cuda", "--repeats", "2",
                    "--no-roofline", "--gpu-memory-limit", "300M", cwd=tmp_path)

    assert done.returncode == 2, done.stderr
    assert "out of memory" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
