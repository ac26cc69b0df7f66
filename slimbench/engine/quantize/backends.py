"""The quantization libraries behind the schemes, imported quietly and applied to a copy.

torchao logs warnings about optional CUDA extensions on import, and torch.ao's eager
quantization warns that it is deprecated on every call; users see neither. Every function
here changes the module it is given: callers pass a copy.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from slimbench.engine.quantize.schemes import QuantizeError

_NOISY_LOGGERS = ("torchao", "torch.utils._pytree", "torch._dynamo", "torch._inductor")


@contextmanager
def quiet() -> Iterator[None]:
    """Silence torchao's and torch's warnings (logged or warned) for the duration."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


_TORCHAO: Any = None
_TORCHAO_ERROR: str | None = None


def torchao_or_reason() -> tuple[Any, str | None]:
    """(the torchao.quantization module, None), or (None, why it cannot be imported)."""
    global _TORCHAO, _TORCHAO_ERROR
    if _TORCHAO is None and _TORCHAO_ERROR is None:
        try:
            with quiet():
                import torchao.quantization as quantization
            _TORCHAO = quantization
        except Exception as error:  # an ABI mismatch raises OSError or RuntimeError too
            _TORCHAO_ERROR = f"torchao cannot be imported ({first_line(error)})"
    return _TORCHAO, _TORCHAO_ERROR


def torchao_version() -> str | None:
    try:
        import torchao

        return str(getattr(torchao, "__version__", "unknown"))
    except Exception:
        return None


def first_line(error: BaseException, limit: int = 200) -> str:
    text = str(error).strip() or type(error).__name__
    line = next((part.strip() for part in text.splitlines() if part.strip()), text)
    return line.rstrip(".")[:limit]


def path_filter(paths: Sequence[str]) -> Callable[[nn.Module, str], bool]:
    chosen = set(paths)
    return lambda module, fqn: fqn in chosen


# --- torchao tensor subclasses ------------------------------------------------------------


def torchao_config(scheme: str, device: torch.device) -> Any:
    quantization, reason = torchao_or_reason()
    if quantization is None:
        raise QuantizeError(f"{scheme} needs torchao, and {reason}.")
    if scheme == "int8-dynamic":
        # set_inductor_config=False: torchao would otherwise change process-wide inductor
        # settings; Slimbench scopes its compile settings to its own compiles.
        return quantization.Int8DynamicActivationInt8WeightConfig(set_inductor_config=False)
    if scheme == "int8-weight-only":
        return quantization.Int8WeightOnlyConfig(set_inductor_config=False)
    if scheme == "int4-weight-only":
        return quantization.Int4WeightOnlyConfig(
            group_size=128, int4_packing_format="tile_packed_to_4d", set_inductor_config=False
        )
    if scheme == "float8-dynamic":
        # Per-row scales (one per output channel and per token) keep accuracy close to bf16;
        # torchao's row-wise float8 takes bf16 weights, so the job casts to bf16 first.
        return quantization.Float8DynamicActivationFloat8WeightConfig(
            granularity=quantization.PerRow(), set_inductor_config=False
        )
    raise QuantizeError(f"{scheme} is not a torchao tensor-subclass scheme.")


def apply_torchao(module: nn.Module, scheme: str, paths: Sequence[str],
                  device: torch.device) -> list[str]:
    """Quantize the Linear layers at ``paths`` in place; return those torchao left float."""
    quantization, _ = torchao_or_reason()
    config = torchao_config(scheme, device)
    try:
        with quiet(), torch.no_grad():
            quantization.quantize_(module, config, filter_fn=path_filter(paths), device=device)
    except Exception as error:
        raise QuantizeError(
            f"torchao could not apply {scheme} on {device}: {first_line(error)}."
        ) from None
    modules = dict(module.named_modules())
    return [path for path in paths if type(modules[path].weight) in (torch.Tensor, nn.Parameter)]


def restore_weight(module: nn.Module, path: str, weight: nn.Parameter) -> None:
    """Put a float weight back after a one-layer trial (sensitivity)."""
    layer = module.get_submodule(path)
    layer.weight = weight
    extra = layer.__dict__.pop("extra_repr", None)  # torchao patches extra_repr per instance
    del extra


# --- torch.ao (legacy) --------------------------------------------------------------------


def apply_legacy_dynamic(module: nn.Module, paths: Sequence[str]) -> nn.Module:
    """torch.ao's eager dynamic int8 (fbgemm/onednn kernels) on the Linear layers at ``paths``.

    Deprecated upstream in favour of torchao, kept as the fallback where torchao cannot serve
    (no torch.compile, no C++ compiler). Its warnings are silenced.
    """
    engines = torch.backends.quantized.supported_engines
    if not any(engine in engines for engine in ("fbgemm", "x86", "onednn", "qnnpack")):
        raise QuantizeError("This PyTorch build has no quantized CPU engine for legacy int8.")
    with quiet():
        from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic

        spec = dict.fromkeys(paths, default_dynamic_qconfig)
        return quantize_dynamic(module, qconfig_spec=spec, dtype=torch.qint8, inplace=True)


# --- casts --------------------------------------------------------------------------------


def _cast_inputs(module: nn.Module, args: tuple[Any, ...], dtype: torch.dtype) -> tuple[Any, ...]:
    return tuple(
        arg.to(dtype) if isinstance(arg, torch.Tensor) and arg.is_floating_point() else arg
        for arg in args
    )


def _cast_output(module: nn.Module, args: tuple[Any, ...], output: Any) -> Any:
    if isinstance(output, torch.Tensor) and output.is_floating_point():
        return output.float()
    if isinstance(output, tuple):
        return tuple(
            item.float() if isinstance(item, torch.Tensor) and item.is_floating_point() else item
            for item in output
        )
    return output


class CastHooks:
    """Forward hooks that let a cast model take and return float32 tensors like the original."""

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype

    def __call__(self, module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return _cast_inputs(module, args, self.dtype)


def apply_cast(module: nn.Module, dtype: torch.dtype) -> nn.Module:
    """Cast every float parameter and buffer to ``dtype``; inputs and outputs stay float32."""
    module.to(dtype)
    module.register_forward_pre_hook(CastHooks(dtype))
    module.register_forward_hook(_cast_output)
    module._slimbench_cast = dtype  # type: ignore[assignment]
    return module
