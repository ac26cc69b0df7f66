"""The benchmark suite: every figure in the README's Performance section, rerun in one command.

    python -m benchmarks                    # the CPU suite (about 15 minutes on 2 cores)
    python -m benchmarks --device cuda      # the GPU suite (the matrix on one GPU)
    python -m benchmarks --long             # also the 30-minute soak of the window
    python -m benchmarks --only matrix,charts
    python -m benchmarks --list

Each section is its own process (``python -m benchmarks.NAME``), so one that fails or runs
out of memory is reported and the rest still run; it writes ``benchmarks/results/*.json``
with the machine's description. The last section draws the charts
(``benchmarks/results/charts/*.png``) from whatever results are there. The suite's own record
(which sections ran, how long, which failed) goes to ``benchmarks/results/suite_DEVICE.json``.
Exit status: 0 when every section ran, 1 when any failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import write_results

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Section:
    name: str
    module: str
    what: str
    args: tuple[str, ...] = ()
    devices: tuple[str, ...] = ("cpu",)
    needs_qt: bool = False
    long: bool = False
    timeout_s: int = 1800
    env: dict[str, str] = field(default_factory=dict)


SECTIONS: tuple[Section, ...] = (
    Section("matrix", "benchmarks.matrix",
            "every technique x every model (zoo and ResNet-50/BERT-base fixtures) against "
            "fp32 eager, fp32 compiled, bf16 and the peers; roofline and peak memory",
            devices=("cpu", "cuda")),
    Section("inspect", "benchmarks.inspect_large",
            "inspection time from 0.7M to 1.1B parameters"),
    Section("gui", "benchmarks.gui_responsiveness",
            "window start-up, GUI stalls while jobs run, the 108M-parameter layer tree",
            needs_qt=True, env={"QT_QPA_PLATFORM": "offscreen"}),
    Section("queue", "benchmarks.job_queue",
            "50 queued jobs: GUI stall and memory afterwards", needs_qt=True,
            env={"QT_QPA_PLATFORM": "offscreen"}),
    Section("soak", "benchmarks.soak", "the window for 30 minutes: memory over a long run",
            args=("--minutes", "30"), needs_qt=True, long=True, timeout_s=2400,
            env={"QT_QPA_PLATFORM": "offscreen"}),
    Section("charts", "benchmarks.charts", "draws the README's charts from the results",
            devices=("cpu", "cuda")),
)


def _qt_missing() -> str | None:
    if importlib.util.find_spec("PySide6") is None:
        return "PySide6 is not installed (the GUI benchmarks need it)"
    return None


def chosen(options: argparse.Namespace) -> list[Section]:
    kind = "cuda" if options.device.startswith("cuda") else "cpu"
    only = {name.strip() for name in options.only.split(",") if name.strip()}
    unknown = only - {section.name for section in SECTIONS}
    if unknown:
        raise SystemExit(f"benchmarks: no section {', '.join(sorted(unknown))}; "
                         f"see python -m benchmarks --list")
    sections = []
    for section in SECTIONS:
        if only:
            if section.name in only:
                sections.append(section)
        elif kind in section.devices and (options.long or not section.long):
            sections.append(section)
    return sections


def run_section(section: Section, device: str, log_dir: Path) -> dict[str, object]:
    reason = _qt_missing() if section.needs_qt else None
    if reason:
        print(f"== {section.name}: skipped, {reason}", flush=True)
        return {"section": section.name, "status": "skipped", "reason": reason}
    command = [sys.executable, "-m", section.module, *section.args]
    if section.name == "matrix":
        command += ["--device", device]
    print(f"== {section.name}: {section.what}\n   {' '.join(command[1:])}", flush=True)
    env = {**os.environ, **section.env, "PYTHONPATH": str(ROOT) + os.pathsep
           + os.environ.get("PYTHONPATH", "")}
    log_path = log_dir / f"{section.name}.log"
    started = time.perf_counter()
    status, code = "done", 0
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        assert process.stdout is not None
        deadline = started + section.timeout_s
        for line in process.stdout:
            sys.stdout.write("   " + line)
            sys.stdout.flush()
            log.write(line)
            if time.perf_counter() > deadline:
                process.kill()
                status = "timed out"
                break
        code = process.wait()
    seconds = time.perf_counter() - started
    if status == "done" and code != 0:
        status = "failed"
    print(f"== {section.name}: {status} in {seconds:.0f} s", flush=True)
    record: dict[str, object] = {"section": section.name, "status": status,
                                 "seconds": round(seconds, 1), "exit_code": code}
    if status != "done":
        record["log_tail"] = log_path.read_text(errors="replace").splitlines()[-5:]
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    parser.add_argument("--only", default="", help="comma-separated sections to run")
    parser.add_argument("--long", action="store_true", help="also the 30-minute soak")
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    options = parser.parse_args(argv)
    if options.list:
        for section in SECTIONS:
            where = "/".join(section.devices) + (", --long" if section.long else "")
            print(f"{section.name:8} ({where}): {section.what}")
        return 0
    log_dir = ROOT / "benchmarks" / "results" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    records = [run_section(section, options.device, log_dir) for section in chosen(options)]
    seconds = time.perf_counter() - started
    kind = "gpu" if options.device.startswith("cuda") else "cpu"
    path = write_results(f"suite_{kind}", records, device=options.device,
                         seconds=round(seconds, 1))
    failed = [r["section"] for r in records if r["status"] in ("failed", "timed out")]
    print(f"suite: {len(records)} sections in {seconds / 60:.1f} min"
          + (f"; failed: {', '.join(map(str, failed))}" if failed else "") + f"; wrote {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
