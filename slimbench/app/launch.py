"""Start the workbench window."""

from __future__ import annotations

import os
import sys
import time

#: The model shown when the user gives none, so the first start already has something to explore.
DEMO_MODEL = "zoo:resnet-digits"


def launch(model: str | None = None, argv: list[str] | None = None) -> int:
    """Open the main window, then load ``model`` (or the demo model) on a worker thread.

    ``import torch`` alone takes most of the start-up (1.7 s on a 2-core CI machine), so a
    small splash window appears first where that is allowed. On Windows torch must be
    imported before Qt (WinError 1114 otherwise), so there it comes first and no splash shows.

    With ``SLIMBENCH_EXIT_AFTER_START`` set, it prints when the splash and the window are
    shown and when the model is inspected, then quits: start-up measurements and smoke tests
    use that.
    """
    started = time.perf_counter()
    smoke = bool(os.environ.get("SLIMBENCH_EXIT_AFTER_START"))
    if sys.platform == "win32":
        import torch
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Slimbench")
    app.setOrganizationName("Slimbench")
    splash = None
    if sys.platform != "win32":
        splash = QLabel("Slimbench\n\nStarting…")
        splash.setWindowFlags(Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint)
        splash.setAlignment(Qt.AlignmentFlag.AlignCenter)
        splash.setMinimumSize(360, 180)
        splash.setStyleSheet("font-size: 18px;")
        splash.show()
        app.processEvents()
        if smoke:
            print(f"splash {time.perf_counter() - started:.3f}", flush=True)

    import torch  # noqa: F401  (the slow part)

    from slimbench.app.appearance import apply_theme
    from slimbench.app.main_window import MainWindow

    window = MainWindow()
    apply_theme(app, window.settings.theme)
    window.show()
    if splash is not None:
        splash.close()
    if smoke:
        def shown() -> None:
            print(f"shown {time.perf_counter() - started:.3f}", flush=True)

        def ready(name: str) -> None:
            print(f"ready {time.perf_counter() - started:.3f} {window.windowTitle()}", flush=True)
            QTimer.singleShot(0, window.close)

        QTimer.singleShot(0, shown)
        window.model_ready.connect(ready)
    window.open_model(model or DEMO_MODEL)
    return app.exec()
