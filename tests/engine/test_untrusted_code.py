"""Untrusted code: Python that a file names as its architecture, and TorchScript, never run
unless the user trusts the file (or names the architecture themselves).

Each planted architecture is a .py file (or a module) that creates a marker file when it is
imported. Every refusal checks the marker is absent; the trusted loads show the same files do
create it, so the absent marker proves something.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from slimbench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from slimbench.engine.errors import (
    ArchitectureNeededError,
    SlimbenchError,
    UntrustedCodeError,
    UntrustedPickleError,
)
from slimbench.engine.loading import SLIMBENCH_META_KEY, load_model, parse_input_specs
from tests.engine.test_untrusted_files import digits_state

ARCH = "zoo:mlp-digits"

#: Imported, this creates the marker; its Net fits the weights of mlp-digits.
PLANTED_SOURCE = """
import pathlib

pathlib.Path({marker!r}).touch()

from slimbench.engine import zoo

_ENTRY = zoo.get_entry("mlp-digits")
_Digits = type(zoo.build_model("mlp-digits", pretrained=False))


class Net(_Digits):
    def __init__(self) -> None:
        super().__init__(**_ENTRY.model_args)
"""

@pytest.fixture
def marker(tmp_path: Path) -> Path:
    path = tmp_path / "PLANTED_CODE_RAN"
    assert not path.exists()
    return path


@pytest.fixture
def code_file(tmp_path: Path, marker: Path) -> Path:
    path = tmp_path / "evil.py"
    path.write_text(PLANTED_SOURCE.format(marker=str(marker)), encoding="utf-8")
    return path


@pytest.fixture
def code_module(tmp_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An importable module (on sys.path) that plants the marker: ``module:Class`` form."""
    name = f"slimbench_planted_{tmp_path.name.replace('-', '_').replace('[', '_').strip(']')}"
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / f"{name}.py").write_text(PLANTED_SOURCE.format(marker=str(marker)),
                                       encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    yield name
    sys.modules.pop(name, None)


def write_checkpoint(path: Path, arch: str, legacy: bool = False) -> Path:
    """Slimbench's own checkpoint layout, whose metadata names ``arch``."""
    payload = {"state_dict": digits_state(),
               SLIMBENCH_META_KEY: {"format": 1, "arch": arch, "arch_args": {}}}
    torch.save(payload, path, _use_new_zipfile_serialization=not legacy)
    return path


@pytest.fixture(params=["file", "module", "legacy-file"])
def planted(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str, str]:
    """(checkpoint, the architecture it names, the .py file or module it would run)."""
    if request.param == "module":
        code = request.getfixturevalue("code_module")
        arch = f"{code}:Net"
    else:
        code = str(request.getfixturevalue("code_file"))
        arch = f"{code}:Net"
    path = write_checkpoint(tmp_path / "checkpoint.pt", arch, legacy=request.param == "legacy-file")
    return path, arch, code


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused_in_one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("slimbench: error: ") and "Traceback" not in err, err
    return lines[0]


# --- load_model ---------------------------------------------------------------------------------


def test_an_architecture_the_file_names_in_code_is_refused(
    planted: tuple[Path, str, str], marker: Path, one_line: Any
) -> None:
    path, arch, code = planted
    with pytest.raises(UntrustedCodeError) as caught:
        load_model(path)
    message = one_line(caught.value)
    assert Path(code).name in message and "--trust-pickle" in message, message
    assert caught.value.arch == arch and caught.value.code == code
    assert not marker.exists() and code not in sys.modules


def test_trust_runs_the_named_code_and_loads(
    planted: tuple[Path, str, str], marker: Path
) -> None:
    """The control: the planted files really run code, so their refusal means something."""
    path, arch, _ = planted
    handle = load_model(path, trust_pickle=True)
    assert marker.exists() and handle.arch == arch and handle.source == "state_dict"
    marker.unlink()
    sys.modules.pop(arch.partition(":")[0], None)  # imported again, it runs again
    # Slimbench's own files: trust in the named code only, not in pickles.
    assert load_model(path, trust_code=True).arch == arch
    assert marker.exists()


def test_an_architecture_the_user_names_is_their_choice(
    code_file: Path, marker: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "bare.pt"
    torch.save(digits_state(), bare)
    handle = load_model(bare, arch=f"{code_file}:Net")
    assert marker.exists() and handle.arch_given
    # ...and it wins over the architecture a file names for itself.
    marker.unlink()
    other = write_checkpoint(tmp_path / "names-code.pt", f"{code_file}:Net")
    assert load_model(other, arch=ARCH).arch == ARCH
    assert not marker.exists()


def test_a_zoo_architecture_in_the_file_needs_no_trust(tmp_path: Path) -> None:
    handle = load_model(write_checkpoint(tmp_path / "zoo.pt", ARCH))
    assert handle.arch == ARCH and not handle.arch_given


def test_weights_alone_ask_for_an_architecture(tmp_path: Path, one_line: Any) -> None:
    bare = tmp_path / "bare.pt"
    torch.save(digits_state(), bare)
    with pytest.raises(ArchitectureNeededError) as caught:
        load_model(bare)
    message = one_line(caught.value)
    assert "holds only weights" in message and "--arch zoo:NAME" in message


def test_an_exported_programs_sidecar_naming_code_is_not_used(
    code_file: Path, marker: Path, tmp_path: Path
) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(4, 3)).eval()
    path = tmp_path / "tiny.pt2"
    torch.export.save(torch.export.export(model, (torch.randn(1, 4),)), str(path))
    path.with_name(path.name + ".json").write_text(json.dumps({"arch": f"{code_file}:Net"}))
    handle = load_model(path)
    assert handle.arch is None and any("not used" in note for note in handle.notes)
    assert not marker.exists()
    assert load_model(path, trust_code=True).arch == f"{code_file}:Net"


# --- Slimbench's own loaders and the callers that pass trust -------------------------------------


def test_slimbench_loaders_refuse_the_named_code(
    planted: tuple[Path, str, str], marker: Path
) -> None:
    from slimbench.engine.autosave import load_any
    from slimbench.engine.prune.saving import load_pruned
    from slimbench.engine.quantize.saving import load_quantized

    path, _, _ = planted
    for loader in (load_pruned, load_quantized, load_any):
        with pytest.raises(SlimbenchError):
            loader(path)
        assert not marker.exists(), loader.__name__


@pytest.fixture
def pruned_with_code(code_file: Path, marker: Path, tmp_path: Path) -> tuple[Path, str]:
    """A pruned file Slimbench wrote for a model whose architecture is the planted code."""
    from slimbench.engine.jobs import run_job
    from slimbench.engine.prune import PruneConfig, prune_job, save_pruned

    bare = tmp_path / "bare.pt"
    torch.save(digits_state(), bare)
    arch = f"{code_file}:Net"
    handle = load_model(bare, arch=arch, inputs=parse_input_specs(["1,64"]))
    pruned = run_job(prune_job(handle, PruneConfig(amount=0.5, measure=False))).handle
    path = save_pruned(pruned, tmp_path / "pruned.pt").path
    marker.unlink()
    return path, arch


def test_a_pruned_file_naming_code_loads_only_with_trust(
    pruned_with_code: tuple[Path, str], marker: Path
) -> None:
    from slimbench.engine.prune.saving import load_pruned
    from slimbench.engine.recipes.runner import load_step_output

    path, arch = pruned_with_code
    for load in (load_pruned, lambda p: load_model(p),
                 lambda p: load_step_output(p, "prune", trusted_arch=None),
                 lambda p: load_step_output(p, "prune", trusted_arch=ARCH)):
        with pytest.raises(UntrustedCodeError):
            load(path)
        assert not marker.exists()
    # A recipe resuming its own step: the original's architecture, which the user chose.
    assert load_step_output(path, "prune", trusted_arch=arch).arch == arch
    assert marker.exists()


def test_a_distillation_student_file_is_not_trusted(
    planted: tuple[Path, str, str], marker: Path
) -> None:
    from slimbench.engine.distill.students import DistillError, build_student

    path, _, _ = planted
    with pytest.raises(DistillError, match="refused"):
        build_student(load_model(ARCH), f"file:{path}")
    assert not marker.exists()


def test_distillation_trusts_the_files_it_writes_itself(
    code_file: Path, marker: Path, tmp_path: Path
) -> None:
    """A teacher built from the user's own .py: the training process reloads the copy the job
    just wrote, and the job reloads the student the process wrote; both name that code."""
    from slimbench.engine.distill import DistillConfig, distill_job
    from slimbench.engine.jobs import run_job

    bare = tmp_path / "bare.pt"
    torch.save(digits_state(), bare)
    teacher = load_model(bare, arch=f"{code_file}:Net", inputs=parse_input_specs(["1,64"]))
    result = run_job(distill_job(
        teacher, DistillConfig(student="width:0.5", epochs=1, work_dir=str(tmp_path / "run"),
                               data="digits",
                               max_steps_per_epoch=2, batch_size=32, patience=0),
        measure=False))
    assert result.handle.arch == f"{code_file}:Net"


# --- the command and recipes --------------------------------------------------------------------


@pytest.mark.parametrize("command", ["inspect", "bench"])
def test_the_command_refuses_in_one_line_and_trust_loads(
    capsys: pytest.CaptureFixture[str], planted: tuple[Path, str, str], marker: Path,
    command: str
) -> None:
    path, _, code = planted
    status, _, err = cli(capsys, command, path)
    assert status == EXIT_BAD_INPUT, err
    assert Path(code).name in refused_in_one_line(err)
    assert not marker.exists()
    if command == "inspect":
        status, out, err = cli(capsys, "inspect", path, "--trust-pickle", "--json")
        assert status == EXIT_OK, err
        assert json.loads(out)["params_total"] > 0 and marker.exists()


def test_arch_on_the_command_line_is_allowed(
    capsys: pytest.CaptureFixture[str], code_file: Path, marker: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "bare.pt"
    torch.save(digits_state(), bare)
    status, _, err = cli(capsys, "inspect", bare, "--json")
    assert status == EXIT_BAD_INPUT and "--arch" in refused_in_one_line(err)
    status, _, err = cli(capsys, "inspect", bare, "--arch", f"{code_file}:Net", "--json")
    assert status == EXIT_OK, err
    assert marker.exists()


def test_compare_refuses_the_named_code(
    capsys: pytest.CaptureFixture[str], planted: tuple[Path, str, str], marker: Path
) -> None:
    path, _, code = planted
    status, _, err = cli(capsys, "compare", ARCH, path)
    assert status == EXIT_BAD_INPUT, err
    assert Path(code).name in refused_in_one_line(err)
    assert not marker.exists()


def test_a_recipe_naming_a_file_with_code_is_refused(
    capsys: pytest.CaptureFixture[str], code_file: Path, marker: Path, tmp_path: Path
) -> None:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.recipes import load_recipe
    from slimbench.engine.recipes.runner import run_recipe_job

    path = write_checkpoint(tmp_path / "checkpoint.pt", f"{code_file}:Net")
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(f'model = {json.dumps(str(path))}\n[[steps]]\ntechnique = "quantize"\n'
                      'scheme = "int8-dynamic"\ncompile = false\n')
    with pytest.raises(UntrustedCodeError):
        run_job(run_recipe_job(load_recipe(recipe), tmp_path / "report"))
    assert not marker.exists()

    status, _, err = cli(capsys, "run", recipe, "-o", tmp_path / "report2")
    assert status == EXIT_BAD_INPUT, err
    assert "evil.py" in refused_in_one_line(err)
    assert not marker.exists()


# --- TorchScript runs code as it loads ----------------------------------------------------------


class WritesAFile(torch.nn.Module):
    """Scripted, its ``__setstate__`` (run by torch.jit.load) creates and writes a file."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    @torch.jit.export
    def __getstate__(self) -> list[str]:
        return [self.target]

    @torch.jit.export
    def __setstate__(self, state: list[str]) -> None:
        self.target = state[0]
        self.training = False
        # from_file with shared=True maps the file writable, creating it if absent.
        written = torch.from_file(state[0], True, 4, dtype=torch.uint8).fill_(33)
        print(written.sum())  # used, so the script compiler keeps the write

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def test_torchscript_is_refused_without_trust_because_it_can_write_files(
    tmp_path: Path, marker: Path, one_line: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(WritesAFile(str(marker))), str(path))
    assert not marker.exists()
    with pytest.raises(UntrustedPickleError) as caught:
        load_model(path)
    assert "TorchScript" in one_line(caught.value)
    assert not marker.exists()

    status, _, err = cli(capsys, "inspect", path)
    assert status == EXIT_BAD_INPUT and "--trust-pickle" in refused_in_one_line(err)
    assert not marker.exists()

    # The control: loading it is what writes the file.
    assert load_model(path, trust_pickle=True).source == "torchscript"
    assert marker.read_bytes() == b"!!!!"
