"""Python's cyclic garbage collector, run on the GUI thread only.

The collector runs on whichever thread happens to allocate when a threshold is crossed. If that
is a job's worker thread (a report job drawing with matplotlib allocates a lot) and the garbage
holds Qt objects (a closed window's menu, a finished chart), they are destroyed on the worker
thread while the GUI thread deletes other Qt objects: the two lock each other (seen in the test
suite as a hang in ``QObject::~QObject``). So automatic collection is switched off and a timer on
the GUI thread collects with the same thresholds. This is the usual remedy for PyQt/PySide
applications with Python worker threads.

Three things keep each collection short (the GUI must not stall over 50 ms). The timer runs
often, so the youngest generation holds what ~100 ms of jobs allocated, not what 500 ms did
(40 ms to scan on a 2-core machine). The objects that live as long as the process (torch, the
engine and the compile machinery the jobs use, imported in the background once a model is
shown: ~600k objects) are frozen out of the collector's sight (``gc.freeze``), which takes a
full collection after a compiled quantization from 200 ms to 35 ms. And a full collection runs
at most every 30 s.

A job that imports a library for the first time (the first benchmark pulls in torch's compiler
machinery through the FLOP counter: about 900 modules) makes 100k+ long-lived objects within
one tick; collecting them took 113 ms of the GUI thread. When modules were imported since the
last tick, the collector freezes what is alive instead of scanning it. Cyclic garbage made in
that same tick is frozen with it and never collected: a bounded cost, paid once per library.
"""

from __future__ import annotations

import gc
import sys
import time

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 100
#: Full collections scan every object not frozen: at most one this often.
FULL_COLLECTION_INTERVAL_S = 30.0
#: This many modules imported since the last tick mean long-lived objects: freeze, don't scan.
IMPORT_BURST_MODULES = 10


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start()
        self._last_full = time.monotonic()
        self._modules = len(sys.modules)

    def collect_if_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold (as Python would),
        a full collection at most every FULL_COLLECTION_INTERVAL_S.

        Never asks ``gc.get_objects()``: the list it returns holds a second reference to
        every object, including a tuple a worker thread is still building, and CPython then
        refuses to resize that tuple (a SystemError in the worker's job).
        """
        modules = len(sys.modules)
        if modules - self._modules >= IMPORT_BURST_MODULES:
            self._modules = modules
            freeze_long_lived_objects(again=True)
            return 0
        counts = gc.get_count()
        generation = -1
        for index in range(3):
            if counts[index] > self.thresholds[index] and (
                    index < 2
                    or time.monotonic() - self._last_full > FULL_COLLECTION_INTERVAL_S):
                generation = index
        if generation < 0:
            return 0
        collected = gc.collect(generation)
        if generation == 2:
            self._last_full = time.monotonic()
        return collected


_frozen = False


def freeze_long_lived_objects(again: bool = False) -> None:
    """Move every object alive now into the permanent generation (once per process, unless
    ``again``: after more long-lived modules were imported); full collections then scan only
    what the workbench made since."""
    global _frozen
    if again or not _frozen:
        _frozen = True
        gc.freeze()


def collect_on_gui_thread() -> GuiThreadCollector | None:
    """Install the collector once per application (returns it; None without an application)."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    existing = app.findChild(GuiThreadCollector)
    if existing is None:
        return GuiThreadCollector(app)
    gc.disable()  # (a test harness may have switched it back on between windows)
    return existing
