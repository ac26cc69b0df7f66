"""Garbage collection runs on the GUI thread only, however much a job's thread allocates."""

from __future__ import annotations

import gc
import threading

import pytest

pytest.importorskip("PySide6")

from slimbench.app.garbage_collection import GuiThreadCollector, collect_on_gui_thread


def test_jobs_allocating_on_a_worker_thread_never_run_the_collector(qtbot) -> None:
    collector = collect_on_gui_thread()
    assert isinstance(collector, GuiThreadCollector) and not gc.isenabled()
    assert collect_on_gui_thread() is collector  # one per application
    collecting_threads: set[int] = set()

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            collecting_threads.add(threading.get_ident())

    gc.callbacks.append(record)
    try:
        def allocate_cycles() -> None:  # what matplotlib does while drawing a report
            for _ in range(200_000):
                node: dict = {}
                node["self"] = node

        worker = threading.Thread(target=allocate_cycles)
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: threading.main_thread().ident in collecting_threads,
                        timeout=5000)
    finally:
        gc.callbacks.remove(record)
    assert collecting_threads == {threading.main_thread().ident}
