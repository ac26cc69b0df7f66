"""2:4 semi-structured sparsity on NVIDIA GPUs (compute capability 8.0+).

In every group of four consecutive input weights of a Linear layer the two of smallest
magnitude are zeroed, and the weight is stored with ``torch.sparse.to_sparse_semi_structured``
so the GPU's sparse tensor cores run it. On an H100 this was slower than dense except at very
large shapes: the job measures both and says which won.
"""

from __future__ import annotations

import torch
from torch import nn

from slimbench.engine.errors import DeviceError
from slimbench.engine.prune.config import PruneConfig, PruneError
from slimbench.engine.prune.layers import first_line
from slimbench.engine.prune.structured import resolve_skips

NEEDS_GPU = "2:4 sparsity needs an NVIDIA GPU of compute capability 8.0+"
_DTYPES = {"float16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16}


def check_semi_structured(config: PruneConfig) -> torch.device:
    """The CUDA device 2:4 runs on, or a one-line error saying what is missing."""
    device_name = config.device.strip().lower()
    if not device_name.startswith("cuda") and device_name != "gpu":
        raise DeviceError(f"{NEEDS_GPU}; choose such a device (e.g. --device cuda).")
    if not torch.cuda.is_available():
        raise DeviceError(f"{NEEDS_GPU}, and none is available here.")
    device = torch.device("cuda:0" if device_name in ("cuda", "gpu") else device_name)
    capability = torch.cuda.get_device_capability(device)
    if capability < (8, 0):
        raise DeviceError(
            f"{NEEDS_GPU}; {torch.cuda.get_device_name(device)} is "
            f"{capability[0]}.{capability[1]}."
        )
    if config.dtype.strip().lower() not in _DTYPES:
        raise PruneError("2:4 sparsity runs in float16 or bfloat16; choose --dtype float16.")
    return device


def two_four_mask(weight: torch.Tensor) -> torch.Tensor:
    """Keep the two largest magnitudes of every four consecutive weights along the input."""
    rows, cols = weight.shape
    groups = weight.detach().abs().reshape(rows, cols // 4, 4)
    keep = groups.topk(2, dim=-1).indices
    mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, keep, True)
    return mask.reshape(rows, cols)


def prune_semi_structured(
    model: nn.Module, config: PruneConfig, classifier: str | None
) -> tuple[nn.Module, list[str], list[str]]:
    """Move ``model`` (a copy) to the GPU in half precision and make its Linear weights 2:4.

    Returns the model, the layers made sparse, and notes on the layers left dense.
    """
    from torch.sparse import to_sparse_semi_structured

    device = check_semi_structured(config)
    dtype = _DTYPES[config.dtype.strip().lower()]
    model = model.to(device=device, dtype=dtype).eval()
    skipped = resolve_skips(model, config.skip)
    done: list[str] = []
    left: list[str] = []
    for path, layer in list(model.named_modules()):
        if not isinstance(layer, nn.Linear):
            continue
        if path == classifier or any(path == s or path.startswith(s + ".") for s in skipped):
            continue
        weight = layer.weight.detach()
        if weight.shape[1] % 4:
            left.append(f"{path} ({weight.shape[1]} inputs is not a multiple of 4)")
            continue
        sparse_dense = (weight * two_four_mask(weight)).contiguous()
        try:
            sparse = to_sparse_semi_structured(sparse_dense)
        except Exception as error:  # shape limits of the sparse kernels
            left.append(f"{path} ({first_line(error)})")
            continue
        layer.weight = nn.Parameter(sparse, requires_grad=False)
        done.append(path)
    notes = []
    if left:
        notes.append(
            f"{len(left)} Linear layer(s) stayed dense because the 2:4 kernels do not take their "
            f"shape: {'; '.join(left[:3])}{' ...' if len(left) > 3 else ''}."
        )
    if not done:
        raise PruneError(
            "No Linear layer of this model fits the 2:4 kernels (both dimensions must be "
            "multiples of 32 and 64 or so); nothing was made sparse."
        )
    return model, done, notes


def densified_state_dict(module: nn.Module) -> dict[str, torch.Tensor]:
    """The state_dict with any 2:4 weights written back as plain (half zero) dense tensors."""
    state = {}
    for key, value in module.state_dict().items():
        if type(value).__name__.startswith("SparseSemiStructured"):
            value = value.to_dense()
        state[key] = value
    return state
