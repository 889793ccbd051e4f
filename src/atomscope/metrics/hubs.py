"""Downloads on more than one hub: ModelScope's monthly figures beside the Hub's (issue 28).

ModelScope reports one cumulative total per repository (`modelscope_snapshots.downloads`, collected by
`atomscope collect modelscope`), as the Hub reports `downloads_all_time`. Its monthly figures therefore
come from the same rule as the Hub's (`downloads.months_from_points`): the total interpolated linearly at
month boundaries between snapshots, the latest month to date, and before the first snapshot S0 the total
spread evenly from the repository's creation (`created_at`) to S0, those months flagged estimated.
ModelScope gives no 30-day count, so there is no 30-day window point.

Attribution. A repository mapped to a Hub twin (`model_id`, curated or same name under the organization's
alias) takes the twin's origin and size bucket and, `--by model`, the twin's row: its figure adds to the
twin's. An unmapped repository keeps its namespace's organization (`org_key`, resolved at collection) and
is its own row, `modelscope:<namespace>/<name>`, never merged into a Hub model.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.regions import UNRESOLVED
from atomscope.metrics.base import MetricContext, Param
from atomscope.metrics.common import month_of, tracked_models

HUBS = ("huggingface", "modelscope")
UNMAPPED_PREFIX = "modelscope:"
HUB_PARAMS = {
    "hubs": Param(
        str, "huggingface", "huggingface: the Hub alone; both: Hub and ModelScope (--by hub reads both)",
        choices=("huggingface", "both"),
    ),
}  # fmt: skip


def has_modelscope(ctx: MetricContext) -> bool:
    """Whether the warehouse (or lake) holds any ModelScope snapshot."""
    try:
        snaps = ctx.table("modelscope_snapshots")
    except Exception:  # noqa: BLE001 - a warehouse or lake from before the table existed
        return False
    return bool(ctx.execute(snaps.filter(snaps.downloads.notnull()).count()))


def modelscope_points(ctx: MetricContext) -> tuple[ir.Table, ir.Table, ir.Table]:
    """ModelScope's cumulative totals as `downloads.months_from_points` reads them, keyed by modelscope_id:
    the observed points (model_id, d, v, virtual), the virtual (creation, 0) points, and `first` (model_id,
    s0, a0, release = the repository's creation day)."""
    snaps = ctx.table("modelscope_snapshots")
    snaps = snaps.filter(snaps.downloads.notnull())
    d = snaps.snapshot_date.cast("date")
    observed = snaps.select(model_id=snaps.modelscope_id, d=d, v=snaps.downloads.cast("float64"),
                            virtual=ibis.literal(False))  # fmt: skip
    first = snaps.group_by(snaps.modelscope_id.name("model_id")).aggregate(
        s0=d.min(), a0=snaps.downloads.cast("float64").argmin(d), release=snaps.created_at.cast("date").argmin(d)
    )
    virtual = first.filter(first.release.notnull() & (first.release < first.s0)).select(
        model_id=first.model_id, d=first.release, v=ibis.literal(0.0), virtual=ibis.literal(True)
    )
    return observed, virtual, first


def attribute_modelscope(ctx: MetricContext, months: ir.Table) -> ir.Table:
    """ModelScope months (keyed model_id = modelscope_id) with the columns of `model_month_downloads`:
    model_id becomes the Hub twin, or `modelscope:<id>` when unmapped, and origin follows the module docstring."""
    snaps = ctx.table("modelscope_snapshots")
    months = months.rename(modelscope_id="model_id")
    latest = snaps.group_by("modelscope_id").aggregate(
        twin=snaps.model_id.argmax(snaps.snapshot_date), org=snaps.org_key.argmax(snaps.snapshot_date)
    )
    months = months.join(latest, "modelscope_id")
    tracked = tracked_models(ctx)
    tracked = tracked.select(twin="model_id", t_org_key="org_key", t_org_name="org_name", t_region="region",
                             t_size="size_bucket")  # fmt: skip
    orgs = ctx.table("organizations")
    orgs = orgs.select(org="org_key", o_name="display_name", o_region="region")
    months = months.left_join(tracked, "twin").drop("twin_right")
    months = months.left_join(orgs, "org").drop("org_right")
    mapped = months.t_org_key.notnull()
    namespace = months.modelscope_id.split("/")[0]
    return months.select(
        "modelscope_id",
        "month_start",
        "downloads",
        "measured",
        "cumulative",
        "estimated",
        model_id=ibis.cases((mapped, months.twin), else_=UNMAPPED_PREFIX + months.modelscope_id),
        month=month_of(months.month_start),
        org_key=ibis.coalesce(months.t_org_key, months.org, namespace),
        org_name=ibis.coalesce(months.t_org_name, months.o_name, namespace),
        region=ibis.coalesce(months.t_region, months.o_region, ibis.literal(UNRESOLVED)),
        size_bucket=ibis.coalesce(months.t_size, ibis.literal("unknown")),
    )


def wants_both(ctx: MetricContext) -> bool:
    """`--by hub`, or `hubs=both`: the figures of both hubs were asked for."""
    return ctx.by == "hub" or ctx.params.get("hubs") == "both"


def hub_notes(ctx: MetricContext) -> list[str]:
    """What the figures cover: the Hub alone, or both hubs (and the ModelScope caveat)."""
    if not wants_both(ctx):
        return []
    if not has_modelscope(ctx):
        return ["no ModelScope snapshots in the warehouse yet: run `atomscope collect modelscope`; "
                "the figures are Hugging Face's alone"]  # fmt: skip
    return [
        "ModelScope figures are differences of its cumulative download totals (same month rule as the "
        "Hub's); what ModelScope counts as a download is not documented like the Hub's (docs/modelscope.md), "
        "so read the hubs side by side; unmapped ModelScope repositories count for their organization only"
    ]
