"""Structured pruning: remove whole channels, neurons and attention heads.

Built on torch-pruning's dependency graph (``tp.pruner.BasePruner``): pruning one layer's output
channels removes the matching inputs of every layer that reads them, BatchNorm and LayerNorm
entries, residual partners and embedding columns, so the model stays consistent and is really
smaller.

Attention: a module with a head count attribute (``heads``, ``num_heads``, ...) and q/k/v
Linear children is pruned by whole heads (``prune_num_heads``; the head size never changes), and
its head count attribute is updated afterwards so a forward that splits by it keeps working.

Skipped modules are frozen: torch-pruning sees each as one opaque layer whose inputs and outputs
must keep their size, and never traces inside it, so a custom layer it cannot trace can be left
out. The classifier keeps its outputs (the model's output shape never changes).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from slimbench.engine.data import TensorDataset
from slimbench.engine.jobs import Progress
from slimbench.engine.measure import output_tensor
from slimbench.engine.prune.config import PruneConfig, PruneError, matching_ratio, path_matches
from slimbench.engine.prune.layers import (
    describe_layer,
    failing_layer,
    find_classifier,
    first_line,
    head_count,
    module_stack,
    weighted_layers,
)

#: Names of the separate query/key/value projections of an attention module.
_QKV_NAMES = (
    ("q_proj", "k_proj", "v_proj"),
    ("query", "key", "value"),
    ("q", "k", "v"),
    ("wq", "wk", "wv"),
    ("q_lin", "k_lin", "v_lin"),
    ("to_q", "to_k", "to_v"),
)
#: Names of a fused qkv projection (output = 3 x heads x head size).
_FUSED_QKV_NAMES = ("qkv", "c_attn", "to_qkv")


@dataclass
class AttentionInfo:
    path: str
    attribute: str
    heads_before: int
    projections: list[nn.Linear]
    fused: bool = False
    heads_after: int | None = None


@dataclass
class StructuredOutcome:
    classifier: str | None
    frozen: list[str] = field(default_factory=list)
    attention: list[AttentionInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def find_attention(model: nn.Module) -> list[AttentionInfo]:
    """Attention modules whose q/k/v projections torch-pruning must prune by whole heads."""
    found = []
    for path, sub in model.named_modules():
        if isinstance(sub, nn.MultiheadAttention):
            continue  # torch-pruning prunes nn.MultiheadAttention with its own rules
        heads = head_count(sub)
        if heads is None:
            continue
        children = dict(sub.named_children())
        for names in _QKV_NAMES:
            layers = [children.get(name) for name in names]
            if all(isinstance(layer, nn.Linear) for layer in layers):
                found.append(AttentionInfo(path, heads[0], heads[1], layers))  # type: ignore[arg-type]
                break
        else:
            for name in _FUSED_QKV_NAMES:
                layer = children.get(name)
                if isinstance(layer, nn.Linear):
                    found.append(AttentionInfo(path, heads[0], heads[1], [layer], fused=True))
                    break
    return found


def _top_level(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another path of the list."""
    ordered = sorted(set(paths), key=lambda p: (p.count("."), p))
    kept: list[str] = []
    for path in ordered:
        if not any(path == k or path.startswith(k + ".") for k in kept):
            kept.append(path)
    return kept


def resolve_skips(
    model: nn.Module, patterns: tuple[str, ...] | list[str], what: str = "skip"
) -> list[str]:
    """Paths of the modules ``patterns`` name (outermost only); an unmatched pattern is an error."""
    paths = [path for path, _ in model.named_modules() if path]
    matched: list[str] = []
    for pattern in patterns:
        hits = [path for path in paths if path_matches(path, pattern)]
        if not hits:
            example = next((p for p, _ in weighted_layers(model)), "layer.path")
            raise PruneError(
                f"The {what} pattern '{pattern}' matches no layer of this model; "
                f"layer paths look like '{example}'."
            )
        matched.extend(hits)
    return _top_level(matched)


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _importance(tp: Any, name: str) -> Any:
    if name == "l1":
        return tp.importance.MagnitudeImportance(p=1)
    if name == "l2":
        return tp.importance.MagnitudeImportance(p=2)
    if name == "lamp":
        return tp.importance.LAMPImportance(p=2)
    if name == "taylor":
        return tp.importance.TaylorImportance()
    if name == "random":
        return tp.importance.RandomImportance()
    raise PruneError(f"Unknown importance '{name}'.")


