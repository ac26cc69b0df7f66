"""The ``slimbench`` command: JSON documents, tables, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from slimbench.engine.errors import ModelLoadError

ZOO_MODEL_KEYS = {"name", "family", "task", "dataset", "params_total", "accuracy"}
INSPECT_KEYS = {
    "name", "params_total", "params_trainable", "params_nonzero", "size_bytes", "flops", "tree"
}
NODE_KEYS = {"path", "type", "params", "flops", "output_shape", "children"}
BENCH_KEYS = {
    "device", "dtype", "batch_size", "threads", "latency_ms", "throughput_per_s",
    "peak_memory_bytes",
}
FAST_BENCH = ["--repeats", "3", "--warmup", "1", "--no-roofline"]


class Net(nn.Module):
    """Linear(4,5) -> ReLU -> Linear(5,3): 43 parameters; 2*(20+15) = 70 FLOPs per sample."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(4, 5)
        self.act = nn.ReLU()
        self.out = nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.act(self.hidden(x)))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Model files for the commands: an exported program, weights, and broken files."""
    folder = tmp_path_factory.mktemp("cli")
    torch.manual_seed(0)
    model = Net().eval()
    program = folder / "net.pt2"
    torch.export.save(torch.export.export(model, (torch.randn(1, 4),)), str(program))
    weights = folder / "weights.pt"
    torch.save(model.state_dict(), weights)
    corrupt = folder / "corrupt.pt"
    corrupt.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    unknown = folder / "model.onnx"
    unknown.write_bytes(b"this is not a model format slimbench knows\n" * 4)
    return {
        "program": program,
        "weights": weights,
        "corrupt": corrupt,
        "unknown": unknown,
        "missing": folder / "does-not-exist.pt",
    }


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def node_count(node: dict) -> int:
    assert set(node) >= NODE_KEYS, set(node)
    return 1 + sum(node_count(child) for child in node["children"])


# --- zoo -----------------------------------------------------------------------------------


def test_zoo_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "zoo", "--json")

    assert code == EXIT_OK
    document = json.loads(out)
    assert document["models"] and document["datasets"]
    for model in document["models"]:
        assert set(model) >= ZOO_MODEL_KEYS, set(model)
        assert model["family"] in {"mlp", "cnn", "transformer"}
        assert model["accuracy"] is None or 0.0 <= model["accuracy"] <= 1.0
    names = [model["name"] for model in document["models"]]
    assert "mlp-digits" in names
    assert {"digits"} <= {dataset["name"] for dataset in document["datasets"]}
    assert err == ""


def test_json_flag_before_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    """``slimbench --json zoo`` is the same command as ``slimbench zoo --json``."""
    code, out, _ = cli(capsys, "--json", "zoo")

    assert code == EXIT_OK
    assert "models" in json.loads(out)


def test_zoo_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "zoo")

    assert code == EXIT_OK
    assert "mlp-digits" in out and "digits" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_devices_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "devices", "--json")

    assert code == EXIT_OK
    assert json.loads(out)["devices"][0]["name"] == "cpu"


# --- inspect -------------------------------------------------------------------------------


def test_inspect_json(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, err = cli(capsys, "inspect", files["program"], "--json")

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert set(document) >= INSPECT_KEYS
    assert document["name"] == "net"
    assert document["params_total"] == 43
    assert document["params_trainable"] == 43
    assert document["params_nonzero"] == 43
    assert document["size_bytes"] == 43 * 4
    assert document["flops"] == 70
    assert node_count(document["tree"]) == 4
    assert [child["path"] for child in document["tree"]["children"]] == ["hidden", "act", "out"]


def test_inspect_json_with_arch_and_input_shape(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    arch = f"{__name__}:Net"
    code, out, err = cli(
        capsys, "inspect", files["weights"], "--arch", arch, "--input-shape", "3,4", "--json"
    )

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert document["params_total"] == 43
    assert document["flops"] == 3 * 70
    assert document["tree"]["output_shape"] == [3, 3]


def test_inspect_table(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, _ = cli(capsys, "inspect", files["program"])

    assert code == EXIT_OK
    assert out.startswith("net")
    assert "hidden" in out and "Linear" in out
    assert "43" in out


def test_inspect_without_inputs_prints_a_hint(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path
) -> None:
    scripted = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(Net().eval()), str(scripted))

    code, out, _ = cli(capsys, "inspect", scripted, "--trust-pickle")

    assert code == EXIT_OK
    assert "hint:" in out and "--input-shape" in out


# --- bench ---------------------------------------------------------------------------------


def test_bench_json(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, err = cli(capsys, "bench", files["program"], "--json", *FAST_BENCH)

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert set(document) >= BENCH_KEYS
    assert document["device"] == "cpu"
    assert document["dtype"] == "float32"
    assert document["batch_size"] == 1
    assert isinstance(document["threads"], int) and document["threads"] >= 1
    latency = document["latency_ms"]
    assert 0 < latency["median"] <= latency["p90"]
    assert document["throughput_per_s"] == pytest.approx(1000 / latency["median"])
    assert document["peak_memory_bytes"] > 0
    assert "samples_ms" not in document


def test_bench_table(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, _ = cli(capsys, "bench", files["program"], *FAST_BENCH)

    assert code == EXIT_OK
    assert out.startswith("net on cpu")
    assert "median ms" in out


def test_bench_zoo_model(capsys: pytest.CaptureFixture[str], zoo_digits: str) -> None:
    code, out, err = cli(capsys, "bench", zoo_digits, "--json", "--batch-size", "4", *FAST_BENCH)

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert document["model"] == "mlp-digits"
    assert document["batch_size"] == 4


# --- errors --------------------------------------------------------------------------------

ERROR_CASES = {
    "missing-file": ["inspect", "{missing}"],
    "corrupt-file": ["inspect", "{corrupt}"],
    "unknown-format": ["inspect", "{unknown}"],
    "no-arch": ["inspect", "{weights}"],
    "arch-mismatch": [
        "inspect", "{weights}", "--arch", "torch.nn:Linear",
        "--arch-args", '{{"in_features": 4, "out_features": 3}}',
    ],
    "bad-arch-args": ["inspect", "{weights}", "--arch", "torch.nn:Linear", "--arch-args", "{{x"],
    "rejected-input-shape": ["inspect", "{program}", "--input-shape", "1,7"],
    "bad-input-shape": ["inspect", "{program}", "--input-shape", "one,two"],
    "unknown-input-dtype": ["inspect", "{program}", "--input-shape", "1,4", "--input-dtype", "q"],
    "dtype-without-shape": ["inspect", "{program}", "--input-dtype", "float32"],
    "unknown-device": ["bench", "{program}", "--device", "tpu", *FAST_BENCH],
    "unknown-bench-dtype": ["bench", "{program}", "--dtype", "int64", *FAST_BENCH],
    "zero-batch": ["bench", "{program}", "--batch-size", "0", *FAST_BENCH],
    "zero-repeats": ["bench", "{program}", "--repeats", "0", "--no-roofline"],
    "unknown-flag": ["inspect", "{program}", "--frobnicate"],
    "missing-model": ["inspect"],
    "not-an-int": ["bench", "{program}", "--batch-size", "many"],
    "unknown-zoo-model": ["inspect", "zoo:no-such-model"],
}


def _expand(args: list[str], files: dict[str, Path]) -> list[str]:
    return [arg.format(**{key: str(path) for key, path in files.items()}) for arg in args]


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("slimbench: error: "), err
    assert "Traceback" not in err
    return lines[0].removeprefix("slimbench: error: ")


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], case: str
) -> None:
    code, out, err = cli(capsys, *_expand(ERROR_CASES[case], files))

    assert code == EXIT_BAD_INPUT, err
    assert out == ""
    _one_error_line(err)


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_bad_input_with_json_prints_the_error_document(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], case: str
) -> None:
    code, out, err = cli(capsys, *_expand(ERROR_CASES[case], files), "--json")

    assert code == EXIT_BAD_INPUT, err
    document = json.loads(out)
    assert list(document) == ["error"]
    assert "\n" not in document["error"] and document["error"]
    assert _one_error_line(err) == document["error"]


def test_messages_name_the_problem(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    _, _, missing = cli(capsys, "inspect", files["missing"])
    _, _, mismatch = cli(capsys, *_expand(ERROR_CASES["arch-mismatch"], files))
    _, _, device = cli(capsys, *_expand(ERROR_CASES["unknown-device"], files))
    _, _, flag = cli(capsys, *_expand(ERROR_CASES["unknown-flag"], files))

    assert "does-not-exist.pt" in missing
    assert "do not fit" in mismatch
    assert "tpu" in device
    assert "--frobnicate" in flag


def test_arch_args_the_constructor_rejects_are_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from slimbench.engine import zoo

    weights = tmp_path / "digits.pt"
    torch.save(zoo.build_model("mlp-digits", pretrained=False).state_dict(), weights)

    code, _, err = cli(
        capsys, "inspect", weights, "--arch", "zoo:mlp-digits", "--arch-args", '{"depth": 0}'
    )

    assert code == EXIT_BAD_INPUT, err
    assert "Internal error" not in _one_error_line(err)


def test_debug_raises_the_typed_error(files: dict[str, Path]) -> None:
    with pytest.raises(ModelLoadError):
        main(["inspect", str(files["missing"]), "--debug"])


# --- the real command ----------------------------------------------------------------------


def _run(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "slimbench.cli", *map(str, args)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )


def test_console_command_fails_with_exit_2_and_one_line(files: dict[str, Path]) -> None:
    done = _run("inspect", files["corrupt"], "--json")

    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("slimbench: error: ")
    assert "corrupt.pt" in json.loads(done.stdout)["error"]


def test_console_command_succeeds_with_exit_0() -> None:
    done = _run("zoo", "--json")

    assert done.returncode == EXIT_OK, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["models"]


def test_quantize_command_writes_a_model_that_loads_back(tmp_path, capsys) -> None:
    from slimbench.cli import main
    from slimbench.engine.loading import load_model

    output = tmp_path / "digits-int8.pt"
    code = main(["quantize", "zoo:mlp-digits", "--scheme", "int8-dynamic", "--no-compile",
                 "--engine", "legacy", "--threads", "1", "-o", str(output), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(document) >= {"output", "before", "after", "notes"}
    for side in ("before", "after"):
        assert set(document[side]) >= {"params_total", "params_nonzero", "size_bytes",
                                       "latency_ms", "accuracy", "fidelity"}
    assert document["after"]["size_bytes"] < 0.3 * document["before"]["size_bytes"]
    assert document["after"]["fidelity"]["top1_agreement"] >= 0.99
    assert load_model(output).example_inputs is not None


def test_quantize_command_rejects_an_unknown_scheme(tmp_path, capsys) -> None:
    from slimbench.cli import main

    code = main(["quantize", "zoo:mlp-cancer", "--scheme", "int3", "-o", str(tmp_path / "x.pt")])
    assert code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "x.pt").exists()


def test_prune_command_shrinks_and_saves_a_model_that_loads_back(tmp_path, capsys) -> None:
    from slimbench.cli import main
    from slimbench.engine.loading import load_model

    output = tmp_path / "cancer-pruned.pt"
    code = main(["prune", "zoo:mlp-cancer", "--method", "structured", "--amount", "0.5",
                 "--threads", "1", "-o", str(output), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(document) >= {"output", "before", "after", "notes"}
    assert document["after"]["params_total"] < 0.6 * document["before"]["params_total"]
    assert document["after"]["size_bytes"] < document["before"]["size_bytes"]
    loaded = load_model(output)
    assert sum(p.numel() for p in loaded.module.parameters()) == \
        document["after"]["params_total"]


def test_prune_command_rejects_an_amount_out_of_range(tmp_path, capsys) -> None:
    from slimbench.cli import main

    code = main(["prune", "zoo:mlp-cancer", "--amount", "1.5", "-o", str(tmp_path / "x.pt")])
    assert code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_prune_command_auto_target_size_reaches_it_with_the_least_pruning(tmp_path,
                                                                          capsys) -> None:
    from slimbench.engine.loading import load_model

    output = tmp_path / "digits-auto.pt"
    code = main(["prune", "zoo:mlp-digits", "--method", "structured", "--auto-target-size",
                 "0.5", "--threads", "1", "-o", str(output), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(document) >= {"output", "before", "after", "notes", "layer_ratios"}
    ratios = document["layer_ratios"]
    assert ratios and set(ratios) <= {"net.1", "net.3", "net.5"}
    assert all(0.0 < ratio < 1.0 for ratio in ratios.values())
    reached = document["after"]["size_bytes"] / document["before"]["size_bytes"]
    assert reached <= 0.5
    assert document["auto"]["reached"] is True
    assert document["auto"]["reached_fraction"] == pytest.approx(reached)
    # The fewest greedy steps that reach it: every shorter candidate measured was too big.
    plan = document["auto"]["plan"]
    assert all(m["fraction"] > 0.5 for m in plan["measurements"] if m["steps"] < plan["steps"])
    assert document["after"]["accuracy"] is not None
    assert any("target 50% of the file size" in note for note in document["notes"])
    loaded = load_model(output)
    assert sum(p.numel() for p in loaded.module.parameters()) == \
        document["after"]["params_total"]


def test_prune_command_auto_target_latency_is_measured(tmp_path, capsys) -> None:
    code = main(["prune", "zoo:mlp-digits", "--auto-target-latency", "0.6", "--threads", "1",
                 "-o", str(tmp_path / "fast.pt"), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0, document
    assert document["layer_ratios"] and document["auto"]["kind"] == "latency"
    speedup = document["after"]["speedup_by_batch"]["32"]
    assert 1 / speedup <= 0.6  # paired before/after calls at batch 32, as measured
    assert document["after"]["latency_ms"]["median"] < document["before"]["latency_ms"]["median"]
    assert document["after"]["params_total"] < document["before"]["params_total"]


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--auto-target-size", "1.5"], "between 0 and 1"),
        (["--auto-target-latency", "0"], "between 0 and 1"),
        (["--auto-target-size", "nan"], "between 0 and 1"),
        (["--auto-target-size", "half"], "invalid float"),
        (["--auto-target-size", "0.5", "--amount", "0.3"], "not allowed with"),
        (["--auto-target-size", "0.5", "--auto-target-latency", "0.5"], "not allowed with"),
        (["--auto-target-latency", "0.5", "--method", "unstructured"], "structured"),
        ([], "--amount --auto-target-size --auto-target-latency is required"),
    ],
)
def test_prune_command_auto_targets_fail_in_one_line(tmp_path, capsys, flags, words) -> None:
    output = tmp_path / "x.pt"
    code = main(["prune", "zoo:mlp-digits", *flags, "-o", str(output), "--json"])
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert words in json.loads(captured.out)["error"]
    assert len(captured.err.strip().splitlines()) == 1
    assert not output.exists()


# --- distill --------------------------------------------------------------------------------

DISTILL_KEYS = {"output", "before", "after", "notes", "history", "params_ratio",
                "train_seconds", "world_size", "command"}
METRICS_KEYS = {"params_total", "params_nonzero", "size_bytes", "latency_ms", "accuracy",
                "fidelity"}


def test_distill_command_trains_a_smaller_student_and_reports_metrics(tmp_path, capsys) -> None:
    output = tmp_path / "student.pt"
    code = main(["distill", "zoo:resnet-digits", "--student", "width:0.5", "--epochs", "1",
                 "--max-steps-per-epoch", "5", "--work-dir", str(tmp_path / "run"),
                 "-o", str(output), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, document
    assert set(document) >= DISTILL_KEYS
    for side in ("before", "after"):
        assert set(document[side]) >= METRICS_KEYS
    assert document["after"]["params_total"] <= 0.5 * document["before"]["params_total"]
    assert document["before"]["accuracy"] > 0.9 and document["history"][0]["epoch"] == 1
    assert Path(document["output"]) == output and output.is_file()


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--student", "tiny"], "zoo:NAME, width:W"),
        (["--student", "width:2"], "above 0 and below 1"),
        (["--nproc", "4096", "--batch-size", "8192"], "cores"),
        (["--nnodes", "2"], "rdzv-endpoint"),
        (["--data", "/nonexistent/data.pt"], "no data file"),
        (["--resume"], "--work-dir"),
        (["--epochs", "0"], "at least one epoch"),
    ],
)
def test_distill_command_fails_in_one_line(tmp_path, capsys, flags, words) -> None:
    output = tmp_path / "student.pt"
    work_dir = [] if "--resume" in flags else ["--work-dir", str(tmp_path / "w")]
    code = main(["distill", "zoo:mlp-digits", *flags, *work_dir, "-o", str(output), "--json"])
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT, captured
    assert words in json.loads(captured.out)["error"]
    assert not output.exists()
