"""The quantize engine: every scheme, honest before/after, skips, sensitivity, errors, save/load.

torch.compile is slow on two cores, so only two tests compile; the rest run the quantized
models eagerly (compile=False), which exercises the same quantization code.
"""

from __future__ import annotations

import copy
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine.data import TensorDataset
from slimbench.engine.errors import DeviceError, InputSpecError, SlimbenchError
from slimbench.engine.jobs import Progress, run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.quantize import (
    SCHEMES,
    QuantizeConfig,
    QuantizeError,
    QuantizeResult,
    load_quantized,
    quantize_job,
    save_quantized,
    sensitivity_job,
)
from slimbench.engine.tensors import is_quantized_tensor

#: Measurement settings that keep each job to a fraction of a second on small models.
QUICK = {"warmup": 1, "rounds": 1, "round_seconds": 0.0, "eval_samples": 64, "baselines": ()}

METRIC_KEYS = {"params_total", "params_nonzero", "size_bytes", "latency_ms", "accuracy", "fidelity"}


class SmallNet(nn.Module):
    """Conv2d -> ReLU -> Linear -> ReLU -> Linear on 1x6x6 images: both layer kinds."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc1 = nn.Linear(8 * 36, 64)
        self.fc2 = nn.Linear(64, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.conv(x)).flatten(1)
        return self.fc2(self.relu(self.fc1(x)))


class Branchy(nn.Module):
    """A forward that branches on tensor values: torch.export cannot make one graph of it."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 4)
        self.b = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return self.a(x)
        return self.b(x)


@pytest.fixture
def small(make_handle: Callable[..., ModelHandle]) -> ModelHandle:
    generator = torch.Generator().manual_seed(1)
    inputs = torch.rand(96, 1, 6, 6, generator=generator)
    model = SmallNet().eval()
    with torch.no_grad():
        labels = model(inputs).argmax(-1)
    data = TensorDataset("small", inputs, labels, classes=4)
    return make_handle(model, inputs[:1], name="small", data=data)


def drive(job):  # type: ignore[no-untyped-def]
    events: list[Progress] = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            return events, stop.value


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in module.state_dict().items()}


def assert_untouched(handle: ModelHandle, before: dict[str, torch.Tensor],
                     module: nn.Module) -> None:
    assert handle.module is module
    after = handle.module.state_dict()
    assert after.keys() == before.keys()
    for key, value in after.items():
        assert type(value) is torch.Tensor, f"{key} became {type(value).__name__}"
        assert torch.equal(value, before[key]), key
    assert all(type(sub) is not nn.Module for sub in handle.module.modules())


def torch_save_size(module: nn.Module) -> int:
    buffer = io.BytesIO()
    torch.save(module.state_dict(), buffer)
    return buffer.getbuffer().nbytes


# --- every scheme -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "extra"),
    [
        ("int8-dynamic", {"engine": "torchao"}),
        ("int8-dynamic", {"engine": "legacy"}),
        ("int8-static", {"calibration_batches": 2}),
        ("int8-weight-only", {}),
        ("fp16", {}),
        ("bf16", {}),
    ],
)
def test_every_cpu_scheme_measures_before_and_after_and_leaves_the_input_alone(
    small: ModelHandle, scheme: str, extra: dict[str, object]
) -> None:
    module = small.module
    before_state = snapshot(module)
    config = QuantizeConfig(scheme, compile=False, batch_size=16, **QUICK, **extra)  # type: ignore[arg-type]
    events, result = drive(quantize_job(small, config))

    assert isinstance(result, QuantizeResult)
    assert events and all(isinstance(event, Progress) for event in events)
    assert_untouched(small, before_state, module)
    assert result.handle is not small and result.handle.module is not module

    document = result.to_json(output="out.pt")
    assert {"output", "before", "after", "notes"} <= document.keys()
    for side in ("before", "after"):
        assert document[side].keys() >= METRIC_KEYS
        assert {"median", "p90"} <= document[side]["latency_ms"].keys()
        assert {"top1_agreement", "cosine", "max_abs_error"} <= document[side]["fidelity"].keys()
    assert document["before"]["fidelity"]["top1_agreement"] == 1.0
    assert document["after"]["fidelity"]["cosine"] > 0.99
    assert document["after"]["accuracy"] is not None
    assert document["notes"] and all("\n" not in note for note in document["notes"])

    # Sizes are what torch.save really writes, not torchinfo's fp32 view.
    assert result.before.size_bytes == torch_save_size(module)
    assert result.after.size_bytes == torch_save_size(result.handle.module)
    if scheme in ("fp16", "bf16"):
        assert result.after.size_bytes < 0.6 * result.before.size_bytes
    else:
        assert result.after.size_bytes < 0.5 * result.before.size_bytes
    assert result.after.params_total > 0


