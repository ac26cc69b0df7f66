"""The workbench's own speed: start-up, event-loop stalls while jobs run, 100M-model tree.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.gui_responsiveness

- start-up: `slimbench` as a user starts it, until the window is shown and until the demo
  model is inspected (median of 5 starts);
- stall: the longest gap between ticks of a 10 ms timer on the GUI thread while a benchmark
  job, a quality job and the inspection of a 108M-parameter model run on workers;
- tree: putting the 108M-parameter model's inspect tree into the layer tree view.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.common import write_results
from benchmarks.inspect_large import Encoder
from slimbench.app.main_window import MainWindow
from slimbench.app.settings import open_store
from slimbench.engine.devices import cpu_device
from slimbench.engine.inspection import inspect_job, inspect_model
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import BenchConfig, bench_job

ROOT = Path(__file__).resolve().parent.parent


def startup_times(runs: int = 5) -> dict[str, object]:
    shown, ready = [], []
    with tempfile.TemporaryDirectory() as config_home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SLIMBENCH_EXIT_AFTER_START": "1",
               "XDG_CONFIG_HOME": config_home}
        for _ in range(runs):
            output = subprocess.run([sys.executable, "-m", "slimbench.cli"], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=300).stdout
            for line in output.splitlines():
                if line.startswith("shown "):
                    shown.append(float(line.split()[1]))
                elif line.startswith("ready "):
                    ready.append(float(line.split()[1]))
    return {"shown_seconds_median": statistics.median(shown), "shown_seconds_all": shown,
            "inspected_seconds_median": statistics.median(ready), "inspected_seconds_all": ready}


class StallMeter:
    """Longest gap between ticks of a 10 ms timer: how long the GUI thread was busy."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.gaps.clear()
        self.clock.start()
        self.timer.start()

    def _tick(self) -> None:
        self.gaps.append(self.clock.restart() / 1.0)

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        ordered = sorted(self.gaps)
        return {"max_stall_ms": ordered[-1], "p99_gap_ms": ordered[int(0.99 * (len(ordered) - 1))],
                "ticks": len(ordered)}


def pump_until(app: QApplication, condition, limit: float = 600.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + limit
    while not condition() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.002)


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rows: list[dict[str, object]] = []
    start = startup_times()
    print(f"start-up: window shown {start['shown_seconds_median']:.2f} s, demo model inspected "
          f"{start['inspected_seconds_median']:.2f} s (median of 5)")
    rows.append({"measure": "startup", **start})

    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(store=open_store(str(Path(folder) / "s.ini")), devices=[cpu_device()])
        window.show()
        window.open_model("zoo:resnet-digits")
        pump_until(app, lambda: window.current is not None
                   and window.current.inspection is not None)
        meter = StallMeter()
        handle = window.current.handle
        big = ModelHandle("encoder-12x768", Encoder(12).eval(), "benchmark", "-",
                          example_inputs=(torch.randint(0, 1000, (1, 128)),))
        jobs = {
            "benchmark resnet-digits (batch 32, 100 runs)": lambda: bench_job(
                handle, BenchConfig(batch_size=32, warmup=5, repeats=100, max_seconds=60)),
            "quality of resnet-digits": lambda: window.run_quality(window.current),
            "inspect a 108.6M-parameter encoder": lambda: inspect_job(big),
            # Training runs in a child process; the window draws its live loss and accuracy.
            "distil resnet-digits (width:0.5, 2 epochs, live curves)": lambda: (
                window.run_compression("distill", {
                    **window.compress.options("distill"), "student": "width:0.5",
                    "epochs": 2, "nproc": 1, "nnodes": 1})),
        }
        for title, factory in jobs.items():
            meter.start()
            if title.startswith(("quality", "distil")):
                record = factory()
            else:
                record = window.runner.submit(title, "benchmark", factory)
            pump_until(app, lambda record=record: record.is_finished)
            stats = meter.stop()
            stats["job_seconds"] = record.elapsed or 0.0
            print(f"{title}: longest GUI stall {stats['max_stall_ms']:.1f} ms over "
                  f"{stats['ticks']} ticks ({stats['job_seconds']:.1f} s job)")
            rows.append({"measure": "stall", "job": title, **stats})

        result = inspect_model(big)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            window.tree.set_result(result)
            window.tree.expand_to_depth(1)
            app.processEvents()
            timings.append(time.perf_counter() - started)
            window.tree.set_result(None)
        print(f"layer tree of a {result.params_total / 1e6:.1f}M-parameter model "
              f"({len(result.tree.walk())} modules): {statistics.median(timings) * 1000:.1f} ms; "
              f"inspect {result.seconds:.2f} s")
        rows.append({"measure": "tree", "params_total": result.params_total,
                     "modules": len(result.tree.walk()),
                     "tree_seconds_median": statistics.median(timings),
                     "inspect_seconds": result.seconds})
        window.close()
    path = write_results("gui_responsiveness", rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
