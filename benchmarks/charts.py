"""Draws the README's Performance charts from benchmarks/results/*.json.

    python -m benchmarks.charts            # every chart whose results are present

- ``charts/matrix_speed_DEVICE.png``: speed-up over fp32 eager, every row x every model, at
  batch 1 and at the large batch (one heat map each);
- ``charts/matrix_size_quality_DEVICE.png``: size against fp32, top-1 agreement with fp32
  and the roofline fraction, same layout;
- ``charts/inspect_scaling.png``: inspection time against parameters (log-log).

DEVICE is the results file's suffix (``matrix_cpu.json`` gives ``cpu``). A result that did not
run is a grey cell saying so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, LogNorm, Normalize

from benchmarks.common import RESULTS

CHARTS = RESULTS / "charts"
#: Red below 1x, white at 1x, green above: slower, the same, faster than fp32 eager.
SPEED = LinearSegmentedColormap.from_list("speed", ["#c0392b", "#ffffff", "#1e8449"])
QUALITY = LinearSegmentedColormap.from_list("quality", ["#c0392b", "#f7dc6f", "#1e8449"])


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _grid(rows: list[dict[str, Any]], value: Callable[[dict[str, Any]], float | None]
          ) -> tuple[list[str], list[str], np.ndarray, list[list[str]]]:
    models = list(dict.fromkeys(row["model"] for row in rows))
    labels = list(dict.fromkeys(row["row"] for row in rows
                                if any("skipped" not in r and r["row"] == row["row"]
                                       for r in rows)))
    values = np.full((len(labels), len(models)), np.nan)
    text = [["" for _ in models] for _ in labels]
    for row in rows:
        if row["row"] not in labels:
            continue
        i, j = labels.index(row["row"]), models.index(row["model"])
        if "skipped" in row:
            text[i][j] = "–"
            continue
        number = value(row)
        if number is None or not math.isfinite(number):
            text[i][j] = "n/a"
            continue
        values[i, j] = number
    return labels, models, values, text


def _heatmap(ax: Any, rows: list[dict[str, Any]], value: Callable[[dict[str, Any]], float | None],
             title: str, fmt: Callable[[float], str], cmap: Any, norm: Any) -> None:
    labels, models, values, text = _grid(rows, value)
    masked = np.ma.masked_invalid(values)
    cmap = cmap.with_extremes(bad="#e5e5e5")
    ax.imshow(masked, cmap=cmap, norm=norm, aspect="auto")
    for i in range(len(labels)):
        for j in range(len(models)):
            shown = text[i][j] or fmt(values[i, j])
            ax.text(j, i, shown, ha="center", va="center", fontsize=7.5, color="#222222")
    ax.set_xticks(range(len(models)), models, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.tick_params(length=0)


def _speed(key: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda row: row.get(key)


def _device_title(document: dict[str, Any]) -> str:
    machine = document.get("machine", {})
    name = document.get("device_name") or machine.get("cpu", "")
    threads = document.get("threads_used")
    extra = f", {threads} threads" if threads and document.get("device") == "cpu" else ""
    return f"{name}{extra}, torch {machine.get('torch', '?')}"


def matrix_charts(path: Path) -> list[Path]:
    document = _load(path)
    rows = document["rows"]
    suffix = path.stem.removeprefix("matrix_")
    title = _device_title(document)
    written = []
    speed_norm = LogNorm(vmin=0.1, vmax=10)
    height = 0.32 * len({row["row"] for row in rows}) + 1.8
    fig, axes = plt.subplots(1, 2, figsize=(15, height), sharey=True)
    _heatmap(axes[0], rows, _speed("speedup_vs_fp32_eager_batch_1"),
             "Speed-up over fp32 eager, batch 1", lambda v: f"{v:.2f}x", SPEED, speed_norm)
    large = sorted({row["large_batch"] for row in rows if "large_batch" in row})
    _heatmap(axes[1], rows, _speed("speedup_vs_fp32_eager_large_batch"),
             f"Speed-up over fp32 eager, large batch ({', '.join(map(str, large))})",
             lambda v: f"{v:.2f}x", SPEED, speed_norm)
    written.append(_save(fig, f"Every technique x every model: {title}",
                         f"matrix_speed_{suffix}.png"))

    fig, axes = plt.subplots(1, 3, figsize=(20, height), sharey=True)
    _heatmap(axes[0], rows, lambda row: row.get("size_ratio"),
             "Size against fp32 (sparse file where smaller)", lambda v: f"{v:.2f}x",
             SPEED.reversed(), LogNorm(vmin=0.1, vmax=10))
    _heatmap(axes[1], rows, lambda row: row.get("top1_agreement"),
             "Top-1 agreement with fp32 (random-weight fixtures: no recovery possible)",
             lambda v: f"{100 * v:.0f}%", QUALITY, Normalize(vmin=0.5, vmax=1.0))
    _heatmap(axes[2], rows,
             lambda row: (row.get("roofline") or {}).get("fraction"),
             "Fraction of the measured roofline (large batch)", lambda v: f"{100 * v:.0f}%",
             QUALITY, Normalize(vmin=0.0, vmax=1.0))
    written.append(_save(fig, f"Size, fidelity and distance from the limit: {title}",
                         f"matrix_size_quality_{suffix}.png"))
    return written


def _save(fig: Any, title: str, name: str) -> Path:
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    out = CHARTS / name
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def inspect_chart(path: Path) -> Path:
    document = _load(path)
    rows = document["rows"]
    params = [row["params_total"] for row in rows]
    seconds = [row["inspect_seconds_median"] for row in rows]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.loglog(params, seconds, "o-", color="#2e86c1")
    for row, x, y in zip(rows, params, seconds, strict=True):
        ax.annotate(f"{row['model']}\n{y:.2g} s", (x, y), textcoords="offset points",
                    xytext=(6, -14), fontsize=7.5)
    if len(params) >= 2:
        slope = np.polyfit(np.log(params), np.log(seconds), 1)[0]
        ax.set_title(f"Inspect time against model size (slope {slope:.2f} on log-log)\n"
                     f"{_device_title(document)}", fontsize=10)
    ax.set_xlabel("parameters")
    ax.set_ylabel("seconds (tree, counts, FLOPs and shapes)")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    out = CHARTS / "inspect_scaling.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> None:
    CHARTS.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for path in sorted(RESULTS.glob("matrix_*.json")):
        written += matrix_charts(path)
    inspect = RESULTS / "inspect_large.json"
    if inspect.is_file():
        written.append(inspect_chart(inspect))
    for path in written:
        print(f"wrote {path.relative_to(RESULTS.parent.parent)}")
    if not written:
        print("no results to draw: run python -m benchmarks first")


if __name__ == "__main__":
    main()
