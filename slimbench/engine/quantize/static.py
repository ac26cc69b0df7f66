"""Static (calibrated) int8 through torchao's pt2e flow for x86 CPUs.

``torch.export`` captures the model as one graph, ``prepare_pt2e`` with the
``X86InductorQuantizer`` folds BatchNorm into convolutions and inserts observers,
calibration batches run through it, ``convert_pt2e`` turns observed ranges into
quantize/dequantize pairs, and ``torch.compile`` with inductor freezing fuses those into
oneDNN int8 kernels. Without that compile the converted graph runs reference ops and is
several times slower than fp32.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import torch
from torch import nn

from slimbench.engine.errors import InputSpecError
from slimbench.engine.jobs import Progress
from slimbench.engine.quantize.backends import first_line, quiet
from slimbench.engine.quantize.schemes import QuantizeError

#: Attribute marking a module produced here: it must be compiled with inductor freezing.
NEEDS_FREEZING = "_slimbench_needs_freezing"

_DATA_DEPENDENT_MARKERS = (
    "data-dependent",
    "data dependent",
    "control flow",
    "guard on data",
    "symbolic boolean",
    "generic_jump",
    "could not extract specialized integer",
)


def _pt2e() -> tuple[Any, Any, Any]:
    try:
        with quiet():
            import torchao.quantization.pt2e.quantizer.x86_inductor_quantizer as x86
            from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    except Exception as error:
        raise QuantizeError(
            f"int8-static needs torchao's pt2e quantizer, which cannot be imported: "
            f"{first_line(error)}."
        ) from None
    return x86, prepare_pt2e, convert_pt2e


def batch_dim() -> Any:
    return torch.export.Dim("batch", min=1, max=1 << 20)


def dynamic_batch_shapes(inputs: Sequence[torch.Tensor]) -> tuple[dict[int, Any] | None, ...]:
    dim = batch_dim()
    return tuple({0: dim} if tensor.dim() > 0 else None for tensor in inputs)


def export_graph(module: nn.Module, inputs: tuple[torch.Tensor, ...], name: str) -> nn.Module:
    """The model as an ATen graph module, or a one-line reason it cannot be captured.

    Strict export first: it records which call each node came from, which the quantizer
    needs when a module (a shared ReLU, say) is called more than once. Non-strict export is
    the fallback for code dynamo cannot trace.
    """
    errors = []
    for strict in (True, False):
        try:
            with quiet():
                program = torch.export.export(
                    module, inputs, dynamic_shapes=dynamic_batch_shapes(inputs), strict=strict
                )
            graph = program.module()
            if not strict:
                _separate_repeated_calls(graph)
            return graph
        except Exception as error:
            errors.append(error)
    raise QuantizeError(f"int8-static cannot capture {name}: {_export_reason(errors)}.")


def _export_reason(errors: list[BaseException]) -> str:
    text = " ".join(str(error) for error in errors).lower()
    if any(marker in text for marker in _DATA_DEPENDENT_MARKERS):
        return (
            "torch.export needs one graph for all inputs, and its forward branches on tensor "
            "values (data-dependent control flow); use int8-dynamic or int8-weight-only, "
            "which need no export"
        )
    return f"torch.export failed ({first_line(errors[-1], 160)}); use int8-dynamic instead"


def _separate_repeated_calls(graph: nn.Module) -> None:
    """Give each call of a module its own name in the node metadata.

    Non-strict export records only the module path, so the two calls of a ResNet block's
    shared ReLU would look like one partition with two outputs, which the x86 quantizer
    rejects.
    """
    seen: dict[str, int] = {}
    for node in graph.graph.nodes:  # type: ignore[union-attr]
        stack = node.meta.get("nn_module_stack")
        if node.op != "call_function" or not stack or node.meta.get("source_fn_stack"):
            continue
        key = next(reversed(stack))
        path, cls = stack[key]
        count = seen.get(path, 0)
        seen[path] = count + 1
        if count:
            stack = dict(stack)
            stack[key] = (f"{path}@{count}", cls)
            node.meta["nn_module_stack"] = stack


def prepare(graph: nn.Module, skip_paths: Sequence[str]) -> nn.Module:
    x86, prepare_pt2e, _ = _pt2e()
    quantizer = x86.X86InductorQuantizer()
    quantizer.set_global(x86.get_default_x86_inductor_quantization_config())
    for path in skip_paths:
        quantizer.set_module_name_qconfig(path, None)
    try:
        with quiet():
            return prepare_pt2e(graph, quantizer)  # type: ignore[arg-type]
    except Exception as error:
        raise QuantizeError(
            f"The x86 int8 quantizer could not prepare this model: {first_line(error)}."
        ) from None


def calibrate(
    prepared: nn.Module,
    batches: Sequence[tuple[torch.Tensor, ...]],
    expected: tuple[torch.Tensor, ...],
    name: str,
) -> Generator[Progress, None, None]:
    """Run each calibration batch through the observers, yielding after every one."""
    for tensors in batches:
        _check_calibration_batch(tensors, expected, name)
    total = len(batches)
    for index, tensors in enumerate(batches):
        try:
            with torch.no_grad(), quiet():
                prepared(*tensors)
        except Exception as error:
            shapes = ", ".join(str(list(t.shape)) for t in tensors)
            raise InputSpecError(
                f"Calibration batch {index + 1} ({shapes}) does not run through {name}: "
                f"{first_line(error)}."
            ) from None
        yield Progress(index + 1, total, f"Calibrating on batch {index + 1}/{total}")


def _check_calibration_batch(
    tensors: tuple[torch.Tensor, ...], expected: tuple[torch.Tensor, ...], name: str
) -> None:
    def describe(items: Sequence[torch.Tensor]) -> str:
        return ", ".join(
            f"[{', '.join(['N', *(str(size) for size in t.shape[1:])])}] "
            f"{str(t.dtype).removeprefix('torch.')}"
            for t in items
        )

    if len(tensors) != len(expected) or any(
        got.shape[1:] != want.shape[1:] or got.is_floating_point() != want.is_floating_point()
        for got, want in zip(tensors, expected, strict=False)
    ):
        raise InputSpecError(
            f"Calibration inputs of shape {describe(tensors)} do not fit {name}, which takes "
            f"{describe(expected)}; give samples shaped like the model's inputs."
        )


def convert(prepared: nn.Module) -> nn.Module:
    _, _, convert_pt2e = _pt2e()
    with quiet():
        from torchao.quantization.pt2e import allow_exported_model_train_eval

        converted = convert_pt2e(prepared)  # type: ignore[arg-type]
        # Exported graphs refuse .eval()/.train() by default; measurement code calls them.
        allow_exported_model_train_eval(converted)
    _drop_unused_state(converted)
    setattr(converted, NEEDS_FREEZING, True)
    return converted


def _drop_unused_state(graph: nn.Module) -> None:
    """Delete the float weights convert_pt2e leaves behind unused.

    The converted graph reads int8 copies (``_frozen_param*``); the originals stay attached
    and would triple the saved size. The module-path metadata goes too: it names modules the
    graph no longer has, which breaks ``torch.export.unflatten`` of the saved program.
    """
    used = {node.target for node in graph.graph.nodes if node.op == "get_attr"}  # type: ignore[union-attr]
    names = [name for name, _ in graph.named_parameters()] + [
        name for name, _ in graph.named_buffers()
    ]
    for name in names:
        if name in used:
            continue
        owner, _, leaf = name.rpartition(".")
        holder = graph.get_submodule(owner) if owner else graph
        delattr(holder, leaf)
    graph.delete_all_unused_submodules()  # type: ignore[operator]
    for node in graph.graph.nodes:  # type: ignore[union-attr]
        node.meta.pop("nn_module_stack", None)
    graph.recompile()  # type: ignore[operator]


def quantized_paths(converted: nn.Module) -> int:
    """How many int8 weight tensors the converted graph holds."""
    return sum(
        1 for _, tensor in converted.state_dict().items() if tensor.dtype == torch.int8
    )
