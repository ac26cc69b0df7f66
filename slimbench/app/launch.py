"""Start the workbench window."""

from __future__ import annotations

import os
import sys

#: The model shown when the user gives none, so the first start already has something to explore.
DEMO_MODEL = "zoo:resnet-digits"


def launch(model: str | None = None, argv: list[str] | None = None) -> int:
    """Open the main window with ``model`` (or the demo model) and run the event loop."""
    # torch must be imported before Qt (Windows fails to load torch's DLLs otherwise).
    import torch  # noqa: F401
    from PySide6.QtWidgets import QApplication

    from slimbench.app.main_window import MainWindow

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Slimbench")
    window = MainWindow()
    window.show()
    window.open_model(model or DEMO_MODEL)
    if os.environ.get("SLIMBENCH_EXIT_AFTER_START"):
        # Used by tests and the packaging smoke test: start, show, load, then quit.
        from PySide6.QtCore import QTimer

        print(window.windowTitle(), flush=True)
        QTimer.singleShot(0, app.quit)
    return app.exec()
