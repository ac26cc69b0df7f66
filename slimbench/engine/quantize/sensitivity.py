"""Per-layer sensitivity: quantize one layer at a time and measure how far the outputs move.

Linear layers get torchao's int8 dynamic quantization (the legacy torch.ao module where
torchao is missing); Conv2d layers (for int8-static) get a simulated int8 round trip of their
weights (per output channel) and inputs (per tensor), which is what static quantization does
to them. The fidelity drop is ``1 - cosine`` between the float model's outputs and the
outputs with that one layer quantized, on the same samples.
"""

from __future__ import annotations

import copy
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass

import torch
from torch import nn

from slimbench.engine.devices import resolve_device
from slimbench.engine.jobs import Progress
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import fidelity_of_outputs, output_tensor
from slimbench.engine.module_state import evaluation_mode
from slimbench.engine.quantize.backends import (
    apply_legacy_dynamic,
    quiet,
    torchao_config,
    torchao_or_reason,
)
from slimbench.engine.quantize.metrics import evaluation_data
from slimbench.engine.quantize.schemes import QuantizeError, get_scheme, matches


@dataclass
class LayerSensitivity:
    """How much quantizing this one layer changes the model's outputs."""

    path: str
    type: str
    params: int
    fidelity_drop: float
    cosine: float
    top1_agreement: float
    max_abs_error: float

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class SensitivityResult:
    scheme: str
    method: str
    samples: int
    layers: list[LayerSensitivity]

    def worst(self, count: int) -> list[LayerSensitivity]:
        ordered = sorted(self.layers, key=lambda row: row.fidelity_drop, reverse=True)
        return ordered[:count]

    def to_json(self) -> dict[str, object]:
        return {
            "scheme": self.scheme,
            "method": self.method,
            "samples": self.samples,
            "layers": [row.to_json() for row in self.layers],
        }


def choose_skips(result: SensitivityResult, auto_skip: int | float) -> list[str]:
    """The layers ``auto_skip`` selects: the k worst, or those above a fidelity-drop threshold."""
    if isinstance(auto_skip, int) and not isinstance(auto_skip, bool):
        return [row.path for row in result.worst(auto_skip) if row.fidelity_drop > 0.0]
    return [row.path for row in result.layers if row.fidelity_drop > float(auto_skip)]


class _SimulatedInt8Conv(nn.Module):
    """A Conv2d whose weights and inputs make an int8 round trip, as static int8 would."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        self.conv = copy.deepcopy(conv)
        with torch.no_grad():
            weight = self.conv.weight
            scale = weight.abs().amax(dim=(1, 2, 3), keepdim=True).clamp(min=1e-12) / 127.0
            weight.copy_((weight / scale).round().clamp(-127, 127) * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low, high = x.min().clamp(max=0.0), x.max().clamp(min=0.0)
        scale = ((high - low) / 255.0).clamp(min=1e-12)
        zero = (-low / scale).round()
        x = ((x / scale + zero).round().clamp(0, 255) - zero) * scale
        return self.conv(x)


def _quantized_copy(layer: nn.Module, device: torch.device) -> tuple[nn.Module, str]:
    if isinstance(layer, nn.Conv2d):
        return _SimulatedInt8Conv(layer), "simulated int8 (per-channel weights, per-tensor inputs)"
    trial = copy.deepcopy(layer)
    quantization, _ = torchao_or_reason()
    if quantization is not None:
        with quiet(), torch.no_grad():
            quantization.quantize_(
                trial, torchao_config("int8-dynamic", device),
                filter_fn=lambda module, fqn: isinstance(module, nn.Linear),
            )
        return trial, "torchao int8 dynamic"
    holder = nn.Sequential(trial)
    apply_legacy_dynamic(holder, ["0"])
    return holder[0], "torch.ao int8 dynamic"


def _replace(root: nn.Module, path: str, new: nn.Module) -> nn.Module:
    parent_path, _, name = path.rpartition(".")
    parent = root.get_submodule(parent_path) if parent_path else root
    old = getattr(parent, name)
    setattr(parent, name, new)
    return old


def _run(model: nn.Module, inputs: tuple[torch.Tensor, ...], batch_size: int,
         device: torch.device) -> torch.Tensor:
    outputs = []
    with torch.inference_mode(), quiet():
        for start in range(0, len(inputs[0]), batch_size):
            chunk = tuple(t[start:start + batch_size].to(device) for t in inputs)
            outputs.append(output_tensor(model(*chunk)).float().cpu())
    return torch.cat(outputs)


def _cosine64(reference: torch.Tensor, candidate: torch.Tensor) -> float:
    """Mean per-sample cosine in float64: one layer's drop is often below float32's 1e-7."""
    samples = reference.shape[0] if reference.dim() > 1 else 1
    first = reference.double().reshape(samples, -1)
    second = candidate.double().reshape(samples, -1)
    cosine = torch.nn.functional.cosine_similarity(first, second, dim=1, eps=1e-30)
    return float(cosine.mean())


def sensitivity_job(
    handle: ModelHandle,
    *,
    scheme: str = "int8-dynamic",
    device: str = "cpu",
    samples: int = 256,
    batch_size: int = 64,
    skip: Sequence[str] = (),
) -> Generator[Progress, None, SensitivityResult]:
    """Quantize each layer alone and measure the fidelity drop; one Progress per layer.

    The handle's module is never changed: the trials run on a copy.
    """
    chosen = get_scheme(scheme)
    target = resolve_device(device)
    layer_types: tuple[type[nn.Module], ...] = (nn.Linear,)
    if chosen.name == "int8-static":
        layer_types = (nn.Linear, nn.Conv2d)
    elif nn.Linear not in chosen.layers:
        raise QuantizeError(f"Per-layer sensitivity applies to int8 schemes, not to {scheme}.")
    inputs, _ = evaluation_data(handle, samples, batch_size)
    yield Progress(0, 1, "Copying the model")
    with evaluation_mode(handle.module):
        model = copy.deepcopy(handle.module)
    model = model.to(target).eval()
    layers = [
        (path, layer)
        for path, layer in model.named_modules()
        if path and type(layer) in layer_types and not matches(path, skip)
    ]
    if not layers:
        raise QuantizeError(
            f"{handle.name} has no {' or '.join(t.__name__ for t in layer_types)} layers to "
            "measure."
        )
    total = len(layers) + 1
    yield Progress(0, total, "Running the float model once for reference outputs")
    reference = _run(model, inputs, batch_size, target)
    rows: list[LayerSensitivity] = []
    methods: set[str] = set()
    for index, (path, layer) in enumerate(layers):
        trial, method = _quantized_copy(layer, target)
        methods.add(method)
        original = _replace(model, path, trial)
        try:
            outputs = _run(model, inputs, batch_size, target)
        finally:
            _replace(model, path, original)
        fidelity = fidelity_of_outputs(reference, outputs)
        cosine = _cosine64(reference, outputs)
        row = LayerSensitivity(
            path=path,
            type=type(layer).__name__,
            params=sum(p.numel() for p in layer.parameters()),
            fidelity_drop=max(0.0, 1.0 - cosine),
            cosine=cosine,
            top1_agreement=fidelity.top1_agreement,
            max_abs_error=fidelity.max_abs_error,
        )
        rows.append(row)
        yield Progress(index + 1, total, f"Layer {index + 1}/{len(layers)}: {path}",
                       {"layer": row.to_json()})
    yield Progress(total, total, "Sensitivity measured")
    return SensitivityResult(chosen.name, "; ".join(sorted(methods)), len(inputs[0]), rows)
