"""Save quantized models so Slimbench (and plain PyTorch) load them back with the same outputs.

Formats, by how the model was quantized:

- torchao schemes (int8-dynamic, int8/int4-weight-only) and casts (fp16, bf16): a
  ``torch.save`` of ``{"state_dict": ..., "slimbench": META}``. The state_dict holds torchao
  tensor subclasses (real int8 storage), which ``torch.load(weights_only=True)`` accepts
  once torchao is imported (it registers them as safe globals). Loading rebuilds the
  architecture named in META, casts it where the scheme did, and loads with
  ``assign=True`` so the quantized tensors replace the float ones instead of being copied
  into them.
- legacy int8-dynamic (torch.ao modules): the same layout; loading rebuilds the architecture
  and re-applies ``quantize_dynamic`` to the recorded layers before loading the packed
  weights (the state_dict has packed-parameter entries a float model lacks).
- int8-static (pt2e): an exported program (``torch.export.save``, ``.pt2``) with a dynamic
  batch dimension, plus the usual ``NAME.pt2.json`` sidecar; it needs no architecture and
  no torchao to load, only torch's ``quantized_decomposed`` ops registered.

Every write is atomic (temporary file, then rename).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from slimbench.engine.errors import ArchitectureMismatchError, ModelLoadError
from slimbench.engine.loading import SLIMBENCH_META_KEY, ModelHandle
from slimbench.engine.measure import make_batch
from slimbench.engine.quantize import backends
from slimbench.engine.quantize.jobs import QUANTIZATION_ATTR, QuantizeResult
from slimbench.engine.quantize.static import dynamic_batch_shapes
from slimbench.engine.saving import SaveError, atomic_write

FORMAT_VERSION = 1
#: Schemes whose quantized weights only run (and only load) on a CUDA GPU.
CUDA_ONLY_SCHEMES = ("float8-dynamic", "int4-weight-only")

_registered = False


def register_safe_globals() -> bool:
    """Let ``torch.load(weights_only=True)`` read torchao tensors; True if it just did so.

    Importing torchao.quantization registers its tensor subclasses (tensor data only, no
    code) with ``torch.serialization.add_safe_globals``.
    """
    global _registered
    if _registered:
        return False
    quantization, _ = backends.torchao_or_reason()
    _registered = True
    return quantization is not None


def register_quantized_ops() -> None:
    """Register torch's ``quantized_decomposed`` ops, which int8-static programs call."""
    with backends.quiet():
        import torch.ao.quantization.fx._decomposed  # noqa: F401


def quantization_info(model: ModelHandle | nn.Module) -> dict[str, Any] | None:
    module = model.module if isinstance(model, ModelHandle) else model
    info = getattr(module, QUANTIZATION_ATTR, None)
    return dict(info) if isinstance(info, Mapping) else None


def default_suffix(handle: ModelHandle) -> str:
    info = quantization_info(handle) or {}
    return {"pt2e": ".pt2", "onnxruntime": ".onnx"}.get(str(info.get("engine")), ".pt")


def save_quantized(model: QuantizeResult | ModelHandle, target: str | Path) -> Path:
    """Write a quantized model (a QuantizeResult or its handle) to ``target`` atomically."""
    handle = model.handle if isinstance(model, QuantizeResult) else model
    info = quantization_info(handle)
    if info is None:
        raise SaveError(
            f"{handle.name} was not made by Slimbench's quantize job, so there is no scheme to "
            "record; save it with the ordinary save."
        )
    path = Path(target).expanduser()
    if path.is_dir():
        raise SaveError(f"{path} is a folder; give a file name to save the model to.")
    if info["engine"] == "onnxruntime":  # an ONNX Runtime model saves as its .onnx file
        from slimbench.engine.runtimes.onnx_files import save_onnx

        return save_onnx(handle, path)
    try:
        if info["engine"] == "pt2e":
            return _save_exported(handle, path, info)
        return _save_state_dict(handle, path, info)
    except OSError as error:
        raise SaveError(f"Could not write {path}: {error.strerror or error}.") from None