def test_schemes_table_lists_every_scheme_with_devices() -> None:
    assert set(SCHEMES) == {
        "int8-dynamic", "int8-static", "int8-weight-only", "int4-weight-only", "float8-dynamic",
        "fp16", "bf16",
    }
    assert SCHEMES["int4-weight-only"].devices == ("cuda",)
    assert SCHEMES["float8-dynamic"].devices == ("cuda",)
    assert SCHEMES["int8-static"].calibrated


# --- the zoo: the facts -----------------------------------------------------------


def test_int8_dynamic_on_mlp_digits_is_compiled_small_and_faithful(zoo_digits: str) -> None:
    handle = load_model(zoo_digits)
    module, state = handle.module, snapshot(handle.module)
    config = QuantizeConfig("int8-dynamic", compile=True, threads=1, measure_batch_1=True,
                            **{**QUICK, "eval_samples": 360})
    result = run_job(quantize_job(handle, config))

    assert_untouched(handle, state, module)
    assert result.engine == "torchao" and result.compiled
    assert result.compile_seconds is not None and result.compile_seconds > 0
    assert result.size_ratio <= 0.3
    assert result.after.fidelity is not None and result.after.fidelity.top1_agreement >= 0.99
    assert result.after.accuracy is not None and result.before.accuracy is not None
    assert result.after.latency_ms_batch_1 is not None
    assert "legacy-int8" in result.baselines  # the peer on this CPU, measured side by side
    assert sum(is_quantized_tensor(p) for p in result.handle.module.parameters()) == 4


def test_compile_auto_picks_the_faster_and_says_so(small: ModelHandle) -> None:
    config = QuantizeConfig("int8-static", compile=None, batch_size=16, **QUICK)
    result = run_job(quantize_job(small, config))
    assert any("faster than" in note and "so the" in note for note in result.notes)
    assert result.compile_seconds is None or result.compile_seconds > 0


# --- per-layer control --------------------------------------------------------------------


def test_skip_patterns_keep_those_layers_float(small: ModelHandle) -> None:
    config = QuantizeConfig("int8-dynamic", engine="torchao", compile=False, skip=["fc1"],
                            batch_size=16, **QUICK)
    result = run_job(quantize_job(small, config))
    quantized = result.handle.module
    assert type(quantized.fc1.weight) is nn.Parameter
    assert not is_quantized_tensor(quantized.fc1.weight)
    assert is_quantized_tensor(quantized.fc2.weight)
    assert result.skipped_layers == ["fc1"] and result.quantized_layers == ["fc2"]


def test_skip_patterns_apply_to_legacy_and_static(small: ModelHandle) -> None:
    legacy = run_job(quantize_job(small, QuantizeConfig(
        "int8-dynamic", engine="legacy", skip=["fc*2"], batch_size=16, **QUICK)))
    assert type(legacy.handle.module.fc2) is nn.Linear
    assert type(legacy.handle.module.fc1) is not nn.Linear

    static = run_job(quantize_job(small, QuantizeConfig(
        "int8-static", compile=False, skip=["conv"], batch_size=16, calibration_batches=1,
        **QUICK)))
    int8 = [t for t in static.handle.module.state_dict().values() if t.dtype == torch.int8]
    assert len(int8) == 2  # fc1 and fc2; the conv stayed float
    assert static.skipped_layers == ["conv"]


def test_a_skip_pattern_that_matches_nothing_is_a_one_line_error(
    small: ModelHandle, one_line: Callable[[BaseException], str]
) -> None:
    config = QuantizeConfig("int8-dynamic", skip=["decoder.*"], **QUICK)
    with pytest.raises(QuantizeError) as caught:
        run_job(quantize_job(small, config))
    assert "decoder.*" in one_line(caught.value)


