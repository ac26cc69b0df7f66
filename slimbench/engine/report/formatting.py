"""Numbers as people read them: 3 significant digits, units, ratios and durations."""

from __future__ import annotations

import math
import re


def significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, without scientific notation: 1,230 / 0.0456."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value)))
    decimals = digits - 1 - magnitude
    if decimals <= 0:
        return f"{round(value, decimals):,.0f}"
    return f"{value:,.{decimals}f}"


def size(num_bytes: float | None) -> str:
    """Decimal units, as disks and downloads count them: 950 kB, 4.12 MB, 1.30 GB."""
    if num_bytes is None:
        return "n/a"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(num_bytes) >= scale:
            return f"{significant(num_bytes / scale)} {unit}"
    return f"{int(num_bytes)} B"


def megabytes(num_bytes: float) -> float:
    return num_bytes / 1e6


def count(value: float | None) -> str:
    """Parameter counts and the like: 43, 12.3 k, 4.56 M, 1.20 B."""
    if value is None:
        return "n/a"
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{significant(value / scale)} {unit}"
    return f"{value:,.0f}"


def milliseconds(value: float | None) -> str:
    return "n/a" if value is None else f"{significant(value)} ms"


def percent(fraction: float | None) -> str:
    """A fraction as a percentage: one decimal from 10 % up (99.9 %, never a rounded 100 %)."""
    if fraction is None:
        return "n/a"
    value = fraction * 100
    if abs(value) >= 10:
        text = f"{math.floor(value * 10) / 10:.1f}" if value < 100 else f"{value:.1f}"
        return f"{text} %"
    return f"{significant(value)} %"


def ratio(value: float | None) -> str:
    """A ratio as "0.25x" or "4.1x" (two significant digits)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:#.2g}".rstrip(".")
    if "e" in text:
        text = significant(value, 2)
    return f"{text}x"


def rate(value: float | None, unit: str = "") -> str:
    """Large rates: 1.23 k, 45.6 G (FLOP/s and the like), with an optional unit."""
    if value is None:
        return "n/a"
    for prefix, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{significant(value / scale)} {prefix}{unit}"
    return f"{significant(value)} {unit}".rstrip()


def duration(seconds: float | None) -> str:
    """0.42 s, 12 s, 3 min 05 s, 1 h 02 min."""
    if seconds is None:
        return "n/a"
    if seconds < 10:
        return f"{significant(seconds, 2)} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def slug(text: str) -> str:
    """A file-name-safe form of a variant or device name: "prune 0.5 -> int8" -> prune-0.5-int8."""
    cleaned = re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")
    return cleaned or "variant"
