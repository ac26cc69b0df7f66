"""Before/after METRICS on a runtime (issue 11): prune, quantize and distillation jobs time
the original and the result on eager, compiled or ONNX Runtime, record the runtime that
timed each side, fall back with a note where the result cannot run there, and refuse an
unavailable runtime in one line before the model is touched; the CLI's --runtime.

ONNX Runtime is an optional extra: its tests skip without it, and the tests of its absence
hide it, so they run either way. The compiled runtime needs a C++ compiler: its tests skip
without one.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.cli import EXIT_BAD_INPUT, EXIT_OK
from slimbench.engine.distill import DistillConfig, distill_job
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import predict
from slimbench.engine.prune import PruneConfig, auto_prune_job, measure_pair, prune_job
from slimbench.engine.prune.metrics import quality_inputs
from slimbench.engine.quantize import QuantizeConfig, quantize_job
from slimbench.engine.runtimes import availability
from tests.engine.test_runtimes import Zeta, cli, one_error_line

RUNTIMES = ("eager", "compiled", "onnxruntime")
LABELS = {"eager": "PyTorch eager", "compiled": "torch.compile", "onnxruntime": "ONNX Runtime"}
#: Short measurements: the numbers are not judged here, only where they come from.
PRUNE_QUICK = {"batch_sizes": (8,), "bench_repeats": 3, "bench_rounds": 1,
               "bench_max_seconds": 0.5, "max_eval_samples": 64, "threads": 1}
QUANTIZE_QUICK = {"batch_size": 8, "warmup": 1, "rounds": 1, "round_seconds": 0.02,
                  "eval_samples": 64, "threads": 1, "baselines": ()}
DISTILL_QUICK = {"student": "width:0.5", "epochs": 1, "max_steps_per_epoch": 2,
                 "batch_size": 32, "patience": 0, "threads": 1}


def _has_onnxruntime() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except Exception:
        return False
    return True


def _needs(runtime: str) -> None:
    """Skip, with the reason, a test of a runtime this machine cannot run."""
    if runtime == "onnxruntime" and not _has_onnxruntime():
        pytest.skip("onnxruntime is not installed (pip install '.[onnx]')")
    reason = availability.runtime_unavailable(runtime, "cpu")
    if reason:
        pytest.skip(reason)


needs_ort = pytest.mark.skipif(not _has_onnxruntime(),
                               reason="onnxruntime is not installed (pip install '.[onnx]')")


@pytest.fixture(scope="module")
def digits() -> ModelHandle:
    from slimbench.engine import zoo

    if not zoo.get_entry("mlp-digits").weights_file.exists():
        pytest.skip("zoo weights of mlp-digits are not built yet")
    return load_model("zoo:mlp-digits")


def _weights(module: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in module.state_dict().items()}


def _unchanged(module: nn.Module, weights: dict[str, torch.Tensor]) -> bool:
    now = module.state_dict()
    return set(now) == set(weights) and all(torch.equal(now[k], weights[k]) for k in weights)


def _eager_accuracy(handle: ModelHandle, samples: int) -> float:
    """The model's accuracy in PyTorch eager on the samples the METRICS judge quality on."""
    inputs, labels = quality_inputs(handle, samples)
    assert labels is not None
    outputs = predict(handle.module, inputs)
    return (outputs.argmax(-1) == labels).float().mean().item()


def _timed(metrics: dict) -> bool:
    latency = metrics.get("latency_ms") or {}
    return bool(latency) and latency["median"] > 0 and latency["p90"] >= latency["median"]


# --- prune --------------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_prune_times_before_and_after_on_the_runtime_asked(digits: ModelHandle,
                                                           runtime: str) -> None:
    _needs(runtime)
    weights = _weights(digits.module)

    result = run_job(prune_job(digits, PruneConfig(amount=0.5, runtime=runtime, **PRUNE_QUICK)))

    document = json.loads(json.dumps(result.to_json()))
    assert document["runtime"] == runtime and document["config"]["runtime"] == runtime
    for side in ("before", "after"):
        assert document[side]["runtime"] == runtime
        assert _timed(document[side])
    assert not any(note.startswith("Asked to measure") for note in result.notes)
    assert LABELS[runtime] in result.notes[0]  # the verdict says where it was timed
    if runtime == "compiled":
        assert all(document[side]["compile_seconds"] > 0 for side in ("before", "after"))
        assert any("torch.compile took" in note for note in result.notes)
    if runtime == "onnxruntime":
        assert all(document[side]["export_seconds"] > 0 for side in ("before", "after"))
        assert any("Exported to ONNX" in note for note in result.notes)
        # Quality is judged on what was timed: ONNX Runtime reproduces PyTorch's answers.
        samples = PRUNE_QUICK["max_eval_samples"]
        assert document["after"]["accuracy"] == pytest.approx(
            _eager_accuracy(result.handle, samples), abs=1.5 / samples)
    assert _unchanged(digits.module, weights)


