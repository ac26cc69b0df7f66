"""JobListWidget offscreen: state text and color, progress, elapsed ticks, Cancel, size, image."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar

from slimbench.widgets.job_list import (
    ELAPSED,
    MESSAGE,
    STATE,
    STATE_COLORS,
    TITLE,
    JobListWidget,
    format_elapsed,
)


@dataclass(eq=False)
class FakeRecord:
    """Shaped like the app's JobRecord; ``elapsed`` is set by hand."""

    id: int
    title: str = "Benchmark tiny-mlp"
    kind: str = "benchmark"
    state: str = "queued"
    progress: float | None = 0.0
    message: str = "Waiting"
    error: str | None = None
    cancel_requested: bool = False
    elapsed: float | None = None


@pytest.fixture
def job_list(qtbot) -> JobListWidget:  # type: ignore[no-untyped-def]
    widget = JobListWidget()
    qtbot.addWidget(widget)
    widget.resize(820, 260)
    widget.show()
    return widget


def _text(widget: JobListWidget, job_id: int, column: int) -> str:
    return widget.table.item(widget.row_of(job_id), column).text()


def _bar(widget: JobListWidget, job_id: int) -> QProgressBar:
    bar = widget.progress_bar(job_id)
    assert bar is not None
    return bar


def test_add_and_update_show_state_text_progress_and_message(job_list: JobListWidget) -> None:
    record = FakeRecord(7)
    job_list.add_job(record)
    assert job_list.job_ids() == [7]
    assert _text(job_list, 7, TITLE) == "Benchmark tiny-mlp"
    assert _text(job_list, 7, STATE) == "Queued"
    assert _text(job_list, 7, ELAPSED) == ""
    assert _bar(job_list, 7).value() == 0
    assert job_list.cancel_button(7) is not None and job_list.cancel_button(7).isEnabled()
    assert not job_list.is_ticking()

    record.state, record.progress, record.message, record.elapsed = "running", 0.5, "Run 5/10", 1.0
    job_list.update_job(record)
    assert _text(job_list, 7, STATE) == "Running"
    assert _text(job_list, 7, MESSAGE) == "Run 5/10"
    assert _text(job_list, 7, ELAPSED) == "1.0 s"
    bar = _bar(job_list, 7)
    assert bar.value() / bar.maximum() == pytest.approx(0.5)
    assert job_list.is_ticking()  # elapsed time updates only while something runs

    record.progress = None  # the job cannot tell how far it is
    job_list.update_job(record)
    assert (_bar(job_list, 7).minimum(), _bar(job_list, 7).maximum()) == (0, 0)

    record.cancel_requested = True
    job_list.update_job(record)
    assert _text(job_list, 7, STATE) == "Cancelling"
    assert not job_list.cancel_button(7).isEnabled()

    record.state, record.progress, record.message, record.elapsed = "done", 1.0, "Finished", 2.5
    record.cancel_requested = False
    job_list.update_job(record)
    assert _text(job_list, 7, STATE) == "Done"
    assert _bar(job_list, 7).value() == _bar(job_list, 7).maximum()
    assert job_list.cancel_button(7) is None  # finished jobs cannot be cancelled
    assert not job_list.is_ticking()
    color = job_list.table.item(job_list.row_of(7), STATE).foreground().color()
    assert color == STATE_COLORS["done"]


def test_failed_job_shows_its_error_sentence_in_red(job_list: JobListWidget) -> None:
    error = "tiny-mlp ran out of memory on cpu at batch size 4096; try a smaller batch."
    job_list.add_job(FakeRecord(1, state="failed", progress=0.3, message=error, error=error))
    assert _text(job_list, 1, STATE) == "Failed"
    assert _text(job_list, 1, MESSAGE) == error
    assert job_list.table.item(0, MESSAGE).toolTip() == error
    assert job_list.table.item(0, STATE).foreground().color() == STATE_COLORS["failed"]


def test_update_of_an_unknown_record_adds_it_and_add_twice_updates(
    job_list: JobListWidget,
) -> None:
    record = FakeRecord(3, state="running", progress=0.1, elapsed=0.2)
    job_list.update_job(record)
    record.progress = 0.9
    job_list.add_job(record)
    assert job_list.job_ids() == [3]
    assert _bar(job_list, 3).value() / _bar(job_list, 3).maximum() == pytest.approx(0.9)


