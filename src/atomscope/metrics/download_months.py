"""The month engine under `downloads` and `concentration` (and RAM's interpolation): a model's downloads
in each month from its snapshots, measured or estimated. The formula, the first-snapshot estimate, gaps,
back-cast months and 30-day-only months are documented in metrics/downloads.py, the metric built on it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import MetricContext, Param
from atomscope.metrics.common import month_of, tracked_models
from atomscope.metrics.interpolate import Bracket, bracket, days_between, point_rows, slots
from atomscope.metrics.periods import earliest_snapshot, flag_backcast

ESTIMATE_WINDOW_DAYS = 30
GAP_DAYS = 45  # all-time snapshots farther apart than this leave the months between them estimated
MEASURED_THRESHOLD = 0.95
# the parameters of every metric built on monthly downloads (downloads, concentration)
MONTHLY_PARAMS = {
    "backcast": Param(bool, False, "also show months before the month of the earliest snapshot (back-cast)"),
    "measured_threshold": Param(
        float, MEASURED_THRESHOLD, "a cell is estimated when its measured_share is below this", min=0.0, max=1.0
    ),
}
POINTS = {"model_id": "string", "d": "date", "v": "float64", "virtual": "boolean"}
SLOT_ROWS = {"model_id": "string", "slot": "date", "fd": "date", "fv": "float64", "ld": "date", "lv": "float64"}


def nullable(table: ir.Table, schema: dict[str, str]) -> ir.Table:
    """Cast to one nullable schema so that unions of key columns and literals line up."""
    return table.select(**{name: table[name].cast(kind) for name, kind in schema.items()})


def usable_snapshots(ctx: MetricContext) -> ir.Table:
    """hf_snapshots without the rows of snapshots flagged by the source-quality checks (same day and
    source as a `snapshot_quality` row). A warehouse or lake without that table keeps every row."""
    snaps = ctx.table("hf_snapshots")
    try:
        flags = ctx.table("snapshot_quality")
    except Exception:  # noqa: BLE001 - a lake exported before the table existed: nothing is flagged
        return snaps
    flags = flags.select(q_date=flags.snapshot_date.cast("date"), q_source=flags.source).distinct()
    kept = snaps.left_join(flags, (snaps.snapshot_date == flags.q_date) & (snaps.source == flags.q_source))
    return kept.filter(kept.q_date.isnull()).drop("q_date", "q_source")


def thirty_day_months(ctx: MetricContext) -> ir.Table:
    """model_id, month_start, d30_downloads: per model and month, the 30-day count of the 30-day-only
    snapshot (no all-time count) nearest the month's end (within 15 days), scaled to the month's length."""
    snaps = usable_snapshots(ctx)
    snaps = snaps.filter(snaps.downloads_all_time.isnull() & snaps.downloads_30d.notnull())
    d = snaps.snapshot_date.cast("date")
    this_start = d.truncate("M")
    next_start = (this_start + ibis.interval(months=1)).cast("date")
    since_start, to_end = days_between(d, this_start), days_between(next_start, d)
    closer_to_last_month = since_start < to_end
    snaps = snaps.mutate(
        month_start=ibis.cases(
            (closer_to_last_month, (this_start - ibis.interval(months=1)).cast("date")), else_=this_start.cast("date")
        ),
        distance=ibis.cases((closer_to_last_month, since_start), else_=to_end),
    )
    snaps = snaps.filter(snaps.distance <= 15)
    per = snaps.group_by(["model_id", "month_start"]).aggregate(
        d30=snaps.downloads_30d.cast("float64").argmin(snaps.distance)
    )
    length = days_between((per.month_start + ibis.interval(months=1)).cast("date"), per.month_start)
    return per.select("model_id", "month_start", d30_downloads=per.d30 * length.cast("float64") / 30.0)


def observed_ends(ctx: MetricContext) -> ir.Table:
    """Per model and month of hf_snapshots (non-null all-time counts): the first point (fd, fv) with its
    30-day count d30 and created_at, and the last point (ld, lv). The only scan of hf_snapshots here: one
    hash aggregation, so the filtered snapshots are neither materialized nor sorted. argmin/argmax keep a
    NULL value (FIRST(x ORDER BY d) on DuckDB, MIN_BY/MAX_BY on Spark)."""
    snaps = usable_snapshots(ctx)
    snaps = snaps.filter(snaps.downloads_all_time.notnull())
    d = snaps.snapshot_date
    total = snaps.downloads_all_time.cast("float64")
    return snaps.group_by([snaps.model_id, d.truncate("M").name("m")]).aggregate(
        fd=d.min(),
        fv=total.argmin(d),
        ld=d.max(),
        lv=total.argmax(d),
        d30=snaps.downloads_30d.cast("float64").argmin(d),
        created=snaps.created_at.cast("date").argmin(d),
    )


def first_snapshots(ctx: MetricContext) -> ir.Table:
    """Per tracked model: first snapshot date S0, its all-time total A0 and 30-day count D30, and the
    release anchor R (release_date, else the first snapshot's created_at). From `observed_ends`."""
    ends = observed_ends(ctx)
    first = ends.group_by("model_id").aggregate(
        s0=ends.fd.min(),
        a0=ends.fv.argmin(ends.fd),
        d30=ends.d30.argmin(ends.fd),
        created=ends.created.argmin(ends.fd),
    )
    facts = ctx.table("model_facts")
    joined = first.left_join(facts, first.model_id == facts.model_id)
    return joined.select(
        "model_id",
        "s0",
        "a0",
        "d30",
        release=ibis.coalesce(joined.release_date, joined.created),
    )


def model_slots(ctx: MetricContext) -> ir.Table:
    """The month engine's slots (metrics/interpolate.py): per model and month, the first and last point
    (fd, fv, ld, lv) of the observed snapshots (`observed_ends`) merged with the virtual points of the
    first-snapshot estimate, which lie before S0, so in S0's month or earlier."""
    ends = observed_ends(ctx)
    observed = ends.select(model_id=ends.model_id, slot=ends.m, fd=ends.fd, fv=ends.fv, ld=ends.ld, lv=ends.lv)
    first = first_snapshots(ctx)
    at_release = first.filter(first.release.notnull() & (first.release < first.s0)).select(
        model_id=first.model_id, d=first.release, v=ibis.literal(0.0)
    )
    window_start = (first.s0 - ibis.interval(days=ESTIMATE_WINDOW_DAYS)).cast("date")
    month_back = first.filter(first.release.notnull() & first.d30.notnull() & (first.release < window_start))
    month_back = month_back.select(
        model_id=month_back.model_id,
        d=(month_back.s0 - ibis.interval(days=ESTIMATE_WINDOW_DAYS)).cast("date"),
        v=ibis.greatest(month_back.a0 - month_back.d30, ibis.literal(0.0)),
    )
    rows = nullable(observed, SLOT_ROWS)
    for part in (at_release, month_back):
        rows = rows.union(nullable(point_rows(part, part.d.truncate("M")), SLOT_ROWS))
    return slots(rows)


def model_month_downloads(ctx: MetricContext) -> ir.Table:
    """Per tracked model and month (all months, before --since/--until): model_id, month_start (date),
    month (YYYY-MM), downloads, measured (its part measured by all-time counts), estimated (the month
    overlaps the first-snapshot estimate), cumulative (V at the month's end) and the model's origin and
    size columns from `tracked_models` (org_key, org_name, region, size_bucket, ...)."""
    by_month = model_slots(ctx)
    months = months_from_slots(by_month, first_snapshots(ctx))
    months = _with_thirty_day_months(ctx, months, by_month)
    months = months.mutate(month=month_of(months.month_start))
    tracked = tracked_models(ctx)
    tracked = tracked.mutate(size_bucket=tracked.size_bucket.fill_null("unknown"))
    return months.join(tracked, "model_id")


def months_from_points(points: ir.Table, first: ir.Table) -> ir.Table:
    """`months_from_slots` over cumulative `points` (model_id, d, v): any cumulative count (the Hub's
    all-time total, ModelScope's) goes through this one rule."""
    return months_from_slots(slots(point_rows(points, points.d.truncate("M"))), first)


def months_from_slots(by_month: ir.Table, first: ir.Table) -> ir.Table:
    """Per key and month: model_id, month_start, downloads, measured, cumulative, estimated, from month
    slots (metrics/interpolate.py `slots`, slot = the month's first day) and `first` (model_id, s0, a0,
    release): the rules of metrics/downloads.py's docstring.

    The months run from the first slot's to the last slot's; each month's row is generated from the row of
    the last non-empty slot starting on or before it, which brackets both the month's start b and its end
    b_next (metrics/interpolate.py `bracket`). Values are clipped outside the points: the first point's
    before them (the release's 0, or S0's total without estimate: the first month then counts from S0), the
    last point's after them (month-to-date)."""
    rows = by_month.join(first.select("model_id", "s0", "a0", "release"), "model_id")
    n_slot = rows.n_slot.cast("date")
    span = ((n_slot.year() - rows.slot.year()) * 12 + n_slot.month() - rows.slot.month()).fill_null(1)
    rows = rows.mutate(i=ibis.range(0, span).unnest())
    b = (rows.slot.cast("date") + rows.i.as_interval("M")).cast("date")
    rows = rows.mutate(b=b, b_next=(b + ibis.interval(months=1)).cast("date"))
    at, at_next = bracket(rows, rows.b), bracket(rows, rows.b_next)
    v, v_next = at.clipped(rows.b), at_next.clipped(rows.b_next)

    def measured_value(when: ir.DateValue, value: ir.FloatingValue) -> ir.FloatingValue:
        # the value read from all-time snapshots only: before S0 nothing is measured (virtual points)
        return ibis.cases((when < rows.s0, rows.a0), else_=value)

    def gap(when: ir.DateValue, near: Bracket) -> ir.BooleanValue:
        # growth between snapshots farther apart than GAP_DAYS is not measured; after the last, none grows
        far = (when > rows.s0) & near.next_d.notnull() & (days_between(near.next_d, near.prev_d) > GAP_DAYS)
        return far.fill_null(False)

    # a month is an estimate when it overlaps (R, S0), the span covered only by virtual points
    estimated = (rows.release.notnull() & (rows.release < rows.s0)) & (
        (rows.b < rows.s0) & (rows.b_next > rows.release)
    )
    measured = ibis.cases(
        (gap(rows.b, at) | gap(rows.b_next, at_next), 0.0),
        else_=measured_value(rows.b_next, v_next) - measured_value(rows.b, v),
    )
    return rows.select(
        model_id=rows.model_id,
        month_start=rows.b,
        downloads=v_next - v,
        measured=measured,
        cumulative=v_next,
        estimated=estimated,
    )


def _with_thirty_day_months(ctx: MetricContext, months: ir.Table, by_month: ir.Table) -> ir.Table:
    """Estimated months take the scaled 30-day count where a 30-day-only snapshot gives one; models known
    only through 30-day counts get those months (cumulative NULL). See the module docstring."""
    d30 = thirty_day_months(ctx)
    joined = months.left_join(d30, ["model_id", "month_start"])
    joined = joined.drop(*[c for c in joined.columns if c.endswith("_right")])
    use = joined.estimated & joined.d30_downloads.notnull()
    replaced = joined.select(
        "model_id", "month_start", downloads=ibis.cases((use, joined.d30_downloads), else_=joined.downloads),
        measured=ibis.cases((use, 0.0), else_=joined.measured), cumulative="cumulative", estimated="estimated",
    )  # fmt: skip
    with_points = by_month.select("model_id").distinct()
    only_d30 = d30.anti_join(with_points, "model_id")
    only_d30 = only_d30.select(
        "model_id", "month_start", downloads=only_d30.d30_downloads, measured=ibis.literal(0.0),
        cumulative=ibis.null().cast("float64"), estimated=ibis.literal(True),
    )  # fmt: skip
    schema = {"model_id": "string", "month_start": "date", "downloads": "float64", "measured": "float64",
              "cumulative": "float64", "estimated": "boolean"}  # fmt: skip
    return nullable(replaced, schema).union(nullable(only_d30, schema))


def month_window(table: ir.Table, ctx: MetricContext) -> ir.Table:
    """Keep the months that overlap --since/--until (month_start is the first day of the month)."""
    if ctx.since is not None:
        start = ibis.literal(ctx.since, type="date").truncate("M")
        table = table.filter(table.month_start >= start)
    if ctx.until is not None:
        table = table.filter(table.month_start <= ibis.literal(ctx.until, type="date"))
    return table


def observed_months(table: ir.Table, ctx: MetricContext) -> ir.Table:
    """`table` (one row per month_start) flagged `backcast` (metrics/periods.py), without the back-cast
    months unless the request's `backcast` parameter asks for them."""
    table = flag_backcast(table, earliest_snapshot(ctx))
    return table if ctx.params.get("backcast") else table.filter(~table.backcast)


def share_measured(measured: ir.NumericValue, downloads: ir.NumericValue) -> ir.FloatingValue:
    """measured / downloads clipped to 0..1; a cell without downloads estimates nothing (1)."""
    share = measured.cast("float64") / downloads.cast("float64").nullif(0)
    return ibis.greatest(ibis.least(share, 1.0), 0.0).fill_null(1.0)


def estimated_flag(ctx: MetricContext, measured_share: ir.FloatingValue) -> ir.BooleanValue:
    """The `estimated` rule shared by every series built on monthly downloads."""
    return measured_share < ctx.params.get("measured_threshold", MEASURED_THRESHOLD)
