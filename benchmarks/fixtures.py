"""Benchmark-only models of the sizes people actually compress, with random weights.

The zoo's models are small enough to train in minutes and ship with the app; these are not.
They exist so the suite's figures are not only from toy sizes:

- ``resnet50``: the torchvision ResNet-50 architecture (Bottleneck blocks [3, 4, 6, 3],
  25.6 M parameters, 224 x 224 RGB input, 1000 classes, 4.1 GMACs per image), written out
  here so the suite needs no torchvision.
- ``bert-base``: a BERT-base-class encoder (12 layers, width 768, 12 heads, feed-forward 3072,
  30,522-token vocabulary, 128-token sequences, 108.5 M parameters) built from the zoo
  transformer's blocks, so structured pruning removes whole heads and neurons as it does there.
- ``mlp-768``: the Linear-heavy block the ONNX Runtime comparison is about
  (768 -> 3072 -> 768 and a 10-way head, 4.7 M parameters).

Weights are random (seeded), so speed and size are real and quality can only be measured as
fidelity to the fp32 model on random inputs (top-1 agreement, cosine), never as accuracy.
The unlabelled inputs are attached as ``handle.data`` so every variant is judged on the same
samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from slimbench.engine.data import TensorDataset
from slimbench.engine.loading import ModelHandle
from slimbench.engine.zoo.models import MajorityTransformer


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        width = planes
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or inplanes != planes * self.expansion:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes * self.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * self.expansion),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet50(nn.Module):
    """torchvision's ``resnet50`` layer for layer (same parameter names and count)."""

    def __init__(self, classes: int = 1000, layers: tuple[int, ...] = (3, 4, 6, 3)) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._stage(64, layers[0])
        self.layer2 = self._stage(128, layers[1], stride=2)
        self.layer3 = self._stage(256, layers[2], stride=2)
        self.layer4 = self._stage(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * Bottleneck.expansion, classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                # Random running statistics, so folding BatchNorm is not a no-op.
                nn.init.uniform_(module.weight, 0.5, 1.5)
                nn.init.uniform_(module.bias, -0.1, 0.1)
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)

    def _stage(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        stage = [Bottleneck(self.inplanes, planes, stride)]
        self.inplanes = planes * Bottleneck.expansion
        stage += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*stage)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class LinearMLP(nn.Module):
    """768 -> 3072 -> 768 (GELU) and a classifier: a transformer feed-forward block."""

    def __init__(self, width: int = 768, hidden: int = 3072, classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width), nn.GELU(),
            nn.Linear(width, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@dataclass(frozen=True)
class Fixture:
    name: str
    family: str  # as the zoo's: "mlp", "cnn" or "transformer"
    description: str
    build: Callable[[], nn.Module]
    sample: Callable[[int, torch.Generator], torch.Tensor]


def _bert_base() -> nn.Module:
    return MajorityTransformer(vocab=30522, seq_len=128, d_model=768, heads=12, layers=12,
                               ff=3072, classes=2)


FIXTURES: dict[str, Fixture] = {
    fixture.name: fixture for fixture in (
        Fixture("resnet50", "cnn", "ResNet-50 (torchvision layout), 224x224 RGB, random weights",
                ResNet50, lambda n, g: torch.randn(n, 3, 224, 224, generator=g)),
        Fixture("bert-base", "transformer",
                "BERT-base-class encoder (12x768, 12 heads, 128 tokens), random weights",
                _bert_base, lambda n, g: torch.randint(0, 30522, (n, 128), generator=g)),
        Fixture("mlp-768", "mlp", "Linear-heavy MLP 768-3072-768, random weights",
                LinearMLP, lambda n, g: torch.randn(n, 768, generator=g)),
    )
}


def load_fixture(name: str, samples: int = 64) -> ModelHandle:
    """The fixture as a ModelHandle with seeded random weights and ``samples`` unlabelled
    inputs (quality is fidelity to the fp32 model on these)."""
    fixture = FIXTURES[name]
    torch.manual_seed(0)
    module = fixture.build().eval()
    generator = torch.Generator().manual_seed(1)
    inputs = fixture.sample(samples, generator)
    return ModelHandle(
        name=name, module=module, source="benchmark", location=f"benchmarks.fixtures:{name}",
        example_inputs=(inputs[:1],), data=TensorDataset(name, inputs, None),
        notes=[fixture.description],
    )
