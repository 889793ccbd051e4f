"""Source quality of imported snapshots: rollbacks, stalls and partial snapshots.

Checked when a dump is imported (`import hub-dump`, `import hub-stats`), against the previous snapshot
day that carries no flag (so one bad day is not the reference of the next):

- `rollback`: all-time downloads fell for at least ROLLBACK_SHARE of the tracked models present on
  both days (the source recounted or served stale counters; they came back days later). A drop of a
  few models is not a rollback: it stays negative growth in the metrics.
- `stall`: for at least STALL_SHARE of those models nothing moved (all-time and 30-day counts equal) a
  day or more later: the source did not refresh its counters.
- `partial`: the file holds fewer than PARTIAL_SHARE of the rows of the previous imported file (or of
  its tracked models): a cut-off export.

A flagged snapshot stays in `hf_snapshots` (it is what the source published) and is listed in
`snapshot_quality` with its reason; the download metrics never interpolate through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from atomscope.warehouse.db import utcnow

ROLLBACK_SHARE = 0.25
STALL_SHARE = 0.9
PARTIAL_SHARE = 0.5
MIN_MODELS = 5  # fewer tracked models on both days: too few to call a rollback or a stall


@dataclass(frozen=True)
class Flag:
    flag: str
    reason: str
    compared_with: date | None
    share: float | None


def previous_good_day(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    """The latest snapshot day before `day` that no quality flag excludes."""
    row = con.execute(
        """
        SELECT max(s.snapshot_date) FROM hf_snapshots s
        WHERE s.snapshot_date < ? AND NOT EXISTS (
            SELECT 1 FROM snapshot_quality q WHERE q.snapshot_date = s.snapshot_date AND q.source = s.source)
        """,
        [day],
    ).fetchone()
    return row[0] if row else None


def assess(con: duckdb.DuckDBPyConnection, day: date, rows_read: int, tracked_rows: int) -> list[Flag]:
    """The flags of the snapshot of `day` (its rows already written) against the previous good day."""
    before = previous_good_day(con, day)
    if before is None:
        return []
    flags: list[Flag] = []
    n, fell, still = con.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE a.downloads_all_time < b.downloads_all_time),
               count(*) FILTER (WHERE a.downloads_all_time IS NOT DISTINCT FROM b.downloads_all_time
                                AND a.downloads_30d IS NOT DISTINCT FROM b.downloads_30d)
        FROM hf_snapshots a JOIN hf_snapshots b ON a.model_id = b.model_id
        WHERE a.snapshot_date = ? AND b.snapshot_date = ?
        """,
        [day, before],
    ).fetchone()
    if n >= MIN_MODELS and fell / n >= ROLLBACK_SHARE:
        flags.append(Flag("rollback", f"all-time downloads fell for {fell} of {n} tracked models "
                                      f"({fell / n:.0%}) since {before}", before, fell / n))  # fmt: skip
    if n >= MIN_MODELS and still / n >= STALL_SHARE:
        flags.append(Flag("stall", f"counters unchanged for {still} of {n} tracked models ({still / n:.0%}) "
                                   f"since {before}", before, still / n))  # fmt: skip
    prev_rows, prev_tracked = con.execute(
        "SELECT max(rows_read), max(tracked_rows) FROM snapshot_imports WHERE snapshot_date = ?", [before]
    ).fetchone()
    if prev_tracked is None:
        prev_tracked = con.execute("SELECT count(*) FROM hf_snapshots WHERE snapshot_date = ?", [before]).fetchone()[0]
    for label, now, then in (("rows", rows_read, prev_rows), ("tracked models", tracked_rows, prev_tracked)):
        if then and now < PARTIAL_SHARE * then:
            flags.append(Flag("partial", f"{now} {label} against {then} on {before} ({now / then:.0%})",
                              before, now / then))  # fmt: skip
            break
    return flags


def record_import(con: duckdb.DuckDBPyConnection, summary, *, source: str, run_id: int) -> list[str]:
    """Record an imported file's size and its quality flags (inside the import's transaction)."""
    day = summary.snapshot_date
    tracked_rows = con.execute("SELECT count(*) FROM hf_snapshots WHERE snapshot_date = ?", [day]).fetchone()[0]
    now = utcnow()
    con.execute(
        "INSERT INTO snapshot_imports VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [day, source, summary.rows_read, tracked_rows, summary.all_time_counts, run_id, now],
    )
    flags = assess(con, day, summary.rows_read, tracked_rows)
    for f in flags:
        con.execute(
            "INSERT INTO snapshot_quality VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [day, source, f.flag, f.reason, f.compared_with, f.share, run_id, now],
        )
    return [f.flag for f in flags]


def flagged(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every flag: (snapshot_date, source, flag, reason, compared_with), oldest first."""
    return con.execute(
        "SELECT snapshot_date, source, flag, reason, compared_with FROM snapshot_quality ORDER BY 1, 2, 3"
    ).fetchall()
