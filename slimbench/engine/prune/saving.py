"""Saving pruned models so Slimbench loads them back by itself.

A structurally pruned model no longer fits its class's constructor: its layers are narrower.
The file is Slimbench's usual checkpoint (``{"state_dict": ..., "slimbench": meta}``, read with
``weights_only=True``) whose meta also holds a ``"pruned"`` section:

- ``shapes``: every parameter's and buffer's shape, and ``attributes``: each module's plain
  public attributes (``in_channels``, ``out_features``, ``heads``, ...). ``rebuild_pruned``
  re-applies both to a freshly built architecture, so ``load_state_dict`` then fits exactly
  (the same idea as torch-pruning's ``tp.state_dict``/``tp.load_state_dict``, without pickling
  module objects, which a ``weights_only`` load refuses);
- ``packed`` (sparse-compressed files only): weights with many zeros stored as their nonzero
  values plus a bitmask (1 bit per weight) instead of dense; these keys are absent from
  ``state_dict`` and ``rebuild_pruned`` restores them.

Loading needs one hook in ``slimbench.engine.loading._handle_from_payload`` (see
``rebuild_pruned``); until it is there, ``load_pruned`` loads such files.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from slimbench.engine.errors import ArchitectureMismatchError, ModelLoadError
from slimbench.engine.loading import SLIMBENCH_META_KEY, ModelHandle
from slimbench.engine.saving import SaveError, atomic_write

PRUNED_KEY = "pruned"
PRUNED_FORMAT = 1
_SIMPLE = (int, float, bool, str, type(None))
#: Pack a tensor only where values + bitmask are at most this fraction of its dense bytes.
_PACK_WORTH = 0.9


def _simple(value: Any) -> bool:
    if isinstance(value, _SIMPLE):
        return True
    return isinstance(value, (tuple, list)) and all(isinstance(v, _SIMPLE) for v in value)


def module_attributes(module: nn.Module) -> dict[str, dict[str, Any]]:
    """Each module's plain public attributes (ints, floats, strings, tuples of them)."""
    record: dict[str, dict[str, Any]] = {}
    for path, sub in module.named_modules():
        attributes = {
            name: value
            for name, value in vars(sub).items()
            if not name.startswith("_") and name != "training" and _simple(value)
        }
        if attributes:
            record[path] = attributes
    return record


def tensor_shapes(module: nn.Module) -> dict[str, list[int]]:
    shapes = {name: list(p.shape) for name, p in module.named_parameters(remove_duplicate=False)}
    for name, buffer in module.named_buffers(remove_duplicate=False):
        shapes[name] = list(buffer.shape)
    return shapes


def pruned_record(module: nn.Module) -> dict[str, Any]:
    """The ``pruned`` meta section that lets ``rebuild_pruned`` reshape a fresh architecture."""
    return {
        "format": PRUNED_FORMAT,
        "shapes": tensor_shapes(module),
        "attributes": module_attributes(module),
    }


def differs_from_architecture(module: nn.Module, arch: str | None, arch_args: Mapping) -> bool:
    """True when ``module``'s tensors no longer have the shapes ``arch`` builds (or unknown)."""
    if not arch:
        return True
    from slimbench.engine.loading import _build_architecture

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fresh, _ = _build_architecture(arch, dict(arch_args))
    except Exception:
        return True
    return tensor_shapes(fresh) != tensor_shapes(module)


# --- sparse packing ----------------------------------------------------------------------


def pack_tensor(tensor: torch.Tensor) -> dict[str, Any]:
    """Nonzero values and a little-endian bitmask of where they sit."""
    flat = tensor.detach().cpu().reshape(-1)
    mask = flat != 0
    bits = np.packbits(mask.numpy(), bitorder="little")
    return {
        "shape": list(tensor.shape),
        "values": flat[mask].clone(),
        "mask": torch.from_numpy(bits),
    }


def unpack_tensor(entry: Mapping[str, Any]) -> torch.Tensor:
    shape = [int(s) for s in entry["shape"]]
    count = math.prod(shape)
    bits = np.unpackbits(entry["mask"].numpy(), count=count, bitorder="little")
    mask = torch.from_numpy(bits.astype(bool))
    values = entry["values"]
    flat = torch.zeros(count, dtype=values.dtype)
    flat[mask] = values
    return flat.reshape(shape)


