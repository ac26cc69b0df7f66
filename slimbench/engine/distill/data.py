"""Training data for distillation: the teacher's own data set, a zoo data set, or the user's.

Formats a user can give (``--data``):

- ``zoo:NAME`` or ``NAME``: a built-in data set (its train split trains, its test split scores);
- ``FILE.pt``: a tensor of inputs (unlabelled), a ``(inputs, labels)`` pair, or a dict with
  ``inputs`` and optionally ``labels`` (read with ``weights_only=True``: tensors only);
- a folder of ``.pt`` files: each a tensor of inputs (batch along the first dimension), joined
  in file-name order; ``labels.pt`` in the folder, when present, holds the labels;
- ``FILE.csv``: numbers, one sample per row, with an optional header; a column named
  ``label``, ``target`` or ``class`` holds the labels, every other column is an input feature.

Labels are optional: without them the student learns from the teacher's outputs alone (pure
knowledge distillation) and quality is reported as fidelity to the teacher. A user's data is
split once, with a fixed seed, into 80 % to train on and 20 % to score on.
"""

from __future__ import annotations

import csv
from pathlib import Path

import torch

from slimbench.engine.data import TensorDataset
from slimbench.engine.errors import DatasetError, ModelLoadError
from slimbench.engine.loading import ModelHandle
from slimbench.engine.measure import output_tensor
from slimbench.engine.module_state import evaluation_mode

LABEL_COLUMNS = ("label", "target", "class")
#: Fraction of a user's data kept aside to score teacher and student on.
TEST_FRACTION = 0.2


def load_distill_data(
    spec: str | None, teacher: ModelHandle
) -> tuple[TensorDataset, TensorDataset]:
    """(train, test) for ``spec``; None means the teacher's own data set."""
    if spec is None:
        return _teacher_data(teacher)
    text = str(spec)
    from slimbench.engine import zoo

    name = text.removeprefix("zoo:")
    known = {entry["name"] for entry in zoo.list_datasets()}
    if text.startswith("zoo:") or (name in known and not Path(text).exists()):
        if name not in known:
            raise DatasetError(
                f"Unknown data set {name!r}; the built-in ones are {', '.join(sorted(known))}."
            )
        return zoo.load_dataset(name, "train"), zoo.load_dataset(name, "test")
    path = Path(text).expanduser()
    if not path.exists():
        raise DatasetError(f"There is no data file or folder at {path}.")
    if path.is_dir():
        data = _read_folder(path)
    elif path.suffix.lower() == ".csv":
        data = _read_csv(path)
    else:
        data = _read_tensor_file(path)
    return split_for_testing(data)


def _teacher_data(teacher: ModelHandle) -> tuple[TensorDataset, TensorDataset]:
    from slimbench.engine.prune.recovery import training_data

    if teacher.data is None or len(teacher.data) < 2:
        raise DatasetError(
            f"{teacher.name} brings no data of its own; give training inputs with --data "
            "(a .pt file, a folder of .pt files or a CSV)."
        )
    train = training_data(teacher)
    if train is None or train is teacher.data:
        return split_for_testing(teacher.data)
    return train, teacher.data


def split_for_testing(data: TensorDataset, seed: int = 0) -> tuple[TensorDataset, TensorDataset]:
    if len(data) < 10:
        raise DatasetError(
            f"{data.name} has {len(data)} samples; distillation needs at least 10."
        )
    return data.split(TEST_FRACTION, seed)


def _dataset(name: str, inputs: object, labels: object = None) -> TensorDataset:
    if not isinstance(inputs, torch.Tensor) or inputs.dim() < 1 or len(inputs) == 0:
        raise DatasetError(f"{name} holds no input tensor with samples along its first dimension.")
    if labels is not None:
        if not isinstance(labels, torch.Tensor) or labels.dim() != 1:
            raise DatasetError(f"The labels in {name} must be a 1-D tensor of class numbers.")
        if labels.is_floating_point() and not torch.equal(labels, labels.round()):
            raise DatasetError(f"The labels in {name} must be whole class numbers.")
        labels = labels.long()
        if len(labels) != len(inputs):
            raise DatasetError(f"{name} has {len(inputs)} inputs but {len(labels)} labels.")
        if len(labels) and int(labels.min()) < 0:
            raise DatasetError(f"The labels in {name} must be class numbers from 0 up.")
    classes = None if labels is None else int(labels.max()) + 1
    return TensorDataset(name, inputs.contiguous(), labels, classes)


