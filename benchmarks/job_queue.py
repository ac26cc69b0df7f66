"""Fifty jobs queued at once in the window: GUI stalls, memory, and how each job ended.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.job_queue

An offscreen MainWindow opens zoo:mlp-digits, runs one job of each kind as a warm-up, then
queues 50 jobs through the window's own methods (30 short benchmarks, 11 int8 dynamic
quantizations with the window's default measurement settings, 5 that fail, 3 cancelled while
running and 2 cancelled while waiting), one per pass of the event loop as clicks would, and
runs the event loop until every job, and the inspection and quality jobs each quantization
adds, has ended. Meanwhile a 10 ms timer on the GUI thread measures the longest gap between its
ticks (the stall) and the GUI thread's CPU time in each gap, and a 100 ms timer samples the
process's RSS. Then the variants the jobs made are deleted, the finished jobs cleared and
garbage collected, and RSS is read again (and once more after glibc's malloc_trim, which tells
memory the allocator keeps for reuse from memory still in use).

Targets (DESIGN.md): the GUI never stalls more than 50 ms; RSS after cleanup near baseline.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from benchmarks.common import write_results
from benchmarks.gui_responsiveness import StallMeter
from slimbench.app.job_runner import JobRecord
from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
from slimbench.engine.devices import cpu_device
from slimbench.engine.measure import BenchConfig
from slimbench.engine.memory import release_freed_memory, resident_memory

SHORT = BenchConfig(warmup=1, repeats=3)
LONG = BenchConfig(warmup=0, repeats=100_000, max_seconds=600)
MISSING_GPU = BenchConfig(device="cuda:7", warmup=1, repeats=3)
STALL_TARGET_MS = 50.0


def rss_bytes() -> int:
    """This process's resident memory, in bytes (Linux)."""
    resident = resident_memory(include_children=False)
    if resident is None:
        raise RuntimeError("resident memory cannot be read here (Linux's /proc only)")
    return resident


def live_torch_objects() -> dict[str, int]:
    """Tensors and modules reachable by the garbage collector (a leak shows as growth)."""
    tensors = modules = 0
    for obj in gc.get_objects():
        if isinstance(obj, torch.Tensor):
            tensors += 1
        elif isinstance(obj, torch.nn.Module):
            modules += 1
    return {"tensors": tensors, "modules": modules}


def settle(app: QCoreApplication) -> None:
    """Deliver deferred deletions and collect garbage, as an idle window eventually does."""
    for _ in range(3):
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()


def quantize_options(window: MainWindow, scheme: str = "int8-dynamic") -> dict[str, Any]:
    options = window.compress.options("quantize")
    options.update(scheme=scheme, compile=False, auto_skip=0)
    return options


def clean_up(window: MainWindow, keep: Any, app: QCoreApplication) -> None:
    """Dismiss error messages, delete every variant but ``keep``, clear finished jobs."""
    for box in window.findChildren(QMessageBox):
        box.close()
    window.variants.clearSelection()
    window.delete_variants([v.id for v in window.workspace if v is not keep])
    window.jobs.clear_finished()
    window._autosave_timer.stop()
    if window._autosave_thread is not None:
        window._autosave_thread.join(timeout=120)
    settle(app)


Submit = Callable[[], JobRecord]


def fifty_submissions(window: MainWindow) -> list[tuple[str, Submit]]:
    """The 50 submissions, in order, each with the group that says how its job must end."""
    def cancelled_while_waiting() -> JobRecord:
        record = window.run_benchmark(SHORT)
        window.runner.cancel(record.id)
        return record

    plan: list[tuple[str, Submit]] = []
    for index in range(10):
        plan += [("short benchmark", lambda: window.run_benchmark(SHORT))] * 3
        plan.append(("quantize int8",
                     lambda: window.run_compression("quantize", quantize_options(window))))
        if index in (2, 6):
            plan.append(("cancel while running", lambda: window.run_benchmark(LONG)))
        if index in (1, 4, 7):
            plan.append(("must fail", lambda: window.run_benchmark(MISSING_GPU)))
        if index in (3, 8):
            plan.append(("must fail", lambda: window.run_compression(
                "quantize", quantize_options(window, "int3-nonexistent"))))
        if index in (5, 9):
            plan.append(("cancel while queued", cancelled_while_waiting))
        if index == 4:
            plan.append(("cancel while running",
                         lambda: window.run_compression("quantize", quantize_options(window))))
    return plan