def _frozen_pruner_class(tp: Any) -> type:
    class FrozenLayerPruner(tp.pruner.BasePruningFunc):
        """A layer whose inputs and outputs keep their size: pruning it is refused.

        ``prune_in_channels is prune_out_channels`` ties its inputs to its outputs, and the
        layer is in ``ignored_layers``, so every group that would touch it is dropped.
        """

        TARGET_MODULES = None

        def prune_out_channels(self, layer: nn.Module, idxs: Any) -> nn.Module:
            return layer

        prune_in_channels = prune_out_channels

        def get_out_channels(self, layer: nn.Module) -> None:
            return None

        def get_in_channels(self, layer: nn.Module) -> None:
            return None

    return FrozenLayerPruner


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _opaque_forward(original: Callable[..., Any]) -> Callable[..., Any]:
    """A forward that runs ``original`` untraced but keeps the graph linked through it.

    The output is computed without autograd (so a layer that torch-pruning cannot trace still
    runs), then tied to the inputs by ``+ 0 * sum(input)``: the dependency graph sees one node
    that connects what feeds the layer to what reads it.
    """

    def forward(*args: Any, **kwargs: Any) -> Any:
        with torch.no_grad():
            out = original(*args, **kwargs)
        anchor = torch.zeros((), requires_grad=True)
        for tensor in _tensors((args, kwargs)):
            if tensor.requires_grad and tensor.is_floating_point():
                anchor = anchor + tensor.sum() * 0
        return _attach(out, anchor)

    return forward


def _attach(out: Any, anchor: torch.Tensor) -> Any:
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        return out + anchor.to(out.dtype)
    if isinstance(out, (tuple, list)) and out:
        first = _attach(out[0], anchor)
        return type(out)([first, *out[1:]]) if isinstance(out, list) else (first, *out[1:])
    return out


@contextmanager
def _frozen_modules(tp: Any, model: nn.Module, paths: list[str]) -> Iterator[dict[Any, Any]]:
    """Give each skipped module a class of its own with a refusing pruner; undo afterwards."""
    pruner_class = _frozen_pruner_class(tp)
    originals: list[tuple[nn.Module, type]] = []
    pruners: dict[Any, Any] = {}
    try:
        for path in paths:
            module = model.get_submodule(path)
            cls = type(module)
            frozen = type(f"Frozen{cls.__name__}", (cls,), {"__module__": cls.__module__})
            originals.append((module, cls))
            module.__class__ = frozen
            pruners[frozen] = pruner_class()
        yield pruners
    finally:
        for module, cls in originals:
            module.__class__ = cls


@contextmanager
def _opaque(model: nn.Module, paths: list[str]) -> Iterator[None]:
    modules = [model.get_submodule(path) for path in paths]
    for module in modules:
        module.forward = _opaque_forward(module.forward)  # type: ignore[method-assign]
    try:
        yield
    finally:
        for module in modules:
            if "forward" in module.__dict__:
                del module.forward


def _accumulate_gradients(
    model: nn.Module, data: TensorDataset | None, inputs: tuple[torch.Tensor, ...],
    config: PruneConfig,
) -> None:
    """Gradients for Taylor importance: cross-entropy on the data's labels (or on the model's
    own predictions when there are none), summed over a few batches."""
    model.zero_grad(set_to_none=True)
    model.eval()  # BatchNorm keeps its running statistics; gradients flow all the same
    batches: list[tuple[tuple[torch.Tensor, ...], torch.Tensor | None]] = []
    if data is not None and len(data) > 0:
        for count, (batch, labels) in enumerate(data.batches(config.taylor_batch_size)):
            if count >= config.taylor_batches:
                break
            batches.append(((batch,), labels))
    else:
        batches.append((inputs, None))
    with torch.enable_grad(), module_stack(model) as tracker:
        for batch, labels in batches:
            try:
                logits = output_tensor(model(*batch))
                target = labels if labels is not None else logits.detach().argmax(-1)
                if logits.dim() > 2:
                    logits = logits.flatten(0, -2)
                    target = target.flatten()
                loss = F.cross_entropy(logits.float(), target)
                loss.backward()
            except Exception as error:
                path = tracker.culprit
                raise PruneError(
                    f"Taylor importance needs gradients, but {describe_layer(model, path)} "
                    f"failed in the backward pass ({first_line(error)}); use --importance l1."
                ) from None


