"""Loading every supported format from real files, and every way loading can fail."""

from __future__ import annotations

import hashlib
import json
import random
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine.errors import (
    ArchitectureMismatchError,
    InputSpecError,
    ModelLoadError,
    UntrustedCodeError,
    UntrustedPickleError,
)
from slimbench.engine.loading import (
    SLIMBENCH_META_KEY,
    ModelHandle,
    load_model,
    parse_dtype,
    parse_input_specs,
)

ARCH_SOURCE = '''
import torch
from torch import nn


class SmallNet(nn.Module):
    def __init__(self, width: int = 5, classes: int = 3) -> None:
        super().__init__()
        self.body = nn.Linear(4, width)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))
'''

ARCH_MODULE = "sb_test_arch_models"
X = torch.linspace(-1.0, 1.0, 8).reshape(2, 4)


def _arch_namespace() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(ARCH_SOURCE, "<arch>", "exec"), namespace)
    return namespace


def small_net(width: int = 5, seed: int = 0) -> nn.Module:
    """The same class the --arch specs point at, built here to make reference weights."""
    torch.manual_seed(seed)
    return _arch_namespace()["SmallNet"](width=width).eval()  # type: ignore[operator]


class Nested(nn.Module):
    """A model with a hierarchy worth keeping: seq.0, seq.1 and head."""

    def __init__(self) -> None:
        super().__init__()
        self.seq = nn.Sequential(nn.Linear(4, 5), nn.ReLU())
        self.head = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.seq(x))


def nested(seed: int = 0) -> Nested:
    torch.manual_seed(seed)
    return Nested().eval()


def same_outputs(handle: ModelHandle, reference: nn.Module, x: torch.Tensor = X) -> bool:
    with torch.no_grad():
        return torch.equal(handle.module(x), reference(x))


def digest(path: Path) -> str:
    if path.is_dir():
        return "".join(digest(item) for item in sorted(path.iterdir()))
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hugging Face loading must never reach the network (and sets this itself; undo it)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def arch_file(tmp_path: Path) -> Path:
    path = tmp_path / "small_arch.py"
    path.write_text(ARCH_SOURCE)
    return path


