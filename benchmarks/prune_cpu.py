"""Pruning on this machine's CPU: method x ratio x zoo model, before, after and recovered.

    python -m benchmarks.prune_cpu [--models resnet-digits,...] [--ratios 0.25,0.5]

For each zoo model (the CNN, the MLP, the transformer), structured (L1 channels, heads and
neurons) and unstructured (L1 masks) pruning at each ratio: parameters, dense size (and the
sparse-compressed file for unstructured), latency at batch 32 and batch 1 before and after
(timed in alternating rounds in one process, so both see the same machine load), accuracy
before, right after pruning, and after a short recovery fine-tuning that distils from the
unpruned model. Writes benchmarks/results/prune_cpu.json and prints a markdown table; the 2:4
figures from one GPU (benchmarks/prune_gpu_24.py) are appended when present.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import torch

from benchmarks.common import RESULTS, write_results
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import load_model
from slimbench.engine.prune import PruneConfig, RecoveryConfig, prune_job, recover_job

#: Short recoveries (distilling from the unpruned model) that fit the whole run in about ten
#: minutes on two cores. Unstructured models keep their dense size, so each step costs as much
#: as training the original: they get fewer steps.
RECOVERY = {
    ("resnet-digits", "structured"): RecoveryConfig(epochs=5),
    ("resnet-digits", "unstructured"): RecoveryConfig(epochs=1, max_steps_per_epoch=12),
    ("mlp-digits", "structured"): RecoveryConfig(epochs=5),
    ("mlp-digits", "unstructured"): RecoveryConfig(epochs=5),
    ("transformer-majority", "structured"): RecoveryConfig(
        epochs=2, max_steps_per_epoch=40, eval_samples=1000
    ),
    ("transformer-majority", "unstructured"): RecoveryConfig(
        epochs=1, max_steps_per_epoch=30, eval_samples=1000
    ),
}
METHODS = ("structured", "unstructured")
#: DESIGN.md's structured-pruning target for a ResNet-style CNN at ratio 0.5.
TARGET = {"model": "resnet-digits", "ratio": 0.5, "speedup": 2.0, "size": 0.35, "points": 1.0}


def _busy_jiffies() -> tuple[int, int]:
    """CPU time (jiffies) of the whole machine and of this process so far."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    machine = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)  # minus idle, iowait
    with open("/proc/self/stat") as own:
        parts = own.read().rsplit(")", 1)[1].split()
    return machine, int(parts[11]) + int(parts[12])  # utime + stime


def others_cpu_percent(seconds: float = 1.0) -> float | None:
    """Percent of one core that other processes used over ``seconds`` (None off Linux)."""
    try:
        machine0, own0 = _busy_jiffies()
        time.sleep(seconds)
        machine1, own1 = _busy_jiffies()
    except (OSError, ValueError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return 100.0 * ((machine1 - machine0) - (own1 - own0)) / ticks / seconds


def wait_for_quiet(max_wait: float, threshold: float = 20.0) -> float | None:
    """Wait (up to ``max_wait`` s) until other processes leave the CPU nearly idle.

    Timing while another job's threads compete for two cores makes OpenMP threads wait on
    each other and latencies jump tenfold at random: such figures mean nothing. Returns the
    other processes' CPU use (percent of a core) just before timing starts.
    """
    deadline = time.perf_counter() + max_wait
    while True:
        others = others_cpu_percent()
        if others is None or others < threshold or time.perf_counter() > deadline:
            return others


def _latency(metrics: dict[str, Any], batch: int) -> float:
    return metrics["latency_ms_by_batch"][str(batch)]["median"]


def measure_row(name: str, method: str, ratio: float,
                quiet_wait: float) -> tuple[dict[str, Any], Any, Any]:
    """Prune and time one row; return it with the original and pruned handles."""
    handle = load_model(f"zoo:{name}")
    config = PruneConfig(method=method, amount=ratio, batch_sizes=(32, 1), bench_repeats=20,
                         bench_rounds=2, bench_max_seconds=4.0)
    others = wait_for_quiet(quiet_wait)
    started = time.perf_counter()
    result = run_job(prune_job(handle, config))
    prune_seconds = time.perf_counter() - started
    before, after = result.before, result.after
    row: dict[str, Any] = {
        "model": name,
        "method": method,
        "importance": config.importance,
        "ratio": ratio,
        "params_before": before["params_total"],
        "params_after": after["params_total"],
        "params_nonzero_after": after["params_nonzero"],
        "size_before": before["size_bytes"],
        "size_after": after["size_bytes"],
        "size_ratio": after["size_bytes"] / before["size_bytes"],
        "sparse_file_bytes": result.sparse_size_bytes,
        "accuracy_before": before["accuracy"],
        "accuracy_pruned": after["accuracy"],
        "top1_agreement_pruned": after["fidelity"]["top1_agreement"],
        "prune_seconds": prune_seconds,
        "others_cpu_percent_before_timing": others,
        "notes": result.notes,
    }
    for batch in (32, 1):
        old, new = _latency(before, batch), _latency(after, batch)
        row[f"latency_b{batch}_before_ms"] = old
        row[f"latency_b{batch}_after_ms"] = new
        # Median over back-to-back pairs of calls: fair while other jobs share the CPU.
        row[f"speedup_b{batch}"] = after["speedup_by_batch"][str(batch)]
        row[f"speedup_b{batch}_of_medians"] = old / new
        row[f"latency_b{batch}_min_ms"] = [
            before["latency_ms_by_batch"][str(batch)]["min"],
            after["latency_ms_by_batch"][str(batch)]["min"],
        ]
    return row, handle, result.handle


def recover_row(row: dict[str, Any], original: Any, pruned: Any) -> None:
    """Short recovery fine-tuning of a pruned row, distilling from the original."""
    recovery = RECOVERY[(row["model"], row["method"])]
    started = time.perf_counter()
    recovered = run_job(recover_job(pruned, original, recovery))
    row.update(
        accuracy_recovered=recovered.accuracy_after,
        recovery_epochs=recovery.epochs,
        recovery_steps_per_epoch=recovery.max_steps_per_epoch,
        recovery_best_epoch=recovered.best_epoch,
        recovery_seconds=time.perf_counter() - started,
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / 1e6:.2f}"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| model | method | ratio | params | size MB (dense) | sparse file MB | "
        "b32 ms before -> after | b32 speedup (paired) | b1 ms before -> after | "
        "b1 speedup (paired) | "
        "acc % before | acc % pruned | acc % recovered |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['method']} | {r['ratio']:g} | "
            f"{r['params_before'] / 1e6:.2f}M -> {r['params_after'] / 1e6:.2f}M"
            f" ({r['params_nonzero_after'] / 1e6:.2f}M nonzero) | "
            f"{_mb(r['size_before'])} -> {_mb(r['size_after'])} | {_mb(r['sparse_file_bytes'])} | "
            f"{r['latency_b32_before_ms']:.2f} -> {r['latency_b32_after_ms']:.2f} | "
            f"{r['speedup_b32']:.2f}x | "
            f"{r['latency_b1_before_ms']:.2f} -> {r['latency_b1_after_ms']:.2f} | "
            f"{r['speedup_b1']:.2f}x | {_pct(r['accuracy_before'])} | "
            f"{_pct(r['accuracy_pruned'])} | {_pct(r.get('accuracy_recovered'))} |"
        )
    return "\n".join(lines)


