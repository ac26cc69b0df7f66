"""Runtime x scheme x zoo model: PyTorch eager, torch.compile and ONNX Runtime, side by side.

For each zoo model, every (scheme, runtime) pair that applies is built, then all of them are
timed in one round-robin run (each runs a short slice in turn, several rounds), at batch 1 and
at a large batch, so load from other processes hits them alike and the ratios hold. Quality is
measured on the model's test data (accuracy) and against fp32 eager (top-1 agreement). ONNX
Runtime's published dynamic int8 path (``quantize_dynamic`` with its defaults, no
pre-processing) runs as a peer of Slimbench's ``ort-int8-dynamic``.

    python -m benchmarks.runtimes [--threads 1] [--large-batch 256] [--only mlp-digits]
    python -m benchmarks.runtimes --device cuda --name runtimes_gpu_h100

Runs on a machine without Qt and without onnxruntime (those rows say why they did not run).
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import device_name, package_version, write_results
from slimbench.engine import runtimes, zoo
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import make_batch, thread_count
from slimbench.engine.quantize import (
    Candidate,
    CompareSettings,
    QuantizeConfig,
    Runner,
    compare_metrics_job,
    make_runner,
)
from slimbench.engine.quantize.backends import first_line
from slimbench.engine.quantize.jobs import build_quantized_job
from slimbench.engine.quantize.runtime import compile_available
from slimbench.engine.quantize.schemes import all_schemes

#: (scheme label, runtime, quantize scheme or None for fp32, QuantizeConfig overrides).
ROWS: list[tuple[str, str, str | None, dict[str, Any]]] = [
    ("fp32", "eager", None, {}),
    ("fp32", "compiled", None, {}),
    ("fp32", "onnxruntime", None, {}),
    ("torchao int8-dynamic", "eager", "int8-dynamic", {"engine": "torchao", "compile": False}),
    ("torchao int8-dynamic", "compiled", "int8-dynamic", {"engine": "torchao", "compile": True}),
    ("pt2e int8-static", "compiled", "int8-static", {"compile": True}),
    ("ort-int8-dynamic", "onnxruntime", "ort-int8-dynamic", {}),
    ("ort-int8-static", "onnxruntime", "ort-int8-static", {}),
    ("ORT published int8-dynamic", "onnxruntime", "published", {}),
]
REFERENCE = "fp32 / eager"


def published_ort_dynamic(handle: ModelHandle, folder: Path) -> runtimes.OnnxRuntimeModule:
    """ONNX Runtime's own documented dynamic path: export, ``quantize_dynamic`` with its
    defaults (QInt8 weights on every op type it supports), no pre-processing (as
    benchmarks/quantize_cpu.py runs it)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from slimbench.engine.runtimes.export import export_onnx, quiet_export

    exported = export_onnx(handle.module, make_batch(handle, 2), name=handle.name)
    model = onnx.load_from_string(exported.onnx_bytes)
    # The dynamo exporter's value_info trips the quantizer's shape inference without
    # pre-processing (quant_pre_process redoes it); drop it, as quantize_cpu.py does.
    del model.graph.value_info[:]
    source, target = folder / f"{handle.name}.onnx", folder / f"{handle.name}.int8.onnx"
    source.write_bytes(model.SerializeToString())
    with quiet_export():
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    return runtimes.OnnxRuntimeModule(target.read_bytes(), label="ORT published int8-dynamic")