def packed_bytes(tensor: torch.Tensor) -> int:
    nonzero = int(torch.count_nonzero(tensor))
    return nonzero * tensor.element_size() + math.ceil(tensor.numel() / 8)


def _worth_packing(tensor: torch.Tensor) -> bool:
    if tensor.dim() < 2 or not tensor.is_floating_point() or tensor.layout != torch.strided:
        return False
    if type(tensor) not in (torch.Tensor, nn.Parameter):
        return False
    dense = tensor.numel() * tensor.element_size()
    return packed_bytes(tensor) <= _PACK_WORTH * dense


def pack_state_dict(
    state: Mapping[str, torch.Tensor],
) -> tuple[dict[str, torch.Tensor], dict[str, dict[str, Any]]]:
    """Split a state_dict into dense entries and packed ones (those packing makes smaller).

    At least one entry stays dense, so the file still holds a state_dict loaders recognise.
    """
    dense: dict[str, torch.Tensor] = {}
    packed: dict[str, dict[str, Any]] = {}
    for name, tensor in state.items():
        if _worth_packing(tensor):
            packed[name] = pack_tensor(tensor)
        else:
            dense[name] = tensor
    if not dense and packed:
        smallest = min(packed, key=lambda n: math.prod(packed[n]["shape"]))
        dense[smallest] = unpack_tensor(packed.pop(smallest))
    return dense, packed


def sparse_gain(module: nn.Module) -> float:
    """Packed bytes over dense bytes of the tensors packing would shrink (1.0: no gain)."""
    dense = packed = 0
    for tensor in _plain_state_dict(module).values():
        if _worth_packing(tensor):
            dense += tensor.numel() * tensor.element_size()
            packed += packed_bytes(tensor)
    return packed / dense if dense else 1.0


# --- save --------------------------------------------------------------------------------


def _plain_state_dict(module: nn.Module) -> dict[str, torch.Tensor]:
    from slimbench.engine.prune.semistructured import densified_state_dict

    return densified_state_dict(module)


def checkpoint_payload(handle: ModelHandle, *, sparse: bool | str = False) -> dict[str, Any]:
    """The dict Slimbench saves for ``handle``: state_dict plus meta, pruned and packed
    sections where needed. ``sparse`` is True, False or ``"auto"`` (pack where it shrinks the
    file by 10% or more)."""
    if not handle.arch or handle.arch.startswith("huggingface:"):
        raise SaveError(
            f"{handle.name} has no recorded architecture (it came from a {handle.source} "
            "source), so a pruned copy cannot be saved as weights; save it as a pickled "
            "module instead."
        )
    state = _plain_state_dict(handle.module)
    meta: dict[str, Any] = {
        "format": 1,
        "arch": handle.arch,
        "arch_args": dict(handle.arch_args),
        "dataset": handle.data.name if handle.data is not None else None,
        "name": handle.name,
    }
    section: dict[str, Any] | None = None
    if differs_from_architecture(handle.module, handle.arch, handle.arch_args):
        section = pruned_record(handle.module)
    if sparse == "auto":
        sparse = sparse_gain(handle.module) <= _PACK_WORTH
    if sparse:
        state, packed = pack_state_dict(state)
        if packed:
            section = section or {"format": PRUNED_FORMAT}
            section["packed"] = packed
    if section is not None:
        meta[PRUNED_KEY] = section
    return {"state_dict": state, SLIMBENCH_META_KEY: meta}


@dataclass
class SavedModel:
    path: Path
    size_bytes: int
    sparse: bool


def save_pruned(
    handle: ModelHandle, target: str | Path, *, sparse: bool | str = "auto"
) -> SavedModel:
    """Write ``handle`` atomically so ``load_model`` (with the hook) or ``load_pruned`` reads it."""
    path = Path(target).expanduser()
    if path.is_dir():
        raise SaveError(f"{path} is a folder; give a file name to save the model to.")
    payload = checkpoint_payload(handle, sparse=sparse)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            atomic_write(path, lambda tmp: torch.save(payload, tmp))
    except OSError as error:
        raise SaveError(f"Could not write {path}: {error.strerror or error}.") from None
    packed = bool(payload[SLIMBENCH_META_KEY].get(PRUNED_KEY, {}).get("packed"))
    return SavedModel(path, path.stat().st_size, packed)


