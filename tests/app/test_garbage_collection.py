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


def test_an_import_burst_is_frozen_not_scanned_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A job's first import of a big library leaves 100k+ young long-lived objects; scanning
    them stalled the GUI 113 ms. The collector freezes them instead of collecting."""
    import sys
    import types

    collector = collect_on_gui_thread()
    assert collector is not None
    collector.collect_if_due()  # settle: the count of modules is taken as of now
    frozen_before = gc.get_freeze_count()
    names = [f"_slimbench_test_burst_{index}" for index in range(12)]
    generations: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            generations.append(info["generation"])

    try:
        for name in names:
            module = types.ModuleType(name)
            module.table = [{"row": [index]} for index in range(5000)]  # type: ignore[attr-defined]
            sys.modules[name] = module
        gc.callbacks.append(record)
        try:
            assert collector.collect_if_due() == 0
        finally:
            gc.callbacks.remove(record)
        assert generations == []
        assert gc.get_freeze_count() >= frozen_before + 12 * 5000
        # Without new imports the next tick collects as usual again.
        assert collector._modules == len(sys.modules)
    finally:
        for name in names:
            sys.modules.pop(name, None)
