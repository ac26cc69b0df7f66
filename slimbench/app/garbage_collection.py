"""Python's cyclic garbage collector, run on the GUI thread only.

The collector runs on whichever thread happens to allocate when a threshold is crossed. If that
is a job's worker thread (a report job drawing with matplotlib allocates a lot) and the garbage
holds Qt objects (a closed window's menu, a finished chart), they are destroyed on the worker
thread while the GUI thread deletes other Qt objects: the two lock each other (seen in the test
suite as a hang in ``QObject::~QObject``). So automatic collection is switched off and a timer on
the GUI thread collects with the same thresholds. This is the usual remedy for PyQt/PySide
applications with Python worker threads.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start()

    def collect_if_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold (as Python would)."""
        counts = gc.get_count()
        generation = -1
        for index in range(3):
            if counts[index] > self.thresholds[index]:
                generation = index
        return gc.collect(generation) if generation >= 0 else 0


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
