"""Where the warehouse's rows come from, and whether they may be published.

- The publication guard: a warehouse holding SYNTHETIC data (the labelled generator of
  `testing.synthetic_history`) or Hub data from an endpoint that labelled its answers synthetic (the test
  emulator; collect/synthetic_label.py) is refused by the report and by the web app (`refuse_unpublishable`).
- Bundled files: checksum, load time and the upstream repository and commit named in data/SOURCES.md.
- Hugging Face collection runs (`hub_status`) and, per API response, the tables a result was read from
  (`tables_provenance`).

The synthetic markers are defined here, not in `testing/`, so production code never imports test code;
the generator writes them from these constants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from atomscope.domain.errors import AtomscopeError
from atomscope.sources.origins import upstream_origins
from atomscope.warehouse import db

SYNTHETIC_SOURCE = "synthetic"  # hf_snapshots.source of generated rows
SYNTHETIC_RUN_KIND = "synthetic"  # load_runs.kind of a generator run
SYNTHETIC_ENDPOINT = "synthetic://atomscope.testing.synthetic_history"
SYNTHETIC_LAKE_MARKER = "_SYNTHETIC"  # file at the root of a generated Parquet lake

HUB_RUN_KINDS = ("hf_snapshot", "hf_crawl", "hf_discovery", "import_dump", "import_hubstats")


class NotPublishableError(AtomscopeError):
    """The warehouse holds data a report or the dashboard must never show (synthetic, or collected from a
    local emulator)."""


# ------------------------------------------------------------------------------ publication guard


def is_synthetic_warehouse(con) -> bool:
    """True when a warehouse holds any synthetic data (a 'synthetic' load run or snapshot row).

    `con` is a DuckDB connection (or a path to a warehouse file, opened read-only). Reports, charts
    and the public API must refuse such a warehouse.
    """
    if isinstance(con, (str, Path)):
        with duckdb.connect(str(con), read_only=True) as own:
            return is_synthetic_warehouse(own)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if (
        "load_runs" in tables
        and con.execute("SELECT count(*) FROM load_runs WHERE kind = ?", [SYNTHETIC_RUN_KIND]).fetchone()[0]
    ):
        return True
    if (
        "hf_snapshots" in tables
        and con.execute(
            "SELECT count(*) FROM (SELECT 1 FROM hf_snapshots WHERE source = ? LIMIT 1)", [SYNTHETIC_SOURCE]
        ).fetchone()[0]
    ):
        return True
    return False


def is_synthetic_lake(lake_dir: str | Path) -> bool:
    """True when a Parquet lake (from `write_parquet_lake` or an export of a synthetic warehouse) is synthetic."""
    lake = Path(lake_dir)
    if (lake / SYNTHETIC_LAKE_MARKER).exists():
        return True
    runs = lake / "load_runs.parquet"
    if runs.exists():
        with duckdb.connect() as con:
            found = con.execute(
                "SELECT count(*) FROM read_parquet(?) WHERE kind = ?", [str(runs), SYNTHETIC_RUN_KIND]
            ).fetchone()[0]
            return bool(found)
    return False


def tables_with_run_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The warehouse's tables whose rows carry the `run_id` of the load run that wrote them."""
    rows = con.execute(
        "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'run_id'"
        " AND table_catalog = current_database() AND table_schema = current_schema() AND table_name <> 'load_runs'"
        " ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows]


def refuse_unpublishable(con: duckdb.DuckDBPyConnection) -> None:
    """Raise NotPublishableError before anything is rendered when the warehouse holds synthetic data:
    the labelled benchmark generator (`testing.synthetic_history`), or data collected from an endpoint
    that labelled its answers synthetic (`load_runs.synthetic`: the test emulator of `testing.hub`; see
    collect/synthetic_label.py). Data from other local endpoints (a mirror, a stand-in that does not
    say it is synthetic) is published, its endpoint named in the provenance."""
    if is_synthetic_warehouse(con):
        raise NotPublishableError(
            "this warehouse contains SYNTHETIC benchmark/test data; refusing to build a report from it"
        )
    # Only runs that stored something count: a run that failed to reach the emulator wrote no data. Every
    # table whose rows name the run that wrote them is searched, read from the schema, so a new table of
    # collected rows is guarded without being listed here.
    stored = " OR ".join(f'r.run_id IN (SELECT run_id FROM "{table}")' for table in tables_with_run_ids(con))
    labelled = con.execute(
        "WITH synthetic AS (SELECT DISTINCT endpoint FROM load_runs WHERE synthetic AND endpoint IS NOT NULL)"
        " SELECT DISTINCT s.endpoint FROM hf_snapshots s JOIN synthetic USING (endpoint)"
        " UNION SELECT r.endpoint FROM load_runs r WHERE r.synthetic AND r.endpoint IS NOT NULL"
        f" AND ({stored or 'false'})"
    ).fetchall()
    if labelled:
        raise NotPublishableError(
            f"this warehouse holds Hub data from an endpoint that labels what it serves SYNTHETIC "
            f"({', '.join(sorted(e for (e,) in labelled))}: atomscope's test emulator); refusing to build a "
            "report from it"
        )


# ------------------------------------------------------------------------------ bundled files and runs


@dataclass
class SourceFile:
    source_key: str
    file_name: str
    sha256: str
    row_count: int
    loaded_at: str
    repository: str | None = None
    commit: str | None = None
    commit_date: str | None = None
    license: str | None = None
    version: str | None = None  # the source version loaded ('v3 fetched'), see warehouse/versions.py


@dataclass
class HubStatus:
    snapshot_rows: int = 0
    snapshot_days: int = 0
    first_snapshot: str | None = None
    last_snapshot: str | None = None
    last_collected_at: str | None = None
    hub_models: int = 0
    derivative_edges: int = 0
    runs: list[dict] = field(default_factory=list)
    origin: str = ""  # where the snapshot rows came from (`snapshot_origin`)
    origin_kinds: tuple[str, ...] = ()  # the load_runs kinds of those rows

    @property
    def has_snapshots(self) -> bool:
        return self.snapshot_rows > 0

    @property
    def has_derivatives(self) -> bool:
        return self.derivative_edges > 0


def source_files(con: duckdb.DuckDBPyConnection) -> list[SourceFile]:
    origins = upstream_origins()
    rows = con.execute(
        "SELECT f.source_key, f.file_name, f.sha256, f.row_count, strftime(f.loaded_at, '%Y-%m-%d %H:%M UTC'),"
        " v.version_id, v.kind, v.upstream_version, strftime(v.upstream_date, '%Y-%m-%d')"
        " FROM source_files f LEFT JOIN source_versions v ON v.version_id = f.version_id ORDER BY f.source_key"
    ).fetchall()
    out = []
    for key, file_name, sha, count, loaded, version_id, kind, upstream_version, upstream_date in rows:
        origin = dict(origins.get(file_name, {}))
        if kind == "fetched":  # refreshed by `sources update`: its own commit (or ETag), not the bundled one
            origin["commit"], origin["commit_date"] = (upstream_version or "")[:12] or None, upstream_date
        version = f"v{version_id} {kind}" if version_id is not None else None
        out.append(SourceFile(key, file_name, sha, int(count), loaded, **origin, version=version))
    return out


def hub_status(con: duckdb.DuckDBPyConnection) -> HubStatus:
    rows, days, first, last, collected = con.execute(
        "SELECT count(*), count(DISTINCT snapshot_date), min(snapshot_date)::VARCHAR, max(snapshot_date)::VARCHAR,"
        " strftime(max(collected_at), '%Y-%m-%d %H:%M UTC') FROM hf_snapshots"
    ).fetchone()
    status = HubStatus(int(rows), int(days), first, last, collected)
    status.hub_models = int(con.execute("SELECT count(*) FROM hub_models").fetchone()[0])
    status.derivative_edges = int(con.execute("SELECT count(*) FROM derivative_edges").fetchone()[0])
    placeholders = ", ".join("?" for _ in HUB_RUN_KINDS)
    runs = con.execute(
        f"""SELECT kind, count(*) AS runs,
                   strftime(max(finished_at) FILTER (WHERE status = 'ok'), '%Y-%m-%d %H:%M UTC') AS last_ok,
                   arg_max(status, started_at) AS last_status, arg_max(endpoint, started_at) AS endpoint
            FROM load_runs WHERE kind IN ({placeholders}) GROUP BY kind ORDER BY kind""",
        list(HUB_RUN_KINDS),
    ).fetchall()
    status.runs = [
        {"kind": k, "runs": int(n), "last_ok": ok, "last_status": st, "endpoint": ep} for k, n, ok, st, ep in runs
    ]
    status.origin, status.origin_kinds = snapshot_origin(con)
    return status


# how each load run kind that writes hf_snapshots is named in a caption: (one, many, command)
_ORIGIN_NAMES = {
    "import_hubstats": ("hub-stats revision", "hub-stats revisions", "atomscope import hub-stats"),
    "import_dump": ("dump import", "dump imports", "atomscope import hub-dump"),
    "hf_snapshot": ("snapshot day", "snapshot days", "atomscope collect hf"),
    "unknown": ("source", "sources", "no load run recorded"),
}


def snapshot_origin(con: duckdb.DuckDBPyConnection) -> tuple[str, tuple[str, ...]]:
    """Where the rows of hf_snapshots came from, read from their load runs: e.g. "15 dump imports
    (`atomscope import hub-dump`), 2024-10-31 to 2025-12-15", or a mix with counts; and the run kinds.
    A hub-stats revision or a dump file counts once (its `source`), a `collect hf` day once."""
    rows = con.execute(
        """SELECT coalesce(r.kind, 'unknown') AS kind,
                  count(DISTINCT CASE WHEN r.kind = 'hf_snapshot' THEN s.snapshot_date::VARCHAR ELSE s.source END),
                  min(s.snapshot_date)::VARCHAR, max(s.snapshot_date)::VARCHAR
           FROM hf_snapshots s LEFT JOIN load_runs r USING (run_id) GROUP BY 1 ORDER BY 3"""
    ).fetchall()
    parts = []
    for kind, n, first, last in rows:
        one, many, command = _ORIGIN_NAMES.get(kind, (f"{kind} load", f"{kind} loads", f"load runs of kind {kind}"))
        span = first if first == last else f"{first} to {last}"
        parts.append(f"{n} {one if n == 1 else many} (`{command}`, {span})")
    return "; ".join(parts), tuple(kind for kind, *_ in rows)


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


# ------------------------------------------------------------------------------ per API response


def tables_provenance(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, Any]:
    """What the result was computed from: tables (with their bundled file or last collection run), the
    schema version and the latest load run."""
    from atomscope.warehouse.load import BUNDLED

    bundled_source = {spec.table: spec.source_key for spec in BUNDLED if spec.table}
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    run = con.execute("SELECT max(run_id), max(finished_at) FILTER (WHERE status = 'ok') FROM load_runs").fetchone()
    info = []
    for name in sorted(tables & existing):
        entry: dict[str, Any] = {"name": name}
        entry["rows"] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        source = bundled_source.get(name)
        if source:
            row = con.execute(
                "SELECT f.file_name, f.sha256, f.loaded_at, f.run_id, f.version_id, v.kind, v.upstream_version"
                " FROM source_files f LEFT JOIN source_versions v ON v.version_id = f.version_id"
                " WHERE f.source_key = ?",
                [source],
            ).fetchone()
            if row:
                entry.update(file=row[0], sha256=row[1], loaded_at=row[2].isoformat(), run_id=row[3])
                if row[4] is not None:  # the source version (`atomscope sources list`) the table holds
                    entry.update(source_version=row[4], source_kind=row[5], upstream_version=row[6])
        else:
            has_run = con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = 'run_id'",
                [name],
            ).fetchone()[0]
            if has_run:
                entry["last_run_id"] = con.execute(f'SELECT max(run_id) FROM "{name}"').fetchone()[0]
        if name == "hf_snapshots":  # where its rows came from, for the dashboard's captions
            entry["origin"] = snapshot_origin(con)[0]
        info.append(entry)
    return {
        "tables": info,
        "warehouse_version": db.schema_version(con),
        "last_run_id": run[0],
        "loaded_at": run[1].isoformat() if run[1] else None,
    }
