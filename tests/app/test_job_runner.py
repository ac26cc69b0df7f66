"""JobRunner: real engine jobs on worker threads, failures, cancellation, shutdown, GUI stalls.

Worker-thread code in these tests uses ``threading.get_ident()``, never
``threading.current_thread()``: the latter registers a dummy thread for the Qt pool thread, which
the autouse leaked-thread fixture cannot join.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

pytest.importorskip("PySide6")

from PySide6.QtCore import QTimer

from slimbench.app.job_runner import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    JobRecord,
    JobRunner,
)
from slimbench.engine.jobs import Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import BenchConfig, BenchResult, bench, bench_job

SLOW_MS = 60_000


def _small_handle(inputs: bool = True) -> ModelHandle:
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10)).eval()
    example = (torch.randn(4, 32),) if inputs else None
    return ModelHandle("tiny-mlp", module, "test", "-", example_inputs=example)


@pytest.fixture
def runner(qtbot) -> Iterator[JobRunner]:  # type: ignore[no-untyped-def]
    job_runner = JobRunner()
    yield job_runner
    job_runner.shutdown(timeout_ms=10_000)


@pytest.fixture(scope="module")
def warm_engine() -> None:
    """One synchronous benchmark, so its one-time start-up cost (the FLOP counter imports
    torch._dynamo and sympy: ~2.5 s, with GIL-holding stretches of ~250 ms) is not what the
    GUI-stall test measures."""
    bench(_small_handle(), BenchConfig(warmup=1, repeats=1))


def _matmul_steps(steps: int, closed: list[int], size: int = 96) -> Generator[Progress, None, str]:
    """Many small steps of real work; records the thread its ``finally`` ran on."""
    a = torch.randn(size, size)
    try:
        for step in range(steps):
            a = torch.tanh(a @ a)
            yield Progress(step + 1, steps, f"Step {step + 1}/{steps}")
        return "finished"
    finally:
        closed.append(threading.get_ident())


def _finish(qtbot, runner: JobRunner, record: JobRecord) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW_MS)


# --- running to the end ------------------------------------------------------------------


def test_bench_job_runs_to_done_on_a_worker_thread(qtbot, runner: JobRunner) -> None:
    handle = _small_handle()
    config = BenchConfig(warmup=2, repeats=20)
    job_threads: list[int] = []
    slot_threads: set[int] = set()
    progress: list[Progress] = []
    changed: list[str] = []
    added: list[JobRecord] = []

    def job() -> Generator[Progress, None, BenchResult]:
        job_threads.append(threading.get_ident())
        return (yield from bench_job(handle, config))

    def on_progress(record: JobRecord, item: Progress) -> None:
        slot_threads.add(threading.get_ident())
        progress.append(item)

    def on_changed(record: JobRecord) -> None:
        slot_threads.add(threading.get_ident())
        changed.append(record.state)

    runner.job_added.connect(added.append)
    runner.job_progress.connect(on_progress)
    runner.job_changed.connect(on_changed)
    with qtbot.waitSignal(runner.job_finished, timeout=SLOW_MS) as finished:
        record = runner.submit("Benchmark tiny-mlp", "benchmark", job)
        assert added == [record]
    assert finished.args == [record]

    assert record.state == DONE, record.error
    assert record.error is None
    assert isinstance(record.result, BenchResult)
    assert len(record.result.samples_ms) == 20
    assert record.progress == 1.0
    assert record.elapsed is not None and record.elapsed > 0
    # Every Progress arrives, in order: the "Preparing" one, warm-ups, timed runs, and the
    # closing FLOP count at the same final step.
    assert [p.step for p in progress] == [*range(0, 23), 22]
    assert all(p.total == 22 for p in progress)
    assert "latency_ms" in progress[-2].metrics
    assert changed[0] == RUNNING and changed[-1] == DONE
    # The generator ran on a worker thread; every signal arrived on the GUI thread.
    main = threading.get_ident()
    assert len(job_threads) == 1 and job_threads[0] != main
    assert slot_threads == {main}
    assert runner.active_count() == 0


def test_progress_only_changes_are_throttled_but_every_progress_arrives(
    qtbot, runner: JobRunner
) -> None:
    steps = 3000

    def chatty() -> Generator[Progress, None, int]:
        deadline = time.perf_counter() + 0.6  # yield thousands of times over ~0.6 s
        for step in range(1, steps + 1):
            torch.ones(64).sum()
            while time.perf_counter() < deadline - 0.6 * (1 - step / steps):
                time.sleep(0.0001)
            yield Progress(step, steps, f"Step {step}")
        return steps

    seen: list[int] = []
    running_changes: list[float] = []
    runner.job_progress.connect(lambda record, item: seen.append(item.step))
    runner.job_changed.connect(
        lambda record: running_changes.append(time.monotonic()) if record.state == RUNNING else None
    )
    record = runner.submit("Chatty", "test", chatty)
    _finish(qtbot, runner, record)

    assert record.state == DONE and record.result == steps
    assert seen == list(range(1, steps + 1))
    assert record.step == steps and record.message == "Finished"
    gaps = [b - a for a, b in itertools.pairwise(running_changes)]
    assert all(gap >= 0.045 for gap in gaps), min(gaps)
    # Progress-only changes were sent (throttled), not just the state changes.
    assert 5 <= len(running_changes) <= record.elapsed / 0.05 + 2
    print(f"\n{steps} Progress events, {len(running_changes)} job_changed while running")


# --- failures ------------------------------------------------------------------------------


def test_slimbench_error_fails_with_its_sentence_and_the_next_job_runs(
    qtbot, runner: JobRunner
) -> None:
    finished: list[JobRecord] = []
    runner.job_finished.connect(finished.append)
    # A real engine error: benchmarking needs example inputs.
    failing = runner.submit(
        "Benchmark without inputs",
        "benchmark",
        lambda: bench_job(_small_handle(inputs=False), BenchConfig(warmup=1, repeats=2)),
    )
    following = runner.submit(
        "Benchmark", "benchmark", lambda: bench_job(_small_handle(), BenchConfig(repeats=3))
    )
    assert following.state == QUEUED
    assert runner.wait_all(SLOW_MS)

    assert failing.state == FAILED
    assert failing.error is not None and failing.error.startswith("To benchmark the model")
    assert "\n" not in failing.error and "Traceback" not in failing.error
    assert failing.message == failing.error
    assert failing.result is None
    assert following.state == DONE and isinstance(following.result, BenchResult)
    assert finished == [failing, following]


def test_unexpected_exception_is_an_internal_error_and_its_traceback_is_logged(
    qtbot, runner: JobRunner, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Generator[Progress, None, None]:
        yield Progress(1, 2, "About to break")
        {}["missing key"]

    caplog.set_level(logging.ERROR, logger="slimbench.app.job_runner")
    record = runner.submit("Broken", "test", broken)
    _finish(qtbot, runner, record)

    assert record.state == FAILED
    assert record.error is not None
    assert record.error.startswith("Internal error")
    assert "KeyError" in record.error
    assert "\n" not in record.error and "Traceback" not in record.error
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and logged[0].exc_info[0] is KeyError


def test_job_raising_job_cancelled_ends_cancelled(qtbot, runner: JobRunner) -> None:
    from slimbench.engine.errors import JobCancelled

    def gives_up() -> Generator[Progress, None, None]:
        yield Progress(1, 3, "Working")
        raise JobCancelled("The job was cancelled; the original model is unchanged.")

    record = runner.submit("Gives up", "test", gives_up)
    _finish(qtbot, runner, record)
    assert record.state == CANCELLED and record.error is None


# --- cancellation --------------------------------------------------------------------------


def test_cancel_running_generator_job_closes_it_on_the_worker_thread(
    qtbot, runner: JobRunner
) -> None:
    closed: list[int] = []
    record = runner.submit("Matmuls", "test", lambda: _matmul_steps(100_000, closed))
    qtbot.waitUntil(lambda: record.step >= 5, timeout=SLOW_MS)
    assert record.state == RUNNING

    with qtbot.waitSignal(runner.job_finished, timeout=SLOW_MS):
        assert runner.cancel(record.id)
        assert record.cancel_requested and record.message == "Cancelling…"
        assert not runner.cancel(record.id)  # once is enough

    assert record.state == CANCELLED
    assert record.result is None and record.error is None
    assert record.step < 100_000
    assert len(closed) == 1 and closed[0] != threading.get_ident()
    assert not runner.cancel(record.id)


def test_cancel_running_bench_job_stops_it_quickly(qtbot, runner: JobRunner) -> None:
    closed: list[int] = []
    config = BenchConfig(warmup=2, repeats=1_000_000, max_seconds=120.0)

    def job() -> Generator[Progress, None, BenchResult]:
        try:
            return (yield from bench_job(_small_handle(), config))
        finally:
            closed.append(threading.get_ident())

    record = runner.submit("Long benchmark", "benchmark", job)
    qtbot.waitUntil(lambda: record.step > config.warmup + 10, timeout=SLOW_MS)
    started = time.perf_counter()
    with qtbot.waitSignal(runner.job_finished, timeout=SLOW_MS):
        runner.cancel(record.id)
    stopped_in = time.perf_counter() - started

    assert record.state == CANCELLED
    assert record.result is None
    assert closed and closed[0] != threading.get_ident()
    assert stopped_in < 5.0
    print(f"\nbench job stopped {stopped_in * 1000:.1f} ms after cancel()")


def test_cancel_queued_job_removes_it_and_never_starts_it(qtbot, runner: JobRunner) -> None:
    closed: list[int] = []
    factory_calls: list[str] = []

    def never() -> Generator[Progress, None, None]:
        factory_calls.append("called")
        yield Progress(0, 0, "Should not run")

    first = runner.submit("Matmuls", "test", lambda: _matmul_steps(1_000_000, closed))
    queued = runner.submit("Queued", "test", never)
    assert first.state == RUNNING and queued.state == QUEUED
    assert not runner.wait_all(timeout_ms=50)  # the first job is far from done

    with qtbot.waitSignal(runner.job_finished, timeout=1000) as finished:
        assert runner.cancel(queued.id)
    assert finished.args == [queued]
    assert queued.state == CANCELLED and queued.started_at is None
    assert runner.active_count() == 1

    runner.cancel_all()
    assert runner.wait_all(SLOW_MS)
    assert first.state == CANCELLED
    assert factory_calls == []
    assert not runner.cancel(12345)


# --- shutdown ------------------------------------------------------------------------------


def _pool_threads() -> set[str]:
    """Qt pool threads of this process, by task id (Linux)."""
    tasks = Path("/proc/self/task")
    found = set()
    for task in tasks.iterdir():
        try:
            if (task / "comm").read_text().strip().startswith("Thread (pooled)"):
                found.add(task.name)
        except OSError:
            continue
    return found


def test_shutdown_cancels_every_job_and_ends_every_worker_thread(qtbot) -> None:
    before = _pool_threads() if os.path.isdir("/proc/self/task") else set()
    runner = JobRunner(max_parallel=2)
    closed: list[int] = []
    finished: list[JobRecord] = []
    runner.job_finished.connect(finished.append)
    jobs = [
        runner.submit(f"Matmuls {n}", "test", lambda: _matmul_steps(1_000_000, closed))
        for n in range(3)
    ]
    assert [job.state for job in jobs] == [RUNNING, RUNNING, QUEUED]
    qtbot.waitUntil(lambda: jobs[0].step > 2 and jobs[1].step > 2, timeout=SLOW_MS)

    assert runner.shutdown(timeout_ms=SLOW_MS)

    assert [job.state for job in jobs] == [CANCELLED] * 3
    assert sorted(job.id for job in finished) == [job.id for job in jobs]
    assert len(closed) == 2  # the queued one never started
    assert runner.active_count() == 0
    with pytest.raises(RuntimeError):
        runner.submit("Too late", "test", lambda: _matmul_steps(1, closed))
    # Signals still queued from the workers change nothing afterwards.
    qtbot.wait(50)
    assert [job.state for job in jobs] == [CANCELLED] * 3 and len(finished) == 3
    if os.path.isdir("/proc/self/task"):
        # waitForDone removed the pool's threads; they exit within moments.
        qtbot.waitUntil(lambda: _pool_threads() <= before, timeout=2000)


# --- responsiveness ------------------------------------------------------------------------


def test_gui_thread_stays_responsive_during_a_bench_job(
    qtbot, runner: JobRunner, warm_engine: None
) -> None:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    charted: list[float] = []
    runner.job_progress.connect(
        lambda record, item: charted.append(item.metrics.get("latency_ms", 0.0))
    )
    config = BenchConfig(warmup=5, repeats=1_000_000, max_seconds=1.5)
    timer.start()
    try:
        record = runner.submit("Benchmark", "benchmark", lambda: bench_job(_small_handle(), config))
        qtbot.waitUntil(lambda: record.is_finished, timeout=SLOW_MS)
    finally:
        timer.stop()

    assert record.state == DONE, record.error
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    worst_ms = max(gaps) * 1000.0
    runs = len(record.result.samples_ms)
    print(
        f"\nGUI max stall during a {record.elapsed:.2f} s bench job ({runs} runs): "
        f"{worst_ms:.1f} ms over {len(ticks)} ticks of a 10 ms timer"
    )
    assert len(charted) == runs + config.warmup + 2  # preparing, ..., counting FLOPs
    assert worst_ms < 500.0
