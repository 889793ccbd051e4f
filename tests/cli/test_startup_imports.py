"""`atomscope --help` (and any command's parsing) imports no heavy library: they load where they are used.

Start-up time itself is measured in BENCHMARKS.md (never timed here); this test keeps the cause of a slow
start from coming back: a module-level import of pandas, DuckDB, Ibis or another heavy package in cli/.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "numpy", "duckdb", "ibis", "pyarrow", "huggingface_hub", "httpx", "altair", "fastapi", "pyspark",
         "yaml", "jinja2")  # fmt: skip

PROBE = """
import json, sys
from atomscope.cli import main  # the console script's entry point, error handling included
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _heavy_imported(*args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_help_imports_no_heavy_library():
    assert _heavy_imported("--help") == []


def test_every_command_group_help_imports_no_heavy_library():
    groups = (
        ["metric", "--help"], ["catalog", "models", "--help"], ["collect", "hf", "--help"],
        ["import", "hub-stats", "--help"], ["export", "--help"], ["query", "--help"], ["audit", "--help"],
        ["sources", "list", "--help"], ["report", "--help"], ["serve", "--help"], ["run", "--help"],
    )  # fmt: skip
    for group in groups:
        assert _heavy_imported(*group) == [], group
