"""Pruning engine: structured, unstructured, 2:4, sensitivity, recovery, saving."""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine import loading
from slimbench.engine.errors import DeviceError, JobCancelled, SlimbenchError
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.prune import (
    NEEDS_GPU,
    PruneConfig,
    PruneError,
    auto_plan_job,
    auto_prune_job,
    auto_ratios,
    load_pruned,
    prune_job,
    recover_job,
    save_pruned,
    sensitivity_job,
    structured_units,
)
from slimbench.engine.saving import save_model

#: Small, quick measurement settings: the tests check the figures' consistency, not speed.
QUICK = {"batch_sizes": (8,), "bench_repeats": 3, "bench_rounds": 1, "max_eval_samples": 128}


def _state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {key: value.clone() for key, value in module.state_dict().items()}


def _assert_untouched(handle: ModelHandle, state: dict[str, torch.Tensor],
                      types: dict[str, type]) -> None:
    now = handle.module.state_dict()
    assert set(now) == set(state)
    for key, value in state.items():
        assert torch.equal(now[key], value), key
    assert {path: type(m) for path, m in handle.module.named_modules()} == types


def _types(module: nn.Module) -> dict[str, type]:
    return {path: type(m) for path, m in module.named_modules()}


@pytest.fixture(scope="module")
def resnet() -> ModelHandle:
    return load_model("zoo:resnet-digits")


@pytest.fixture(scope="module")
def mlp() -> ModelHandle:
    return load_model("zoo:mlp-digits")


@pytest.fixture(scope="module")
def resnet_half(resnet: ModelHandle):  # type: ignore[no-untyped-def]
    state, types = _state(resnet.module), _types(resnet.module)
    result = run_job(prune_job(resnet, PruneConfig(amount=0.5, **QUICK)))
    _assert_untouched(resnet, state, types)
    return result


# --- structured ---------------------------------------------------------------------------


def test_structured_half_shrinks_resnet_for_real(resnet: ModelHandle, resnet_half,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path) -> None:
    before, after = resnet_half.before, resnet_half.after
    inputs = resnet.example_inputs
    with torch.no_grad():
        assert resnet_half.handle.module(*inputs).shape == resnet.module(*inputs).shape
    assert after["params_total"] < 0.35 * before["params_total"]
    assert after["size_bytes"] < 0.35 * before["size_bytes"]
    assert after["flops_per_batch"] < 0.35 * before["flops_per_batch"]
    for key in ("params_total", "params_nonzero", "size_bytes", "latency_ms", "accuracy",
                "fidelity"):
        assert key in before and key in after
    assert before["fidelity"]["top1_agreement"] == 1.0
    assert set(after["latency_ms"]) >= {"median", "p90"}
    assert any("Structured pruning" in note for note in resnet_half.notes)

    # The channel table matches the pruned layers' real weights, and the classifier's outputs
    # (the classes) are untouched.
    modules = dict(resnet_half.handle.module.named_modules())
    rows = {row["path"]: row for row in resnet_half.to_json()["layers"]}
    assert "stem.0" in rows and rows["stem.0"]["after"]["out"] < rows["stem.0"]["before"]["out"]
    for path, row in rows.items():
        module = modules[path]
        if isinstance(module, nn.Conv2d):
            assert list(module.weight.shape[:2]) == [row["after"]["out"], row["after"]["in"]]
        if isinstance(module, nn.BatchNorm2d):
            assert module.running_mean.shape[0] == row["after"]["out"]
        assert row["after"]["out"] % 8 == 0 or row["after"]["out"] == row["before"]["out"]
    assert modules["fc"].out_features == 10

    # Real files: the pruned model's file is smaller by about as much.
    dense = save_model(resnet, tmp_path / "original.pt").stat().st_size
    saved = save_pruned(resnet_half.handle, tmp_path / "pruned.pt")
    assert saved.size_bytes < 0.35 * dense


