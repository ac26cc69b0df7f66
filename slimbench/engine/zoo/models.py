"""Architectures of the built-in model zoo.

Every class takes only keyword arguments with defaults, so a model can be rebuilt from the JSON
arguments stored next to its weights: ``ClassName(**model_args)``. The forward passes avoid
data-dependent control flow and hard-coded shapes so that ``torch.export`` and torch-pruning can
trace them, and every dense layer is an ``nn.Linear`` or ``nn.Conv2d`` so that the quantizers and
pruners find all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CancerMLP", "DigitsMLP", "DigitsResNet", "MajorityTransformer"]


class DigitsMLP(nn.Module):
    """Fully connected classifier for 8x8 digit images: Flatten, then ``depth`` Linear+ReLU layers.

    Input: float32 ``(N, 1, 8, 8)`` in [0, 1]. Output: ``(N, classes)`` logits.
    """

    def __init__(
        self, in_features: int = 64, hidden: int = 1024, depth: int = 3, classes: int = 10
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        layers: list[nn.Module] = [nn.Flatten()]
        width = in_features
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class BasicBlock(nn.Module):
    """ResNet basic block: conv-bn-relu-conv-bn plus an identity or 1x1-conv-bn shortcut."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        # An empty Sequential keeps the forward free of branches on the block's configuration.
        self.shortcut: nn.Module = nn.Sequential()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class DigitsResNet(nn.Module):
    """Small ResNet for 8x8 digit images.

    The first layer upsamples the 8x8 image bilinearly to 16x16: at 8x8 two stride-2 stages would
    leave a 2x2 map, too little room for 3x3 convolutions to see shapes. Then a conv3x3-BN-ReLU
    stem, ``blocks_per_stage`` basic blocks per stage (stride 2 between stages), global average
    pooling and a Linear classifier.

    Input: float32 ``(N, 1, 8, 8)`` in [0, 1]. Output: ``(N, classes)`` logits.
    """

    def __init__(
        self,
        classes: int = 10,
        widths: Sequence[int] = (64, 128, 256),
        blocks_per_stage: int = 2,
    ) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)  # JSON gives lists; keep the args hashable
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.stem = nn.Sequential(
            nn.Conv2d(1, widths[0], 3, 1, 1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        stages: list[nn.Module] = []
        in_channels = widths[0]
        for index, width in enumerate(widths):
            blocks: list[nn.Module] = []
            for block in range(blocks_per_stage):
                stride = 2 if index > 0 and block == 0 else 1
                blocks.append(BasicBlock(in_channels, width, stride))
                in_channels = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_channels, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.stem(self.upsample(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class SelfAttention(nn.Module):
    """Multi-head self-attention with separate ``nn.Linear`` projections.

    Written out rather than using ``nn.MultiheadAttention``, whose packed input projection is a
    bare Parameter: as Linears, dynamic int8 quantization and pruning reach every projection.
    """

    def __init__(self, d_model: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by heads ({heads})")
        self.heads = heads
        self.dropout = dropout
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        # (N, T, D) -> (N, heads, T, D / heads); the head size is inferred, so a pruned width works.
        return x.unflatten(-1, (self.heads, -1)).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self._split(self.q_proj(x))
        k = self._split(self.k_proj(x))
        v = self._split(self.v_proj(x))
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0
        )
        return self.out_proj(out.transpose(1, 2).flatten(2))


class EncoderBlock(nn.Module):
    """Pre-norm transformer encoder block: x + attn(LN(x)), then x + FF(LN(x))."""

    def __init__(self, d_model: int, heads: int, ff: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, heads, dropout)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(
            nn.Linear(d_model, ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff, d_model)
        )
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop(self.attn(self.norm1(x)))
        return x + self.drop(self.ff(self.norm2(x)))


class MajorityTransformer(nn.Module):
    """Transformer encoder that reads a sequence of tokens and names the most frequent one.

    Token embedding plus learned positional embedding, ``layers`` pre-norm encoder blocks,
    mean pooling over the sequence, LayerNorm and a Linear head.

    Input: int64 tokens ``(N, seq_len)`` with values in ``[0, vocab)``. Output: ``(N, classes)``.
    """

    def __init__(
        self,
        vocab: int = 12,
        seq_len: int = 32,
        d_model: int = 192,
        heads: int = 6,
        layers: int = 4,
        ff: int = 768,
        classes: int = 10,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, d_model)
        self.position_embedding = nn.Parameter(torch.zeros(1, seq_len, d_model))
        nn.init.normal_(self.position_embedding, std=0.02)
        self.blocks = nn.Sequential(
            *(EncoderBlock(d_model, heads, ff, dropout) for _ in range(layers))
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        # Slicing by the input length keeps shorter sequences valid without a branch.
        x = self.token_embedding(tokens) + self.position_embedding[:, : tokens.shape[1]]
        x = self.blocks(x)
        return self.head(self.norm(x.mean(dim=1)))


class CancerMLP(nn.Module):
    """Fully connected classifier for 30 standardized tumour measurements.

    Input: float32 ``(N, in_features)``. Output: ``(N, classes)`` logits.
    """

    def __init__(
        self, in_features: int = 30, hidden: int = 1024, classes: int = 2, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
