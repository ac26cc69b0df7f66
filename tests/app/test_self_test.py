"""``slimbench --self-test`` from source, in a child process as an installed copy runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

ROOT = Path(__file__).resolve().parents[2]
CLI = "import sys; from slimbench.cli import main; sys.exit(main())"


def _slimbench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", CLI, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_self_test_passes_and_leaves_a_screenshot_and_a_report(tmp_path: Path) -> None:
    output = tmp_path / "out"
    result = _slimbench("--self-test", "--output", str(output))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"self-test: report {output / 'self-test.json'}" in result.stdout
    report = json.loads((output / "self-test.json").read_text(encoding="utf-8"))
    assert report["passed"] is True and report["reason"] == "all steps passed"
    steps = {step["name"]: step for step in report["steps"]}
    assert list(steps) == ["environment", "resources", "window", "load", "benchmark",
                           "quantize", "screenshot"]
    assert all(step["ok"] for step in steps.values())
    assert steps["benchmark"]["details"]["latency_ms"]["median"] > 0
    assert steps["quantize"]["details"]["size_ratio"] < 0.35
    assert "mlp-digits" in steps["resources"]["details"]["zoo_models"]
    screenshot = output / "self-test.png"
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 10_000
    # Its own settings and autosave folders: nothing of the user's is touched.
    assert (output / "settings.ini").is_file()


def test_self_test_rejects_bad_usage_in_one_line() -> None:
    result = _slimbench("self-test", "--no-such-option", timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unrecognized arguments" in result.stderr


def test_a_failed_step_gives_one_line_and_a_nonzero_exit(tmp_path: Path, monkeypatch) -> None:
    from slimbench.app import self_test

    def broken(context: object) -> dict[str, object]:
        raise self_test.SelfTestFailure("zoo files missing: mlp-digits.pt")

    # run_self_test points these at its output folder: give them back afterwards.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(self_test, "_resources", broken)
    monkeypatch.setattr(self_test, "_environment", lambda context: {"frozen": False})
    code = self_test.main(str(tmp_path))
    assert code == 1
    report = json.loads((tmp_path / "self-test.json").read_text(encoding="utf-8"))
    assert report["passed"] is False
    assert report["reason"] == "resources: zoo files missing: mlp-digits.pt"
    assert [step["name"] for step in report["steps"]] == ["environment", "resources"]
