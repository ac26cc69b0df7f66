"""The quantize job: copy, quantize, compile, and measure before and after side by side."""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from slimbench.engine.jobs import Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import make_batch, thread_count
from slimbench.engine.module_state import evaluation_mode
from slimbench.engine.quantize import backends, static
from slimbench.engine.quantize.metrics import (
    Candidate,
    CompareSettings,
    Metrics,
    compare_metrics_job,
    runner_runtime,
    time_round_robin,
    to_device,
)
from slimbench.engine.quantize.runtime import (
    Runner,
    compile_available,
    make_runner,
    torchao_u8s8_recomputes_weight_sums,
)
from slimbench.engine.quantize.schemes import (
    QuantizeConfig,
    QuantizeError,
    Scheme,
    check_config,
    check_device,
    select_layers,
)
from slimbench.engine.quantize.sensitivity import SensitivityResult, choose_skips, sensitivity_job
from slimbench.engine.runtimes.availability import COMPILED, EAGER, ONNXRUNTIME
from slimbench.engine.runtimes.bench import (
    canonical_runtime,
    fallback_note,
    on_best_runtime,
    runtime_label,
)

#: Attribute on a quantized module recording how it was made (read by ``saving``).
QUANTIZATION_ATTR = "_slimbench_quantization"

_STEPS = 6


@dataclass
class QuantizeResult:
    """A quantized copy of the model and its before/after measurements.

    ``handle`` is new; the input handle and its module are never changed. ``runner`` runs the
    quantized model the way ``after`` was measured (compiled or eager).
    """

    handle: ModelHandle
    scheme: str
    engine: str
    device: str
    batch_size: int
    threads: int
    before: Metrics
    after: Metrics
    notes: list[str]
    compiled: bool
    compile_seconds: float | None
    quantized_layers: list[str]
    skipped_layers: list[str]
    baselines: dict[str, Metrics] = field(default_factory=dict)
    sensitivity: SensitivityResult | None = None
    runner: Runner | None = None
    #: The runtime asked for (QuantizeConfig.runtime); ``after.runtime`` says what timed it.
    runtime_asked: str | None = None

    @property
    def runtime(self) -> str:
        """The runtime that timed the quantized model (``before.runtime`` for the original)."""
        return self.after.runtime

    @property
    def speedup(self) -> float:
        return self.before.latency_ms["median"] / self.after.latency_ms["median"]

    @property
    def size_ratio(self) -> float:
        return self.after.size_bytes / self.before.size_bytes

    def to_json(self, output: str | None = None) -> dict[str, Any]:
        """DESIGN.md's quantize document: output, before, after, notes (and more keys).

        Non-finite numbers (top-1 agreement of a one-output model) become None: valid JSON.
        """
        return _finite({
            "output": output,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "notes": list(self.notes),
            "scheme": self.scheme,
            "engine": self.engine,
            "device": self.device,
            "batch_size": self.batch_size,
            "threads": self.threads,
            "compiled": self.compiled,
            "compile_seconds": self.compile_seconds,
            "runtime": self.runtime,
            "runtime_asked": self.runtime_asked,
            "speedup": self.speedup,
            "size_ratio": self.size_ratio,
            "quantized_layers": list(self.quantized_layers),
            "skipped_layers": list(self.skipped_layers),
            "baselines": {name: metrics.to_json() for name, metrics in self.baselines.items()},
            "sensitivity": self.sensitivity.to_json() if self.sensitivity else None,
        })


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


@dataclass
class QuantizedModel:
    """A quantized copy and the runner that runs it as measured (``build_quantized_job``)."""

    module: nn.Module
    runner: Runner
    engine: str
    dtype: str
    quantized_layers: list[str]
    skipped_layers: list[str]
    notes: list[str]

    @property
    def compile_seconds(self) -> float | None:
        return self.runner.compile_seconds if self.runner.compiled else None