def test_clicking_cancel_emits_the_job_id_and_never_changes_the_record(
    qtbot, job_list: JobListWidget
) -> None:
    job_list.add_job(FakeRecord(1, state="done", progress=1.0, message="Finished"))
    running = FakeRecord(2, state="running", progress=0.4, elapsed=3.0)
    job_list.add_job(running)
    job_list.add_job(FakeRecord(3))
    button = job_list.cancel_button(2)
    assert button is not None

    with qtbot.waitSignal(job_list.cancel_requested, timeout=1000) as requested:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert requested.args == [2]
    assert running.state == "running"  # widgets never stop jobs themselves
    assert not button.isEnabled()

    with qtbot.waitSignal(job_list.cancel_requested, timeout=1000) as requested:
        qtbot.mouseClick(job_list.cancel_button(3), Qt.MouseButton.LeftButton)
    assert requested.args == [3]


def test_elapsed_time_ticks_while_running_and_stops_after(qtbot, job_list: JobListWidget) -> None:
    record = FakeRecord(1, state="running", progress=0.2, elapsed=1.0)
    job_list.add_job(record)
    record.elapsed = 75.0  # the widget re-reads it on its own timer, not only on update_job
    qtbot.waitUntil(lambda: _text(job_list, 1, ELAPSED) == "1:15", timeout=2000)
    record.state, record.elapsed = "cancelled", 76.0
    job_list.update_job(record)
    assert not job_list.is_ticking()
    assert _text(job_list, 1, STATE) == "Cancelled"


def test_clear_finished_keeps_active_jobs(job_list: JobListWidget) -> None:
    job_list.add_job(FakeRecord(1, state="done", progress=1.0))
    job_list.add_job(FakeRecord(2, state="running", progress=0.5, elapsed=1.0))
    job_list.add_job(FakeRecord(3, state="failed", error="Broken."))
    assert job_list.clear_button.isEnabled()
    job_list.clear_button.click()
    assert job_list.job_ids() == [2]
    assert job_list.table.rowCount() == 1
    assert _text(job_list, 2, STATE) == "Running"
    assert job_list.cancel_button(2) is not None


def test_format_elapsed() -> None:
    assert format_elapsed(None) == ""
    assert format_elapsed(4.25) == "4.2 s"
    assert format_elapsed(61) == "1:01"
    assert format_elapsed(3725) == "1:02:05"


def test_user_visible_strings_are_translatable(qtbot, pseudo_translate) -> None:
    pseudo_translate("JobListWidget")
    widget = JobListWidget()
    qtbot.addWidget(widget)
    widget.add_job(FakeRecord(1, state="running", progress=0.5, elapsed=2.0))
    header = widget.table.horizontalHeaderItem
    assert [header(c).text() for c in range(5)] == [
        "[Job]",
        "[State]",
        "[Progress]",
        "[Elapsed]",
        "[Message]",
    ]
    assert widget.table.item(0, STATE).text() == "[Running]"
    assert widget.cancel_button(1).text() == "[Cancel]"
    assert widget.clear_button.text() == "[Clear finished]"


def test_minimum_size_and_an_image_can_be_saved(
    qtbot, job_list: JobListWidget, tmp_path: Path
) -> None:
    minimum = job_list.minimumSize()
    assert 300 <= minimum.width() <= 640 and 120 <= minimum.height() <= 400
    for job_id, state, progress in [
        (1, "done", 1.0),
        (2, "failed", 0.4),
        (3, "running", 0.6),
        (4, "queued", 0.0),
    ]:
        job_list.add_job(
            FakeRecord(job_id, title=f"Job {job_id}", state=state, progress=progress, elapsed=1.0)
        )
    job_list.resize(minimum)
    qtbot.wait(10)
    assert job_list.width() >= minimum.width() and job_list.height() >= minimum.height()
    shot = tmp_path / "job_list.png"
    assert job_list.grab().save(str(shot))
    assert shot.stat().st_size > 1000
