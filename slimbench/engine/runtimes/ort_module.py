"""An ONNX model behind an ``nn.Module``, run by ONNX Runtime.

Everything in Slimbench that measures a model calls ``module(*inputs)`` (fidelity, accuracy,
predict, the benchmarks); wrapping the ONNX Runtime session in a module lets all of it measure
ONNX Runtime variants unchanged. The module holds the ONNX bytes (they are the model, and
their length is its size); the session is built on first use, on the device the module was
moved to, with as many threads as torch has, and again whenever either changes.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch
from torch import nn

from slimbench.engine.errors import InputSpecError, ModelLoadError
from slimbench.engine.runtimes.availability import (
    RuntimeUnavailableError,
    onnxruntime_provider,
    require_onnxruntime,
)

#: ONNX TensorProto element types -> numpy dtypes (the ones a model's inputs use).
_ONNX_TO_NUMPY = {
    1: np.float32, 2: np.uint8, 3: np.int8, 5: np.int16, 6: np.int32, 7: np.int64,
    9: np.bool_, 10: np.float16, 11: np.float64,
}
_NUMPY_TO_TORCH = {
    np.float32: torch.float32, np.uint8: torch.uint8, np.int8: torch.int8,
    np.int16: torch.int16, np.int32: torch.int32, np.int64: torch.int64,
    np.bool_: torch.bool, np.float16: torch.float16, np.float64: torch.float64,
}
#: Key of the Slimbench record in an ONNX model's metadata_props.
METADATA_KEY = "slimbench"


class OnnxRuntimeModule(nn.Module):
    """``forward(*tensors)`` runs the ONNX model in an ONNX Runtime session.

    Inputs may live on any device; outputs come back on the device the module was moved to
    (``.to("cuda")`` selects ONNX Runtime's CUDA provider, ``.cpu()`` its CPU one). The
    module has no torch parameters: ``parameter_counts`` and ``serialized_size_bytes`` report
    the ONNX model's own.
    """

    def __init__(self, onnx_bytes: bytes, *, label: str = "ONNX model",
                 info: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.onnx_bytes = bytes(onnx_bytes)
        self.label = label
        #: How the model was made (exporter, opset, scheme): shown in notes and saved along.
        self.info: dict[str, Any] = dict(info or {})
        graph = _read_graph(self.onnx_bytes, label)
        self.input_names: list[str] = graph["inputs"]
        self.input_dtypes: list[Any] = graph["input_dtypes"]
        self.input_shapes: list[list[int | str]] = graph["input_shapes"]
        self.output_names: list[str] = graph["outputs"]
        self.opset: int = graph["opset"]
        self.metadata: dict[str, Any] = graph["metadata"]
        self._counts: tuple[int, int] = graph["counts"]
        self.device = torch.device("cpu")
        self._session: Any = None
        self._session_key: tuple[Any, ...] | None = None
        self.session_seconds: float | None = None

    # --- what the rest of Slimbench asks a module -----------------------------------------

    def parameter_counts(self) -> tuple[int, int]:
        """(total, nonzero) elements of the model's weights (its floating and int8
        initializers; shape constants and quantization scales are not counted)."""
        return self._counts

    def serialized_size_bytes(self) -> int:
        """The size of the .onnx file this module saves as."""
        return len(self.onnx_bytes)

    def extra_repr(self) -> str:
        return (f"{self.label}, {len(self.onnx_bytes):,} bytes, opset {self.opset}, "
                f"on {self.device}")

    # --- pickling, copying and moving ----------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        # A session cannot be copied or pickled; the copy builds its own on first use.
        state = self.__dict__.copy()
        state["_session"] = None
        state["_session_key"] = None
        return state

    def _apply(self, fn: Any, recurse: bool = True) -> OnnxRuntimeModule:
        # .to(device) / .cuda() / .cpu() on a module with no tensors would change nothing:
        # learn the target from a probe tensor and pick the provider from it.
        probe = fn(torch.zeros(1))
        if probe.dtype != torch.float32:
            raise InputSpecError(
                f"{self.label} is an ONNX Runtime model that runs in the precision it was "
                f"exported in; it cannot be cast to {str(probe.dtype).removeprefix('torch.')}."
            )
        if probe.device != self.device:
            self.device = probe.device
            self._session = None
        return self

    # --- running --------------------------------------------------------------------------

    def session(self) -> Any:
        """The ONNX Runtime session for the current device and torch thread count."""
        threads = torch.get_num_threads()
        key = (str(self.device), threads)
        if self._session is not None and self._session_key == key:
            return self._session
        ort = require_onnxruntime()
        provider, reason = onnxruntime_provider(self.device.type)
        if provider is None:
            raise RuntimeUnavailableError(reason or "ONNX Runtime cannot run here.")
        options = ort.SessionOptions()
        # The same threads as torch, so runtimes compare like for like; one inter-op
        # thread because these graphs are sequential.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        providers: list[Any] = [provider]
        if provider == "CUDAExecutionProvider":
            providers = [(provider, {"device_id": self.device.index or 0}),
                         "CPUExecutionProvider"]
        import time

        started = time.perf_counter()
        try:
            session = ort.InferenceSession(self.onnx_bytes, options, providers=providers)
        except Exception as error:
            text = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise ModelLoadError(
                f"ONNX Runtime cannot load {self.label}: {text[:240].rstrip('.')}."
            ) from None
        self.session_seconds = time.perf_counter() - started
        self._session, self._session_key = session, key
        return session

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if len(inputs) != len(self.input_names):
            raise InputSpecError(
                f"{self.label} takes {len(self.input_names)} input(s) "
                f"({', '.join(self.input_names)}), not {len(inputs)}."
            )
        session = self.session()
        feeds = {}
        for name, tensor, dtype in zip(self.input_names, inputs, self.input_dtypes, strict=True):
            array = tensor.detach().cpu().contiguous().numpy()
            feeds[name] = array if array.dtype == dtype else array.astype(dtype)
        try:
            outputs = session.run(self.output_names, feeds)
        except Exception as error:
            text = (str(error).strip().splitlines() or [type(error).__name__])[0]
            shapes = ", ".join(str(list(t.shape)) for t in inputs)
            raise InputSpecError(
                f"ONNX Runtime could not run {self.label} on inputs of shape {shapes}: "
                f"{text[:240].rstrip('.')}."
            ) from None
        tensors = tuple(torch.from_numpy(np.asarray(out)).to(self.device) for out in outputs)
        return tensors[0] if len(tensors) == 1 else tensors

    def example_inputs(self, batch_size: int = 1) -> tuple[torch.Tensor, ...] | None:
        """Example inputs built from the graph's input shapes, or None if a size is unknown
        (a named dimension other than the first)."""
        from slimbench.engine.loading import InputSpec

        tensors = []
        for shape, dtype in zip(self.input_shapes, self.input_dtypes, strict=True):
            sizes = [batch_size if index == 0 and not isinstance(size, int) else size
                     for index, size in enumerate(shape)]
            if not all(isinstance(size, int) and size > 0 for size in sizes):
                return None
            torch_dtype = _NUMPY_TO_TORCH.get(dtype, torch.float32)
            tensors.append(InputSpec(tuple(int(s) for s in sizes), torch_dtype).make())
        return tuple(tensors)


def _read_graph(data: bytes, label: str) -> dict[str, Any]:
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        require_onnxruntime()  # raises with the one-line reason
        raise
    try:
        model = onnx.load_from_string(data)
    except Exception as error:
        text = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ModelLoadError(f"{label} is not a readable ONNX model ({text[:160]}).") from None
    graph = model.graph
    if not graph.node or not graph.output:
        raise ModelLoadError(f"{label} is not an ONNX model with a graph to run.")
    for tensor in graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise ModelLoadError(
                f"{label} keeps its weights in external data files, which Slimbench does not "
                "read yet; save it as one .onnx file."
            )
    initializers = {tensor.name for tensor in graph.initializer}
    inputs = [value for value in graph.input if value.name not in initializers]
    shapes: list[list[int | str]] = []
    dtypes: list[Any] = []
    for value in inputs:
        tensor_type = value.type.tensor_type
        dtypes.append(_ONNX_TO_NUMPY.get(tensor_type.elem_type, np.float32))
        shapes.append([dim.dim_value if dim.HasField("dim_value") else (dim.dim_param or "?")
                       for dim in tensor_type.shape.dim])
    total = nonzero = 0
    weight_types = (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16,
                    onnx.TensorProto.DOUBLE, onnx.TensorProto.INT8, onnx.TensorProto.UINT8,
                    onnx.TensorProto.INT4, onnx.TensorProto.UINT4,
                    onnx.TensorProto.INT32)  # int32: a static int8 model's quantized biases
    for tensor in graph.initializer:
        # Scalars and tiny vectors are scales, zero points and constants, not weights.
        size = int(np.prod(tensor.dims)) if tensor.dims else 1
        if tensor.data_type not in weight_types or size < 2 or len(tensor.dims) < 1:
            continue
        total += size
        try:
            nonzero += int(np.count_nonzero(numpy_helper.to_array(tensor)))
        except Exception:
            nonzero += size
    metadata: dict[str, Any] = {}
    for entry in model.metadata_props:
        if entry.key == METADATA_KEY:
            try:
                parsed = json.loads(entry.value)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                metadata = parsed
    opset = next((entry.version for entry in model.opset_import
                  if entry.domain in ("", "ai.onnx")), 0)
    return {
        "inputs": [value.name for value in inputs],
        "input_dtypes": dtypes,
        "input_shapes": shapes,
        "outputs": [value.name for value in graph.output],
        "opset": opset,
        "metadata": metadata,
        "counts": (total, nonzero),
    }


def with_metadata(data: bytes, record: dict[str, Any]) -> bytes:
    """The ONNX bytes with Slimbench's record (architecture, dataset, scheme) stored in the
    model's metadata_props, where any ONNX tool keeps it and ignores it."""
    import onnx

    model = onnx.load_from_string(data)
    kept = [entry for entry in model.metadata_props if entry.key != METADATA_KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    entry = model.metadata_props.add()
    entry.key = METADATA_KEY
    entry.value = json.dumps(record, default=str)
    return model.SerializeToString()
