"""Regenerate the README's screenshots, in English and Simplified Chinese, offscreen.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py

Chinese text needs a CJK font installed (Debian: fonts-noto-cjk); without one it renders as
boxes. Writes docs/images/{en,zh_CN}-{start,workbench,tradeoffs}.png.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch  # noqa: F401  (before Qt, as the app does)
from PySide6.QtWidgets import QApplication

from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
from slimbench.engine.devices import cpu_device
from slimbench.engine.measure import BenchConfig

IMAGES = Path(__file__).resolve().parent / "images"


def pump(app: QApplication, condition, limit: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + limit
    while not condition() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)


def shoot(app: QApplication, language: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(store=open_store(str(Path(folder) / "s.ini")),
                            devices=[cpu_device()])
        window.set_theme("light")
        window.set_language(language)
        window.resize(1280, 820)
        window.show()
        pump(app, lambda: False, 0.5)
        window.grab().save(str(IMAGES / f"{language}-start.png"))
        for name in ("resnet-digits", "mlp-digits"):
            window.open_model(f"zoo:{name}")
            pump(app, lambda name=name: window.current is not None
                 and window.current.name == name and window.current.inspection is not None
                 and window.current.accuracy is not None)
            record = window.run_benchmark(BenchConfig(warmup=5, repeats=60))
            pump(app, lambda record=record: record.is_finished)
        window.variants.selectRow(0)
        pump(app, lambda: False, 0.3)
        window.tree.select_path("stages.1")
        window.tabs.setCurrentWidget(window.live)
        pump(app, lambda: False, 0.5)
        window.grab().save(str(IMAGES / f"{language}-workbench.png"))
        window.tabs.setCurrentWidget(window.tradeoffs)
        pump(app, lambda: False, 0.5)
        window.grab().save(str(IMAGES / f"{language}-tradeoffs.png"))
        window.set_language("en")
        window.close()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    IMAGES.mkdir(parents=True, exist_ok=True)
    for language in ("en", "zh_CN"):
        shoot(app, language)
    print(f"wrote {sorted(p.name for p in IMAGES.glob('*.png'))}")


if __name__ == "__main__":
    main()
