"""The main job's day-one history: when the warehouse holds under WANTED_MONTHS months of Hub snapshots,
import one hub-stats revision per month for the last BACKFILL_MONTHS months (bounded: at most one file per
month; resumable: a rerun downloads only what is missing)."""

from __future__ import annotations

from datetime import date

import duckdb

from atomscope.collect.hubstats.importer import HubStatsOptions

WANTED_MONTHS = 12
BACKFILL_MONTHS = 24


def history_months(con: duckdb.DuckDBPyConnection) -> int:
    """Distinct months with at least one Hub snapshot in the warehouse."""
    return int(
        con.execute("SELECT count(DISTINCT date_trunc('month', snapshot_date)) FROM hf_snapshots").fetchall()[0][0]
    )


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def backfill_options(today: date, *, live: bool | None = None) -> HubStatsOptions:
    return HubStatsOptions(
        since=months_back(today, BACKFILL_MONTHS), until=today, every="month",
        max_files=BACKFILL_MONTHS + 1, live=live,
    )  # fmt: skip
