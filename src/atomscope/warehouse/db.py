"""Open the DuckDB warehouse, apply migrations, and record load runs.

Every writer goes through `connect(path)`; it creates the file on first use and applies the SQL
migrations in `warehouse/migrations/NNN_*.sql` in order, each in its own transaction, recording the
version in `schema_version` (a migration numbered below one already applied, landed later, is still
applied). Readers (the web server, `atomscope query`) use `read_only=True`, so a collector can write
beside them. A writable open also closes load runs that a dead process left 'running' (`close_dead_runs`).

Failures become one clear `WarehouseError` line (`describe_failure`): a damaged or truncated file, a full
disk, a permission problem; a ROLLBACK that fails after a write error never hides that error.
"""

from __future__ import annotations

import errno
import json
import os
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


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return set()
    return {int(r[0]) for r in con.execute("SELECT version FROM schema_version").fetchall()}


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return max(applied_versions(con), default=0)


def missing_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    done = applied_versions(con)
    return [version for version, _name, _sql in migrations() if version not in done]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations; returns the versions applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    done = applied_versions(con)
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        try:
            with transaction(con):
                con.execute(sql)
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, name, utcnow()])
        except duckdb.Error as exc:
            raise WarehouseError(f"migration {name} failed: {describe_failure(exc)}") from exc
        applied.append(version)
    return applied


WRITER_SUFFIX = ".writer"
WRITER_FILE_TTL = 120.0  # seconds; longer than any writer waits for the lock


def writer_file(path: Path) -> Path:
    """Where a writer waiting for the lock announces itself (readers that can wait, like the server, yield)."""
    return path.with_name(path.name + WRITER_SUFFIX)