def test_pruned_model_round_trips_with_its_architecture(resnet_half, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pruned = resnet_half.handle
    path = save_pruned(pruned, tmp_path / "pruned.pt").path
    payload = torch.load(path, weights_only=True)
    assert "pruned" in payload["slimbench"]
    loaded = load_pruned(path)
    inputs = pruned.data.inputs[:64]
    with torch.no_grad():
        assert torch.equal(loaded.module(inputs), pruned.module.eval()(inputs))
    assert loaded.example_inputs is not None and loaded.data is not None


#: The hook loading.py needs (see prune.saving.rebuild_pruned), right after this line.
LOADING_ANCHOR = "    module, entry_name = _build_architecture(arch, arch_args)\n"
LOADING_HOOK = (
    '    if isinstance(meta.get("pruned"), Mapping):\n'
    "        from slimbench.engine.prune.saving import rebuild_pruned\n"
    "\n"
    "        state_dict = rebuild_pruned(module, meta, state_dict)\n"
)


def _loader_with_hook(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ModelHandle]:
    """``load_model`` with the hook: the real one once loading.py has it, else a patched copy."""
    source = inspect.getsource(loading)
    if "rebuild_pruned" in source:
        return load_model
    assert source.count(LOADING_ANCHOR) == 1, "the anchor line of the hook moved"
    patched = types.ModuleType("slimbench_loading_with_prune_hook")
    monkeypatch.setitem(sys.modules, patched.__name__, patched)  # dataclasses look it up
    exec(compile(source.replace(LOADING_ANCHOR, LOADING_ANCHOR + LOADING_HOOK), "loading", "exec"),
         patched.__dict__)
    return patched.load_model


def test_load_model_reads_pruned_and_sparse_files_with_the_hook(  # type: ignore[no-untyped-def]
    resnet_half, mlp: ModelHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load = _loader_with_hook(monkeypatch)
    path = save_pruned(resnet_half.handle, tmp_path / "pruned.pt").path
    loaded = load(path)
    inputs = resnet_half.handle.data.inputs[:32]
    with torch.no_grad():
        assert torch.equal(loaded.module(inputs), resnet_half.handle.module(inputs))
    assert loaded.example_inputs is not None

    sparse = run_job(prune_job(mlp, PruneConfig(method="unstructured", amount=0.7,
                                                measure=False))).handle
    path = save_pruned(sparse, tmp_path / "sparse.pt", sparse=True).path
    loaded = load(path)
    with torch.no_grad():
        assert torch.equal(loaded.module(mlp.data.inputs), sparse.module(mlp.data.inputs))
    # Without the hook, such files fail loudly rather than load wrong weights.
    if load is not load_model:
        with pytest.raises(SlimbenchError):
            load_model(path)


def test_transformer_prunes_whole_heads_and_neurons_consistently() -> None:
    handle = load_model("zoo:transformer-majority")
    state, types = _state(handle.module), _types(handle.module)
    result = run_job(prune_job(handle, PruneConfig(amount=0.5, measure=False)))
    _assert_untouched(handle, state, types)
    model = result.handle.module
    inputs = handle.data.inputs[:16]
    with torch.no_grad():
        assert model(inputs).shape == handle.module(inputs).shape
    for block, original in zip(model.blocks, handle.module.blocks, strict=True):
        attention = block.attn
        assert attention.heads == original.attn.heads // 2
        head_size = original.attn.q_proj.out_features // original.attn.heads
        for projection in (attention.q_proj, attention.k_proj, attention.v_proj):
            assert projection.out_features == attention.heads * head_size
        assert attention.out_proj.in_features == attention.heads * head_size
        neurons = original.ff[0].out_features // 2
        assert block.ff[0].out_features == block.ff[3].in_features == neurons
    assert result.after["params_total"] < 0.5 * result.before["params_total"]
    rows = {row["path"]: row for row in result.to_json()["layers"]}
    assert rows["blocks.0.attn"]["before"] == {"heads": 6}
    assert rows["blocks.0.attn"]["after"] == {"heads": 3}
    assert any("6 -> 3 attention heads" in note for note in result.notes)


class HardCodedChannels(nn.Module):
    """A custom layer that hard-codes its channel count: torch-pruning cannot see it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.arange(16.0).view(1, 16, 1, 1) / 16


class NumpyLayer(nn.Module):
    """A custom layer that leaves autograd (through numpy): it cannot be traced at all."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(x.numpy() * 0.5)


class CustomNet(nn.Module):
    def __init__(self, custom: nn.Module) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.custom = custom
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.custom(torch.relu(self.bn(self.conv1(x))))
        return self.fc(torch.relu(self.conv2(x)).mean((2, 3)))


@pytest.mark.parametrize("custom", [HardCodedChannels, NumpyLayer])
def test_layer_torch_pruning_cannot_handle_names_itself_and_can_be_skipped(
    custom: type[nn.Module], make_handle: Callable[..., ModelHandle],
    one_line: Callable[[BaseException], str],
) -> None:
    torch.manual_seed(0)
    handle = make_handle(CustomNet(custom()), torch.rand(2, 1, 8, 8))
    state, types = _state(handle.module), _types(handle.module)
    with pytest.raises(PruneError) as caught:
        run_job(prune_job(handle, PruneConfig(amount=0.5, measure=False)))
    message = one_line(caught.value)
    assert "'custom'" in message and custom.__name__ in message and "--skip custom" in message
    _assert_untouched(handle, state, types)

    result = run_job(prune_job(handle, PruneConfig(amount=0.5, skip=("custom",), measure=False)))
    model = result.handle.module
    assert type(model.custom) is custom  # the frozen stand-in class is gone again
    assert model.conv1.out_channels == 16 and model.bn.num_features == 16
    assert model.conv2.out_channels == 16 and model.fc.in_features == 16
    with torch.no_grad():
        assert model(torch.rand(3, 1, 8, 8)).shape == (3, 10)
    _assert_untouched(handle, state, types)


def test_unknown_layer_patterns_are_one_line_errors(resnet: ModelHandle, one_line) -> None:  # type: ignore[no-untyped-def]
    for config in (PruneConfig(skip=("nonexistent",), measure=False),
                   PruneConfig(layer_ratios={"stages.9": 0.5}, measure=False)):
        with pytest.raises(PruneError) as caught:
            run_job(prune_job(resnet, config))
        assert "matches no layer" in one_line(caught.value)


def test_per_layer_ratio_and_skip_apply_to_their_layers(mlp: ModelHandle) -> None:
    config = PruneConfig(amount=0.5, layer_ratios={"net.1": 0.75}, skip=("net.5",),
                         measure=False)
    model = run_job(prune_job(mlp, config)).handle.module
    assert model.net[1].out_features == 256
    assert model.net[3].in_features == 256
    # A skipped layer keeps its inputs and its outputs, so its neighbours keep theirs too.
    assert model.net[3].out_features == model.net[5].in_features == 1024
    assert model.net[5].out_features == model.net[7].in_features == 1024
    assert model.net[7].out_features == 10


@pytest.mark.parametrize("importance", ["l2", "lamp", "random", "taylor"])
def test_every_importance_prunes_the_mlp(mlp: ModelHandle, importance: str) -> None:
    config = PruneConfig(amount=0.25, importance=importance, iterative_steps=2,
                         global_pruning=importance == "lamp", measure=False)
    result = run_job(prune_job(mlp, config))
    assert result.after["params_total"] < 0.8 * result.before["params_total"]
    with torch.no_grad():
        assert result.handle.module(mlp.example_inputs[0]).shape == (1, 10)


def test_cancel_mid_job_leaves_the_input_intact(resnet: ModelHandle) -> None:
    state, types = _state(resnet.module), _types(resnet.module)
    seen: list[str] = []
    with pytest.raises(JobCancelled):
        run_job(
            prune_job(resnet, PruneConfig(amount=0.5, skip=("stages.2",), **QUICK)),
            on_progress=lambda p: seen.append(p.message),
            should_cancel=lambda: len(seen) >= 3,
        )
    assert len(seen) == 3
    _assert_untouched(resnet, state, types)


def test_bad_settings_are_one_line_errors(mlp: ModelHandle, one_line) -> None:  # type: ignore[no-untyped-def]
    for config in (
        {"method": "origami"},
        {"amount": 1.5},
        {"method": "unstructured", "importance": "taylor"},
    ):
        with pytest.raises(SlimbenchError) as caught:
            run_job(prune_job(mlp, PruneConfig(**config)))  # type: ignore[arg-type]
        one_line(caught.value)


# --- unstructured -------------------------------------------------------------------------


def test_unstructured_changes_sparsity_not_dense_size(mlp: ModelHandle, tmp_path: Path) -> None:
    state, types = _state(mlp.module), _types(mlp.module)
    result = run_job(prune_job(mlp, PruneConfig(method="unstructured", amount=0.6, **QUICK)))
    _assert_untouched(mlp, state, types)
    before, after = result.before, result.after
    assert after["params_total"] == before["params_total"]
    assert after["size_bytes"] == before["size_bytes"]
    model = result.handle.module
    for layer in (model.net[1], model.net[3], model.net[5]):
        sparsity = 1 - int(torch.count_nonzero(layer.weight)) / layer.weight.numel()
        assert sparsity == pytest.approx(0.6, abs=0.01)
    assert torch.count_nonzero(model.net[7].weight) == model.net[7].weight.numel()
    assert after["params_nonzero"] < 0.5 * before["params_nonzero"]
    assert not any(hasattr(m, "weight_mask") for m in model.modules())  # made permanent
    assert any("not the dense size" in note for note in result.notes)
    rows = {row["path"]: row for row in result.to_json()["layers"]}
    assert rows["net.1"]["sparsity"]["after"] == pytest.approx(0.6, abs=0.01)

    dense = save_pruned(result.handle, tmp_path / "dense.pt", sparse=False)
    packed = save_pruned(result.handle, tmp_path / "sparse.pt", sparse=True)
    assert packed.sparse and not dense.sparse
    assert packed.size_bytes < 0.6 * dense.size_bytes
    assert result.sparse_size_bytes == pytest.approx(packed.size_bytes, rel=0.01)
    loaded = load_pruned(packed.path)
    inputs = mlp.data.inputs
    with torch.no_grad():
        assert torch.equal(loaded.module(inputs), model(inputs))


def test_global_unstructured_hits_the_global_amount(mlp: ModelHandle) -> None:
    config = PruneConfig(method="unstructured", amount=0.8, global_pruning=True, measure=False)
    model = run_job(prune_job(mlp, config)).handle.module
    weights = [model.net[i].weight for i in (1, 3, 5)]
    zeros = sum(w.numel() - int(torch.count_nonzero(w)) for w in weights)
    assert zeros / sum(w.numel() for w in weights) == pytest.approx(0.8, abs=0.01)


# --- 2:4 ------------------------------------------------------------------------------------


def test_two_four_on_cpu_is_a_one_line_error(mlp: ModelHandle, one_line) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DeviceError) as caught:
        run_job(prune_job(mlp, PruneConfig(method="2:4", dtype="float16")))
    assert NEEDS_GPU in one_line(caught.value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="2:4 sparsity needs a CUDA GPU")
def test_two_four_on_gpu_runs_and_measures(make_handle: Callable[..., ModelHandle],
                                           tmp_path: Path) -> None:
    if torch.cuda.get_device_capability() < (8, 0):
        pytest.skip("2:4 sparsity needs compute capability 8.0+")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 512),
                          nn.ReLU(), nn.Linear(512, 10))
    handle = make_handle(model, torch.randn(64, 512))
    config = PruneConfig(method="2:4", device="cuda", dtype="float16", batch_sizes=(64,),
                         bench_repeats=10, bench_rounds=1)
    result = run_job(prune_job(handle, config))
    assert result.after["params_nonzero"] < 0.6 * result.before["params_nonzero"]
    assert result.after["fidelity"]["cosine"] > 0.5
    assert any("2:4 sparsity" in note for note in result.notes)
    assert next(handle.module.parameters()).device.type == "cpu"
    # 2:4 weights are saved dense, then packed: half of them are zeros. (This in-memory model
    # has no recorded architecture, so it cannot be saved as weights at all.)
    assert result.sparse_size_bytes is not None
    assert result.sparse_size_bytes < 0.7 * result.before["size_bytes"]
    with pytest.raises(SlimbenchError):
        save_pruned(result.handle, tmp_path / "x.pt")


