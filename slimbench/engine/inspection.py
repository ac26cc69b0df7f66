"""Inspect a model: its module tree with parameters, real sizes, FLOPs and output shapes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from slimbench.engine.errors import InputSpecError
from slimbench.engine.jobs import Job, Progress, run_job
from slimbench.engine.loading import ModelHandle
from slimbench.engine.module_state import evaluation_mode
from slimbench.engine.tensors import count_nonzero, dtype_name, is_quantized_tensor, tensor_nbytes


@dataclass
class LayerNode:
    """One module in the tree. Counts cover the whole subtree; ``params_own`` only this module.

    ``flops`` and ``output_shape`` are None when unknown (no example inputs, or a module
    the forward pass never called, or one run inside TorchScript). ``channels`` is what
    structured pruning shrinks: a convolution's ``out_channels``, a linear layer's
    ``out_features``, a normalization's ``num_features``, an attention layer's ``num_heads``;
    None for other modules.
    """

    path: str
    name: str
    type: str
    params: int
    params_own: int
    trainable: int
    nonzero: int
    size_bytes: int
    flops: int | None
    output_shape: list[Any] | None
    dtype: str | None
    children: list[LayerNode] = field(default_factory=list)
    channels: int | None = None

    @property
    def sparsity(self) -> float:
        return 0.0 if self.params == 0 else 1.0 - self.nonzero / self.params

    def walk(self) -> list[LayerNode]:
        """This node and all below it, depth first."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes

    def find(self, path: str) -> LayerNode | None:
        for node in self.walk():
            if node.path == path:
                return node
        return None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sparsity"] = self.sparsity
        data["children"] = [child.to_json() for child in self.children]
        return data


@dataclass
class InspectResult:
    """Totals and the tree. FLOPs are for one forward pass over the example inputs."""

    name: str
    source: str
    params_total: int
    params_trainable: int
    params_nonzero: int
    buffers_total: int
    size_bytes: int
    flops: int | None
    input_shapes: list[list[int]] | None
    tree: LayerNode
    seconds: float
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "params_total": self.params_total,
            "params_trainable": self.params_trainable,
            "params_nonzero": self.params_nonzero,
            "buffers_total": self.buffers_total,
            "size_bytes": self.size_bytes,
            "flops": self.flops,
            "input_shapes": self.input_shapes,
            "seconds": self.seconds,
            "hint": self.hint,
            "tree": self.tree.to_json(),
        }


def inspect_model(handle: ModelHandle) -> InspectResult:
    return run_job(inspect_job(handle))


def inspect_job(handle: ModelHandle) -> Job[InspectResult]:
    """Count parameters per module, then run one forward pass for FLOPs and shapes."""
    started = time.perf_counter()
    module = handle.module
    yield Progress(0, 3, "Counting parameters")
    modules = dict(module.named_modules(remove_duplicate=True))
    own = _own_tensor_stats(module, modules)

    yield Progress(1, 3, "Running the model once for FLOPs and output shapes")
    flops: dict[str, int] = {}
    shapes: dict[str, list[Any]] = {}
    hint = None
    if handle.example_inputs is not None:
        flops, shapes = _trace_forward(module, modules, handle.example_inputs)
    else:
        hint = (
            "FLOPs and output shapes are unknown without example inputs: give them with "
            "--input-shape (e.g. 1,3,224,224) and --input-dtype."
        )

    yield Progress(2, 3, "Building the tree")
    tree = _build_node("", handle.name, module, own, flops, shapes, handle.layer_types)
    if handle.example_inputs is not None and any(stats.quantized for stats in own.values()):
        hint = (
            "FLOP counters do not see quantized kernels, so FLOPs are shown only for layers "
            "that are not quantized."
        )
    unique_buffers = {id(b): b for b in module.buffers()}
    result = InspectResult(
        name=handle.name,
        source=handle.source,
        params_total=tree.params,
        params_trainable=tree.trainable,
        params_nonzero=tree.nonzero,
        buffers_total=sum(b.numel() for b in unique_buffers.values()),
        size_bytes=tree.size_bytes,
        flops=tree.flops if handle.example_inputs is not None else None,
        input_shapes=(
            [list(t.shape) for t in handle.example_inputs]
            if handle.example_inputs is not None
            else None
        ),
        tree=tree,
        seconds=0.0,
        hint=hint,
    )
    result.seconds = time.perf_counter() - started
    yield Progress(3, 3, "Done")
    return result


