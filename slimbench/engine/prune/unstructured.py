"""Unstructured pruning: zero individual weights with ``torch.nn.utils.prune``, made permanent.

This changes how many weights are nonzero, not the dense tensors' shapes: the dense file and the
dense latency stay the same. Only a sparse-compressed file (see ``prune.saving``) gets smaller.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from slimbench.engine.prune.config import PruneConfig, PruneError, matching_ratio
from slimbench.engine.prune.layers import weighted_layers
from slimbench.engine.prune.structured import resolve_skips


def prune_unstructured(
    model: nn.Module, config: PruneConfig, classifier: str | None
) -> list[str]:
    """Zero weights of every Conv/Linear layer in place (pass a copy); return the layer paths.

    ``l1`` removes the smallest magnitudes, ``random`` a random choice; ``global_pruning``
    ranks all layers' weights together, otherwise each layer loses ``amount`` (or its own
    ratio from ``layer_ratios``). Skipped layers and the classifier are left whole.
    """
    skipped = resolve_skips(model, config.skip)
    targets: list[tuple[str, nn.Module, float]] = []
    for path, layer in weighted_layers(model):
        if path == classifier or any(path == s or path.startswith(s + ".") for s in skipped):
            continue
        own = matching_ratio(path, config.layer_ratios)
        targets.append((path, layer, config.amount if own is None else own))
    if not targets:
        raise PruneError("No Conv or Linear layer is left to prune once skips are applied.")
    method = (
        torch_prune.L1Unstructured if config.importance == "l1" else torch_prune.RandomUnstructured
    )
    with torch.random.fork_rng():
        torch.manual_seed(config.seed)
        if config.global_pruning:
            torch_prune.global_unstructured(
                [(layer, "weight") for _, layer, _ in targets],
                pruning_method=method,
                amount=config.amount,
            )
        else:
            for _, layer, ratio in targets:
                if ratio > 0:
                    method.apply(layer, "weight", amount=ratio)
    for _, layer, _ in targets:
        if torch_prune.is_pruned(layer):
            torch_prune.remove(layer, "weight")  # permanent: a plain weight with zeros in it
    return [path for path, _, _ in targets]


def weight_sparsity(model: nn.Module, paths: list[str] | None = None) -> float:
    """Fraction of zeros among the Conv/Linear weights (of ``paths`` when given)."""
    zeros = total = 0
    for path, layer in weighted_layers(model):
        if paths is not None and path not in paths:
            continue
        weight = layer.weight.detach()
        total += weight.numel()
        zeros += weight.numel() - int(torch.count_nonzero(weight))
    return zeros / total if total else 0.0
