"""Run engine jobs on worker threads and report them to the GUI thread through Qt signals.

A job is a generator (see :mod:`slimbench.engine.jobs`): it yields ``Progress`` and returns a
result. :class:`JobRunner` queues submitted jobs, runs at most ``max_parallel`` at a time on a
private ``QThreadPool`` with superqt generator workers, and keeps one :class:`JobRecord` per job
that widgets display. The generator runs entirely on its worker thread (the factory is called
there too); only signals cross threads, and every signal of the runner is emitted on the thread
the runner lives in (the GUI thread).

Progress delivery, the choice made here:

- ``job_progress`` is emitted for **every** ``Progress`` a job yields, in order, so live charts
  get every sample. It is never coalesced or dropped.
- What is coalesced is the traffic between threads: a worker appends each ``Progress`` to a
  locked list and posts one "progress ready" event only when that list was empty. The GUI thread
  takes the whole list per event. However fast a job yields, at most one event per job waits in
  the GUI's queue, and a slow GUI simply receives bigger batches; a job that yields once and then
  works for a minute still has its ``Progress`` shown at once (no timer delays it).
- ``job_changed`` for progress-only changes is throttled to at most one per
  ``changed_interval_ms`` (50 ms) per job; the latest values are always delivered. State changes
  (queued -> running -> done/failed/cancelled) and cancel requests are emitted at once. Every
  remaining ``Progress`` of a job is delivered before its final ``job_changed`` and
  ``job_finished``.

Cancelling is cooperative: a running job's worker stops between two yields and closes the
generator on the worker thread, so the job's ``finally`` blocks run there. Once a running job's
cancel is requested, the job ends "cancelled", never "done" (a result it produced meanwhile is
discarded). A job that raises :class:`SlimbenchError` ends "failed" with that error's one sentence;
any other exception ends "failed" with an "Internal error: ..." line, and its traceback goes to
the log, never to the user.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from superqt.utils import GeneratorWorker, create_worker

from slimbench.engine.errors import JobCancelled, SlimbenchError
from slimbench.engine.jobs import Progress

logger = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
#: Every state a job can be in, in the order it passes through them.
JOB_STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
#: States a job never leaves.
FINISHED_STATES = frozenset({DONE, FAILED, CANCELLED})

JobFactory = Callable[[], Generator[Progress, Any, Any]]


@dataclass(eq=False)
class JobRecord:
    """What the GUI knows about one job. Only the runner changes it, on the GUI thread.

    ``progress`` is the fraction done in [0, 1], or None while the job cannot tell (its
    ``Progress.total`` is 0). Times come from ``time.monotonic()``. ``error`` is the one
    sentence shown to the user when the job failed.
    """

    id: int
    title: str
    kind: str
    state: str = QUEUED
    progress: float | None = 0.0
    step: int = 0
    total: int = 0
    message: str = ""
    #: Metrics of the latest Progress.
    metrics: dict[str, Any] = field(default_factory=dict)
    submitted_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None
    finished_at: float | None = None
    result: Any = None
    error: str | None = None
    #: Class name of the error (e.g. "UntrustedPickleError"), so the window can offer a
    #: follow-up such as "trust this file"; the exception itself is not kept (it would pin
    #: the job's frames and models in memory).
    error_type: str | None = None
    cancel_requested: bool = False

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    @property
    def is_active(self) -> bool:
        """Queued or running."""
        return not self.is_finished

    @property
    def elapsed(self) -> float | None:
        """Seconds the job has run (until it finished), or None if it never started."""
        if self.started_at is None:
            return None
        end = self.finished_at if self.finished_at is not None else time.monotonic()
        return max(0.0, end - self.started_at)


def user_message(error: BaseException) -> str:
    """The line a user sees: a SlimbenchError's one sentence, else an 'Internal error' line."""
    if isinstance(error, SlimbenchError):
        return str(error)
    lines = str(error).strip().splitlines()
    detail = f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__
    return QCoreApplication.translate(
        "JobRunner", "Internal error: {detail} (details are in the log)."
    ).format(detail=detail)


# --- worker (runs on a pool thread) -------------------------------------------------------


