"""Python's cyclic garbage collector, run on the GUI thread only.

The collector runs on whichever thread happens to allocate when a threshold is crossed. If that
is a job's worker thread (a report job drawing with matplotlib allocates a lot) and the garbage
holds Qt objects (a closed window's menu, a finished chart), they are destroyed on the worker
thread while the GUI thread deletes other Qt objects: the two lock each other (seen in the test
suite as a hang in ``QObject::~QObject``). So automatic collection is switched off and a timer on
the GUI thread collects with the same thresholds. This is the usual remedy for PyQt/PySide
applications with Python worker threads.

Two things keep each collection short (the GUI must not stall over 50 ms). The timer runs often,
so the youngest generation holds what ~100 ms of jobs allocated, not what 500 ms did (40 ms to
scan on a 2-core machine). And a full collection, which scans every object of a process with
torch imported (200 ms for ~350k objects), waits, as CPython's own collector does, until the
objects that reached the oldest generation since the last one are a quarter of those that
survived it; ``gc.collect(2)`` by itself skips that rule, so this collector applies it. And the
objects that exist once torch and the engine are imported (modules, functions, classes: most of
those 350k) are frozen out of the collector's sight, since they live as long as the process.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 100
#: A full collection waits until the oldest generation grew by this share (CPython's rule).
FULL_COLLECTION_GROWTH = 0.25


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start()
        # CPython's long_lived_total and long_lived_pending (gcmodule.c).
        self._long_lived_total = len(gc.get_objects(generation=2))
        self._long_lived_pending = 0

    def collect_if_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold (as Python would)."""
        counts = gc.get_count()
        generation = -1
        for index in range(3):
            if counts[index] > self.thresholds[index] and (
                    index < 2 or self._long_lived_pending
                    > FULL_COLLECTION_GROWTH * self._long_lived_total):
                generation = index
        if generation < 0:
            return 0
        # Generations 0 and 1 are small: counting them costs far less than collecting them.
        young = (len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
                 if generation == 1 else 0)
        collected = gc.collect(generation)
        if generation == 1:
            self._long_lived_pending += max(0, young - collected)  # the survivors moved up
        elif generation == 2:
            self._long_lived_total = len(gc.get_objects(generation=2))
            self._long_lived_pending = 0
        return collected


_frozen = False


def freeze_long_lived_objects() -> None:
    """Move every object alive now into the permanent generation, once per process; full
    collections then scan only what the workbench made since."""
    global _frozen
    if not _frozen:
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
