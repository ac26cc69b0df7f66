from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from slimbench.engine.errors import SlimbenchError
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import fidelity
from slimbench.engine.saving import SaveError, atomic_write, save_model


def test_zoo_model_round_trips_without_naming_the_architecture(tmp_path: Path) -> None:
    original = load_model("zoo:mlp-digits")
    path = save_model(original, tmp_path / "digits.pt")
    loaded = load_model(path)
    assert loaded.arch == "zoo:mlp-digits"
    assert loaded.data is not None and loaded.data.name == original.data.name
    assert loaded.example_inputs is not None
    result = fidelity(original.module, loaded.module, original.data.inputs)
    assert result.max_abs_error == 0.0
    # Plain PyTorch reads it too.
    payload = torch.load(path, weights_only=True)
    assert set(payload["state_dict"]) == set(original.module.state_dict())


def test_torchscript_stays_torchscript(tmp_path: Path) -> None:
    scripted = torch.jit.script(torch.nn.Linear(3, 2))
    handle = ModelHandle("s", scripted, "torchscript", "-")
    path = save_model(handle, tmp_path / "s.ts")
    assert load_model(path, trust_pickle=True).source == "torchscript"


def test_model_without_architecture_is_refused_in_one_line(tmp_path: Path) -> None:
    handle = ModelHandle("bare", torch.nn.Linear(3, 2), "export", "-")
    with pytest.raises(SaveError) as caught:
        save_model(handle, tmp_path / "x.pt")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "x.pt").exists()


def test_failed_write_leaves_the_existing_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "model.pt"
    target.write_bytes(b"original contents")

    def crash(temporary: Path) -> None:
        temporary.write_bytes(b"half a mod")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(target, crash)
    assert target.read_bytes() == b"original contents"
    assert os.listdir(tmp_path) == ["model.pt"]


def test_saving_to_a_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SlimbenchError):
        save_model(load_model("zoo:mlp-cancer"), tmp_path)
