"""2:4 semi-structured sparsity against dense fp16 on one CUDA GPU (compute capability 8.0+).

    python -m benchmarks.prune_gpu_24 [--out DIR]

Zoo models with Linear layers (the MLP and the transformer) and one large Linear stack, where
the sparse kernels have room to pay off. Dense and 2:4 are timed in alternating rounds in one
process, same GPU, dtype and inputs. Writes ``prune_gpu_24.json`` (to ``--out`` or
benchmarks/results) and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch
from torch import nn

from benchmarks.common import RESULTS, machine_description
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.measure import accuracy
from slimbench.engine.prune import PruneConfig, load_pruned, prune_job, save_pruned


class LargeLinearStack(nn.Module):
    """4096 -> 16384 -> 4096 -> 10: the shape of a large transformer's MLP block."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(4096, 16384), nn.GELU(), nn.Linear(16384, 4096), nn.GELU(),
            nn.Linear(4096, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def _large() -> ModelHandle:
    torch.manual_seed(0)
    return ModelHandle("large-linear-stack", LargeLinearStack().eval(), "memory", "memory",
                       example_inputs=(torch.randn(1, 4096),))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("2:4 sparsity needs an NVIDIA GPU of compute capability 8.0+.")
    cases = [
        (load_model("zoo:mlp-digits"), (32, 4096)),
        (load_model("zoo:transformer-majority"), (32, 1024)),
        (_large(), (32, 2048, 8192)),
    ]
    rows = []
    for handle, batches in cases:
        config = PruneConfig(method="2:4", device="cuda", dtype="float16", batch_sizes=batches,
                             bench_repeats=50, bench_rounds=2, bench_max_seconds=5.0)
        result = run_job(prune_job(handle, config))
        before, after = result.before, result.after
        saved = None
        if handle.arch:  # the file round trip: dense zeros packed, loaded back on the CPU
            with tempfile.TemporaryDirectory() as folder:
                file = save_pruned(result.handle, Path(folder) / "model.pt")
                loaded = load_pruned(file.path)
                saved = {"file_bytes": file.size_bytes, "packed": file.sparse,
                         "accuracy_reloaded_cpu_fp32": accuracy(loaded.module, loaded.data)}
        for batch in batches:
            dense = before["latency_ms_by_batch"][str(batch)]["median"]
            sparse = after["latency_ms_by_batch"][str(batch)]["median"]
            rows.append({
                "model": handle.name,
                "batch_size": batch,
                "dtype": "float16",
                "dense_ms": dense,
                "sparse_ms": sparse,
                "speedup": after["speedup_by_batch"][str(batch)],
                "sparse_layers": sum(1 for layer in result.layers
                                     if layer.sparsity_after == 0.5),
                "size_bytes_after": after["size_bytes"],
                "accuracy_before": before["accuracy"],
                "accuracy_after": after["accuracy"],
                "top1_agreement": after["fidelity"]["top1_agreement"],
                "params_nonzero_before": before["params_nonzero"],
                "params_nonzero_after": after["params_nonzero"],
                "dense_size_bytes": before["size_bytes"],  # in float16, as measured
                "sparse_file_bytes": result.sparse_size_bytes,
                "saved": saved,
                "notes": result.notes,
            })
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "prune_gpu_24.json"
    document = {"machine": machine_description(), "device": torch.cuda.get_device_name(),
                "rows": rows}
    path.write_text(json.dumps(document, indent=2))
    print("| model | batch | dense fp16 ms | 2:4 ms | speedup | acc before | acc after |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        def pct(value: float | None) -> str:
            return "-" if value is None else f"{100 * value:.2f}%"
        print(f"| {row['model']} | {row['batch_size']} | {row['dense_ms']:.3f} | "
              f"{row['sparse_ms']:.3f} | {row['speedup']:.2f}x | {pct(row['accuracy_before'])} | "
              f"{pct(row['accuracy_after'])} |")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
