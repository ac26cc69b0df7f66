"""Atomic writes of report files, readable by others like any document (not 0600)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slimbench.engine.saving import atomic_write


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_file(target: Path, write: Callable[[Path], Any]) -> Path:
    """``atomic_write``, then the usual permissions of a new file (0644 under umask 022)."""
    mode = 0o666 & ~_umask()

    def write_readable(temporary: Path) -> None:
        write(temporary)
        os.chmod(temporary, mode)

    return atomic_write(target, write_readable)


def write_text(target: Path, text: str) -> Path:
    return write_file(target, lambda temporary: temporary.write_text(text, encoding="utf-8"))
