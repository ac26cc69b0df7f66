"""Untrusted files: a planted pickle never runs on any load path unless the user trusts the file.

Each malicious file, when fully unpickled, calls ``plant_marker`` and so creates a marker file.
Every test checks the marker is absent after a refused load; the trusted loads at the end show
that the same files do create it, so the absent marker proves something.
"""

from __future__ import annotations

import contextlib
import io
import json
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.cli import EXIT_BAD_INPUT, main
from slimbench.engine import zoo
from slimbench.engine.errors import (
    DatasetError,
    ModelLoadError,
    SlimbenchError,
    UntrustedPickleError,
)
from slimbench.engine.loading import load_model

ARCH = "zoo:mlp-digits"


def plant_marker(marker: str) -> None:
    """What the planted pickle calls: any code could run here; this one leaves a trace."""
    Path(marker).touch()


class Planted:
    """Unpickling this object calls ``plant_marker(marker)``."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self) -> tuple[Callable[[str], None], tuple[str]]:
        return plant_marker, (self.marker,)


def digits_state() -> dict[str, torch.Tensor]:
    return zoo.build_model("mlp-digits", pretrained=False).state_dict()


def planted_bytes(marker: Path) -> bytes:
    buffer = io.BytesIO()
    torch.save(Planted(marker), buffer)
    return buffer.getvalue()


def replace_member(source: Path, target: Path, tail: str, data: bytes) -> None:
    """Copy the zip ``source`` to ``target`` with the member ending in ``tail`` replaced."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w") as out:
        hits = 0
        for info in archive.infolist():
            if info.filename.endswith(tail):
                hits += 1
                out.writestr(info, data)
            else:
                out.writestr(info, archive.read(info))
    assert hits == 1, tail


# --- the planted files --------------------------------------------------------------------------


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    path = tmp_path / "PLANTED_CODE_RAN"
    assert not path.exists()
    return path


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A genuine exported program of a tiny model."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3)).eval()
    path = tmp_path_factory.mktemp("export") / "tiny.pt2"
    torch.export.save(torch.export.export(model, (torch.randn(1, 4),)), str(path))
    return path


def _full(folder: Path, marker: Path) -> Path:
    path = folder / "full.pt"
    torch.save(Planted(marker), path)
    return path


def _nested(folder: Path, marker: Path) -> Path:
    """A checkpoint dict: a real state_dict of mlp-digits with the planted object beside it."""
    path = folder / "nested.pt"
    torch.save({"state_dict": digits_state(), "optimizer": Planted(marker)}, path)
    return path


def _legacy(folder: Path, marker: Path) -> Path:
    """The same nested checkpoint in torch's older, non-zip format."""
    path = folder / "legacy.pt"
    torch.save({"state_dict": digits_state(), "optimizer": Planted(marker)}, path,
               _use_new_zipfile_serialization=False)
    return path


def _checkpoint(folder: Path, marker: Path) -> Path:
    """Slimbench's own checkpoint layout, with the planted object inside its metadata."""
    path = folder / "slimbench.pt"
    meta = {"format": 1, "arch": ARCH, "arch_args": {}, "note": Planted(marker)}
    torch.save({"state_dict": digits_state(), "slimbench": meta}, path)
    return path


PLANTS = {"full": _full, "nested": _nested, "legacy": _legacy, "checkpoint": _checkpoint}


@pytest.fixture(params=list(PLANTS))
def planted(request: pytest.FixtureRequest, tmp_path: Path, marker: Path) -> Path:
    return PLANTS[request.param](tmp_path, marker)


#: Where torch.export.load unpickles with weights_only=False: the example inputs (its fallback),
#: a weight or tensor constant marked use_pickle, and an opaque constant (plain pickle.loads).
PROGRAM_PLANTS = ["inputs", "weight", "constant", "opaque"]


def plant_program(program: Path, target: Path, marker: Path, where: str) -> Path:
    """Copy a genuine exported program with a planted pickle where ``where`` says."""
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(program) as archive:
        for info in archive.infolist():
            members[info.filename] = archive.read(info)
    root = next(iter(members)).split("/", 1)[0]
    weights = f"{root}/data/weights/model_weights_config.json"
    constants = f"{root}/data/constants/model_constants_config.json"
    if where == "inputs":
        members[f"{root}/data/sample_inputs/model.pt"] = planted_bytes(marker)
    elif where == "weight":
        config = json.loads(members[weights])
        entry = next(iter(config["config"].values()))
        entry["use_pickle"] = True
        members[weights] = json.dumps(config).encode()
        members[f"{root}/data/weights/{entry['path_name']}"] = planted_bytes(marker)
    else:
        config = json.loads(members[constants])
        name = "tensor_planted" if where == "constant" else "opaque_obj_planted"
        config["config"]["planted"] = {"path_name": name, "is_param": False,
                                       "use_pickle": True, "tensor_meta": None}
        members[constants] = json.dumps(config).encode()
        members[f"{root}/data/constants/{name}"] = (
            planted_bytes(marker) if where == "constant" else pickle.dumps(Planted(marker)))
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return target


