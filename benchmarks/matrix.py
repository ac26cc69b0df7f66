"""Every technique x every model x one device, against the baselines and the peers, in one run.

    python -m benchmarks.matrix                       # CPU: the zoo and the big fixtures
    python -m benchmarks.matrix --device cuda --name matrix_gpu_h100
    python -m benchmarks.matrix --models mlp-768 --rows "fp32 eager,ort-int8-dynamic"

For each model every row that applies is built (compressed, compiled, exported), then all of
them are timed in one round-robin run (each runs a short slice in turn, several rounds) at
batch 1 and at a large batch, so load from other processes falls on every row alike and the
ratios against fp32 eager hold. Each row records:

- latency (median and p90) and throughput at batch 1 and at the large batch;
- size (the serialized model; the sparse-compressed file where smaller) and peak memory of one
  large-batch call (the CUDA allocator's peak on a GPU; on a CPU the rise in the process's
  peak resident memory over one call, freed memory returned to the system first, plus the
  model's own size);
- quality: accuracy on the zoo model's test data, and top-1 agreement and cosine against fp32
  eager (the big fixtures have random weights and no labels: agreement only);
- the roofline: achieved FLOP/s against the lower of the device's measured matmul peak for the
  row's arithmetic type and its measured memory bandwidth times the row's arithmetic intensity
  (weights and inputs counted once: a lower bound on traffic, so the fraction is an upper
  bound on how close to the limit the row runs).

Rows are tagged ``baseline`` (fp32 eager, fp32 compiled, bf16), ``ours`` (what Slimbench's
engine does) or ``peer`` (another tool used as its documentation says: plain torch.compile is
the fp32 compiled baseline; torch-pruning's MetaPruner called directly; ONNX Runtime's fp32
session and its own quantize_dynamic script), so a row can say where Slimbench is ahead or
behind.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import ctypes
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from benchmarks.common import RESULTS, device_name, package_version, write_results
from benchmarks.fixtures import FIXTURES, load_fixture
from slimbench.engine import runtimes, zoo
from slimbench.engine.compare.measurement import roofline
from slimbench.engine.devices import measured_bandwidth, measured_peak_flops
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import make_batch, output_tensor, thread_count
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

REFERENCE = "fp32 eager"


@dataclass
class Model:
    """One model of the matrix, with the batches that suit its size on each device."""

    name: str
    family: str
    handle: ModelHandle
    labelled: bool
    large_batch: int
    eval_samples: int


@dataclass
class Built:
    candidate: Candidate
    setup_seconds: float | None = None
    flops_module: nn.Module | None = None  # a float module whose FLOPs differ from the original's
    sparse_size_bytes: int | None = None
    extra: dict[str, Any] | None = None


# --- how each row is built ------------------------------------------------------------------


def _fp32(model: Model, device: torch.device, batch: tuple[torch.Tensor, ...],
          compiled: bool) -> Built:
    module = copy.deepcopy(model.handle.module).eval().to(device)
    if not compiled:
        return Built(Candidate(module, Runner(module, "fp32 eager")))
    runner = make_runner(module, "fp32 compiled", compiled=True, freezing=device.type == "cpu",
                         example=batch, device=device)
    return Built(Candidate(module, runner), runner.compile_seconds)


def _quantized(scheme: str, **overrides: Any) -> Callable[..., Built]:
    def build(model: Model, device: torch.device, batch: tuple[torch.Tensor, ...]) -> Built:
        config = QuantizeConfig(scheme, device=str(device), batch_size=model.large_batch,
                                baselines=(), **overrides)
        started = time.perf_counter()
        built = run_job(build_quantized_job(model.handle, config))
        seconds = built.compile_seconds if built.runner.compiled else None
        if "onnxruntime" in str(type(built.module)).lower() or scheme.startswith("ort-"):
            seconds = time.perf_counter() - started
        return Built(Candidate(built.module, built.runner, built.dtype), seconds)
    return build


class HalfInputs(nn.Module):
    """A half-precision model fed the suite's float32 inputs, as a deployment would cast them."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.inner(*(t.half() if t.is_floating_point() else t for t in inputs))


