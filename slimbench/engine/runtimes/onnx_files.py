"""ONNX files: export a variant (checked against PyTorch), save it atomically, load it back.

A file Slimbench writes carries a small JSON record in the model's ``metadata_props`` (the
architecture it came from, its dataset, how it was quantized), so loading it back finds the
evaluation data again; any other ONNX file loads too, with example inputs read from its graph.
ONNX files are protobuf, never pickle: reading one runs no code.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from slimbench.engine.errors import ModelLoadError
from slimbench.engine.jobs import Progress, run_job
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import Fidelity, fidelity_of_outputs, make_batch, predict
from slimbench.engine.runtimes.export import OnnxExport, export_onnx
from slimbench.engine.runtimes.ort_module import OnnxRuntimeModule, with_metadata
from slimbench.engine.saving import SaveError, atomic_write

FORMAT_VERSION = 1
#: Below this top-1 agreement with PyTorch an export is reported as not matching.
MIN_AGREEMENT = 0.99
#: Where a model has no classes (one output), the cosine similarity that must hold instead.
MIN_COSINE = 0.999


def looks_like_onnx(head: bytes) -> bool:
    """Whether a file starting with ``head`` is an ONNX ModelProto.

    Protobuf writes fields in number order: ir_version (field 1, a small varint) comes first,
    then producer_name, ..., graph (7) or opset_import (8).
    """
    return (len(head) >= 3 and head[0] == 0x08 and 3 <= head[1] <= 20
            and head[2] in (0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42))


@dataclass
class ExportResult:
    """An exported variant: the ONNX Runtime handle, where it was written, and its fidelity."""

    handle: ModelHandle
    export: OnnxExport
    fidelity: Fidelity | None
    samples: int
    output: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def size_bytes(self) -> int:
        return len(self.handle.module.onnx_bytes)  # type: ignore[union-attr]

    @property
    def matches(self) -> bool | None:
        """Whether the ONNX model reproduces PyTorch's outputs (None if not checked)."""
        if self.fidelity is None:
            return None
        agreement = self.fidelity.top1_agreement
        if agreement == agreement:  # not NaN: a classifier
            return agreement >= MIN_AGREEMENT
        return self.fidelity.cosine >= MIN_COSINE

    def to_json(self) -> dict[str, Any]:
        fidelity = None
        if self.fidelity is not None:
            fidelity = {key: (value if value == value else None)
                        for key, value in self.fidelity.to_json().items()}
        return {
            "output": None if self.output is None else str(self.output),
            "format": "onnx",
            "size_bytes": self.size_bytes,
            **{key: value for key, value in self.export.to_json().items()
               if key not in ("size_bytes", "notes")},
            "fidelity": fidelity,
            "fidelity_samples": self.samples,
            "matches": self.matches,
            "notes": list(self.notes),
        }