def build(handle: ModelHandle, scheme: str | None, runtime: str, overrides: dict[str, Any],
          device: torch.device, batch: tuple[torch.Tensor, ...], large_batch: int,
          folder: Path) -> tuple[Candidate, float | None]:
    """The candidate for one row and its setup seconds (compile, or export + quantize)."""
    started = time.perf_counter()
    if scheme is None:
        reference = copy.deepcopy(handle.module).eval().to(device)
        if runtime == "eager":
            return Candidate(reference, Runner(reference, "fp32 eager")), None
        if runtime == "compiled":
            runner = make_runner(reference, "fp32 compiled", compiled=True, freezing=True,
                                 example=batch, device=device)
            return Candidate(reference, runner), runner.compile_seconds
        exported = runtimes.export_onnx(handle.module, make_batch(handle, 2), name=handle.name)
        module = runtimes.OnnxRuntimeModule(exported.onnx_bytes, label="fp32 onnxruntime")
        module = module.to(device)
        module(*batch)  # the session starts (and plans memory) before timing
        return Candidate(module, Runner(module, "fp32 onnxruntime")), (
            time.perf_counter() - started)
    if scheme == "published":
        module = published_ort_dynamic(handle, folder).to(device)
        module(*batch)
        return Candidate(module, Runner(module, "ORT published")), time.perf_counter() - started
    config = QuantizeConfig(scheme, device=str(device), batch_size=large_batch, **overrides)
    built = run_job(build_quantized_job(handle, config))
    if built.runner.compiled != (runtime == "compiled"):
        raise RuntimeError(f"{scheme} ran {'compiled' if built.runner.compiled else 'eager'}")
    seconds = built.compile_seconds if runtime == "compiled" else None
    if runtime == "onnxruntime":
        seconds = time.perf_counter() - started
    return Candidate(built.module, built.runner, built.dtype), seconds


def unavailable(scheme: str | None, runtime: str, device: str) -> str | None:
    reason = runtimes.runtime_unavailable(runtime, device)
    if reason:
        return reason
    if scheme == "published":
        return runtimes.scheme_unavailable("ort-int8-dynamic", device)
    if scheme is not None:
        return runtimes.scheme_unavailable(scheme, device)
    return None


