"""The frozen app's entry point reads interpreter-style command lines (no Qt, no bundle)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slimbench.frozen import Invocation, parse_invocation

ROOT = Path(__file__).resolve().parents[1]
ENTRY = "import sys; from slimbench.frozen import main; sys.exit(main())"


@pytest.mark.parametrize(("argv", "expected"), [
    # What distillation and torch's launcher start.
    (["-m", "slimbench.engine.distill.worker", "run.json"],
     Invocation("module", "slimbench.engine.distill.worker", ("run.json",))),
    (["-u", "-m", "slimbench.engine.distill.worker", "run.json"],
     Invocation("module", "slimbench.engine.distill.worker", ("run.json",), unbuffered=True)),
    (["-m", "torch.distributed.run", "--nproc-per-node=2", "-m", "x", "y"],
     Invocation("module", "torch.distributed.run", ("--nproc-per-node=2", "-m", "x", "y"))),
    # Inductor's CPU probe and multiprocessing's helpers.
    (["-c", "import torch", "a"], Invocation("code", "import torch", ("a",))),
    (["-I", "-W", "ignore", "-Xutf8", "-c", "pass"], Invocation("code", "pass", ())),
    (["-uB", "-mjson.tool"], Invocation("module", "json.tool", (), unbuffered=True)),
])
def test_interpreter_command_lines_are_recognised(argv: list[str], expected: Invocation) -> None:
    assert parse_invocation(argv) == expected


@pytest.mark.parametrize("argv", [
    [], ["zoo:mlp-digits"], ["--self-test"], ["-h"], ["bench", "zoo:mlp-digits", "-c"],
    ["--json", "zoo"], ["quantize", "m.pt", "--scheme", "int8-dynamic", "-o", "out.pt"],
    ["-m"], ["-u"],
])
def test_slimbench_command_lines_go_to_the_cli(argv: list[str]) -> None:
    assert parse_invocation(argv) is None


def test_scripts_run_only_from_inside_the_bundle(tmp_path: Path) -> None:
    inside = tmp_path / "bundle" / "torch" / "helper.py"
    inside.parent.mkdir(parents=True)
    inside.write_text("pass\n")
    outside = tmp_path / "model.py"
    outside.write_text("pass\n")
    found = parse_invocation(["-u", str(inside), "--x"], scripts_under=tmp_path / "bundle")
    assert found == Invocation("script", str(inside.resolve()), ("--x",), unbuffered=True)
    assert parse_invocation([str(outside)], scripts_under=tmp_path / "bundle") is None
    assert parse_invocation([str(inside)]) is None  # from source: never a script


def test_the_entry_point_runs_modules_and_code_like_python(tmp_path: Path) -> None:
    code = subprocess.run(
        [sys.executable, "-c", ENTRY, "-u", "-c",
         "import sys; print(sys.argv, __name__)", "one"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert code.returncode == 0, code.stderr
    assert code.stdout.strip() == "['-c', 'one'] __main__"
    module = subprocess.run(
        [sys.executable, "-c", ENTRY, "-m", "json.tool", "--compact"], input='{"a": [1, 2]}',
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert module.returncode == 0, module.stderr
    assert module.stdout.strip() == '{"a":[1,2]}'
    failing = subprocess.run([sys.executable, "-c", ENTRY, "-c", "raise SystemExit(3)"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert failing.returncode == 3


def test_otherwise_the_entry_point_is_the_slimbench_command() -> None:
    result = subprocess.run([sys.executable, "-c", ENTRY, "bench"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("slimbench: error:") and result.stderr.count("\n") == 1
