"""The built-in model zoo: entries, bundled weights, data sets and their reproducibility."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from slimbench.engine.errors import DatasetError, ModelLoadError, SlimbenchError
from slimbench.engine.zoo import (
    ZOO,
    ZooEntry,
    build_model,
    get_entry,
    list_datasets,
    load_dataset,
)
from slimbench.engine.zoo import datasets as zoo_datasets
from slimbench.engine.zoo.registry import manifest

NAMES = list(ZOO)
SPLIT_SIZES = {
    "digits": (1437, 360),
    "breast-cancer": (455, 114),
    "majority": (20000, 4000),
}


@pytest.fixture(scope="module", params=NAMES)
def trained(request: pytest.FixtureRequest) -> tuple[ZooEntry, torch.nn.Module]:
    entry = get_entry(request.param)
    return entry, build_model(entry.name)


def test_zoo_names_and_fields() -> None:
    assert NAMES == ["mlp-digits", "resnet-digits", "transformer-majority", "mlp-cancer"]
    for name, entry in ZOO.items():
        assert entry.name == name
        assert entry.family in {"mlp", "cnn", "transformer"}
        assert entry.dataset in {d["name"] for d in list_datasets()}
        assert entry.description.endswith(".") and entry.description.count(". ") == 0
        assert entry.weights_file.is_file()
        assert entry.model_class(**entry.model_args) is not None
        assert hash(entry)  # frozen entries can key dicts and caches


def test_weights_total_size() -> None:
    total = sum(entry.weights_file.stat().st_size for entry in ZOO.values())
    assert total < 40_000_000


def test_entry_builds_in_eval_mode_with_manifest_params(
    trained: tuple[ZooEntry, torch.nn.Module],
) -> None:
    entry, model = trained
    assert not model.training
    assert isinstance(model, entry.model_class)
    assert entry.params_total == sum(p.numel() for p in model.parameters())
    assert entry.params_total == manifest()[entry.name]["params_total"]
    untrained = build_model(entry.name, pretrained=False)
    assert not untrained.training


def test_accuracy_reproduces_manifest(trained: tuple[ZooEntry, torch.nn.Module]) -> None:
    entry, model = trained
    data = load_dataset(entry.dataset, "test")
    assert data.labels is not None
    correct = 0
    with torch.no_grad():
        for inputs, labels in data.batches(500):
            correct += int((model(inputs).argmax(dim=1) == labels).sum())
    assert entry.accuracy is not None
    assert abs(correct / len(data) - entry.accuracy) <= 0.005


@pytest.mark.parametrize("batch_size", [1, 4])
def test_example_inputs(trained: tuple[ZooEntry, torch.nn.Module], batch_size: int) -> None:
    entry, model = trained
    (inputs,) = entry.example_inputs(batch_size)
    assert inputs.shape == (batch_size, *entry.input_shape)
    assert inputs.dtype == entry.input_dtype
    test_inputs = load_dataset(entry.dataset, "test").inputs
    assert torch.equal(inputs, test_inputs[:batch_size])  # real samples, not random ones
    with torch.no_grad():
        logits = model(inputs)
    assert logits.shape == (batch_size, entry.model_args["classes"])


def test_example_inputs_larger_than_test_split_repeat_it() -> None:
    entry = get_entry("mlp-cancer")
    (inputs,) = entry.example_inputs(200)
    assert inputs.shape == (200, 30)
    assert torch.equal(inputs[114:], inputs[:86])


def test_torch_export(trained: tuple[ZooEntry, torch.nn.Module]) -> None:
    entry, model = trained
    example = entry.example_inputs(2)
    exported = torch.export.export(model, example)
    with torch.no_grad():
        torch.testing.assert_close(exported.module()(*example), model(*example))


@pytest.mark.parametrize("name", list(SPLIT_SIZES))
def test_datasets_split_sizes_and_labels(name: str) -> None:
    info = {d["name"]: d for d in list_datasets()}[name]
    train, test = load_dataset(name, "train"), load_dataset(name, "test")
    assert (len(train), len(test)) == SPLIT_SIZES[name]
    assert info["samples"] == len(train) + len(test)
    for data in (train, test):
        assert data.name == name
        assert data.labels is not None and data.classes == info["classes"]
        assert set(data.labels.tolist()) == set(range(info["classes"]))
    assert load_dataset(name).inputs.shape == test.inputs.shape  # test is the default split


@pytest.mark.parametrize("filename", ["digits", "breast_cancer"])
def test_bundled_splits_are_disjoint(filename: str) -> None:
    with np.load(zoo_datasets.DATA_DIR / f"{filename}.npz") as data:
        train, test, labels = data["train_index"], data["test_index"], data["labels"]
    assert not set(train.tolist()) & set(test.tolist())
    assert sorted([*train.tolist(), *test.tolist()]) == list(range(len(labels)))


def test_majority_splits_are_disjoint_and_labels_correct() -> None:
    train, test = load_dataset("majority", "train"), load_dataset("majority", "test")
    assert not set(map(tuple, train.inputs.tolist())) & set(map(tuple, test.inputs.tolist()))
    assert train.inputs.dtype == torch.int64 and train.inputs.shape[1] == 32
    assert int(train.inputs.min()) >= 1 and int(train.inputs.max()) <= 10
    counts = torch.stack([(test.inputs == token).sum(1) for token in range(1, 11)], 1)
    top = counts.topk(2, dim=1)
    assert torch.equal(top.indices[:, 0], test.labels)
    lead = top.values[:, 0] - top.values[:, 1]
    assert bool(torch.isin(lead, torch.tensor([1, 2, 3])).all())


def test_breast_cancer_standardized_on_train_split() -> None:
    train = load_dataset("breast-cancer", "train").inputs
    torch.testing.assert_close(train.mean(0), torch.zeros(30), atol=1e-5, rtol=0)
    torch.testing.assert_close(train.std(0, correction=0), torch.ones(30), atol=1e-4, rtol=0)


def test_digits_pixels_in_unit_range() -> None:
    inputs = load_dataset("digits", "train").inputs
    assert inputs.dtype == torch.float32 and inputs.shape[1:] == (1, 8, 8)
    assert float(inputs.min()) == 0.0 and float(inputs.max()) == 1.0


@pytest.mark.parametrize("name", list(SPLIT_SIZES))
def test_datasets_are_deterministic(name: str) -> None:
    first = load_dataset(name, "train")
    # Clear the caches so the second load really reads or generates the data again.
    for loader in (zoo_datasets._digits, zoo_datasets._breast_cancer, zoo_datasets._majority):
        loader.cache_clear()
    second = load_dataset(name, "train")
    assert torch.equal(first.inputs, second.inputs)
    assert first.labels is not None and second.labels is not None
    assert torch.equal(first.labels, second.labels)


def test_loaded_tensors_are_copies() -> None:
    first = load_dataset("digits")
    first.inputs.zero_()
    assert float(load_dataset("digits").inputs.sum()) > 0


def _assert_one_sentence(error: SlimbenchError, *words: str) -> None:
    message = str(error)
    assert "\n" not in message and message.endswith(".")
    for word in words:
        assert word in message


def test_unknown_model_raises_model_load_error() -> None:
    with pytest.raises(ModelLoadError) as caught:
        get_entry("resnet-imagenet")
    _assert_one_sentence(caught.value, "resnet-imagenet", *NAMES)
    with pytest.raises(ModelLoadError):
        build_model("nope")
    assert get_entry("zoo:mlp-digits") is ZOO["mlp-digits"]


def test_unknown_dataset_and_split_raise_dataset_error() -> None:
    with pytest.raises(DatasetError) as caught:
        load_dataset("mnist")
    _assert_one_sentence(caught.value, "mnist", *SPLIT_SIZES)
    with pytest.raises(DatasetError) as caught:
        load_dataset("digits", "validation")
    _assert_one_sentence(caught.value, "validation", "train", "test")


def test_runtime_needs_neither_sklearn_nor_qt() -> None:
    # Blocking the modules makes any import of them fail, as on a machine without them.
    code = (
        "import sys\n"
        "for name in ('sklearn', 'PySide6', 'PyQt5', 'PyQt6', 'qtpy', 'superqt'):\n"
        "    sys.modules[name] = None\n"
        "from slimbench.engine.zoo import build_model, load_dataset\n"
        "load_dataset('digits'); load_dataset('breast-cancer'); build_model('mlp-cancer')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_resnet_prunes_structurally_with_torch_pruning() -> None:
    tp = pytest.importorskip("torch_pruning")
    entry = get_entry("resnet-digits")
    model = build_model(entry.name)
    example = entry.example_inputs(2)
    pruner = tp.pruner.BasePruner(
        model,
        example,
        importance=tp.importance.MagnitudeImportance(p=1),
        pruning_ratio=0.5,
        ignored_layers=[model.fc],
        round_to=8,
    )
    pruner.step()
    assert sum(p.numel() for p in model.parameters()) < 0.35 * entry.params_total
    assert model(*example).shape == (2, 10)
