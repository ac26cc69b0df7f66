"""Inspection totals, per-layer FLOPs and shapes, checked against counts worked out by hand."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

from slimbench.engine.errors import InputSpecError
from slimbench.engine.inspection import InspectResult, LayerNode, inspect_job, inspect_model
from slimbench.engine.jobs import Progress
from slimbench.engine.loading import load_model

NODE_KEYS = {"path", "type", "params", "flops", "output_shape", "children"}
RESULT_KEYS = {
    "name", "params_total", "params_trainable", "params_nonzero", "size_bytes", "flops", "tree"
}


def two_linear() -> nn.Sequential:
    """Linear(4,5) + Linear(5,3): 4*5+5 = 25 and 5*3+3 = 18 parameters, 43 in all."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.Linear(5, 3))


class ConvBN(nn.Module):
    """Conv2d(3, 8, 3) + BatchNorm2d(8) + ReLU on a 1x3x10x10 input (8x8 output)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Tied(nn.Module):
    """An embedding whose table is also the output projection's weight (10x4 = 40 once)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.project = nn.Linear(4, 10, bias=False)
        self.project.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.project(self.embed(tokens))


class Twice(nn.Module):
    """One Linear(4,4) registered under two names and called twice."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(4, 4)
        self.again = self.first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.again(self.first(x))


class Picky(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def hooks_left(module: nn.Module) -> int:
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) for m in module.modules())


# --- totals --------------------------------------------------------------------------------


def test_two_linear_totals(make_handle) -> None:
    result = inspect_model(make_handle(two_linear(), torch.zeros(2, 4)))

    assert result.params_total == 43
    assert result.params_trainable == 43
    assert result.params_nonzero == 43
    assert result.buffers_total == 0
    assert result.size_bytes == 43 * 4
    first, second = result.tree.children
    assert (first.path, first.type, first.params) == ("0", "Linear", 25)
    assert (second.path, second.type, second.params) == ("1", "Linear", 18)
    assert result.tree.params_own == 0


def test_conv_bn_buffers_count_in_size_not_params(make_handle) -> None:
    result = inspect_model(make_handle(ConvBN(), torch.zeros(1, 3, 10, 10)))

    conv, bn, relu = result.tree.children
    assert conv.params == 8 * 3 * 3 * 3 + 8  # 224
    assert bn.params == 8 + 8  # weight and bias
    assert relu.params == 0
    assert result.params_total == 240
    # running_mean, running_var (8 floats each) and num_batches_tracked (one int64)
    assert result.buffers_total == 17
    assert bn.size_bytes == 16 * 4 + 16 * 4 + 8
    assert result.size_bytes == 240 * 4 + 16 * 4 + 8


def test_tied_weights_are_counted_once(make_handle) -> None:
    result = inspect_model(make_handle(Tied(), torch.zeros(1, 3, dtype=torch.long)))

    assert result.params_total == 40
    assert result.size_bytes == 40 * 4
    assert result.tree.find("embed").params + result.tree.find("project").params == 40


def test_a_module_registered_twice_appears_once(make_handle) -> None:
    result = inspect_model(make_handle(Twice(), torch.zeros(2, 4)))

    assert result.params_total == 20
    assert [child.path for child in result.tree.children] == ["first"]
    assert result.tree.find("again") is None
    # called twice on a batch of 2: 2 * (2 * 4 * 4)
    assert result.flops == 2 * (2 * 2 * 4 * 4)


def test_nonzero_and_sparsity_after_zeroing_weights(make_handle) -> None:
    model = two_linear()
    with torch.no_grad():
        model[0].weight[:, :2] = 0.0  # 5 rows x 2 columns = 10 zeros
        model[1].bias.zero_()  # 3 zeros

    result = inspect_model(make_handle(model))

    assert result.params_total == 43
    assert result.params_nonzero == 43 - 13
    assert result.tree.find("0").nonzero == 15
    assert result.tree.find("0").sparsity == pytest.approx(10 / 25)
    assert result.tree.sparsity == pytest.approx(13 / 43)


def test_frozen_parameters_are_not_trainable(make_handle) -> None:
    model = two_linear()
    model[0].requires_grad_(False)

    result = inspect_model(make_handle(model))

    assert result.params_total == 43
    assert result.params_trainable == 18


@pytest.mark.parametrize("dtype, width", [(torch.bfloat16, 2), (torch.float16, 2),
                                          (torch.float64, 8)])
def test_size_follows_the_dtype(make_handle, dtype: torch.dtype, width: int) -> None:
    result = inspect_model(make_handle(two_linear().to(dtype)))

    assert result.params_total == 43
    assert result.size_bytes == 43 * width
    assert result.tree.find("0").dtype == str(dtype).removeprefix("torch.")


def _dynamic_int8(model: nn.Module) -> nn.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)


def test_dynamic_int8_has_its_real_smaller_size(make_handle) -> None:
    torch.manual_seed(0)
    fp32 = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32))
    int8 = _dynamic_int8(fp32)

    before = inspect_model(make_handle(fp32))
    after = inspect_model(make_handle(int8))

    assert before.size_bytes == (64 * 64 + 64 + 64 * 32 + 32) * 4
    weight_bytes = 64 * 64 + 64 * 32  # one byte per int8 weight
    assert weight_bytes <= after.size_bytes < before.size_bytes / 3
    assert after.tree.find("0").dtype == "qint8"


def test_dynamic_int8_keeps_the_parameter_count(make_handle) -> None:
    """Quantizing changes how parameters are stored, not how many there are (biases too)."""
    int8 = _dynamic_int8(two_linear())

    result = inspect_model(make_handle(int8, torch.zeros(2, 4)))

    assert result.params_total == 43
    assert result.tree.find("0").params == 25
    # int8 weights plus the fp32 biases the packed params keep
    assert result.size_bytes >= (20 + 15) * 1 + (5 + 3) * 4


# --- FLOPs and shapes ----------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 3])
def test_linear_flops_are_two_multiply_adds_per_weight_per_sample(make_handle, batch: int) -> None:
    layer = nn.Linear(6, 7)

    result = inspect_model(make_handle(layer, torch.zeros(batch, 6)))

    assert result.flops == 2 * 6 * 7 * batch
    assert result.tree.flops == result.flops
    assert result.tree.output_shape == [batch, 7]
    assert result.input_shapes == [[batch, 6]]


def test_conv_flops_and_output_shapes(make_handle) -> None:
    result = inspect_model(make_handle(ConvBN(), torch.zeros(1, 3, 10, 10)))

    conv = result.tree.find("conv")
    # 2 * (in 3 * kernel 3x3) * out 8 * (8 x 8 positions)
    assert conv.flops == 2 * 3 * 3 * 3 * 8 * 8 * 8
    assert conv.output_shape == [1, 8, 8, 8]
    assert result.tree.find("relu").output_shape == [1, 8, 8, 8]
    assert result.tree.find("relu").flops == 0  # called, but no counted operation


def test_channels_are_what_structured_pruning_shrinks(make_handle) -> None:
    class Mixed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.bn = nn.BatchNorm2d(8)
            self.attention = nn.MultiheadAttention(16, 4, batch_first=True)
            self.fc = nn.Linear(16, 5)
            self.relu = nn.ReLU()

    result = inspect_model(make_handle(Mixed()))
    channels = {node.path: node.channels for node in result.tree.walk()}
    assert channels["conv"] == 8
    assert channels["bn"] == 8
    assert channels["attention"] == 4  # heads, not the embedding width
    assert channels["fc"] == 5
    assert channels["attention.out_proj"] == 16
    assert channels["relu"] is None and channels[""] is None
    assert result.to_json()["tree"]["children"][0]["channels"] == 8
    quantized = inspect_model(make_handle(_dynamic_int8(nn.Sequential(nn.Linear(4, 3)))))
    assert quantized.tree.find("0").channels == 3


def test_per_layer_flops_add_up(make_handle) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16)),
        nn.Sequential(nn.Linear(16, 4)),
    )

    result = inspect_model(make_handle(model, torch.zeros(5, 8)))

    assert result.flops == 2 * 5 * (8 * 16 + 16 * 16 + 16 * 4)
    for node in result.tree.walk():
        if node.children:
            assert node.flops == sum(child.flops for child in node.children), node.path
    leaves = [node for node in result.tree.walk() if not node.children]
    assert sum(node.flops for node in leaves) == result.flops
    assert result.tree.find("0.2").output_shape == [5, 16]
    assert result.tree.find("1").output_shape == [5, 4]


def test_params_of_a_node_cover_its_subtree(make_handle) -> None:
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3)), nn.Linear(3, 1))

    result = inspect_model(make_handle(model))

    for node in result.tree.walk():
        assert node.params == node.params_own + sum(child.params for child in node.children)
        assert node.size_bytes >= sum(child.size_bytes for child in node.children)
    assert result.tree.find("0").params == 9 + 12


def test_without_inputs_flops_are_unknown_and_a_hint_says_why(make_handle) -> None:
    result = inspect_model(make_handle(two_linear()))

    assert result.flops is None
    assert result.input_shapes is None
    assert all(node.flops is None and node.output_shape is None for node in result.tree.walk())
    assert result.hint is not None and "--input-shape" in result.hint
    assert result.params_total == 43  # counting needs no inputs


def test_a_model_that_rejects_its_inputs(make_handle, one_line) -> None:
    model = Picky()

    with pytest.raises(InputSpecError) as caught:
        inspect_model(make_handle(model, torch.zeros(2, 7)))
    message = one_line(caught.value)
    assert "[2, 7]" in message and "--input-shape" in message
    assert hooks_left(model) == 0


def test_inspecting_changes_nothing(make_handle) -> None:
    model = ConvBN().train()
    state = {key: value.clone() for key, value in model.state_dict().items()}
    handle = make_handle(model, torch.randn(2, 3, 10, 10))
    model.train()  # make_handle put it in eval mode; check that inspection keeps whichever

    inspect_model(handle)

    assert model.training
    assert hooks_left(model) == 0
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key  # BatchNorm statistics included


# --- JSON, job protocol, loaded formats ----------------------------------------------------


def _check_node(node: dict) -> int:
    assert set(node) >= NODE_KEYS, set(node)
    return 1 + sum(_check_node(child) for child in node["children"])


def test_to_json_has_the_documented_keys(make_handle) -> None:
    result = inspect_model(make_handle(ConvBN(), torch.zeros(1, 3, 10, 10), name="convbn"))

    document = json.loads(json.dumps(result.to_json(), allow_nan=False))

    assert set(document) >= RESULT_KEYS
    assert document["name"] == "convbn"
    assert document["params_total"] == 240
    assert document["flops"] == result.flops
    assert _check_node(document["tree"]) == 4
    assert document["tree"]["path"] == ""
    assert [child["path"] for child in document["tree"]["children"]] == ["conv", "bn", "relu"]
    assert document["tree"]["children"][0]["output_shape"] == [1, 8, 8, 8]


def test_inspect_job_yields_progress_then_returns_the_result(make_handle) -> None:
    job = inspect_job(make_handle(two_linear(), torch.zeros(2, 4)))
    events: list[Progress] = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            result = stop.value
            break

    assert isinstance(result, InspectResult)
    assert isinstance(result.tree, LayerNode)
    assert result.params_total == 43
    assert len(events) >= 2
    assert all(isinstance(event, Progress) and event.message for event in events)
    steps = [event.step for event in events]
    assert steps == sorted(steps)
    assert events[-1].fraction == 1.0
    assert result.seconds >= 0


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.fc(x))


class Hierarchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(x))


def test_exported_program_keeps_the_original_hierarchy(tmp_path: Path) -> None:
    path = tmp_path / "hierarchy.pt2"
    torch.manual_seed(0)
    torch.export.save(torch.export.export(Hierarchy().eval(), (torch.randn(2, 4),)), str(path))

    result = inspect_model(load_model(path))

    assert [node.path for node in result.tree.walk()] == [
        "", "block", "block.fc", "block.act", "head"
    ]
    assert result.params_total == 20 + 15
    assert result.tree.find("block").params == 20
    assert result.tree.find("block.fc").flops == 2 * 2 * 4 * 4
    assert result.tree.find("head").flops == 2 * 2 * 4 * 3
    assert result.flops == 2 * 2 * (16 + 12)
    assert result.tree.find("head").output_shape == [2, 3]


def test_torchscript_counts_params_and_whole_model_flops(tmp_path: Path) -> None:
    path = tmp_path / "scripted.pt"
    torch.jit.save(torch.jit.script(two_linear().eval()), str(path))
    from slimbench.engine.loading import parse_input_specs

    result = inspect_model(load_model(path, inputs=parse_input_specs(["2,4"]),
                                      trust_pickle=True))

    assert result.params_total == 43
    assert result.flops == 2 * 2 * (20 + 15)
    assert result.tree.output_shape == [2, 3]
