"""Regenerate the README's screenshots, in English and Simplified Chinese, offscreen.

    QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py

Chinese text needs a CJK font installed (Debian: fonts-noto-cjk); without one it renders as
boxes. Writes docs/images/{en,zh_CN}-{start,workbench,tradeoffs,recipe,compare}.png, and
docs/images/report.png (a recipe's report.html in headless Chromium, when it is installed).
"""

from __future__ import annotations

import shutil
import subprocess
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
from slimbench.engine.recipes import load_recipe

IMAGES = Path(__file__).resolve().parent / "images"
RECIPES = Path(__file__).resolve().parent.parent / "examples" / "recipes"


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
        recipe = load_recipe(RECIPES / "mlp-prune-distil-quantize.toml")
        window.recipe_editor.set_recipe(recipe)
        window.tabs.setCurrentWidget(window.recipe_editor)
        window.recipe_editor.step_list.setCurrentRow(0)
        pump(app, lambda: False, 0.5)
        window.grab().save(str(IMAGES / f"{language}-recipe.png"))
        record = window.recipes.run_recipe(recipe)
        pump(app, lambda: record.is_finished, 600)
        page = window.comparison_page
        page.variant_a.setCurrentIndex(page.variant_a.findText("mlp-digits"))
        page.variant_b.setCurrentIndex(page.variant_b.count() - 2)  # the distilled one
        diff = window.recipes.diff(page.variant_a.currentData(), page.variant_b.currentData())
        pump(app, lambda: diff.is_finished)
        window.tabs.setCurrentWidget(page)
        pump(app, lambda: False, 0.5)
        window.grab().save(str(IMAGES / f"{language}-compare.png"))
        if language == "en" and page.report() is not None:
            shoot_report(page.report())
        window.set_language("en")
        window.close()


def shoot_report(html: Path) -> None:
    """The report a recipe wrote, as a browser shows it (Debian's chromium, headless)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("no chromium: docs/images/report.png not updated")
        return
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--window-size=1200,1900",
            "--hide-scrollbars", f"--screenshot={IMAGES / 'report.png'}", html.as_uri(),
        ], check=True, capture_output=True, timeout=120)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    IMAGES.mkdir(parents=True, exist_ok=True)
    for language in ("en", "zh_CN"):
        shoot(app, language)
    print(f"wrote {sorted(p.name for p in IMAGES.glob('*.png'))}")


if __name__ == "__main__":
    main()