@dataclass
class _Built:
    module: nn.Module
    engine: str
    chosen: list[str]
    skipped: list[str]
    dtype: str = "float32"
    freezing: bool = False
    can_compile: bool = True
    notes: list[str] = field(default_factory=list)
    #: ONNX Runtime schemes: the float ONNX model the int8 one came from (a baseline).
    float_onnx: nn.Module | None = None


def quantize_job(
    handle: ModelHandle, config: QuantizeConfig
) -> Generator[Progress, None, QuantizeResult]:
    """Quantize a copy of ``handle``'s model and measure it against the original.

    Progress comes per step (and per calibration batch, per sensitivity layer, per timing
    round); closing the generator stops it between steps with the input untouched.
    """
    scheme = check_config(config)
    device = check_device(scheme, config.device)
    name = handle.name
    handle.require_inputs(f"quantize {name}")
    runtime = canonical_runtime(config.runtime)
    notes: list[str] = []
    config = _config_for_runtime(config, runtime, notes)
    with thread_count(config.threads) as threads:
        yield Progress(0, _STEPS, f"Copying {name} to {device}")
        with evaluation_mode(handle.module):
            reference = copy.deepcopy(handle.module)
        reference = reference.to(device).eval()
        skip = list(config.skip)
        sensitivity = None
        if config.auto_skip is not None:
            sensitivity = yield from sensitivity_job(
                handle, scheme=scheme.name, device=str(device),
                samples=config.sensitivity_samples, skip=skip,
            )
            extra = choose_skips(sensitivity, config.auto_skip)
            skip.extend(path for path in extra if path not in skip)
            if extra:
                worst = ", ".join(
                    f"{row.path} ({row.fidelity_drop:.2g})"
                    for row in sensitivity.layers if row.path in extra
                )
                notes.append(
                    f"auto_skip kept {len(extra)} layer(s) in float, those whose quantization "
                    f"moved the outputs most (1 - cosine): {worst}."
                )
            else:
                notes.append("auto_skip found no layer above its threshold; none were skipped.")

        yield Progress(1, _STEPS, f"Quantizing with {scheme.name}")
        batch = to_device(make_batch(handle, config.batch_size), device)
        built, after_runner = yield from _build_and_run(
            handle, reference, scheme, config, device, skip, batch
        )
        notes.extend(built.notes)
        if runtime is not None:
            yield Progress(2, _STEPS, f"Preparing before and after on {runtime_label(runtime)}")
        before_runner, after_runner = _runners_on(
            runtime, handle, reference, built, after_runner, scheme, config, device, batch, notes)
        candidates = {
            "before": Candidate(reference, before_runner),
            "after": Candidate(built.module, after_runner, built.dtype),
        }
        candidates.update(_baselines(reference, scheme, built, config, device, batch,
                                     before_runner))

        yield Progress(3, _STEPS, "Measuring before, after and baselines side by side")
        settings = CompareSettings(
            device=device, batch_size=config.batch_size, warmup=config.warmup,
            rounds=config.rounds, round_seconds=config.round_seconds,
            eval_samples=config.eval_samples, measure_batch_1=config.measure_batch_1,
        )
        metrics = yield from compare_metrics_job(handle, candidates, settings)

    yield Progress(4, _STEPS, "Writing the notes")
    before, after = metrics.pop("before"), metrics.pop("after")
    notes.extend(_verdict(scheme, before, after, metrics, config, str(device)))
    compile_seconds = after_runner.compile_seconds if after_runner.compiled else None
    setattr(built.module, QUANTIZATION_ATTR, _info(built, scheme, device, handle))
    new_handle = ModelHandle(
        name=f"{name}-{scheme.name}",
        module=built.module,
        source="quantized",
        location=handle.location,
        example_inputs=handle.example_inputs,
        data=handle.data,
        arch=handle.arch,
        arch_args=dict(handle.arch_args),
        notes=[*handle.notes, *notes],
        layer_types=dict(handle.layer_types),
    )
    yield Progress(_STEPS, _STEPS, "Quantized", {"after": after.to_json()})
    return QuantizeResult(
        handle=new_handle,
        scheme=scheme.name,
        engine=built.engine,
        device=str(device),
        batch_size=config.batch_size,
        threads=threads,
        before=before,
        after=after,
        notes=notes,
        compiled=after_runner.compiled,
        compile_seconds=compile_seconds,
        quantized_layers=built.chosen,
        skipped_layers=built.skipped,
        baselines=metrics,
        sensitivity=sensitivity,
        runner=after_runner,
        runtime_asked=runtime,
    )


