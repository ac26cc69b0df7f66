"""Every quantization scheme on every zoo model on this CPU (or a GPU), against fp32 eager, fp32
compiled and bf16, with ONNX Runtime's dynamic int8 as a peer on the MLPs and the transformer.

All variants of one model are timed in one round-robin run (each runs a short slice in
turn, several rounds), so load from other processes hits them alike and the ratios hold.

    python -m benchmarks.quantize_cpu [--threads 1] [--batch-size 32] [--only mlp-digits]
    python -m benchmarks.quantize_cpu --device cuda --name quantize_gpu_h100
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import device_name, package_version, write_results
from slimbench.engine import zoo
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import make_batch, thread_count
from slimbench.engine.quantize import (
    SCHEMES,
    Candidate,
    CompareSettings,
    QuantizeConfig,
    Runner,
    compare_metrics_job,
    make_runner,
)
from slimbench.engine.quantize.backends import apply_cast, first_line, quiet
from slimbench.engine.quantize.jobs import build_quantized_job
from slimbench.engine.quantize.schemes import QuantizeError

#: (row name, scheme, config overrides). The compile choice is fixed per row (no auto
#: timing) so the run stays short; int8-weight-only and fp16 are not faster compiled here.
VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("int8-dynamic (torchao, compiled)", "int8-dynamic", {"engine": "torchao", "compile": True}),
    ("int8-dynamic (torch.ao legacy, eager)", "int8-dynamic", {"engine": "legacy"}),
    ("int8-static (pt2e, compiled)", "int8-static", {"compile": True}),
    ("int8-weight-only (torchao, eager)", "int8-weight-only", {"compile": False}),
    ("int4-weight-only", "int4-weight-only", {}),
    ("fp16 (eager)", "fp16", {"compile": False}),
    ("bf16 (compiled)", "bf16", {"compile": True}),
]
#: On a GPU every row is compiled (eager launches dominate small models there).
GPU_VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("int8-dynamic (torchao, compiled)", "int8-dynamic", {"engine": "torchao", "compile": True}),
    ("int8-weight-only (torchao, compiled)", "int8-weight-only", {"compile": True}),
    ("int4-weight-only (torchao, compiled)", "int4-weight-only", {"compile": True}),
    ("int8-static", "int8-static", {}),
    ("fp16 (compiled)", "fp16", {"compile": True}),
    ("bf16 (compiled)", "bf16", {"compile": True}),
]
ORT_MODELS = ("mlp-digits", "mlp-cancer", "transformer-majority")


class OrtRunner(Runner):
    """An ONNX Runtime session behind the Runner interface (torch tensors in and out)."""

    def __init__(self, session: Any, label: str) -> None:
        super().__init__(None, label)  # type: ignore[arg-type]
        self.session = session
        self.input_name = session.get_inputs()[0].name

    def __call__(self, *inputs: torch.Tensor) -> torch.Tensor:
        outputs = self.session.run(None, {self.input_name: inputs[0].cpu().numpy()})
        return torch.from_numpy(outputs[0])


def onnx_candidates(handle: ModelHandle, threads: int, folder: Path) -> dict[str, Candidate]:
    """ONNX Runtime fp32 and dynamic int8 (QInt8 weights) of the model, or {} if unavailable."""
    try:
        import onnx
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as error:
        print(f"  ONNX Runtime rows skipped: {error}")
        return {}
    fp32 = folder / f"{handle.name}.onnx"
    int8 = folder / f"{handle.name}.int8.onnx"
    example = make_batch(handle, 2)
    batch = torch.export.Dim("batch", min=1, max=4096)
    with quiet(), contextlib.redirect_stdout(io.StringIO()):
        torch.onnx.export(
            copy.deepcopy(handle.module).eval(), example, str(fp32), dynamo=True,
            input_names=["x"], output_names=["y"], dynamic_shapes=({0: batch},),
        )
        model = onnx.load(str(fp32))
        # The dynamo exporter's value_info trips ORT's quantizer shape inference; drop it.
        del model.graph.value_info[:]
        onnx.save(model, str(fp32))
        logging.getLogger().setLevel(logging.ERROR)  # ORT's "consider pre-processing" hint
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    candidates = {}
    params = sum(p.numel() for p in handle.module.parameters())
    for label, path in (("onnxruntime fp32", fp32), ("onnxruntime int8-dynamic", int8)):
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        candidates[label] = Candidate(None, OrtRunner(session, label),
                                      size_bytes=path.stat().st_size, params=(params, params))
    return candidates


def model_rows(name: str, threads: int, batch_size: int, folder: Path,
               device_name: str = "cpu") -> list[dict[str, Any]]:
    handle = load_model(f"zoo:{name}")
    device = torch.device(device_name)
    on_gpu = device.type != "cpu"
    batch = tuple(t.to(device) for t in make_batch(handle, batch_size))
    reference = copy.deepcopy(handle.module).eval().to(device)
    candidates: dict[str, Candidate] = {
        "fp32 eager": Candidate(reference, Runner(reference, "fp32 eager")),
    }
    compile_seconds: dict[str, float | None] = {}
    engines: dict[str, str] = {"fp32 eager": "torch", "fp32 compiled": "torch + inductor",
                               "bf16 (eager)": "torch"}
    skipped: dict[str, str] = {}

    compiled = copy.deepcopy(reference)
    started = time.perf_counter()
    candidates["fp32 compiled"] = Candidate(
        compiled, make_runner(compiled, "fp32 compiled", compiled=True, freezing=True,
                              example=batch, device=device))
    compile_seconds["fp32 compiled"] = time.perf_counter() - started
    bf16 = apply_cast(copy.deepcopy(reference), torch.bfloat16)
    candidates["bf16 (eager)"] = Candidate(bf16, Runner(bf16, "bf16 eager"), "bfloat16")

    for label, scheme, overrides in GPU_VARIANTS if on_gpu else VARIANTS:
        config = QuantizeConfig(scheme, device=device_name, batch_size=batch_size, **overrides)
        try:
            built = run_job(build_quantized_job(handle, config))
        except QuantizeError as error:  # DeviceError is not one: it is caught below
            skipped[label] = str(error)
            continue
        except Exception as error:
            skipped[label] = first_line(error)
            continue
        candidates[label] = Candidate(built.module, built.runner, built.dtype)
        compile_seconds[label] = built.compile_seconds
        engines[label] = built.engine
        print(f"  built {label}" + (f" (compile {built.compile_seconds:.1f} s)"
                                     if built.compile_seconds else ""))
    if name in ORT_MODELS and not on_gpu:
        try:
            candidates.update(onnx_candidates(handle, threads, folder))
            engines.update({"onnxruntime fp32": "onnxruntime",
                            "onnxruntime int8-dynamic": "onnxruntime"})
        except Exception as error:
            skipped["onnxruntime int8-dynamic"] = first_line(error)

    settings = CompareSettings(device=device, batch_size=batch_size, warmup=3, rounds=5,
                               round_seconds=0.2, eval_samples=512, measure_batch_1=True)
    metrics = run_job(compare_metrics_job(handle, candidates, settings))
    base = {key: metrics[key].latency_ms["median"]
            for key in ("fp32 eager", "fp32 compiled", "bf16 (eager)")}
    base_1 = metrics["fp32 eager"].latency_ms_batch_1 or {"median": float("nan")}
    rows = []
    for label, result in metrics.items():
        median = result.latency_ms["median"]
        single = result.latency_ms_batch_1 or {"median": float("nan")}
        rows.append({
            "model": name,
            "variant": label,
            "engine": engines.get(label, ""),
            "compiled": result.compiled,
            "dtype": result.dtype,
            "batch_size": batch_size,
            "latency_ms_median": median,
            "latency_ms_p90": result.latency_ms["p90"],
            "speedup_vs_fp32_eager": base["fp32 eager"] / median,
            "speedup_vs_fp32_compiled": base["fp32 compiled"] / median,
            "speedup_vs_bf16": base["bf16 (eager)"] / median,
            "latency_ms_median_batch_1": single["median"],
            "speedup_vs_fp32_eager_batch_1": base_1["median"] / single["median"],
            "batch_1_error": result.batch_1_error,
            "size_bytes": result.size_bytes,
            "size_ratio": result.size_bytes / metrics["fp32 eager"].size_bytes,
            "accuracy": result.accuracy,
            "top1_agreement": result.fidelity.top1_agreement if result.fidelity else None,
            "cosine": result.fidelity.cosine if result.fidelity else None,
            "compile_seconds": compile_seconds.get(label),
        })
    for label, reason in skipped.items():
        rows.append({"model": name, "variant": label, "skipped": reason})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    header = (
        "| model | variant | b32 median ms | vs fp32 eager | vs fp32 compiled | vs bf16 | "
        "b1 median ms | b1 vs fp32 eager | size | accuracy | top-1 agree |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    for row in rows:
        if "skipped" in row:
            lines.append(f"| {row['model']} | {row['variant']} | not run: {row['skipped']} "
                         "| | | | | | | | |")
            continue
        accuracy = "" if row["accuracy"] is None else f"{100 * row['accuracy']:.1f}%"
        agreement = "" if row["top1_agreement"] is None else f"{100 * row['top1_agreement']:.1f}%"
        single = f"{row['latency_ms_median_batch_1']:.3g}"
        single_ratio = f"{row['speedup_vs_fp32_eager_batch_1']:.2f}x"
        if row.get("batch_1_error"):
            single, single_ratio = "n/a", "fails at 1 row"
        lines.append(
            f"| {row['model']} | {row['variant']} | {row['latency_ms_median']:.3g} "
            f"| {row['speedup_vs_fp32_eager']:.2f}x | {row['speedup_vs_fp32_compiled']:.2f}x "
            f"| {row['speedup_vs_bf16']:.2f}x | {single} | {single_ratio} "
            f"| {row['size_ratio']:.2f}x ({row['size_bytes'] / 1e6:.2f} MB) "
            f"| {accuracy} | {agreement} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="intra-op threads (default 1: on this shared 2-core VM, 2 threads "
                             "made single runs vary up to 10x while the other core was busy)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--only", action="append", default=[], help="zoo model(s) to run")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--name", default="quantize_cpu",
                        help="results file name under benchmarks/results (without .json)")
    args = parser.parse_args(argv)
    names = args.only or list(zoo.ZOO)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with thread_count(args.threads), tempfile.TemporaryDirectory() as folder:
        for name in names:
            print(f"{name}:", flush=True)
            model_started = time.perf_counter()
            rows.extend(model_rows(name, args.threads, args.batch_size, Path(folder),
                                   args.device))
            print(f"  {time.perf_counter() - model_started:.0f} s", flush=True)
    seconds = time.perf_counter() - started
    table = markdown(rows)
    print(table)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    path = write_results(
        args.name, rows, batch_size=args.batch_size, threads_used=args.threads,
        seconds=seconds, load_average=load, schemes=list(SCHEMES), markdown=table,
        device=args.device, device_name=device_name(args.device),
        torchao=package_version("torchao"), onnxruntime=package_version("onnxruntime"),
    )
    print(f"wrote {path} in {seconds:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