def gpu_table() -> str | None:
    path = RESULTS / "prune_gpu_24.json"
    if not path.is_file():
        return None
    document = json.loads(path.read_text())
    lines = [
        f"2:4 semi-structured, {document.get('device')} (fp16, dense vs 2:4 in one process):",
        "",
        "| model | batch | dense fp16 ms | 2:4 ms | speedup | acc % before | acc % after |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in document["rows"]:
        lines.append(
            f"| {r['model']} | {r['batch_size']} | {r['dense_ms']:.3f} | {r['sparse_ms']:.3f} | "
            f"{r['speedup']:.2f}x | {_pct(r['accuracy_before'])} | {_pct(r['accuracy_after'])} |"
        )
    return "\n".join(lines)


def check_target(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    row = next((r for r in rows if r["model"] == TARGET["model"] and r["method"] == "structured"
                and r["ratio"] == TARGET["ratio"]), None)
    if row is None:
        return None
    recovered = row.get("accuracy_recovered")
    points = None if recovered is None else 100 * (row["accuracy_before"] - recovered)
    return {
        "speedup_b32": row["speedup_b32"],
        "speedup_b1": row["speedup_b1"],
        "size_ratio": row["size_ratio"],
        "accuracy_points_lost_after_recovery": points,
        "speedup_met": row["speedup_b32"] >= TARGET["speedup"],
        "size_met": row["size_ratio"] <= TARGET["size"],
        "accuracy_met": points is not None and points <= TARGET["points"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="resnet-digits,mlp-digits,transformer-majority")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--ratios", default="0.25,0.5")
    parser.add_argument("--no-recovery", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quiet-wait", type=float, default=60.0,
                        help="seconds to wait for other processes to leave the CPU idle "
                             "before timing each row (0: do not wait)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    # Other jobs may share this machine: the load is recorded beside the figures.
    load_start = os.getloadavg()
    # Time every row first, in one short stretch (waiting for a quiet machine), then run the
    # recoveries, whose accuracy does not depend on what else the machine is doing.
    rows, handles = [], []
    for name in args.models.split(","):
        for method in args.methods.split(","):
            for ratio in (float(r) for r in args.ratios.split(",")):
                row, original, pruned = measure_row(name, method, ratio, args.quiet_wait)
                rows.append(row)
                handles.append((original, pruned))
                print(f"{name} {method} {ratio:g}: b32 {row['speedup_b32']:.2f}x, "
                      f"b1 {row['speedup_b1']:.2f}x, size {row['size_ratio']:.2f}x, acc "
                      f"{_pct(row['accuracy_before'])} -> {_pct(row['accuracy_pruned'])} "
                      f"(others {row['others_cpu_percent_before_timing']}% CPU; "
                      f"{time.perf_counter() - started:.0f} s)", flush=True)
    load_after_timing = os.getloadavg()
    if not args.no_recovery:
        for row, (original, pruned) in zip(rows, handles, strict=True):
            recover_row(row, original, pruned)
            print(f"{row['model']} {row['method']} {row['ratio']:g}: recovered "
                  f"{_pct(row['accuracy_recovered'])} "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    target = check_target(rows)
    path = write_results("prune_cpu", rows, target=target,
                         seconds=round(time.perf_counter() - started, 1),
                         load_average_start=load_start, load_average_after_timing=load_after_timing)
    print()
    print(table(rows))
    extra = gpu_table()
    if extra:
        print()
        print(extra)
    if target is not None:
        print()
        print(f"Target (structured 0.5 on resnet-digits): batch-32 speedup "
              f"{target['speedup_b32']:.2f}x (>= 2: {target['speedup_met']}), size "
              f"{target['size_ratio']:.2f}x (<= 0.35: {target['size_met']}), accuracy points lost "
              f"after recovery {target['accuracy_points_lost_after_recovery']} "
              f"(<= 1: {target['accuracy_met']})")
    print(f"wrote {path} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