# --- building the quantized copy ----------------------------------------------------------


def build_quantized_job(
    handle: ModelHandle, config: QuantizeConfig
) -> Generator[Progress, None, QuantizedModel]:
    """Only the quantized copy and its runner, without measuring (benchmarks compose these).

    ``config.skip`` applies; ``auto_skip`` does not (run ``sensitivity_job`` first).
    """
    scheme = check_config(config)
    device = check_device(scheme, config.device)
    handle.require_inputs(f"quantize {handle.name}")
    with evaluation_mode(handle.module):
        reference = copy.deepcopy(handle.module)
    reference = reference.to(device).eval()
    batch = to_device(make_batch(handle, config.batch_size), device)
    built, runner = yield from _build_and_run(
        handle, reference, scheme, config, device, list(config.skip), batch
    )
    setattr(built.module, QUANTIZATION_ATTR, _info(built, scheme, device, handle))
    return QuantizedModel(built.module, runner, built.engine, built.dtype, built.chosen,
                          built.skipped, built.notes)


def _build_and_run(
    handle: ModelHandle,
    reference: nn.Module,
    scheme: Scheme,
    config: QuantizeConfig,
    device: torch.device,
    skip: list[str],
    batch: tuple[torch.Tensor, ...],
) -> Generator[Progress, None, tuple[_Built, Runner]]:
    work = copy.deepcopy(reference)
    built = yield from _build(handle, work, scheme, config, device, skip)
    yield Progress(0, 1, "Preparing the runs (compiling where asked)")
    runner, compile_notes = yield from _after_runner(built, scheme, config, device, batch)
    built.notes.extend(compile_notes)
    return built, runner


def _info(built: _Built, scheme: Scheme, device: torch.device,
          handle: ModelHandle) -> dict[str, Any]:
    info: dict[str, Any] = {
        "scheme": scheme.name,
        "engine": built.engine,
        "quantized_layers": built.chosen,
        "skipped_layers": built.skipped,
        "dtype": built.dtype,
        "device": str(device),
    }
    # A structurally pruned float model no longer fits its class: record its shapes (taken
    # before quantization packs them away) so the saved file loads back at the pruned width.
    from slimbench.engine.prune.saving import differs_from_architecture, pruned_record

    if handle.arch and not handle.arch.startswith("huggingface:") and differs_from_architecture(
        handle.module, handle.arch, handle.arch_args
    ):
        info["pruned"] = pruned_record(handle.module)
    return info


