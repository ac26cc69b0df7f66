"""Start the workbench window."""

from __future__ import annotations

import os
import sys
import time

#: The model shown when the user gives none, so the first start already has something to explore.
DEMO_MODEL = "zoo:resnet-digits"


def launch(model: str | None = None, argv: list[str] | None = None) -> int:
    """Open the main window, then load ``model`` (or the demo model) on a worker thread.

    ``import torch`` alone takes most of a cold start (1.7 s on a 2-core CI machine), so the
    window's shell and its start page, which need no torch, are shown first and the engine
    is imported right after. On Windows torch must be imported before Qt (WinError 1114
    otherwise), so there it comes first.

    With ``SLIMBENCH_EXIT_AFTER_START`` set, it prints when the window is shown and when the
    model is inspected, then quits: start-up measurements and smoke tests use that.
    """
    started = time.perf_counter()
    smoke = bool(os.environ.get("SLIMBENCH_EXIT_AFTER_START"))
    if sys.platform == "win32":
        import torch  # noqa: F401
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Slimbench")
    app.setOrganizationName("Slimbench")
    from slimbench.app.appearance import apply_theme
    from slimbench.app.main_window import MainWindow

    # The shell and the start page need no torch: show them, then import the engine.
    window = MainWindow(lazy=True)
    apply_theme(app, window.settings.theme)
    window.show()
    if smoke:
        app.processEvents()
        print(f"shown {time.perf_counter() - started:.3f}", flush=True)

        def ready(name: str) -> None:
            print(f"ready {time.perf_counter() - started:.3f} {window.windowTitle()}", flush=True)
            QTimer.singleShot(0, window.close)

        window.model_ready.connect(ready)
    window.open_model(model or DEMO_MODEL)
    QTimer.singleShot(0, window.finish_startup)
    return app.exec()