def test_sensitivity_returns_one_row_per_linear(zoo_digits: str) -> None:
    handle = load_model(zoo_digits)
    state = snapshot(handle.module)
    events, result = drive(sensitivity_job(handle, samples=64))
    linears = [path for path, sub in handle.module.named_modules() if isinstance(sub, nn.Linear)]
    assert [row.path for row in result.layers] == linears
    assert sum(1 for event in events if "Layer" in event.message) == len(linears)
    assert all(0.0 <= row.fidelity_drop < 0.01 for row in result.layers)
    assert all(0.9 <= row.top1_agreement <= 1.0 for row in result.layers)
    assert_untouched(handle, state, handle.module)


def test_auto_skip_keeps_the_most_sensitive_layer_float(small: ModelHandle) -> None:
    config = QuantizeConfig("int8-dynamic", engine="torchao", compile=False, auto_skip=1,
                            batch_size=16, **QUICK)
    result = run_job(quantize_job(small, config))
    assert result.sensitivity is not None
    worst = result.sensitivity.worst(1)[0].path
    assert result.skipped_layers == [worst]
    assert any("auto_skip" in note for note in result.notes)


# --- cancellation and bad input -----------------------------------------------------------


def test_cancelling_during_calibration_leaves_the_input_intact(small: ModelHandle) -> None:
    module, state = small.module, snapshot(small.module)
    job = quantize_job(small, QuantizeConfig("int8-static", calibration_batches=4, batch_size=16,
                                             **QUICK))
    for event in job:
        if event.message.startswith("Calibrating"):
            break
    else:
        pytest.fail("no calibration progress was reported")
    job.close()
    assert_untouched(small, state, module)


def test_a_model_export_cannot_capture_is_a_one_line_error(
    make_handle: Callable[..., ModelHandle], one_line: Callable[[BaseException], str]
) -> None:
    handle = make_handle(Branchy(), torch.randn(2, 8), name="branchy")
    state = snapshot(handle.module)
    with pytest.raises(QuantizeError) as caught:
        run_job(quantize_job(handle, QuantizeConfig("int8-static", batch_size=4, **QUICK)))
    message = one_line(caught.value)
    assert "branchy" in message and "data-dependent control flow" in message
    assert_untouched(handle, state, handle.module)


def test_calibration_data_of_the_wrong_shape_is_a_one_line_error(
    small: ModelHandle, one_line: Callable[[BaseException], str]
) -> None:
    config = QuantizeConfig("int8-static", calibration_inputs=torch.rand(8, 3, 6, 6), **QUICK)
    with pytest.raises(InputSpecError) as caught:
        run_job(quantize_job(small, config))
    assert "[N, 1, 6, 6]" in one_line(caught.value)


def test_user_calibration_inputs_are_used(small: ModelHandle) -> None:
    config = QuantizeConfig("int8-static", compile=False, batch_size=16,
                            calibration_inputs=torch.rand(48, 1, 6, 6), calibration_batches=8,
                            **QUICK)
    events, _ = drive(quantize_job(small, config))
    assert [e.message for e in events if e.message.startswith("Calibrating")][-1].endswith("3/3")


@pytest.mark.parametrize(
    ("scheme", "device", "error", "words"),
    [
        ("int9-magic", "cpu", QuantizeError, "Unknown quantization scheme"),
        ("int4-weight-only", "cpu", DeviceError, "CUDA"),
        ("float8-dynamic", "cpu", DeviceError, "CUDA GPU"),
        ("int8-dynamic", "tpu", DeviceError, "tpu"),
    ],
)
def test_unsupported_scheme_or_device_is_a_one_line_error(
    small: ModelHandle, scheme: str, device: str, error: type[SlimbenchError], words: str,
    one_line: Callable[[BaseException], str],
) -> None:
    with pytest.raises(error) as caught:
        run_job(quantize_job(small, QuantizeConfig(scheme, device=device, **QUICK)))
    assert words in one_line(caught.value)


def test_a_model_without_linear_layers_is_a_one_line_error(
    make_handle: Callable[..., ModelHandle], one_line: Callable[[BaseException], str]
) -> None:
    handle = make_handle(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), torch.randn(1, 1, 5, 5))
    with pytest.raises(QuantizeError) as caught:
        run_job(quantize_job(handle, QuantizeConfig("int8-dynamic", **QUICK)))
    assert "nn.Linear" in one_line(caught.value)


# --- save and load ------------------------------------------------------------------------