def _build(
    handle: ModelHandle,
    work: nn.Module,
    scheme: Scheme,
    config: QuantizeConfig,
    device: torch.device,
    skip: list[str],
) -> Generator[Progress, None, _Built]:
    if scheme.cast_dtype is not None:
        backends.apply_cast(work, scheme.cast_dtype)
        dtype = str(scheme.cast_dtype).removeprefix("torch.")
        return _Built(work, "cast", [], [], dtype=dtype, freezing=device.type == "cpu")
    chosen, skipped = select_layers(work, scheme, skip, handle.name)
    notes = []
    if skipped:
        notes.append(f"Kept {len(skipped)} layer(s) in float: {', '.join(skipped)}.")
    if "onnxruntime" in scheme.runtimes:
        from slimbench.engine.runtimes.ort_quantize import quantize_with_onnxruntime

        batches = _calibration_batches(handle, config) if scheme.calibrated else []
        expected = handle.require_inputs("calibrate the model")
        for tensors in batches:
            static._check_calibration_batch(tensors, expected, handle.name)
        yield Progress(0, 1, f"Exporting to ONNX and quantizing with {scheme.name}")
        module, float_onnx, ort_notes = quantize_with_onnxruntime(
            work, make_batch(handle, 2), scheme.name, name=handle.name, calibration=batches,
            skip=skipped, per_channel=bool(config.extra.get("per_channel", False)))
        return _Built(module, "onnxruntime", chosen, skipped, can_compile=False,
                      notes=notes + ort_notes, float_onnx=float_onnx)
    if scheme.name == "int8-static":
        module = yield from _build_static(handle, work, config, device, skipped)
        return _Built(module, "pt2e", chosen, skipped, freezing=True, notes=notes)
    if scheme.name == "int8-dynamic":
        engine, reason = _dynamic_engine(config, device)
        if engine == "legacy":
            if reason:
                notes.append(
                    f"{reason}, so Slimbench used torch.ao's legacy dynamic int8 (fbgemm) "
                    "instead; it runs eagerly."
                )
            backends.apply_legacy_dynamic(work, chosen)
            return _Built(work, "legacy", chosen, skipped, can_compile=False, notes=notes)
    if scheme.name == "int8-dynamic" and device.type == "cuda":
        chosen = _drop_misfits(work, chosen, 8, "cuBLAS int8 matmuls", "int8-weight-only",
                               handle.name, notes)
    if scheme.name == "float8-dynamic":
        chosen = _drop_misfits(work, chosen, 16, "float8 matmuls", "bf16", handle.name, notes)
    dtype = "float32"
    if scheme.name in ("int4-weight-only", "float8-dynamic"):
        backends.apply_cast(work, torch.bfloat16)
        dtype = "bfloat16"
    left = backends.apply_torchao(work, scheme.name, chosen, device)
    if left:
        notes.append(
            f"torchao left {len(left)} layer(s) in float because their shapes do not fit "
            f"{scheme.name}: {', '.join(left)}."
        )
        chosen = [path for path in chosen if path not in left]
    return _Built(work, "torchao", chosen, skipped, dtype=dtype, notes=notes)


def _drop_misfits(module: nn.Module, paths: list[str], multiple: int, kernels: str,
                  instead: str, name: str, notes: list[str]) -> list[str]:
    """Keep in float the Linear layers whose feature counts ``kernels`` cannot take (they need
    multiples of ``multiple``); refuse when none is left."""
    misfits = [
        path for path in paths
        if module.get_submodule(path).in_features % multiple
        or module.get_submodule(path).out_features % multiple
    ]
    if misfits:
        notes.append(
            f"Kept {len(misfits)} layer(s) in float because {kernels} need feature counts "
            f"that are multiples of {multiple}: {', '.join(misfits)}."
        )
    kept = [path for path in paths if path not in misfits]
    if not kept:
        raise QuantizeError(
            f"No Linear layer of {name} has feature counts that are multiples of {multiple}, "
            f"which {kernels} need; use {instead} on this GPU."
        )
    return kept


def _dynamic_engine(config: QuantizeConfig, device: torch.device) -> tuple[str, str | None]:
    """("torchao" or "legacy", why torchao cannot serve when the answer is legacy)."""
    if config.engine == "legacy":
        if device.type != "cpu":
            raise QuantizeError("The legacy torch.ao dynamic int8 engine runs on CPU only.")
        return "legacy", None
    _, missing = backends.torchao_or_reason()
    if missing:
        if config.engine == "torchao" or device.type != "cpu":
            raise QuantizeError(f"int8-dynamic needs torchao on {device}, and {missing}.")
        return "legacy", missing
    if config.engine == "torchao" or device.type != "cpu":
        return "torchao", None
    if config.compile is False:
        return "legacy", (
            "torchao's int8 dynamic path needs torch.compile to be fast on CPU (eagerly it is "
            "slower than fp32) and compile is off"
        )
    unavailable = compile_available()
    if unavailable:
        return "legacy", unavailable
    return "torchao", None


