"""Autosave: variants survive a crash, a clean exit leaves nothing, pickles stay untrusted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from slimbench.engine.autosave import Autosave, SavedVariant
from slimbench.engine.jobs import run_job
from slimbench.engine.loading import load_model
from slimbench.engine.prune import PruneConfig, prune_job
from slimbench.engine.quantize.jobs import build_quantized_job
from slimbench.engine.quantize.schemes import QuantizeConfig


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _pretend_crashed(store: Autosave) -> None:
    """What a killed process leaves: its session folder, naming a process that is gone."""
    dead = _dead_pid()
    folder = store.folder.rename(store.base / f"session-{dead}")
    session = folder / "session.json"
    session.write_text(session.read_text().replace(str(os.getpid()), str(dead)))


def _outputs(handle) -> torch.Tensor:  # type: ignore[no-untyped-def]
    with torch.inference_mode():
        return handle.module.eval()(handle.data.inputs[:16])


def test_variants_survive_a_crash_and_a_clean_exit_leaves_nothing(tmp_path: Path) -> None:
    original = load_model("zoo:mlp-digits")
    pruned = run_job(prune_job(original, PruneConfig(amount=0.5, measure=False))).handle
    built = run_job(build_quantized_job(pruned, QuantizeConfig("int8-dynamic", compile=False)))
    quantized = pruned.__class__(**{**pruned.__dict__, "module": built.module})
    store = Autosave(tmp_path / "autosave")
    store.start_session()
    problems = store.save([
        (SavedVariant(1, "mlp-digits"), original),
        (SavedVariant(2, "mlp · prune 50 %", parent=1, technique="prune", accuracy=0.9), pruned),
        (SavedVariant(3, "mlp · int8", parent=2, technique="quantize"), quantized),
    ])
    assert problems == []
    # The same process, or another window still running: not a crash.
    assert store.crashed_session() is None
    # The process died without ending its session.
    _pretend_crashed(store)
    later = Autosave(tmp_path / "autosave")
    crashed = later.crashed_session()
    assert crashed is not None and [v.name for v in crashed] == [
        "mlp-digits", "mlp · prune 50 %", "mlp · int8"]
    assert crashed[0].spec == "zoo:mlp-digits" and crashed[0].file is None
    restored = later.restore()
    assert all(r.handle is not None for r in restored), [r.problem for r in restored]
    by_name = {r.saved.name: r for r in restored}
    assert by_name["mlp · prune 50 %"].saved.parent == 1
    assert by_name["mlp · prune 50 %"].saved.accuracy == 0.9
    for name, handle in (("mlp · prune 50 %", pruned), ("mlp · int8", quantized)):
        assert torch.allclose(_outputs(by_name[name].handle), _outputs(handle), atol=1e-5)
    # Restored: the crashed folder goes. A clean exit: nothing is offered next time.
    later.discard()
    later.start_session()
    later.save([(SavedVariant(1, "mlp-digits"), original)])
    later.end_session()
    assert Autosave(tmp_path / "autosave").crashed_session() is None
    assert not any((tmp_path / "autosave").rglob("*.pt"))


def test_another_running_window_is_not_a_crash(tmp_path: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        folder = tmp_path / "autosave" / f"session-{other.pid}"
        folder.mkdir(parents=True)
        (folder / "session.json").write_text(json.dumps({"pid": other.pid, "format": 1}))
        (folder / "workspace.json").write_text(json.dumps({"format": 1, "variants": [
            {"id": 1, "name": "mlp-digits", "spec": "zoo:mlp-digits"}]}))
        assert Autosave(tmp_path / "autosave").crashed_session() is None
        other.kill()
        other.wait()
        assert [v.name for v in Autosave(tmp_path / "autosave").crashed_session()] == [
            "mlp-digits"]
    finally:
        other.kill()


def test_a_trusted_pickle_is_not_restored_without_trust(tmp_path: Path) -> None:
    path = tmp_path / "pickled.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(4, 2)), path)
    handle = load_model(path, trust_pickle=True, inputs=())
    handle.example_inputs = (torch.randn(1, 4),)
    store = Autosave(tmp_path / "autosave")
    store.start_session()
    store.save([(SavedVariant(1, "pickled"), handle)])
    restored = store.restore()
    assert restored[0].handle is None and "pickle" in (restored[0].problem or "").lower()
