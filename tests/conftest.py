"""Fixtures for every test. Must not import Qt: engine tests also run with Qt blocked."""

from __future__ import annotations

import gc
import os
import tempfile
import threading
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Autosaves and reports go to the user data folder: the tests get a folder of their own.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="slimbench-test-data-")


@pytest.fixture(autouse=True)
def _garbage_collection_back_on() -> Iterator[None]:
    """A window hands garbage collection to its GUI thread's timer, which only runs while an
    event loop does: after each test collect here (on the main thread) and switch automatic
    collection back on, so the tests after it do not pile up garbage."""
    yield
    if not gc.isenabled():  # only after a test that made a window: a full collection is slow
        gc.collect()
        gc.enable()


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a thread running (a worker it forgot to stop)."""
    before = set(threading.enumerate())
    yield
    leaked = []
    for thread in set(threading.enumerate()) - before:
        # Daemon threads and the dummy entries Python makes for foreign (Qt pool) threads
        # cannot be joined; Qt workers are checked by the runner's own shutdown tests.
        if thread.daemon or isinstance(thread, threading._DummyThread):
            continue
        thread.join(timeout=5)
        if thread.is_alive():
            leaked.append(thread.name)
    assert not leaked, f"test left threads running: {leaked}"
