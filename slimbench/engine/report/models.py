"""The exported models beside a report, and how to load each one, in ``models/README.md``.

What a file holds is read from the file itself, never guessed from its name:

- a ``torch.export`` program (``.pt2``: ``archive_format`` or ``models/model.json`` inside);
- TorchScript (``code/`` or ``constants.pkl`` inside);
- a ``torch.save`` archive (``data.pkl`` inside). Its pickle is read with a *skeleton*
  unpickler that imports nothing and runs nothing: every class becomes a placeholder and every
  tensor's storage stays unread. That is enough to tell a Slimbench checkpoint
  (``{"state_dict", "slimbench": META}``, with its architecture, pruning and quantization
  records) from a fully pickled module, and to see whether torchao tensors are inside;
- ``.safetensors``.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slimbench.engine.report import formatting as fmt
from slimbench.engine.report.errors import ReportError

# --- reading a file without loading it ------------------------------------------------------


class _Placeholder:
    """Stands in for any class a pickle names; records what it was called with."""

    module = ""
    qualname = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> _Placeholder:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def append(self, value: Any) -> None:
        pass

    def extend(self, values: Any) -> None:
        pass


_SAFE_CLASSES: dict[tuple[str, str], Any] = {
    ("collections", "OrderedDict"): OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "slice"): slice,
    ("builtins", "complex"): complex,
}


class _SkeletonUnpickler(pickle.Unpickler):
    def __init__(self, stream: io.BytesIO) -> None:
        super().__init__(stream)
        self.globals: set[str] = set()
        self._classes: dict[tuple[str, str], type] = {}

    def find_class(self, module: str, name: str) -> Any:
        self.globals.add(f"{module}.{name}")
        if (module, name) in _SAFE_CLASSES:
            return _SAFE_CLASSES[(module, name)]
        key = (module, name)
        if key not in self._classes:
            self._classes[key] = type(
                "Placeholder", (_Placeholder,), {"module": module, "qualname": name}
            )
        return self._classes[key]

    def persistent_load(self, pid: Any) -> Any:
        return _Placeholder()


def _skeleton(data: bytes) -> tuple[Any, set[str]]:
    unpickler = _SkeletonUnpickler(io.BytesIO(data))
    try:
        payload = unpickler.load()
    except Exception:
        payload = None
    return payload, unpickler.globals


def _plain_data(value: Any, depth: int = 0) -> Any:
    """Dicts, lists and scalars of the skeleton, with placeholders as None (for the meta)."""
    if depth > 12:
        return None
    if isinstance(value, Mapping):
        return {str(key): _plain_data(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_data(item, depth + 1) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return None


@dataclass
class ModelFile:
    """An exported model file and what it holds."""

    variant: str
    path: Path
    technique: str
    size_bytes: int
    #: checkpoint, exported, torchscript, pickled-module, safetensors, state-dict or unknown.
    kind: str
    meta: dict[str, Any] = field(default_factory=dict)
    needs_torchao: bool = False

    @property
    def quantization(self) -> dict[str, Any]:
        value = self.meta.get("quantization")
        return dict(value) if isinstance(value, Mapping) else {}

    @property
    def pruned(self) -> dict[str, Any]:
        value = self.meta.get("pruned")
        return dict(value) if isinstance(value, Mapping) else {}


#: Largest data.pkl read to tell what an archive holds (tensor data lives in other members).
_MAX_PICKLE_BYTES = 64 * 2**20


def _zip_names(path: Path) -> list[str] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def inspect_model_file(path: Path, variant: str, technique: str) -> ModelFile:
    """What ``path`` holds, read without importing or running anything from it."""
    size = path.stat().st_size
    result = ModelFile(variant, path, technique, size, "unknown")
    with path.open("rb") as stream:
        head = stream.read(16)
    if head.startswith(b"PK\x03\x04"):
        names = _zip_names(path) or []
        tails = {name.split("/", 1)[-1] for name in names}
        if "models/model.json" in tails or "archive_format" in tails:
            result.kind = "exported"
            result.meta = _sidecar(path)
            return result
        if "constants.pkl" in tails or any(tail.startswith("code/") for tail in tails):
            result.kind = "torchscript"
            return result
        data_pkl = next((name for name in names if name.split("/", 1)[-1] == "data.pkl"), None)
        if data_pkl is not None:
            try:
                with zipfile.ZipFile(path) as archive:
                    # data.pkl holds only the objects' skeleton; a huge one is a zip bomb.
                    info = archive.getinfo(data_pkl)
                    if info.file_size > _MAX_PICKLE_BYTES:
                        return result
                    with archive.open(info) as stream:  # read() would inflate past the size
                        payload, globals_used = _skeleton(stream.read(info.file_size))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error,
                    RuntimeError, NotImplementedError):  # also encrypted, unknown compression
                return result  # a damaged archive: what it holds stays unknown
            _classify_payload(result, payload, globals_used)
        return result
    if len(head) >= 9:
        (header_length,) = struct.unpack("<Q", head[:8])
        if 0 < header_length <= size - 8 and head[8:9] == b"{":
            result.kind = "safetensors"
    return result


def _classify_payload(result: ModelFile, payload: Any, globals_used: set[str]) -> None:
    result.needs_torchao = any(name.startswith("torchao.") for name in globals_used)
    if isinstance(payload, Mapping):
        module_under_key = any(
            isinstance(payload.get(key), _Placeholder)
            and not str(getattr(payload.get(key), "module", "")).startswith("torch._utils")
            for key in ("state_dict", "model_state_dict", "model", "weights")
        )
        if isinstance(payload.get("slimbench"), Mapping) and isinstance(
            payload.get("state_dict"), Mapping
        ):
            result.kind = "checkpoint"
            result.meta = _plain_data(payload["slimbench"])
        elif module_under_key:
            result.kind = "pickled-module"
        else:
            result.kind = "state-dict"
    elif isinstance(payload, _Placeholder):
        result.kind = "pickled-module"


def _sidecar(path: Path) -> dict[str, Any]:
    sidecar = path.with_name(path.name + ".json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- copying into the report ----------------------------------------------------------------


def gather_models(models: Mapping[str, Path], models_dir: Path) -> dict[str, Path]:
    """Put each model file (and an exported program's ``.json`` sidecar) in ``models_dir``.

    Files already there stay; others are hard-linked where the file system allows, else
    copied, under the variant's name (a recipe's steps all save a ``model.pt``).
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    placed: dict[str, Path] = {}
    taken: dict[str, Path] = {}
    for variant, source in models.items():
        source = Path(source).expanduser()
        if not source.is_file():
            raise ReportError(f"The model file of {variant}, {source}, does not exist.")
        resolved = source.resolve()
        if resolved.parent == models_dir.resolve():
            placed[variant] = models_dir / resolved.name
            taken[resolved.name] = resolved
            continue
        name = f"{fmt.slug(variant)}{source.suffix}"
        if name in taken and taken[name] != resolved:
            name = f"{fmt.slug(variant)}-{len(taken)}{source.suffix}"
        target = models_dir / name
        taken[name] = resolved
        _link_or_copy(source, target)
        sidecar = source.with_name(source.name + ".json")
        if sidecar.is_file():
            _link_or_copy(sidecar, target.with_name(target.name + ".json"))
        placed[variant] = target
    return placed


