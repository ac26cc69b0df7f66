"""The window most app tests drive: its own settings file, the CPU only, the engine loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
from slimbench.engine.devices import cpu_device

#: How long a test waits for the engine or a job (ms); CI is a 2-core machine.
ENGINE_WAIT_MS = 120_000


@pytest.fixture
def window(qtbot, tmp_path: Path) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    main_window = MainWindow(store=open_store(str(tmp_path / "settings.ini")),
                             devices=[cpu_device()])
    qtbot.addWidget(main_window)
    main_window.show()
    qtbot.waitUntil(lambda: main_window.engine_ready, timeout=ENGINE_WAIT_MS)
    yield main_window
    main_window.runner.shutdown()