def _load_tensors(path: Path) -> object:
    from slimbench.engine.loading import _zip_members, check_legacy_storages

    try:
        with path.open("rb") as stream:
            if stream.read(4) == b"PK\x03\x04":
                _zip_members(path)  # refuses a corrupt archive or a zip bomb unread
            else:  # the legacy format allocates what it declares: refuse a memory bomb
                stream.seek(0)
                check_legacy_storages(stream, path.stat().st_size, path.name)
    except ModelLoadError as error:
        raise DatasetError(str(error)) from None
    except OSError as error:
        raise DatasetError(f"{path.name} cannot be read: {error.strerror or error}.") from None
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise DatasetError(
            f"{path.name} is not a tensor file Slimbench can read safely "
            f"({str(error).splitlines()[0][:120] if str(error) else type(error).__name__})."
        ) from None


def _read_tensor_file(path: Path) -> TensorDataset:
    payload = _load_tensors(path)
    if isinstance(payload, torch.Tensor):
        return _dataset(path.name, payload)
    if isinstance(payload, (tuple, list)) and len(payload) == 2:
        return _dataset(path.name, payload[0], payload[1])
    if isinstance(payload, dict) and "inputs" in payload:
        return _dataset(path.name, payload["inputs"], payload.get("labels"))
    raise DatasetError(
        f"{path.name} must hold a tensor of inputs, an (inputs, labels) pair or a dict with "
        "'inputs' (and optionally 'labels')."
    )


def _read_folder(path: Path) -> TensorDataset:
    files = sorted(p for p in path.glob("*.pt") if p.name != "labels.pt")
    if not files:
        raise DatasetError(f"The folder {path} has no .pt files of inputs.")
    parts = []
    for file in files:
        tensor = _load_tensors(file)
        if not isinstance(tensor, torch.Tensor) or tensor.dim() < 1:
            raise DatasetError(
                f"{file.name} in {path.name} must hold one tensor of inputs, samples along its "
                "first dimension."
            )
        parts.append(tensor)
    if len({tuple(t.shape[1:]) for t in parts}) > 1:
        raise DatasetError(f"The tensors in {path} have different sample shapes.")
    labels_file = path / "labels.pt"
    labels = _load_tensors(labels_file) if labels_file.is_file() else None
    return _dataset(path.name, torch.cat(parts), labels)


def _read_csv(path: Path) -> TensorDataset:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{path.name} cannot be read as CSV text: {error}.") from None
    if not rows:
        raise DatasetError(f"{path.name} is empty.")
    header = None
    try:
        [float(cell) for cell in rows[0]]
    except ValueError:
        header, rows = [cell.strip().lower() for cell in rows[0]], rows[1:]
    if not rows:
        raise DatasetError(f"{path.name} has a header but no rows of numbers.")
    width = len(header) if header else len(rows[0])
    label_column = None
    if header:
        label_column = next((header.index(n) for n in LABEL_COLUMNS if n in header), None)
    if label_column is not None and width == 1:
        raise DatasetError(f"{path.name} has a label column but no input columns.")
    values = []
    for number, row in enumerate(rows, start=2 if header else 1):
        if len(row) != width:
            raise DatasetError(f"{path.name} line {number} has {len(row)} columns, not {width}.")
        try:
            values.append([float(cell) for cell in row])
        except ValueError:
            raise DatasetError(f"{path.name} line {number} holds a value that is not a number.") \
                from None
    table = torch.tensor(values, dtype=torch.float32)
    if label_column is None:
        return _dataset(path.name, table)
    keep = [i for i in range(width) if i != label_column]
    return _dataset(path.name, table[:, keep], table[:, label_column])


def check_fits(teacher: ModelHandle, data: TensorDataset) -> int:
    """Run the teacher on two samples: the data must fit it. Returns its number of outputs."""
    sample = data.inputs[:2]
    try:
        with torch.no_grad(), evaluation_mode(teacher.module):
            outputs = output_tensor(teacher.module(sample))
    except Exception as error:
        raise DatasetError(
            f"Inputs of shape {list(sample.shape[1:])} from {data.name} do not fit "
            f"{teacher.name}: {str(error).splitlines()[0][:160] if str(error) else error!r}."
        ) from None
    if outputs.dim() != 2:
        raise DatasetError(
            f"{teacher.name} gives outputs of shape {list(outputs.shape)}; distillation needs "
            "one row of class scores per sample."
        )
    classes = outputs.shape[-1]
    if data.labels is not None and int(data.labels.max()) >= classes:
        raise DatasetError(
            f"{data.name} has label {int(data.labels.max())}, but {teacher.name} has only "
            f"{classes} outputs."
        )
    return classes