def _link_or_copy(source: Path, target: Path) -> None:
    if target.exists():
        if target.resolve() == source.resolve() or os.path.samefile(source, target):
            return
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


# --- how to load each kind --------------------------------------------------------------------


def _architecture(meta: Mapping[str, Any]) -> tuple[str, str]:
    """(import lines, the expression that builds the architecture) from the file's meta."""
    arch = str(meta.get("arch") or "")
    args = dict(meta.get("arch_args") or {})
    if arch.startswith("zoo:"):
        from slimbench.engine.zoo.catalog import CATALOG

        entry = next((item for item in CATALOG if item.name == arch[4:]), None)
        if entry is not None:
            merged = {**entry.model_args, **args}
            return (f"from slimbench.engine.zoo.models import {entry.model_class}",
                    f"{entry.model_class}(**{merged!r})")
        return ("from slimbench.engine.zoo import build_model",
                f"build_model({arch[4:]!r}, pretrained=False)")
    location, _, class_name = arch.rpartition(":")
    if location.endswith(".py"):
        return (
            "import importlib.util\n"
            f"spec = importlib.util.spec_from_file_location('arch', {location!r})\n"
            "arch_module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(arch_module)",
            f"arch_module.{class_name}(**{args!r})",
        )
    if location and class_name:
        return f"from {location} import {class_name}", f"{class_name}(**{args!r})"
    return "# Import your model's class here.", "MyModel()  # the architecture it was saved from"


