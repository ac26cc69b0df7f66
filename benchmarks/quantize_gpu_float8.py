"""float8-dynamic against fp32 eager and bf16 on one CUDA GPU of compute capability 8.9+.

    python -m benchmarks.quantize_gpu_float8 [--out DIR]

Zoo models with Linear layers, and one large Linear stack (4096 -> 16384 -> 4096) where float8
tensor cores have room to pay off. Every row comes from Slimbench's own quantize job (before,
after and the bf16 baseline timed round-robin in one process) and its save/load round trip.
Writes ``quantize_gpu_float8.json`` (to ``--out`` or benchmarks/results) with a markdown table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import torch

from benchmarks.common import RESULTS, machine_description
from benchmarks.prune_gpu_24 import _large
from slimbench.engine.errors import SlimbenchError
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import ModelHandle, load_model
from slimbench.engine.quantize import QuantizeConfig, quantize_job, save_quantized


def _row(handle: ModelHandle, batch: int, folder: Path) -> dict[str, Any]:
    config = QuantizeConfig(scheme="float8-dynamic", device="cuda", batch_size=batch,
                            baselines=("bf16",), compile=True, eval_samples=1024)
    try:
        result = run_job(quantize_job(handle, config))
    except SlimbenchError as error:
        return {"model": handle.name, "batch": batch, "error": str(error)}
    bf16 = result.baselines.get("bf16")
    try:
        path = save_quantized(result, folder / f"{handle.name}-{batch}.pt")
        loaded = load_model(path)
        inputs = handle.example_inputs[0][:1].repeat_interleave(32, 0).to("cuda")
        if inputs.is_floating_point():
            inputs = inputs.to(torch.bfloat16)
        with torch.inference_mode():
            same: bool | str = torch.allclose(
                loaded.module(inputs).float(), result.handle.module(inputs).float(),
                atol=1e-2, rtol=1e-2,
            )
    except Exception as error:  # recorded in the table: the round trip is what is measured
        import traceback

        traceback.print_exc()
        same = f"failed: {type(error).__name__}: {str(error).splitlines()[0][:100]}"
    return {
        "model": handle.name,
        "batch": batch,
        "fp32_ms": result.before.latency_ms["median"],
        "bf16_ms": None if bf16 is None else bf16.latency_ms["median"],
        "float8_ms": result.after.latency_ms["median"],
        "vs_fp32": result.speedup,
        "vs_bf16": None if bf16 is None else
        bf16.latency_ms["median"] / result.after.latency_ms["median"],
        "size_ratio": result.size_ratio,
        "top1_agreement": result.after.fidelity.top1_agreement,
        "cosine": result.after.fidelity.cosine,
        "quantized_layers": len(result.quantized_layers),
        "compiled": result.compiled,
        "reloaded_same_outputs": same,
        "notes": result.notes,
    }


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| model | batch | fp32 ms | bf16 ms | float8 ms | vs fp32 | vs bf16 | size | "
             "top-1 agree | reload same |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['model']} | {row['batch']} | not run: {row['error']} |"
                         " | | | | | | |")
            continue
        lines.append(
            f"| {row['model']} | {row['batch']} | {row['fp32_ms']:.3g} | "
            f"{row['bf16_ms']:.3g} | {row['float8_ms']:.3g} | {row['vs_fp32']:.2f}x | "
            f"{row['vs_bf16']:.2f}x | {row['size_ratio']:.2f}x | "
            f"{100 * row['top1_agreement']:.1f}% | {row['reloaded_same_outputs']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not torch.cuda.is_available() or torch.cuda.get_device_capability() < (8, 9):
        raise SystemExit("float8 needs an NVIDIA GPU of compute capability 8.9 or newer.")
    cases = [
        (load_model("zoo:mlp-digits"), (32, 4096)),
        (load_model("zoo:transformer-majority"), (32, 1024)),
        # The architecture recorded so the saved float8 file loads back by itself.
        (dataclasses.replace(_large(), arch="benchmarks.prune_gpu_24:LargeLinearStack"),
         (32, 2048, 8192)),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for handle, batches in cases:
            for batch in batches:
                row = _row(handle, batch, Path(folder))
                print(row, flush=True)
                rows.append(row)
    table = markdown(rows)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine_description(), "gpu": torch.cuda.get_device_name(),
                "markdown": table, "rows": rows}
    (args.out / "quantize_gpu_float8.json").write_text(json.dumps(document, indent=2,
                                                                  default=str))


if __name__ == "__main__":
    main()