def submit_one_per_event(app: QCoreApplication, plan: list[tuple[str, Submit]],
                         groups: dict[str, list[JobRecord]]) -> list[float]:
    """Submit each job from an event of its own, as clicks (or a script driven by the event
    loop) would; returns the milliseconds each submission took on the GUI thread."""
    took = []
    for group, submit in plan:
        started = time.perf_counter()
        groups.setdefault(group, []).append(submit())
        took.append((time.perf_counter() - started) * 1000)
        app.processEvents()
    return took


class CpuStallMeter(StallMeter):
    """Also the GUI thread's own CPU time between ticks: a gap much longer than the CPU spent
    in it was the thread waiting (for a processor other processes held, or for the GIL)."""

    def start(self) -> None:
        self.cpu_gaps: list[float] = []
        self._cpu = time.thread_time()
        super().start()

    def _tick(self) -> None:
        now = time.thread_time()
        self.cpu_gaps.append((now - self._cpu) * 1000)
        self._cpu = now
        super()._tick()


class RssSampler:
    """The process's RSS every ``interval_ms`` on the GUI thread; keeps the highest."""

    def __init__(self, interval_ms: int = 100) -> None:
        self.peak = 0
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.sample)

    def sample(self) -> None:
        self.peak = max(self.peak, rss_bytes())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="zoo:mlp-digits")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    mib = 1024 * 1024
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = folder  # the window's autosave goes here, not home
        window = MainWindow(store=open_store(str(Path(folder) / "s.ini")),
                            devices=[cpu_device()])
        window.show()
        record = window.open_model(args.model)
        window.runner.wait_all()
        original = window.current
        assert original is not None, record.error if record else "no window"

        window.run_benchmark(SHORT)
        window.run_compression("quantize", quantize_options(window))
        window.run_benchmark(MISSING_GPU)
        window.runner.wait_all()
        clean_up(window, original, app)
        baseline_rss = rss_bytes()
        baseline_torch = live_torch_objects()
        baseline_qobjects = len(window.findChildren(QObject))

        cancel_ids: set[int] = set()

        def cancel_mid_way(job: JobRecord, progress: Any) -> None:
            if job.id in cancel_ids:  # at its first Progress: running, work ahead
                window.runner.cancel(job.id)

        window.runner.job_progress.connect(cancel_mid_way)
        sampler = RssSampler()
        meter = CpuStallMeter()
        plan = fifty_submissions(window)
        load_before = round(os.getloadavg()[0], 2)
        first_id = max(r.id for r in window.runner.jobs()) + 1
        started = time.perf_counter()
        meter.start()
        sampler.timer.start()
        groups: dict[str, list[JobRecord]] = {}
        submit_each_ms = submit_one_per_event(app, plan, groups)
        cancel_ids.update(r.id for r in groups["cancel while running"])
        submit_ms = (time.perf_counter() - started) * 1000
        window.runner.wait_all()
        seconds = time.perf_counter() - started
        sampler.sample()
        sampler.timer.stop()
        stall = meter.stop()
        window.runner.job_progress.disconnect(cancel_mid_way)

        queued = [r for group in groups.values() for r in group]
        every = [r for r in window.runner.jobs() if r.id >= first_id]
        per_state = dict(Counter(r.state for r in queued))
        all_states = dict(Counter(r.state for r in every))
        expected = {"short benchmark": "done", "quantize int8": "done", "must fail": "failed",
                    "cancel while running": "cancelled", "cancel while queued": "cancelled"}
        unexpected = [f"{r.title}: {r.state}" for name, group in groups.items() for r in group
                      if r.state != expected[name]]
        errors = sorted({r.error or "" for r in groups["must fail"]})
        clean_errors = all(e and "\n" not in e and "Traceback" not in e for e in errors)
        models = [weakref.ref(obj) for v in window.workspace if v is not original
                  for obj in (v.handle, v.handle.module)]
        variants_made = len(models) // 2
        peak_torch = live_torch_objects()

        clean_up(window, original, app)
        after_rss = rss_bytes()
        after_torch = live_torch_objects()
        after_qobjects = len(window.findChildren(QObject))
        alive = sum(ref() is not None for ref in models)
        trim_started = time.perf_counter()
        trimmed = release_freed_memory()
        trim_ms = (time.perf_counter() - trim_started) * 1000
        trimmed_rss = rss_bytes()

        again = window.run_benchmark(SHORT)
        window.runner.wait_all()
        window.close()

    row = {
        "model": args.model,
        "jobs_queued": len(queued),
        "jobs_run_in_all": len(every),
        "submit_ms": round(submit_ms, 1),
        "seconds": round(seconds, 2),
        "submit_each_ms": {"median": round(statistics.median(submit_each_ms), 2),
                           "max": round(max(submit_each_ms), 2),
                           "sum": round(sum(submit_each_ms), 1)},
        **{key: round(value, 1) for key, value in stall.items()},
        "stall_target_ms": STALL_TARGET_MS,
        # Other processes on the machine lengthen the stalls: the 1-minute load average
        # (runnable processes per core count) before and after the queue.
        "load_average_1min": {"before": load_before, "after": round(os.getloadavg()[0], 2)},
        "gaps_over_target": sum(gap > STALL_TARGET_MS for gap in meter.gaps),
        "max_gui_cpu_between_ticks_ms": round(max(meter.cpu_gaps), 1),
        "longest_gaps_ms": sorted(meter.gaps)[-5:],
        "per_state": per_state,
        "per_state_with_follow_ups": all_states,
        "per_group": {name: dict(Counter(r.state for r in group))
                      for name, group in groups.items()},
        "unexpected_states": unexpected,
        "errors": errors,
        "errors_one_line_without_traceback": clean_errors,
        "rss_baseline_bytes": baseline_rss,
        "rss_peak_bytes": sampler.peak,
        "rss_after_cleanup_bytes": after_rss,
        "rss_after_malloc_trim_bytes": trimmed_rss if trimmed else None,
        "malloc_trim_ms": round(trim_ms, 1),
        "rss_after_minus_baseline_mib": round((after_rss - baseline_rss) / mib, 1),
        "torch_objects": {"baseline": baseline_torch, "all_variants_alive": peak_torch,
                          "after_cleanup": after_torch},
        "qobjects_under_window": {"baseline": baseline_qobjects, "after_cleanup":
                                  after_qobjects},
        "variants_made": variants_made,
        "models_alive_after_cleanup": alive,
        "new_job_after_cleanup": again.state,
    }
    print(f"{len(queued)} jobs queued in {submit_ms:.0f} ms, {len(every)} run in all "
          f"(with follow-ups) in {seconds:.1f} s: {per_state}")
    print(f"GUI stall: longest {stall['max_stall_ms']:.1f} ms, p99 {stall['p99_gap_ms']:.1f} ms "
          f"over {stall['ticks']} ticks of a 10 ms timer (target < {STALL_TARGET_MS:.0f} ms); "
          f"{row['gaps_over_target']} gaps over the target; at most "
          f"{row['max_gui_cpu_between_ticks_ms']:.0f} ms of GUI-thread CPU between two ticks; "
          f"one submission takes "
          f"{row['submit_each_ms']['median']:.1f} ms (max {row['submit_each_ms']['max']:.1f}); "
          f"load average {load_before} -> {row['load_average_1min']['after']} "
          f"on {os.cpu_count()} cores")
    print(f"RSS: baseline {baseline_rss / mib:.1f} MiB, peak {sampler.peak / mib:.1f} MiB, "
          f"after cleanup {after_rss / mib:.1f} MiB "
          f"({(after_rss - baseline_rss) / mib:+.1f} MiB)"
          + (f", after malloc_trim {trimmed_rss / mib:.1f} MiB (the trim took {trim_ms:.0f} ms)"
             if trimmed else ""))
    print(f"models alive after cleanup: {alive} of {len(models)}; tensors "
          f"{baseline_torch['tensors']} -> {after_torch['tensors']}, modules "
          f"{baseline_torch['modules']} -> "
          f"{after_torch['modules']}; QObjects {baseline_qobjects} -> {after_qobjects}")
    if unexpected:
        print("unexpected end states: " + "; ".join(unexpected))
    path = write_results("job_queue", [row])
    print(f"wrote {path}")
    return row


if __name__ == "__main__":
    main()
