"""Jobs: generator functions that yield Progress and return a result dataclass.

The GUI runs them on worker threads (superqt's generator workers abort between yields); the
CLI runs them here with a progress callback. Cancelling closes the generator, so its
``finally`` blocks run and nothing half-done escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slimbench.engine.errors import JobCancelled

ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class Progress:
    """One step of a job: ``step`` of ``total`` (total 0 when unknown) and metrics so far."""

    step: int
    total: int
    message: str
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def fraction(self) -> float | None:
        return None if self.total <= 0 else min(1.0, self.step / self.total)


Job = Generator[Progress, None, ResultT]


def run_job(
    job: Job[ResultT],
    on_progress: Callable[[Progress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> ResultT:
    """Drive ``job`` to its result, reporting each Progress; raise JobCancelled on request."""
    try:
        while True:
            progress = next(job)
            if on_progress is not None:
                on_progress(progress)
            if should_cancel is not None and should_cancel():
                job.close()
                raise JobCancelled("The job was cancelled; the original model is unchanged.")
    except StopIteration as stop:
        return stop.value