# --- sensitivity and auto -----------------------------------------------------------------


def test_sensitivity_scan_and_auto_ratios(mlp: ModelHandle) -> None:
    seen = []
    scan = run_job(sensitivity_job(mlp, ratios=(0.5, 0.75)), on_progress=seen.append)
    paths = [layer.path for layer in scan.layers]
    assert paths == ["net.1", "net.3", "net.5"]
    assert all(len(layer.points) == 2 for layer in scan.layers)
    assert scan.layers[0].points[1].params_total < scan.layers[0].points[0].params_total
    assert any(p.metrics.get("path") == "net.3" for p in seen)
    assert set(scan.chart()) == set(paths)
    plan = auto_ratios(scan, 0.6, handle=mlp)
    assert plan.reached and plan.actual_fraction is not None and plan.actual_fraction <= 0.6
    assert set(plan.layer_ratios) <= set(paths)


@pytest.fixture(scope="module")
def mlp_scan(mlp: ModelHandle):  # type: ignore[no-untyped-def]
    return run_job(sensitivity_job(mlp, ratios=(0.25, 0.5, 0.75), max_samples=256))


def test_auto_plan_to_a_size_target_is_checked_by_pruning(mlp: ModelHandle, mlp_scan) -> None:  # type: ignore[no-untyped-def]
    assert mlp_scan.flops and all(p.flops < mlp_scan.flops
                                  for layer in mlp_scan.layers for p in layer.points)
    seen = []
    plan = run_job(auto_plan_job(mlp_scan, 0.5, "size", handle=mlp), on_progress=seen.append)
    assert plan.kind == "size" and plan.reached
    assert plan.actual_fraction is not None and plan.actual_fraction <= 0.5
    pruned = run_job(prune_job(mlp, PruneConfig(amount=0.0, layer_ratios=plan.layer_ratios,
                                                head_ratio=0.0, measure=False)))
    assert pruned.after["size_bytes"] / pruned.before["size_bytes"] == \
        pytest.approx(plan.actual_fraction)
    # The fewest greedy steps that reach the target: every shorter candidate measured missed.
    assert plan.measurements and all(
        fraction > 0.5 for steps, fraction in plan.measurements if steps < plan.steps)
    assert any(p.metrics.get("kind") == "size" for p in seen)
    # A target beyond what the scanned ratios can reach says so instead of pretending.
    far = auto_ratios(mlp_scan, 0.01, kind="params", handle=mlp)
    assert not far.reached and far.actual_fraction > 0.01 and "higher ratios" in far.notes[0]


