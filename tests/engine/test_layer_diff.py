"""Per-layer diff of two variants of a model, and per-layer eager latency. Qt-free."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable

import pytest
import torch
from torch import nn

from slimbench.engine.compare.layer_diff import (
    ADDED,
    CHANGED,
    REMOVED,
    SAME,
    LayerDiffRow,
    compact_count,
    layer_diff,
    layer_diff_job,
    per_layer_latency,
    tensor_dtype,
    to_json,
    weight_dtype,
)
from slimbench.engine.inspection import InspectResult, inspect_model
from slimbench.engine.jobs import Progress, run_job
from slimbench.engine.loading import ModelHandle, load_model


def _zoo(name: str) -> ModelHandle:
    from slimbench.engine import zoo

    if not zoo.get_entry(name).weights_file.exists():
        pytest.skip(f"zoo weights of {name} are not built yet")
    return load_model(f"zoo:{name}")


def _handle(module: nn.Module, *inputs: torch.Tensor, name: str = "net") -> ModelHandle:
    return ModelHandle(name, module.eval(), "memory", "memory", example_inputs=inputs or None)


def _by_path(rows: list[LayerDiffRow]) -> dict[str, LayerDiffRow]:
    paths = [row.path for row in rows]
    assert len(paths) == len(set(paths)), "a path appears twice"
    return {row.path: row for row in rows}


@pytest.fixture(scope="module")
def resnet_pair() -> tuple[ModelHandle, ModelHandle, list[LayerDiffRow]]:
    from slimbench.engine.prune import PruneConfig, prune_job

    original = _zoo("resnet-digits")
    pruned = run_job(
        prune_job(original, PruneConfig(method="structured", amount=0.5, measure=False))
    ).handle
    rows = layer_diff(inspect_model(original), inspect_model(pruned))
    return original, pruned, rows


def test_structured_pruning_shows_fewer_channels(resnet_pair) -> None:  # type: ignore[no-untyped-def]
    original, _pruned, rows = resnet_pair
    by_path = _by_path(rows)
    # Pre-order over the same tree: A's order, depth from the path.
    assert [row.path for row in rows] == [node.path for node in inspect_model(original).tree.walk()]
    assert all(row.depth == (row.path.count(".") + 1 if row.path else 0) for row in rows)
    assert all(row.status in (SAME, CHANGED) for row in rows)

    for path in ("stem.0", "stages.0.0.conv1", "stages.0.0.conv2", "stages.0.0.bn1"):
        row = by_path[path]
        assert row.status == CHANGED
        assert row.channels_a == 64 and row.channels_b is not None and row.channels_b < 64
        assert f"channels 64 → {row.channels_b}" in row.changes
        assert row.params_b < row.params_a
        assert any(change.startswith("params ") for change in row.changes)
        assert row.dtype_a == row.dtype_b == "float32"

    fc = by_path["fc"]
    assert fc.type_a == fc.type_b == "Linear"
    assert fc.channels_a == fc.channels_b == 10  # the classifier keeps its outputs
    assert not any(change.startswith("channels") for change in fc.changes)
    # Only its inputs shrank: params = 10 * in_features + 10 on both sides.
    in_a = original.module.fc.in_features
    in_b = by_path["stages.2.1.conv2"].channels_b
    assert fc.params_a == 10 * in_a + 10 and fc.params_b == 10 * in_b + 10

    for path in ("stem.2", "upsample", "pool", "stages.0.0.relu"):
        assert by_path[path].status == SAME and by_path[path].changes == []
    root = by_path[""]
    assert root.params_a == sum(p.numel() for p in original.module.parameters())
    assert root.params_b < root.params_a


def test_removed_and_added_layers_appear_once_in_tree_order() -> None:
    torch.manual_seed(0)
    a = nn.Sequential(OrderedDict(
        fc1=nn.Linear(4, 8),
        act=nn.ReLU(),
        block=nn.Sequential(nn.Linear(8, 8), nn.ReLU()),
        fc2=nn.Linear(8, 2),
    ))
    b = nn.Sequential(OrderedDict(
        fc1=nn.Linear(4, 8),
        act=nn.GELU(),
        norm=nn.LayerNorm(8),
        fc2=nn.Linear(8, 2),
    ))
    x = torch.randn(2, 4)
    rows = layer_diff(inspect_model(_handle(a, x)), inspect_model(_handle(b, x)))
    by_path = _by_path(rows)
    assert [row.path for row in rows] == [
        "", "fc1", "act", "block", "block.0", "block.1", "norm", "fc2"
    ]
    assert [row.depth for row in rows] == [0, 1, 1, 1, 2, 2, 1, 1]
    assert by_path["fc1"].status == SAME
    assert by_path["act"].status == CHANGED and by_path["act"].changes == ["ReLU → GELU"]
    for path in ("block", "block.0", "block.1"):
        row = by_path[path]
        assert row.status == REMOVED and row.changes == ["removed"]
        assert row.type_b is None and row.params_b is None and row.channels_b is None
    assert by_path["block.0"].params_a == 72 and by_path["block.0"].channels_a == 8
    norm = by_path["norm"]
    assert norm.status == ADDED and norm.type_a is None and norm.type_b == "LayerNorm"
    assert norm.params_b == 16 and norm.dtype_b == "float32"
    assert by_path[""].status == CHANGED  # 72 parameters gone, 16 new
    json.dumps(to_json(rows))  # plain data


@pytest.mark.parametrize("engine", ["legacy", "torchao"])
def test_dynamic_int8_shows_int8_weights(engine: str) -> None:
    from slimbench.engine.quantize import QuantizeConfig
    from slimbench.engine.quantize.jobs import build_quantized_job

    if engine == "torchao":
        pytest.importorskip("torchao")
    original = _zoo("mlp-digits")
    config = QuantizeConfig(scheme="int8-dynamic", compile=False, engine=engine)
    quantized = run_job(build_quantized_job(original, config))
    variant = _handle(quantized.module, *original.require_inputs(), name="int8")
    a, b = inspect_model(original), inspect_model(variant)

    linears = [node.path for node in a.tree.walk() if node.type == "Linear"]
    assert linears
    for rows in (
        layer_diff(a, b),  # from the inspections alone
        layer_diff(a, b, module_a=original.module, module_b=quantized.module),
    ):
        by_path = _by_path(rows)
        assert not any("_packed_params" in path for path in by_path)
        for path in linears:
            row = by_path[path]
            assert (row.dtype_a, row.dtype_b) == ("float32", "int8")
            assert row.status == CHANGED and "float32 → int8" in row.changes
        assert by_path["net.0"].status == SAME  # Flatten
    if engine == "legacy":
        assert by_path[linears[0]].type_b == "DynamicQuantizedLinear"
        assert "Linear → DynamicQuantizedLinear" in by_path[linears[0]].changes


def test_weight_dtypes() -> None:
    assert weight_dtype(nn.Linear(2, 2).to(torch.bfloat16)) == "bfloat16"
    assert weight_dtype(nn.ReLU()) is None
    assert weight_dtype(nn.LayerNorm(3)) == "float32"
    packed = torch.ao.nn.quantized.dynamic.Linear(4, 4)
    assert weight_dtype(packed) == "int8"
    assert tensor_dtype(torch.quantize_per_tensor(torch.ones(2), 0.1, 0, torch.quint8)) == "uint8"
    assert compact_count(147968) == "148 k" and compact_count(36992) == "37 k"
    assert compact_count(999) == "999" and compact_count(2776522) == "2.78 M"


def _nested() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(OrderedDict(
        embed=nn.Linear(16, 64),
        body=nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU()),
        head=nn.Linear(64, 4),
    ))


def test_per_layer_latency_times_every_module_and_leaves_no_trace() -> None:
    module = _nested().train()
    handle = _handle(module, torch.randn(1, 16))
    module.train()  # _handle put it in eval; a training flag must survive timing
    state = {key: value.clone() for key, value in module.state_dict().items()}

    latency = per_layer_latency(handle, batch_size=8, repeats=3)

    assert latency is not None
    paths = [path for path, _ in module.named_modules()]
    assert set(latency) == set(paths)
    assert all(isinstance(value, float) and value > 0 for value in latency.values())
    for path, sub in module.named_modules():
        for name, _child in sub.named_children():
            child_path = f"{path}.{name}" if path else name
            assert latency[path] >= latency[child_path]
    # Nothing left behind: hooks, mode, weights.
    for sub in module.modules():
        assert not sub._forward_hooks and not sub._forward_pre_hooks
        assert sub.training
    after = module.state_dict()
    assert all(torch.equal(state[key], after[key]) for key in state)


def test_per_layer_latency_is_none_for_graphs_and_torchscript() -> None:
    x = torch.randn(1, 16)
    traced = torch.fx.symbolic_trace(_nested())
    assert per_layer_latency(_handle(traced, x), batch_size=2, repeats=1) is None
    scripted = torch.jit.script(_nested())
    assert per_layer_latency(_handle(scripted, x), batch_size=2, repeats=1) is None


def test_layer_diff_job_measures_both_and_reports_progress() -> None:
    torch.manual_seed(0)
    a = _nested()
    b = _nested()
    b.body[2] = nn.Linear(64, 64).to(torch.bfloat16)
    b.body[2].register_forward_pre_hook(lambda _m, args: tuple(t.bfloat16() for t in args))
    b.body[2].register_forward_hook(lambda _m, _args, out: out.float())
    x = torch.randn(1, 16)
    handle_a, handle_b = _handle(a, x, name="a"), _handle(b, x, name="b")
    given = inspect_model(handle_a)
    events: list[Progress] = []

    rows = run_job(
        layer_diff_job(handle_a, handle_b, batch_size=4, repeats=2, inspection_a=given),
        events.append,
    )

    assert events[0].step == 0 and events[-1].fraction == 1.0
    assert [event.step for event in events] == sorted(event.step for event in events)
    by_path = _by_path(rows)
    assert by_path["body.2"].changes == ["float32 → bfloat16"]
    assert all(row.latency_ms_a and row.latency_ms_b for row in rows)
    assert len(b.body[2]._forward_hooks) == 1  # the model's own hook stays, ours are gone

    plain = run_job(layer_diff_job(handle_a, handle_b, measure_latency=False))
    assert all(row.latency_ms_a is None and row.latency_ms_b is None for row in plain)
    assert [row.path for row in plain] == [row.path for row in rows]


def test_cancelling_while_timing_leaves_no_hooks() -> None:
    from slimbench.engine.errors import JobCancelled

    a, b = _nested(), _nested()
    x = torch.randn(1, 16)
    seen: list[Progress] = []
    job = layer_diff_job(_handle(a, x), _handle(b, x), batch_size=2, repeats=3)
    with pytest.raises(JobCancelled):
        run_job(
            job,
            on_progress=seen.append,
            should_cancel=lambda: seen[-1].message.startswith("Timing layers"),
        )
    assert seen[-1].message.startswith("Timing layers")
    for sub in (*a.modules(), *b.modules()):
        assert not sub._forward_hooks and not sub._forward_pre_hooks


def test_a_variant_without_inputs_is_diffed_without_latency(
    make_handle: Callable[..., ModelHandle],
) -> None:
    a = make_handle(_nested(), torch.randn(1, 16), name="a")
    b = make_handle(_nested(), name="b")
    rows = run_job(layer_diff_job(a, b, batch_size=2, repeats=1))
    assert all(row.latency_ms_a is not None and row.latency_ms_b is None for row in rows)
    assert all(row.status == SAME for row in rows)
    assert isinstance(rows[0], LayerDiffRow) and isinstance(inspect_model(a), InspectResult)
