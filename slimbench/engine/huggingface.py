"""Hugging Face model folders (config.json plus weights), through the optional `hf` extra."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from slimbench.engine.errors import ModelLoadError

#: Sequence length of the example inputs made for text models.
EXAMPLE_SEQUENCE_LENGTH = 128


class FirstOutput(nn.Module):
    """Calls a Hugging Face model and returns its first output tensor (logits or hidden states).

    Slimbench's measurements compare tensors; Hugging Face models return ModelOutput objects.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, *args: Any) -> torch.Tensor:
        output = self.model(*args)
        if isinstance(output, torch.Tensor):
            return output
        return output[0]


def _refuse_bombs(path: Path) -> None:
    """transformers reads ``*.bin`` weights with ``torch.load``: refuse a zip bomb, or a legacy
    file whose tensors claim more memory than it holds, before it does."""
    from slimbench.engine.loading import _zip_members, check_legacy_storages

    for weights in sorted(path.glob("*.bin")):
        try:
            with weights.open("rb") as stream:
                if stream.read(4) == b"PK\x03\x04":
                    _zip_members(weights)
                else:
                    stream.seek(0)
                    check_legacy_storages(stream, weights.stat().st_size, weights.name)
        except OSError as error:
            raise ModelLoadError(
                f"{weights.name} cannot be read: {error.strerror or error}.") from None


def load_huggingface_folder(path: Path) -> Any:
    from slimbench.engine.loading import ModelHandle

    # Never reach for the network: the folder must hold everything.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import transformers
    except ImportError:
        raise ModelLoadError(
            f"{path.name} is a Hugging Face model folder; reading it needs the 'hf' extra "
            "(pip install 'slimbench[hf]')."
        ) from None
    _refuse_bombs(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = transformers.AutoConfig.from_pretrained(str(path), local_files_only=True)
            model_class = _model_class(transformers, config)
            model = model_class.from_pretrained(str(path), local_files_only=True)
    except Exception as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
        raise ModelLoadError(
            f"The Hugging Face folder {path.name} could not be loaded: {first}"
        ) from None
    model.eval()
    if hasattr(model.config, "return_dict"):
        model.config.return_dict = True
    example_inputs = _example_inputs(config)
    return ModelHandle(
        name=path.name,
        module=FirstOutput(model),
        source="huggingface",
        location=str(path),
        example_inputs=example_inputs,
        arch=f"huggingface:{type(model).__name__}",
        notes=[
            "Loaded through transformers; the example inputs are token ids, not real text."
            if example_inputs is not None
            else "No example inputs could be derived from config.json; give --input-shape."
        ],
    )


def _model_class(transformers: Any, config: Any) -> Any:
    for name in getattr(config, "architectures", None) or []:
        model_class = getattr(transformers, name, None)
        if model_class is not None:
            return model_class
    return transformers.AutoModel


def _example_inputs(config: Any) -> tuple[torch.Tensor, ...] | None:
    vocab = getattr(config, "vocab_size", None)
    if not vocab:
        return None
    length = min(EXAMPLE_SEQUENCE_LENGTH, getattr(config, "max_position_embeddings", 512) or 512)
    generator = torch.Generator().manual_seed(0)
    return (torch.randint(0, int(vocab), (1, length), generator=generator),)