class _JobWorkerSignals(QObject):
    """The signals of superqt's generator worker, plus ``progress_ready``."""

    started = Signal()
    finished = Signal()
    _finished = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    warned = Signal(tuple)
    yielded = Signal(object)
    paused = Signal()
    resumed = Signal()
    aborted = Signal()
    #: Progress is waiting in ``take_progress()`` (posted only when the list was empty).
    progress_ready = Signal()


def _drive(factory: JobFactory) -> Generator[Progress, Any, Any]:
    """Call the job factory and run its generator under the memory limit for one job; both
    happen on the worker thread, so an overrun is raised into this thread, never the GUI's."""
    from slimbench.engine.memory import guard_job

    return (yield from guard_job(factory()))


class _JobWorker(GeneratorWorker):
    """A superqt GeneratorWorker that buffers Progress and always closes its generator.

    superqt's worker, when aborted, leaves the generator suspended (its ``finally`` would run
    later, on whatever thread garbage-collects it), and its ``run`` swaps the process-wide
    warnings filters and ``showwarning`` while a job runs, which two overlapping workers leave
    wrongly restored. This one closes the generator on the worker thread and leaves warnings
    alone. The outcome is stored on the worker before ``finished`` is emitted.
    """

    def __init__(self, func: Callable[..., Generator[Progress, Any, Any]], factory: JobFactory):
        super().__init__(func, factory, SignalsClass=_JobWorkerSignals)
        self.setAutoDelete(False)
        self._lock = threading.Lock()
        self._pending: list[Progress] = []
        #: "returned", "errored" or "aborted" once run() ended; None before.
        self.outcome: str | None = None
        self.result: Any = None
        self.exception: BaseException | None = None

    def take_progress(self) -> list[Progress]:
        """Every Progress yielded since the last call, oldest first."""
        with self._lock:
            items, self._pending = self._pending, []
        return items

    def work(self) -> Any:
        generator = self._gen
        try:
            while not self.abort_requested:
                try:
                    item = generator.send(None)
                except StopIteration as stop:
                    return stop.value
                if isinstance(item, Progress):
                    with self._lock:
                        notify = not self._pending
                        self._pending.append(item)
                    if notify:
                        self.signals.progress_ready.emit()
            self.signals.aborted.emit()
            return None
        finally:
            generator.close()

    def run(self) -> None:
        self._running = True
        self.signals.started.emit()
        try:
            value = self.work()
        except BaseException as error:  # a worker thread has nobody above it to catch it
            self.exception = error
            self.outcome = "errored"
            self.signals.errored.emit(error)
        else:
            if self.abort_requested:
                self.outcome = "aborted"
            else:
                self.result = value
                self.outcome = "returned"
                self.signals.returned.emit(value)
        finally:
            self._gen = None  # drop the job's frames (and the tensors they hold) now
            self._running = False
            self.signals.finished.emit()


@dataclass(eq=False)
class _Running:
    record: JobRecord
    worker: _JobWorker
    last_changed: float = 0.0


# --- runner (lives on the GUI thread) ------------------------------------------------------


