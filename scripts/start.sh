#!/usr/bin/env bash
# Install Slimbench into .venv and open the workbench (a built-in demo model when none is given).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q -c constraints.txt -e .
exec .venv/bin/slimbench "$@"
