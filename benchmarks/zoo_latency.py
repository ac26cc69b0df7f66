"""Latency of every zoo model on this machine's CPU (fp32 eager, batch 1 and 32), with the
fraction of the measured matmul peak each reaches.

    python -m benchmarks.zoo_latency
"""

from __future__ import annotations

import torch

from benchmarks.common import write_results
from slimbench.engine import zoo
from slimbench.engine.devices import measured_peak_flops
from slimbench.engine.loading import load_model
from slimbench.engine.measure import BenchConfig, bench


def main() -> None:
    peak = measured_peak_flops("cpu", torch.float32, use_cache=False)
    rows = []
    for name in zoo.ZOO:
        handle = load_model(f"zoo:{name}")
        for batch_size in (1, 32):
            result = bench(handle, BenchConfig(batch_size=batch_size, warmup=10, repeats=50))
            fraction = (result.achieved_flops_per_s or 0) / peak
            rows.append({
                "model": name,
                "batch_size": batch_size,
                "latency_ms_median": result.latency_ms["median"],
                "latency_ms_p90": result.latency_ms["p90"],
                "throughput_per_s": result.throughput_per_s,
                "flops_per_batch": result.flops_per_batch,
                "roofline_fraction": fraction,
            })
            print(f"{name:>22} batch {batch_size:3d}: median {result.latency_ms['median']:8.3f} ms"
                  f"  p90 {result.latency_ms['p90']:8.3f} ms  {result.throughput_per_s:9.1f}/s"
                  f"  {100 * fraction:5.1f}% of peak")
    path = write_results("zoo_latency", rows, peak_flops_per_s=peak)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
