"""The Simplified Chinese translation: complete, in step with the code, and shown by the window.

The .ts is the source of truth (scripts/update_translations.sh regenerates it with lupdate and
compiles the .qm the app loads with lrelease). These tests fail when a translatable string in the
code has no translation, when a translation breaks a ``{placeholder}``, when the committed .qm
is stale, or when switching the window's language does not reach its menus and pages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QToolBar

from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
from slimbench.engine.devices import cpu_device

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "slimbench" / "resources" / "translations"
TS = TRANSLATIONS / "slimbench_zh_CN.ts"
QM = TRANSLATIONS / "slimbench_zh_CN.qm"
#: The files scripts/update_translations.sh hands to lupdate.
SOURCES = sorted((ROOT / "slimbench" / "app").glob("*.py")) + sorted(
    (ROOT / "slimbench" / "widgets").glob("*.py")
)
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
CJK = re.compile(r"[\u4e00-\u9fff]")

#: (context, source, disambiguation) -> (translation, the translation element's type or "").
Messages = dict[tuple[str, str, str], tuple[str, str]]


def _tool(name: str) -> str | None:
    """A PySide6 tool beside this Python first (the venv's), else on PATH."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def _read_ts(path: Path) -> Messages:
    messages: Messages = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            key = (name, message.findtext("source") or "", message.findtext("comment") or "")
            translation = message.find("translation")
            if translation is None:
                messages[key] = ("", "unfinished")
                continue
            forms = translation.findall("numerusform")
            text = " ".join(f.text or "" for f in forms) if forms else translation.text or ""
            messages[key] = (text, translation.get("type", ""))
    return messages


def _load_qm(path: Path) -> QTranslator:
    translator = QTranslator()
    assert translator.load(str(path)), f"cannot load {path}"
    return translator


def _lookup(translator: QTranslator, key: tuple[str, str, str]) -> str:
    context, source, comment = key
    return translator.translate(context, source, comment or None) or ""


@pytest.fixture(scope="module")
def committed() -> Messages:
    return _read_ts(TS)


def test_lupdate_finds_no_string_without_a_translation(tmp_path: Path, committed: Messages):
    lupdate = _tool("pyside6-lupdate")
    if lupdate is None:
        pytest.skip("pyside6-lupdate not found (it comes with PySide6)")
    fresh_ts = tmp_path / "fresh.ts"
    subprocess.run(
        [lupdate, *map(str, SOURCES), "-ts", str(fresh_ts), "-no-obsolete"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    fresh = set(_read_ts(fresh_ts))
    translated = {key for key, (text, kind) in committed.items() if text and not kind}
    missing = sorted(fresh - translated)
    assert not missing, (
        "strings in the code with no Chinese translation; run scripts/update_translations.sh "
        f"and translate them: {missing}"
    )


def test_every_message_is_translated_and_keeps_its_placeholders(committed: Messages) -> None:
    assert len(committed) > 100
    unfinished = [key for key, (text, kind) in committed.items() if kind or not text.strip()]
    assert not unfinished, f"unfinished or empty translations: {unfinished}"
    broken = [
        (source, text)
        for (_, source, _), (text, _) in committed.items()
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert not broken, f"translations that change the {{placeholders}}: {broken}"
    accelerators = [
        (source, text)
        for (_, source, _), (text, _) in committed.items()
        if re.search(r"&\w", source) and not re.search(r"&\w", text)
    ]
    assert not accelerators, f"menu texts that lost their & accelerator: {accelerators}"


def test_committed_qm_holds_the_committed_translations(qapp, committed: Messages) -> None:
    translator = _load_qm(QM)
    stale = [key for key, (text, _) in committed.items() if _lookup(translator, key) != text]
    assert not stale, f"the .qm differs from the .ts; run scripts/update_translations.sh: {stale}"


def test_lrelease_of_the_ts_gives_the_committed_qm(
    qapp, tmp_path: Path, committed: Messages
) -> None:
    lrelease = _tool("pyside6-lrelease")
    if lrelease is None:
        pytest.skip("pyside6-lrelease not found (it comes with PySide6)")
    fresh_qm = tmp_path / "fresh.qm"
    subprocess.run(
        [lrelease, str(TS), "-qm", str(fresh_qm)], check=True, capture_output=True, timeout=120
    )
    fresh, ours = _load_qm(fresh_qm), _load_qm(QM)
    differing = [key for key in committed if _lookup(fresh, key) != _lookup(ours, key)]
    assert not differing, f"lrelease gives other messages than the committed .qm: {differing}"


def _visible_texts(window: MainWindow) -> dict[str, list[str]]:
    toolbars = [
        bar
        for bar in window.findChildren(QToolBar)
        if bar.objectName() == "mainToolbar" and not bar.isHidden()
    ]
    assert len(toolbars) == 1
    return {
        "menus": [action.text() for action in window.menuBar().actions()],
        "toolbar": [action.text() for action in toolbars[0].actions()],
        "heading": [window.gallery.heading.text()],
        "tabs": [window.tabs.tabText(index) for index in range(window.tabs.count())],
        "dock": [window.jobs_dock.windowTitle()],
    }


ENGLISH = {
    "menus": ["&File", "&Run", "&View"],
    "toolbar": ["Start page", "Open model…", "Benchmark", "Measure quality", "Cancel jobs"],
    "heading": ["Start with a built-in model"],
    "tabs": ["Compress", "Layer", "Live", "Before / after", "Trade-offs", "Sensitivity",
             "Recipe", "Compare"],
    "dock": ["Jobs"],
}
CONTEXTS = {"heading": "ZooGallery"}


def test_switching_the_window_to_chinese_and_back(
    qtbot, tmp_path: Path, committed: Messages
) -> None:
    window = MainWindow(store=open_store(str(tmp_path / "s.ini")), devices=[cpu_device()])
    qtbot.addWidget(window)
    window.show()
    chinese = {
        part: [committed[(CONTEXTS.get(part, "MainWindow"), text, "")][0] for text in texts]
        for part, texts in ENGLISH.items()
    }
    try:
        assert _visible_texts(window) == ENGLISH
        window.set_language("zh_CN")
        assert window.language.current == "zh_CN", "the .qm did not load"
        qtbot.waitUntil(lambda: _visible_texts(window) == chinese, timeout=5000)
        assert all(CJK.search(text) for text in chinese["menus"] + chinese["tabs"])
        window.set_language("en")
        qtbot.waitUntil(lambda: _visible_texts(window) == ENGLISH, timeout=5000)
    finally:
        window.set_language("en")  # never leave the translator installed for other tests
        window.runner.shutdown()
    assert window.language.translator is None
