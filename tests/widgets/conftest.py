"""Fixtures shared by the widget tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator


class PseudoTranslator(QTranslator):
    """Wraps every string of the given contexts in brackets, to prove it goes through
    translate(): a literal that skips Qt's translation system stays unbracketed."""

    def __init__(self, contexts: tuple[str, ...]) -> None:
        super().__init__()
        self.contexts = contexts

    def isEmpty(self) -> bool:
        return False

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str:
        return f"[{source}]" if context in self.contexts else ""


@pytest.fixture
def pseudo_translate(qtbot) -> Iterator[Callable[..., None]]:  # type: ignore[no-untyped-def]
    """Call with the translation contexts to bracket; removed again after the test."""
    installed: list[PseudoTranslator] = []

    def install(*contexts: str) -> None:
        translator = PseudoTranslator(contexts)
        QCoreApplication.installTranslator(translator)
        installed.append(translator)

    yield install
    for translator in installed:
        QCoreApplication.removeTranslator(translator)
