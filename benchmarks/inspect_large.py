"""How long inspecting takes as models grow: 0.7M to 1.1B parameters (BERT-base at 109M).

    python -m benchmarks.inspect_large [--max-params 2e9]

Times ``inspect_model`` only (tree, parameters, nonzero counts, FLOPs and shapes from one
forward pass); building the model with random weights is not counted.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from benchmarks.common import write_results
from slimbench.engine.inspection import inspect_model
from slimbench.engine.loading import ModelHandle


class Encoder(nn.Module):
    """A BERT-base-shaped encoder (random weights): embeddings, N layers, classifier."""

    def __init__(self, layers: int, width: int = 768, vocab: int = 30522, seq: int = 128) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(seq, width)
        layer = nn.TransformerEncoderLayer(width, width // 64, 4 * width, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(width, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        hidden = self.encoder(self.tokens(ids) + self.positions(positions))
        return self.head(hidden[:, 0])


def _peak_resident() -> int | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except (ImportError, OSError):
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-params", type=float, default=2e9,
                        help="skip encoders larger than this many parameters")
    parser.add_argument("--seq", type=int, default=128)
    options = parser.parse_args(argv)
    rows = []
    # Width x depth from a toy to BERT-base (12x768), BERT-large (24x1024) and a 1.1B encoder.
    configs = [(1, 128), (2, 256), (4, 512), (12, 768), (24, 1024), (36, 1536)]
    for layers, width in configs:
        if 12 * layers * width**2 > options.max_params:
            continue
        torch.manual_seed(0)
        model = Encoder(layers, width, vocab=30522 if width >= 768 else 4000, seq=options.seq)
        ids = torch.randint(0, 1000, (1, options.seq))
        handle = ModelHandle(f"encoder-{layers}x{width}", model.eval(), "benchmark", "-",
                             example_inputs=(ids,))
        inspect_model(handle)  # first call pays one-off dispatcher warm-up
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            result = inspect_model(handle)
            timings.append(time.perf_counter() - start)
        del model, handle
        row = {
            "model": f"encoder-{layers}x{width}",
            "params_total": result.params_total,
            "modules": len(result.tree.walk()),
            "flops": result.flops,
            "inspect_seconds_median": sorted(timings)[1],
            "inspect_seconds_all": timings,
        }
        rows.append(row)
        print(f"{row['model']:>18}  {row['params_total'] / 1e6:7.1f}M params  "
              f"{row['modules']:5d} modules  {row['inspect_seconds_median']:.3f} s")
    path = write_results("inspect_large", rows, sequence_length=options.seq,
                         peak_resident_bytes=_peak_resident())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
