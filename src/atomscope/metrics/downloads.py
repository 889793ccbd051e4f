"""`downloads`: monthly and cumulative Hugging Face downloads by region, organization, model or size bucket.

Follows the ATOM Project's adoption charts (Lambert & Brand, "The ATOM Report", arXiv:2604.07190, and
atomproject.ai): monthly downloads of the tracked models grouped by the origin of their organization.

Inputs: `hf_snapshots` (one row per tracked model and day: downloads_all_time, downloads_30d,
created_at), `models` + `model_facts` + `organizations`/`org_aliases` (via `tracked_models`).

Formula. The Hub only reports a model's all-time total and its last-30-day count, so a month's downloads
are the growth of `downloads_all_time` across the month:

    downloads(model, M) = V(start of M+1) - V(start of M)

where V(b) at a month boundary b (a date, read as the start of that day) is interpolated linearly between
the last snapshot on or before b and the first snapshot on or after b:

    V(b) = v0 + (v1 - v0) * days(b - d0) / days(d1 - d0)

Boundaries outside a model's observed range are clipped: after its last snapshot V(b) = the last value,
so the latest month is month-to-date (a note says so).

First-snapshot estimate. What a model gathered before its first snapshot S0 (all-time total A0) is spread
over the days since its release R (model_facts.release_date, else the `created_at` of the first
snapshot) by adding virtual points before S0 and interpolating through them: (R, 0) and, when the model
is older than 30 days at S0 and the 30-day count D30 is known, (S0 - 30 days, max(A0 - D30, 0)). So D30
is spread evenly over the 30 days before S0 and the rest evenly from R to S0 - 30. Every month that
overlaps (R, S0) carries `estimated = true`. With a single snapshot day in the warehouse this estimate is
all there is: the last-30-day count is the only measured monthly number, and a note says so. A model with
neither a release date nor a created_at gets no virtual points: its downloads before S0 are not counted
(noted). Drops of downloads_all_time between snapshots (Hub recounts) are kept as negative growth.

Source quality. Imported snapshots flagged in `snapshot_quality` (rollback, stall, partial: see
collect/hubstats/quality.py and `atomscope quality`) stay in hf_snapshots but are left out here: no
V(b) is interpolated through them (`usable_snapshots`). A single model's drop that is not part of a
flagged rollback is kept as negative growth.

Months with 30-day counts only. Dumps from before the Hub published all-time counts (hub-stats files
before 2025-02-27) give snapshots with downloads_30d but no downloads_all_time. A month that is not
bracketed by all-time counts (an estimated month, before the model's first all-time snapshot) and has
such a 30-day-only snapshot within 15 days of its end takes its downloads from the 30-day count D30 at
the snapshot nearest the month's end, scaled to the month's length:

    downloads(model, M) = D30(snapshot nearest the end of M) * days_in(M) / 30

flagged estimated = true (a model known only through 30-day counts gets its months this way too; its
cumulative value is then unknown, NULL). Months bracketed by all-time counts are computed as above.

Output columns (`--by region`, the default): month (YYYY-MM), region, downloads, share (of the month's
total over all groups), cumulative_downloads (running sum of the group's monthly downloads since its first
month, including months before --since), estimated, complete (false for the month of the latest snapshot
unless that snapshot is on its last day: month-to-date; the rule is metrics/periods.py's), models
(tracked models contributing).
`--by org` replaces region with org_key, org_name, region; `--by model` with model_id, org_name, region,
size_bucket; `--by size_bucket` with size_bucket. ATOM's "model family" has no defensible machine
definition here, so `--by model` is offered instead. Organizations the registry does not know keep
region 'unresolved' (their raw Hub namespace as org) and a note gives their share of the total.

Evaluation. V(b) only ever reads the last snapshot on or before b and the first on or after it, and for a
month start b both are the first or last snapshot of some month of that model. So hf_snapshots is reduced
once (one aggregation per model and month: first and last point, plus D30 and created_at at the first
point, from which `first_snapshots` also comes) and the interpolation runs over those two points per
model-month plus the virtual points, not over every snapshot day. Same numbers as over all snapshots.

`model_month_downloads(ctx)` (per model and month) is reused by `concentration`; `first_snapshots` and
`interpolate_at` by `ram`.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import Metric, MetricContext, MetricResult, register
from atomscope.metrics.common import UNRESOLVED, month_of, tracked_models
from atomscope.metrics.periods import flag_complete, latest_snapshot

BY_CHOICES = ("region", "org", "model", "size_bucket")
_GROUPS = {
    "region": ("region",),
    "org": ("org_key", "org_name", "region"),
    "model": ("model_id", "org_name", "region", "size_bucket"),
    "size_bucket": ("size_bucket",),
}
ESTIMATE_WINDOW_DAYS = 30
POINTS = {"model_id": "string", "d": "date", "v": "float64", "virtual": "boolean"}


def _nullable(table: ir.Table, schema: dict[str, str]) -> ir.Table:
    """Cast to one nullable schema so that unions of key columns and literals line up."""
    return table.select(**{name: table[name].cast(kind) for name, kind in schema.items()})


def days_between(later: ir.Value, earlier: ir.Value) -> ir.IntegerValue:
    """Whole days from `earlier` to `later` (dates); DATEDIFF on every backend."""
    return later.cast("date").delta(earlier.cast("date"), unit="day")


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


def _points(ctx: MetricContext) -> ir.Table:
    """model_id, d, v, virtual: the first and last observed snapshot of each model and month (all that
    interpolating at month starts reads: the last point on or before a boundary and the first on or after
    it) plus the virtual points of the first-snapshot estimate."""
    ends = observed_ends(ctx)
    first_pt = ends.select(model_id=ends.model_id, d=ends.fd, v=ends.fv, virtual=ibis.literal(False))
    last_pt = ends.filter(ends.ld != ends.fd).select(
        model_id=ends.model_id, d=ends.ld, v=ends.lv, virtual=ibis.literal(False)
    )
    first = first_snapshots(ctx)
    at_release = first.filter(first.release.notnull() & (first.release < first.s0)).select(
        model_id=first.model_id, d=first.release, v=ibis.literal(0.0), virtual=ibis.literal(True)
    )
    window_start = (first.s0 - ibis.interval(days=ESTIMATE_WINDOW_DAYS)).cast("date")
    month_back = first.filter(first.release.notnull() & first.d30.notnull() & (first.release < window_start))
    month_back = month_back.select(
        model_id=month_back.model_id,
        d=(month_back.s0 - ibis.interval(days=ESTIMATE_WINDOW_DAYS)).cast("date"),
        v=ibis.greatest(month_back.a0 - month_back.d30, ibis.literal(0.0)),
        virtual=ibis.literal(True),
    )
    out = _nullable(first_pt, POINTS)
    for part in (last_pt, at_release, month_back):
        out = out.union(_nullable(part, POINTS))
    return out


def interpolate_at(points: ir.Table, targets: ir.Table) -> ir.Table:
    """Linear interpolation of `points` (model_id, d, v) at `targets` (model_id, b).

    Returns targets with prev_d, next_d and the interpolated value `value` (null where b is not bracketed,
    i.e. before the first or after the last point). Uses two window passes over the union of points and
    targets (a running max/min of point dates) and equi-joins back to the points: no non-equi join.
    """
    pts = points.select(model_id=points.model_id, d=points.d, pd=points.d, kind=ibis.literal(0))
    tgs = targets.select(model_id=targets.model_id, d=targets.b, pd=ibis.null().cast("date"), kind=ibis.literal(1))
    union_schema = {"model_id": "string", "d": "date", "pd": "date", "kind": "int8"}
    both = _nullable(pts, union_schema).union(_nullable(tgs, union_schema))
    before = ibis.window(group_by="model_id", order_by=[both.d, both.kind], preceding=None, following=0)
    after = ibis.window(group_by="model_id", order_by=[both.d, both.kind.desc()], preceding=0, following=None)
    both = both.mutate(prev_d=both.pd.max().over(before), next_d=both.pd.min().over(after))
    found = both.filter(both.kind == 1).select(model_id="model_id", b="d", prev_d="prev_d", next_d="next_d")
    prev = points.select(model_id=points.model_id, prev_d=points.d, prev_v=points.v)
    nxt = points.select(model_id=points.model_id, next_d=points.d, next_v=points.v)
    found = found.left_join(prev, ["model_id", "prev_d"]).drop("model_id_right", "prev_d_right")
    found = found.left_join(nxt, ["model_id", "next_d"]).drop("model_id_right", "next_d_right")
    span = days_between(found.next_d, found.prev_d)
    frac = days_between(found.b, found.prev_d).cast("float64") / span.nullif(0).cast("float64")
    value = ibis.cases(
        (found.prev_d.isnull() | found.next_d.isnull(), ibis.null().cast("float64")),
        (span == 0, found.prev_v),
        else_=found.prev_v + (found.next_v - found.prev_v) * frac,
    )
    return found.mutate(value=value)


def model_month_downloads(ctx: MetricContext) -> ir.Table:
    """Per tracked model and month (all months, before --since/--until): model_id, month_start (date),
    month (YYYY-MM), downloads, estimated, cumulative (V at the month's end) and the model's origin and
    size columns from `tracked_models` (org_key, org_name, region, size_bucket, ...)."""
    points = _points(ctx)
    span = points.group_by("model_id").aggregate(lo=points.d.min(), hi=points.d.max())
    lo_m = span.lo.truncate("M")
    n_months = (span.hi.year() - span.lo.year()) * 12 + span.hi.month() - span.lo.month()
    bounds = span.select(model_id=span.model_id, lo_m=lo_m, i=ibis.range(0, n_months + 2).unnest())
    bounds = bounds.select(model_id=bounds.model_id, b=(bounds.lo_m + bounds.i.as_interval("M")).cast("date"))

    at = interpolate_at(points, bounds)
    # clip outside the observed range: 0 before the first point (release, or S0 without estimate: the
    # first month then counts from S0), the last value after the last point (month-to-date)
    first_v = points.group_by("model_id").aggregate(
        hi_d=points.d.max(), last_v=points.v.argmax(points.d), first_v=points.v.argmin(points.d)
    )
    at = at.join(first_v, "model_id")
    value = ibis.cases(
        (at.prev_d.isnull(), at.first_v),
        (at.next_d.isnull(), at.last_v),
        else_=at.value,
    )
    at = at.select("model_id", "b", v=value)
    by_model = ibis.window(group_by="model_id", order_by="b")
    at = at.mutate(b_next=at.b.lead().over(by_model), v_next=at.v.lead().over(by_model))
    months = at.filter(at.b_next.notnull())

    first = first_snapshots(ctx)
    months = months.join(first, "model_id")
    # a month is an estimate when it overlaps (R, S0), the span covered only by virtual points
    estimated = (months.release.notnull() & (months.release < months.s0)) & (
        (months.b < months.s0) & (months.b_next > months.release)
    )
    months = months.select(
        model_id=months.model_id,
        month_start=months.b.cast("date"),
        downloads=months.v_next - months.v,
        cumulative=months.v_next,
        estimated=estimated,
    )
    months = _with_thirty_day_months(ctx, months, points)
    months = months.mutate(month=month_of(months.month_start))
    tracked = tracked_models(ctx)
    tracked = tracked.mutate(size_bucket=tracked.size_bucket.fill_null("unknown"))
    return months.join(tracked, "model_id")


def _with_thirty_day_months(ctx: MetricContext, months: ir.Table, points: ir.Table) -> ir.Table:
    """Estimated months take the scaled 30-day count where a 30-day-only snapshot gives one; models known
    only through 30-day counts get those months (cumulative NULL). See the module docstring."""
    d30 = thirty_day_months(ctx)
    joined = months.left_join(d30, ["model_id", "month_start"])
    joined = joined.drop(*[c for c in joined.columns if c.endswith("_right")])
    use = joined.estimated & joined.d30_downloads.notnull()
    replaced = joined.select(
        "model_id", "month_start", downloads=ibis.cases((use, joined.d30_downloads), else_=joined.downloads),
        cumulative="cumulative", estimated="estimated",
    )  # fmt: skip
    with_points = points.select("model_id").distinct()
    only_d30 = d30.anti_join(with_points, "model_id")
    only_d30 = only_d30.select(
        "model_id", "month_start", downloads=only_d30.d30_downloads,
        cumulative=ibis.null().cast("float64"), estimated=ibis.literal(True),
    )  # fmt: skip
    schema = {"model_id": "string", "month_start": "date", "downloads": "float64", "cumulative": "float64",
              "estimated": "boolean"}  # fmt: skip
    return _nullable(replaced, schema).union(_nullable(only_d30, schema))


def month_window(table: ir.Table, ctx: MetricContext) -> ir.Table:
    """Keep the months that overlap --since/--until (month_start is the first day of the month)."""
    if ctx.since is not None:
        start = ibis.literal(ctx.since, type="date").truncate("M")
        table = table.filter(table.month_start >= start)
    if ctx.until is not None:
        table = table.filter(table.month_start <= ibis.literal(ctx.until, type="date"))
    return table


def grouped_downloads(ctx: MetricContext, by: str) -> ir.Table:
    """The `downloads` output table for a grouping, before notes."""
    keys = _GROUPS[by]
    per_model = model_month_downloads(ctx)
    g = per_model.group_by(["month_start", "month", *keys]).aggregate(
        downloads=per_model.downloads.sum(),
        estimated=per_model.estimated.any(),
        models=per_model.model_id.nunique(),
    )
    running = ibis.window(group_by=list(keys), order_by="month_start", preceding=None, following=0)
    g = g.mutate(cumulative_downloads=g.downloads.sum().over(running))
    g = month_window(g, ctx)
    month_total = g.downloads.sum().over(ibis.window(group_by="month_start"))
    g = g.mutate(share=g.downloads / month_total.nullif(0))
    g = flag_complete(g, latest_snapshot(ctx))
    columns = ("month", *keys, "downloads", "share", "cumulative_downloads", "estimated", "complete", "models")
    return g.select(*columns).order_by(["month", ibis.desc("downloads")])


def download_notes(ctx: MetricContext) -> list[str]:
    """Footer notes shared with `concentration`: unresolved share, estimates, month-to-date, gaps."""
    notes: list[str] = []
    snaps = ctx.table("hf_snapshots")
    span = snaps.aggregate(days=snaps.snapshot_date.nunique(), last=snaps.snapshot_date.max().cast("string"))
    span = span.execute().iloc[0]
    days, last = span["days"], span["last"]
    if not days:
        return [
            "no Hugging Face snapshots in the warehouse yet: run `atomscope collect hf` "
            "(or `atomscope import hub-dump`) to collect them"
        ]
    # the per-model monthly table runs once: one small aggregate per organization, reused below
    per_model = month_window(model_month_downloads(ctx), ctx)
    by_org = (
        per_model.group_by(["org_key", "region"])
        .aggregate(downloads=per_model.downloads.sum(), estimated=per_model.estimated.any())
        .execute()
    )
    total = by_org["downloads"].sum()
    unresolved = by_org[by_org["region"] == UNRESOLVED]
    unresolved_total = unresolved["downloads"].sum()
    if total and unresolved_total:
        orgs = sorted(unresolved["org_key"].unique().tolist())
        shown = ", ".join(orgs[:8]) + (", ..." if len(orgs) > 8 else "")
        notes.append(
            f"unresolved organizations hold {unresolved_total / total:.1%} of downloads "
            f"({len(orgs)} not in the organization registry: {shown}); they are their own group"
        )
    else:
        notes.append("every organization resolved through the registry (unresolved share 0%)")

    if days == 1:
        notes.append(
            f"the warehouse holds a single snapshot day ({last}): its last-30-day counts are the only "
            "measured monthly figures; every month shown is an estimate (30-day count spread over the 30 "
            "days before the snapshot, the rest of the all-time total evenly since release)"
        )
    elif by_org["estimated"].fillna(False).astype(bool).any():
        notes.append(
            "estimated=true rows include downloads from before a model's first snapshot, spread evenly "
            "per day since its release (the last 30-day count over the 30 days before that snapshot)"
        )
    if last is not None:
        notes.append(f"the latest month is month-to-date (snapshots up to {last})")
    notes.extend(history_notes(ctx))

    first = first_snapshots(ctx)
    no_anchor = first.filter(first.release.isnull()).count().execute()
    if no_anchor:
        notes.append(
            f"{no_anchor} model(s) have no release date nor created_at: their downloads before their first "
            "snapshot are not counted"
        )
    tracked = ctx.table("models")
    orphans = snaps.filter(~snaps.model_id.isin(tracked.model_id)).model_id.nunique().execute()
    if orphans:
        notes.append(f"{orphans} snapshotted model(s) are no longer tracked (not in `models`) and are left out")
    return notes


def history_notes(ctx: MetricContext) -> list[str]:
    """Notes on imported history: months from 30-day counts, snapshots left out by quality flags."""
    notes: list[str] = []
    d30 = thirty_day_months(ctx).count().execute()
    if d30:
        notes.append(
            f"{d30} model-month(s) before all-time counts existed (dumps before 2025-02-27 carry 30-day counts "
            "only) take their downloads from the 30-day count at the snapshot nearest the month's end, scaled "
            "to the month's length (estimated=true)"
        )
    try:
        flags = ctx.table("snapshot_quality")
    except Exception:  # noqa: BLE001 - no such table in an older lake
        return notes
    found = flags.group_by("flag").aggregate(n=flags.snapshot_date.nunique()).execute()
    if len(found):
        listed = ", ".join(f"{int(r.n)} {r.flag}" for r in found.sort_values("flag").itertuples())
        notes.append(
            f"imported snapshots flagged by source-quality checks ({listed}; `atomscope quality` lists them) "
            "are kept in the warehouse but not used for interpolation"
        )
    return notes


def compute(ctx: MetricContext) -> MetricResult:
    return MetricResult(table=grouped_downloads(ctx, ctx.by or "region"), notes=download_notes(ctx))


METRIC = register(
    Metric(
        name="downloads",
        title="Hugging Face downloads",
        summary="Monthly and cumulative Hugging Face downloads of tracked models by region, org, model or size",
        source="ATOM Project / The ATOM Report (arXiv:2604.07190): monthly downloads by origin",
        columns={
            "month": "YYYY-MM",
            "region": "origin region of the organization ('unresolved' when not in the registry)",
            "org_key": "organization (--by org; raw Hub namespace when unresolved)",
            "org_name": "organization display name (--by org, --by model)",
            "model_id": "tracked model (--by model)",
            "size_bucket": "ATOM size bucket (--by model, --by size_bucket; 'unknown' when not resolved)",
            "downloads": "growth of downloads_all_time across the month, interpolated at month boundaries",
            "share": "share of the month's downloads over all groups",
            "cumulative_downloads": "running sum of the group's monthly downloads since its first month",
            "estimated": "true when the month includes downloads from before a model's first snapshot, or comes "
            "from a 30-day count (months before all-time counts existed)",
            "complete": "false while the data stops before the month's last day (month-to-date; metrics/periods.py)",
            "models": "number of tracked models contributing",
        },
        compute=compute,
        by_choices=BY_CHOICES,
        default_by="region",
    )
)