def prune_structured(
    model: nn.Module,
    inputs: tuple[torch.Tensor, ...],
    config: PruneConfig,
    *,
    data: TensorDataset | None = None,
) -> Generator[Progress, None, StructuredOutcome]:
    """Prune ``model`` in place (pass a copy). Yields one Progress per step."""
    try:
        import torch_pruning as tp
    except ImportError:  # pragma: no cover - a dependency
        raise PruneError("Structured pruning needs the torch-pruning package.") from None

    model.eval()
    for parameter in model.parameters():
        if parameter.is_floating_point():
            parameter.requires_grad_(True)
    with torch.no_grad():
        reference_shape = output_tensor(model(*inputs)).shape

    classifier = find_classifier(model, inputs)
    frozen = resolve_skips(model, config.skip)
    outcome = StructuredOutcome(classifier=classifier, frozen=frozen)
    modules = dict(model.named_modules())
    ignored: list[nn.Module] = [modules[path] for path in frozen]
    if classifier is not None and not any(
        classifier == p or classifier.startswith(p + ".") for p in frozen
    ):
        ignored.append(modules[classifier])

    attention = [
        info for info in find_attention(model)
        if not any(info.path == p or info.path.startswith(p + ".") for p in frozen)
    ]
    outcome.attention = attention
    # A ratio that covers a q/k/v projection is the fraction of that module's heads removed
    # (torch-pruning also needs it as the group's channel ratio, or the heads are not ranked).
    num_heads: dict[nn.Module, int] = {}
    head_ratio = config.amount if config.head_ratio is None else config.head_ratio
    head_ratio_dict: dict[nn.Module, float] = {}
    ratio_dict: dict[nn.Module, float] = {}
    paths = {id(layer): path for path, layer in model.named_modules()}
    for path, layer in weighted_layers(model):
        ratio = matching_ratio(path, config.layer_ratios)
        if ratio is not None:
            ratio_dict[layer] = ratio
    for info in attention:
        own = None
        for layer in info.projections:
            num_heads[layer] = info.heads_before
            ratio = matching_ratio(paths[id(layer)], config.layer_ratios)
            own = ratio if ratio is not None else own
        if own is not None:
            for layer in info.projections:
                head_ratio_dict[layer] = own
                ratio_dict[layer] = own

    importance = _importance(tp, config.importance)
    # Progress is yielded inside the frozen-class block (it only touches this copy), never
    # inside the warnings filter, which is process-wide.
    with _frozen_modules(tp, model, frozen) as customized:
        with _quiet(), _opaque(model, frozen), module_stack(model) as tracker, \
                torch.enable_grad():
            try:
                pruner = tp.pruner.BasePruner(
                    model,
                    inputs,
                    importance=importance,
                    global_pruning=config.global_pruning,
                    pruning_ratio=config.amount,
                    pruning_ratio_dict=ratio_dict or None,
                    max_pruning_ratio=config.max_layer_ratio,
                    iterative_steps=config.iterative_steps,
                    ignored_layers=ignored,
                    round_to=config.round_to,
                    num_heads=num_heads,
                    prune_num_heads=bool(num_heads)
                    and (head_ratio > 0 or any(head_ratio_dict.values())),
                    prune_head_dims=False,
                    head_pruning_ratio=head_ratio,
                    head_pruning_ratio_dict=head_ratio_dict or None,
                    customized_pruners=customized,
                )
            except Exception as error:
                path = tracker.culprit
                raise PruneError(
                    f"torch-pruning cannot trace {describe_layer(model, path)} "
                    f"({first_line(error)}); leave it out with --skip {path or 'LAYER'}, "
                    "or use unstructured pruning."
                ) from None
        for step in range(config.iterative_steps):
            yield Progress(step, config.iterative_steps,
                           f"Pruning step {step + 1} of {config.iterative_steps}")
            if config.importance == "taylor":
                _accumulate_gradients(model, data, inputs, config)
            with torch.random.fork_rng(), _quiet():
                torch.manual_seed(config.seed + step)
                root = ""
                try:
                    for group in pruner.step(interactive=True):
                        root = pruner.DG._module2name.get(group[0].dep.target.module, "")
                        group.prune()
                except PruneError:
                    raise
                except Exception as error:
                    raise PruneError(
                        f"torch-pruning failed on the channels of {describe_layer(model, root)} "
                        f"({first_line(error)}); leave it out with --skip {root or 'LAYER'}."
                    ) from None
        model.zero_grad(set_to_none=True)
        for info in attention:
            info.heads_after = pruner.num_heads.get(info.projections[0], info.heads_before)
            setattr(model.get_submodule(info.path), info.attribute, info.heads_after)
    yield Progress(config.iterative_steps, config.iterative_steps, "Checking the pruned model")
    _verify(model, inputs, reference_shape)
    for info in attention:
        if info.heads_after != info.heads_before:
            width = info.projections[0].out_features // (3 if info.fused else 1)
            head_size = width // max(1, info.heads_after or 1)
            outcome.notes.append(
                f"{info.path}: {info.heads_before} -> {info.heads_after} attention heads "
                f"(head size {head_size} unchanged)."
            )
    if frozen:
        outcome.notes.append(f"Left as they were (skipped): {', '.join(frozen)}.")
    return outcome