def _pruned(method: str, recover_epochs: int = 0) -> Callable[..., Built]:
    def build(model: Model, device: torch.device, batch: tuple[torch.Tensor, ...]) -> Built:
        from slimbench.engine.prune import PruneConfig, RecoveryConfig, prune_job, recover_job

        started = time.perf_counter()
        # 2:4 kernels take half precision only; the row is compared with fp32 eager as is.
        dtype = "float16" if method == "semi-structured-2:4" else "float32"
        config = PruneConfig(method=method, amount=0.5, measure=False, device=str(device),
                             dtype=dtype, max_eval_samples=model.eval_samples)
        result = run_job(prune_job(model.handle, config))
        handle, extra = result.handle, {}
        if recover_epochs and model.labelled:
            recovery = RecoveryConfig(epochs=recover_epochs, max_steps_per_epoch=40,
                                      eval_samples=1000)
            recovered = run_job(recover_job(handle, model.handle, recovery))
            handle = recovered.handle
            extra["recovery_epochs"] = recover_epochs
        module = handle.module.eval().to(device)
        extra["prune_seconds"] = time.perf_counter() - started
        if dtype != "float32":
            module = HalfInputs(module)
        # 2:4 tensors cannot be copied or run on a CPU to count FLOPs: the dense count stands.
        return Built(Candidate(module, Runner(module, f"prune {method}"), dtype), None,
                     flops_module=module if dtype == "float32" else None,
                     sparse_size_bytes=result.sparse_size_bytes, extra=extra)
    return build


def _torch_pruning_direct(model: Model, device: torch.device,
                          batch: tuple[torch.Tensor, ...]) -> Built:
    """torch-pruning as its README shows it: L1 magnitude, 50% of channels, the classifier
    kept, one step, no knowledge of attention heads."""
    import torch_pruning as tp

    module = copy.deepcopy(model.handle.module).eval()
    example = make_batch(model.handle, 2)
    classifier = [m for m in module.modules() if isinstance(m, nn.Linear)][-1:]
    started = time.perf_counter()
    pruner = tp.pruner.MetaPruner(module, example,
                                  importance=tp.importance.MagnitudeImportance(p=1),
                                  pruning_ratio=0.5, ignored_layers=classifier)
    pruner.step()
    with torch.inference_mode():
        output_tensor(module(*example))  # a model torch-pruning broke fails here, as a skip
    module = module.to(device)
    return Built(Candidate(module, Runner(module, "torch-pruning")), None, flops_module=module,
                 extra={"prune_seconds": time.perf_counter() - started})


def _distilled(model: Model, device: torch.device, batch: tuple[torch.Tensor, ...]) -> Built:
    from slimbench.engine.distill import DistillConfig, distill_job

    with tempfile.TemporaryDirectory() as work:
        config = DistillConfig(student="width:0.5", epochs=10, max_steps_per_epoch=60,
                               device="cuda" if device.type == "cuda" else "cpu",
                               work_dir=work, patience=0)
        started = time.perf_counter()
        result = run_job(distill_job(model.handle, config, measure=False))
    module = result.handle.module.eval().to(device)
    return Built(Candidate(module, Runner(module, "distilled")), None, flops_module=module,
                 extra={"train_seconds": time.perf_counter() - started, "epochs": config.epochs,
                        "best_epoch": result.best_epoch})


def _onnxruntime_fp32(model: Model, device: torch.device,
                      batch: tuple[torch.Tensor, ...]) -> Built:
    started = time.perf_counter()
    exported = runtimes.export_onnx(model.handle.module, make_batch(model.handle, 2),
                                    name=model.name)
    module = runtimes.OnnxRuntimeModule(exported.onnx_bytes, label="fp32 onnxruntime").to(device)
    module(*batch)
    return Built(Candidate(module, Runner(module, "fp32 onnxruntime")),
                 time.perf_counter() - started)


def _ort_published(model: Model, device: torch.device, batch: tuple[torch.Tensor, ...]) -> Built:
    from benchmarks.runtimes import published_ort_dynamic

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        module = published_ort_dynamic(model.handle, Path(folder)).to(device)
    module(*batch)
    return Built(Candidate(module, Runner(module, "ORT published")), time.perf_counter() - started)