_RESHAPE_HELPER = '''\
import math

import numpy as np
import torch


def reshape_to_pruned(model, pruned, state_dict):
    """Narrow a freshly built model to the layer shapes a pruned checkpoint records."""
    for path, attributes in (pruned.get("attributes") or {}).items():
        module = model.get_submodule(path) if path else model
        for name, value in attributes.items():
            setattr(module, name, value)
    for name, shape in (pruned.get("shapes") or {}).items():
        path, _, attribute = name.rpartition(".")
        owner = model.get_submodule(path) if path else model
        current = getattr(owner, attribute)
        if isinstance(current, torch.Tensor) and list(current.shape) != list(shape):
            empty = torch.empty(shape, dtype=current.dtype)
            if isinstance(current, torch.nn.Parameter):
                setattr(owner, attribute, torch.nn.Parameter(empty))
            else:
                owner._buffers[attribute] = empty
    state_dict = dict(state_dict)
    for name, entry in (pruned.get("packed") or {}).items():  # sparse-compressed weights
        count = math.prod(entry["shape"])
        bits = np.unpackbits(entry["mask"].numpy(), count=count, bitorder="little")
        flat = torch.zeros(count, dtype=entry["values"].dtype)
        flat[torch.from_numpy(bits.astype(bool))] = entry["values"]
        state_dict[name] = flat.reshape(entry["shape"])
    return state_dict
'''


def needs_reshape_helper(model: ModelFile) -> bool:
    return model.kind == "checkpoint" and bool(model.pruned)


def plain_snippet(model: ModelFile) -> tuple[str, str]:
    """(a sentence on the format, plain-PyTorch code that loads it) for one model file."""
    name = model.path.name
    if model.kind == "exported":
        quantized = model.quantization.get("engine") == "pt2e"
        lines = ["import torch"]
        if quantized:
            lines.append("import torch.ao.quantization.fx._decomposed  # registers the int8 ops")
        lines += [
            "",
            f'program = torch.export.load("{name}")',
            "model = program.module()  # the batch size may vary; other shapes are fixed",
            "# outputs = model(inputs)",
        ]
        words = ("A torch.export program (the computation graph with its weights): it needs "
                 "no Python class, only PyTorch.")
        if quantized:
            words += (" Its int8 operations are registered by importing "
                      "torch.ao.quantization.fx._decomposed first.")
        return words, "\n".join(lines)
    if model.kind == "torchscript":
        return ("TorchScript: it needs no Python class, only PyTorch.",
                f'import torch\n\nmodel = torch.jit.load("{name}").eval()')
    if model.kind == "pickled-module":
        return (
            "The whole model object, pickled. Loading it runs code from the file "
            "(weights_only=False), so load it only if you trust where it came from; the "
            "model's class must be importable.",
            f'import torch\n\nmodel = torch.load("{name}", weights_only=False).eval()',
        )
    if model.kind == "safetensors":
        return (
            "Weights only (safetensors): build the architecture, then load them.",
            "from safetensors.torch import load_file\n\n"
            f'state_dict = load_file("{name}")\n'
            "model.load_state_dict(state_dict)  # model: the architecture, built first",
        )
    if model.kind == "state-dict":
        return (
            "Weights only (a state_dict): build the architecture, then load them.",
            "import torch\n\n"
            f'state_dict = torch.load("{name}", weights_only=True)\n'
            "model.load_state_dict(state_dict)  # model: the architecture, built first",
        )
    if model.kind == "checkpoint":
        return _checkpoint_snippet(model)
    return ("A file Slimbench does not recognise; load it the way it was made.",
            f'import torch\n\npayload = torch.load("{name}", weights_only=True)')