def _build_static(
    handle: ModelHandle,
    work: nn.Module,
    config: QuantizeConfig,
    device: torch.device,
    skipped: list[str],
) -> Generator[Progress, None, nn.Module]:
    expected = handle.require_inputs("calibrate the model")
    batches = _calibration_batches(handle, config)
    for tensors in batches:
        static._check_calibration_batch(tensors, expected, handle.name)
    yield Progress(0, len(batches), "Capturing the model with torch.export")
    example = to_device(make_batch(handle, max(2, config.batch_size)), device)
    graph = static.export_graph(work, example, handle.name)
    prepared = static.prepare(graph, skipped)
    moved = [to_device(tensors, device) for tensors in batches]
    yield from static.calibrate(prepared, moved, expected, handle.name)
    return static.convert(prepared)


def _calibration_batches(
    handle: ModelHandle, config: QuantizeConfig
) -> list[tuple[torch.Tensor, ...]]:
    size = config.batch_size
    if config.calibration_inputs is not None:
        given = config.calibration_inputs
        tensors = given if isinstance(given, tuple) else (given,)
        count = len(tensors[0])
        return [
            tuple(t[start:start + size] for t in tensors) for start in range(0, count, size)
        ][: max(1, config.calibration_batches)]
    if handle.data is not None and len(handle.data) > 0:
        return [
            (inputs,) for inputs, _ in handle.data.batches(size)
        ][: config.calibration_batches]
    return [make_batch(handle, size)]


# --- runners ------------------------------------------------------------------------------