@dataclass(frozen=True)
class RowSpec:
    label: str
    technique: str
    runtime: str
    kind: str  # baseline, ours or peer
    build: Callable[[Model, torch.device, tuple[torch.Tensor, ...]], Built]
    families: tuple[str, ...] = ("mlp", "cnn", "transformer")
    devices: tuple[str, ...] = ("cpu", "cuda")
    #: Only on zoo models (the fixtures have no data to train or recover on).
    zoo_only: bool = False
    scheme: str | None = None  # a quantization scheme whose availability decides the row


ROWS: tuple[RowSpec, ...] = (
    RowSpec(REFERENCE, "none", "eager", "baseline", lambda m, d, b: _fp32(m, d, b, False)),
    RowSpec("fp32 compiled (plain torch.compile)", "none", "compiled", "baseline",
            lambda m, d, b: _fp32(m, d, b, True)),
    RowSpec("bf16", "cast", "eager", "baseline", _quantized("bf16", compile=False), scheme="bf16"),
    RowSpec("fp16", "cast", "eager", "ours", _quantized("fp16", compile=False), scheme="fp16",
            devices=("cuda",)),
    RowSpec("prune structured 50%", "prune", "eager", "ours", _pruned("structured")),
    RowSpec("prune structured 50% + recovery", "prune", "eager", "ours",
            _pruned("structured", recover_epochs=2), zoo_only=True),
    RowSpec("torch-pruning MetaPruner 50% (direct)", "prune", "eager", "peer",
            _torch_pruning_direct),
    RowSpec("prune unstructured 50%", "prune", "eager", "ours", _pruned("unstructured")),
    RowSpec("prune 2:4 semi-structured", "prune", "eager", "ours",
            _pruned("semi-structured-2:4"), devices=("cuda",), families=("mlp", "transformer")),
    RowSpec("distil width:0.5", "distill", "eager", "ours", _distilled, zoo_only=True),
    RowSpec("int8-dynamic (torchao)", "quantize", "compiled", "ours",
            _quantized("int8-dynamic", engine="torchao", compile=True), scheme="int8-dynamic",
            families=("mlp", "transformer")),
    RowSpec("int8-weight-only (torchao)", "quantize", "compiled", "ours",
            _quantized("int8-weight-only", compile=True), scheme="int8-weight-only",
            families=("mlp", "transformer")),
    RowSpec("int8-static (pt2e)", "quantize", "compiled", "ours",
            _quantized("int8-static", compile=True), scheme="int8-static",
            families=("mlp", "cnn")),
    RowSpec("float8-dynamic (torchao)", "quantize", "compiled", "ours",
            _quantized("float8-dynamic", compile=True), scheme="float8-dynamic",
            devices=("cuda",), families=("mlp", "transformer")),
    RowSpec("fp32 onnxruntime", "none", "onnxruntime", "peer", _onnxruntime_fp32),
    RowSpec("ort-int8-dynamic", "quantize", "onnxruntime", "ours",
            _quantized("ort-int8-dynamic"), scheme="ort-int8-dynamic",
            families=("mlp", "transformer")),
    RowSpec("ort-int8-static", "quantize", "onnxruntime", "ours", _quantized("ort-int8-static"),
            scheme="ort-int8-static"),
    RowSpec("ORT's own quantize_dynamic script", "quantize", "onnxruntime", "peer",
            _ort_published, scheme="ort-int8-dynamic", families=("mlp", "transformer")),
)


def unavailable(spec: RowSpec, model: Model, device: str) -> str | None:
    kind = torch.device(device).type
    if kind not in spec.devices:
        return f"not measured on {kind}"
    if model.family not in spec.families:
        return f"not measured on {model.family} models"
    if spec.zoo_only and not model.labelled:
        return "needs training data (the fixture has random weights and no data)"
    reason = runtimes.runtime_unavailable(spec.runtime, device)
    if reason is None and spec.scheme is not None:
        reason = runtimes.scheme_unavailable(spec.scheme, device)
    if reason is None and spec.runtime == "compiled":
        reason = compile_available()
    return reason


# --- measuring --------------------------------------------------------------------------------