def test_auto_targets_reject_bad_values(mlp: ModelHandle, mlp_scan, one_line) -> None:  # type: ignore[no-untyped-def]
    for fraction in (0.0, 1.0, 1.5, float("nan")):
        with pytest.raises(PruneError) as caught:
            auto_ratios(mlp_scan, fraction, kind="size")
        one_line(caught.value)
    with pytest.raises(PruneError, match="Unknown automatic target"):
        auto_ratios(mlp_scan, 0.5, kind="speediness")
    with pytest.raises(PruneError, match="structured"):
        run_job(auto_prune_job(mlp, 0.5, "latency", config=PruneConfig(method="unstructured")))
    with pytest.raises(PruneError, match="handle"):
        auto_ratios(mlp_scan, 0.5, kind="latency")


def test_auto_prune_to_a_latency_target_measures_for_real(mlp: ModelHandle, mlp_scan) -> None:  # type: ignore[no-untyped-def]
    state, types_before = _state(mlp.module), _types(mlp.module)
    config = PruneConfig(threads=1, batch_sizes=(32,), bench_repeats=10, bench_rounds=1,
                         max_eval_samples=256)
    seen = []
    result = run_job(auto_prune_job(mlp, 0.6, "latency", config=config, sensitivity=mlp_scan,
                                    search_repeats=8),
                     on_progress=seen.append)
    _assert_untouched(mlp, state, types_before)
    auto = result.auto
    assert auto is not None and auto["kind"] == "latency" and auto["layer_ratios"]
    assert result.config.layer_ratios == auto["layer_ratios"]
    # The reached fraction is the paired before/after measurement of the final result.
    speedup = result.after["speedup_by_batch"]["32"]
    assert auto["reached_fraction"] == pytest.approx(1 / speedup)
    assert auto["reached"] and 1 / speedup <= 0.6
    assert result.after["params_total"] < result.before["params_total"]
    assert "target 60% of the latency" in result.notes[0]
    assert all(0 <= p.step <= p.total == 100 for p in seen)
    assert [p.step for p in seen] == sorted(p.step for p in seen)
    assert any(p.metrics.get("kind") == "latency" for p in seen)  # the search's candidates


