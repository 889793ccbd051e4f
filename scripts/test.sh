#!/usr/bin/env bash
# Set up atomscope with its test tools in ./.venv and run the whole test suite: ruff check, ruff format --check,
# then pytest on two workers (pytest-xdist, one test file per worker at a time; ATOMSCOPE_TEST_WORKERS=0: one).
# Browser tests need Debian's chromium; as root it is installed here when missing (never a downloaded browser).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "warning: could not install chromium; browser tests will be skipped"
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
export SPARK_LOCAL_IP=127.0.0.1 HF_HUB_DISABLE_TELEMETRY=1
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# atomscope's own bytecode, written once: with PYTHONDONTWRITEBYTECODE set (as on the project's machines) every
# `atomscope` process a test starts would otherwise compile the modules it imports again (~0.2 s CPU each)
.venv/bin/python -m compileall -q src >/dev/null
exec .venv/bin/python -m pytest -n "${ATOMSCOPE_TEST_WORKERS:-2}" --dist loadfile "$@"
