"""Open the DuckDB warehouse, apply migrations, and record load runs.

Every writer goes through `connect(path)`; it creates the file on first use and applies the SQL
migrations in `warehouse/migrations/NNN_*.sql` in order, each in its own transaction, recording the
version in `schema_version`. Readers (the web server, `atomscope query`) use `read_only=True`, so a
collector can write beside them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from atomscope.domain.errors import WarehouseError

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every bundled migration, in version order."""
    folder = resources.files("atomscope") / "warehouse" / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations; returns the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    current = schema_version(con)
    applied = []
    for version, name, sql in migrations():
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, name, utcnow()])
            con.execute("COMMIT")
        except Exception as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"migration {name} failed: {exc}") from exc
        applied.append(version)
    return applied


def _connect_waiting_for_lock(path: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    """A writer waits a little for a reader's short-lived connection (the web server's) to close."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def connect(path: str | Path, *, read_only: bool = False, lock_wait_s: float = 10.0) -> duckdb.DuckDBPyConnection:
    """Open (and, when writable, create and migrate) the warehouse at `path`."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise WarehouseError(f"{path}: no warehouse here; run `atomscope init` first")
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise WarehouseError(f"{path}: cannot open the warehouse read-only: {exc}") from exc
        found = schema_version(con)
        if found < latest_version():
            con.close()
            raise WarehouseError(
                f"{path}: warehouse schema v{found} is older than v{latest_version()}; run `atomscope init`"
            )
        return con
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect_waiting_for_lock(path, lock_wait_s)
    except (OSError, duckdb.Error) as exc:
        raise WarehouseError(f"{path}: cannot open the warehouse for writing: {exc}") from exc
    try:
        migrate(con)
    except Exception:
        con.close()
        raise
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK and re-raise on any error: nothing is half-written."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def utcnow() -> datetime:
    """Naive UTC timestamp (DuckDB TIMESTAMP columns hold UTC throughout the warehouse)."""
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(con: duckdb.DuckDBPyConnection, kind: str, *, endpoint: str | None = None) -> int:
    """Record a load run as 'running' (committed at once) and return its id."""
    run_id = con.execute("SELECT nextval('load_run_ids')").fetchone()[0]
    con.execute(
        "INSERT INTO load_runs (run_id, kind, started_at, status, endpoint) VALUES (?, ?, ?, 'running', ?)",
        [run_id, kind, utcnow(), endpoint],
    )
    return int(run_id)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, status: str, details: dict | None = None) -> None:
    con.execute(
        "UPDATE load_runs SET finished_at = ?, status = ?, details = ? WHERE run_id = ?",
        [utcnow(), status, json.dumps(details or {}, default=str), run_id],
    )