def test_prune_without_a_runtime_is_eager_as_before(digits: ModelHandle) -> None:
    result = run_job(prune_job(digits, PruneConfig(amount=0.5, **PRUNE_QUICK)))

    assert result.config.runtime is None
    assert result.before["runtime"] == result.after["runtime"] == "eager"
    assert "compile_seconds" not in result.after and "export_seconds" not in result.after
    assert not any("Exported to ONNX" in note or "torch.compile took" in note
                   for note in result.notes)


@needs_ort
def test_a_pair_that_does_not_export_is_measured_on_the_next_runtime_with_a_note(
        monkeypatch: pytest.MonkeyPatch, one_line: Callable[[object], str]) -> None:
    from slimbench.engine.quantize import runtime as compile_runtime

    # No compiler: the next runtime after ONNX Runtime that works is eager.
    monkeypatch.setattr(compile_runtime, "compile_available", lambda: "no C++ compiler here")
    torch.manual_seed(0)
    model = Zeta().eval()
    example = (torch.randn(4, 8),)
    before = ModelHandle("zeta", model, "memory", "memory", example_inputs=example)
    after = ModelHandle("zeta-copy", copy.deepcopy(model), "memory", "memory",
                        example_inputs=example)
    notes: list[str] = []

    first, second = run_job(measure_pair(
        before, after, PruneConfig(runtime="onnxruntime", **PRUNE_QUICK), notes))

    assert first["runtime"] == second["runtime"] == "eager"
    assert _timed(first) and _timed(second)
    fallback = [note for note in notes if note.startswith("Asked to measure")]
    assert len(fallback) == 1, notes
    note = one_line(fallback[0])
    assert "ONNX Runtime" in note and "PyTorch eager" in note
    assert re.search(r"operator \S*zeta\S* has no ONNX conversion", note), note


# --- quantize -----------------------------------------------------------------------------

#: A scheme that runs on each runtime: torch.ao's eager int8 (the eager runtime compiles
#: nothing), torchao's int8 compiled, and torchao's weight-only int8, which exports to ONNX.
QUANTIZE_ON = {
    "eager": {"scheme": "int8-dynamic"},
    "compiled": {"scheme": "int8-dynamic"},
    "onnxruntime": {"scheme": "int8-weight-only", "compile": False},
}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_quantize_times_before_and_after_on_the_runtime_asked(digits: ModelHandle,
                                                              runtime: str) -> None:
    _needs(runtime)
    weights = _weights(digits.module)
    config = QuantizeConfig(runtime=runtime, **QUANTIZE_ON[runtime], **QUANTIZE_QUICK)

    result = run_job(quantize_job(digits, config))

    document = json.loads(json.dumps(result.to_json()))
    assert document["runtime"] == runtime and document["runtime_asked"] == runtime
    for side in ("before", "after"):
        assert document[side]["runtime"] == runtime
        assert document[side]["compiled"] == (runtime == "compiled")
        assert _timed(document[side])
    assert not any(note.startswith("Asked to measure") for note in result.notes)
    assert document["after"]["size_bytes"] < 0.5 * document["before"]["size_bytes"]
    if runtime == "eager":
        assert result.engine == "legacy"  # torchao's int8 needs compile to pay off
    if runtime == "compiled":
        assert result.compile_seconds is not None and result.compile_seconds > 0
        assert any("for the fp32 original" in note for note in result.notes)
        assert "fp32-compiled" not in document["baselines"]  # "before" is that already
    if runtime == "onnxruntime":
        assert any("Exported to ONNX" in note for note in result.notes)
        assert document["after"]["fidelity"]["top1_agreement"] >= 0.95
    assert _unchanged(digits.module, weights)