@dataclass
class _OwnStats:
    params: int = 0
    trainable: int = 0
    nonzero: int = 0
    size_bytes: int = 0
    dtype: str | None = None
    #: FLOP counters do not see quantized kernels, so such a layer's FLOPs are unknown.
    quantized: bool = False


def _own_tensor_stats(root: nn.Module, modules: dict[str, nn.Module]) -> dict[str, _OwnStats]:
    """Each parameter and buffer is counted once, at the first module that holds it
    (tied weights would otherwise be counted twice)."""
    seen: set[int] = set()
    stats: dict[str, _OwnStats] = {}
    for path, module in modules.items():
        entry = _OwnStats()
        for param in module.parameters(recurse=False):
            if id(param) in seen:
                continue
            seen.add(id(param))
            entry.params += param.numel()
            entry.trainable += param.numel() if param.requires_grad else 0
            entry.nonzero += count_nonzero(param)
            entry.size_bytes += tensor_nbytes(param)
            entry.dtype = entry.dtype or dtype_name(param)
            entry.quantized = entry.quantized or is_quantized_tensor(param)
        for buffer in module.buffers(recurse=False):
            if id(buffer) in seen:
                continue
            seen.add(id(buffer))
            entry.size_bytes += tensor_nbytes(buffer)
        # Some quantized modules keep their weights outside parameters (packed params).
        if entry.params == 0 and hasattr(module, "weight") and callable(module.weight):
            _add_packed_weight(module, entry)
        own_counts = getattr(module, "parameter_counts", None)
        if entry.params == 0 and callable(own_counts):
            # An ONNX Runtime model: its weights are ONNX initializers, which torch's FLOP
            # counter does not see either.
            entry.params, entry.nonzero = own_counts()
            entry.size_bytes = int(module.serialized_size_bytes())  # type: ignore[operator]
            entry.quantized = True
        stats[path] = entry
    return stats


def _add_packed_weight(module: nn.Module, entry: _OwnStats) -> None:
    """torch.ao's quantized Linear/Conv keep weight and bias packed, reachable by calls."""
    for accessor in ("weight", "bias"):
        try:
            tensor = getattr(module, accessor)()
        except Exception:
            continue
        if isinstance(tensor, torch.Tensor):
            entry.params += tensor.numel()
            entry.nonzero += count_nonzero(tensor)
            entry.size_bytes += tensor_nbytes(tensor)
            entry.quantized = entry.quantized or is_quantized_tensor(tensor)
            if accessor == "weight":
                entry.dtype = dtype_name(tensor)


def _trace_forward(
    root: nn.Module, modules: dict[str, nn.Module], inputs: tuple[torch.Tensor, ...]
) -> tuple[dict[str, int], dict[str, list[Any]]]:
    shapes: dict[str, list[Any]] = {}
    handles = []
    is_script = isinstance(root, torch.jit.ScriptModule)
    if not is_script:
        for path, module in modules.items():
            handles.append(module.register_forward_hook(_shape_recorder(path, shapes)))
    counter = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), counter, _mha_fastpath_disabled(), evaluation_mode(root):
            output = root(*inputs)
    except Exception as error:
        described = ", ".join(
            f"{list(t.shape)} ({str(t.dtype).removeprefix('torch.')})" for t in inputs
        )
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:240]
        raise InputSpecError(
            f"The model rejected example inputs {described}: {first}; check --input-shape "
            "and --input-dtype."
        ) from None
    finally:
        for hook in handles:
            hook.remove()
    if is_script:
        shapes[""] = _shape_of(output)
    prefix = type(root).__name__
    flops: dict[str, int] = {}
    for key, per_op in counter.get_flop_counts().items():
        if key == "Global":
            continue
        if key == prefix:
            path = ""
        elif key.startswith(prefix + "."):
            path = key[len(prefix) + 1:]
        else:
            continue
        flops[path] = int(sum(per_op.values()))
    flops.setdefault("", int(counter.get_total_flops()))
    return flops, shapes


