"""The engine never imports Qt: proven by reading its source and by running it without Qt."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.qt_blocker import BLOCKED

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "slimbench" / "engine"


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_source_imports_no_qt() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & set(BLOCKED))
        for path in ENGINE.rglob("*.py")
        if _imported_roots(path) & set(BLOCKED)
    }
    assert offenders == {}


def test_widgets_do_not_import_the_app() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "slimbench" / "widgets").rglob("*.py")
        if any(
            isinstance(node, ast.ImportFrom) and (node.module or "").startswith("slimbench.app")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    ]
    assert offenders == []


def _run_without_qt(code: str, timeout: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    prelude = "import tests.qt_blocker as b; b.install()\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_blocker_really_blocks_qt() -> None:
    result = _run_without_qt("import PySide6", timeout=60)
    assert result.returncode != 0
    assert "blocked" in result.stderr


def test_engine_tests_pass_with_qt_blocked() -> None:
    if os.environ.get("SLIMBENCH_QT_BLOCKED"):
        pytest.skip("already inside the Qt-blocked run")
    if os.environ.get("SLIMBENCH_ENGINE_TESTED_WITHOUT_QT"):
        # scripts/test.sh ran tests/engine with Qt blocked just before this run.
        pytest.skip("scripts/test.sh already ran tests/engine with Qt blocked")
    code = (
        "import os, sys, pytest\n"
        "os.environ['SLIMBENCH_QT_BLOCKED'] = '1'\n"
        "sys.exit(pytest.main(['-q', '-x', '-p', 'no:pytest-qt', '-p', 'no:cacheprovider',"
        " 'tests/engine']))\n"
    )
    result = _run_without_qt(code, timeout=1200)
    tail = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, tail
    assert " passed" in result.stdout, tail