@pytest.fixture(params=PROGRAM_PLANTS)
def planted_program(request: pytest.FixtureRequest, program: Path, tmp_path: Path,
                    marker: Path) -> Path:
    return plant_program(program, tmp_path / "planted.pt2", marker, request.param)


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.err


def refused_in_one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("slimbench: error: "), err
    assert "Traceback" not in err
    return lines[0]


# --- load_model ----------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", [None, ARCH], ids=["no-arch", "zoo-arch"])
def test_load_model_refuses_a_planted_pickle(planted: Path, marker: Path, arch: str | None,
                                             one_line) -> None:
    with pytest.raises(UntrustedPickleError) as caught:
        load_model(planted, arch=arch)
    message = one_line(caught.value)
    assert "plant_marker" in message and "--trust-pickle" in message
    assert not marker.exists()


def test_load_model_refuses_an_exported_program_with_a_planted_pickle(
    planted_program: Path, marker: Path, one_line
) -> None:
    with pytest.raises(UntrustedPickleError) as caught:
        load_model(planted_program)
    assert "--trust-pickle" in one_line(caught.value)
    assert not marker.exists()


def test_an_exported_program_with_compiled_code_is_refused(program: Path, tmp_path: Path) -> None:
    """AOTInductor members are shared libraries that torch.export.load would load."""
    path = tmp_path / "aoti.pt2"
    with zipfile.ZipFile(program) as archive, zipfile.ZipFile(path, "w") as out:
        root = archive.namelist()[0].split("/", 1)[0]
        for info in archive.infolist():
            out.writestr(info, archive.read(info))
        out.writestr(f"{root}/data/aotinductor/model/model.so", b"\x7fELF not really")
    with pytest.raises(UntrustedPickleError, match="compiled"):
        load_model(path)


def test_a_genuine_exported_program_still_loads(program: Path, tmp_path: Path) -> None:
    handle = load_model(program)
    assert handle.source == "export" and handle.example_inputs is not None
    # Raw weights of all zeros (int8-static programs have such members) are plain data.
    model = nn.Sequential(nn.Linear(64, 32), nn.Linear(32, 2)).eval()
    nn.init.zeros_(model[0].weight)
    path = tmp_path / "zeros.pt2"
    torch.export.save(torch.export.export(model, (torch.randn(1, 64),)), str(path))
    assert load_model(path).source == "export"


# --- the command ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["inspect", "bench"])
def test_inspect_and_bench_exit_2_naming_the_blocked_object(
    capsys: pytest.CaptureFixture[str], planted: Path, marker: Path, command: str
) -> None:
    code, err = cli(capsys, command, planted)
    assert code == EXIT_BAD_INPUT, err
    line = refused_in_one_line(err)
    assert "plant_marker" in line and planted.name in line
    assert not marker.exists()


def test_inspect_refuses_a_planted_exported_program(
    capsys: pytest.CaptureFixture[str], planted_program: Path, marker: Path
) -> None:
    code, err = cli(capsys, "inspect", planted_program, "--json")
    assert code == EXIT_BAD_INPUT, err
    assert "--trust-pickle" in refused_in_one_line(err)
    assert not marker.exists()


def test_compare_refuses_a_planted_pickle(
    capsys: pytest.CaptureFixture[str], planted: Path, marker: Path
) -> None:
    """compare first tries load_quantized and load_pruned, which must not unpickle either."""
    code, err = cli(capsys, "compare", ARCH, planted)
    assert code == EXIT_BAD_INPUT, err
    assert "plant_marker" in refused_in_one_line(err)
    assert not marker.exists()


# --- Slimbench's own loaders ---------------------------------------------------------------------


def test_load_quantized_and_load_pruned_refuse_a_planted_pickle(
    planted: Path, planted_program: Path, marker: Path, one_line
) -> None:
    from slimbench.engine.prune.saving import load_pruned
    from slimbench.engine.quantize.saving import load_quantized

    for loader in (load_quantized, load_pruned):
        for path in (planted, planted_program):
            with pytest.raises(SlimbenchError) as caught:
                loader(path)
            one_line(caught.value)
            assert not marker.exists(), (loader.__name__, path.name)