def _after_runner(
    built: _Built,
    scheme: Scheme,
    config: QuantizeConfig,
    device: torch.device,
    batch: tuple[torch.Tensor, ...],
) -> Generator[Progress, None, tuple[Runner, list[str]]]:
    label = f"{scheme.name} model"
    notes: list[str] = []
    eager = Runner(built.module, label)
    if config.compile is False or not built.can_compile:
        if config.compile and not built.can_compile:
            notes.append(f"The {built.engine} engine's modules run eagerly; compile was skipped.")
        if scheme.name == "int8-static":
            notes.append(
                "Without torch.compile the static int8 graph runs reference quantize and "
                "dequantize ops, which are slower than fp32; compile it to get oneDNN int8 kernels."
            )
        return eager, notes
    unavailable = compile_available()
    if unavailable:
        if config.compile:
            raise QuantizeError(f"compile was asked for, but {unavailable}.")
        notes.append(f"Ran eagerly: {unavailable}.")
        return eager, notes
    s8s8 = (scheme.name == "int8-dynamic" and built.engine == "torchao"
            and device.type == "cpu" and torchao_u8s8_recomputes_weight_sums())
    compiled = make_runner(built.module, label, compiled=True, freezing=built.freezing,
                           example=batch, device=device, int8_s8s8=s8s8)
    notes.append(f"torch.compile took {compiled.compile_seconds:.1f} s (once per input shape).")
    if s8s8:
        notes.append(
            "Compiled with torchao's s8s8 int8 matmul: its default u8s8 path on AVX512-VNNI "
            "CPUs without AMX sums every weight matrix again on each call (same results)."
        )
    if config.compile:
        return compiled, notes
    samples = yield from time_round_robin(
        {"eager": (eager, batch), "compiled": (compiled, batch)}, device,
        warmup=1, rounds=2, round_seconds=min(config.round_seconds, 0.15),
        label="Eager or compiled?",
    )
    eager_ms = sorted(samples["eager"])[len(samples["eager"]) // 2]
    compiled_ms = sorted(samples["compiled"])[len(samples["compiled"]) // 2]
    if compiled_ms <= eager_ms:
        notes.append(
            f"Compiled ran faster than eager ({compiled_ms:.3g} vs {eager_ms:.3g} ms at batch "
            f"{config.batch_size}), so the compiled model is measured."
        )
        return compiled, notes
    notes.append(
        f"Eager ran faster than compiled ({eager_ms:.3g} vs {compiled_ms:.3g} ms at batch "
        f"{config.batch_size}), so the eager model is measured."
    )
    return eager, notes


def _baselines(
    reference: nn.Module,
    scheme: Scheme,
    built: _Built,
    config: QuantizeConfig,
    device: torch.device,
    batch: tuple[torch.Tensor, ...],
    before: Runner | None = None,
) -> dict[str, Candidate]:
    candidates: dict[str, Candidate] = {}
    before_runtime = runner_runtime(before) if before is not None else EAGER
    for name in config.baselines:
        if name == "bf16" and scheme.name != "bf16":
            model = backends.apply_cast(copy.deepcopy(reference), torch.bfloat16)
            candidates["bf16"] = Candidate(model, Runner(model, "bf16 baseline"), "bfloat16")
        elif name == "fp32-compiled" and before_runtime == COMPILED:
            continue  # "before" is fp32 compiled already
        elif name == "fp32-compiled" and compile_available() is None:
            model = copy.deepcopy(reference)
            runner = make_runner(model, "fp32 compiled baseline", compiled=True, freezing=True,
                                 example=batch, device=device)
            candidates["fp32-compiled"] = Candidate(model, runner)
    if built.float_onnx is not None and before_runtime != ONNXRUNTIME:
        candidates["onnxruntime-fp32"] = Candidate(
            built.float_onnx, Runner(built.float_onnx, "ONNX Runtime fp32 baseline"))
    if scheme.name == "int8-dynamic" and built.engine == "torchao" and device.type == "cpu":
        model = copy.deepcopy(reference)
        backends.apply_legacy_dynamic(model, built.chosen)
        candidates["legacy-int8"] = Candidate(model, Runner(model, "legacy int8 baseline"))
    return candidates


# --- measuring on a runtime ---------------------------------------------------------------


def _config_for_runtime(config: QuantizeConfig, runtime: str | None,
                        notes: list[str]) -> QuantizeConfig:
    """The config the model is built and run with: the eager runtime compiles nothing and the
    compiled one compiles the result (a ``compile`` saying otherwise gets a note)."""
    if runtime == EAGER and config.compile is not False:
        if config.compile:
            notes.append("compile was on, but the eager runtime was asked for: neither model "
                         "was compiled.")
        return dataclasses.replace(config, compile=False)
    if runtime == COMPILED and config.compile is not True:
        if config.compile is False:
            notes.append("compile was off, but the compiled runtime was asked for: both "
                         "models were compiled.")
        return dataclasses.replace(config, compile=True)
    return config


def _runners_on(
    runtime: str | None,
    handle: ModelHandle,
    reference: nn.Module,
    built: _Built,
    after: Runner,
    scheme: Scheme,
    config: QuantizeConfig,
    device: torch.device,
    batch: tuple[torch.Tensor, ...],
    notes: list[str],
) -> tuple[Runner, Runner]:
    """The runners that time the original and the quantized model on ``runtime``.

    None keeps what quantizing always measured: the original eager, the result as
    ``compile`` says. Otherwise both run on the runtime, or, where the result cannot (an
    operator without an ONNX conversion, modules that only run eagerly), both on the next
    runtime that works, with a note saying which and why.
    """
    name = handle.name
    eager_before = Runner(reference, f"{name} (fp32)")
    if runtime is None:
        return eager_before, after
    if built.engine == "onnxruntime":  # an ONNX model runs on ONNX Runtime only
        assert built.float_onnx is not None
        if runtime != ONNXRUNTIME:
            notes.append(fallback_note(runtime, ONNXRUNTIME, (
                f"the {scheme.name} model is an ONNX model, which runs on ONNX Runtime only")))
        return Runner(built.float_onnx, f"{name} (fp32, ONNX Runtime)"), after

    def prepare(on: str) -> tuple[Runner, Runner, list[str]]:
        if on == ONNXRUNTIME:
            from slimbench.engine.runtimes.bench import onnxruntime_pair

            # The quantized model is the likelier one to fail: export it first.
            example = make_batch(handle, max(2, config.batch_size))
            models, _, how = onnxruntime_pair(
                [(built.module, f"the {scheme.name} model"), (reference, name)], example)
            after_ort, before_ort = (model.to(device) for model in models)
            with torch.inference_mode():  # start both sessions: a model that fails, fails here
                after_ort(*batch)
                before_ort(*batch)
            return (Runner(before_ort, f"{name} (fp32, ONNX Runtime)"),
                    Runner(after_ort, f"{scheme.name} model (ONNX Runtime)"), how)
        if on == COMPILED:
            if not after.compiled:
                raise QuantizeError(
                    f"the {built.engine} engine's modules run eagerly" if not built.can_compile
                    else f"the {scheme.name} model ran faster eagerly")
            before = make_runner(reference, f"{name} (fp32)", compiled=True,
                                 freezing=device.type == "cpu", example=batch, device=device)
            return before, after, [
                f"torch.compile took {before.compile_seconds or 0:.1f} s for the fp32 "
                "original (once per input shape; not timed)."]
        eager_after = Runner(built.module, after.label) if after.compiled else after
        return eager_before, eager_after, []

    used, (before, after, how), reason = on_best_runtime(runtime, str(device), prepare)
    notes.extend(how)
    if reason is not None:
        notes.append(fallback_note(runtime, used, reason))
    return before, after


# --- the verdict --------------------------------------------------------------------------


def _verdict(
    scheme: Scheme,
    before: Metrics,
    after: Metrics,
    baselines: dict[str, Metrics],
    config: QuantizeConfig,
    device: str,
) -> list[str]:
    notes = []
    b, a = before.latency_ms["median"], after.latency_ms["median"]
    speed = b / a if a > 0 else float("inf")
    size = after.size_bytes / before.size_bytes if before.size_bytes else 1.0
    batch = config.batch_size
    agreement = after.fidelity.top1_agreement if after.fidelity else float("nan")
    original = {EAGER: "fp32 eager", COMPILED: "fp32 compiled"}.get(
        before.runtime, f"fp32 on {runtime_label(before.runtime)}")
    summary = (
        f"{scheme.name} on {device} at batch {batch}: {speed:.2f}x the speed and {size:.2f}x "
        f"the size of {original} ({a:.3g} vs {b:.3g} ms median)"
    )
    if agreement == agreement:  # not NaN
        summary += f", top-1 agreement {agreement:.1%}"
    notes.append(summary + ".")
    if a >= b * 0.97:
        notes.append(
            f"{scheme.name} is not faster than fp32 on {device} here ({a:.3g} vs {b:.3g} ms)."
        )
    if size >= 0.95:
        notes.append(
            f"{scheme.name} is no smaller than fp32 ({after.size_bytes:,} vs "
            f"{before.size_bytes:,} bytes serialized)."
        )
    if before.accuracy is not None and after.accuracy is not None:
        drop = (before.accuracy - after.accuracy) * 100.0
        if drop > 1.0:
            notes.append(
                f"Accuracy fell {drop:.1f} points ({before.accuracy:.1%} to {after.accuracy:.1%}); "
                "skip the most sensitive layers (auto_skip) to win it back."
            )
    labels = {"bf16": "bf16 alone", "fp32-compiled": "Compiled fp32", "legacy-int8":
              "torch.ao's legacy dynamic int8 (fbgemm)", "onnxruntime-fp32":
              "ONNX Runtime's fp32 run of the same export"}
    for name, metrics in baselines.items():
        other = metrics.latency_ms["median"]
        if other < a * 0.9:
            hint = " (pass engine='legacy' to use it)" if name == "legacy-int8" else ""
            notes.append(
                f"{labels.get(name, name)} runs at {other:.3g} ms here, faster than "
                f"{scheme.name}'s {a:.3g} ms{hint}."
            )
    return notes
