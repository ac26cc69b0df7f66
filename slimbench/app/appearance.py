"""Language and colour theme of the application."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "translations"


def resolve_language(language: str) -> str:
    """'system' becomes zh_CN on a Chinese desktop and en elsewhere."""
    if language != "system":
        return language
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


class LanguageSwitcher:
    """Installs the compiled Qt translation for a language; English needs none."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self.translator: QTranslator | None = None
        #: Qt's own strings (Yes/No, file dialogs), shipped with PySide6.
        self.qt_translator: QTranslator | None = None
        self.current = "en"

    def apply(self, language: str) -> bool:
        """Switch to ``language``; widgets retranslate on the LanguageChange event."""
        code = resolve_language(language)
        for installed in (self.translator, self.qt_translator):
            if installed is not None:
                self.app.removeTranslator(installed)
        self.translator = self.qt_translator = None
        self.current = "en"
        if code == "en":
            return True
        translator = QTranslator(self.app)
        if not translator.load(str(TRANSLATIONS_DIR / f"slimbench_{code}.qm")):
            return False
        qt_translator = QTranslator(self.app)
        qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if qt_translator.load(f"qtbase_{code}", qt_folder):
            self.app.installTranslator(qt_translator)
            self.qt_translator = qt_translator
        self.app.installTranslator(translator)
        self.translator = translator
        self.current = code
        return True


def apply_theme(app: QApplication, theme: str) -> None:
    """Light, dark, or the system's scheme (Qt 6.5+ reports it; older Qt stays light)."""
    app.setStyle("Fusion")
    hints = QGuiApplication.styleHints()
    if theme == "system":
        if hasattr(hints, "unsetColorScheme"):
            hints.unsetColorScheme()
        dark = hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Dark
    else:
        dark = theme == "dark"
        if hasattr(hints, "setColorScheme"):
            hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())


def _dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2d31",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22",
        QPalette.ColorRole.AlternateBase: "#26282c",
        QPalette.ColorRole.ToolTipBase: "#3a3d42",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#34363b",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#6aa7ff",
        QPalette.ColorRole.PlaceholderText: "#8a8d93",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#777a80"))
    return palette