def test_a_recipe_with_a_planted_model_is_refused(
    capsys: pytest.CaptureFixture[str], planted: Path, marker: Path, tmp_path: Path
) -> None:
    from slimbench.engine.jobs import run_job
    from slimbench.engine.recipes import load_recipe
    from slimbench.engine.recipes.runner import run_recipe_job

    recipe = tmp_path / "recipe.toml"
    recipe.write_text(f'model = {json.dumps(str(planted))}\n[[steps]]\ntechnique = "quantize"\n'
                      'scheme = "int8-dynamic"\ncompile = false\n')
    with pytest.raises(UntrustedPickleError):
        run_job(run_recipe_job(load_recipe(recipe), tmp_path / "report"))
    assert not marker.exists()

    code, err = cli(capsys, "run", recipe, "-o", tmp_path / "report2")
    assert code == EXIT_BAD_INPUT, err
    assert "plant_marker" in refused_in_one_line(err)
    assert not marker.exists()


def test_distillation_data_files_are_read_as_tensors_only(
    planted: Path, marker: Path, tmp_path: Path, one_line
) -> None:
    from slimbench.engine.distill.data import load_distill_data

    teacher = load_model(ARCH)
    with pytest.raises(DatasetError) as caught:
        load_distill_data(str(planted), teacher)
    one_line(caught.value)

    folder = tmp_path / "data"
    folder.mkdir()
    torch.save(torch.zeros(20, 64), folder / "inputs.pt")
    (folder / "labels.pt").write_bytes(planted.read_bytes())
    with pytest.raises(DatasetError) as caught:
        load_distill_data(str(folder), teacher)
    one_line(caught.value)
    assert not marker.exists()


def test_the_report_reads_model_files_without_running_them(
    planted: Path, planted_program: Path, marker: Path
) -> None:
    from slimbench.engine.report.models import inspect_model_file

    full = inspect_model_file(planted, "variant", "original")
    program = inspect_model_file(planted_program, "variant", "original")
    assert full.kind in {"pickled-module", "state-dict", "checkpoint", "unknown"}
    assert program.kind == "exported"
    assert not marker.exists()


# --- with trust, the same files do run their code ------------------------------------------------


def test_trusted_loads_run_the_planted_code(tmp_path: Path, marker: Path) -> None:
    """The control: the files above are really malicious, so their refusal means something."""
    nested = _nested(tmp_path, marker)
    handle = load_model(nested, arch=ARCH, trust_pickle=True)
    assert marker.exists() and handle.arch == ARCH
    marker.unlink()

    with pytest.raises(ModelLoadError):  # the full pickle unpickles to None: no model in it
        load_model(_full(tmp_path, marker), trust_pickle=True)
    assert marker.exists()


def test_trusted_exported_program_runs_the_planted_code(
    planted_program: Path, marker: Path
) -> None:
    # The planted object unpickles to None, which torch then rejects or ignores.
    with contextlib.suppress(ModelLoadError):
        load_model(planted_program, trust_pickle=True)
    assert marker.exists()


def test_trust_on_the_command_line_runs_the_planted_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, marker: Path
) -> None:
    nested = _nested(tmp_path, marker)
    code, err = cli(capsys, "inspect", nested, "--arch", ARCH, "--trust-pickle", "--json")
    assert code == 0, err
    assert marker.exists()


# --- known hole, not a pickle: torch.export's graph format evaluates text -------------------------


def test_an_exported_graph_with_a_crafted_shape_expression_does_not_run_code(
    program: Path, tmp_path: Path, marker: Path
) -> None:
    with zipfile.ZipFile(program) as archive:
        name = next(n for n in archive.namelist() if n.endswith("models/model.json"))
        graph = json.loads(archive.read(name))
    sizes = graph["graph_module"]["graph"]["tensor_values"]["input"]["sizes"]
    sizes[0] = {"as_expr": {"expr_str": f"__import__('pathlib').Path({str(marker)!r}).touch() "
                                        "or 1", "hint": None}}
    path = tmp_path / "crafted.pt2"
    replace_member(program, path, "models/model.json", json.dumps(graph).encode())
    # torch.export.load parses shape expressions with sympy.sympify, which evaluates Python:
    # an expression that is not plain arithmetic on symbols is refused like a pickle.
    with pytest.raises(UntrustedPickleError, match="shape expression"):
        load_model(path)
    assert not marker.exists()