def _checkpoint_snippet(model: ModelFile) -> tuple[str, str]:
    name = model.path.name
    imports, build = _architecture(model.meta)
    info = model.quantization
    engine, scheme = info.get("engine"), info.get("scheme")
    dtype = str(info.get("dtype") or "float32")
    lines = ["import torch"]
    words = ("A checkpoint: the weights (state_dict) and a record of the architecture "
             f"({model.meta.get('arch') or 'not recorded'}).")
    if model.needs_torchao or engine == "torchao":
        lines.append("import torchao  # lets weights_only=True read torchao's int8/int4 tensors")
        words += (f" The weights are torchao {scheme} tensors: import torchao before "
                  "torch.load, and load them with assign=True so they replace the float ones.")
    lines += [imports, ""]
    cuda_only = scheme in ("float8-dynamic", "int4-weight-only")
    location = "cuda" if cuda_only else "cpu"
    lines.append(f'payload = torch.load("{name}", map_location="{location}", weights_only=True)')
    lines.append(f"model = {build}.eval()")
    if model.pruned:
        words += (" The model was pruned: its layers are narrower than the architecture "
                  "builds, so reshape_to_pruned (above) narrows them before loading.")
        lines += [
            'state_dict = reshape_to_pruned(model, payload["slimbench"]["pruned"],',
            '                               payload["state_dict"])',
        ]
    else:
        lines.append('state_dict = payload["state_dict"]')
    if engine == "legacy":
        layers = list(info.get("quantized_layers") or [])
        words += (" The Linear layers were quantized with torch.ao's dynamic int8, which must "
                  "be applied again before the weights fit.")
        lines += [
            "",
            "from torch.ao.quantization import default_dynamic_qconfig, quantize_dynamic",
            "",
            f"layers = {layers!r}",
            "quantize_dynamic(model, {layer: default_dynamic_qconfig for layer in layers},",
            "                 dtype=torch.qint8, inplace=True)",
            "model.load_state_dict(state_dict)",
        ]
    elif engine in ("torchao", "cast"):
        if dtype != "float32":
            lines.append(f"model.to(torch.{dtype})  # the weights are {dtype}")
            words += (f" The model computes in {dtype}: give it {dtype} inputs "
                      f"(inputs.to(torch.{dtype})) and call .float() on its outputs.")
        if cuda_only:
            lines.append('model.to("cuda")  # this scheme runs only on a CUDA GPU')
            words += f" {scheme} runs only on a CUDA GPU."
        lines.append("model.load_state_dict(state_dict, assign=True)")
    else:
        lines.append("model.load_state_dict(state_dict)")
    return words, "\n".join(lines)


def slimbench_snippet(model: ModelFile) -> str:
    """Loading with Slimbench itself, which reads every format it writes."""
    return (
        "from slimbench.engine.loading import load_model\n\n"
        f'model = load_model("{model.path.name}"'
        + (", trust_pickle=True" if model.kind == "pickled-module" else "")
        + ").module"
    )


def readme(models: list[ModelFile], title: str) -> str:
    """The text of ``models/README.md``."""
    out = [
        f"# Models of {title}",
        "",
        "The compressed models of this report, one file each. Run the snippets from this "
        "folder (or give the full path). Every snippet loads the model on the CPU in "
        "evaluation mode; move it with `model.to(device)` as usual.",
        "",
        "| file | variant | technique | size | format |",
        "|---|---|---|---|---|",
    ]
    for model in models:
        out.append(
            f"| `{model.path.name}` | {_md(model.variant)} | {_md(model.technique)} | "
            f"{fmt.size(model.size_bytes)} | {_KIND_WORDS.get(model.kind, model.kind)} |"
        )
    out.append("")
    if any(needs_reshape_helper(model) for model in models):
        out += [
            "## A helper for pruned checkpoints",
            "",
            "Structured pruning removed channels, so a pruned model's layers are narrower "
            "than its class builds. The checkpoint records every tensor's shape; this "
            "function narrows a freshly built model to them (it is what Slimbench does):",
            "",
            "```python",
            _RESHAPE_HELPER.rstrip(),
            "```",
            "",
        ]
    for model in models:
        words, code = plain_snippet(model)
        out += [
            f"## {_md(model.variant)}: `{model.path.name}`",
            "",
            f"Technique: {_md(model.technique)}. Size: {fmt.size(model.size_bytes)}.",
            "",
            words,
            "",
            "In plain PyTorch:",
            "",
            "```python",
            code,
            "```",
            "",
            "With Slimbench installed (`pip install slimbench`), one line for every format:",
            "",
            "```python",
            slimbench_snippet(model),
            "```",
            "",
        ]
    return "\n".join(out)


_KIND_WORDS = {
    "checkpoint": "weights + architecture record",
    "exported": "torch.export program",
    "torchscript": "TorchScript",
    "pickled-module": "pickled module",
    "safetensors": "safetensors weights",
    "state-dict": "weights only",
    "unknown": "unknown",
}


def kind_words(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def reshape_helper() -> str:
    return _RESHAPE_HELPER


def _md(text: str) -> str:
    """Text safe inside a Markdown table or heading."""
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "\\<")
