#!/usr/bin/env bash
# Set up atomscope in ./.venv and run the main job on the bundled data:
# initialise the warehouse, collect from the Hub when it is reachable, build the report.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/atomscope run "$@"
