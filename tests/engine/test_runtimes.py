"""Runtimes as a choice: eager, torch.compile and ONNX Runtime; ONNX export, files and schemes.

ONNX Runtime is an optional extra (``.[onnx]``): the tests that run it skip cleanly without
it, and the tests of its absence hide it, so they run either way.
"""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.cli import EXIT_BAD_INPUT, EXIT_OK, main
from slimbench.engine import runtimes
from slimbench.engine.errors import InputSpecError, ModelLoadError, SlimbenchError
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import BenchConfig, accuracy, bench, predict
from slimbench.engine.quantize import QuantizeConfig, QuantizeError, quantize_job, save_quantized
from slimbench.engine.runtimes import availability

ZOO = ("mlp-digits", "resnet-digits", "transformer-majority", "mlp-cancer")
FAST = {"warmup": 1, "repeats": 3, "batch_size": 4, "threads": 1}
ROOT = Path(__file__).resolve().parents[2]


def _has_onnxruntime() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except Exception:
        return False
    return True


needs_ort = pytest.mark.skipif(not _has_onnxruntime(),
                               reason="onnxruntime is not installed (pip install '.[onnx]')")


@pytest.fixture(scope="module")
def zoo_handles() -> dict[str, ModelHandle]:
    from slimbench.engine import zoo

    missing = [name for name in ZOO if not zoo.get_entry(name).weights_file.exists()]
    if missing:
        pytest.skip(f"zoo weights of {', '.join(missing)} are not built yet")
    return {name: load_model(f"zoo:{name}") for name in ZOO}


