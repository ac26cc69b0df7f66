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
QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q "$@"
