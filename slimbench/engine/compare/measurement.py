"""Measure any variants on any devices the same way: one table, one frontier per device.

Every variant runs on the same inputs, batch and threads; on each device the variants are
timed in turn (round robin), so load from other processes falls on all of them alike. Each
variant runs the way it would be deployed: a torchao or pt2e int8 model compiled (it is slower
than fp32 without), everything else eagerly unless ``compile`` says otherwise. A variant that
cannot run on a device (a CPU int8 graph on a GPU) gets an ``error`` there, not a failure of
the whole comparison.
"""

from __future__ import annotations

import copy
import platform
import sys
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from slimbench.engine.compare.results import (
    Comparison,
    DeviceRecord,
    Measurement,
    Roofline,
    VariantRecord,
    frontier,
    quality_of,
)
from slimbench.engine.devices import (
    list_devices,
    measured_bandwidth,
    measured_peak_flops,
    resolve_device,
    synchronize,
)
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.jobs import Job, Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import make_batch, output_tensor, thread_count

#: Compile modes: "auto" compiles only what needs it (torchao and pt2e int8), True compiles all.
COMPILE_MODES = ("auto", True, False)


class CompareError(SlimbenchError):
    """The variants cannot be compared as asked (no variants, an unknown device)."""


@dataclass
class VariantInput:
    """A model to compare, with what the report says about it."""

    name: str
    handle: ModelHandle
    technique: str = "original"
    parent: str | None = None
    steps: list[str] = field(default_factory=list)
    file: str | None = None
    notes: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    #: FLOPs of one sample where counters cannot see them (a quantized model: its float
    #: parent's count, since quantization changes the arithmetic's type, not its amount).
    flops_per_sample: int | None = None


@dataclass
class CompareConfig:
    devices: Sequence[str] = ("cpu",)
    batch_size: int = 32
    #: Throughput is also measured at this batch (None: skipped).
    large_batch: int | None = 256
    batch_1: bool = True
    threads: int | None = None
    eval_samples: int = 1024
    warmup: int = 3
    rounds: int = 5
    round_seconds: float = 0.25
    compile: str | bool = "auto"
    roofline: bool = True
    #: {"accuracy_ratio": 0.97, "top1_agreement": None}: the least quality a variant may keep.
    floor: dict[str, float | None] = field(default_factory=dict)


def compare(variants: Sequence[VariantInput], config: CompareConfig | None = None) -> Comparison:
    from slimbench.engine.jobs import run_job

    return run_job(compare_job(variants, config))


def compare_job(variants: Sequence[VariantInput],
                config: CompareConfig | None = None) -> Job[Comparison]:
    """METRICS of every variant on every device; the first variant is the reference."""
    config = config or CompareConfig()
    if not variants:
        raise CompareError("Give at least one model to compare.")
    names = [variant.name for variant in variants]
    if len(set(names)) != len(names):
        raise CompareError(f"Two variants have the same name: {', '.join(names)}.")
    if config.compile not in COMPILE_MODES:
        raise CompareError(f"compile is auto, true or false, not {config.compile!r}.")
    if config.batch_size < 1 or (config.large_batch is not None and config.large_batch < 1):
        raise CompareError("Batch sizes must be at least 1.")
    devices = [str(resolve_device(name)) for name in config.devices]
    reference = variants[0]
    total = 1 + 4 * len(devices)
    yield Progress(0, total, "Counting parameters, size and FLOPs")
    records = [_static_record(variant, variants) for variant in variants]
    input_bytes = sum(t.numel() * t.element_size()
                      for t in make_batch(reference.handle, config.batch_size))
    device_records = []
    step = 1
    with thread_count(config.threads):
        threads = torch.get_num_threads()
        for device_name in devices:
            device = torch.device(device_name)
            device_records.append(_device_record(device_name, config, variants))
            runs = yield from _measure_on_device(variants, records, device, config, step, total)
            step += 4
            for record in records:
                record.by_device[device_name] = runs[record.name]
            _add_rooflines(records, device_name, device_records[-1], config, input_bytes)
    _judge_floor(records, config.floor, reference.name)
    comparison = Comparison(
        reference=reference.name,
        batch_size=config.batch_size,
        large_batch=config.large_batch,
        threads=threads,
        variants=records,
        devices=device_records,
        machine=machine_description(),
        floor=dict(config.floor),
        frontier={device: frontier(records, device) for device in devices},
    )
    yield Progress(total, total, "Compared", {"comparison": comparison.to_json()})
    return comparison


