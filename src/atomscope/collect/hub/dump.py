"""`import hub-dump`: history you did not collect, from a dump of Hub model metadata (parquet or CSV).

The file is streamed through DuckDB with bounded memory (`dumpfile.DumpFile`; every shape and era of
the public `cfahlgren1/hub-stats` dataset is read, see docs/imports.md). Tracked models (exact,
case-insensitive or through a recorded rename) become `hf_snapshots` rows of the dump's date (a row
already stored for that model and day, e.g. from the API, wins: nothing is overwritten). Other models
matter only through their lineage: a model with `base_model:<relation>:<parent>` tags or `baseModels`
becomes a `hub_models` row if not yet known, and its lineage becomes `derivative_edges` (unless
`tracked_only`). Dumps of different dates accumulate as history; importing the same dump again adds
nothing.

Bad rows are skipped and counted by reason. Duplicate ids (equal ignoring case, as Hub ids are): the
first row in file order that passes every check is kept, each later one is skipped as `duplicate_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from atomscope.collect.hub import store
from atomscope.collect.hub.dump_lineage import write_lineage_batch
from atomscope.collect.hub.dumpfile import DumpFile, DumpRow
from atomscope.collect.hub.records import EDGE_SKIP, CrawlRow, SkipCounter, SnapshotRow, lineage
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow
from atomscope.warehouse.facts import refresh_model_facts


@dataclass
class ImportSummary:
    file: str
    snapshot_date: date
    rows_read: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    skipped: SkipCounter = field(default_factory=SkipCounter)
    respelled: int = 0  # parent ids stored with the known model's spelling (case differs)
    all_time_counts: bool = True  # False for files before downloadsAllTime existed (30-day counts only)
    quality: list[str] = field(default_factory=list)  # source-quality flags raised for this snapshot


def _snapshot(row: DumpRow) -> SnapshotRow:
    return SnapshotRow(
        model_id=row.model_id, downloads_30d=row.downloads_30d, downloads_all_time=row.downloads_all_time,
        likes=row.likes, created_at=row.created_at, last_modified=row.last_modified, pipeline_tag=row.pipeline_tag,
        library_name=row.library_name, gated=row.gated, safetensors_total=row.safetensors_total, tags=row.tags,
    )  # fmt: skip


def import_rows(
    con: duckdb.DuckDBPyConnection,
    dump: DumpFile,
    *,
    source: str,
    endpoint: str | None,
    run_id: int,
    tracked_only: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Write one open dump as the snapshot of `dump.snapshot_date` (the caller holds the transaction)."""
    day = dump.snapshot_date
    summary = ImportSummary(file=dump.path.name, snapshot_date=day, all_time_counts=dump.has_all_time)
    summary.rows_read = dump.count_rows()
    tracked = store.load_tracked(con)
    keep = {m.casefold() for m in tracked.ids} | set(tracked.renamed_to)
    seen_at = datetime.combine(day, datetime.min.time())
    collected_at = utcnow()
    counts = {"hf_snapshots": 0, "hub_models": 0, "derivative_edges": 0}
    seen_dups: set[str] = set()
    for batch in dump.rows(keep):
        snaps, hubs, edges = [], [], []
        if batch.lineage is not None and not tracked_only:
            written = write_lineage_batch(con, batch.lineage, seen_at=seen_at, run_id=run_id)
            counts["hub_models"] += written.hub_models
            counts["derivative_edges"] += written.edges
            summary.respelled += written.respelled
            for reason, n in written.problems.items():
                summary.skipped.add(reason, n)
        for row in batch.rows:
            if row.reason is not None:
                summary.skipped.add(row.reason)
                continue
            if row.dup:
                fold = row.model_id.casefold()
                if fold in seen_dups:
                    summary.skipped.add("duplicate_id")
                    continue
                seen_dups.add(fold)
            tracked_id = tracked.resolve(row.model_id) if row.keep else None
            if tracked_id is not None:
                snaps.append((tracked_id, _snapshot(row)))
            if tracked_only:
                continue
            found, problems = lineage(row.model_id, [*row.tags, *row.lineage_tags])
            for reason in problems:
                summary.skipped.add(f"{EDGE_SKIP}{reason}")
            edges.extend((row.model_id, p, r) for p, r in found)
            if tracked_id is None and found:
                author = row.author if row.author is not None else (row.model_id.split("/")[0] if "/" in row.model_id
                                                                    else None)  # fmt: skip
                hubs.append(CrawlRow(row.model_id, author, row.created_at, row.downloads_30d, row.likes,
                                     row.pipeline_tag, row.tags))  # fmt: skip
        counts["hf_snapshots"] += store.insert_snapshots(
            con, snaps, day=day, collected_at=collected_at, endpoint=endpoint, source=source, run_id=run_id
        )
        counts["hub_models"] += store.insert_hub_models_if_absent(con, hubs, seen_at=seen_at, run_id=run_id)
        edges, respelled = store.canonical_edges(con, edges, [h.model_id for h in hubs])
        summary.respelled += respelled
        counts["derivative_edges"] += store.insert_edges(con, edges, now=seen_at, run_id=run_id)
        if on_rows is not None:
            on_rows(batch.size)
    summary.rows = counts
    return summary


def run_details(summary: ImportSummary) -> dict:
    return {"file": summary.file, "snapshot_date": summary.snapshot_date.isoformat(),
            "rows_read": summary.rows_read, "rows": summary.rows, "skipped": dict(summary.skipped),
            "all_time_counts": summary.all_time_counts, "quality": summary.quality}  # fmt: skip


def import_hub_dump(con: duckdb.DuckDBPyConnection, path: Path, snapshot_date: date, *,
                    tracked_only: bool = False) -> ImportSummary:  # fmt: skip
    """Import one dump for `snapshot_date` in one transaction (see the module docstring)."""
    from atomscope.collect.hub import quality

    path = Path(path)
    with DumpFile(path, snapshot_date) as dump:
        run_id = start_run(con, "import_dump")
        try:
            with transaction(con):
                summary = import_rows(con, dump, source=f"import:{path.name}", endpoint=None, run_id=run_id,
                                      tracked_only=tracked_only)  # fmt: skip
                summary.quality = quality.record_import(con, summary, source=f"import:{path.name}", run_id=run_id)
                if summary.rows["hf_snapshots"]:
                    refresh_model_facts(con)
        except BaseException as exc:
            finish_run(con, run_id, "failed", {"file": path.name, "error": str(exc)[:500]})
            raise
    finish_run(con, run_id, "ok", run_details(summary))
    return summary
