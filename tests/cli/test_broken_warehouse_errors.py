"""A damaged warehouse, a full disk, a permission problem: one `error:` line and exit 2, every command."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys

import duckdb
import pytest

from atomscope.warehouse import db

READERS = [
    ["query", "SELECT count(*) FROM models"],
    ["catalog", "models"],
    ["metric", "downloads"],
    ["export", "--csv", "{tmp}/out"],
    ["serve", "--port", "0"],
    ["report", "--out", "{tmp}/report"],
    ["catalog", "candidates"],
    ["quality"],
    ["sources", "list"],
    ["audit", "{tmp}/code"],
]
WRITERS = [
    ["init"],
    ["import", "hub-dump", "{tmp}/dump.csv", "--date", "2025-06-01"],
    ["run", "--no-collect", "--out", "{tmp}/run"],
    ["collect", "hf"],
]


@pytest.fixture
def damaged(small_db, tmp_path):
    """Three broken copies: truncated after the header, truncated mid-file, random bytes."""
    data = small_db.read_bytes()
    files = {}
    for name, content in (("head", data[:5000]), ("half", data[: len(data) // 2]), ("noise", os.urandom(50_000))):
        files[name] = tmp_path / f"{name}.duckdb"
        files[name].write_bytes(content)
    (tmp_path / "dump.csv").write_text("id,downloads\nQwen/Qwen3-8B,10\n")
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text('MODEL = "Qwen/Qwen3-8B"\n')
    return files


@pytest.mark.parametrize("args", READERS + WRITERS, ids=lambda a: a[0] + ("-" + a[1] if len(a) > 1 else ""))
def test_every_command_reports_a_damaged_file_in_one_line(cli, damaged, tmp_path, args):
    for path in damaged.values():
        result = cli(*[a.format(tmp=tmp_path) for a in args], "--db", path)
        assert result.code == 2, (path.name, result.err)
        lines = result.err.strip().splitlines()
        assert lines[-1].startswith("error:") and "Traceback" not in result.err, result.err
        if path.name == "noise.duckdb":
            assert "damaged or truncated" in result.err


def _limited(max_bytes: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def test_a_write_that_runs_out_of_space_is_one_line_and_rolls_back(tmp_path):
    path = tmp_path / "w.duckdb"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-m", "atomscope", "init", "--db", str(path)],
        preexec_fn=_limited(1_500_000),
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr
    assert "transaction is aborted" not in proc.stderr.lower()
    assert "file too large" in proc.stderr.lower() or "disk" in proc.stderr.lower()
    con = db.connect(path)  # room again: the rerun completes and nothing was half-written before
    try:
        from atomscope.warehouse.load import load_bundled

        load_bundled(con)
        runs = con.execute("SELECT status, count(*) FROM load_runs WHERE kind = 'bundled' GROUP BY 1").fetchall()
        assert ("ok", 1) in runs
        assert con.execute("SELECT count(*) FROM models").fetchone()[0] > 100
    finally:
        con.close()


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "disk is full"),
        (PermissionError(errno.EACCES, "Permission denied", "/srv/w.duckdb"), "permission denied"),
        (duckdb.IOException('IO Error: Cannot open file "/x": Permission denied'), "permission denied"),
        (duckdb.IOException("IO Error: Could not write file: No space left on device"), "disk is full"),
    ],
)
def test_failures_are_named(exc, words):
    assert words in db.describe_failure(exc)


def test_the_cause_is_not_hidden_behind_transaction_is_aborted():
    try:
        try:
            raise duckdb.IOException("IO Error: Could not write file: No space left on device")
        except duckdb.Error:
            raise duckdb.TransactionException("Current transaction is aborted (please ROLLBACK)") from None
    except duckdb.Error as exc:
        exc.__cause__ = exc.__context__
        assert "disk is full" in db.describe_failure(exc)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_warehouse_is_one_line(cli, small_db, tmp_path):
    copy = tmp_path / "locked.duckdb"
    shutil.copy(small_db, copy)
    copy.chmod(0)
    result = cli("query", "SELECT 1", "--db", copy)
    assert result.code == 2 and "permission denied" in result.err.lower()