def waiting_writer(path: Path) -> int | None:
    """The pid of a live process waiting to write `path`, else None.

    A file left by a killed writer is ignored: its process is gone, or (the pid reused) the file is older
    than any writer waits (WRITER_FILE_TTL).
    """
    marker = writer_file(path)
    try:
        if time.time() - marker.stat().st_mtime > WRITER_FILE_TTL:
            return None
        pid = int(marker.read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by another user
    return pid


def _connect_waiting_for_lock(path: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    """A writer waits a little for readers' short-lived connections (the web server's) to close.

    While it waits it names itself in `<path>.writer`, so the server opens no new connection meanwhile.
    """
    deadline = time.monotonic() + wait_s
    announced = False
    try:
        while True:
            try:
                return duckdb.connect(str(path))
            except duckdb.IOException as exc:
                if not is_lock_conflict(exc) or time.monotonic() >= deadline:
                    raise
                if not announced:
                    try:
                        writer_file(path).write_text(str(os.getpid()), encoding="ascii")
                        announced = True
                    except OSError:
                        pass  # a read-only folder: the writer just waits
                time.sleep(0.1)
    finally:
        if announced:
            writer_file(path).unlink(missing_ok=True)


def connect(
    path: str | Path, *, read_only: bool = False, lock_wait_s: float = 10.0, writer_wait_s: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Open (and, when writable, create and migrate) the warehouse at `path`.

    A writer waits up to `lock_wait_s` for readers to close; a reader waits up to `writer_wait_s` (default:
    not at all, the server answers 503 instead) while another process holds the write lock.
    """
    path = Path(path)
    if read_only:
        if not path.exists():
            raise WarehouseError(f"{path}: no warehouse here; run `atomscope init` first")
        deadline = time.monotonic() + writer_wait_s
        while True:
            try:
                con = duckdb.connect(str(path), read_only=True)
                break
            except (OSError, duckdb.Error) as exc:
                if is_lock_conflict(exc) and time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
                busy = is_lock_conflict(exc) and writer_wait_s
                waited = f" (waited {writer_wait_s:g} s for the writer)" if busy else ""
                raise WarehouseError(
                    f"{path}: cannot open the warehouse read-only{waited}: {describe_failure(exc)}"
                ) from exc
        try:
            missing = missing_versions(con)
        except duckdb.Error as exc:
            con.close()
            raise WarehouseError(f"{path}: cannot read the warehouse: {describe_failure(exc)}") from exc
        if missing:
            con.close()
            raise WarehouseError(
                f"{path}: warehouse schema lacks migration(s) {', '.join(map(str, missing))}; run `atomscope init`"
            )
        return con
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _connect_waiting_for_lock(path, lock_wait_s)
    except (OSError, duckdb.Error) as exc:
        raise WarehouseError(f"{path}: cannot open the warehouse for writing: {describe_failure(exc)}") from exc
    try:
        migrate(con)
        close_dead_runs(con)
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"{path}: cannot update the warehouse: {describe_failure(exc)}") from exc
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
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the write error being raised is the one to report (DuckDB may have aborted already)
        raise
    con.execute("COMMIT")


def utcnow() -> datetime:
    """Naive UTC timestamp (DuckDB TIMESTAMP columns hold UTC throughout the warehouse)."""
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(
    con: duckdb.DuckDBPyConnection, kind: str, *, endpoint: str | None = None, synthetic: bool = False
) -> int:
    """Record a load run as 'running' (committed at once) and return its id. `synthetic`: the endpoint
    labelled what it serves as synthetic (collect/synthetic_label.py); the report refuses such data."""
    run_id = con.execute("SELECT nextval('load_run_ids')").fetchone()[0]
    con.execute(
        "INSERT INTO load_runs (run_id, kind, started_at, status, endpoint, pid, synthetic)"
        " VALUES (?, ?, ?, 'running', ?, ?, ?)",
        [run_id, kind, utcnow(), endpoint, os.getpid(), synthetic],
    )
    return int(run_id)


def close_dead_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Mark 'failed' the runs left 'running' by another process; returns how many.

    Called with the write lock held: DuckDB lets one process write a file at a time, so a run of another
    process that is still 'running' cannot be alive (it was killed before it could record its end).
    """
    rows = con.execute(
        "UPDATE load_runs SET status = 'failed', finished_at = ?,"
        " details = json_object('error', 'the process ' || coalesce(pid::VARCHAR, '?')"
        " || ' ended without finishing the run (killed or crashed)')"
        " WHERE status = 'running' AND (pid IS NULL OR pid <> ?) RETURNING run_id",
        [utcnow(), os.getpid()],
    ).fetchall()
    return len(rows)


_DAMAGED = ("could not read enough bytes", "not a valid duckdb", "corrupt", "checksum", "invalid block")
_LOCK_CONFLICT = ("could not set lock", "conflicting lock")  # DuckDB's words when another process holds the file


def is_damaged(exc: BaseException) -> bool:
    """The error says the warehouse file is damaged or truncated."""
    return any(mark in str(exc).lower() for mark in _DAMAGED)


def is_lock_conflict(exc: BaseException) -> bool:
    """The error says another process holds the file's lock (never a damaged file: "block" holds "lock")."""
    text = str(exc).lower()
    return not is_damaged(exc) and any(mark in text for mark in _LOCK_CONFLICT)


def describe_failure(exc: BaseException) -> str:
    """One line that says what went wrong with the warehouse file, from a DuckDB or OS error.

    Follows the exception's context past DuckDB's "transaction is aborted" to the error that aborted it.
    """
    while "transaction is aborted" in str(exc).lower() and (exc.__cause__ or exc.__context__):
        exc = exc.__cause__ or exc.__context__
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    lower = text.lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "no space left" in lower:
        return f"the disk is full ({text}); free space and run the command again (nothing was half-written)"
    if code == errno.EFBIG or "file too large" in lower:
        return f"the file cannot grow: disk full or a file size limit ({text}); nothing was half-written"
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM) or "permission denied" in lower:
        return f"permission denied ({text})"
    if is_damaged(exc):
        return f"the warehouse file is damaged or truncated ({text}); restore it from a backup or rebuild it"
    return text


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, status: str, details: dict | None = None) -> None:
    con.execute(
        "UPDATE load_runs SET finished_at = ?, status = ?, details = ? WHERE run_id = ?",
        [utcnow(), status, json.dumps(details or {}, default=str), run_id],
    )