@needs_ort
def test_torchao_int8_on_onnxruntime_falls_back_with_a_note_naming_the_operator(
        digits: ModelHandle, one_line: Callable[[object], str]) -> None:
    config = QuantizeConfig("int8-dynamic", engine="torchao", compile=False,
                            runtime="onnxruntime", **QUANTIZE_QUICK)

    result = run_job(quantize_job(digits, config))

    assert result.engine == "torchao"
    document = result.to_json()
    assert document["runtime_asked"] == "onnxruntime"
    assert document["runtime"] == document["before"]["runtime"] == "eager"
    assert _timed(document["before"]) and _timed(document["after"])
    fallback = [note for note in result.notes if note.startswith("Asked to measure")]
    assert len(fallback) == 1, result.notes
    note = one_line(fallback[0])
    assert "ONNX Runtime" in note and "PyTorch eager" in note
    assert re.search(r"the operator \S+ has no ONNX conversion", note), note


@needs_ort
def test_an_onnx_runtime_scheme_measures_both_on_onnx_runtime_whatever_is_asked(
        digits: ModelHandle) -> None:
    result = run_job(quantize_job(digits, QuantizeConfig(
        "ort-int8-dynamic", runtime="eager", **QUANTIZE_QUICK)))

    assert result.before.runtime == result.after.runtime == "onnxruntime"
    assert "onnxruntime-fp32" not in result.baselines  # "before" is that run already
    fallback = [note for note in result.notes if note.startswith("Asked to measure")]
    assert len(fallback) == 1 and "runs on ONNX Runtime only" in fallback[0]


def test_quantize_without_a_runtime_keeps_the_original_eager(digits: ModelHandle) -> None:
    result = run_job(quantize_job(digits, QuantizeConfig(
        "int8-dynamic", compile=False, engine="legacy", **QUANTIZE_QUICK)))

    assert result.runtime_asked is None
    assert result.to_json()["before"]["runtime"] == "eager"
    assert result.after.runtime == "eager"


# --- distillation -------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_distillation_times_teacher_and_student_on_the_runtime_asked(
        digits: ModelHandle, runtime: str, tmp_path: Path) -> None:
    _needs(runtime)

    result = run_job(distill_job(digits, DistillConfig(
        runtime=runtime, work_dir=str(tmp_path / "run"), **DISTILL_QUICK)))

    document = json.loads(json.dumps(result.to_json()))
    assert document["runtime"] == runtime
    for side in ("before", "after"):
        assert document[side]["runtime"] == runtime
        assert _timed(document[side])
    assert document["after"]["params_total"] < document["before"]["params_total"]
    if runtime == "compiled":
        assert any("torch.compile took" in note for note in result.notes)
    if runtime == "onnxruntime":
        assert any("Exported to ONNX" in note for note in result.notes)


# --- a runtime that cannot run here -------------------------------------------------------


def _jobs(handle: ModelHandle, runtime: str, work_dir: Path) -> dict[str, Iterator]:
    return {
        "prune": prune_job(handle, PruneConfig(amount=0.5, runtime=runtime, **PRUNE_QUICK)),
        # Refused before its sensitivity scan, not minutes into it.
        "auto prune": auto_prune_job(handle, 0.5, "size",
                                     config=PruneConfig(runtime=runtime, **PRUNE_QUICK)),
        "quantize": quantize_job(handle, QuantizeConfig("int8-dynamic", runtime=runtime,
                                                        **QUANTIZE_QUICK)),
        "distill": distill_job(handle, DistillConfig(runtime=runtime, work_dir=str(work_dir),
                                                     **DISTILL_QUICK)),
    }


@pytest.mark.usefixtures("no_onnxruntime")
def test_missing_onnxruntime_fails_every_job_in_one_line_before_it_starts(
        digits: ModelHandle, tmp_path: Path, one_line: Callable[[object], str]) -> None:
    weights = _weights(digits.module)
    for kind, job in _jobs(digits, "onnxruntime", tmp_path / "run").items():
        with pytest.raises(SlimbenchError) as caught:
            next(job)  # the first step: nothing was copied, trained or exported yet
        message = one_line(caught.value)
        assert "ONNX Runtime is not installed" in message, (kind, message)
    assert not (tmp_path / "run").exists()  # the distillation wrote nothing
    assert _unchanged(digits.module, weights)