def machine_description() -> dict[str, Any]:
    cpu = next((info for info in list_devices() if info.kind == "cpu"), None)
    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "platform": platform.platform(),
        "cpu": cpu.description if cpu else platform.processor(),
        "cpu_flags": list(getattr(cpu, "flags", []) or []) if cpu else [],
    }


# --- what needs no run ------------------------------------------------------------------------


def _static_record(variant: VariantInput, variants: Sequence[VariantInput]) -> VariantRecord:
    from slimbench.engine.prune.metrics import flops_per_batch
    from slimbench.engine.quantize.metrics import count_parameters, size_bytes

    module = variant.handle.module
    total, nonzero = count_parameters(module)
    flops = variant.flops_per_sample
    if flops is None and _quantization(module) is None:
        try:
            flops = flops_per_batch(module, make_batch(variant.handle, 1))
        except Exception:
            flops = None
    if flops is None and variant.parent is not None:
        parent = next((v for v in variants if v.name == variant.parent), None)
        if parent is not None and parent is not variant:
            flops = _static_record(parent, variants).flops_per_sample
    return VariantRecord(
        name=variant.name, technique=variant.technique, parent=variant.parent,
        steps=list(variant.steps), file=variant.file, params_total=total,
        params_nonzero=nonzero, size_bytes=size_bytes(module), flops_per_sample=flops,
        notes=list(variant.notes), history=list(variant.history),
    )


def _quantization(module: nn.Module) -> dict[str, Any] | None:
    from slimbench.engine.quantize.saving import quantization_info

    return quantization_info(module)


def _dtype_of(module: nn.Module) -> str:
    info = _quantization(module)
    if info is not None:
        scheme = str(info.get("scheme", ""))
        if scheme.startswith(("int8", "int4")):
            return "int8"
        if scheme.startswith("float8"):
            return "float8"
        return str(info.get("dtype") or "float32").replace("torch.", "")
    for parameter in module.parameters():
        if parameter.is_floating_point():
            return str(parameter.dtype).replace("torch.", "")
    return "float32"


# --- runs on one device -----------------------------------------------------------------------


def _runner_on(variant: VariantInput, device: torch.device, config: CompareConfig,
               example: tuple[torch.Tensor, ...]) -> Any:
    """The variant as deployed on ``device``: moved there (a copy) and compiled if it needs it."""
    from slimbench.engine.quantize.runtime import (
        compile_available,
        make_runner,
        torchao_u8s8_recomputes_weight_sums,
    )

    module = variant.handle.module
    info = _quantization(module)
    if info is None:
        module = copy.deepcopy(module).to(device)
    elif str(info.get("device", "cpu")) != str(device):
        # Quantized tensors often cannot move (torchao's CPU int8 layout has no CUDA form):
        # try, and the caller reports "cannot run on" this device if it fails.
        module = copy.deepcopy(module).to(device)
    module.eval()
    engine = (info or {}).get("engine")
    wants_compile = (config.compile is True
                     or (config.compile == "auto" and engine in ("torchao", "pt2e")))
    if wants_compile and compile_available() is None:
        s8s8 = (engine == "torchao" and info is not None and info.get("scheme") == "int8-dynamic"
                and device.type == "cpu" and torchao_u8s8_recomputes_weight_sums())
        freezing = engine == "pt2e" or (info is None and device.type == "cpu")
        return make_runner(module, variant.name, compiled=True, freezing=freezing,
                           example=example, device=device, int8_s8s8=s8s8)
    return make_runner(module, variant.name, compiled=False)


