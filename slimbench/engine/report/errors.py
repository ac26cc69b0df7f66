"""The report writer's error."""

from __future__ import annotations

from slimbench.engine.errors import SlimbenchError


class ReportError(SlimbenchError):
    """A report cannot be written (an unwritable folder, a missing model file, ...)."""
