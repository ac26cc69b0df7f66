"""A table of jobs: title, colored state, progress bar, elapsed time, message, Cancel.

The widget only displays job records and asks for cancellation through ``cancel_requested``;
it never starts or stops a job (the application connects that signal to its job runner). A
record is anything shaped like :class:`JobView` (the app's ``JobRecord`` is one); the widget
keeps a reference to it and re-reads it on ``update_job`` and on the elapsed-time tick.
"""

from __future__ import annotations

from functools import partial
from typing import Protocol

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class JobView(Protocol):
    """What the job list reads from a job record."""

    id: int
    title: str
    kind: str
    state: str  # "queued", "running", "done", "failed" or "cancelled"
    progress: float | None  # fraction in [0, 1]; None while unknown
    message: str
    error: str | None
    cancel_requested: bool

    @property
    def elapsed(self) -> float | None: ...


TITLE, STATE, PROGRESS, ELAPSED, MESSAGE, ACTION = range(6)
_ACTIVE_STATES = ("queued", "running")
#: Readable on light and dark backgrounds alike.
STATE_COLORS = {
    "queued": QColor("#7f7f7f"),
    "running": QColor("#1f77b4"),
    "done": QColor("#2ca02c"),
    "failed": QColor("#d62728"),
    "cancelled": QColor("#d98c00"),
}
_PROGRESS_STEPS = 1000
ELAPSED_TICK_MS = 500
#: Finished jobs the list keeps; older ones leave it, or a long session would pile up rows
#: (each with its progress bar widget) without end.
MAX_FINISHED_ROWS = 200


def state_label(state: str, cancel_requested: bool = False) -> str:
    """The translated word shown for a job's state."""
    if state == "running" and cancel_requested:
        return QCoreApplication.translate("JobListWidget", "Cancelling")
    labels = {
        "queued": QCoreApplication.translate("JobListWidget", "Queued"),
        "running": QCoreApplication.translate("JobListWidget", "Running"),
        "done": QCoreApplication.translate("JobListWidget", "Done"),
        "failed": QCoreApplication.translate("JobListWidget", "Failed"),
        "cancelled": QCoreApplication.translate("JobListWidget", "Cancelled"),
    }
    return labels.get(state, state)


