"""Export every warehouse table to a Parquet lake (or to CSV files).

Lake layout (what `--engine spark` and any Parquet reader consume):

    DIR/<table>.parquet                                  one file per table
    DIR/hf_snapshots/snapshot_date=YYYY-MM-DD/*.parquet  snapshots, hive-partitioned by day
    DIR/_MANIFEST.json                                   tables, row counts, schema version, export time

The partition column `snapshot_date` lives in the directory names (hive style), so a reader that
filters on it (`--since/--until`) skips whole days. An empty `hf_snapshots` is written as one empty
file `hf_snapshots/empty.parquet` carrying the schema.

Where it writes (warehouse/export_target.py): a new or empty DIR, or with `overwrite=True` over a
previous export there, replacing only the files its manifest lists. Nothing else is ever deleted; a DIR
holding the warehouse is refused. Files are written to a staging folder first and moved in at the end.
The source connection may be read-only.

CSV cells that a spreadsheet would run as a formula get a leading `'` (domain/spreadsheet.py) unless
`raw=True`; list, struct and map columns are always quoted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from atomscope.domain.spreadsheet import sql_neutralise
from atomscope.warehouse.db import schema_version, utcnow
from atomscope.warehouse.export_target import MANIFEST, write_export

PARTITIONED = {"hf_snapshots": "snapshot_date"}


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


def _columns(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, list[str]]:
    return {name: [r[0] for r in con.execute(f"DESCRIBE {_ident(name)}").fetchall()] for name in tables}


def warehouse_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind `con` (None in memory): an export may never write where it lives."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def _write(
    con: duckdb.DuckDBPyConnection, target: Path, write_all: Callable[[Path], dict[str, int]], overwrite: bool
) -> dict:
    def manifest_of(counts: dict[str, int]) -> dict:
        return {
            "exported_at": utcnow().isoformat(timespec="seconds"),
            "schema_version": schema_version(con),
            "tables": counts,
            "partitioned": PARTITIONED,
            "columns": _columns(con, list(counts)),  # warehouse column order (hive moves partition keys last)
        }

    held = warehouse_file(con)
    return write_export(target, write_all, manifest_of, overwrite=overwrite, protect=(held,) if held else ())


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {_ident(table)}").fetchone()[0])


def export_parquet(
    con: duckdb.DuckDBPyConnection,
    out_dir: str | Path,
    *,
    tables: list[str] | None = None,
    hf_snapshots_writer: Callable[[Path], int] | None = None,
    overwrite: bool = False,
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

    return _write(con, Path(out_dir), write_all, overwrite)


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


def export_csv(
    con: duckdb.DuckDBPyConnection,
    out_dir: str | Path,
    *,
    tables: list[str] | None = None,
    overwrite: bool = False,
    raw: bool = False,
) -> dict:
    """Write every table (or `tables`) to `out_dir/<table>.csv` with a header; returns rows per table."""
    names = tables or warehouse_tables(con)

    def write_all(tmp: Path) -> dict[str, int]:
        counts = {}
        for name in names:
            select, quoted = _csv_select(con, name, raw)
            force = f", FORCE_QUOTE ({', '.join(map(_ident, quoted))})" if quoted else ""
            con.execute(f"COPY ({select}) TO {_quote(tmp / (name + '.csv'))} (FORMAT csv, HEADER{force})")
            counts[name] = _rows(con, name)
        return counts

    return _write(con, Path(out_dir), write_all, overwrite)


def _csv_select(con: duckdb.DuckDBPyConnection, table: str, raw: bool) -> tuple[str, list[str]]:
    """SELECT of `table` with text cells neutralised (unless `raw`), and the nested columns to quote."""
    parts, quoted = [], []
    for name, kind, *_ in con.execute(f"DESCRIBE {_ident(table)}").fetchall():
        col = _ident(name)
        if kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION")):
            quoted.append(name)
            parts.append(col)
        elif not raw and kind in ("VARCHAR", "JSON"):
            parts.append(f"{sql_neutralise(col + '::VARCHAR')} AS {col}")
        else:
            parts.append(col)
    return f"SELECT {', '.join(parts)} FROM {_ident(table)}", quoted


def lake_manifest(lake_dir: str | Path) -> dict:
    """The lake's `_MANIFEST.json` ({} when absent)."""
    path = Path(lake_dir) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def lake_tables(lake_dir: str | Path) -> dict[str, Path]:
    """table name -> file or directory of a lake written by `export_parquet` (the manifest's tables; other
    files a user keeps in the folder are no tables)."""
    lake = Path(lake_dir)
    listed = lake_manifest(lake).get("tables")
    if isinstance(listed, dict):
        paths = {name: lake / name if name in PARTITIONED else lake / f"{name}.parquet" for name in listed}
        return {name: path for name, path in sorted(paths.items()) if path.exists()}
    found = {}
    for entry in sorted(lake.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir():
            found[entry.name] = entry
        elif entry.suffix == ".parquet":
            found[entry.stem] = entry
    return found