def record_of(handle: ModelHandle, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a saved ONNX file records about its model (read back by ``load_onnx``)."""
    record: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "name": handle.name,
        "arch": handle.arch,
        "arch_args": dict(handle.arch_args),
        "dataset": handle.data.name if handle.data is not None else None,
        "torch": str(torch.__version__),
    }
    info = getattr(handle.module, "info", None)
    if isinstance(handle.module, OnnxRuntimeModule) and isinstance(info, dict):
        record.update({key: value for key, value in info.items() if key not in record})
    from slimbench.engine.quantize.jobs import QUANTIZATION_ATTR

    quantization = getattr(handle.module, QUANTIZATION_ATTR, None)
    if isinstance(quantization, dict):
        record["quantization"] = {key: value for key, value in quantization.items()
                                  if key != "pruned"}
    record.update(extra or {})
    return record


def onnx_handle(handle: ModelHandle, module: OnnxRuntimeModule, name: str | None = None,
                notes: list[str] | None = None) -> ModelHandle:
    """A handle for ``module`` that keeps ``handle``'s inputs and data."""
    return ModelHandle(
        name=name or f"{handle.name}-onnx",
        module=module,
        source="onnx",
        location=handle.location,
        example_inputs=handle.example_inputs,
        data=handle.data,
        arch=handle.arch,
        arch_args=dict(handle.arch_args),
        notes=[*handle.notes, *(notes or [])],
    )


def check_fidelity(
    handle: ModelHandle, module: OnnxRuntimeModule, *, max_samples: int = 1024
) -> tuple[Fidelity, int]:
    """Outputs of the exported model against the PyTorch model's on the same inputs: the
    model's evaluation data when it has some, else a batch of its example inputs."""
    if handle.data is not None and len(handle.data) > 0:
        inputs: tuple[torch.Tensor, ...] = (handle.data.subset(max_samples).inputs,)
    else:
        inputs = make_batch(handle, 32)
    reference = predict(handle.module, inputs)
    candidate = predict(module, inputs)
    return fidelity_of_outputs(reference, candidate), len(inputs[0])


def export_job(
    handle: ModelHandle,
    output: str | Path | None = None,
    *,
    opset: int | None = None,
    check: bool = True,
    max_samples: int = 1024,
) -> Generator[Progress, None, ExportResult]:
    """Export ``handle``'s model to ONNX, load it in ONNX Runtime and compare its outputs
    with PyTorch's, then (with ``output``) write the .onnx file atomically.

    The handle is not changed; the result's handle is the ONNX Runtime variant.
    """
    handle.require_inputs(f"export {handle.name} to ONNX")
    yield Progress(0, 3, f"Exporting {handle.name} with torch.onnx.export")
    exported = export_onnx(handle.module, make_batch(handle, 2), name=handle.name, opset=opset)
    notes = list(exported.notes)
    data = with_metadata(exported.onnx_bytes, record_of(handle))
    module = OnnxRuntimeModule(data, label=f"{handle.name} (ONNX)", info={
        "exporter": exported.exporter, "opset": exported.opset,
    })
    fidelity = None
    samples = 0
    if check and not isinstance(handle.module, OnnxRuntimeModule):
        yield Progress(1, 3, "Running the ONNX model in ONNX Runtime against PyTorch")
        fidelity, samples = check_fidelity(handle, module, max_samples=max_samples)
    result = ExportResult(onnx_handle(handle, module, notes=notes), exported, fidelity,
                          samples, notes=notes)
    if fidelity is not None:
        agreement = fidelity.top1_agreement
        summary = (f"ONNX Runtime against PyTorch on {samples} samples: cosine "
                   f"{fidelity.cosine:.6f}, max abs error {fidelity.max_abs_error:.3g}")
        if agreement == agreement:
            summary += f", top-1 agreement {agreement:.1%}"
        notes.append(summary + ".")
        if result.matches is False:
            notes.append("The ONNX model does not reproduce PyTorch's outputs (below "
                         f"{MIN_AGREEMENT:.0%} top-1 agreement): the exporter may have fixed a "
                         "branch or a shape; check the model before deploying this file.")
    if output is not None:
        yield Progress(2, 3, f"Writing {output}")
        result.output = _write(Path(output).expanduser(), module.onnx_bytes)
    yield Progress(3, 3, "Exported")
    return result


def export_to_onnx(handle: ModelHandle, output: str | Path | None = None,
                   **options: Any) -> ExportResult:
    return run_job(export_job(handle, output, **options))


def save_onnx(handle: ModelHandle, target: str | Path) -> Path:
    """Write ``handle``'s ONNX Runtime model (or an export of its PyTorch model, unchecked) to
    ``target`` atomically, with Slimbench's record in its metadata."""
    path = Path(target).expanduser()
    module = handle.module
    if isinstance(module, OnnxRuntimeModule):
        data = with_metadata(module.onnx_bytes, record_of(handle))
    else:
        exported = export_onnx(module, make_batch(handle, 2), name=handle.name)
        data = with_metadata(exported.onnx_bytes, record_of(handle))
    return _write(path, data)


def _write(path: Path, data: bytes) -> Path:
    if path.is_dir():
        raise SaveError(f"{path} is a folder; give a file name to save the model to.")
    try:
        return atomic_write(path, lambda temporary: temporary.write_bytes(data))
    except OSError as error:
        raise SaveError(f"Could not write {path}: {error.strerror or error}.") from None


def load_onnx(path: str | Path) -> ModelHandle:
    """A ModelHandle for an .onnx file, run by ONNX Runtime (``loading.load_model`` calls this)."""
    from slimbench.engine.loading import _dataset_from_meta, attach_zoo_data

    file = Path(path).expanduser()
    try:
        data = file.read_bytes()
    except OSError as error:
        raise ModelLoadError(f"{file.name} cannot be read: {error.strerror or error}.") from None
    module = OnnxRuntimeModule(data, label=file.name)
    meta = module.metadata
    module.info.update({key: meta[key] for key in ("exporter", "opset", "scheme", "quantization")
                        if key in meta})
    handle = ModelHandle(
        name=file.stem,
        module=module,
        source="onnx",
        location=str(file),
        example_inputs=module.example_inputs(batch_size=1),
        data=_dataset_from_meta(meta),
        arch=meta.get("arch") if isinstance(meta.get("arch"), str) else None,
        notes=[f"An ONNX model (opset {module.opset}): it runs on ONNX Runtime only, so "
               "PyTorch's pruning and quantization schemes do not apply to it."],
    )
    if isinstance(meta.get("quantization"), dict):
        from slimbench.engine.quantize.jobs import QUANTIZATION_ATTR

        setattr(module, QUANTIZATION_ATTR, dict(meta["quantization"]))
    arch = handle.arch or ""
    if arch.startswith("zoo:") and handle.example_inputs is None:
        attach_zoo_data(handle, arch.removeprefix("zoo:"))
    return handle
