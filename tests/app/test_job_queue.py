"""Fifty jobs queued at once in a real window: they all end cleanly and leave nothing behind.

The leak checks use deterministic measures only: weak references to the models the jobs made
(dead once their variants are deleted) and the number of Qt objects under the window (and of
items in its charts' scenes), compared with a baseline taken after one warm-up round of the
same kinds of job, so that what Qt creates lazily on first use (the status bar, a dialog's
layout) is in the baseline. Wall-clock times and RSS are for benchmarks/job_queue.py.
"""

from __future__ import annotations

import functools
import gc
import weakref
from collections import Counter
from typing import Any

import pytest
import torch

pytest.importorskip("PySide6")

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QGraphicsView, QMessageBox

from slimbench.app.job_runner import FINISHED_STATES, JobRecord
from slimbench.app.main_window import MainWindow
from slimbench.engine.measure import BenchConfig
from slimbench.widgets.job_list import MESSAGE

SLOW = 120_000
SHORT = BenchConfig(warmup=1, repeats=3)
#: Runs until cancelled (the test cancels it at its first progress report).
LONG = BenchConfig(warmup=0, repeats=100_000, max_seconds=600)
MISSING_GPU = BenchConfig(device="cuda:7", warmup=1, repeats=3)




@pytest.fixture(autouse=True)
def _quick_quantize_timing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Time each quantized model for a moment instead of 5 x 0.25 s against a bf16 baseline:
    this test is about the queue, and it keeps the eleven quantizations within a few seconds."""
    import slimbench.engine.quantize as quantize

    monkeypatch.setattr(quantize, "QuantizeConfig", functools.partial(
        quantize.QuantizeConfig, rounds=1, round_seconds=0.02, baselines=()))


def _quantize_options(window: MainWindow, scheme: str = "int8-dynamic") -> dict[str, Any]:
    options = window.compress.options("quantize")
    options.update(scheme=scheme, compile=False, auto_skip=0)
    return options


def _settle() -> None:
    """Deliver deferred deletions and collect (the window's collector runs on a timer)."""
    for _ in range(3):
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()


def _qt_census(window: MainWindow) -> tuple[Counter[str], int]:
    """Qt objects under the window by class, and items in the scenes of its charts."""
    objects = Counter(type(child).__name__ for child in window.findChildren(QObject))
    items = sum(len(view.scene().items()) for view in window.findChildren(QGraphicsView)
                if view.scene() is not None)
    return objects, items


def _clean_up(window: MainWindow, qtbot, keep: Any) -> None:  # type: ignore[no-untyped-def]
    """What a user does after a batch: dismiss the error messages, delete the variants the
    jobs made, clear the finished jobs from the list, look at each chart once."""
    assert window.runner.wait_all(SLOW)
    for box in window.findChildren(QMessageBox):
        box.close()
    window.variants.clearSelection()
    window.delete_variants([v.id for v in window.workspace if v is not keep])
    window.jobs.clear_finished()
    for tab in (window.tradeoffs, window.before_after, window.live_page):
        window.tabs.setCurrentWidget(tab)
        qtbot.wait(20)  # the chart in view redraws in an event of its own
    # The autosave of the deleted variants may still be writing on its thread.
    window._autosave_timer.stop()
    if window._autosave_thread is not None:
        window._autosave_thread.join(timeout=SLOW / 1000)
    _settle()


def _one_line_without_traceback(text: str | None) -> bool:
    return bool(text) and "\n" not in text and "Traceback" not in text and 'File "' not in text


def test_fifty_queued_jobs_end_cleanly_and_leave_nothing_behind(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.model_ready, timeout=SLOW):
        window.open_model("zoo:mlp-digits")
    original = window.current
    weights = {k: v.clone() for k, v in original.handle.module.state_dict().items()}

    # Warm-up: one job of each kind, so lazily created Qt objects are in the baseline.
    window.run_benchmark(SHORT)
    window.run_compression("quantize", _quantize_options(window))
    window.run_benchmark(MISSING_GPU)
    _clean_up(window, qtbot, original)
    baseline_objects, baseline_items = _qt_census(window)

    # The queue: 50 jobs submitted at once, one running at a time, the rest waiting.
    records: dict[str, list[JobRecord]] = {"short": [], "quantize": [], "fail": [],
                                           "cancel_running": [], "cancel_queued": []}
    for index in range(10):
        records["short"] += [window.run_benchmark(SHORT) for _ in range(3)]
        records["quantize"].append(window.run_compression("quantize",
                                                          _quantize_options(window)))
        if index in (2, 6):
            records["cancel_running"].append(window.run_benchmark(LONG))
        if index in (1, 4, 7):
            records["fail"].append(window.run_benchmark(MISSING_GPU))
        if index in (3, 8):
            records["fail"].append(window.run_compression(
                "quantize", _quantize_options(window, "int3-nonexistent")))
        if index in (5, 9):
            waiting = window.run_benchmark(SHORT)
            records["cancel_queued"].append(waiting)
            window.runner.cancel(waiting.id)
        if index == 4:
            records["cancel_running"].append(window.run_compression(
                "quantize", _quantize_options(window)))
    queued = [record for group in records.values() for record in group]
    assert len(queued) == 50 and all(record is not None for record in queued)
    assert window.runner.active_count() == 48  # the two cancelled while waiting are gone

    cancel_running = {record.id for record in records["cancel_running"]}

    def cancel_mid_way(record: JobRecord, progress: Any) -> None:
        # At its first Progress: the job is running, with all its work still ahead.
        if record.id in cancel_running:
            window.runner.cancel(record.id)

    window.runner.job_progress.connect(cancel_mid_way)
    # Each quantization adds an inspection and a quality job when it ends; wait for them too.
    assert window.runner.wait_all(10 * SLOW)
    window.runner.job_progress.disconnect(cancel_mid_way)

    # Every job ended, each in the state its kind calls for.
    assert all(record.state in FINISHED_STATES for record in window.runner.jobs())
    states = Counter(record.state for record in queued)
    assert states == {"done": 40, "failed": 5, "cancelled": 5}, states
    assert all(r.state == "done" for r in records["short"] + records["quantize"])
    assert all(r.state == "failed" for r in records["fail"])
    assert all(r.state == "cancelled" and r.started_at is not None
               for r in records["cancel_running"])
    assert all(r.state == "cancelled" and r.started_at is None
               for r in records["cancel_queued"])
    # A failure is one sentence for the user, never a traceback, in the list and a dialog.
    for record in records["fail"]:
        assert _one_line_without_traceback(record.error), record.error
        assert record.error_type in ("DeviceError", "QuantizeError")
        row = window.jobs.row_of(record.id)
        assert window.jobs.table.item(row, MESSAGE).text() == \
            record.error
    dialogs = [box.text() for box in window.findChildren(QMessageBox) if box.isVisible()]
    assert len(dialogs) == 5 and all(_one_line_without_traceback(t) for t in dialogs)

    # Ten quantized variants, each measured; the original is untouched.
    made = [v for v in window.workspace if v is not original]
    assert len(made) == 10
    assert all(v.inspection is not None and v.accuracy is not None for v in made)
    assert all(torch.equal(weights[k], v)
               for k, v in original.handle.module.state_dict().items())
    assert len(original.benchmarks) == 1  # one device, dtype and batch size: the newest kept
    assert original.latest_benchmark() is records["short"][-1].result

    # Deleting what the jobs made frees their models and every Qt object they added.
    models = [weakref.ref(obj) for v in made for obj in (v.handle, v.handle.module)]
    del made
    _clean_up(window, qtbot, original)
    alive = [ref() for ref in models if ref() is not None]
    assert not alive, f"{len(alive)} of {len(models)} models still alive: " + ", ".join(
        {type(obj).__name__ for obj in alive})
    objects, items = _qt_census(window)
    assert objects == baseline_objects, (objects - baseline_objects, baseline_objects - objects)
    assert items == baseline_items
    assert window.jobs.table.rowCount() == 0

    # The window still takes and runs a new job.
    after = window.run_benchmark(SHORT)
    assert window.runner.wait_all(SLOW)
    assert after.state == "done" and original.latest_benchmark() is after.result


def test_the_job_list_keeps_the_newest_finished_jobs_only(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A long session would otherwise pile up a row (and a progress bar) per job forever."""
    from dataclasses import dataclass

    from PySide6.QtWidgets import QProgressBar

    from slimbench.widgets.job_list import JobListWidget

    @dataclass(eq=False)
    class Record:
        id: int
        state: str = "queued"
        title: str = "Benchmark"
        kind: str = "benchmark"
        progress: float | None = 0.0
        message: str = ""
        error: str | None = None
        cancel_requested: bool = False
        elapsed: float | None = None

    jobs = JobListWidget()
    qtbot.addWidget(jobs)
    jobs.max_finished_rows = 3
    running = Record(1, state="running")
    jobs.add_job(running)
    for job_id in range(2, 9):
        record = Record(job_id)
        jobs.add_job(record)
        record.state = "done" if job_id % 2 else "failed"
        jobs.update_job(record)
    assert jobs.job_ids() == [1, 6, 7, 8]
    assert jobs.table.rowCount() == 4 and jobs.row_of(2) == -1
    _settle()
    assert len(jobs.findChildren(QProgressBar)) == 4
    running.state = "cancelled"
    jobs.update_job(running)  # the oldest row, yet the newest to finish: it stays
    assert jobs.job_ids() == [1, 7, 8]