def _outputs(module: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return module(inputs)


@pytest.mark.parametrize(
    ("scheme", "extra", "suffix"),
    [
        ("int8-dynamic", {"engine": "torchao"}, ".pt"),
        ("int8-dynamic", {"engine": "legacy"}, ".pt"),
        ("int8-weight-only", {}, ".pt"),
        ("bf16", {}, ".pt"),
        ("int8-static", {"calibration_batches": 2}, ".pt2"),
    ],
)
def test_saved_models_load_back_with_the_same_outputs(
    zoo_digits: str, tmp_path: Path, scheme: str, extra: dict[str, object], suffix: str
) -> None:
    handle = load_model(zoo_digits)
    config = QuantizeConfig(scheme, compile=False, **QUICK, **extra)  # type: ignore[arg-type]
    result = run_job(quantize_job(handle, config))
    target = tmp_path / f"model{suffix}"
    save_quantized(result, target)
    assert target.is_file() and not list(tmp_path.glob("*.part"))

    loaded = load_quantized(target)
    inputs = handle.data.inputs[:20]  # type: ignore[union-attr]
    expected = _outputs(result.handle.module, inputs)
    got = _outputs(loaded.module, inputs)
    assert got.dtype == expected.dtype == torch.float32
    assert torch.allclose(got, expected, atol=1e-5, rtol=1e-5)
    assert loaded.data is not None and loaded.example_inputs is not None
    if scheme != "int8-static":
        assert target.stat().st_size < 1.1 * result.after.size_bytes


@pytest.mark.parametrize(("model", "engine"), [("zoo:mlp-digits", "legacy"),
                                             ("zoo:mlp-digits", "torchao"),
                                             ("zoo:resnet-digits", "torchao")])
def test_a_pruned_then_quantized_model_loads_back_at_its_pruned_width(
    tmp_path: Path, model: str, engine: str
) -> None:
    from slimbench.engine.prune import PruneConfig, prune_job
    from slimbench.engine.quantize.jobs import build_quantized_job

    handle = load_model(model)
    pruned = run_job(prune_job(handle, PruneConfig(amount=0.5, measure=False))).handle
    built = run_job(build_quantized_job(
        pruned, QuantizeConfig("int8-dynamic", compile=False, engine=engine)))
    quantized = copy.copy(pruned)
    quantized.module = built.module
    loaded = load_quantized(save_quantized(quantized, tmp_path / "model.pt"))
    inputs = handle.data.inputs[:20]  # type: ignore[union-attr]
    assert torch.allclose(_outputs(loaded.module, inputs), _outputs(built.module, inputs),
                          atol=1e-5, rtol=1e-5)
    # Saved again from the loaded copy, it still knows its pruned widths.
    again = load_quantized(save_quantized(loaded, tmp_path / "again.pt"))
    assert torch.allclose(_outputs(again.module, inputs), _outputs(built.module, inputs),
                          atol=1e-5, rtol=1e-5)


def test_static_programs_load_through_load_model(zoo_digits: str, tmp_path: Path) -> None:
    handle = load_model(zoo_digits)
    result = run_job(quantize_job(handle, QuantizeConfig(
        "int8-static", compile=False, calibration_batches=1, **QUICK)))
    target = save_quantized(result, tmp_path / "digits-int8.pt2")
    loaded = load_model(target)  # quantized_decomposed ops are registered in this process
    assert loaded.source == "export" and loaded.data is not None
    inputs = handle.data.inputs[:5]  # type: ignore[union-attr]
    assert torch.equal(_outputs(loaded.module, inputs), _outputs(result.handle.module, inputs))


#: The three patches loading.py needs (the handover describes them): (anchor, inserted before).
LOADING_PATCHES = [
    (
        "        if not trust_pickle:\n            raise UntrustedPickleError(",
        '        if "torchao." in str(error):\n'
        "            from slimbench.engine.quantize.saving import register_safe_globals\n\n"
        "            if register_safe_globals():\n"
        "                return _torch_load(path, trust_pickle)\n",
    ),
    (
        "    state_dict = _find_state_dict(payload)\n    if state_dict is None:",
        '    if isinstance(meta.get("quantization"), Mapping):\n'
        "        from slimbench.engine.quantize.saving import handle_from_quantized_payload\n\n"
        "        return handle_from_quantized_payload(\n"
        "            path, payload, meta, source, arch, arch_args\n"
        "        )\n",
    ),
    (
        "            program = torch.export.load(str(path))",
        "            from slimbench.engine.quantize.saving import register_quantized_ops\n\n"
        "            register_quantized_ops()  # int8-static graphs call quantized_decomposed\n",
    ),
]

FRESH_LOADER = """
import inspect, sys, types, torch
from slimbench.engine import loading
source = inspect.getsource(loading)
load = loading.load_model
if "handle_from_quantized_payload" not in source:
    for anchor, patch in PATCHES:
        assert source.count(anchor) == 1, anchor
        source = source.replace(anchor, patch + anchor)
    module = types.ModuleType("loading_with_quantize_patches")
    sys.modules[module.__name__] = module
    exec(compile(source, "loading", "exec"), module.__dict__)
    load = module.load_model
assert "torchao" not in sys.modules
for name in sys.argv[1:]:
    handle = load(name)
    with torch.inference_mode():
        same = torch.equal(handle.module(handle.data.inputs[:10]), torch.load(name + ".ref"))
    print(name.rsplit("/", 1)[-1], handle.source, same)
"""


def test_load_model_reads_every_format_in_a_fresh_process(zoo_digits: str, tmp_path: Path) -> None:
    """``load_model`` with the loading.py patches, in a process that never imported torchao."""
    handle = load_model(zoo_digits)
    files = []
    for scheme, extra, name in [
        ("int8-dynamic", {"engine": "torchao"}, "torchao.pt"),
        ("int8-dynamic", {"engine": "legacy"}, "legacy.pt"),
        ("bf16", {}, "bf16.pt"),
        ("int8-static", {"calibration_batches": 1}, "static.pt2"),
    ]:
        config = QuantizeConfig(scheme, compile=False, **QUICK, **extra)  # type: ignore[arg-type]
        result = run_job(quantize_job(handle, config))
        path = save_quantized(result, tmp_path / name)
        torch.save(_outputs(result.handle.module, handle.data.inputs[:10]),  # type: ignore[union-attr]
                   str(path) + ".ref")
        files.append(str(path))
    script = f"PATCHES = {LOADING_PATCHES!r}\n{FRESH_LOADER}"
    completed = subprocess.run([sys.executable, "-c", script, *files], capture_output=True,
                               text=True, timeout=240, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.split()
    assert lines == ["torchao.pt", "state_dict", "True", "legacy.pt", "state_dict", "True",
                     "bf16.pt", "state_dict", "True", "static.pt2", "export", "True"]


def test_saving_a_model_the_job_did_not_make_is_refused(zoo_digits: str, tmp_path: Path) -> None:
    handle = load_model(zoo_digits)
    with pytest.raises(SlimbenchError):
        save_quantized(copy.copy(handle), tmp_path / "x.pt")


def test_a_compiled_static_model_survives_a_reset_of_dynamos_caches(small: ModelHandle) -> None:
    """Strict torch.export (another job, say) clears dynamo's caches; the next call must
    recompile with the runner's settings (inductor freezing for pt2e graphs) and still run."""
    config = QuantizeConfig("int8-static", compile=True, batch_size=16, calibration_batches=1,
                            **QUICK)
    result = run_job(quantize_job(small, config))
    runner = result.runner
    assert runner is not None and runner.compiled
    inputs = small.data.inputs[:16]  # type: ignore[union-attr]
    with torch.inference_mode():
        expected = runner(inputs).clone()
        torch._dynamo.reset()
        again = runner(inputs)
    assert torch.allclose(again, expected, atol=1e-5)


@pytest.mark.skipif(
    not torch.cuda.is_available() or torch.cuda.get_device_capability() < (8, 9),
    reason="needs a CUDA GPU of compute capability 8.9+",
)
def test_float8_on_a_hopper_gpu_keeps_misfit_layers_and_round_trips(tmp_path: Path) -> None:
    from slimbench.engine.loading import load_model
    from slimbench.engine.quantize import save_quantized

    handle = load_model("zoo:transformer-majority")
    result = run_job(quantize_job(handle, QuantizeConfig("float8-dynamic", device="cuda",
                                                         compile=False, **QUICK)))
    assert result.quantized_layers and result.after.fidelity.top1_agreement >= 0.99
    assert result.size_ratio < 0.5
    path = save_quantized(result, tmp_path / "f8.pt")
    loaded = load_model(path)
    assert next(loaded.module.parameters()).is_cuda  # float8 weights load onto the GPU
    inputs = handle.example_inputs[0].to("cuda")
    with torch.inference_mode():
        expected = result.handle.module.to("cuda")(inputs).float()
        assert torch.allclose(loaded.module(inputs).float(), expected, atol=1e-2)
