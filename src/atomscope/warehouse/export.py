"""Export every warehouse table to a Parquet lake (or to CSV files).

Lake layout (what `--engine spark` and any Parquet reader consume):

    DIR/<table>.parquet                                  one file per table
    DIR/hf_snapshots/snapshot_date=YYYY-MM-DD/*.parquet  snapshots, hive-partitioned by day
    DIR/_MANIFEST.json                                   tables, row counts, schema version, export time

The partition column `snapshot_date` lives in the directory names (hive style), so a reader that
filters on it (`--since/--until`) skips whole days. An empty `hf_snapshots` is written as one empty
file `hf_snapshots/empty.parquet` carrying the schema.

Transactional-ish: everything is written into a temporary sibling directory, then renamed into place
(an existing DIR is moved aside first and removed only after the rename), so readers never see a half
export. The source connection may be read-only.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from atomscope.warehouse.db import schema_version, utcnow

PARTITIONED = {"hf_snapshots": "snapshot_date"}
MANIFEST = "_MANIFEST.json"


def warehouse_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Base tables of the warehouse's main schema (no temp tables, no `_`-prefixed scratch tables)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows if not r[0].startswith("_")]


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _staging(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return tmp


def _swap_into_place(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _columns(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, list[str]]:
    return {name: [r[0] for r in con.execute(f"DESCRIBE {_ident(name)}").fetchall()] for name in tables}


def _write(con: duckdb.DuckDBPyConnection, target: Path, write_all: Callable[[Path], dict[str, int]]) -> dict:
    tmp = _staging(target)
    try:
        counts = write_all(tmp)
        manifest = {
            "exported_at": utcnow().isoformat(timespec="seconds"),
            "schema_version": schema_version(con),
            "tables": counts,
            "partitioned": PARTITIONED,
            "columns": _columns(con, list(counts)),  # warehouse column order (hive moves partition keys last)
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return counts


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {_ident(table)}").fetchone()[0])


def export_parquet(
    con: duckdb.DuckDBPyConnection,
    out_dir: str | Path,
    *,
    tables: list[str] | None = None,
    hf_snapshots_writer: Callable[[Path], int] | None = None,
) -> dict[str, int]:
    """Write every table (or `tables`) to the Parquet lake `out_dir`; returns rows per table.

    `hf_snapshots_writer(tmp_dir)` may replace the default COPY of hf_snapshots (the synthetic history
    generator streams its rows that way); it writes `tmp_dir/hf_snapshots/...` and returns the row count.
    """
    names = tables or warehouse_tables(con)

    def write_all(tmp: Path) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name in names:
            if name in PARTITIONED:
                if name == "hf_snapshots" and hf_snapshots_writer is not None:
                    counts[name] = hf_snapshots_writer(tmp)
                    continue
                counts[name] = _copy_partitioned(con, name, PARTITIONED[name], tmp / name)
            else:
                con.execute(f"COPY {_ident(name)} TO {_quote(tmp / (name + '.parquet'))} (FORMAT parquet)")
                counts[name] = _rows(con, name)
        return counts

    return _write(con, Path(out_dir), write_all)


def _copy_partitioned(con: duckdb.DuckDBPyConnection, table: str, column: str, out: Path) -> int:
    rows = _rows(con, table)
    if rows == 0:
        out.mkdir(parents=True)
        con.execute(f"COPY (FROM {_ident(table)}) TO {_quote(out / 'empty.parquet')} (FORMAT parquet)")
        return 0
    con.execute(
        f"COPY {_ident(table)} TO {_quote(out)} (FORMAT parquet, PARTITION_BY ({_ident(column)}),"
        " FILENAME_PATTERN 'part_{i}')"
    )
    return rows


def export_csv(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, tables: list[str] | None = None) -> dict:
    """Write every table (or `tables`) to `out_dir/<table>.csv` with a header; returns rows per table."""
    names = tables or warehouse_tables(con)

    def write_all(tmp: Path) -> dict[str, int]:
        counts = {}
        for name in names:
            con.execute(f"COPY {_ident(name)} TO {_quote(tmp / (name + '.csv'))} (FORMAT csv, HEADER)")
            counts[name] = _rows(con, name)
        return counts

    return _write(con, Path(out_dir), write_all)


def lake_manifest(lake_dir: str | Path) -> dict:
    """The lake's `_MANIFEST.json` ({} when absent)."""
    path = Path(lake_dir) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def lake_tables(lake_dir: str | Path) -> dict[str, Path]:
    """table name -> file or directory of a lake written by `export_parquet`."""
    lake = Path(lake_dir)
    found = {}
    for entry in sorted(lake.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            found[entry.name] = entry
        elif entry.suffix == ".parquet":
            found[entry.stem] = entry
    return found