def _release_freed_memory() -> None:
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _resident() -> tuple[int, int] | None:
    """(peak, current) resident bytes of this process, from /proc (None elsewhere)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    peak = re.search(r"VmHWM:\s+(\d+)", status)
    current = re.search(r"VmRSS:\s+(\d+)", status)
    if not peak or not current:
        return None
    return int(peak.group(1)) * 1024, int(current.group(1)) * 1024


def peak_call_memory(run: Callable[[], Any], device: torch.device) -> int | None:
    """Bytes one call needs beyond what is already resident (activations, workspaces)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        run()
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device) - before)
    _release_freed_memory()
    try:
        # Writing 5 resets the peak-resident counter to the current size (Linux >= 4.0).
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    before = _resident()
    run()
    after = _resident()
    if before is None or after is None:
        return None
    return max(0, after[0] - before[1])


def flops_per_sample(module: nn.Module, handle: ModelHandle) -> int | None:
    from torch.utils.flop_counter import FlopCounterMode

    inputs = make_batch(handle, 1)
    try:
        with torch.inference_mode(), FlopCounterMode(display=False) as counter:
            module.to("cpu")(*inputs)
    except Exception:
        return None
    return int(counter.get_total_flops()) or None


def load(name: str, device: str) -> Model:
    gpu = device.startswith("cuda")
    if name in FIXTURES:
        family = FIXTURES[name].family
        large = {"resnet50": 256 if gpu else 16, "bert-base": 128 if gpu else 8,
                 "mlp-768": 256}[name]
        samples = 256 if gpu else max(32, 2 * large)
        return Model(name, family, load_fixture(name, samples), False, large, samples)
    handle = load_model(f"zoo:{name}")
    return Model(name, zoo.get_entry(name).family, handle, True, 1024 if gpu else 256, 1024)


def measured_roofs(device: str) -> tuple[dict[str, float], float]:
    """This run's own roofs, measured now rather than read from the cache (a roof measured
    while the machine was busy would inflate every fraction). ``tf32`` is the float32 roof
    where cuDNN's convolutions use TF32 (PyTorch's default on CUDA); matmuls do not."""
    peaks: dict[str, float] = {}
    # No float16 roof on a CPU: its emulated matmul takes minutes, and no CPU row runs fp16.
    dtypes = [torch.float32, torch.bfloat16, torch.int8]
    if device.startswith("cuda"):
        dtypes.append(torch.float16)
    for dtype in dtypes:
        with contextlib.suppress(Exception):
            peaks[str(dtype).removeprefix("torch.")] = measured_peak_flops(device, dtype,
                                                                           use_cache=False)
    if device.startswith("cuda") and torch.backends.cudnn.allow_tf32:
        previous = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = True
        try:
            peaks["tf32"] = measured_peak_flops(device, torch.float32, use_cache=False)
        finally:
            torch.backends.cuda.matmul.allow_tf32 = previous
    return peaks, measured_bandwidth(device, use_cache=False)


def roof_key(label: str, dtype: str, module: nn.Module | None, device: torch.device) -> str:
    """Which measured roof a row is held to: its arithmetic's type."""
    if "int8-dynamic" in label or "int8-static" in label or "quantize_dynamic" in label:
        return "int8"
    if dtype in ("bfloat16", "float16"):
        return dtype
    has_conv = module is not None and any(isinstance(m, nn.Conv2d) for m in module.modules())
    if device.type == "cuda" and has_conv and torch.backends.cudnn.allow_tf32:
        return "tf32"
    return "float32"