class Zeta(nn.Module):
    """A Linear, then the Hurwitz zeta function, which no ONNX exporter converts."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.special.zeta(self.linear(x).abs() + 2.0, torch.ones_like(x))


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("slimbench: error: ") and "Traceback" not in err, err
    return lines[0]


# --- what a picker asks -------------------------------------------------------------------


def test_every_runtime_is_listed_with_a_reason_or_none() -> None:
    answers = runtimes.available_runtimes("cpu")

    assert list(answers) == ["eager", "compiled", "onnxruntime"]
    assert answers["eager"] is None
    assert (answers["onnxruntime"] is None) == _has_onnxruntime()
    assert runtimes.runtime_unavailable("tensorrt") is not None
    assert "eager" in runtimes.runtime_unavailable("tensorrt")  # it lists the choices


@needs_ort
def test_onnxruntime_on_cuda_needs_the_cuda_provider(
        monkeypatch: pytest.MonkeyPatch, one_line: Callable[[object], str]) -> None:
    import onnxruntime

    availability.reset_cache()
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    reason = one_line(runtimes.runtime_unavailable("onnxruntime", "cuda:0"))
    assert "CUDAExecutionProvider" in reason and "onnxruntime-gpu" in reason
    assert runtimes.runtime_unavailable("onnxruntime", "cpu") is None
    assert one_line(runtimes.runtime_unavailable("onnxruntime", "mps"))

    monkeypatch.setattr(onnxruntime, "get_available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert runtimes.runtime_unavailable("onnxruntime", "cuda") is None


def test_scheme_availability_names_the_runtime_and_device(
        one_line: Callable[[object], str]) -> None:
    assert runtimes.scheme_unavailable("int8-dynamic", "cpu") is None
    assert one_line(runtimes.scheme_unavailable("no-such-scheme", "cpu"))
    assert (runtimes.scheme_unavailable("ort-int8-dynamic", "cpu") is None) == _has_onnxruntime()


# --- without onnxruntime ------------------------------------------------------------------


def test_without_onnxruntime_each_path_gives_one_line_reason(
        no_onnxruntime: None, make_handle: Callable[..., ModelHandle], mlp: nn.Module,
        one_line: Callable[[object], str]) -> None:
    reason = one_line(runtimes.runtime_unavailable("onnxruntime", "cpu"))
    assert "not installed" in reason and "slimbench[onnx]" in reason
    assert runtimes.available_runtimes("cpu")["eager"] is None
    assert runtimes.scheme_unavailable("ort-int8-static", "cpu") == reason

    handle = make_handle(mlp, torch.randn(1, 4))
    with pytest.raises(runtimes.RuntimeUnavailableError) as bench_error:
        bench(handle, BenchConfig(runtime="onnxruntime", **FAST))
    assert one_line(bench_error.value) == reason
    with pytest.raises(QuantizeError) as quantize_error:
        run_job(quantize_job(handle, QuantizeConfig("ort-int8-dynamic")))
    assert "not installed" in one_line(quantize_error.value)


def test_without_onnxruntime_the_cli_exits_2_with_the_reason(
        no_onnxruntime: None, capsys: pytest.CaptureFixture[str], zoo_digits: str) -> None:
    code, out, err = cli(capsys, "bench", zoo_digits, "--runtime", "onnxruntime", "--repeats",
                         "2", "--no-roofline")

    assert code == EXIT_BAD_INPUT and out == ""
    assert "slimbench[onnx]" in one_error_line(err)


def test_the_engine_and_cli_import_without_onnx_and_do_not_import_it() -> None:
    code = (
        "import sys\n"
        "import slimbench.cli, slimbench.engine.measure, slimbench.engine.quantize\n"
        "from slimbench.engine import runtimes\n"
        "import slimbench.engine.runtimes.onnx_files, slimbench.engine.runtimes.ort_quantize\n"
        "assert 'onnxruntime' not in sys.modules and 'onnx' not in sys.modules\n"
        "sys.modules['onnxruntime'] = None\n"
        "print(runtimes.available_runtimes('cpu')['onnxruntime'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "not installed" in result.stdout


# --- measuring on every runtime -----------------------------------------------------------


@needs_ort
@pytest.mark.slow
@pytest.mark.parametrize("name", ZOO)
def test_every_zoo_model_benches_on_onnxruntime(
        zoo_handles: dict[str, ModelHandle], name: str) -> None:
    result = bench(zoo_handles[name], BenchConfig(runtime="onnxruntime", **FAST))

    assert result.runtime == "onnxruntime" and not result.compile
    assert result.latency_ms["median"] > 0 and len(result.samples_ms) == FAST["repeats"]
    assert result.export_seconds is not None and result.export_seconds > 0
    assert result.session_seconds is not None and result.compile_seconds is None
    # The export was checked on the timed batch: no note that it computes something else.
    assert not any("does not reproduce" in note for note in result.notes), result.notes
    assert result.to_json()["runtime"] == "onnxruntime"


@pytest.mark.slow
@pytest.mark.parametrize("name", ZOO)
def test_every_zoo_model_benches_compiled(zoo_handles: dict[str, ModelHandle], name: str) -> None:
    from slimbench.engine.quantize.runtime import compile_available

    if compile_available():
        pytest.skip(compile_available())
    result = bench(zoo_handles[name], BenchConfig(runtime="compiled", **FAST))

    assert result.runtime == "compiled" and result.compile
    assert result.compile_seconds is not None and result.compile_seconds > 0
    assert result.export_seconds is None and result.latency_ms["median"] > 0


def test_compile_true_still_means_the_compiled_runtime(
        make_handle: Callable[..., ModelHandle], mlp: nn.Module,
        one_line: Callable[[object], str]) -> None:
    from slimbench.engine.quantize.runtime import compile_available

    handle = make_handle(mlp, torch.randn(1, 4))
    assert bench(handle, BenchConfig(**FAST)).runtime == "eager"
    if compile_available() is None:
        result = bench(handle, BenchConfig(compile=True, **FAST))
        assert result.runtime == "compiled" and result.compile_seconds is not None
    with pytest.raises(InputSpecError) as conflict:
        bench(handle, BenchConfig(compile=True, runtime="onnxruntime", **FAST))
    assert "compiled" in one_line(conflict.value)
    with pytest.raises(InputSpecError) as unknown:
        bench(handle, BenchConfig(runtime="tvm", **FAST))
    assert "onnxruntime" in one_line(unknown.value)


@needs_ort
def test_onnxruntime_runs_float32_only(make_handle: Callable[..., ModelHandle], mlp: nn.Module,
                                       one_line: Callable[[object], str]) -> None:
    handle = make_handle(mlp, torch.randn(1, 4))
    with pytest.raises(InputSpecError) as error:
        bench(handle, BenchConfig(runtime="onnxruntime", dtype="bfloat16", **FAST))
    assert "float32" in one_line(error.value)


# --- export and round trip ----------------------------------------------------------------


@needs_ort
@pytest.mark.slow
@pytest.mark.parametrize("name", ZOO)
def test_every_zoo_model_round_trips_through_an_onnx_file(
        zoo_handles: dict[str, ModelHandle], name: str, tmp_path: Path) -> None:
    handle = zoo_handles[name]
    result = runtimes.export_to_onnx(handle, tmp_path / f"{name}.onnx", max_samples=512)

    assert result.matches and result.fidelity is not None
    assert result.fidelity.top1_agreement >= 0.99 and result.fidelity.cosine > 0.999
    assert result.samples == min(512, len(handle.data))
    assert result.output is not None and result.output.stat().st_size == result.size_bytes
    loaded = load_model(result.output)
    assert loaded.source == "onnx" and isinstance(loaded.module, runtimes.OnnxRuntimeModule)
    # The file records its data set, so accuracy is measured again after loading.
    assert loaded.data is not None and loaded.data.name == handle.data.name
    assert loaded.example_inputs is not None
    assert loaded.example_inputs[0].shape == handle.example_inputs[0].shape
    data = handle.data.subset(512)
    assert accuracy(loaded.module, data) == pytest.approx(accuracy(handle.module, data), abs=0.01)
    inputs = handle.data.inputs[:64]
    torch.testing.assert_close(predict(loaded.module, inputs), predict(handle.module, inputs),
                               atol=1e-3, rtol=1e-3)


@needs_ort
def test_a_pruned_variant_exports_smaller_and_faithful(zoo_digits: str, tmp_path: Path) -> None:
    from slimbench.engine.prune import PruneConfig, prune_job

    original = load_model(zoo_digits)
    pruned = run_job(prune_job(original, PruneConfig(amount=0.5, measure=False))).handle
    result = runtimes.export_to_onnx(pruned, tmp_path / "pruned.onnx")
    full = runtimes.export_to_onnx(original, check=False)

    assert result.matches and result.fidelity.top1_agreement >= 0.99
    assert result.size_bytes < 0.5 * full.size_bytes  # half the channels: ~a quarter the size
    hidden = pruned.module.net[1].out_features
    assert load_model(result.output).module.parameter_counts()[0] == sum(
        p.numel() for p in pruned.module.parameters())
    assert hidden < original.module.net[1].out_features


@needs_ort
def test_a_model_that_cannot_export_names_the_operator_in_one_line(
        make_handle: Callable[..., ModelHandle], tmp_path: Path,
        one_line: Callable[[object], str]) -> None:
    target = tmp_path / "zeta.onnx"
    handle = make_handle(Zeta(), torch.randn(1, 8))

    with pytest.raises(runtimes.OnnxExportError) as error:
        runtimes.export_to_onnx(handle, target)
    message = one_line(error.value)

    assert "zeta" in message and "operator" in message
    assert not target.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(runtimes.OnnxExportError):
        bench(handle, BenchConfig(runtime="onnxruntime", **FAST))


@needs_ort
def test_the_torchscript_exporter_takes_over_when_dynamo_fails(
        make_handle: Callable[..., ModelHandle], mlp: nn.Module,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from slimbench.engine.runtimes import export

    real = export._export_with

    def dynamo_breaks(exporter: str, *args: object) -> bytes:
        if exporter == "dynamo":
            raise RuntimeError("simulated dynamo failure")
        return real(exporter, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(export, "_export_with", dynamo_breaks)
    result = runtimes.export_to_onnx(make_handle(mlp, torch.randn(1, 4)))

    assert result.export.exporter == "torchscript" and result.matches
    assert any("TorchScript" in note for note in result.notes)
    # The batch axis stays dynamic with the fallback exporter too.
    assert result.handle.module(torch.randn(7, 4)).shape == (7, 3)


@needs_ort
def test_the_ort_module_copies_pickles_and_follows_torch_threads(
        make_handle: Callable[..., ModelHandle], mlp: nn.Module,
        one_line: Callable[[object], str]) -> None:
    module = runtimes.export_to_onnx(make_handle(mlp, torch.randn(1, 4))).handle.module
    inputs = torch.randn(5, 4)
    expected = mlp(inputs).detach()

    torch.testing.assert_close(module(inputs), expected, atol=1e-5, rtol=1e-5)
    first = module.session()
    for clone in (copy.deepcopy(module), pickle.loads(pickle.dumps(module))):
        assert clone._session is None
        torch.testing.assert_close(clone(inputs), expected, atol=1e-5, rtol=1e-5)
    previous = torch.get_num_threads()
    torch.set_num_threads(1 if previous != 1 else 2)
    try:
        assert module.session() is not first  # rebuilt for the new thread count
    finally:
        torch.set_num_threads(previous)
    assert module.serialized_size_bytes() == len(module.onnx_bytes)
    assert module.parameter_counts() == (43, 43)
    with pytest.raises(InputSpecError) as cast:
        module.to(torch.bfloat16)
    one_line(cast.value)
    with pytest.raises(InputSpecError) as count:
        module(inputs, inputs)
    one_line(count.value)


@needs_ort
def test_onnx_files_are_found_by_content_and_garbage_is_one_line(
        make_handle: Callable[..., ModelHandle], mlp: nn.Module, tmp_path: Path,
        one_line: Callable[[object], str]) -> None:
    data = runtimes.export_to_onnx(make_handle(mlp, torch.randn(1, 4))).handle.module.onnx_bytes
    renamed = tmp_path / "model.bin"
    renamed.write_bytes(data)
    garbage = tmp_path / "broken.onnx"
    garbage.write_bytes(b"this is not a model format slimbench knows\n" * 4)
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(data[: len(data) // 2])

    assert load_model(renamed).source == "onnx"
    for path in (garbage, truncated):
        with pytest.raises(ModelLoadError) as error:
            load_model(path)
        assert path.name in one_line(error.value)


# --- ONNX Runtime's quantization as schemes -----------------------------------------------


@needs_ort
@pytest.mark.parametrize("scheme", ["ort-int8-dynamic", "ort-int8-static"])
def test_ort_schemes_make_smaller_files_that_keep_accuracy(
        zoo_digits: str, scheme: str, tmp_path: Path) -> None:
    handle = load_model(zoo_digits)
    config = QuantizeConfig(scheme, rounds=1, round_seconds=0.05, warmup=1, eval_samples=360,
                            threads=1)
    result = run_job(quantize_job(handle, config))

    assert result.engine == "onnxruntime" and not result.compiled
    assert isinstance(result.handle.module, runtimes.OnnxRuntimeModule)
    assert result.size_ratio < 0.3
    assert result.after.accuracy >= result.before.accuracy - 0.01
    assert result.after.fidelity.top1_agreement >= 0.98
    assert result.after.params_total == result.before.params_total
    assert "onnxruntime-fp32" in result.baselines
    saved = save_quantized(result, tmp_path / "model.onnx")
    # The file is the measured model plus Slimbench's small metadata record.
    assert abs(saved.stat().st_size - result.after.size_bytes) < 4096
    loaded = load_model(saved)
    assert loaded.module.metadata["quantization"]["scheme"] == scheme
    inputs = handle.data.inputs[:64]
    torch.testing.assert_close(predict(loaded.module, inputs),
                               predict(result.handle.module, inputs))


@needs_ort
@pytest.mark.slow
def test_ort_static_quantizes_the_cnn_too(zoo_handles: dict[str, ModelHandle]) -> None:
    config = QuantizeConfig("ort-int8-static", rounds=1, round_seconds=0.05, warmup=1,
                            eval_samples=360, threads=1, baselines=())
    result = run_job(quantize_job(zoo_handles["resnet-digits"], config))

    assert result.size_ratio < 0.3
    assert result.after.accuracy >= result.before.accuracy - 0.01


@needs_ort
def test_ort_skip_patterns_keep_those_layers_in_float(zoo_digits: str) -> None:
    handle = load_model(zoo_digits)
    config = QuantizeConfig("ort-int8-dynamic", skip=("net.3",), rounds=1, round_seconds=0.05,
                            warmup=1, eval_samples=128, baselines=(), threads=1)
    result = run_job(quantize_job(handle, config))

    assert result.skipped_layers == ["net.3"]
    float_bytes = 1024 * 1024 * 4  # net.3 is Linear(1024, 1024), kept in float32
    assert result.after.size_bytes > float_bytes
    assert any("ONNX nodes" in note for note in result.notes)


@needs_ort
def test_ort_schemes_refuse_what_they_cannot_do(
        zoo_digits: str, one_line: Callable[[object], str]) -> None:
    handle = load_model(zoo_digits)
    with pytest.raises(QuantizeError) as auto_skip:
        run_job(quantize_job(handle, QuantizeConfig("ort-int8-dynamic", auto_skip=1)))
    assert "skip" in one_line(auto_skip.value)
    with pytest.raises(SlimbenchError) as gpu:
        run_job(quantize_job(handle, QuantizeConfig("ort-int8-static", device="cuda")))
    one_line(gpu.value)


# --- the command line ---------------------------------------------------------------------


@needs_ort
def test_cli_quantize_with_ort_scheme_then_bench_the_file(
        capsys: pytest.CaptureFixture[str], zoo_digits: str, tmp_path: Path) -> None:
    output = tmp_path / "digits-int8.onnx"
    code, out, err = cli(capsys, "quantize", zoo_digits, "--scheme", "ort-int8-dynamic", "-o",
                         output, "--json", "--threads", "1")

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert {"output", "before", "after", "notes"} <= set(document)
    assert document["after"]["size_bytes"] < 0.3 * document["before"]["size_bytes"]
    assert document["after"]["accuracy"] >= document["before"]["accuracy"] - 0.01
    assert document["engine"] == "onnxruntime" and output.is_file()

    code, out, err = cli(capsys, "bench", output, "--json", "--repeats", "3", "--warmup", "1",
                         "--no-roofline", "--batch-size", "4")
    assert code == EXIT_OK, err
    bench_document = json.loads(out)
    assert bench_document["runtime"] == "onnxruntime" and bench_document["batch_size"] == 4

    code, out, err = cli(capsys, "quantize", zoo_digits, "--scheme", "ort-int8-static", "-o",
                         tmp_path / "digits.pt")
    assert code == EXIT_BAD_INPUT and ".onnx" in one_error_line(err)


@needs_ort
def test_cli_bench_takes_a_runtime(capsys: pytest.CaptureFixture[str], zoo_digits: str) -> None:
    code, out, err = cli(capsys, "bench", zoo_digits, "--runtime", "onnxruntime", "--json",
                         "--repeats", "3", "--warmup", "1", "--no-roofline", "--threads", "1")

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert document["runtime"] == "onnxruntime"
    assert document["export_seconds"] > 0 and document["session_seconds"] > 0
    assert {"device", "dtype", "batch_size", "threads", "latency_ms", "throughput_per_s",
            "peak_memory_bytes"} <= set(document)

    code, _, err = cli(capsys, "bench", zoo_digits, "--runtime", "onnxruntime", "--compile")
    assert code == EXIT_BAD_INPUT
    one_error_line(err)
    code, _, err = cli(capsys, "bench", zoo_digits, "--runtime", "tvm")
    assert code == EXIT_BAD_INPUT and "--runtime" in one_error_line(err)


@needs_ort
def test_cli_export_writes_a_checked_onnx_file(
        capsys: pytest.CaptureFixture[str], zoo_digits: str, tmp_path: Path) -> None:
    output = tmp_path / "digits.onnx"
    code, out, err = cli(capsys, "export", zoo_digits, "--format", "onnx", "-o", output,
                         "--json")

    assert code == EXIT_OK, err
    document = json.loads(out)
    assert document["output"] == str(output) and output.stat().st_size == document["size_bytes"]
    assert document["matches"] is True and document["fidelity"]["top1_agreement"] >= 0.99
    assert document["opset"] >= 17 and document["exporter"] in ("dynamo", "torchscript")

    code, out, err = cli(capsys, "export", zoo_digits, "-o", output, "--format", "tflite")
    assert code == EXIT_BAD_INPUT and out == ""
    one_error_line(err)
    code, _, err = cli(capsys, "export", zoo_digits, "-o", output, "--opset", "99")
    assert code == EXIT_BAD_INPUT and "--opset" in one_error_line(err)


def test_help_documents_runtime_and_export(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    bench_help = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    export_help = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["quantize", "--help"])
    quantize_help = capsys.readouterr().out

    assert "--runtime" in bench_help and "onnxruntime" in bench_help
    assert "--format" in export_help and "ONNX Runtime" in export_help
    assert "ort-int8-dynamic" in quantize_help


# --- variants and the ordinary save ---------------------------------------------------------


@needs_ort
def test_an_onnx_variant_saves_as_onnx_and_benchmarks_are_kept_per_runtime(
        make_handle: Callable[..., ModelHandle], mlp: nn.Module, tmp_path: Path) -> None:
    from slimbench.engine.saving import save_model
    from slimbench.engine.variants import Workspace

    handle = make_handle(mlp, torch.randn(1, 4))
    onnx_variant = runtimes.export_to_onnx(handle).handle
    saved = save_model(onnx_variant, tmp_path / "variant.onnx")
    inputs = torch.randn(6, 4)
    assert saved.read_bytes()[:1] == b"\x08"  # an ONNX protobuf, not a torch.save archive
    torch.testing.assert_close(load_model(saved).module(inputs), onnx_variant.module(inputs))

    workspace = Workspace()
    variant = workspace.add(handle)
    for runtime in ("eager", "onnxruntime"):
        variant.record_benchmark(bench(handle, BenchConfig(runtime=runtime, **FAST)))
    assert sorted(key[3] for key in variant.benchmarks) == ["eager", "onnxruntime"]
    assert variant.summary()["runtime"] == "onnxruntime"
