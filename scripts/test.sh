#!/usr/bin/env bash
# Install Slimbench with its test tools into .venv and run lint and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The report test renders report.html in a real headless Chromium (Debian's package); where
# it cannot be installed the test says so and is skipped.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
    && [ "$(id -u)" = 0 ]; then
    (apt-get install -y -q chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) \
        || echo "test.sh: could not install chromium; the report's browser test will be skipped"
fi
python3 -m venv .venv
.venv/bin/python -m pip install -q -c constraints.txt -e '.[dev,hf,onnx]'
.venv/bin/ruff check .
export QT_QPA_PLATFORM=offscreen
if [ "$#" -gt 0 ]; then
    exec .venv/bin/python -m pytest -q "$@"
fi
# The engine's tests run once, with every Qt binding made unimportable: that both tests the
# engine and proves it works where Qt is absent (the GPU servers). Then everything else.
SLIMBENCH_QT_BLOCKED=1 .venv/bin/python -c "import sys, tests.qt_blocker as blocker
blocker.install()
import pytest
sys.exit(pytest.main(['-q', '-p', 'no:pytest-qt', '-p', 'no:cacheprovider', 'tests/engine']))"
SLIMBENCH_ENGINE_TESTED_WITHOUT_QT=1 .venv/bin/python -m pytest -q --ignore=tests/engine