def model_rows(model: Model, device_name_: str, rounds: int, only: list[str],
               roofs: tuple[dict[str, float], float]) -> list[dict[str, Any]]:
    device = torch.device(device_name_)
    batch = tuple(t.to(device) for t in make_batch(model.handle, model.large_batch))
    built: dict[str, Built] = {}
    rows: list[dict[str, Any]] = []
    specs = {spec.label: spec for spec in ROWS if not only or spec.label in only
             or spec.label == REFERENCE}
    for spec in specs.values():
        reason = unavailable(spec, model, device_name_)
        if reason is None:
            try:
                started = time.perf_counter()
                built[spec.label] = spec.build(model, device, batch)
                print(f"  built {spec.label} ({time.perf_counter() - started:.1f} s)", flush=True)
                continue
            except Exception as error:  # a technique a model cannot take is a row saying why
                reason = first_line(error)
        rows.append({"model": model.name, "row": spec.label, "technique": spec.technique,
                     "runtime": spec.runtime, "kind": spec.kind, "skipped": reason})
        print(f"  skipped {spec.label}: {reason}", flush=True)
    candidates = {label: item.candidate for label, item in built.items()}
    settings = CompareSettings(device=device, batch_size=model.large_batch, warmup=2,
                               rounds=rounds, round_seconds=0.2, eval_samples=model.eval_samples,
                               measure_batch_1=True)
    metrics = run_job(compare_metrics_job(model.handle, candidates, settings,
                                          reference=REFERENCE))
    base = metrics[REFERENCE]
    base_1 = base.latency_ms_batch_1["median"] if base.latency_ms_batch_1 else float("nan")
    base_flops = flops_per_sample(copy.deepcopy(model.handle.module), model.handle)
    input_bytes = sum(t.numel() * t.element_size() for t in batch)
    peaks, bandwidth = roofs
    for label, result in metrics.items():
        spec, item = specs[label], built[label]
        single = result.latency_ms_batch_1
        flops = (flops_per_sample(copy.deepcopy(item.flops_module), model.handle)
                 if item.flops_module is not None else base_flops)
        peak = peaks.get(roof_key(label, result.dtype, model.handle.module, device))
        roof = None
        if flops and peak:
            try:
                roof = roofline(
                    flops_per_batch=flops * model.large_batch,
                    bytes_per_batch=result.size_bytes + input_bytes,
                    latency_ms=result.latency_ms["median"],
                    peak_flops_per_s=peak,
                    bandwidth_bytes_per_s=bandwidth,
                ).__dict__
            except Exception:
                roof = None
        with torch.inference_mode():
            working = peak_call_memory(lambda runner=item.candidate.runner: runner(*batch), device)
        rows.append({
            "model": model.name,
            "row": label,
            "technique": spec.technique,
            "runtime": spec.runtime,
            "kind": spec.kind,
            "large_batch": model.large_batch,
            "latency_ms_batch_1": None if single is None else {
                "median": single["median"], "p90": single["p90"]},
            "latency_ms_large_batch": {"median": result.latency_ms["median"],
                                       "p90": result.latency_ms["p90"]},
            "throughput_per_s_batch_1": None if single is None else 1000.0 / single["median"],
            "throughput_per_s_large_batch": model.large_batch * 1000.0
            / result.latency_ms["median"],
            "speedup_vs_fp32_eager_batch_1": (None if single is None
                                              else base_1 / single["median"]),
            "speedup_vs_fp32_eager_large_batch": (base.latency_ms["median"]
                                                  / result.latency_ms["median"]),
            "batch_1_error": result.batch_1_error,
            "size_bytes": result.size_bytes,
            "sparse_file_bytes": item.sparse_size_bytes,
            "size_ratio": (item.sparse_size_bytes or result.size_bytes) / base.size_bytes,
            "params_total": result.params_total,
            "params_nonzero": result.params_nonzero,
            "peak_memory_bytes": None if working is None else working + result.size_bytes,
            "call_memory_bytes": working,
            "accuracy": result.accuracy,
            "top1_agreement": result.fidelity.top1_agreement if result.fidelity else None,
            "cosine": result.fidelity.cosine if result.fidelity else None,
            "flops_per_sample": flops,
            "roofline": roof,
            "dtype": result.dtype,
            "setup_seconds": item.setup_seconds,
            **(item.extra or {}),
        })
    return rows