def format_elapsed(seconds: float | None) -> str:
    """``4.2 s`` under a minute, then ``m:ss``, then ``h:mm:ss``; empty when not started."""
    if seconds is None:
        return ""
    if seconds < 60:
        return QCoreApplication.translate("JobListWidget", "{seconds} s").format(
            seconds=f"{seconds:.1f}"
        )
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class JobListWidget(QWidget):
    """Jobs, newest last, with a Cancel button on each queued or running one."""

    #: The user asked to cancel this job (by its id).
    cancel_requested = Signal(int)
    max_finished_rows = MAX_FINISHED_ROWS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records: dict[int, JobView] = {}
        self._order: list[int] = []

        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("jobTable")
        self.table.setHorizontalHeaderLabels(
            [
                QCoreApplication.translate("JobListWidget", "Job"),
                QCoreApplication.translate("JobListWidget", "State"),
                QCoreApplication.translate("JobListWidget", "Progress"),
                QCoreApplication.translate("JobListWidget", "Elapsed"),
                QCoreApplication.translate("JobListWidget", "Message"),
                "",
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ACTION, QHeaderView.ResizeMode.Fixed)
        metrics = self.fontMetrics()
        widths = {
            TITLE: metrics.horizontalAdvance("M") * 18,
            STATE: metrics.horizontalAdvance(
                QCoreApplication.translate("JobListWidget", "Cancelling")
            )
            + 24,
            PROGRESS: metrics.horizontalAdvance("M") * 9,
            ELAPSED: metrics.horizontalAdvance("00:00:00") + 16,
            ACTION: metrics.horizontalAdvance(QCoreApplication.translate("JobListWidget", "Cancel"))
            + 36,
        }
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)
        header.setMinimumSectionSize(metrics.horizontalAdvance("M") * 3)
        self.table.verticalHeader().setDefaultSectionSize(metrics.height() + 14)

        self.clear_button = QPushButton(
            QCoreApplication.translate("JobListWidget", "Clear finished"), self
        )
        self.clear_button.setObjectName("clearFinished")
        self.clear_button.setToolTip(
            QCoreApplication.translate("JobListWidget", "Remove finished jobs from this list")
        )
        self.clear_button.clicked.connect(self.clear_finished)
        self.clear_button.setEnabled(False)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self._elapsed_timer = QTimer(self)
        self._elapsed_timer.setInterval(ELAPSED_TICK_MS)
        self._elapsed_timer.timeout.connect(self._tick_elapsed)

        self.setMinimumSize(420, 160)

    # --- API -------------------------------------------------------------------------------

    def add_job(self, record: JobView) -> None:
        """Show a new job (an already shown one is updated instead)."""
        if record.id in self._records:
            self.update_job(record)
            return
        row = self.table.rowCount()
        self.table.insertRow(row)
        self._records[record.id] = record
        self._order.append(record.id)
        for column in (TITLE, STATE, ELAPSED, MESSAGE):
            item = QTableWidgetItem()
            if column == ELAPSED:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)
        state_font = QFont(self.font())
        state_font.setBold(True)
        self.table.item(row, STATE).setFont(state_font)
        bar = QProgressBar()
        bar.setRange(0, _PROGRESS_STEPS)
        bar.setTextVisible(True)
        bar.setFormat("%p%")
        bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setCellWidget(row, PROGRESS, bar)
        button = QPushButton(QCoreApplication.translate("JobListWidget", "Cancel"))
        button.setObjectName(f"cancelJob{record.id}")
        button.setToolTip(
            QCoreApplication.translate(
                "JobListWidget", "Stop this job; the original model is left unchanged"
            )
        )
        button.clicked.connect(partial(self._request_cancel, record.id))
        self.table.setCellWidget(row, ACTION, button)
        self._apply(row, record)
        self._drop_oldest_finished()
        self._update_timer()

    def update_job(self, record: JobView) -> None:
        """Show ``record``'s current state, progress and message."""
        if record.id not in self._records:
            self.add_job(record)
            return
        self._records[record.id] = record
        self._apply(self.row_of(record.id), record)
        if record.state not in _ACTIVE_STATES:
            self._drop_oldest_finished(record.id)
        self._update_timer()

    def clear_finished(self) -> None:
        """Drop the rows of jobs that are done, failed or cancelled."""
        for row in reversed(range(len(self._order))):
            job_id = self._order[row]
            if self._records[job_id].state not in _ACTIVE_STATES:
                self.table.removeRow(row)
                del self._order[row]
                del self._records[job_id]
        self._update_timer()

    def _drop_oldest_finished(self, just_finished: int | None = None) -> None:
        """Keep ``max_finished_rows`` finished jobs: the one that just finished, however old,
        and the newest others."""
        finished = [row for row, job_id in enumerate(self._order) if job_id != just_finished
                    and self._records[job_id].state not in _ACTIVE_STATES]
        others = max(0, self.max_finished_rows - (just_finished is not None))
        for row in reversed(finished[:max(0, len(finished) - others)]):
            del self._records[self._order.pop(row)]
            self.table.removeRow(row)

    def row_of(self, job_id: int) -> int:
        """The table row showing ``job_id``, or -1."""
        try:
            return self._order.index(job_id)
        except ValueError:
            return -1

    def job_ids(self) -> list[int]:
        return list(self._order)

    def progress_bar(self, job_id: int) -> QProgressBar | None:
        row = self.row_of(job_id)
        widget = self.table.cellWidget(row, PROGRESS) if row >= 0 else None
        return widget if isinstance(widget, QProgressBar) else None

    def cancel_button(self, job_id: int) -> QPushButton | None:
        row = self.row_of(job_id)
        widget = self.table.cellWidget(row, ACTION) if row >= 0 else None
        return widget if isinstance(widget, QPushButton) else None

    def is_ticking(self) -> bool:
        """Whether the elapsed-time timer runs (only while some job is running)."""
        return self._elapsed_timer.isActive()

    # --- internals -------------------------------------------------------------------------

    def _apply(self, row: int, record: JobView) -> None:
        title = self.table.item(row, TITLE)
        title.setText(record.title)
        title.setToolTip(f"{record.title} ({record.kind})" if record.kind else record.title)
        state = self.table.item(row, STATE)
        state.setText(state_label(record.state, record.cancel_requested))
        state.setForeground(QBrush(STATE_COLORS.get(record.state, QColor("#7f7f7f"))))
        self.table.item(row, ELAPSED).setText(format_elapsed(record.elapsed))
        message = record.error if record.state == "failed" and record.error else record.message
        item = self.table.item(row, MESSAGE)
        item.setText(message)
        item.setToolTip(message)
        bar = self.table.cellWidget(row, PROGRESS)
        if isinstance(bar, QProgressBar):
            if record.state == "running" and record.progress is None:
                bar.setRange(0, 0)  # busy: the job cannot tell how far it is
            else:
                bar.setRange(0, _PROGRESS_STEPS)
                fraction = 1.0 if record.state == "done" else (record.progress or 0.0)
                bar.setValue(round(max(0.0, min(1.0, fraction)) * _PROGRESS_STEPS))
            bar.setEnabled(record.state in ("running", "done"))
        active = record.state in _ACTIVE_STATES
        button = self.table.cellWidget(row, ACTION)
        if active and isinstance(button, QPushButton):
            button.setEnabled(not record.cancel_requested)
        elif not active and button is not None:
            button.hide()  # removeCellWidget only deletes it later, from the event loop
            self.table.removeCellWidget(row, ACTION)
        self.clear_button.setEnabled(
            any(r.state not in _ACTIVE_STATES for r in self._records.values())
        )

    def _request_cancel(self, job_id: int) -> None:
        button = self.cancel_button(job_id)
        if button is not None:
            button.setEnabled(False)  # one request is enough; update_job re-enables if needed
        self.cancel_requested.emit(job_id)

    def _update_timer(self) -> None:
        running = any(r.state == "running" for r in self._records.values())
        if running and not self._elapsed_timer.isActive():
            self._elapsed_timer.start()
        elif not running and self._elapsed_timer.isActive():
            self._elapsed_timer.stop()

    def _tick_elapsed(self) -> None:
        for row, job_id in enumerate(self._order):
            record = self._records[job_id]
            if record.state == "running":
                self.table.item(row, ELAPSED).setText(format_elapsed(record.elapsed))
        self._update_timer()
