"""Save a model so Slimbench (and plain PyTorch) can load it back by itself.

Writes are atomic: the file is written under a temporary name beside the target and renamed
over it only when complete, so a crash or a full disk never leaves a truncated model.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from slimbench.engine.errors import SlimbenchError
from slimbench.engine.loading import ModelHandle


class SaveError(SlimbenchError):
    """A model could not be written."""


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``; renamed onto it only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name keeps the extension: some writers (torch.export.save) check it.
    handle, temporary_name = tempfile.mkstemp(prefix=f".{target.stem}.",
                                              suffix=f".part{target.suffix}", dir=target.parent)
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        yield temporary
        # On disk before the rename: after a crash or power cut the final name holds either
        # the old file or the whole new one, never a truncated one.
        with open(temporary, "rb+") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def atomic_write(target: Path, write: Callable[[Path], Any]) -> Path:
    with atomic_path(target) as temporary:
        write(temporary)
    return Path(target)


def save_model(handle: ModelHandle, target: str | Path) -> Path:
    """Write ``handle``'s model to ``target`` in the format that keeps the most.

    - a known architecture (zoo or importable class): its state_dict plus Slimbench metadata
      (architecture, constructor arguments, dataset), loadable with ``slimbench inspect FILE``
      and in plain PyTorch with ``torch.load(FILE)["state_dict"]``;
    - TorchScript stays TorchScript; a trusted pickled module stays a pickled module.
    """
    path = Path(target).expanduser()
    if path.exists() and path.is_dir():
        raise SaveError(f"{path} is a folder; give a file name to save the model to.")
    module = handle.module
    if getattr(module, "onnx_bytes", None) is not None:  # an ONNX Runtime model stays ONNX
        from slimbench.engine.runtimes.onnx_files import save_onnx

        return save_onnx(handle, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if isinstance(module, torch.jit.ScriptModule):
                return atomic_write(path, lambda tmp: torch.jit.save(module, str(tmp)))
            if handle.arch and not handle.arch.startswith("huggingface:"):
                # The prune engine's payload: the state_dict, the architecture, and the layer
                # shapes where they differ from it (a pruned model), so it loads back.
                from slimbench.engine.prune.saving import checkpoint_payload

                payload = checkpoint_payload(handle)
                return atomic_write(path, lambda tmp: torch.save(payload, tmp))
            if handle.source == "pickle":
                return atomic_write(path, lambda tmp: torch.save(module, tmp))
    except OSError as error:
        raise SaveError(f"Could not write {path}: {error.strerror or error}.") from None
    raise SaveError(
        f"{handle.name} came from a {handle.source} file without a recorded architecture, so "
        "Slimbench cannot save it again; the original file is unchanged."
    )