# --- load --------------------------------------------------------------------------------


def _owner(module: nn.Module, name: str) -> tuple[nn.Module, str]:
    path, _, attribute = name.rpartition(".")
    return (module.get_submodule(path) if path else module), attribute


def rebuild_pruned(
    module: nn.Module, meta: Mapping[str, Any], state_dict: Mapping[str, torch.Tensor] | None = None
) -> dict[str, torch.Tensor] | None:
    """Reshape a freshly built ``module`` to the pruned architecture recorded in ``meta``.

    Sets each module's recorded attributes, replaces every parameter and buffer whose shape
    differs by an empty one of the recorded shape, and returns ``state_dict`` with any packed
    (sparse-compressed) tensors restored, ready for a strict ``load_state_dict``.

    The hook ``slimbench.engine.loading._handle_from_payload`` needs, right after
    ``module, entry_name = _build_architecture(arch, arch_args)``::

        if isinstance(meta.get("pruned"), Mapping):
            from slimbench.engine.prune.saving import rebuild_pruned
            state_dict = rebuild_pruned(module, meta, state_dict)
    """
    section = meta.get(PRUNED_KEY, meta if ("shapes" in meta or "packed" in meta) else None)
    if not isinstance(section, Mapping):
        return dict(state_dict) if state_dict is not None else None
    if int(section.get("format", PRUNED_FORMAT)) > PRUNED_FORMAT:
        raise ModelLoadError(
            "This pruned model was saved by a newer Slimbench; update Slimbench to load it."
        )
    try:
        for path, attributes in dict(section.get("attributes") or {}).items():
            sub = module.get_submodule(path) if path else module
            for name, value in attributes.items():
                setattr(sub, name, value)
        for name, shape in dict(section.get("shapes") or {}).items():
            owner, attribute = _owner(module, name)
            current = getattr(owner, attribute)
            if not isinstance(current, torch.Tensor) or list(current.shape) == list(shape):
                continue
            empty = torch.empty([int(s) for s in shape], dtype=current.dtype)
            if isinstance(current, nn.Parameter):
                setattr(owner, attribute, nn.Parameter(empty, requires_grad=current.requires_grad))
            else:
                owner._buffers[attribute] = empty
    except (AttributeError, TypeError, ValueError) as error:
        raise ArchitectureMismatchError(
            f"The pruned architecture recorded in this file does not fit the model class "
            f"({error}); it was saved from a different version of the architecture."
        ) from None
    if state_dict is None:
        return None
    restored = dict(state_dict)
    for name, entry in dict(section.get("packed") or {}).items():
        restored[name] = unpack_tensor(entry)
    return restored


def load_pruned(path: str | Path, *, trust_code: bool = False) -> ModelHandle:
    """Load a file ``save_pruned`` wrote, without relying on ``load_model``'s hook.

    ``trust_code`` allows an architecture the file names in Python code (see ``load_model``).
    """
    from slimbench.engine import loading

    file = Path(path).expanduser()
    if not file.is_file():
        raise ModelLoadError(f"There is no file at {file}.")
    payload = loading._torch_load(file, trust_pickle=False)
    if not isinstance(payload, Mapping) or not isinstance(
        payload.get(SLIMBENCH_META_KEY), Mapping
    ):
        return loading.load_model(file, trust_code=trust_code)
    meta = dict(payload[SLIMBENCH_META_KEY])
    arch = meta.get("arch")
    if not arch:
        raise ModelLoadError(f"{file.name} does not record its architecture.")
    loading.check_recorded_architecture(file.name, str(arch), trust_code)
    arch_args = dict(meta.get("arch_args") or {})
    module, entry_name = loading._build_architecture(str(arch), arch_args)
    state_dict = rebuild_pruned(module, meta, dict(payload["state_dict"]))
    assert state_dict is not None
    loading._load_state_dict_strictly(module, state_dict, file.name, str(arch))
    handle = ModelHandle(
        name=file.stem,
        module=module.eval(),
        source="state_dict",
        location=str(file),
        arch=str(arch),
        arch_args=arch_args,
        data=loading._dataset_from_meta(meta),
    )
    return loading.attach_zoo_data(handle, entry_name)