class JobRunner(QObject):
    """Queue jobs and run at most ``max_parallel`` at a time on worker threads.

    Signals, all emitted on the runner's (GUI) thread:

    - ``job_added(JobRecord)``: a job was submitted (state "queued").
    - ``job_changed(JobRecord)``: its state, progress or message changed (progress-only changes
      at most every ``changed_interval_ms`` per job).
    - ``job_progress(JobRecord, Progress)``: every Progress the job yields, in order.
    - ``job_finished(JobRecord)``: it ended "done", "failed" or "cancelled".
    """

    job_added = Signal(object)
    job_changed = Signal(object)
    job_progress = Signal(object, object)
    job_finished = Signal(object)
    #: No job is queued or running any more (used by wait_all).
    idle = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_parallel: int = 1,
        changed_interval_ms: int = 50,
    ) -> None:
        super().__init__(parent)
        if max_parallel < 1:
            raise ValueError(f"max_parallel must be at least 1, not {max_parallel}")
        self.max_parallel = max_parallel
        self.changed_interval = changed_interval_ms / 1000.0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_parallel)
        self._ids = itertools.count(1)
        self._records: dict[int, JobRecord] = {}
        self._queue: deque[tuple[JobRecord, JobFactory]] = deque()
        self._running: dict[int, _Running] = {}
        self._dirty: set[int] = set()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._flush_timer.timeout.connect(self._flush_changes)
        self._retired: list[_JobWorker] = []
        self._closed = False

    # --- queries ---------------------------------------------------------------------------

    def job(self, job_id: int) -> JobRecord | None:
        return self._records.get(job_id)

    def jobs(self) -> list[JobRecord]:
        """Every job submitted, oldest first."""
        return list(self._records.values())

    def active_count(self) -> int:
        """Jobs queued or running."""
        return len(self._queue) + len(self._running)

    # --- control ---------------------------------------------------------------------------

    def submit(self, title: str, kind: str, job_factory: JobFactory) -> JobRecord:
        """Queue a job; ``job_factory()`` is called on the worker thread and returns the
        job's generator (e.g. ``lambda: bench_job(handle, config)``)."""
        if self._closed:
            raise RuntimeError("The job runner was shut down; it takes no more jobs.")
        record = JobRecord(
            id=next(self._ids),
            title=title,
            kind=kind,
            message=QCoreApplication.translate("JobRunner", "Waiting"),
        )
        self._records[record.id] = record
        self._queue.append((record, job_factory))
        self.job_added.emit(record)
        self._start_next()
        return record

    def cancel(self, job_id: int) -> bool:
        """Cancel a queued job at once or ask a running one to stop at its next yield.

        Returns False when the job is unknown, already finished or already cancelling.
        """
        record = self._records.get(job_id)
        if record is None or record.is_finished or record.cancel_requested:
            return False
        record.cancel_requested = True
        running = self._running.get(job_id)
        if running is None:
            self._queue = deque(item for item in self._queue if item[0] is not record)
            self._finish(
                record,
                CANCELLED,
                message=QCoreApplication.translate("JobRunner", "Cancelled before it started"),
            )
            self._maybe_idle()
            return True
        running.worker.quit()
        record.message = QCoreApplication.translate("JobRunner", "Cancelling…")
        self._emit_changed(running)
        return True

    def cancel_all(self) -> None:
        """Cancel every queued job, then ask every running job to stop."""
        for record, _factory in list(self._queue):
            self.cancel(record.id)
        for job_id in list(self._running):
            self.cancel(job_id)

    def wait_all(self, timeout_ms: int = -1) -> bool:
        """Run the event loop until no job is queued or running; False on timeout.

        Signals keep being delivered meanwhile. Use ``shutdown()`` to stop everything instead.
        """
        if self.active_count() == 0:
            return True
        # The connection and the timer die with the loop (disconnect() would hit the PySide
        # reference bug above).
        loop = QEventLoop()
        self.idle.connect(loop.quit)
        if timeout_ms >= 0:
            timer = QTimer(loop)
            timer.setSingleShot(True)
            timer.timeout.connect(loop.quit)
            timer.start(timeout_ms)
        loop.exec()
        return self.active_count() == 0

    def shutdown(self, timeout_ms: int = -1) -> bool:
        """Cancel every job and block until every worker thread has ended.

        Meant for the main window's ``closeEvent``. Jobs end "cancelled" (or "failed" when
        closing them raised), with their signals emitted before this returns. Returns False when
        a job did not reach its next yield within ``timeout_ms`` (it keeps running; its thread
        is waited for again when the runner is destroyed).
        """
        self._closed = True
        self.cancel_all()
        # waitForDone releases the GIL, so the workers reach their next yield meanwhile.
        ended = self._pool.waitForDone(timeout_ms)
        for job_id in list(self._running):
            if self._running[job_id].worker.outcome is not None:
                self._on_finished(job_id)
        if not ended:
            logger.warning("%d job(s) did not stop within %d ms", len(self._running), timeout_ms)
        self._flush_timer.stop()
        if ended:
            self._retired.clear()
        return ended

    # --- internals -------------------------------------------------------------------------

    def _start_next(self) -> None:
        while self._queue and len(self._running) < self.max_parallel:
            record, factory = self._queue.popleft()
            worker = create_worker(
                _drive,
                factory,
                _worker_class=_JobWorker,
                _start_thread=False,
                _ignore_errors=True,
            )
            running = _Running(record, worker)
            self._running[record.id] = running
            # Partials run on the sender's thread (the GUI thread: the signals object was
            # created here), so these are queued connections.
            worker.signals.progress_ready.connect(partial(self._on_progress_ready, record.id))
            worker.signals.finished.connect(partial(self._on_finished, record.id))
            record.state = RUNNING
            record.started_at = time.monotonic()
            record.message = QCoreApplication.translate("JobRunner", "Starting")
            self._emit_changed(running)
            self._pool.start(worker)

    def _emit_changed(self, running: _Running) -> None:
        running.last_changed = time.monotonic()
        self._dirty.discard(running.record.id)
        self.job_changed.emit(running.record)

    def _on_progress_ready(self, job_id: int) -> None:
        running = self._running.get(job_id)
        if running is not None:
            self._apply_progress(running, running.worker.take_progress())

    def _apply_progress(self, running: _Running, items: list[Progress]) -> None:
        if not items:
            return
        record = running.record
        for progress in items:
            record.step = progress.step
            record.total = progress.total
            record.progress = progress.fraction
            record.metrics = progress.metrics
            if not record.cancel_requested:
                record.message = progress.message
            self.job_progress.emit(record, progress)
        now = time.monotonic()
        due = running.last_changed + self.changed_interval
        if now >= due:
            self._emit_changed(running)
            return
        self._dirty.add(record.id)
        self._schedule_flush(due - now)

    def _schedule_flush(self, delay_s: float) -> None:
        delay_ms = max(1, int(delay_s * 1000.0 + 0.999))
        if not self._flush_timer.isActive() or self._flush_timer.remainingTime() > delay_ms:
            self._flush_timer.start(delay_ms)

    def _flush_changes(self) -> None:
        now = time.monotonic()
        next_due: float | None = None
        for job_id in list(self._dirty):
            running = self._running.get(job_id)
            if running is None:
                self._dirty.discard(job_id)
                continue
            due = running.last_changed + self.changed_interval
            if now >= due - 0.001:
                self._emit_changed(running)
            else:
                next_due = due if next_due is None else min(next_due, due)
        if next_due is not None:
            self._schedule_flush(next_due - now)

    def _on_finished(self, job_id: int) -> None:
        running = self._running.pop(job_id, None)
        if running is None:
            return  # already finalized (by shutdown)
        worker = running.worker
        record = running.record
        self._dirty.discard(job_id)
        self._apply_progress(running, worker.take_progress())
        if worker.outcome == "errored" and worker.exception is not None:
            error = worker.exception
            if isinstance(error, JobCancelled):
                self._finish(record, CANCELLED, message=str(error))
            else:
                self._log_failure(record, error)
                record.error_type = type(error).__name__
                self._finish(record, FAILED, message=user_message(error), error=user_message(error))
        elif worker.outcome == "returned" and not record.cancel_requested:
            record.result = worker.result
            record.progress = 1.0
            self._finish(record, DONE, message=QCoreApplication.translate("JobRunner", "Finished"))
        else:
            self._finish(
                record, CANCELLED, message=QCoreApplication.translate("JobRunner", "Cancelled")
            )
        worker.exception = None
        worker.result = None
        # Keep the worker (and its signals object) until its pool thread has surely left
        # run(), so it is deleted here on the GUI thread, never on the worker thread.
        self._retired.append(worker)
        if not self._closed:
            self._start_next()
        self._maybe_idle()

    def _finish(
        self, record: JobRecord, state: str, *, message: str, error: str | None = None
    ) -> None:
        record.state = state
        record.message = message
        record.error = error
        record.finished_at = time.monotonic()
        self.job_changed.emit(record)
        self.job_finished.emit(record)

    def _maybe_idle(self) -> None:
        if self._retired and self._pool.activeThreadCount() == 0:
            self._retired.clear()
        if self.active_count() == 0:
            self.idle.emit()

    @staticmethod
    def _log_failure(record: JobRecord, error: BaseException) -> None:
        if isinstance(error, SlimbenchError):
            logger.warning("Job %d (%s) failed: %s", record.id, record.title, error)
            logger.debug(
                "Traceback of job %d", record.id, exc_info=(type(error), error, error.__traceback__)
            )
        else:
            logger.error(
                "Job %d (%s) failed with an internal error",
                record.id,
                record.title,
                exc_info=(type(error), error, error.__traceback__),
            )