def _meta(handle: ModelHandle, info: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "arch": handle.arch,
        "arch_args": dict(handle.arch_args),
        "dataset": handle.data.name if handle.data is not None else None,
        "name": handle.name,
        "quantization": {
            "scheme": info["scheme"],
            "engine": info["engine"],
            "quantized_layers": list(info.get("quantized_layers", [])),
            "skipped_layers": list(info.get("skipped_layers", [])),
            "dtype": info.get("dtype", "float32"),
            "torch": str(torch.__version__),
            "torchao": backends.torchao_version(),
        },
        # Read by prune.saving.rebuild_pruned: the pruned widths the float model had.
        **({"pruned": info["pruned"]} if isinstance(info.get("pruned"), Mapping) else {}),
    }


def _save_state_dict(handle: ModelHandle, path: Path, info: Mapping[str, Any]) -> Path:
    if not handle.arch or handle.arch.startswith("huggingface:"):
        raise SaveError(
            f"{handle.name} has no recorded architecture (zoo:NAME or module:Class), which a "
            f"{info['scheme']} file needs to be loaded back; the model was not saved."
        )
    original = handle.module.state_dict()
    state = type(original)(
        (key, value.detach().cpu() if isinstance(value, torch.Tensor) else value)
        for key, value in original.items()
    )
    # Per-module versions: torch.ao's quantized Linear reads its packed layout by version.
    state._metadata = getattr(original, "_metadata", None)  # type: ignore[attr-defined]
    payload = {"state_dict": state, SLIMBENCH_META_KEY: _meta(handle, info)}

    def write(temporary: Path) -> None:
        with backends.quiet():
            torch.save(payload, temporary)

    return atomic_write(path, write)


def _save_exported(handle: ModelHandle, path: Path, info: Mapping[str, Any]) -> Path:
    module = handle.module
    example = tuple(t.to(_device_of(module)) for t in make_batch(handle, 2))
    try:
        with backends.quiet():
            program = torch.export.export(
                module, example, dynamic_shapes=dynamic_batch_shapes(example)
            )
            if handle.example_inputs is not None:
                program.example_inputs = (tuple(handle.example_inputs), {})
    except Exception as error:
        raise SaveError(
            f"The int8-static model could not be exported for saving: "
            f"{backends.first_line(error)}."
        ) from None

    def write(temporary: Path) -> None:
        with backends.quiet():
            torch.export.save(program, str(temporary))

    saved = atomic_write(path, write)
    meta = _meta(handle, info)
    sidecar = path.with_name(path.name + ".json")
    atomic_write(sidecar, lambda temporary: temporary.write_text(json.dumps(meta, indent=1)))
    return saved


def _device_of(module: nn.Module) -> torch.device:
    tensor = next(iter(module.state_dict().values()), None)
    return tensor.device if isinstance(tensor, torch.Tensor) else torch.device("cpu")


# --- loading ------------------------------------------------------------------------------


def load_quantized(path: str | Path, *, trust_code: bool = False) -> ModelHandle:
    """Load a file ``save_quantized`` wrote (what ``loading.load_model`` does once patched).

    ``trust_code`` allows an architecture the file names in Python code (see ``load_model``).
    """
    from slimbench.engine.loading import (
        _dataset_from_meta,
        _read_sidecar_meta,
        _zip_members,
        load_model,
    )

    file = Path(path).expanduser()
    if not file.is_file():
        raise ModelLoadError(f"There is no file at {file}.")
    with file.open("rb") as stream:
        head = stream.read(4)
    if head != b"PK\x03\x04":
        raise ModelLoadError(f"{file.name} is not a file Slimbench's quantize job wrote.")
    # A corrupt archive or a zip bomb is refused here, before torch unpacks anything.
    names = {name.split("/", 1)[-1] for name in _zip_members(file)}
    if "models/model.json" in names or "archive_format" in names:
        register_quantized_ops()
        handle = load_model(file, trust_code=trust_code)
        meta = _read_sidecar_meta(file)
        if handle.data is None:
            handle.data = _dataset_from_meta(meta)
        _attach_info(handle.module, meta.get("quantization"))
        return handle
    register_safe_globals()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ModelLoadError(
            f"{file.name} could not be read as a quantized model: {backends.first_line(error)}."
        ) from None
    meta = payload.get(SLIMBENCH_META_KEY) if isinstance(payload, Mapping) else None
    if not isinstance(meta, Mapping) or not isinstance(meta.get("quantization"), Mapping):
        raise ModelLoadError(f"{file.name} has no Slimbench quantization record.")
    return handle_from_quantized_payload(file, payload, dict(meta), trust_code=trust_code)