@contextmanager
def _mha_fastpath_disabled() -> Iterator[None]:
    """Attention's fused inference kernel hides its matmuls from the FLOP counter and its
    submodules from hooks; the unfused path computes the same thing visibly."""
    mha = getattr(torch.backends, "mha", None)
    if mha is None or not hasattr(mha, "set_fastpath_enabled"):
        yield
        return
    previous = mha.get_fastpath_enabled()
    mha.set_fastpath_enabled(False)
    try:
        yield
    finally:
        mha.set_fastpath_enabled(previous)


def _type_name(module: nn.Module) -> str:
    if isinstance(module, torch.jit.ScriptModule):
        return str(getattr(module, "original_name", None) or type(module).__name__)
    return type(module).__name__


def _holds_quantized(node: LayerNode, own: dict[str, _OwnStats]) -> bool:
    return any(own[item.path].quantized for item in node.walk())


def _shape_recorder(path: str, shapes: dict[str, list[Any]]) -> Any:
    def record(_module: nn.Module, _inputs: Any, output: Any) -> None:
        if path not in shapes:
            shapes[path] = _shape_of(output)

    return record


def _shape_of(output: Any) -> list[Any] | None:
    if isinstance(output, torch.Tensor):
        return list(output.shape)
    if isinstance(output, (tuple, list)):
        shapes = [_shape_of(item) for item in output]
        shapes = [shape for shape in shapes if shape is not None]
        if len(shapes) == 1:
            return shapes[0]
        return shapes or None
    if isinstance(output, dict):
        return _shape_of([value for value in output.values() if isinstance(value, torch.Tensor)])
    return None


def _build_node(
    path: str,
    name: str,
    module: nn.Module,
    own: dict[str, _OwnStats],
    flops: dict[str, int],
    shapes: dict[str, list[Any]],
    layer_types: dict[str, str],
) -> LayerNode:
    children = []
    for child_name, child in module.named_children():
        child_path = f"{path}.{child_name}" if path else child_name
        if child_path not in own:  # a module registered twice appears once, at its first path
            continue
        children.append(
            _build_node(child_path, child_name, child, own, flops, shapes, layer_types)
        )
    stats = own[path]
    quantized = stats.quantized or any(child.flops is None and _holds_quantized(child, own)
                                       for child in children)
    node_flops = flops.get(path)
    if node_flops is None and flops:
        if path in shapes:
            node_flops = 0  # called, but ran no counted operation (activations, reshapes)
        elif any(child.flops is not None for child in children):
            # A container that is never called itself (ModuleList): its children's work.
            node_flops = sum(child.flops or 0 for child in children)
    if quantized:
        node_flops = None
    return LayerNode(
        path=path,
        name=name,
        type=layer_types.get(path) or _type_name(module),
        params=stats.params + sum(child.params for child in children),
        params_own=stats.params,
        trainable=stats.trainable + sum(child.trainable for child in children),
        nonzero=stats.nonzero + sum(child.nonzero for child in children),
        size_bytes=stats.size_bytes + sum(child.size_bytes for child in children),
        flops=node_flops,
        output_shape=shapes.get(path),
        dtype=stats.dtype,
        children=children,
        channels=_channels(module),
    )


#: The attribute that counts a module's outputs, by kind of module (the first one present wins).
_CHANNEL_ATTRIBUTES = ("out_channels", "out_features", "num_features", "num_heads")


def _channels(module: nn.Module) -> int | None:
    """Output channels, output features or attention heads of ``module``; None for others."""
    if isinstance(module, nn.MultiheadAttention):
        return int(module.num_heads)
    for name in _CHANNEL_ATTRIBUTES:
        value = getattr(module, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