# --- reporting ------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.3g}"


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| model | row | kind | b1 ms (p90) | b1 vs fp32 | large-batch ms (p90) | vs fp32 | "
             "size | peak memory | quality | roofline |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if "skipped" in row:
            continue
        one, many = row["latency_ms_batch_1"], row["latency_ms_large_batch"]
        single = "fails" if one is None else f"{_ms(one['median'])} ({_ms(one['p90'])})"
        speed_1 = ("" if row["speedup_vs_fp32_eager_batch_1"] is None
                   else f"{row['speedup_vs_fp32_eager_batch_1']:.2f}x")
        quality = ("" if row["accuracy"] is None else f"{100 * row['accuracy']:.1f}% acc, ") + (
            "" if row["top1_agreement"] is None else f"{100 * row['top1_agreement']:.1f}% agree")
        peak = ("" if row["peak_memory_bytes"] is None
                else f"{row['peak_memory_bytes'] / 1e6:.0f} MB")
        roof = row["roofline"]
        roof_text = "" if not roof else f"{100 * roof['fraction']:.0f}% ({roof['bound']})"
        lines.append(
            f"| {row['model']} | {row['row']} | {row['kind']} | {single} | {speed_1} "
            f"| b{row['large_batch']}: {_ms(many['median'])} ({_ms(many['p90'])}) "
            f"| {row['speedup_vs_fp32_eager_large_batch']:.2f}x "
            f"| {row['size_ratio']:.2f}x ({row['size_bytes'] / 1e6:.1f} MB) | {peak} "
            f"| {quality} | {roof_text} |")
    return "\n".join(lines)


DEFAULT_MODELS = ("mlp-digits", "mlp-cancer", "resnet-digits", "transformer-majority",
                  "mlp-768", "resnet50", "bert-base")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS),
                        help="comma-separated zoo models and fixtures "
                             f"(default {','.join(DEFAULT_MODELS)})")
    parser.add_argument("--rows", default="", help="comma-separated row labels (default all)")
    parser.add_argument("--threads", type=int, default=None,
                        help="intra-op threads for torch and ONNX Runtime (default all cores)")
    parser.add_argument("--rounds", type=int, default=4, help="round-robin timing rounds")
    parser.add_argument("--name", default=None,
                        help="results file under benchmarks/results, without .json "
                             "(default matrix_cpu or matrix_gpu)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the results file's rows (model and row) not measured this time")
    args = parser.parse_args(argv)
    name = args.name or ("matrix_cpu" if args.device == "cpu" else "matrix_gpu")
    only = [label.strip() for label in args.rows.split(",") if label.strip()]
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    seconds_by_model: dict[str, float] = {}
    with thread_count(args.threads):
        threads = torch.get_num_threads()
        roofs = measured_roofs(args.device)
        for model_name in [m.strip() for m in args.models.split(",") if m.strip()]:
            print(f"{model_name}:", flush=True)
            model_started = time.perf_counter()
            model = load(model_name, args.device)
            rows.extend(model_rows(model, args.device, args.rounds, only, roofs))
            seconds_by_model[model_name] = time.perf_counter() - model_started
            print(f"  {seconds_by_model[model_name]:.0f} s", flush=True)
            del model
            if args.device.startswith("cuda"):
                torch.cuda.empty_cache()
    seconds = time.perf_counter() - started
    if args.merge and (RESULTS / f"{name}.json").is_file():
        ran = set(seconds_by_model)
        measured = {(row["model"], row["row"]) for row in rows}
        earlier = json.loads((RESULTS / f"{name}.json").read_text())
        order = {model: index for index, model in enumerate(DEFAULT_MODELS)}
        rows = sorted([row for row in earlier["rows"] if (row["model"], row["row"]) not in measured]
                      + rows, key=lambda row: order.get(row["model"], len(order)))
        seconds_by_model = {**{model: s for model, s in earlier.get("seconds_by_model", {}).items()
                               if model not in ran}, **seconds_by_model}
        seconds = sum(seconds_by_model.values())
    table = markdown(rows)
    print(table)
    path = write_results(
        name, rows, device=args.device, device_name=device_name(args.device),
        threads_used=threads, rounds=args.rounds, seconds=seconds,
        seconds_by_model=seconds_by_model,
        load_average=os.getloadavg() if hasattr(os, "getloadavg") else None,
        peak_flops_per_s=roofs[0], bandwidth_bytes_per_s=roofs[1],
        packages={package: package_version(package) for package in
                  ("torchao", "torch-pruning", "onnxruntime", "onnx")},
        runtimes=runtimes.available_runtimes(args.device), markdown=table,
    )
    print(f"wrote {path} in {seconds:.0f} s", file=sys.stderr)



if __name__ == "__main__":
    main()
