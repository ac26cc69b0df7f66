"""ONNX Runtime's own int8 quantization, as quantize schemes beside torchao's.

Both follow ONNX Runtime's documented path: export to ONNX, ``quant_pre_process`` (symbolic
shape inference and graph optimisation), then

- ``ort-int8-dynamic``: ``quantize_dynamic`` with int8 weights on the MatMul/Gemm nodes (the
  exported Linear layers); activations are quantized on the fly (DynamicQuantizeLinear and
  MatMulInteger). Convolutions are left in float, as torch's int8-dynamic leaves them: ONNX
  Runtime's ConvInteger is slower than its float convolution.
- ``ort-int8-static``: ``quantize_static`` in QDQ format with int8 activations and weights
  (ONNX Runtime's recommended default), calibrated (min/max) on the same batches the pt2e
  int8-static scheme calibrates on.

The result is an ``OnnxRuntimeModule``: its size is the .onnx file's.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from slimbench.engine.measure import make_batch
from slimbench.engine.runtimes.availability import require_onnxruntime
from slimbench.engine.runtimes.export import export_onnx, quiet_export
from slimbench.engine.runtimes.ort_module import OnnxRuntimeModule

DYNAMIC = "ort-int8-dynamic"
STATIC = "ort-int8-static"
SCHEMES = (DYNAMIC, STATIC)
#: The node types ort-int8-dynamic quantizes: what nn.Linear exports to.
DYNAMIC_OP_TYPES = ("MatMul", "Gemm")


class _Batches:
    """ONNX Runtime's CalibrationDataReader protocol over Slimbench's calibration batches."""

    def __init__(self, names: Sequence[str], batches: Sequence[tuple[torch.Tensor, ...]]):
        self._feeds = iter([
            {name: tensor.detach().cpu().contiguous().numpy()
             for name, tensor in zip(names, batch, strict=True)}
            for batch in batches
        ])

    def get_next(self) -> dict[str, Any] | None:
        return next(self._feeds, None)

    def rewind(self) -> None:  # pragma: no cover - called by ORT's older calibrators
        pass


@contextlib.contextmanager
def _quiet_quantizer() -> Any:
    # ORT's quantizer logs through the root logger ("consider pre-processing", per-node info).
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with quiet_export():
            yield
    finally:
        root.setLevel(level)


def quantize_with_onnxruntime(
    handle_module: torch.nn.Module,
    example: tuple[torch.Tensor, ...],
    scheme: str,
    *,
    name: str,
    calibration: Sequence[tuple[torch.Tensor, ...]] = (),
    skip: Sequence[str] = (),
    per_channel: bool = False,
) -> tuple[OnnxRuntimeModule, OnnxRuntimeModule, list[str]]:
    """(the int8 ONNX Runtime model, the float one it came from, notes).

    ``skip`` holds fnmatch patterns on module paths, as for the torch schemes: the nodes the
    exporter recorded under those modules stay in float.
    """
    require_onnxruntime()
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_dynamic, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from slimbench.engine.quantize.schemes import QuantizeError

    exported = export_onnx(handle_module, example, name=name)
    notes = list(exported.notes)
    fp32 = OnnxRuntimeModule(exported.onnx_bytes, label=f"{name} (ONNX fp32)",
                             info={"exporter": exported.exporter, "opset": exported.opset})
    with tempfile.TemporaryDirectory(prefix="slimbench-ort-") as folder:
        source = Path(folder) / "model.onnx"
        source.write_bytes(exported.onnx_bytes)
        prepared = Path(folder) / "prepared.onnx"
        try:
            with _quiet_quantizer():
                # Optimisation renames and fuses nodes, losing the module paths that skip
                # patterns are matched on: with skips, only the shapes are inferred.
                quant_pre_process(str(source), str(prepared), skip_optimization=bool(skip))
        except Exception as error:
            notes.append(f"ONNX Runtime's pre-processing failed ({_first_line(error)}); the "
                         "exported model was quantized as it is.")
            prepared = _without_value_info(exported.onnx_bytes, Path(folder) / "plain.onnx")
        excluded = nodes_under(prepared, skip) if skip else []
        if skip and not excluded:
            raise QuantizeError(
                f"The skip patterns {', '.join(skip)} match no node of the exported ONNX graph "
                f"of {name}, so {scheme} cannot keep those layers in float."
            )
        target = Path(folder) / "int8.onnx"
        try:
            with _quiet_quantizer():
                if scheme == DYNAMIC:
                    quantize_dynamic(str(prepared), str(target), weight_type=QuantType.QInt8,
                                     op_types_to_quantize=list(DYNAMIC_OP_TYPES),
                                     per_channel=per_channel, nodes_to_exclude=excluded)
                elif scheme == STATIC:
                    if not calibration:
                        raise QuantizeError(f"{scheme} needs at least one calibration batch.")
                    quantize_static(
                        str(prepared), str(target),
                        _Batches(exported.input_names, calibration),  # type: ignore[arg-type]
                        quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8,
                        weight_type=QuantType.QInt8, per_channel=per_channel,
                        nodes_to_exclude=excluded,
                    )
                else:
                    raise QuantizeError(f"Unknown ONNX Runtime scheme '{scheme}'.")
        except QuantizeError:
            raise
        except Exception as error:
            raise QuantizeError(
                f"ONNX Runtime could not quantize {name} with {scheme}: {_first_line(error)}."
            ) from None
        data = target.read_bytes()
    info = {"exporter": exported.exporter, "opset": exported.opset, "scheme": scheme,
            "onnxruntime": _version()}
    quantized = OnnxRuntimeModule(data, label=f"{name} ({scheme})", info=info)
    if excluded:
        notes.append(f"Kept the ONNX nodes of {len(skip)} layer(s) in float for the skip "
                     "patterns.")
    return quantized, fp32, notes


def nodes_under(model_path: Path, patterns: Sequence[str]) -> list[str]:
    """Names of the nodes the exporter recorded inside modules matching ``patterns``.

    The dynamo exporter writes each node's module path in its ``pkg.torch.onnx.name_scopes``
    metadata; the TorchScript exporter puts it in the node name (``/net/net.1/Gemm``).
    """
    import onnx

    from slimbench.engine.quantize.schemes import matches

    model = onnx.load(str(model_path))
    names = []
    for node in model.graph.node:
        scopes: list[str] = []
        for entry in node.metadata_props:
            if entry.key == "pkg.torch.onnx.name_scopes":
                with contextlib.suppress(ValueError, SyntaxError):
                    # The last scope is the graph node's own name, not a module.
                    scopes = [str(scope) for scope in ast.literal_eval(entry.value)[:-1]
                              if scope]
        if not scopes and node.name.startswith("/"):
            scopes = [part for part in node.name.split("/")[1:-1] if part]
        if node.name and any(matches(scope, patterns) for scope in scopes):
            names.append(node.name)
            if node.op_type == "Gemm":
                # quantize_dynamic splits a Gemm into MatMul + Add before it reads the list.
                names.append(f"{node.name}_MatMul")
    return names


def ort_quantized_module(handle: Any, scheme: str, *, calibration: Sequence[Any] = (),
                         skip: Sequence[str] = (), per_channel: bool = False,
                         ) -> tuple[OnnxRuntimeModule, OnnxRuntimeModule, list[str]]:
    """``quantize_with_onnxruntime`` for a ModelHandle's own model and inputs."""
    return quantize_with_onnxruntime(handle.module, make_batch(handle, 2), scheme,
                                     name=handle.name, calibration=calibration, skip=skip,
                                     per_channel=per_channel)


def _without_value_info(data: bytes, target: Path) -> Path:
    """The model without the exporter's intermediate shapes, which trip the quantizer's own
    shape inference when pre-processing has not redone them."""
    import onnx

    model = onnx.load_from_string(data)
    del model.graph.value_info[:]
    target.write_bytes(model.SerializeToString())
    return target


def _version() -> str | None:
    try:
        import onnxruntime

        return str(onnxruntime.__version__)
    except Exception:
        return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0].rstrip(".")[:200]