def _measure_on_device(
    variants: Sequence[VariantInput],
    records: list[VariantRecord],
    device: torch.device,
    config: CompareConfig,
    step: int,
    total: int,
) -> Generator[Progress, None, dict[str, Measurement]]:
    from slimbench.engine.quantize.backends import first_line
    from slimbench.engine.quantize.metrics import (
        Candidate,
        CompareSettings,
        compare_metrics_job,
        time_round_robin,
        to_device,
    )

    reference = variants[0]
    yield Progress(step, total, f"Preparing every model on {device}")
    batch = to_device(make_batch(reference.handle, config.batch_size), device)
    runs: dict[str, Measurement] = {}
    candidates: dict[str, Candidate] = {}
    for variant in variants:
        try:
            runner = _runner_on(variant, device, config, batch)
            with torch.inference_mode():
                output_tensor(runner(*batch))
            synchronize(device)
        except Exception as error:
            runs[variant.name] = Measurement(
                device=str(device), error=f"cannot run on {device}: {first_line(error)}"
            )
            continue
        candidates[variant.name] = Candidate(runner.module, runner, _dtype_of(runner.module))
    if reference.name not in candidates:
        # Fidelity needs the reference's outputs: without them every variant is judged alone.
        message = runs[reference.name].error
        yield Progress(step + 4, total, f"{reference.name} {message}")
        for variant in variants:
            runs.setdefault(variant.name, Measurement(
                device=str(device), error=f"the reference {reference.name} {message}"))
        return runs
    settings = CompareSettings(
        device=device, batch_size=config.batch_size, warmup=config.warmup, rounds=config.rounds,
        round_seconds=config.round_seconds, eval_samples=config.eval_samples,
        measure_batch_1=config.batch_1,
    )
    yield Progress(step + 1, total, f"Timing and checking every model on {device}")
    metrics = yield from compare_metrics_job(reference.handle, candidates, settings,
                                             reference=reference.name)
    large: dict[str, float] = {}
    if config.large_batch and config.large_batch != config.batch_size:
        yield Progress(step + 2, total, f"Throughput at batch {config.large_batch} on {device}")
        big = to_device(make_batch(reference.handle, config.large_batch), device)
        usable = {}
        for name, candidate in candidates.items():
            try:
                with torch.inference_mode():
                    candidate.runner(*big)
                synchronize(device)
                usable[name] = (candidate.runner, big)
            except Exception as error:
                runs_note = f"batch {config.large_batch}: {first_line(error)}"
                records[_index(records, name)].notes.append(runs_note)
        samples = yield from time_round_robin(
            usable, device, warmup=1, rounds=max(2, config.rounds // 2),
            round_seconds=config.round_seconds, label=f"Batch {config.large_batch}",
        )
        for name, values in samples.items():
            median = sorted(values)[len(values) // 2]
            large[name] = config.large_batch / (median / 1000.0)
    peaks = _peak_memory(candidates, batch, device)
    for name, result in metrics.items():
        latency = result.latency_ms
        runs[name] = Measurement(
            device=str(device),
            latency_ms={"median": latency["median"], "p90": latency["p90"]},
            latency_ms_batch_1=(None if result.latency_ms_batch_1 is None else {
                "median": result.latency_ms_batch_1["median"],
                "p90": result.latency_ms_batch_1["p90"],
            }),
            throughput_per_s=config.batch_size / (latency["median"] / 1000.0),
            throughput_large_batch_per_s=large.get(name),
            peak_memory_bytes=peaks.get(name),
            accuracy=result.accuracy,
            fidelity=result.fidelity.to_json() if result.fidelity else None,
            compiled=result.compiled,
            dtype=result.dtype,
        )
    yield Progress(step + 3, total, f"Measured on {device}")
    return runs


def _index(records: list[VariantRecord], name: str) -> int:
    return next(i for i, record in enumerate(records) if record.name == name)


def _peak_memory(candidates: dict[str, Any], batch: tuple[torch.Tensor, ...],
                 device: torch.device) -> dict[str, int]:
    """Peak allocator memory of one call per variant; only a GPU's allocator tells it apart
    per model (a CPU process's high-water mark holds every model loaded at once)."""
    if device.type != "cuda":
        return {}
    peaks = {}
    with torch.inference_mode():
        for name, candidate in candidates.items():
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
            candidate.runner(*batch)
            torch.cuda.synchronize(device)
            peaks[name] = int(torch.cuda.max_memory_allocated(device))
    return peaks


# --- the roofline -----------------------------------------------------------------------------


def _device_record(device_name: str, config: CompareConfig,
                   variants: Sequence[VariantInput]) -> DeviceRecord:
    description = next(
        (info.description for info in list_devices() if info.name == device_name), device_name
    )
    record = DeviceRecord(name=device_name, description=description)
    if not config.roofline:
        return record
    dtypes = {_dtype_of(variant.handle.module) for variant in variants} | {"float32"}
    for dtype in sorted(dtypes):
        torch_dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16,
                       "float16": torch.float16, "int8": torch.int8}.get(dtype)
        if torch_dtype is None:
            continue
        try:
            record.peak_flops_per_s[dtype] = measured_peak_flops(device_name, torch_dtype)
        except Exception:
            continue  # a dtype this device cannot multiply: no roof for it
    try:
        record.bandwidth_bytes_per_s = measured_bandwidth(device_name)
    except Exception:
        record.bandwidth_bytes_per_s = None
    return record


def _add_rooflines(records: list[VariantRecord], device_name: str, device: DeviceRecord,
                   config: CompareConfig, input_bytes: int) -> None:
    """Memory traffic is counted as the weights once plus the inputs: a lower bound (the
    activations in between are not counted), so the memory roof drawn is an upper bound."""
    for record in records:
        measurement = record.by_device.get(device_name)
        if measurement is None or measurement.error or not measurement.latency_ms:
            continue
        peak = device.peak_flops_per_s.get(measurement.dtype)
        if not peak or not device.bandwidth_bytes_per_s or not record.flops_per_sample:
            continue
        measurement.roofline = roofline(
            flops_per_batch=record.flops_per_sample * config.batch_size,
            bytes_per_batch=record.size_bytes + input_bytes,
            latency_ms=measurement.latency_ms["median"],
            peak_flops_per_s=peak,
            bandwidth_bytes_per_s=device.bandwidth_bytes_per_s,
        )


def roofline(*, flops_per_batch: float, bytes_per_batch: float, latency_ms: float,
             peak_flops_per_s: float, bandwidth_bytes_per_s: float) -> Roofline:
    """Achieved FLOP/s against the lower of the two roofs at this arithmetic intensity."""
    achieved = flops_per_batch / (latency_ms / 1000.0)
    intensity = flops_per_batch / max(1.0, bytes_per_batch)
    memory_roof = intensity * bandwidth_bytes_per_s
    attainable = min(peak_flops_per_s, memory_roof)
    return Roofline(
        achieved_flops_per_s=achieved,
        peak_flops_per_s=peak_flops_per_s,
        bandwidth_bytes_per_s=bandwidth_bytes_per_s,
        bytes_per_batch=int(bytes_per_batch),
        attainable_flops_per_s=attainable,
        fraction=achieved / attainable,
        bound="memory" if memory_roof < peak_flops_per_s else "compute",
    )


# --- the floor --------------------------------------------------------------------------------


def _judge_floor(records: list[VariantRecord], floor: dict[str, float | None],
                 reference: str) -> None:
    accuracy_ratio = floor.get("accuracy_ratio")
    agreement = floor.get("top1_agreement")
    if accuracy_ratio is None and agreement is None:
        return
    base = next(r for r in records if r.name == reference)
    for record in records:
        verdicts = []
        for device, measurement in record.by_device.items():
            if measurement.error:
                continue
            if accuracy_ratio is not None:
                base_accuracy = base.by_device.get(device, Measurement(device)).accuracy
                if measurement.accuracy is not None and base_accuracy:
                    verdicts.append(measurement.accuracy / base_accuracy >= accuracy_ratio)
                elif quality_of(measurement) is not None and agreement is None:
                    # No labels: fall back on agreement with the original at the same ratio.
                    verdicts.append(quality_of(measurement) >= accuracy_ratio)
            if agreement is not None and measurement.fidelity:
                value = measurement.fidelity.get("top1_agreement")
                if value is not None:
                    verdicts.append(value >= agreement)
        record.meets_floor = all(verdicts) if verdicts else None