@pytest.fixture
def arch_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module importable by name from a folder put on sys.path."""
    folder = tmp_path / "importable"
    folder.mkdir()
    (folder / f"{ARCH_MODULE}.py").write_text(ARCH_SOURCE)
    monkeypatch.syspath_prepend(str(folder))
    sys.modules.pop(ARCH_MODULE, None)
    yield ARCH_MODULE
    sys.modules.pop(ARCH_MODULE, None)


@pytest.fixture
def weights_file(tmp_path: Path) -> tuple[Path, nn.Module]:
    """A bare state_dict of SmallNet(width=5) written by torch.save."""
    reference = small_net()
    path = tmp_path / "weights.pt"
    torch.save(reference.state_dict(), path)
    return path, reference


def _export(path: Path) -> nn.Module:
    reference = nested()
    torch.export.save(torch.export.export(reference, (X,)), str(path))
    return reference


def _trace(path: Path) -> nn.Module:
    reference = nested()
    torch.jit.save(torch.jit.trace(reference, X), str(path))
    return reference


def _script(path: Path) -> nn.Module:
    reference = make_sequential()
    torch.jit.save(torch.jit.script(reference), str(path))
    return reference


def make_sequential(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3)).eval()


# --- formats -------------------------------------------------------------------------------


def test_exported_program_loads_with_its_inputs_and_hierarchy(tmp_path: Path) -> None:
    path = tmp_path / "nested.pt2"
    reference = _export(path)

    handle = load_model(path)

    assert handle.source == "export"
    assert handle.name == "nested"
    assert handle.location == str(path)
    assert handle.example_inputs is not None
    assert len(handle.example_inputs) == 1
    assert torch.equal(handle.example_inputs[0], X)
    assert same_outputs(handle, reference)
    paths = {name for name, _ in handle.module.named_modules()}
    assert {"seq", "seq.0", "head"} <= paths
    assert not handle.module.training


@pytest.mark.parametrize("write", [_trace, _script], ids=["trace", "script"])
def test_torchscript_loads(tmp_path: Path, write: Callable[[Path], nn.Module]) -> None:
    path = tmp_path / "scripted.pt"
    reference = write(path)

    handle = load_model(path, trust_pickle=True)  # TorchScript runs code as it loads

    assert handle.source == "torchscript"
    assert isinstance(handle.module, torch.jit.ScriptModule)
    assert handle.example_inputs is None
    assert same_outputs(handle, reference)


def test_state_dict_with_module_path_arch(
    weights_file: tuple[Path, nn.Module], arch_module: str
) -> None:
    path, reference = weights_file

    handle = load_model(path, arch=f"{arch_module}:SmallNet")

    assert handle.source == "state_dict"
    assert handle.arch == f"{arch_module}:SmallNet"
    assert type(handle.module).__name__ == "SmallNet"
    assert same_outputs(handle, reference)
    assert not handle.module.training


def test_state_dict_with_file_arch(weights_file: tuple[Path, nn.Module], arch_file: Path) -> None:
    path, reference = weights_file

    handle = load_model(path, arch=f"{arch_file}:SmallNet")

    assert handle.source == "state_dict"
    assert same_outputs(handle, reference)


def test_state_dict_with_zoo_arch_gets_zoo_inputs_and_data(tmp_path: Path) -> None:
    from slimbench.engine import zoo

    reference = zoo.build_model("mlp-digits", pretrained=False)
    with torch.no_grad():  # weights unlike the pretrained ones, so a silent fallback shows
        for parameter in reference.parameters():
            parameter.normal_(0, 0.05, generator=torch.Generator().manual_seed(1))
    path = tmp_path / "digits.pt"
    torch.save(reference.state_dict(), path)

    handle = load_model(path, arch="zoo:mlp-digits")

    assert handle.arch == "zoo:mlp-digits"
    assert handle.example_inputs is not None
    assert handle.example_inputs[0].shape == (1, 1, 8, 8)
    assert handle.data is not None and handle.data.has_labels
    x = handle.example_inputs[0]
    assert same_outputs(handle, reference, x)


def test_zoo_model_loads_pretrained(zoo_digits: str) -> None:
    handle = load_model(zoo_digits)

    assert handle.source == "zoo"
    assert handle.name == "mlp-digits"
    assert handle.example_inputs is not None and handle.example_inputs[0].shape == (1, 1, 8, 8)
    assert handle.data is not None and len(handle.data) > 0
    with torch.no_grad():
        assert handle.module(*handle.example_inputs).shape == (1, 10)


@pytest.mark.parametrize("key", ["state_dict", "model", "model_state_dict", "weights"])
def test_checkpoint_dict(tmp_path: Path, arch_file: Path, key: str) -> None:
    reference = small_net(seed=3)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    path = tmp_path / "checkpoint.pth"
    torch.save({key: reference.state_dict(), "epoch": 7, "optimizer": optimizer.state_dict()}, path)

    handle = load_model(path, arch=f"{arch_file}:SmallNet")

    assert same_outputs(handle, reference)


def test_checkpoint_with_slimbench_metadata_needs_no_arch(tmp_path: Path, arch_file: Path) -> None:
    reference = small_net(width=6)
    path = tmp_path / "saved.pt"
    meta = {"arch": f"{arch_file}:SmallNet", "arch_args": {"width": 6}}
    torch.save({"state_dict": reference.state_dict(), SLIMBENCH_META_KEY: meta}, path)

    # The architecture it names is Python code: built only once the file is trusted.
    with pytest.raises(UntrustedCodeError):
        load_model(path)
    handle = load_model(path, trust_code=True)

    assert handle.arch == f"{arch_file}:SmallNet"
    assert handle.arch_args == {"width": 6}
    assert same_outputs(handle, reference)


def test_legacy_non_zip_torch_save(tmp_path: Path, arch_file: Path) -> None:
    reference = small_net()
    path = tmp_path / "legacy.pt"
    torch.save(reference.state_dict(), path, _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(path)

    handle = load_model(path, arch=f"{arch_file}:SmallNet")

    assert handle.source == "state_dict"
    assert same_outputs(handle, reference)


def test_safetensors(tmp_path: Path, arch_file: Path) -> None:
    from safetensors.torch import save_file

    reference = small_net(seed=5)
    path = tmp_path / "weights.safetensors"
    save_file(reference.state_dict(), str(path))

    handle = load_model(path, arch=f"{arch_file}:SmallNet")

    assert handle.source == "safetensors"
    assert same_outputs(handle, reference)


def test_safetensors_without_arch_asks_for_one(tmp_path: Path, one_line) -> None:
    from safetensors.torch import save_file

    path = tmp_path / "weights.safetensors"
    save_file(small_net().state_dict(), str(path))

    with pytest.raises(ModelLoadError, match="--arch") as caught:
        load_model(path)
    one_line(caught.value)


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nn.Module]:
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config).eval()
    folder = tmp_path_factory.mktemp("hf") / "tiny-bert"
    model.save_pretrained(str(folder))
    return folder, model


def test_huggingface_folder(hf_folder: tuple[Path, nn.Module]) -> None:
    folder, reference = hf_folder

    handle = load_model(folder)

    assert handle.source == "huggingface"
    assert handle.name == "tiny-bert"
    assert handle.arch == "huggingface:BertForSequenceClassification"
    assert handle.example_inputs is not None
    (tokens,) = handle.example_inputs
    assert tokens.dtype == torch.int64
    assert tokens.shape == (1, 64)  # capped by max_position_embeddings
    assert int(tokens.max()) < 99
    with torch.no_grad():
        logits = handle.module(tokens)
        assert isinstance(logits, torch.Tensor)
        assert torch.allclose(logits, reference(tokens).logits)
    assert sum(p.numel() for p in handle.module.parameters()) == sum(
        p.numel() for p in reference.parameters()
    )


def test_huggingface_folder_with_bad_config(tmp_path: Path, one_line) -> None:
    pytest.importorskip("transformers")
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text("{not json")

    with pytest.raises(ModelLoadError) as caught:
        load_model(folder)
    assert "broken" in one_line(caught.value)


def test_huggingface_folder_without_weights(
    hf_folder: tuple[Path, nn.Module], tmp_path: Path, one_line
) -> None:
    folder = tmp_path / "config-only"
    folder.mkdir()
    (folder / "config.json").write_text((hf_folder[0] / "config.json").read_text())

    with pytest.raises(ModelLoadError) as caught:
        load_model(folder)
    one_line(caught.value)


def test_folder_without_config_json(tmp_path: Path, one_line) -> None:
    (tmp_path / "weights.pt").write_bytes(b"x")

    with pytest.raises(ModelLoadError, match=r"config\.json") as caught:
        load_model(tmp_path)
    one_line(caught.value)


def test_pickled_module_is_refused_without_trust(tmp_path: Path, one_line) -> None:
    path = tmp_path / "whole.pt"
    torch.save(make_sequential(), path)

    with pytest.raises(UntrustedPickleError) as caught:
        load_model(path)
    message = one_line(caught.value)
    assert "--trust-pickle" in message
    assert "Sequential" in message  # names the global it refused


def test_pickled_module_loads_when_trusted(tmp_path: Path) -> None:
    reference = make_sequential(seed=2)
    path = tmp_path / "whole.pt"
    torch.save(reference, path)

    handle = load_model(path, trust_pickle=True)

    assert handle.source == "pickle"
    assert isinstance(handle.module, nn.Sequential)
    assert same_outputs(handle, reference)


@pytest.mark.parametrize(
    "arch_args", ['{"width": 7}', {"width": 7}], ids=["json-string", "dict"]
)
def test_arch_args(tmp_path: Path, arch_file: Path, arch_args: str | dict) -> None:
    reference = small_net(width=7)
    path = tmp_path / "wide.pt"
    torch.save(reference.state_dict(), path)

    handle = load_model(path, arch=f"{arch_file}:SmallNet", arch_args=arch_args)

    assert handle.arch_args == {"width": 7}
    assert handle.module.body.out_features == 7
    assert same_outputs(handle, reference)


def test_input_specs_override_example_inputs(tmp_path: Path) -> None:
    path = tmp_path / "scripted.pt"
    _script(path)

    handle = load_model(path, inputs=parse_input_specs(["3,4"], ["float64"]), trust_pickle=True)

    assert handle.example_inputs is not None
    (x,) = handle.example_inputs
    assert x.shape == (3, 4)
    assert x.dtype == torch.float64


def test_input_specs_override_an_exported_programs_inputs(tmp_path: Path) -> None:
    path = tmp_path / "nested.pt2"
    _export(path)

    handle = load_model(path, inputs=parse_input_specs(["2x4", "1,2"], ["float32", "int64"]))

    assert handle.example_inputs is not None
    assert [tuple(t.shape) for t in handle.example_inputs] == [(2, 4), (1, 2)]
    assert [t.dtype for t in handle.example_inputs] == [torch.float32, torch.int64]
    assert not torch.equal(handle.example_inputs[0], X)


def test_input_spec_values_are_deterministic_and_valid_indices() -> None:
    first = parse_input_specs(["2,16"], ["int64"])[0].make()
    second = parse_input_specs(["2,16"], ["int64"])[0].make()
    assert torch.equal(first, second)
    assert int(first.min()) >= 0 and int(first.max()) <= 1


@pytest.mark.parametrize(
    "text, dtype",
    [("float32", torch.float32), ("torch.bfloat16", torch.bfloat16), (" Half ", torch.float16),
     ("long", torch.int64)],
)
def test_parse_dtype(text: str, dtype: torch.dtype) -> None:
    assert parse_dtype(text) is dtype


# --- errors --------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path, one_line) -> None:
    with pytest.raises(ModelLoadError) as caught:
        load_model(tmp_path / "nowhere.pt")
    assert "nowhere.pt" in one_line(caught.value)


def test_empty_file(tmp_path: Path, one_line) -> None:
    path = tmp_path / "empty.pt"
    path.write_bytes(b"")

    with pytest.raises(ModelLoadError, match="empty") as caught:
        load_model(path)
    one_line(caught.value)


def test_random_bytes(tmp_path: Path, one_line) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(b"\x13\x37" + random.Random(0).randbytes(2000))

    with pytest.raises(ModelLoadError, match="not a format") as caught:
        load_model(path)
    one_line(caught.value)


def test_garbage_after_a_pickle_marker_is_corrupt_not_untrusted(tmp_path: Path, one_line) -> None:
    """A file that starts like a pickle but is noise is corrupt; trusting it cannot help."""
    path = tmp_path / "noise.pt"
    path.write_bytes(b"\x80" + random.Random(0).randbytes(2000))

    with pytest.raises(ModelLoadError) as caught:
        load_model(path)
    one_line(caught.value)
    assert not isinstance(caught.value, UntrustedPickleError), str(caught.value)
    assert "--trust-pickle" not in str(caught.value)


def _write_state_dict(path: Path) -> None:
    torch.save(small_net().state_dict(), path)


def _write_legacy(path: Path) -> None:
    torch.save(small_net().state_dict(), path, _use_new_zipfile_serialization=False)


@pytest.mark.parametrize(
    "name, write",
    [
        ("weights.pt", _write_state_dict),
        ("legacy.pt", _write_legacy),
        ("program.pt2", _export),
        ("traced.pt", _trace),
    ],
    ids=["state_dict", "legacy", "export", "torchscript"],
)
def test_truncated_file(
    tmp_path: Path, arch_file: Path, name: str, write: Callable[[Path], object], one_line
) -> None:
    path = tmp_path / name
    write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ModelLoadError) as caught:
        load_model(path, arch=f"{arch_file}:SmallNet")
    message = one_line(caught.value)
    assert name in message
    assert "corrupt" in message or "truncated" in message


def test_zip_that_pytorch_did_not_write(tmp_path: Path, one_line) -> None:
    path = tmp_path / "photos.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday/readme.txt", "not a model")

    with pytest.raises(ModelLoadError, match="zip") as caught:
        load_model(path)
    one_line(caught.value)


def test_state_dict_without_arch(weights_file: tuple[Path, nn.Module], one_line) -> None:
    with pytest.raises(ModelLoadError) as caught:
        load_model(weights_file[0])
    message = one_line(caught.value)
    assert "--arch" in message
    assert not isinstance(caught.value, ArchitectureMismatchError)


def test_file_of_non_weights(tmp_path: Path, arch_file: Path, one_line) -> None:
    path = tmp_path / "history.pt"
    torch.save({"epoch": 3, "lr": 0.1}, path)

    with pytest.raises(ModelLoadError, match="not model weights") as caught:
        load_model(path, arch=f"{arch_file}:SmallNet")
    one_line(caught.value)


def test_arch_mismatch_missing_key(tmp_path: Path, arch_file: Path, one_line) -> None:
    state = small_net().state_dict()
    del state["head.bias"]
    path = tmp_path / "partial.pt"
    torch.save(state, path)

    with pytest.raises(ArchitectureMismatchError) as caught:
        load_model(path, arch=f"{arch_file}:SmallNet")
    message = one_line(caught.value)
    assert "missing" in message and "head.bias" in message


def test_arch_mismatch_unexpected_key(tmp_path: Path, arch_file: Path, one_line) -> None:
    state = small_net().state_dict()
    state["extra.weight"] = torch.zeros(2)
    path = tmp_path / "extra.pt"
    torch.save(state, path)

    with pytest.raises(ArchitectureMismatchError) as caught:
        load_model(path, arch=f"{arch_file}:SmallNet")
    assert "extra.weight" in one_line(caught.value)


def test_arch_mismatch_wrong_shape(tmp_path: Path, arch_file: Path, one_line) -> None:
    path = tmp_path / "wide.pt"
    torch.save(small_net(width=7).state_dict(), path)

    with pytest.raises(ArchitectureMismatchError) as caught:
        load_model(path, arch=f"{arch_file}:SmallNet")  # width 5 by default
    message = one_line(caught.value)
    assert "wrong shape" in message and "7x4" in message and "5x4" in message


@pytest.mark.parametrize(
    "arch",
    [
        "nocolon",
        ":SmallNet",
        "os:",
        "no_such_module_for_slimbench_tests:Net",
        "os:path",
        "json:JSONDecoder",
        "missing_file.py:SmallNet",
        "zoo:no-such-model",
        "{arch_file}:NoSuchClass",
    ],
)
def test_bad_arch_spec(
    weights_file: tuple[Path, nn.Module], arch_file: Path, arch: str, one_line
) -> None:
    with pytest.raises(ModelLoadError) as caught:
        load_model(weights_file[0], arch=arch.format(arch_file=arch_file))
    one_line(caught.value)


@pytest.mark.parametrize("arch_args", ["{bad", "[1, 2]", '"width"', ""])
def test_bad_arch_args_json(
    weights_file: tuple[Path, nn.Module], arch_file: Path, arch_args: str, one_line
) -> None:
    with pytest.raises(ModelLoadError, match="--arch-args") as caught:
        load_model(weights_file[0], arch=f"{arch_file}:SmallNet", arch_args=arch_args)
    one_line(caught.value)


def test_arch_args_the_class_does_not_take(
    weights_file: tuple[Path, nn.Module], arch_file: Path, one_line
) -> None:
    with pytest.raises(ModelLoadError, match="depth") as caught:
        load_model(weights_file[0], arch=f"{arch_file}:SmallNet", arch_args={"depth": 2})
    one_line(caught.value)


def test_arch_args_the_class_rejects(tmp_path: Path, one_line) -> None:
    """A constructor that raises ValueError on bad arguments is bad input, not a crash."""
    from slimbench.engine import zoo

    path = tmp_path / "digits.pt"
    torch.save(zoo.build_model("mlp-digits", pretrained=False).state_dict(), path)

    with pytest.raises(ModelLoadError) as caught:
        load_model(path, arch="zoo:mlp-digits", arch_args={"depth": 0})
    one_line(caught.value)


def test_arch_file_that_raises_on_import(
    weights_file: tuple[Path, nn.Module], tmp_path: Path, one_line
) -> None:
    broken = tmp_path / "broken_arch.py"
    broken.write_text("import torch\nraise RuntimeError('no GPU driver here')\n")
    modules_before = set(sys.modules)

    with pytest.raises(ModelLoadError) as caught:
        load_model(weights_file[0], arch=f"{broken}:SmallNet")
    message = one_line(caught.value)
    assert "broken_arch.py" in message and "no GPU driver here" in message
    leaked = [name for name in set(sys.modules) - modules_before if "user_arch" in name]
    assert not leaked


@pytest.mark.parametrize("shape", ["", " ", "a,b", "0,3", "-1,2", "1.5", "2;3"])
def test_bad_input_shape(shape: str, one_line) -> None:
    with pytest.raises(InputSpecError) as caught:
        parse_input_specs([shape])
    one_line(caught.value)


def test_unknown_dtype(one_line) -> None:
    with pytest.raises(InputSpecError, match="float8") as caught:
        parse_input_specs(["1,4"], ["float8"])
    one_line(caught.value)


def test_dtype_count_must_match_shapes(one_line) -> None:
    with pytest.raises(InputSpecError) as caught:
        parse_input_specs(["1,4", "1,2"], ["float32", "int64", "int64"])
    one_line(caught.value)


# --- loading never mutates -----------------------------------------------------------------


def _write_pickle(path: Path) -> None:
    torch.save(make_sequential(), path)


def _write_safetensors(path: Path) -> None:
    from safetensors.torch import save_file

    save_file(small_net().state_dict(), str(path))


@pytest.mark.parametrize(
    "name, write",
    [
        ("program.pt2", _export),
        ("traced.pt", _trace),
        ("weights.pt", _write_state_dict),
        ("legacy.pt", _write_legacy),
        ("weights.safetensors", _write_safetensors),
        ("whole.pt", _write_pickle),
    ],
    ids=["export", "torchscript", "state_dict", "legacy", "safetensors", "pickle"],
)
def test_loading_never_changes_the_file(
    tmp_path: Path, arch_file: Path, name: str, write: Callable[[Path], object]
) -> None:
    path = tmp_path / name
    write(path)
    before = digest(path), path.stat().st_mtime_ns
    listing = sorted(p.name for p in tmp_path.iterdir())

    handle = load_model(path, arch=f"{arch_file}:SmallNet", trust_pickle=True)
    with torch.no_grad():
        handle.module(X)  # running it must not write back either

    assert (digest(path), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_loading_a_huggingface_folder_never_changes_it(hf_folder: tuple[Path, nn.Module]) -> None:
    folder = hf_folder[0]
    before = digest(folder), sorted(p.name for p in folder.iterdir())

    load_model(folder)

    assert (digest(folder), sorted(p.name for p in folder.iterdir())) == before


def test_a_handle_reports_missing_inputs_as_one_line(tmp_path: Path, one_line) -> None:
    path = tmp_path / "traced.pt"
    _trace(path)
    handle = load_model(path, trust_pickle=True)

    with pytest.raises(InputSpecError, match="--input-shape") as caught:
        handle.require_inputs("benchmark the model")
    one_line(caught.value)


def test_sidecar_metadata_of_an_exported_program_is_read(tmp_path: Path) -> None:
    path = tmp_path / "program.pt2"
    _export(path)
    path.with_name(path.name + ".json").write_text(
        json.dumps({"arch": "zoo:mlp-digits", "dataset": "digits"})
    )

    handle = load_model(path)

    assert handle.arch == "zoo:mlp-digits"
    assert handle.data is not None and handle.data.name == "digits"

