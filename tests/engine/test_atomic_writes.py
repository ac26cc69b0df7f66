"""Killing a process while it writes never leaves a truncated file under the final name."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

#: Writes 64 MB models over and over to the same file, each filled with its own number, and
#: (for the recipe and report writers) their files too.
WRITER = r"""
import sys, torch
from pathlib import Path
from torch import nn
from slimbench.engine.loading import ModelHandle
from slimbench.engine.saving import save_model, atomic_write

target, text = Path(sys.argv[1]), Path(sys.argv[2])
layer = nn.Linear(4096, 4096, bias=False)
handle = ModelHandle("big", layer, "memory", "memory", arch="torch.nn:Linear",
                     arch_args={"in_features": 4096, "out_features": 4096, "bias": False})
for number in range(1, 10_000):
    with torch.no_grad():
        layer.weight.fill_(number)
    save_model(handle, target)
    atomic_write(text, lambda p: p.write_text(str(number) * 200_000))
    print(number, flush=True)
"""


@pytest.mark.slow
def test_a_killed_writer_leaves_the_old_file_or_the_new_one(tmp_path: Path) -> None:
    target, text = tmp_path / "model.pt", tmp_path / "results.json"
    rng = random.Random(0)
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(text)],
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        process.stdout.readline()  # one whole write done, so there is an old file
        time.sleep(rng.uniform(0.0, 0.4))  # then kill it somewhere inside a later write
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        weight = torch.load(target, weights_only=True)["state_dict"]["weight"]
        assert weight.shape == (4096, 4096)
        assert torch.all(weight == weight[0, 0]) and weight[0, 0] >= 1
        content = text.read_text()
        number = content[: len(content) // 200_000]
        assert number.isdigit() and content == number * 200_000
    # What a kill leaves behind is a hidden temporary file, never a second final name.
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == {
        "model.pt", "results.json"}
