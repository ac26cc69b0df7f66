"""What the workbench remembers between runs, kept in QSettings with a version number.

A newer settings layout migrates the old values forward instead of discarding them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_VERSION = 2
MAX_RECENT = 10

LANGUAGES = ("system", "en", "zh_CN")
THEMES = ("system", "light", "dark")


@dataclass
class Settings:
    language: str = "system"
    theme: str = "system"
    default_device: str = "cpu"
    #: Memory one job may add, like "4G"; empty for the default (80% of what is free).
    memory_limit: str = ""
    recent_models: list[str] = field(default_factory=list)
    window_geometry: QByteArray | None = None
    window_state: QByteArray | None = None

    def add_recent(self, spec: str) -> None:
        """Most recent first, no duplicates, at most MAX_RECENT."""
        self.recent_models = [spec] + [item for item in self.recent_models if item != spec]
        del self.recent_models[MAX_RECENT:]


def open_store(path: str | None = None) -> QSettings:
    """The user's settings, or an INI file at ``path`` (tests and portable installs)."""
    if path is not None:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Slimbench", "Slimbench"
    )


def load_settings(store: QSettings) -> Settings:
    version = _int(store.value("version", 0))
    if 0 < version < SETTINGS_VERSION:
        _migrate(store, version)
    settings = Settings()
    settings.language = _choice(store.value("language"), LANGUAGES, settings.language)
    settings.theme = _choice(store.value("theme"), THEMES, settings.theme)
    device = store.value("default_device")
    if isinstance(device, str) and device:
        settings.default_device = device
    memory_limit = store.value("memory_limit")
    if isinstance(memory_limit, str):
        settings.memory_limit = memory_limit.strip()
    recent = store.value("recent_models", [])
    if isinstance(recent, str):  # QSettings returns a lone list item as a string
        recent = [recent]
    settings.recent_models = [str(item) for item in recent or [] if str(item)][:MAX_RECENT]
    geometry = store.value("window/geometry")
    state = store.value("window/state")
    settings.window_geometry = geometry if isinstance(geometry, QByteArray) else None
    settings.window_state = state if isinstance(state, QByteArray) else None
    return settings


def save_settings(store: QSettings, settings: Settings) -> None:
    store.setValue("version", SETTINGS_VERSION)
    store.setValue("language", settings.language)
    store.setValue("theme", settings.theme)
    store.setValue("default_device", settings.default_device)
    store.setValue("memory_limit", settings.memory_limit)
    store.setValue("recent_models", list(settings.recent_models))
    if settings.window_geometry is not None:
        store.setValue("window/geometry", settings.window_geometry)
    if settings.window_state is not None:
        store.setValue("window/state", settings.window_state)
    store.sync()


def _migrate(store: QSettings, version: int) -> None:
    if version < 2:
        # Version 1 kept recent files under "recent" and called the language "locale".
        recent = store.value("recent")
        if recent is not None and store.value("recent_models") is None:
            store.setValue("recent_models", recent)
        store.remove("recent")
        locale = store.value("locale")
        if locale is not None and store.value("language") is None:
            store.setValue("language", "zh_CN" if str(locale).startswith("zh") else "en")
        store.remove("locale")
    store.setValue("version", SETTINGS_VERSION)


def _choice(value: object, allowed: tuple[str, ...], default: str) -> str:
    return value if isinstance(value, str) and value in allowed else default


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
