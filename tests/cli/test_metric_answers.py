"""`atomscope metric` keeps its answer beside the warehouse (warehouse/answers.py): the next run prints exactly
what a computation prints, for every metric's default view, recomputes after a write or a damaged file, still
answers where nothing can be kept, and a kept answer is printed without importing the heavy libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import duckdb
import pytest

from atomscope import metrics
from atomscope.cli import metric as metric_cli
from atomscope.warehouse import answers


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The metrics `atomscope metric` computed (rather than read from a kept answer)."""
    names: list[str] = []
    real = metric_cli._compute_duckdb

    def counting(db, name, *args):
        names.append(name)
        return real(db, name, *args)

    monkeypatch.setattr(metric_cli, "_compute_duckdb", counting)
    return names


def test_a_kept_answer_prints_what_the_computation_printed_for_every_metric(cli, served_db, computed, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    for name in sorted(metrics.REGISTRY):
        for fmt in ("json", "table"):
            first = cli("metric", name, "--db", served_db, "-f", fmt)
            again = cli("metric", name, "--db", served_db, "-f", fmt)
            assert first.code == again.code == 0, first.err
            assert (again.out, again.err) == (first.out, first.err), f"{name} -f {fmt}: the kept answer differs"
    assert sorted(computed) == sorted(metrics.REGISTRY), "each default view computed once, then read back"
    uncached = cli("metric", "arena", "--db", served_db, "-f", "json", "--no-cache")
    assert uncached.out == cli("metric", "arena", "--db", served_db, "-f", "json").out
    assert computed.count("arena") == 2, "--no-cache computes"


def test_options_apply_to_a_kept_answer(cli, served_db, computed):
    cli("metric", "releases", "--db", served_db, "-f", "csv")
    picked = cli("metric", "releases", "--db", served_db, "-f", "csv", "--columns", "region,period")
    assert picked.out.splitlines()[0] == "region,period"
    unknown = cli("metric", "releases", "--db", served_db, "--columns", "nope")
    assert unknown.code == 2 and "no column nope" in unknown.err
    assert computed == ["releases"]


def test_a_write_to_the_warehouse_is_computed_again(cli, served_db, computed):
    before = json.loads(cli("metric", "releases", "--db", served_db, "-f", "json").out)
    con = duckdb.connect(str(served_db))
    con.execute("DELETE FROM epoch_models")
    con.close()
    after = cli("metric", "releases", "--db", served_db, "-f", "json")
    assert computed == ["releases", "releases"]
    assert after.code == 0 and json.loads(after.out) != before


def test_a_damaged_kept_answer_is_computed_again(cli, served_db, computed):
    first = cli("metric", "arena", "--db", served_db, "-f", "csv")
    (file,) = answers.answers_dir(served_db).glob("*.json")
    file.write_bytes(file.read_bytes()[:-200])
    again = cli("metric", "arena", "--db", served_db, "-f", "csv")
    assert computed == ["arena", "arena"] and again.out == first.out
    assert cli("metric", "arena", "--db", served_db, "-f", "csv").out == first.out
    assert computed == ["arena", "arena"], "the rewritten file is read"


def test_a_folder_that_cannot_be_written_still_answers(cli, served_db, computed, monkeypatch):
    folder = answers.answers_dir(served_db)
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root writes anywhere: fail the way a read-only folder does
            monkeypatch.setattr(tempfile, "mkstemp", lambda **kw: (_ for _ in ()).throw(PermissionError(13, "ro")))
        first = cli("metric", "releases", "--db", served_db, "-f", "csv")
        again = cli("metric", "releases", "--db", served_db, "-f", "csv")
    finally:
        folder.chmod(0o755)
    assert first.code == again.code == 0 and first.out == again.out and first.out
    assert computed == ["releases", "releases"] and not list(folder.iterdir())


HEAVY = ("pandas", "numpy", "duckdb", "ibis", "pyarrow", "sqlglot")
PROBE = """
import json, sys
from atomscope.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)), file=sys.stderr)
"""


def test_a_kept_answer_is_printed_without_the_heavy_libraries(cli, served_db):
    args = ["metric", "arena", "--db", str(served_db), "-f", "csv"]
    computed = cli(*args)
    probe = [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args]
    out = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stderr.strip().splitlines()[-1]) == []
    assert out.stdout == computed.out