def _verify(model: nn.Module, inputs: tuple[torch.Tensor, ...], shape: torch.Size) -> None:
    with torch.no_grad():
        failure = failing_layer(model, inputs)
        if failure is not None:
            path, message = failure
            raise PruneError(
                f"After structured pruning {describe_layer(model, path)} fails ({message}): it "
                f"hard-codes a size torch-pruning cannot see; leave it out with --skip "
                f"{path or 'LAYER'}; the original model is unchanged."
            )
        new_shape = output_tensor(model(*inputs)).shape
    if new_shape != shape:
        raise PruneError(
            f"Structured pruning changed the output shape from {list(shape)} to "
            f"{list(new_shape)}; skip the output layer with --skip."
        )


@dataclass
class PrunableUnit:
    """Channels torch-pruning removes together (one dependency group), named by one layer.

    ``path`` is the layer a per-layer ratio names to prune just this group; ``members`` are all
    the layers whose outputs shrink with it; ``kind`` is ``channels`` or ``heads``.
    """

    path: str
    members: list[str]
    kind: str
    width: int
    params: int


def structured_units(
    model: nn.Module, inputs: tuple[torch.Tensor, ...], skip: tuple[str, ...] = ()
) -> list[PrunableUnit]:
    """The dependency groups of ``model`` (a copy is traced; ``model`` is not changed)."""
    import copy

    import torch_pruning as tp

    model = copy.deepcopy(model).eval()
    for parameter in model.parameters():
        if parameter.is_floating_point():
            parameter.requires_grad_(True)
    classifier = find_classifier(model, inputs)
    frozen = resolve_skips(model, skip)
    modules = dict(model.named_modules())
    ignored = [modules[path] for path in frozen]
    if classifier is not None:
        ignored.append(modules[classifier])
    attention = find_attention(model)
    owner = {id(layer): info for info in attention for layer in info.projections}
    units: list[PrunableUnit] = []
    seen_attention: set[str] = set()
    with _frozen_modules(tp, model, frozen) as customized, _quiet():
        with _opaque(model, frozen), module_stack(model) as tracker, torch.enable_grad():
            try:
                graph = tp.DependencyGraph().build_dependency(
                    model, example_inputs=inputs, customized_pruners=customized
                )
            except Exception as error:
                path = tracker.culprit
                raise PruneError(
                    f"torch-pruning cannot trace {describe_layer(model, path)} "
                    f"({first_line(error)}); leave it out with --skip {path or 'LAYER'}."
                ) from None
        ignored_all = [sub for layer in ignored for sub in layer.modules()]
        for group in graph.get_all_groups(ignored_layers=ignored_all,
                                          root_module_types=[nn.Conv2d, nn.Conv1d, nn.Linear]):
            members: list[str] = []
            touched: dict[int, nn.Module] = {}
            for dep, _ in group:
                target = dep.target.module
                if isinstance(target, nn.Module):
                    touched[id(target)] = target
                if graph.is_out_channel_pruning_fn(dep.handler) and isinstance(target, _LAYERS):
                    members.append(graph._module2name.get(target, "?"))
            params = sum(p.numel() for m in touched.values() for p in m.parameters(recurse=False))
            root_module = group[0].dep.target.module
            info = next((owner[id(m)] for m in map(modules.get, members)
                         if m is not None and id(m) in owner), None)
            if info is not None:
                if info.path in seen_attention:
                    continue
                seen_attention.add(info.path)
                path = graph._module2name[info.projections[0]]
                units.append(PrunableUnit(path, members, "heads", info.heads_before, params))
                continue
            width = graph.get_out_channels(root_module) or 0
            units.append(PrunableUnit(graph._module2name.get(root_module, "?"), members,
                                      "channels", int(width), params))
    order = {path: index for index, path in enumerate(modules)}
    return sorted(units, key=lambda unit: order.get(unit.path, len(order)))


_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
