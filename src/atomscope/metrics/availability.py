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

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import Metric, MetricContext, MetricResult, ReportPart, planned_result, register
from atomscope.metrics.common import (
    AVAILABILITY_HINT,
    SNAPSHOTS_HINT,
    attribute,
    count_true,
    hub_namespace,
    listed_plan,
    month_of,
    within,
)
from atomscope.metrics.frames import MetricData, Unavailable
from atomscope.present import charts
from atomscope.present.hints import ChartHint
from atomscope.present.layout import COLLECT_HINT, Chart, Section, Table
from atomscope.present.wording import Finding, noun, percent

if TYPE_CHECKING:
    import pandas as pd

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
    counts = [("events", ctx.table("availability_events"), HOW_TO_COLLECT, "zero")]
    if ctx.by == "model":
        return planned_result(ctx, _by_model(ctx), listed_plan(notes, counts))
    after = ["unavailable = gated + removed + disabled at the end of the month; renamed models still resolve"]
    return planned_result(ctx, _by_region(ctx), listed_plan(notes, counts, after))


REPORT_SOURCE = (
    "metric `availability --by region` over tables `availability_events` (written by `atomscope collect hf`: "
    "a row when a tracked model's Hub status changes) and `models`"
)
MISSING = (
    "No availability check has been collected into this warehouse yet. "
    f"Run `{COLLECT_HINT}` with the Hub reachable: every run checks each tracked model and records when one is "
    "removed, gated, renamed or disabled; this section fills in on the next `atomscope report`."
)
# a region "stands out" when its unavailable share is at least this multiple of the other regions' together
STANDS_OUT = 2.0
MIN_MODELS = 2  # ... and at least this many of its models are unavailable


def _frames(md: MetricData) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    try:
        by_region = md.get("availability", "region").frame
        by_model = md.get("availability", "model").frame
    except Unavailable:
        return None
    if by_model.empty:
        return None
    return by_region, by_model


def section(md: MetricData) -> Section:
    section = Section(
        "availability",
        "Availability: what disappeared or closed",
        "Depending on open models is a risk if they are suddenly discontinued or closed. Tracked models the Hub "
        "no longer serves as before: removed (404), gated (access must be requested), disabled (403) or renamed.",
    )
    frames = _frames(md)
    if frames is None:
        section.missing.append(MISSING)
        return section
    by_region, by_model = frames
    section.notes.extend(md.get("availability", "region").notes)
    latest = by_region[by_region["month"] == by_region["month"].max()]
    month = str(latest["month"].iloc[0])
    data = latest[
        ["month", "region", "tracked", "removed", "gated", "disabled", "renamed", "unavailable", "unavailable_share"]
    ].reset_index(drop=True)
    section.charts.append(
        Chart(
            "availability_region",
            f"Tracked models removed, gated or disabled on the Hub, by region, {month}",
            "Status at the end of the latest month with a collection; labels give the count of the region's tracked "
            "models and their share. Renamed models still resolve and are listed below.",
            REPORT_SOURCE,
            data,
            charts.region_bars(
                data,
                "unavailable",
                x_title="Tracked models no longer freely downloadable",
                label="datum.unavailable + ' of ' + datum.tracked + ' (' + "
                "format(datum.unavailable_share, '.1%') + ')'",
            ),
        )
    )
    changed = by_model[by_model["status"] != "available"]
    table = changed[["model_id", "org_name", "region", "status", "observed_on", "new_model_id"]]
    section.tables.append(
        Table(
            "availability_models",
            f"Tracked models removed, gated, disabled or renamed ({len(table)})",
            "Latest status per model and the day the collector first saw it; renamed models name their new id.",
            REPORT_SOURCE.replace("--by region", "--by model"),
            table.reset_index(drop=True),
        )
    )
    return section


def findings(md: MetricData) -> list[Finding]:
    """A finding when one region's share of unavailable tracked models stands out from the others'."""
    frames = _frames(md)
    if frames is None:
        return []
    by_region, _ = frames
    latest = by_region[by_region["month"] == by_region["month"].max()]
    month = str(latest["month"].iloc[0])
    total_gone, total = int(latest["unavailable"].sum()), int(latest["tracked"].sum())
    for row in latest.sort_values("unavailable_share", ascending=False).itertuples(index=False):
        others_gone, others = total_gone - int(row.unavailable), total - int(row.tracked)
        others_share = others_gone / others if others else 0.0
        if int(row.unavailable) < MIN_MODELS or row.unavailable_share < STANDS_OUT * others_share:
            continue
        text = (
            f"By the end of {month}, {int(row.unavailable)} of the {int(row.tracked)} tracked models from "
            f"{noun(row.region)} ({percent(row.unavailable_share)}) were removed, gated or disabled on the Hub "
            f"({int(row.removed)} removed, {int(row.gated)} gated, {int(row.disabled)} disabled), against "
            f"{percent(others_share)} of the other regions' models."
        )
        values = {
            "month": month,
            "region": row.region,
            "unavailable": int(row.unavailable),
            "tracked": int(row.tracked),
            "share": float(row.unavailable_share),
            "others_share": others_share,
        }
        return [Finding("availability_region", text, "availability_region", values)]
    return []


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
        report=ReportPart(80, lambda inputs: [section(inputs.md)], lambda inputs: findings(inputs.md)),
        chart=ChartHint(
            ("unavailable", "unavailable_share", "removed", "gated", "disabled", "renamed"),
            place=6,
            by={"model": {"x": "model_id", "x_type": "nominal", "mark": "table"}},
        ),
        empty_hints={**AVAILABILITY_HINT, **SNAPSHOTS_HINT},
        sql_reads_data=False,
    )
)
