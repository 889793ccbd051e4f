"""Warehouse plumbing: migrations are versioned and idempotent; writers wait briefly for readers' locks."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from atomscope.domain.errors import WarehouseError
from atomscope.warehouse import db


def test_migrations_apply_once_in_order(tmp_path):
    path = tmp_path / "w.duckdb"
    con = db.connect(path)
    versions = [v for v, _, _ in db.migrations()]
    assert versions == sorted(versions) and versions[0] == 1
    assert db.schema_version(con) == db.latest_version() == versions[-1]
    assert db.migrate(con) == []  # nothing pending the second time
    rows = con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [r[0] for r in rows] == versions
    con.close()


def test_read_only_refuses_an_old_schema(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER, name VARCHAR, applied_at TIMESTAMP)")
    con.execute("INSERT INTO schema_version VALUES (1, '001_initial.sql', now())")
    con.close()
    if db.latest_version() > 1:
        with pytest.raises(WarehouseError, match="run `atomscope init`"):
            db.connect(path, read_only=True)


def _hold_read_lock(path, then: str) -> subprocess.Popen:
    """Another process that opens the warehouse read-only, prints 'held', then runs `then`."""
    code = f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only=True); print('held', flush=True); {then}"
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_writer_waits_for_a_short_reader_lock(tmp_path):
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    releasing = tmp_path / "releasing"
    holder = _hold_read_lock(path, f"time.sleep(1.0); open({str(releasing)!r}, 'w').close(); c.close()")
    try:
        assert holder.stdout.readline().strip() == "held"
        con = db.connect(path, lock_wait_s=20)
        con.close()
    finally:
        holder.wait(timeout=30)
    # the reader marks the file just before it lets go: the writer waited for it instead of failing
    assert releasing.exists()


def test_writer_gives_up_with_a_clear_error(tmp_path):
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    holder = _hold_read_lock(path, "time.sleep(5)")
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseError, match="cannot open the warehouse for writing"):
            db.connect(path, lock_wait_s=0.5)
    finally:
        holder.kill()
        holder.wait()