def test_auto_prune_scans_when_not_given_a_scan_and_cancels_cleanly(mlp: ModelHandle) -> None:
    state, types_before = _state(mlp.module), _types(mlp.module)
    seen = []
    with pytest.raises(JobCancelled):
        run_job(auto_prune_job(mlp, 0.5, "size", config=PruneConfig(**QUICK)),
                on_progress=seen.append,
                should_cancel=lambda: any("path" in p.metrics for p in seen))
    _assert_untouched(mlp, state, types_before)
    assert seen[-1].message.startswith("Sensitivity: ")


def test_transformer_units_and_a_per_module_head_ratio() -> None:
    handle = load_model("zoo:transformer-majority")
    units = {unit.path: unit for unit in structured_units(handle.module, handle.example_inputs)}
    assert units["blocks.0.attn.q_proj"].kind == "heads"
    assert units["blocks.0.attn.q_proj"].width == 6
    assert units["blocks.0.ff.0"].kind == "channels"
    # A ratio on one attention module's projection prunes that module's heads alone.
    config = PruneConfig(amount=0.0, layer_ratios={"blocks.1.attn.q_proj": 0.5}, measure=False)
    model = run_job(prune_job(handle, config)).handle.module
    assert [block.attn.heads for block in model.blocks] == [6, 3, 6, 6]
    assert model.blocks[1].attn.out_proj.in_features == 96
    assert model.blocks[1].ff[0].out_features == 768 and model.norm.normalized_shape == (192,)