def test_a_compiled_runtime_without_a_compiler_fails_in_one_line(
        digits: ModelHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        one_line: Callable[[object], str]) -> None:
    from slimbench.engine.quantize import runtime as compile_runtime

    monkeypatch.setattr(compile_runtime, "compile_available",
                        lambda: "torch.compile needs a C++ compiler on CPU, and none is on "
                                "the PATH")
    for kind, job in _jobs(digits, "compiled", tmp_path / "run").items():
        with pytest.raises(SlimbenchError) as caught:
            next(job)
        assert "C++ compiler" in one_line(caught.value), kind


def test_an_unknown_runtime_is_refused_in_one_line(
        digits: ModelHandle, tmp_path: Path, one_line: Callable[[object], str]) -> None:
    for kind, job in _jobs(digits, "tensorrt", tmp_path / "run").items():
        with pytest.raises(SlimbenchError) as caught:
            next(job)
        message = one_line(caught.value)
        assert "tensorrt" in message and "onnxruntime" in message, kind


# --- the command line ---------------------------------------------------------------------


@needs_ort
def test_prune_command_on_onnxruntime_prints_and_reports_the_runtime(
        digits: ModelHandle, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = cli(capsys, "prune", "zoo:mlp-digits", "--amount", "0.5", "--threads", "1",
                         "--runtime", "onnxruntime", "-o", tmp_path / "pruned.pt", "--json")

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert document["runtime"] == "onnxruntime"
    assert document["before"]["runtime"] == document["after"]["runtime"] == "onnxruntime"
    assert (tmp_path / "pruned.pt").is_file()

    code, out, err = cli(capsys, "quantize", "zoo:mlp-digits", "--scheme", "ort-int8-dynamic",
                         "--threads", "1", "--runtime", "onnxruntime",
                         "-o", tmp_path / "int8.onnx")
    assert code == EXIT_OK, err
    header, _rule, before, after = out.splitlines()[:4]
    assert "runtime" in header.split()
    assert before.split()[0] == "before" and "onnxruntime" in before.split()
    assert after.split()[0] == "after" and "onnxruntime" in after.split()


def test_quantize_command_on_the_eager_runtime_reports_it_in_json(
        digits: ModelHandle, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = cli(capsys, "quantize", "zoo:mlp-digits", "--scheme", "int8-dynamic",
                         "--threads", "1", "--runtime", "eager", "-o", tmp_path / "int8.pt",
                         "--json")

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert document["runtime"] == document["runtime_asked"] == "eager"
    assert document["before"]["runtime"] == document["after"]["runtime"] == "eager"
    assert document["engine"] == "legacy"


@pytest.mark.usefixtures("no_onnxruntime")
@pytest.mark.parametrize("command", [
    ["prune", "zoo:mlp-digits", "--amount", "0.5"],
    ["quantize", "zoo:mlp-digits", "--scheme", "int8-dynamic"],
    ["distill", "zoo:mlp-digits", "--epochs", "1"],
])
def test_commands_refuse_a_missing_onnxruntime_with_exit_2(
        command: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "out.pt"
    code, out, err = cli(capsys, *command, "--runtime", "onnxruntime", "-o", output)

    assert code == EXIT_BAD_INPUT
    assert "ONNX Runtime is not installed" in one_error_line(err)
    assert not output.exists()

    code, out, _ = cli(capsys, *command, "--runtime", "onnxruntime", "-o", output, "--json")
    assert code == EXIT_BAD_INPUT
    assert "ONNX Runtime is not installed" in json.loads(out)["error"]


@pytest.mark.parametrize("flags", [["--runtime", "eager", "--compile"],
                                   ["--runtime", "compiled", "--no-compile"],
                                   ["--runtime", "tensorrt"]])
def test_quantize_command_refuses_conflicting_runtime_flags(
        flags: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = cli(capsys, "quantize", "zoo:mlp-digits", "--scheme", "int8-dynamic",
                       *flags, "-o", tmp_path / "int8.pt")

    assert code == EXIT_BAD_INPUT
    assert "runtime" in one_error_line(err)
    assert not (tmp_path / "int8.pt").exists()
