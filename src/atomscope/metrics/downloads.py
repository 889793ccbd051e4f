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
is spread evenly over the 30 days before S0 and the rest evenly from R to S0 - 30. With a single
snapshot day in the warehouse this estimate is all there is: the last-30-day count is the only
measured monthly number, and a note says so. A model with neither a release date nor a created_at gets
no virtual points: its downloads before S0 are not counted (noted). Drops of downloads_all_time between
snapshots (Hub recounts) are kept as negative growth.

Measured and estimated. A model-month's measured part is the growth of V read from all-time snapshots
only: V clipped to [S0, last snapshot], so nothing before S0 counts as measured, and nothing of a month
whose boundary falls between two all-time snapshots more than GAP_DAYS (45) apart (a gap). A cell's
`measured_share` = measured / downloads over its models (clipped to 0..1; 1 for a cell without
downloads); `estimated` = measured_share < `measured_threshold` (parameter, default 0.95). So a month
between monthly snapshots stays measured when a model released mid-month adds its first weeks, while
months of 30-day counts and of first-snapshot estimates are estimated.

Back-cast months. A month before the month of the earliest snapshot in the warehouse (any model) was
never observed: its figures come only from the first-snapshot estimate. They are left out unless
`backcast=true` (then flagged `backcast`); cumulative_downloads still counts them, as the all-time
totals at the snapshots do (metrics/periods.py, `flag_backcast`).

Source quality. Imported snapshots flagged in `snapshot_quality` (rollback, stall, partial: see
collect/hub/quality.py and `atomscope quality`) stay in hf_snapshots but are left out here: no
V(b) is interpolated through them (`usable_snapshots`). A single model's drop that is not part of a
flagged rollback is kept as negative growth.

