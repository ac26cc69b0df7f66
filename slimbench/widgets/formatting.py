"""Numbers for people: counts, bytes, FLOPs, shapes and percentages.

Torch-free, so the start page can use it before torch is imported. The translation context
stays "LayerTreeModel", where these strings were first translated.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QCoreApplication

#: Shown where a value is unknown or does not apply.
DASH = "—"


def _three_digits(value: float, units: list[tuple[float, str]]) -> tuple[str, str]:
    """``value`` scaled to the largest fitting unit, with three significant digits."""
    for index, (scale, unit) in enumerate(units):
        if abs(value) >= scale:
            scaled = value / scale
            text = _significant(scaled)
            if abs(float(text)) >= 1000 and index > 0:  # 999,999 rounds to "1000 k": go up
                scale, unit = units[index - 1]
                text = _significant(value / scale)
            return text, unit
    return str(int(value)), ""


def _significant(value: float) -> str:
    magnitude = abs(value)
    if magnitude < 10:
        return f"{value:.2f}"
    if magnitude < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def format_count(value: int | None) -> str:
    """A parameter count for people: ``2176010`` -> ``2.18 M``; below 1000 exact."""
    if value is None:
        return DASH
    units = [
        (1e12, QCoreApplication.translate("LayerTreeModel", "T", "trillion")),
        (1e9, QCoreApplication.translate("LayerTreeModel", "B", "billion")),
        (1e6, QCoreApplication.translate("LayerTreeModel", "M", "million")),
        (1e3, QCoreApplication.translate("LayerTreeModel", "k", "thousand")),
    ]
    text, unit = _three_digits(value, units)
    return f"{text} {unit}" if unit else text


def format_bytes(value: int | None) -> str:
    """A size in binary units, like the command line: ``8704040`` -> ``8.3 MB``."""
    if value is None:
        return DASH
    units = [
        (1 << 40, QCoreApplication.translate("LayerTreeModel", "TB")),
        (1 << 30, QCoreApplication.translate("LayerTreeModel", "GB")),
        (1 << 20, QCoreApplication.translate("LayerTreeModel", "MB")),
        (1 << 10, QCoreApplication.translate("LayerTreeModel", "kB")),
    ]
    for index, (scale, unit) in enumerate(units):
        if abs(value) >= scale:
            scaled = round(value / scale, 1)
            if scaled >= 1024 and index > 0:
                scale, unit = units[index - 1]
                scaled = round(value / scale, 1)
            return f"{scaled:.1f} {unit}"
    return f"{int(value)} " + QCoreApplication.translate("LayerTreeModel", "B", "bytes")


def format_flops(value: int | None) -> str:
    """Floating-point operations of one forward pass: ``12_400_000`` -> ``12.4 MFLOP``."""
    if value is None:
        return DASH
    flop = QCoreApplication.translate("LayerTreeModel", "FLOP")
    units = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    text, unit = _three_digits(value, units)
    return f"{text} {unit}{flop}"


def format_shape(shape: list[Any] | None) -> str:
    """``[1, 10]`` -> ``1×10``; several outputs are separated by commas."""
    if shape is None:
        return DASH
    if not shape:
        return QCoreApplication.translate("LayerTreeModel", "scalar")
    if all(not isinstance(size, (list, tuple)) for size in shape):
        return "×".join(str(size) for size in shape)
    return ", ".join(format_shape(list(part)) for part in shape)


def format_percent(fraction: float | None) -> str:
    """A fraction as a percentage with one decimal: ``0.125`` -> ``12.5 %``."""
    if fraction is None or math.isnan(fraction):
        return DASH
    if 0 < fraction < 0.0005:
        return "<0.1 %"
    return f"{100 * fraction:.1f} %"