def handle_from_quantized_payload(
    path: Path,
    payload: Mapping[str, Any],
    meta: Mapping[str, Any],
    source: str = "state_dict",
    arch: str | None = None,
    arch_args: Mapping[str, Any] | None = None,
    *,
    trust_code: bool = False,
) -> ModelHandle:
    """A ModelHandle for a quantized state_dict file (``loading._handle_from_payload`` hook).

    An architecture taken from ``meta`` is built only if it is a zoo entry or ``trust_code``.
    """
    from slimbench.engine.loading import (
        _build_architecture,
        _dataset_from_meta,
        attach_zoo_data,
        check_recorded_architecture,
    )

    info = dict(meta["quantization"])
    if not arch and meta.get("arch"):
        arch = str(meta["arch"])
        check_recorded_architecture(path.name, arch, trust_code)
    if not arch:
        raise ModelLoadError(f"{path.name} does not record the architecture its weights fit.")
    args = {**dict(meta.get("arch_args") or {}), **dict(arch_args or {})}
    state_dict = payload.get("state_dict")
    if not isinstance(state_dict, Mapping):
        raise ModelLoadError(f"{path.name} has no state_dict.")
    module, entry_name = _build_architecture(str(arch), args)
    module.eval()
    if isinstance(meta.get("pruned"), Mapping):
        from slimbench.engine.prune.saving import rebuild_pruned

        rebuild_pruned(module, meta)
        info["pruned"] = dict(meta["pruned"])  # kept if this model is saved again
    try:
        restore_quantized(module, state_dict, info)
    except ModelLoadError:
        raise
    except Exception as error:
        raise ArchitectureMismatchError(
            f"The {info.get('scheme')} weights in {path.name} do not fit {arch}: "
            f"{backends.first_line(error)}."
        ) from None
    handle = ModelHandle(
        name=path.stem,
        module=module,
        source=source,
        location=str(path),
        arch=str(arch),
        arch_args=args,
        data=_dataset_from_meta(meta),
        notes=[f"Quantized with {info.get('scheme')} ({info.get('engine')})."],
    )
    return attach_zoo_data(handle, entry_name)


def restore_quantized(
    module: nn.Module, state_dict: Mapping[str, Any], info: Mapping[str, Any]
) -> None:
    """Make a freshly built float ``module`` the quantized model ``state_dict`` came from."""
    engine = info.get("engine")
    dtype_name = str(info.get("dtype") or "float32")
    if engine == "legacy":
        backends.apply_legacy_dynamic(module, list(info.get("quantized_layers", [])))
        module.load_state_dict(state_dict, strict=True)  # keeps _metadata (versions)
    elif engine in ("torchao", "cast"):
        if dtype_name != "float32":
            backends.apply_cast(module, getattr(torch, dtype_name))
        if engine == "torchao":
            register_safe_globals()
        scheme = str(info.get("scheme"))
        if scheme in CUDA_ONLY_SCHEMES:
            # torchao's float8/int4 tensors cannot move from CPU to a GPU once loaded
            # (their storage aliasing check refuses it): load them straight onto the GPU.
            if not torch.cuda.is_available():
                raise ModelLoadError(
                    f"This {scheme} model runs only on a CUDA GPU, and this machine has none."
                )
            module.to("cuda")
            state_dict = {key: value.to("cuda") for key, value in state_dict.items()}
        _check_keys(module, state_dict)
        module.load_state_dict(dict(state_dict), strict=True, assign=True)
        for param in module.parameters():
            param.requires_grad_(False)
    else:
        raise ModelLoadError(f"Unknown quantization engine '{engine}' in the file.")
    _attach_info(module, info)


def _check_keys(module: nn.Module, state_dict: Mapping[str, Any]) -> None:
    expected = set(module.state_dict())
    missing = sorted(expected - set(state_dict))
    unexpected = sorted(set(state_dict) - expected)
    if missing or unexpected:
        first = (missing or unexpected)[0]
        raise ArchitectureMismatchError(
            f"The quantized weights do not fit the architecture ({len(missing)} missing, "
            f"{len(unexpected)} unexpected; first: {first})."
        )


def _attach_info(module: nn.Module, info: Mapping[str, Any] | None) -> None:
    if isinstance(info, Mapping):
        setattr(module, QUANTIZATION_ATTR, dict(info))
