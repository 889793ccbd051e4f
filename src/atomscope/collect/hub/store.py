"""Warehouse reads and writes of the Hub collector (callers hold the transaction).

Observation tables are append-only: `hf_snapshots`, `derivative_edges` and `availability_events` are
written with `ON CONFLICT DO NOTHING`, so replaying a page (after a kill, or on a same-day rerun) inserts
nothing twice and never changes a stored row. `hub_models` is the crawl's latest sighting of a model and
is updated in place (downloads, likes, tags, last_seen_at; first_seen_at and run_id stay).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pyarrow as pa

from atomscope.collect.hub.records import CrawlRow, SnapshotRow

SNAPSHOT_COLUMNS = (
    "model_id", "snapshot_date", "downloads_30d", "downloads_all_time", "likes", "created_at", "last_modified",
    "pipeline_tag", "library_name", "gated", "safetensors_total", "tags", "collected_at", "endpoint", "source",
    "run_id",
)  # fmt: skip
_SNAPSHOT_TYPES = (
    pa.string(), pa.date32(), pa.int64(), pa.int64(), pa.int64(), pa.timestamp("us"), pa.timestamp("us"),
    pa.string(), pa.string(), pa.string(), pa.int64(), pa.list_(pa.string()), pa.timestamp("us"), pa.string(),
    pa.string(), pa.int64(),
)  # fmt: skip


def _arrow(columns: Sequence[str], types: Sequence[pa.DataType], rows: list[tuple]) -> pa.Table:
    data = list(zip(*rows, strict=True)) if rows else [[] for _ in columns]
    return pa.table({c: pa.array(list(v), type=t) for c, t, v in zip(columns, types, data, strict=True)})


def _insert_returning(con: duckdb.DuckDBPyConnection, sql: str, table: pa.Table) -> int:
    name = "_atomscope_batch"
    con.register(name, table)
    try:
        return len(con.execute(sql.replace("{batch}", name)).fetchall())
    finally:
        con.unregister(name)


# ---------------------------------------------------------------------------- catalog
@dataclass(frozen=True)
class Tracked:
    """Tracked models: exact ids, a case-insensitive index, orgs, and ids a tracked model was renamed to."""

    ids: dict[str, str]  # model_id -> hf_org
    by_fold: dict[str, str]  # casefolded id -> model_id
    renamed_to: dict[str, str]  # casefolded new id -> tracked model_id

    def resolve(self, model_id: str) -> str | None:
        """The tracked id this listed id stands for (exact, case-insensitive, or through a rename)."""
        if model_id in self.ids:
            return model_id
        fold = model_id.casefold()
        return self.by_fold.get(fold) or self.renamed_to.get(fold)

    def orgs(self) -> list[str]:
        return sorted(set(self.ids.values()), key=str.casefold)


def load_tracked(con: duckdb.DuckDBPyConnection) -> Tracked:
    ids = dict(con.execute("SELECT model_id, hf_org FROM models ORDER BY model_id").fetchall())
    renamed = con.execute(
        """
        SELECT model_id, arg_max(status, observed_on), arg_max(new_model_id, observed_on)
        FROM availability_events GROUP BY model_id
        """
    ).fetchall()
    renamed_to = {new.casefold(): old for old, status, new in renamed if status == "renamed" and new and old in ids}
    return Tracked(ids=ids, by_fold={m.casefold(): m for m in ids}, renamed_to=renamed_to)


# ---------------------------------------------------------------------------- snapshots
def insert_snapshots(
    con: duckdb.DuckDBPyConnection,
    rows: Iterable[tuple[str, SnapshotRow]],
    *,
    day: date,
    collected_at: datetime,
    endpoint: str | None,
    source: str,
    run_id: int,
) -> int:
    """Insert (tracked id, row) pairs for `day`; returns how many were new (a same-day rerun adds 0)."""
    seen: set[str] = set()
    batch = []
    for model_id, r in rows:
        if model_id in seen:
            continue
        seen.add(model_id)
        batch.append((
            model_id, day, r.downloads_30d, r.downloads_all_time, r.likes, r.created_at, r.last_modified,
            r.pipeline_tag, r.library_name, r.gated, r.safetensors_total, r.tags, collected_at, endpoint, source,
            run_id,
        ))  # fmt: skip
    if not batch:
        return 0
    table = _arrow(SNAPSHOT_COLUMNS, _SNAPSHOT_TYPES, batch)
    cols = ", ".join(SNAPSHOT_COLUMNS)
    return _insert_returning(
        con,
        f"INSERT INTO hf_snapshots ({cols}) SELECT {cols} FROM {{batch}} ON CONFLICT DO NOTHING RETURNING 1",
        table,
    )


def snapshotted_on(con: duckdb.DuckDBPyConnection, day: date) -> set[str]:
    return {r[0] for r in con.execute("SELECT model_id FROM hf_snapshots WHERE snapshot_date = ?", [day]).fetchall()}


def get_progress(con: duckdb.DuckDBPyConnection, day: date, org: str, pass_: str) -> tuple[str | None, int, int, bool]:
    """(cursor, pages, items, done) of an organization's listing on `day` (nothing yet: None, 0, 0, False)."""
    rows = con.execute(
        "SELECT cursor, pages, items, done FROM hf_snapshot_progress WHERE snapshot_date = ? AND org = ? AND pass = ?",
        [day, org, pass_],
    ).fetchall()
    return tuple(rows[0]) if rows else (None, 0, 0, False)