Months with 30-day counts only. Dumps from before the Hub published all-time counts (hub-stats files
before 2025-02-27) give snapshots with downloads_30d but no downloads_all_time. A month that is not
bracketed by all-time counts (an estimated month, before the model's first all-time snapshot) and has
such a 30-day-only snapshot within 15 days of its end takes its downloads from the 30-day count D30 at
the snapshot nearest the month's end, scaled to the month's length:

    downloads(model, M) = D30(snapshot nearest the end of M) * days_in(M) / 30

measured 0 (a model known only through 30-day counts gets its months this way too; its
cumulative value is then unknown, NULL). Months bracketed by all-time counts are computed as above.

Output columns (`--by region`, the default): month (YYYY-MM), region, downloads, share (of the month's
total over all groups), cumulative_downloads (running sum of the group's monthly downloads since its first
month, including months before --since and back-cast ones), measured_share, estimated, backcast,
complete (false for the month of the latest snapshot unless that snapshot is on its last day:
month-to-date; the rule is metrics/periods.py's), models
(tracked models contributing).
`--by org` replaces region with org_key, org_name, region; `--by model` with model_id, org_name, region,
size_bucket; `--by size_bucket` with size_bucket; `--by hub` with hub (huggingface, modelscope). With
`hubs=both` (always for `--by hub`) ModelScope's months join the Hub's, by the same rule (metrics/hubs.py).
ATOM's "model family" has no defensible machine
definition here, so `--by model` is offered instead. Organizations the registry does not know keep
region 'unresolved' (their raw Hub namespace as org) and a note gives their share of the total.

Evaluation. V(b) only ever reads the last snapshot on or before b and the first on or after it, and for a
month start b both are the first or last snapshot of some month of that model. So hf_snapshots is reduced
once (one aggregation per model and month: first and last point, plus D30 and created_at at the first
point, from which `first_snapshots` also comes), merged with the virtual points into one row per model and
month, and each month is read from those rows (metrics/interpolate.py: one window pass over them brings
each its neighbours' points; no window over the months, no join back to the points). Same numbers as over
all snapshots.

`model_month_downloads(ctx)` (per model and month) is reused by `concentration`; `first_snapshots` and the
interpolation of metrics/interpolate.py by `ram`.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import Metric, MetricContext, MetricResult, ReportPart, register
from atomscope.metrics.common import SNAPSHOTS_HINT
from atomscope.metrics.download_months import (
    MONTHLY_PARAMS,
    POINTS,
    estimated_flag,
    model_month_downloads,
    month_window,
    months_from_points,
    nullable,
    observed_months,
    share_measured,
)
from atomscope.metrics.download_notes import download_notes
from atomscope.metrics.downloads_report import adoption, beyond_hugging_face, findings
from atomscope.metrics.hubs import (
    HUB_PARAMS,
    attribute_modelscope,
    has_modelscope,
    hub_notes,
    modelscope_points,
    wants_both,
)
from atomscope.metrics.periods import flag_complete, latest_snapshot
from atomscope.present.hints import ChartHint

BY_CHOICES = ("region", "org", "model", "size_bucket", "hub")
_GROUPS = {
    "hub": ("hub",),
    "region": ("region",),
    "org": ("org_key", "org_name", "region"),
    "model": ("model_id", "org_name", "region", "size_bucket"),
    "size_bucket": ("size_bucket",),
}


def per_hub(ctx: MetricContext, keys: tuple[str, ...]) -> ir.Table:
    """Per model and month on the hubs asked for (metrics/hubs.py `wants_both`): the Hub's, and ModelScope's
    by the same month rule when the warehouse holds ModelScope snapshots."""
    per_model = model_month_downloads(ctx).mutate(hub=ibis.literal("huggingface"))
    if not wants_both(ctx) or not has_modelscope(ctx):
        return per_model
    observed, virtual, first = modelscope_points(ctx)
    points = nullable(observed, POINTS).union(nullable(virtual, POINTS))
    ms = attribute_modelscope(ctx, months_from_points(points, first)).mutate(hub=ibis.literal("modelscope"))
    columns = {"model_id": "string", "month_start": "date", "month": "string", "downloads": "float64",
               "measured": "float64", "estimated": "boolean", **{k: "string" for k in keys}}  # fmt: skip
    return nullable(per_model, columns).union(nullable(ms, columns))


def grouped_downloads(ctx: MetricContext, by: str) -> ir.Table:
    """The `downloads` output table for a grouping, before notes."""
    keys = _GROUPS[by]
    per_model = per_hub(ctx, keys)
    g = per_model.group_by(["month_start", "month", *keys]).aggregate(
        downloads=per_model.downloads.sum(),
        measured=per_model.measured.sum(),
        models=per_model.model_id.nunique(),
    )
    # the running sum includes back-cast months: a cumulative total at a snapshot is observed
    running = ibis.window(group_by=list(keys), order_by="month_start", preceding=None, following=0)
    g = g.mutate(cumulative_downloads=g.downloads.sum().over(running))
    g = observed_months(month_window(g, ctx), ctx)
    month_total = g.downloads.sum().over(ibis.window(group_by="month_start"))
    g = g.mutate(share=g.downloads / month_total.nullif(0), measured_share=share_measured(g.measured, g.downloads))
    g = g.mutate(estimated=estimated_flag(ctx, g.measured_share))
    g = flag_complete(g, latest_snapshot(ctx))
    columns = ("month", *keys, "downloads", "share", "cumulative_downloads", "measured_share", "estimated")
    return g.select(*columns, "backcast", "complete", "models").order_by(["month", ibis.desc("downloads")])


def compute(ctx: MetricContext) -> MetricResult:
    notes = download_notes(ctx) + hub_notes(ctx)
    return MetricResult(table=grouped_downloads(ctx, ctx.by), notes=notes)


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
            "measured_share": "share of the cell's downloads measured by differences of all-time counts between "
            "snapshots (0..1; the rest: 30-day counts scaled, models first seen within the month, gaps)",
            "estimated": "measured_share below the measured_threshold parameter (default 0.95)",
            "backcast": "month before the month of the earliest snapshot: back-cast from all-time totals "
            "(shown only with backcast=true)",
            "complete": "false while the data stops before the month's last day (month-to-date; metrics/periods.py)",
            "models": "number of tracked models contributing",
            "hub": "huggingface or modelscope (--by hub)",
        },
        compute=compute,
        by_choices=BY_CHOICES,
        default_by="region",
        params={**MONTHLY_PARAMS, **HUB_PARAMS},
        report=ReportPart(
            50,
            lambda inputs: [adoption(inputs.md, inputs.hub), beyond_hugging_face(inputs.md, inputs.con)],
            lambda inputs: findings(inputs.md, inputs.hub),
        ),
        chart=ChartHint(("downloads", "share", "cumulative_downloads"), place=2),
        empty_hints=SNAPSHOTS_HINT,
    )
)
