"""Is a month complete? One rule for every monthly metric that reads collected Hub data.

A monthly figure is *complete* when the data covers the month to its end. The Hub metrics read their
data as of a day (a snapshot's counts on date d, a crawl on date d), so the month M is complete when the
latest observation in the warehouse is on or after M's last day:

    complete(M) = latest observation >= last day of M
                = month_start(M) < month_start(latest observation + 1 day)

so every month before the latest observation's month is complete, and that month itself only when the
observation is on its last day. A snapshot on the last day counts as covering the month although the
Hub's counts that day miss the rest of that day (at most 1 of 28-31 days; `downloads` then reads the
next month's first boundary from that snapshot). The month holding the latest observation is otherwise
*to date* (complete = false): downloads after the last snapshot are not counted yet, derivatives created
after the last crawl are not seen yet. The latest observation is taken over the whole table (every
model), not per model or group, so every group shares the same unfinished month. `--until` does not
change it: a month is unfinished because the data stops there, not because of the window asked for.

Charts and findings use the flag to leave the unfinished month out (or mark it "to date") instead of
drawing a month-to-date figure as if it were a fall.

Back-cast months. The month of the earliest snapshot is the first month any observation falls in; a
month before it is *back-cast* (`flag_backcast`): its downloads come only from spreading all-time totals
back to release dates. The monthly download metrics leave those months out unless asked for them
(`backcast=true`), and flag them when they are shown.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import MetricContext


def latest_snapshot(ctx: MetricContext) -> ir.Table:
    """One row: `latest`, the date of the latest Hub snapshot with a download count (all-time or 30-day:
    `downloads` also estimates months from 30-day-only snapshots)."""
    snaps = ctx.table("hf_snapshots")
    snaps = snaps.filter(snaps.downloads_all_time.notnull() | snaps.downloads_30d.notnull())
    return snaps.aggregate(latest=snaps.snapshot_date.max().cast("date"))


def earliest_snapshot(ctx: MetricContext) -> ir.Table:
    """One row: `earliest`, the date of the earliest Hub snapshot with a download count. Months before
    its month were never observed: their monthly figures are back-cast from all-time totals."""
    snaps = ctx.table("hf_snapshots")
    snaps = snaps.filter(snaps.downloads_all_time.notnull() | snaps.downloads_30d.notnull())
    return snaps.aggregate(earliest=snaps.snapshot_date.min().cast("date"))


def flag_backcast(table: ir.Table, earliest: ir.Table, month_start: str = "month_start") -> ir.Table:
    """`table` with a boolean `backcast` column: true for a month before the month of the earliest
    snapshot (`earliest_snapshot`), a month no snapshot observed."""
    joined = table.cross_join(earliest)
    backcast = (joined[month_start] < joined.earliest.truncate("M")).fill_null(False)
    return joined.mutate(backcast=backcast).drop("earliest")


def latest_crawl(ctx: MetricContext) -> ir.Table:
    """One row: `latest`, the day the Hub crawl last saw any model (hub_models.last_seen_at)."""
    hub = ctx.table("hub_models")
    return hub.aggregate(latest=hub.last_seen_at.max().cast("date"))


def flag_complete(table: ir.Table, latest: ir.Table, month_start: str = "month_start") -> ir.Table:
    """`table` with a boolean `complete` column (see the module docstring); `latest` is one of the
    one-row tables above. Without any observation every month is incomplete."""
    joined = table.cross_join(latest)
    after_latest = (joined.latest + ibis.interval(days=1)).cast("date").truncate("M")
    complete = (joined[month_start] < after_latest).fill_null(False)
    return joined.mutate(complete=complete).drop("latest")
