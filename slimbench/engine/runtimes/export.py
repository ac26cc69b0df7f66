"""Export a model to ONNX with ``torch.onnx.export``, and check the export against PyTorch.

The dynamo exporter (``torch.export`` underneath) goes first: it is the one PyTorch develops.
The TorchScript exporter is the fallback for code ``torch.export`` cannot capture. Both get a
dynamic batch dimension; the opset is the exporter's default, lowered to a long-supported one
when the installed ONNX Runtime refuses it. A model neither exporter can convert gets one
sentence naming the operator that stopped it.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from slimbench.engine.errors import SlimbenchError
from slimbench.engine.module_state import evaluation_mode

#: ONNX Runtime has run opset 17 since 1.14; the fallback when a newer default is refused.
SAFE_OPSET = 17
#: A protobuf message cannot exceed 2 GiB, so neither can an ONNX model held in memory.
_PROTOBUF_LIMIT = 2**31 - 1

_NOISY_LOGGERS = ("torch.onnx", "torch.export", "torch._dynamo", "torch._export",
                  "onnxscript", "torch.fx.experimental.symbolic_shapes")


class OnnxExportError(SlimbenchError):
    """A model cannot be exported to ONNX (an operator without a conversion, mostly)."""


@dataclass
class OnnxExport:
    """An exported model: the ONNX bytes and how they were made."""

    onnx_bytes: bytes
    exporter: str
    opset: int
    seconds: float
    input_names: list[str]
    output_names: list[str]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"exporter": self.exporter, "opset": self.opset, "seconds": self.seconds,
                "size_bytes": len(self.onnx_bytes), "input_names": list(self.input_names),
                "output_names": list(self.output_names), "notes": list(self.notes)}


@contextlib.contextmanager
def quiet_export() -> Iterator[None]:
    """The exporters print progress, warn about deprecations and log missing torchvision ops:
    none of it means anything to a user, and errors come back as exceptions anyway."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def _native_output_silenced() -> Iterator[None]:
    """The TorchScript exporter logs its whole IR graph from C++ when an operator fails,
    past Python's sys.stdout: point file descriptors 1 and 2 at the null device meanwhile."""
    for stream in (sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()  # type: ignore[union-attr]
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no console at all (a windowed app): nothing to silence
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in (*saved, null):
            os.close(descriptor)


def io_names(inputs: Sequence[torch.Tensor], outputs: int = 1) -> tuple[list[str], list[str]]:
    """Input and output names the exported graph gets (``input``, or ``input_0``...)."""
    ins = ["input"] if len(inputs) == 1 else [f"input_{i}" for i in range(len(inputs))]
    outs = ["output"] if outputs == 1 else [f"output_{i}" for i in range(outputs)]
    return ins, outs


def export_onnx(
    module: nn.Module,
    example_inputs: tuple[torch.Tensor, ...],
    *,
    name: str = "the model",
    opset: int | None = None,
    exporters: Sequence[str] = ("dynamo", "torchscript"),
) -> OnnxExport:
    """``module`` as ONNX bytes with a dynamic batch dimension, or OnnxExportError.

    ``example_inputs`` should have a batch of at least 2: ``torch.export`` specialises a
    dimension of size 1, which would fix the batch. The module is exported from a CPU copy,
    so the caller's module (and its device) is untouched.
    """
    if isinstance(module, _onnx_module_type()):
        return OnnxExport(module.onnx_bytes, "none (already ONNX)", module.opset, 0.0,
                          list(module.input_names), list(module.output_names))
    # Tracing refuses inference tensors: export outside inference mode, from plain copies.
    with torch.inference_mode(False):
        return _export(module, example_inputs, name, opset, exporters)


def _export(module: nn.Module, example_inputs: tuple[torch.Tensor, ...], name: str,
            opset: int | None, exporters: Sequence[str]) -> OnnxExport:
    with evaluation_mode(module):
        model = copy.deepcopy(module)
    model = model.cpu().eval()
    inputs = tuple(t.detach().cpu().clone() for t in example_inputs)
    with torch.no_grad():
        outputs = _output_count(model, inputs, name)
    input_names, output_names = io_names(inputs, outputs)
    errors: dict[str, BaseException] = {}
    for exporter in exporters:
        started = time.perf_counter()
        try:
            with quiet_export():
                data = _export_with(exporter, model, inputs, input_names, output_names, opset)
        except Exception as error:
            errors[exporter] = error
            continue
        seconds = time.perf_counter() - started
        notes = []
        if errors:
            notes.append(f"The dynamo exporter failed ({_reason(errors)}), so the TorchScript "
                         "exporter made this file.")
        if opset is None and not _onnxruntime_accepts(data):
            # A newer exporter than the installed ONNX Runtime: ask for an older opset.
            with quiet_export():
                data = _export_with(exporter, model, inputs, input_names, output_names,
                                    SAFE_OPSET)
            notes.append(f"The installed ONNX Runtime refused the exporter's default opset, so "
                         f"the model was exported at opset {SAFE_OPSET}.")
        return OnnxExport(data, exporter, _opset_of(data), seconds, input_names, output_names,
                          notes)
    raise OnnxExportError(f"{name} cannot be exported to ONNX: {_reason(errors)}.")


def _onnx_module_type() -> type:
    from slimbench.engine.runtimes.ort_module import OnnxRuntimeModule

    return OnnxRuntimeModule


def _output_count(model: nn.Module, inputs: tuple[torch.Tensor, ...], name: str) -> int:
    try:
        output = model(*inputs)
    except Exception as error:
        raise OnnxExportError(
            f"{name} does not run on its example inputs, so it cannot be exported: "
            f"{_first_line(error)}."
        ) from None
    if isinstance(output, torch.Tensor):
        return 1
    if isinstance(output, (tuple, list)) and output and all(
            isinstance(item, torch.Tensor) for item in output):
        return len(output)
    raise OnnxExportError(
        f"{name} returns a {type(output).__name__}; ONNX export here takes models that return "
        "a tensor or a tuple of tensors."
    )


def _export_with(exporter: str, model: nn.Module, inputs: tuple[torch.Tensor, ...],
                 input_names: list[str], output_names: list[str], opset: int | None) -> bytes:
    if exporter == "dynamo":
        batch = torch.export.Dim("batch", min=1, max=1 << 20)
        program = torch.onnx.export(
            model, inputs, None, dynamo=True, input_names=input_names,
            output_names=output_names, opset_version=opset, verbose=False, optimize=True,
            dynamic_shapes=tuple({0: batch} if t.dim() > 0 else None for t in inputs),
        )
        proto = program.model_proto
        if proto.ByteSize() > _PROTOBUF_LIMIT:
            raise OnnxExportError("the model is over 2 GiB, more than one ONNX file can hold "
                                  "without external data, which Slimbench does not write yet")
        return proto.SerializeToString()
    if exporter == "torchscript":
        buffer = io.BytesIO()
        axes = {name: {0: "batch"} for name in [*input_names, *output_names]}
        with _native_output_silenced():
            torch.onnx.export(
                model, inputs, buffer, dynamo=False, input_names=input_names,
                output_names=output_names, opset_version=opset, dynamic_axes=axes,
            )
        return buffer.getvalue()
    raise ValueError(f"unknown exporter {exporter!r}")


def _opset_of(data: bytes) -> int:
    import onnx

    model = onnx.load_from_string(data)
    return next((entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx")),
                0)


def _onnxruntime_accepts(data: bytes) -> bool:
    """Whether the installed ONNX Runtime loads the model (False only for an opset refusal)."""
    from slimbench.engine.runtimes.availability import onnxruntime_or_reason

    ort, reason = onnxruntime_or_reason()
    if reason:
        return True  # nothing to check against; the file is still valid ONNX
    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as error:
        return "opset" not in str(error).lower()
    return True


# --- the one-line reason ------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Where the exporters name the operator they could not convert, most specific first.
_OPERATOR_PATTERNS = (
    re.compile(r"Exporting the operator '([\w:.]+)' to ONNX opset version (\d+)"),
    re.compile(r"No ONNX function found for <OpOverload\(op='([\w.]+)'"),
    re.compile(r"target=torch\.ops\.([\w.]+?)(?:\.default)?\]"),
    re.compile(r"[Uu]nsupported (?:operator|op)[: ]+'?([\w:.]+)"),
)


def unsupported_operator(errors: Sequence[BaseException]) -> str | None:
    """The operator an exporter could not convert, as it names it (``aten::kthvalue``)."""
    texts = [_chain_text(error) for error in errors]
    for pattern in _OPERATOR_PATTERNS:
        for text in texts:
            match = pattern.search(text)
            if match:
                return match.group(1)
    return None


def _chain_text(error: BaseException) -> str:
    parts = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(str(current))
        current = current.__cause__ or current.__context__
    return _ANSI.sub("", "\n".join(parts))


def _reason(errors: dict[str, BaseException]) -> str:
    operator = unsupported_operator(list(errors.values()))
    if operator:
        return (f"the operator {operator} has no ONNX conversion in torch.onnx's "
                f"{' or '.join(errors)} exporter; keep this model on the eager or compiled "
                "runtime")
    for error in errors.values():
        if isinstance(error, OnnxExportError):
            return str(error).rstrip(".")
    error = errors.get("dynamo") or next(iter(errors.values()))
    return f"torch.onnx.export failed ({_summary(error)})"


def _summary(error: BaseException) -> str:
    """The line of an exporter's error that says what happened (not its advice)."""
    text = _chain_text(error)
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("<class '") and "'>: " in line:
            return line.split("'>: ", 1)[1][:200].rstrip(".")
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    text = _ANSI.sub("", str(error)).strip() or type(error).__name__
    return text.splitlines()[0].rstrip(".")[:200]