# --- recovery -----------------------------------------------------------------------------


def test_recovery_brings_a_heavily_pruned_model_back(mlp: ModelHandle, tmp_path: Path) -> None:
    pruned = run_job(prune_job(mlp, PruneConfig(amount=0.9, measure=False))).handle
    state, types_before = _state(pruned.module), _types(pruned.module)
    improved: list[dict] = []
    checkpoint = tmp_path / "best.pt"
    epochs: list[dict] = []
    result = run_job(
        recover_job(pruned, mlp, epochs=2, max_steps_per_epoch=12,
                    checkpoint_path=checkpoint, on_improved=lambda h, m: improved.append(m)),
        on_progress=lambda p: epochs.append(p.metrics) if "train_loss" in p.metrics else None,
    )
    assert result.accuracy_before is not None and result.accuracy_after is not None
    assert result.accuracy_after > result.accuracy_before + 0.1
    assert [m["epoch"] for m in epochs] == [1, 2]
    assert {"epoch", "train_loss", "test_accuracy"} <= set(epochs[0])
    assert improved and checkpoint.exists()
    reloaded = load_pruned(checkpoint)
    assert reloaded.module.net[1].out_features == pruned.module.net[1].out_features
    # The input stayed as it was.
    assert result.handle.module is not pruned.module
    _assert_untouched(pruned, state, types_before)


def test_cancelled_recovery_keeps_the_best_checkpoint(mlp: ModelHandle, tmp_path: Path) -> None:
    pruned = run_job(prune_job(mlp, PruneConfig(amount=0.9, measure=False))).handle
    checkpoint = tmp_path / "best.pt"
    epochs: list[int] = []

    def progress(p) -> None:  # type: ignore[no-untyped-def]
        if "train_loss" in p.metrics:
            epochs.append(p.metrics["epoch"])

    with pytest.raises(JobCancelled):
        run_job(recover_job(pruned, epochs=5, max_steps_per_epoch=8, checkpoint_path=checkpoint),
                on_progress=progress, should_cancel=lambda: len(epochs) >= 1)
    assert checkpoint.exists()
    loaded = load_pruned(checkpoint)
    inputs = mlp.data.inputs
    with torch.no_grad():
        assert loaded.module(inputs).shape == (len(inputs), 10)
