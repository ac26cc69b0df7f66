"""The quantization schemes, what each needs, and the configuration a quantize job takes."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from slimbench.engine.devices import resolve_device
from slimbench.engine.errors import DeviceError, InputSpecError, SlimbenchError


class QuantizeError(SlimbenchError):
    """A model cannot be quantized as asked (scheme, layers, export, calibration)."""


@dataclass(frozen=True)
class Scheme:
    """One quantization scheme as the user picks it (``name`` is what ``--scheme`` takes)."""

    name: str
    summary: str
    #: Layer types whose weights the scheme changes.
    layers: tuple[type[nn.Module], ...]
    #: Device kinds (cpu, cuda, mps) the scheme has kernels for.
    devices: tuple[str, ...]
    #: Whether the scheme runs calibration batches before converting.
    calibrated: bool = False
    #: Float dtype the whole model is cast to (fp16/bf16), else None.
    cast_dtype: torch.dtype | None = None
    #: What the scheme is for, shown beside it in the GUI and in ``--help``.
    advice: str = ""
    #: The runtimes (``slimbench.engine.runtimes``) its quantized model runs on.
    runtimes: tuple[str, ...] = ("eager", "compiled")

    def layer_names(self) -> str:
        return " and ".join(f"nn.{layer.__name__}" for layer in self.layers)


SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme(
            "int8-dynamic",
            "int8 weights, activations quantized on the fly (torchao + torch.compile)",
            (nn.Linear,),
            ("cpu", "cuda"),
            advice="Linear-heavy models (MLPs, transformers); no calibration data needed.",
        ),
        Scheme(
            "int8-static",
            "int8 weights and activations with calibrated ranges (torchao pt2e, x86 inductor)",
            (nn.Linear, nn.Conv2d),
            ("cpu",),
            calibrated=True,
            advice="CNNs and MLPs on x86 CPUs; needs a model torch.export can capture.",
        ),
        Scheme(
            "int8-weight-only",
            "int8 weights, float activations (torchao)",
            (nn.Linear,),
            ("cpu", "cuda"),
            advice="Memory-bound GPU inference at small batch; buys size, rarely speed on CPU.",
        ),
        Scheme(
            "int4-weight-only",
            "int4 grouped weights, bf16 activations (torchao tinygemm kernels)",
            (nn.Linear,),
            ("cuda",),
            advice="Memory-bound GPU inference; torchao has no CPU kernel for it.",
        ),
        Scheme(
            "float8-dynamic",
            "float8 (e4m3) weights and activations with per-row scales, bf16 elsewhere "
            "(torchao)",
            (nn.Linear,),
            ("cuda",),
            advice="Hopper and Ada GPUs (compute capability 8.9+) with large Linear layers; "
                   "small layers run faster in bf16.",
        ),
        Scheme(
            "fp16",
            "every float tensor cast to float16",
            (nn.Module,),
            ("cpu", "cuda", "mps"),
            cast_dtype=torch.float16,
            advice="GPUs; on CPUs without AVX512-FP16 or AMX-FP16 it is emulated and slow.",
        ),
        Scheme(
            "bf16",
            "every float tensor cast to bfloat16",
            (nn.Module,),
            ("cpu", "cuda", "mps"),
            cast_dtype=torch.bfloat16,
            advice="CPUs with AVX512-BF16 or AMX, and Ampere or newer GPUs.",
        ),
    )
}

#: ONNX Runtime's own quantization (``slimbench.engine.runtimes``): the model is exported to
#: ONNX and runs on ONNX Runtime, an optional extra. Kept beside SCHEMES, which lists what the
#: window's scheme picker offers today, until that picker shows runtimes.
ONNXRUNTIME_SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme(
            "ort-int8-dynamic",
            "int8 weights, activations quantized on the fly (ONNX Runtime quantize_dynamic)",
            (nn.Linear,),
            ("cpu",),
            advice="Linear-heavy models deployed with ONNX Runtime; needs the onnx extra.",
            runtimes=("onnxruntime",),
        ),
        Scheme(
            "ort-int8-static",
            "int8 weights and activations, calibrated (ONNX Runtime quantize_static, QDQ)",
            (nn.Linear, nn.Conv2d),
            ("cpu",),
            calibrated=True,
            advice="CNNs and MLPs deployed with ONNX Runtime on CPU; needs the onnx extra.",
            runtimes=("onnxruntime",),
        ),
    )
}

#: Engines for int8-dynamic: torchao's tensor subclasses, or the deprecated torch.ao modules.
ENGINES = ("auto", "torchao", "legacy")

#: Baselines a quantize job can measure beside before/after.
BASELINES = ("bf16", "fp32-compiled")


@dataclass
class QuantizeConfig:
    """How to quantize, and how to measure the result.

    - ``compile``: True compiles the quantized model, False runs it eagerly, None measures
      both and keeps the faster (the notes say which won).
    - ``skip``: fnmatch patterns on module paths (``net.1``, ``blocks.*.ff.*``); a pattern that
      names a container skips every layer inside it.
    - ``auto_skip``: an int k skips the k layers whose quantization hurts fidelity most; a float
      in (0, 1) skips every layer whose fidelity drop (1 - cosine) exceeds it.
    - ``calibration_inputs``: int8-static calibrates on these instead of the model's data.
    - ``engine`` (int8-dynamic only): ``auto`` uses torchao and falls back to the legacy
      ``torch.ao`` modules only where torchao cannot serve; ``torchao``/``legacy`` force one.
    - ``batch_size``: the batch latency is measured at; quality runs in batches of this size.
    - ``runtime``: what before and after are measured on: ``eager`` (neither compiled, so
      int8-dynamic takes torch.ao's eager int8 engine), ``compiled`` (both torch.compiled,
      compile times in the notes) or ``onnxruntime`` (both exported to ONNX and run by ONNX
      Runtime; ``compile`` then only says how to run the result where it does not export).
      None keeps the original eager and runs the result as ``compile`` says. A result that
      cannot run on the runtime asked for is measured, with the original, on the next one
      that works; a note says which and why.
    """

    scheme: str
    device: str = "cpu"
    compile: bool | None = None
    skip: Sequence[str] = ()
    calibration_batches: int = 8
    calibration_inputs: torch.Tensor | tuple[torch.Tensor, ...] | None = None
    batch_size: int = 32
    auto_skip: int | float | None = None
    engine: str = "auto"
    baselines: Sequence[str] = ("bf16",)
    threads: int | None = None
    warmup: int = 3
    rounds: int = 5
    #: Seconds each model runs per timing round (at least one run).
    round_seconds: float = 0.25
    #: Most samples of the model's data used for accuracy, fidelity and sensitivity.
    eval_samples: int = 1024
    #: Also measure latency at batch 1 (a second compile for compiled models).
    measure_batch_1: bool = False
    #: Samples per layer in the sensitivity pass (auto_skip).
    sensitivity_samples: int = 256
    extra: dict[str, object] = field(default_factory=dict)
    runtime: str | None = None


def all_schemes() -> dict[str, Scheme]:
    """Every scheme ``--scheme`` takes: PyTorch's and ONNX Runtime's."""
    return {**SCHEMES, **ONNXRUNTIME_SCHEMES}


def get_scheme(name: str) -> Scheme:
    schemes = all_schemes()
    scheme = schemes.get(name.strip().lower())
    if scheme is None:
        raise QuantizeError(
            f"Unknown quantization scheme '{name}'; choose one of {', '.join(schemes)}."
        )
    return scheme


def check_device(scheme: Scheme, device_name: str) -> torch.device:
    """The torch.device for ``device_name``, or a one-line error if the scheme cannot run there."""
    device = resolve_device(device_name)
    if device.type not in scheme.devices:
        where = ", ".join(scheme.devices)
        reason = {
            "int4-weight-only": (
                "torchao 0.18 has int4 kernels only for CUDA (tinygemm), XPU and NPU"
            ),
            "int8-static": "its quantizer (X86InductorQuantizer) lowers to x86 CPU kernels only",
            "float8-dynamic": "float8 matmuls need the tensor cores of a CUDA GPU",
            "ort-int8-dynamic": "ONNX Runtime runs int8 on its CPU provider only",
            "ort-int8-static": "ONNX Runtime runs int8 on its CPU provider only",
        }.get(scheme.name, f"it has kernels for {where} only")
        hint = {
            "int4-weight-only": "; on CPU use int8-weight-only or int8-dynamic",
            "int8-static": "; on a GPU use int8-dynamic or int8-weight-only",
            "float8-dynamic": "; on CPU use int8-dynamic or bf16",
        }.get(scheme.name, "")
        raise DeviceError(f"{scheme.name} cannot run on {device}: {reason}{hint}.")
    if scheme.name == "int4-weight-only" and device.type == "cuda":
        major, _ = torch.cuda.get_device_capability(device)
        if major < 8:
            raise DeviceError(
                f"int4-weight-only needs a GPU of compute capability 8.0 or newer (bf16 "
                f"tinygemm kernels); {torch.cuda.get_device_name(device)} is {major}.x."
            )
    if scheme.name == "float8-dynamic" and device.type == "cuda":
        capability = torch.cuda.get_device_capability(device)
        if capability < (8, 9):
            raise DeviceError(
                f"float8-dynamic needs a GPU of compute capability 8.9 or newer (Ada, Hopper) "
                f"for float8 tensor cores; {torch.cuda.get_device_name(device)} is "
                f"{capability[0]}.{capability[1]}: use int8-dynamic or bf16."
            )
    if scheme.cast_dtype == torch.bfloat16 and device.type == "cuda":
        major, _ = torch.cuda.get_device_capability(device)
        if major < 8:
            raise DeviceError(
                f"bf16 needs a GPU of compute capability 8.0 or newer; use fp16 on "
                f"{torch.cuda.get_device_name(device)}."
            )
    return device


def check_config(config: QuantizeConfig) -> Scheme:
    """Validate everything that can be checked before touching the model."""
    scheme = get_scheme(config.scheme)
    if config.engine not in ENGINES:
        raise QuantizeError(f"Unknown engine '{config.engine}'; use one of {', '.join(ENGINES)}.")
    if config.engine != "auto" and scheme.name != "int8-dynamic":
        raise QuantizeError(
            f"--engine applies to int8-dynamic only, not to {scheme.name}; leave it at auto."
        )
    if config.batch_size < 1:
        raise InputSpecError(f"The batch size must be at least 1, not {config.batch_size}.")
    if scheme.calibrated and config.calibration_batches < 1 and config.calibration_inputs is None:
        raise QuantizeError(
            f"{scheme.name} needs at least one calibration batch, not {config.calibration_batches}."
        )
    for name in config.baselines:
        if name not in BASELINES:
            raise QuantizeError(
                f"Unknown baseline '{name}'; choose from {', '.join(BASELINES)}."
            )
    if config.auto_skip is not None:
        value = config.auto_skip
        is_count = isinstance(value, int) and not isinstance(value, bool)
        if (is_count and value < 0) or (not is_count and not 0.0 < float(value) < 1.0):
            raise QuantizeError(
                f"auto_skip must be a layer count (e.g. 2) or a fidelity-drop threshold "
                f"between 0 and 1 (e.g. 0.01), not {value}."
            )
        if scheme.cast_dtype is not None:
            raise QuantizeError(
                f"auto_skip does not apply to {scheme.name}, which casts every layer."
            )
    if config.skip and scheme.cast_dtype is not None:
        raise QuantizeError(
            f"{scheme.name} casts the whole model, so layers cannot be skipped; use an int8 scheme."
        )
    if "onnxruntime" in scheme.runtimes:
        from slimbench.engine.runtimes.availability import onnxruntime_or_reason

        _, missing = onnxruntime_or_reason()
        if missing:
            raise QuantizeError(f"{scheme.name} is unavailable: {missing}")
        if config.auto_skip is not None:
            raise QuantizeError(
                f"auto_skip does not apply to {scheme.name} yet (its sensitivity scan runs "
                "torch's kernels); name the layers to keep in float with skip instead."
            )
    check_device(scheme, config.device)
    if config.runtime is not None:
        from slimbench.engine.runtimes.availability import check_runtime
        from slimbench.engine.runtimes.bench import canonical_runtime

        check_runtime(canonical_runtime(config.runtime) or "eager", config.device)
    return scheme


# --- layer selection ----------------------------------------------------------------------


def matches(path: str, patterns: Iterable[str]) -> bool:
    """Whether ``path`` or one of its ancestors matches one of the fnmatch ``patterns``."""
    parts = path.split(".")
    ancestors = [".".join(parts[: index + 1]) for index in range(len(parts))]
    return any(
        fnmatch.fnmatchcase(candidate, pattern)
        for pattern in patterns
        for candidate in ancestors
    )


def quantizable_layers(module: nn.Module, scheme: Scheme) -> dict[str, nn.Module]:
    """The layers the scheme would quantize, by module path."""
    return {
        path: sub
        for path, sub in module.named_modules()
        if path and type(sub) in scheme.layers
    }


def select_layers(
    module: nn.Module, scheme: Scheme, skip: Sequence[str], model_name: str
) -> tuple[list[str], list[str]]:
    """(layers to quantize, layers skipped); errors name a pattern that matches nothing."""
    layers = quantizable_layers(module, scheme)
    if not layers:
        raise QuantizeError(
            f"{model_name} has no {scheme.layer_names()} layers, which {scheme.name} quantizes; "
            "nothing would change."
        )
    all_paths = [path for path, _ in module.named_modules() if path]
    for pattern in skip:
        if not any(matches(path, [pattern]) for path in all_paths):
            example = next(iter(layers))
            raise QuantizeError(
                f"The skip pattern '{pattern}' matches no layer of {model_name}; layer paths "
                f"look like '{example}'."
            )
    skipped = [path for path in layers if matches(path, skip)]
    chosen = [path for path in layers if path not in skipped]
    if not chosen:
        raise QuantizeError(
            f"The skip patterns leave no {scheme.layer_names()} layer of {model_name} to quantize."
        )
    return chosen, skipped
