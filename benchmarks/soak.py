"""Soak: load, compress, benchmark and unload models in the window, over and over; chart memory.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.soak --minutes 30

An offscreen MainWindow repeats one iteration until the time is up: open a zoo model (the four
in turn; the window inspects it and measures its quality), compress it (int8 dynamic
quantization and structured pruning at 50 % in turn, without torch.compile), benchmark the new
variant briefly, then delete every variant, as a user closing them would. Error dialogs are
dismissed; the job list is left alone (it keeps the newest finished jobs only).

Every few seconds a timer on the GUI thread samples the process's RSS (VmRSS), the tensors and
modules the garbage collector can reach, and the Qt objects under the window. Writes
benchmarks/results/soak.json (samples, iterations, and the slope of RSS over the second half
of the run, fitted by least squares, in MiB per hour) and benchmarks/results/soak_memory.png.

A leak shows as a slope that stays positive however long the run; the first minutes, when
imports, caches and the allocator's arenas fill, are why only the second half is fitted. The
last iteration started before the time is up runs to its end (a transformer-majority one takes
a couple of minutes on a 2-core machine, most of it measuring quality).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from benchmarks.common import RESULTS, machine_description, write_results
from benchmarks.job_queue import live_torch_objects, rss_bytes
from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
from slimbench.engine.devices import cpu_device
from slimbench.engine.measure import BenchConfig
from slimbench.engine.memory import release_freed_memory
from slimbench.widgets.job_list import MAX_FINISHED_ROWS

MODELS = ("mlp-digits", "resnet-digits", "transformer-majority", "mlp-cancer")
TECHNIQUES = ("quantize", "prune")
BENCH = BenchConfig(warmup=2, repeats=20, max_seconds=2.0)
MIB = 1024 * 1024


class Sampler:
    """Memory and object counts every ``interval_s``, from a timer on the GUI thread."""

    def __init__(self, window: MainWindow, interval_s: float, started: float) -> None:
        self.window = window
        self.started = started
        self.samples: list[dict[str, Any]] = []
        self.iteration = 0
        self.timer = QTimer()
        self.timer.setInterval(round(interval_s * 1000))
        self.timer.timeout.connect(self.sample)

    def sample(self, note: str = "") -> None:
        # gc.get_objects() holds a second reference to every object, a tuple a job's thread is
        # still building included, which CPython then refuses to resize (a SystemError in the
        # job): count tensors and modules only while no job runs.
        idle = self.window.runner.active_count() == 0
        counts = live_torch_objects() if idle else {"tensors": None, "modules": None}
        self.samples.append({
            "t_s": round(time.perf_counter() - self.started, 2),
            "iteration": self.iteration,
            "rss_mib": round(rss_bytes() / MIB, 2),
            "tensors": counts["tensors"],
            "modules": counts["modules"],
            "qobjects": len(self.window.findChildren(QObject)),
            "job_rows": self.window.jobs.table.rowCount(),
            "jobs_recorded": len(self.window.runner.jobs()),
            "variants": len(self.window.workspace),
            **({"note": note} if note else {}),
        })


class CollectionTimes:
    """How often each generation was collected and the longest collection, in ms (a full
    collection holds the GIL, and so the GUI, for as long as it scans)."""

    def __init__(self, started: float) -> None:
        self.count = [0, 0, 0]
        self.longest_ms = [0.0, 0.0, 0.0]
        #: (seconds into the run, generation, ms) of each collection over 50 ms: start-up's
        #: imports make a few; a steady state should make none, or rarely.
        self.over_50_ms: list[tuple[float, int, float]] = []
        self._run_started = started
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation = info["generation"]
        self.count[generation] += 1
        took = (time.perf_counter() - self._started) * 1000
        self.longest_ms[generation] = max(self.longest_ms[generation], round(took, 1))
        if took > 50:
            self.over_50_ms.append((round(self._started - self._run_started, 1), generation,
                                    round(took, 1)))


def compression_options(window: MainWindow, technique: str) -> dict[str, Any]:
    options = window.compress.options(technique)
    if technique == "quantize":
        options.update(scheme="int8-dynamic", compile=False, auto_skip=0)
    else:
        options.update(method="structured", amount=0.5, recover_epochs=0)
    return options


def one_iteration(window: MainWindow, index: int) -> dict[str, Any]:
    """Load, compress, benchmark, unload; returns what happened and how long it took."""
    name, technique = MODELS[index % len(MODELS)], TECHNIQUES[index % len(TECHNIQUES)]
    started = time.perf_counter()
    states: dict[str, str] = {}
    errors: list[str] = []
    load = window.open_model(f"zoo:{name}")
    window.runner.wait_all()
    states["load"] = load.state if load is not None else "not submitted"
    original = window.current
    if original is not None and states["load"] == "done":
        compress = window.run_compression(technique, compression_options(window, technique))
        window.runner.wait_all()
        states[technique] = compress.state if compress is not None else "not submitted"
        if compress is not None and compress.error:
            errors.append(compress.error)
        made = [v for v in window.workspace if v.parent == original.id]
        if made:
            window.variants.selectRow(list(window.workspace).index(made[-1]))
        bench = window.run_benchmark(BENCH)
        window.runner.wait_all()
        states["benchmark"] = bench.state if bench is not None else "not submitted"
        if bench is not None and bench.error:
            errors.append(bench.error)
    elif load is not None and load.error:
        errors.append(load.error)
    for box in window.findChildren(QMessageBox):
        box.close()
    window.variants.clearSelection()
    window.delete_variants([v.id for v in window.workspace])
    return {"index": index, "model": name, "technique": technique,
            "start_s": None, "seconds": round(time.perf_counter() - started, 2),
            "states": states, "errors": errors}


def slope_per_hour(samples: list[dict[str, Any]], key: str) -> float | None:
    """Least-squares slope of ``key`` over the second half of the run, per hour."""
    if len(samples) < 4:
        return None
    half = samples[-1]["t_s"] / 2
    tail = [s for s in samples if s["t_s"] >= half and s[key] is not None]
    if len(tail) < 3:
        return None
    hours = np.array([s["t_s"] for s in tail]) / 3600.0
    values = np.array([s[key] for s in tail], dtype=float)
    return float(np.polyfit(hours, values, 1)[0])


def draw(samples: list[dict[str, Any]], iterations: list[dict[str, Any]],
         summary: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = np.array([s["t_s"] for s in samples]) / 60.0
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True,
                                         gridspec_kw={"height_ratios": [2, 1]})
    model_colors = dict(zip(MODELS, ("0.55", "tab:cyan", "tab:olive", "tab:pink"), strict=True))
    for iteration in iterations:
        for axis in (top, bottom):
            axis.axvline(iteration["start_s"] / 60.0, color=model_colors[iteration["model"]],
                         linewidth=0.7, alpha=0.6, zorder=0)
    top.plot(minutes, [s["rss_mib"] for s in samples], color="tab:blue", marker=".",
             markersize=3, linewidth=1.2, label="RSS (VmRSS)")
    slope = summary["rss_slope_second_half_mib_per_hour"]
    if slope is not None:
        half = samples[-1]["t_s"] / 2
        tail = [s for s in samples if s["t_s"] >= half]
        t = np.array([s["t_s"] for s in tail]) / 3600.0
        fit = np.polyfit(t, [s["rss_mib"] for s in tail], 1)
        top.plot(t * 60.0, np.polyval(fit, t), color="tab:red", linestyle="--", linewidth=1.2,
                 label=f"fit over the second half: {slope:+.1f} MiB/h")
    top.set_ylabel("resident memory (MiB)")
    from matplotlib.lines import Line2D

    marks = [Line2D([], [], color=color, linewidth=1.5, label=f"{name} starts")
             for name, color in model_colors.items()
             if any(i["model"] == name for i in iterations)]
    top.add_artist(top.legend(handles=marks, loc="lower center", fontsize=7,
                              title="iteration marks", title_fontsize=7))
    top.legend(loc="lower right")
    top.grid(alpha=0.3)
    counted = [(m, s) for m, s in zip(minutes, samples, strict=True)
               if s["tensors"] is not None]
    bottom.plot([m for m, _ in counted], [s["tensors"] for _, s in counted], ".-",
                color="tab:green", label="tensors (counted between jobs)")
    bottom.plot([m for m, _ in counted], [s["modules"] for _, s in counted], ".-",
                color="tab:orange", label="modules")
    bottom.set_ylabel("live tensors / modules")
    bottom.set_xlabel("minutes (coloured lines: an iteration starts)")
    bottom.grid(alpha=0.3)
    qt_axis = bottom.twinx()
    qt_axis.plot(minutes, [s["qobjects"] for s in samples], color="tab:purple",
                 linestyle=":", label="QObjects under the window (the job list keeps up "
                 f"to {MAX_FINISHED_ROWS} finished jobs)")
    qt_axis.set_ylabel("QObjects")
    handles, labels = bottom.get_legend_handles_labels()
    more_handles, more_labels = qt_axis.get_legend_handles_labels()
    bottom.legend(handles + more_handles, labels + more_labels, loc="upper left", fontsize=8)
    machine = summary["machine"]
    figure.suptitle(
        f"Soak: {len(iterations)} iterations of load → compress → benchmark → unload in "
        f"{summary['minutes']:.1f} min (offscreen window, CPU)\n"
        f"{machine['cpu']}, {machine['cores']} cores, torch {machine['torch']}; RSS "
        f"{summary['rss_first_mib']:.0f} MiB before the first model, "
        f"{summary['rss_last_mib']:.0f} MiB at the end after gc (peak "
        f"{summary['rss_peak_mib']:.0f})"
        + (f"\n{summary['note']}" if summary["note"] else ""), fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_DATA_HOME"] = folder  # the window's autosave goes here, not home
        window = MainWindow(store=open_store(str(Path(folder) / "s.ini")),
                            devices=[cpu_device()])
        window.show()
        started = time.perf_counter()
        sampler = Sampler(window, args.sample_seconds, started)
        collections = CollectionTimes(started)
        gc.callbacks.append(collections)
        sampler.sample("start")
        sampler.timer.start()
        iterations: list[dict[str, Any]] = []
        deadline = started + args.minutes * 60.0
        while time.perf_counter() < deadline:
            sampler.iteration = len(iterations)
            start_s = time.perf_counter() - started
            outcome = one_iteration(window, len(iterations))
            outcome["start_s"] = round(start_s, 2)
            iterations.append(outcome)
            print(f"{time.perf_counter() - started:7.1f} s  #{outcome['index']:<4} "
                  f"{outcome['model']:<21} {outcome['technique']:<8} {outcome['states']}  "
                  f"RSS {rss_bytes() / MIB:.0f} MiB", flush=True)
        sampler.timer.stop()
        gc.callbacks.remove(collections)
        app.processEvents()
        gc.collect()
        sampler.sample("end, after gc")
        # Not a sample (it would bend the fit): what glibc hands back of the freed heap.
        trimmed_mib = round(rss_bytes() / MIB, 2) if release_freed_memory() else None
        window.close()

    samples = sampler.samples
    failed = [i for i in iterations if any(s != "done" for s in i["states"].values())]
    rss = [s["rss_mib"] for s in samples]
    summary: dict[str, Any] = {
        "machine": machine_description(),
        "minutes": round(samples[-1]["t_s"] / 60.0, 2),
        "iterations": len(iterations),
        "iterations_with_a_job_not_done": len(failed),
        "rss_first_mib": rss[0],
        "rss_peak_mib": max(rss),
        "rss_last_mib": rss[-1],
        "rss_after_malloc_trim_mib": trimmed_mib,
        "gc_collections_per_generation": collections.count,
        "gc_longest_ms_per_generation": collections.longest_ms,
        "gc_over_50_ms_at_s_generation_ms": collections.over_50_ms,
        "rss_slope_second_half_mib_per_hour": slope_per_hour(samples, "rss_mib"),
        "tensors_slope_second_half_per_hour": slope_per_hour(samples, "tensors"),
        "qobjects_slope_second_half_per_hour": slope_per_hour(samples, "qobjects"),
        "tensors_first_last": [samples[0]["tensors"], samples[-1]["tensors"]],  # both idle
        "note": ("" if samples[-1]["t_s"] >= 600 else "A run under 10 minutes is mostly "
                 "warm-up (imports, caches, allocator arenas): its slope cannot tell a leak."),
        "modules_first_last": [samples[0]["modules"], samples[-1]["modules"]],
        "qobjects_first_last": [samples[0]["qobjects"], samples[-1]["qobjects"]],
    }
    slope = summary["rss_slope_second_half_mib_per_hour"]
    result = write_results("soak", samples, **{k: v for k, v in summary.items()
                                                if k != "machine"}, iteration_log=iterations)
    picture = draw(samples, iterations, summary, RESULTS / "soak_memory.png")
    print(f"{len(iterations)} iterations in {summary['minutes']:.1f} min "
          f"({len(failed)} with a job not done); RSS {rss[0]:.0f} -> {rss[-1]:.0f} MiB, "
          f"peak {max(rss):.0f}"
          + (f", {trimmed_mib:.0f} after malloc_trim" if trimmed_mib is not None else "")
          + "; slope over the second half "
          + (f"{slope:+.1f} MiB/h" if slope is not None else "n/a (too few samples)")
          + f"; tensors {summary['tensors_first_last']}, modules {summary['modules_first_last']}"
          f", QObjects {summary['qobjects_first_last']}")
    print(f"garbage collections of generations 0/1/2: {collections.count}, the longest "
          f"{collections.longest_ms} ms; over 50 ms (s into the run, generation, ms): "
          f"{collections.over_50_ms}")
    if summary["note"]:
        print(summary["note"])
    print(f"wrote {result} and {picture}")
    return summary


if __name__ == "__main__":
    main()
