"""Looking at a model's layers: the classifier, channel counts, and which layer broke."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from slimbench.engine.measure import output_tensor
from slimbench.engine.prune.config import LayerChange

#: Module attributes that hold an attention module's head count, in the order looked for.
HEAD_ATTRIBUTES = ("heads", "num_heads", "n_heads", "num_attention_heads", "n_head")

_WEIGHTED = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0].rstrip(".")[:240]


def weighted_layers(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """Conv and Linear layers by path: the layers pruning acts on."""
    return [(path, sub) for path, sub in module.named_modules() if isinstance(sub, _WEIGHTED)]


class ModuleTracker:
    """Which modules are running, and the innermost one the first exception came out of."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.failed: str | None = None

    @property
    def culprit(self) -> str:
        """The innermost failing module's path ("" for the model itself)."""
        if self.failed is not None:
            return self.failed
        return self.stack[-1] if self.stack else ""


@contextmanager
def module_stack(module: nn.Module) -> Iterator[ModuleTracker]:
    """Track running modules; ``culprit`` names the innermost one of the first failure."""
    tracker = ModuleTracker()
    names = {sub: path for path, sub in module.named_modules()}
    handles = []

    def enter(sub: nn.Module, *_: Any) -> None:
        tracker.stack.append(names.get(sub, "?"))

    def leave(sub: nn.Module, _inputs: Any, output: Any) -> None:
        path = tracker.stack.pop() if tracker.stack else names.get(sub, "?")
        # Called even when the forward raised (always_call), then with no output: the first
        # module to unwind is the innermost one that failed.
        if output is None and tracker.failed is None:
            tracker.failed = path

    for sub in names:
        handles.append(sub.register_forward_pre_hook(enter))
        handles.append(sub.register_forward_hook(leave, always_call=True))
    try:
        yield tracker
    finally:
        for handle in handles:
            handle.remove()


def describe_layer(module: nn.Module, path: str) -> str:
    if path in ("", "?"):
        return f"the model's own forward ({type(module).__name__})"
    sub = module.get_submodule(path) if path else module
    return f"layer '{path}' ({type(sub).__name__})"


def failing_layer(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> tuple[str, str] | None:
    """Run the module; if it fails, the innermost layer that was running and the error."""
    with module_stack(module) as tracker:
        try:
            module(*inputs)
        except Exception as error:  # whatever the model raises
            return tracker.culprit, first_line(error)
    return None


def find_classifier(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> str | None:
    """Path of the last Conv/Linear whose outputs are the model's outputs (their last dim)."""
    calls: list[tuple[str, torch.Size]] = []
    handles = []
    for path, sub in weighted_layers(module):
        def record(_sub: nn.Module, _inputs: Any, output: Any, path: str = path) -> None:
            if isinstance(output, torch.Tensor):
                calls.append((path, output.shape))
        handles.append(sub.register_forward_hook(record))
    try:
        with torch.no_grad():
            result = output_tensor(module(*inputs))
    except Exception:
        return None
    finally:
        for handle in handles:
            handle.remove()
    if not calls:
        return None
    classes = result.shape[-1] if result.dim() else 1
    for path, shape in reversed(calls):
        sub = module.get_submodule(path)
        width = shape[-1] if isinstance(sub, nn.Linear) else (shape[1] if len(shape) > 1 else 0)
        if width == classes:
            return path
    return calls[-1][0]


def head_count(sub: nn.Module) -> tuple[str, int] | None:
    if isinstance(sub, nn.MultiheadAttention):
        return "num_heads", sub.num_heads
    for name in HEAD_ATTRIBUTES:
        value = getattr(sub, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return name, value
    return None


def _channels(sub: nn.Module) -> dict[str, int] | None:
    if isinstance(sub, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return {"in": sub.in_channels, "out": sub.out_channels}
    if isinstance(sub, nn.Linear):
        return {"in": sub.in_features, "out": sub.out_features}
    if isinstance(sub, nn.modules.batchnorm._BatchNorm):
        return {"in": sub.num_features, "out": sub.num_features}
    if isinstance(sub, nn.LayerNorm):
        width = int(sub.normalized_shape[-1]) if sub.normalized_shape else 0
        return {"in": width, "out": width}
    if isinstance(sub, nn.GroupNorm):
        return {"in": sub.num_channels, "out": sub.num_channels}
    if isinstance(sub, nn.Embedding):
        return {"in": sub.num_embeddings, "out": sub.embedding_dim}
    return None


def _sparsity(sub: nn.Module) -> float | None:
    weight = getattr(sub, "weight", None)
    if type(weight).__name__.startswith("SparseSemiStructured"):
        return 0.5  # two of every four weights, by construction
    if type(weight) not in (torch.Tensor, nn.Parameter) or weight.numel() == 0:
        return None
    with torch.no_grad():
        return 1.0 - int(torch.count_nonzero(weight)) / weight.numel()


def layer_snapshot(module: nn.Module, *, sparsity: bool = False) -> dict[str, dict[str, Any]]:
    """Per layer: type, channel counts (and heads for attention), optionally weight sparsity."""
    snapshot: dict[str, dict[str, Any]] = {}
    for path, sub in module.named_modules():
        channels = _channels(sub)
        heads = head_count(sub) if channels is None else None
        if channels is None and heads is not None:
            channels = {"heads": heads[1]}
        if channels is None:
            continue
        entry: dict[str, Any] = {"type": type(sub).__name__, "channels": channels}
        if sparsity:
            entry["sparsity"] = _sparsity(sub)
        snapshot[path] = entry
    return snapshot


def layer_changes(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> list[LayerChange]:
    changes = []
    for path, old in before.items():
        new = after.get(path)
        if new is None:
            continue
        changes.append(
            LayerChange(
                path=path,
                type=old["type"],
                before=dict(old["channels"]),
                after=dict(new["channels"]),
                sparsity_before=old.get("sparsity"),
                sparsity_after=new.get("sparsity"),
            )
        )
    return changes


def run_outputs(module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> torch.Tensor:
    with torch.no_grad():
        return output_tensor(module(*inputs))
