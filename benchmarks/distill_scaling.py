"""Distillation on 1 vs N processes: accuracy, wall time and throughput, side by side.

    python -m benchmarks.distill_scaling [--device cpu|cuda] [--nprocs 1,2] [--epochs 10]
        [--batch-size 64] [--repeat K] [--name distill_scaling_cpu]

Each run is Slimbench's own distill job (child processes; ``torch.distributed.run`` with gloo
on CPU or NCCL on GPUs when N > 1). ``--batch-size`` is the global batch, so every run takes the
same optimizer steps and should reach the same accuracy; only the wall time may differ.

``--repeat K`` trains on the digits training split repeated K times (written as a user data
file), to give each step enough work to measure scaling on fast devices; its accuracy is then
scored on a split of that file and only its timings mean anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import RESULTS, machine_description
from slimbench.engine import zoo
from slimbench.engine.distill import DistillConfig, distill_job
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import load_model


def _run(model: str, device: str, nproc: int, args: argparse.Namespace,
         data: str | None, folder: Path) -> dict[str, Any]:
    teacher = load_model(model)
    config = DistillConfig(student=args.student, data=data, epochs=args.epochs,
                           batch_size=args.batch_size, lr=args.lr, device=device, nproc=nproc,
                           patience=0, work_dir=str(folder / f"{device}-{nproc}"))
    started = time.perf_counter()
    result = run_job(distill_job(teacher, config, measure=data is None))
    wall = time.perf_counter() - started
    best = next(h for h in result.history if h["epoch"] == result.best_epoch)
    return {
        "device": device,
        "nproc": nproc,
        "epochs": args.epochs,
        "global_batch": args.batch_size,
        "train_seconds": result.train_seconds,
        "wall_seconds": wall,
        "samples_per_s": statistics.median(h["samples_per_s"] for h in result.history),
        "best_epoch": result.best_epoch,
        "test_accuracy": best["test_accuracy"],
        "test_agreement": best["test_agreement"],
        "teacher_accuracy": result.before.get("accuracy"),
        "student_accuracy": result.after.get("accuracy"),
        "params_ratio": result.params_ratio,
        "teacher_latency_ms": (result.before.get("latency_ms") or {}).get("median"),
        "student_latency_ms": (result.after.get("latency_ms") or {}).get("median"),
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    base = {row["device"]: row["train_seconds"] for row in rows if row["nproc"] == 1}
    lines = ["| device | processes | global batch | epochs | train s | speed-up | samples/s | "
             "student acc | teacher acc | params | student / teacher ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        speedup = base.get(row["device"], row["train_seconds"]) / row["train_seconds"]
        accuracy = row["student_accuracy"] or row["test_accuracy"]
        teacher = row["teacher_accuracy"]
        latency = ("" if row["student_latency_ms"] is None else
                   f"{row['student_latency_ms']:.3g} / {row['teacher_latency_ms']:.3g}")
        lines.append(
            f"| {row['device']} | {row['nproc']} | {row['global_batch']} | {row['epochs']} | "
            f"{row['train_seconds']:.1f} | {speedup:.2f}x | {row['samples_per_s']:.0f} | "
            f"{'' if accuracy is None else f'{100 * accuracy:.1f}%'} | "
            f"{'' if teacher is None else f'{100 * teacher:.1f}%'}"
            f" | {row['params_ratio']:.2f}x | {latency} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="zoo:resnet-digits")
    parser.add_argument("--student", default="width:0.5")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--nprocs", default="1,2")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--repeat", type=int, default=0)
    parser.add_argument("--name", default="distill_scaling_cpu")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = None
        if args.repeat:
            train = zoo.load_dataset("digits", "train")
            data = str(folder / "digits-repeated.pt")
            torch.save({"inputs": train.inputs.repeat(args.repeat, 1, 1, 1),
                        "labels": train.labels.repeat(args.repeat)}, data)
        for nproc in (int(n) for n in args.nprocs.split(",")):
            row = _run(args.model, args.device, nproc, args, data, folder)
            print(row, flush=True)
            rows.append(row)
    table = markdown(rows)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine_description(), "model": args.model, "student": args.student,
                "repeat": args.repeat, "markdown": table, "rows": rows}
    if torch.cuda.is_available():
        document["gpu"] = torch.cuda.get_device_name()
    (args.out / f"{args.name}.json").write_text(json.dumps(document, indent=2, default=str))


if __name__ == "__main__":
    main()
