"""Metric `availability`: which tracked models disappeared, were gated, renamed or disabled on the Hub.

The ATOM Project's warning: depending on foreign open models is a risk if they are suddenly discontinued
or closed. `atomscope collect hf` watches every tracked model and writes an `availability_events` row only
when a model's status changes: `available`, `gated` (the Hub asks for an access request), `removed` (404),
`renamed` (the Hub redirects to `new_model_id`) or `disabled` (403 "Access to this resource is disabled.").

A model's status at a date is that of its latest event on or before it; a model without events is
available. Origins: the model's Hub namespace through the curated registry (`attribute(..., "hf")`).

* `--by model` (default): one row per model with at least one event, its latest event up to --until (and
  observed on or after --since): model_id, org_name, region, status, observed_on, new_model_id.
* `--by region`: per month with a collection (a Hub snapshot or an availability event that month) and per
  region: the tracked models (the current `models` table) and how many of them are, at the end of the
  month, available / gated / removed / renamed / disabled; `unavailable` = gated + removed + disabled (no
  longer downloadable by anyone without asking; a renamed model still is), `unavailable_share` =
  unavailable / tracked.

Source followed: The ATOM Project (atomproject.ai) on the risk of depending on models that can be
discontinued or closed; statuses as the Hugging Face Hub API answers them (collect/hub/).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import Metric, MetricContext, MetricResult, register
from atomscope.metrics.common import attribute, count_true, hub_namespace, month_of, within

STATUSES = ("available", "gated", "removed", "renamed", "disabled")
UNAVAILABLE = ("gated", "removed", "disabled")
HOW_TO_COLLECT = (
    "no availability checks collected yet: run `atomscope collect hf` with the Hub reachable; every run checks "
    "each tracked model and records when one is removed, gated, renamed or disabled"
)


def _events(ctx: MetricContext) -> ir.Table:
    events = ctx.table("availability_events")
    return events.select(
        "model_id", observed_on=events.observed_on.cast("date"), status=events.status, new_model_id=events.new_model_id
    )


def _by_model(ctx: MetricContext) -> ir.Table:
    events = _events(ctx)
    if ctx.until is not None:
        events = events.filter(events.observed_on <= ibis.literal(ctx.until, type="date"))
    window = ibis.window(group_by=events.model_id, order_by=events.observed_on.desc())
    latest = events.mutate(_pos=ibis.row_number().over(window))
    latest = latest.filter(latest._pos == 0).drop("_pos")
    if ctx.since is not None:
        latest = latest.filter(latest.observed_on >= ibis.literal(ctx.since, type="date"))
    latest = attribute(latest.mutate(namespace=hub_namespace(latest.model_id)), "namespace", ctx, "hf")
    return latest.select("model_id", "org_name", "region", "status", "observed_on", "new_model_id").order_by(
        ["status", "region", "model_id"]
    )


def _months(ctx: MetricContext) -> ir.Table:
    """Months in which something was collected from the Hub (within --since/--until)."""
    snaps = within(ctx.table("hf_snapshots"), "snapshot_date", ctx)
    events = within(_events(ctx), "observed_on", ctx)
    months = snaps.select(month=month_of(snaps.snapshot_date)).union(events.select(month=month_of(events.observed_on)))
    return months.distinct()


def _by_region(ctx: MetricContext) -> ir.Table:
    months = _months(ctx)
    models = ctx.table("models")
    models = attribute(models.select("model_id", "hf_org"), "hf_org", ctx, "hf")
    tracked = models.group_by("region").aggregate(tracked=models.count())

    events = _events(ctx).mutate(event_month=month_of(_events(ctx).observed_on))
    events = events.semi_join(models, events.model_id == models.model_id)
    grid = months.join(events, events.event_month <= months.month)
    latest = grid.group_by([grid.month, grid.model_id]).aggregate(status=grid.status.argmax(grid.observed_on))
    latest = latest.join(models, latest.model_id == models.model_id)
    counts = latest.group_by(["month", "region"]).aggregate(
        **{status: count_true(latest.status == status) for status in STATUSES if status != "available"}
    )

    base = months.cross_join(tracked)
    joined = base.left_join(counts, [base.month == counts.month, base.region == counts.region])
    zero = ibis.literal(0, type="int64")
    changed = {status: joined[status].fill_null(zero) for status in STATUSES if status != "available"}
    unavailable = changed["gated"] + changed["removed"] + changed["disabled"]
    result = joined.select(
        month=base.month,
        region=base.region,
        tracked=base.tracked.cast("int64"),
        available=(base.tracked - unavailable - changed["renamed"]).cast("int64"),
        **changed,
        unavailable=unavailable,
        unavailable_share=unavailable.cast("float64") / base.tracked.cast("float64"),
    )
    return result.order_by(["month", "region"])


def compute(ctx: MetricContext) -> MetricResult:
    notes = [
        "status at a date = the model's latest availability event on or before it; no event = available",
    ]
    n_events = ctx.backend.execute(ctx.table("availability_events").count())
    if not n_events:
        notes.append(HOW_TO_COLLECT)
    if (ctx.by or "model") == "model":
        return MetricResult(_by_model(ctx), notes)
    notes.append("unavailable = gated + removed + disabled at the end of the month; renamed models still resolve")
    return MetricResult(_by_region(ctx), notes)


METRIC = register(
    Metric(
        name="availability",
        title="Models no longer downloadable",
        summary="Tracked models removed, gated, renamed or disabled on the Hub, by model and by month and region",
        source="The ATOM Project (atomproject.ai) on discontinuation risk; Hugging Face Hub API statuses",
        columns={
            "model_id": "tracked model id (--by model)",
            "org_name": "organization of its Hub namespace, through the registry (--by model)",
            "region": "region of the organization (us, china, eu, other, unknown, unresolved)",
            "status": "latest status: available, gated, removed, renamed or disabled (--by model)",
            "observed_on": "day the collector first saw that status (--by model)",
            "new_model_id": "the id the Hub redirects to, for renamed models (--by model)",
            "month": "YYYY-MM, a month with a Hub collection (--by region)",
            "tracked": "tracked models of the region (--by region)",
            "available": "of them, available at the end of the month (--by region)",
            "gated": "gated at the end of the month (--by region)",
            "removed": "removed (404) at the end of the month (--by region)",
            "renamed": "renamed (redirected) at the end of the month (--by region)",
            "disabled": "disabled (403) at the end of the month (--by region)",
            "unavailable": "gated + removed + disabled (--by region)",
            "unavailable_share": "unavailable / tracked (--by region)",
        },
        compute=compute,
        by_choices=("model", "region"),
        default_by="model",
    )
)