def model_rows(name: str, device_name: str, large_batch: int, folder: Path,
               rounds: int) -> list[dict[str, Any]]:
    handle = load_model(f"zoo:{name}")
    device = torch.device(device_name)
    batch = tuple(t.to(device) for t in make_batch(handle, large_batch))
    candidates: dict[str, Candidate] = {}
    setup: dict[str, float | None] = {}
    skipped: dict[str, str] = {}
    for scheme_label, runtime, scheme, overrides in ROWS:
        label = f"{scheme_label} / {runtime}"
        reason = unavailable(scheme, runtime, device_name)
        if reason is None and runtime == "compiled" and compile_available():
            reason = compile_available()
        if reason:
            skipped[label] = reason
            continue
        try:
            candidates[label], setup[label] = build(handle, scheme, runtime, overrides, device,
                                                    batch, large_batch, folder)
        except Exception as error:  # a scheme a model cannot take is a row that says why
            skipped[label] = first_line(error)
            continue
        seconds = setup[label]
        print(f"  built {label}" + (f" ({seconds:.1f} s)" if seconds else ""), flush=True)
    settings = CompareSettings(device=device, batch_size=large_batch, warmup=3, rounds=rounds,
                               round_seconds=0.2, eval_samples=1024, measure_batch_1=True)
    metrics = run_job(compare_metrics_job(handle, candidates, settings, reference=REFERENCE))
    base = metrics[REFERENCE]
    base_1 = (base.latency_ms_batch_1 or {"median": float("nan")})["median"]
    rows = []
    for label, result in metrics.items():
        scheme_label, runtime = label.split(" / ")
        single = result.latency_ms_batch_1 or {"median": float("nan"), "p90": float("nan")}
        rows.append({
            "model": name,
            "scheme": scheme_label,
            "runtime": runtime,
            "latency_ms_batch_1": {"median": single["median"], "p90": single["p90"]},
            "latency_ms_large_batch": {"median": result.latency_ms["median"],
                                       "p90": result.latency_ms["p90"]},
            "large_batch": large_batch,
            "speedup_vs_fp32_eager_batch_1": base_1 / single["median"],
            "speedup_vs_fp32_eager_large_batch": (base.latency_ms["median"]
                                                  / result.latency_ms["median"]),
            "batch_1_error": result.batch_1_error,
            "size_bytes": result.size_bytes,
            "size_ratio": result.size_bytes / base.size_bytes,
            "accuracy": result.accuracy,
            "top1_agreement": result.fidelity.top1_agreement if result.fidelity else None,
            "cosine": result.fidelity.cosine if result.fidelity else None,
            "setup_seconds": setup.get(label),
        })
    for label, reason in skipped.items():
        scheme_label, runtime = label.split(" / ")
        rows.append({"model": name, "scheme": scheme_label, "runtime": runtime,
                     "skipped": reason})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    large = next((row["large_batch"] for row in rows if "large_batch" in row), "large")
    lines = [
        f"| model | scheme | runtime | b1 median ms | b1 p90 | b1 vs fp32 eager | b{large} median "
        f"ms | b{large} p90 | b{large} vs fp32 eager | size | accuracy | top-1 agree | setup s |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if "skipped" in row:
            lines.append(f"| {row['model']} | {row['scheme']} | {row['runtime']} | not run: "
                         f"{row['skipped']} | | | | | | | | | |")
            continue
        one, many = row["latency_ms_batch_1"], row["latency_ms_large_batch"]
        accuracy = "" if row["accuracy"] is None else f"{100 * row['accuracy']:.1f}%"
        agreement = "" if row["top1_agreement"] is None else f"{100 * row['top1_agreement']:.1f}%"
        single = (f"{one['median']:.3g} | {one['p90']:.3g} | "
                  f"{row['speedup_vs_fp32_eager_batch_1']:.2f}x")
        if row.get("batch_1_error"):
            single = "fails at 1 row | | "
        setup = "" if row["setup_seconds"] is None else f"{row['setup_seconds']:.1f}"
        lines.append(
            f"| {row['model']} | {row['scheme']} | {row['runtime']} | {single} "
            f"| {many['median']:.3g} | {many['p90']:.3g} "
            f"| {row['speedup_vs_fp32_eager_large_batch']:.2f}x "
            f"| {row['size_ratio']:.2f}x ({row['size_bytes'] / 1e6:.2f} MB) | {accuracy} "
            f"| {agreement} | {setup} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="intra-op threads for torch and ONNX Runtime alike (default 1: on "
                             "a shared 2-core VM a second thread mostly measures the neighbours)")
    parser.add_argument("--large-batch", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=5, help="round-robin timing rounds")
    parser.add_argument("--only", action="append", default=[], help="zoo model(s) to run")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--name", default=None,
                        help="results file under benchmarks/results, without .json (default "
                             "runtimes_cpu or runtimes_gpu)")
    args = parser.parse_args(argv)
    names = args.only or list(zoo.ZOO)
    name = args.name or ("runtimes_cpu" if args.device == "cpu" else "runtimes_gpu")
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with thread_count(args.threads), tempfile.TemporaryDirectory() as folder:
        for model in names:
            print(f"{model}:", flush=True)
            model_started = time.perf_counter()
            rows.extend(model_rows(model, args.device, args.large_batch, Path(folder),
                                   args.rounds))
            print(f"  {time.perf_counter() - model_started:.0f} s", flush=True)
    seconds = time.perf_counter() - started
    table = markdown(rows)
    print(table)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    path = write_results(
        name, rows, large_batch=args.large_batch, threads_used=args.threads, seconds=seconds,
        load_average=load, rounds=args.rounds, device=args.device,
        device_name=device_name(args.device), runtimes=runtimes.available_runtimes(args.device),
        schemes=list(all_schemes()), torchao=package_version("torchao"),
        onnxruntime=package_version("onnxruntime"), onnx=package_version("onnx"), markdown=table,
    )
    print(f"wrote {path} in {seconds:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