def set_progress(con, day: date, org: str, pass_: str, *, cursor: str | None, pages: int, items: int, done: bool,
                 now: datetime, run_id: int) -> None:  # fmt: skip
    con.execute(
        """
        INSERT INTO hf_snapshot_progress VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (snapshot_date, org, pass) DO UPDATE SET cursor = excluded.cursor, pages = excluded.pages,
            items = excluded.items, done = excluded.done, updated_at = excluded.updated_at, run_id = excluded.run_id
        """,
        [day, org, pass_, cursor, pages, items, done, now, run_id],
    )


# ---------------------------------------------------------------------------- availability
def probed_on(con: duckdb.DuckDBPyConnection, day: date) -> set[str]:
    return {r[0] for r in con.execute("SELECT model_id FROM hf_probes WHERE snapshot_date = ?", [day]).fetchall()}


def insert_probe(con, day: date, model_id: str, status: str, new_id: str | None, http_status: int | None,
                 now: datetime, run_id: int) -> None:  # fmt: skip
    con.execute(
        "INSERT INTO hf_probes VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [day, model_id, status, new_id, http_status, now, run_id],
    )


def latest_status(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """model_id -> (status, new_model_id) of its latest availability event (no event: available)."""
    rows = con.execute(
        """
        SELECT model_id, arg_max(status, observed_on), arg_max(new_model_id, observed_on)
        FROM availability_events GROUP BY model_id
        """
    ).fetchall()
    return {m: (s, n) for m, s, n in rows}


def record_status(con, model_id: str, day: date, status: str, new_id: str | None, http_status: int | None,
                  now: datetime, run_id: int, latest: dict[str, tuple[str, str | None]]) -> bool:  # fmt: skip
    """Add an availability event when `status` differs from the latest one; True when one was added."""
    previous = latest.get(model_id, ("available", None))
    if previous == (status, new_id) or (status != "renamed" and previous[0] == status):
        return False
    added = con.execute(
        "INSERT INTO availability_events VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
        [model_id, day, status, new_id, http_status, now, run_id],
    ).fetchall()
    if added:
        latest[model_id] = (status, new_id)
    return bool(added)


# ---------------------------------------------------------------------------- crawl
_HUB_COLUMNS = ("model_id", "author", "created_at", "downloads_30d", "likes", "pipeline_tag", "tags",
                "first_seen_at", "last_seen_at", "run_id")  # fmt: skip
_HUB_TYPES = (pa.string(), pa.string(), pa.timestamp("us"), pa.int64(), pa.int64(), pa.string(),
              pa.list_(pa.string()), pa.timestamp("us"), pa.timestamp("us"), pa.int64())  # fmt: skip


def upsert_hub_models(con, rows: list[CrawlRow], *, now: datetime, run_id: int) -> int:
    """Insert new hub_models rows or refresh the sighting of known ones; returns rows written."""
    unique = {r.model_id: r for r in rows}
    if not unique:
        return 0
    batch = [(r.model_id, r.author, r.created_at, r.downloads_30d, r.likes, r.pipeline_tag, r.tags, now, now, run_id)
             for r in unique.values()]  # fmt: skip
    cols = ", ".join(_HUB_COLUMNS)
    return _insert_returning(
        con,
        f"""INSERT INTO hub_models ({cols}) SELECT {cols} FROM {{batch}}
            ON CONFLICT (model_id) DO UPDATE SET author = excluded.author, created_at = excluded.created_at,
                downloads_30d = excluded.downloads_30d, likes = excluded.likes, pipeline_tag = excluded.pipeline_tag,
                tags = excluded.tags, last_seen_at = excluded.last_seen_at
            RETURNING 1""",
        _arrow(_HUB_COLUMNS, _HUB_TYPES, batch),
    )


def insert_hub_models_if_absent(con, rows: list[CrawlRow], *, seen_at: datetime, run_id: int) -> int:
    """Add models not yet known (imports: an older dump never overwrites a crawl's sighting)."""
    unique = {r.model_id: r for r in rows}
    if not unique:
        return 0
    batch = [(r.model_id, r.author, r.created_at, r.downloads_30d, r.likes, r.pipeline_tag, r.tags, seen_at,
              seen_at, run_id) for r in unique.values()]  # fmt: skip
    cols = ", ".join(_HUB_COLUMNS)
    return _insert_returning(
        con,
        f"INSERT INTO hub_models ({cols}) SELECT {cols} FROM {{batch}} ON CONFLICT DO NOTHING RETURNING 1",
        _arrow(_HUB_COLUMNS, _HUB_TYPES, batch),
    )


def canonical_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> dict[str, str]:
    """Known spellings (tracked models, then crawled models) of ids that differ only in case."""
    folded = sorted({i.casefold() for i in ids})
    if not folded:
        return {}
    rows = con.execute(
        """
        WITH wanted AS (SELECT unnest(?) AS k)
        SELECT k, min(model_id) FROM (
            SELECT lower(model_id) AS k, model_id FROM models SEMI JOIN wanted ON lower(model_id) = wanted.k
            UNION ALL
            SELECT lower(model_id) AS k, model_id FROM hub_models SEMI JOIN wanted ON lower(model_id) = wanted.k
        ) GROUP BY k
        """,
        [folded],
    ).fetchall()
    return dict(rows)


def canonical_edges(con, edges: list[tuple[str, str, str]], own: Iterable[str] = ()) -> tuple[list, int]:
    """Edges with each parent spelled as the known model it names (ids are case-insensitive on the Hub);
    `own` adds ids of the batch being written. Returns (edges, how many parents were respelled)."""
    known = canonical_ids(con, [p for _, p, _ in edges])
    known.update({m.casefold(): m for m in own})
    fixed, respelled = [], 0
    for child, parent, relation in edges:
        spelled = known.get(parent.casefold(), parent)
        respelled += spelled != parent
        fixed.append((child, spelled, relation))
    return fixed, respelled


def insert_edges(con, edges: list[tuple[str, str, str]], *, now: datetime, run_id: int) -> int:
    """(child, parent, relation) triples; an edge already stored keeps its first_seen_at."""
    unique = sorted(set(edges))
    if not unique:
        return 0
    table = pa.table({
        "child_id": pa.array([e[0] for e in unique], pa.string()),
        "parent_id": pa.array([e[1] for e in unique], pa.string()),
        "relation": pa.array([e[2] for e in unique], pa.string()),
        "first_seen_at": pa.array([now] * len(unique), pa.timestamp("us")),
        "run_id": pa.array([run_id] * len(unique), pa.int64()),
    })  # fmt: skip
    return _insert_returning(
        con, "INSERT INTO derivative_edges SELECT * FROM {batch} ON CONFLICT DO NOTHING RETURNING 1", table
    )


@dataclass
class CrawlState:
    watermark: datetime | None
    cursor: str | None
    run_watermark: datetime | None
    run_floor: datetime | None


def get_crawl(con: duckdb.DuckDBPyConnection, name: str) -> CrawlState:
    rows = con.execute(
        "SELECT watermark, cursor, run_watermark, run_floor FROM crawl_state WHERE crawl_name = ?", [name]
    ).fetchall()
    return CrawlState(*rows[0]) if rows else CrawlState(None, None, None, None)


def set_crawl(con: duckdb.DuckDBPyConnection, name: str, state: CrawlState, now: datetime) -> None:
    con.execute(
        """
        INSERT INTO crawl_state (crawl_name, watermark, cursor, run_watermark, updated_at, run_floor)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (crawl_name) DO UPDATE SET watermark = excluded.watermark, cursor = excluded.cursor,
            run_watermark = excluded.run_watermark, updated_at = excluded.updated_at, run_floor = excluded.run_floor
        """,
        [name, state.watermark, state.cursor, state.run_watermark, now, state.run_floor],
    )


# ---------------------------------------------------------------------------- runs
HF_RUN_KINDS = ("hf_snapshot", "hf_crawl", "hf_discovery", "import_dump", "import_hubstats")


def close_stale_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Mark collector runs left 'running' by a killed process as 'interrupted' (the writer lock makes them
    stale: no other process can be writing this warehouse now)."""
    rows = con.execute(
        "UPDATE load_runs SET status = 'interrupted' WHERE status = 'running' AND kind IN (SELECT unnest(?))"
        " RETURNING run_id",
        [list(HF_RUN_KINDS)],
    ).fetchall()
    return len(rows)
