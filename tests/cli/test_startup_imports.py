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


def test_command_modules_do_not_postpone_their_annotations():
    """Typer reads every command's parameters on every run, `--help` included; postponed (string) annotations
    are evaluated again there, twice per parameter, which cost more than the rest of building the commands."""
    from pathlib import Path

    import atomscope.cli

    texts = {p.name: p.read_text(encoding="utf-8") for p in Path(atomscope.cli.__file__).parent.glob("*.py")}
    commands = {name: text for name, text in texts.items() if ".command(" in text}  # modules that register commands
    assert len(commands) > 5
    assert [name for name, text in commands.items() if "from __future__ import annotations" in text] == []
