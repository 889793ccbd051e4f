"""Footer notes shared by the metrics built on monthly downloads (`downloads`, `concentration`):
unresolved share, estimated and back-cast months, month-to-date, imported history, models left out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis.expr.types as ir

from atomscope.metrics.base import MetricContext
from atomscope.metrics.common import UNRESOLVED
from atomscope.metrics.download_months import (
    MEASURED_THRESHOLD,
    first_snapshots,
    model_month_downloads,
    month_window,
    observed_months,
    thirty_day_months,
)

if TYPE_CHECKING:
    import pandas as pd


def _counts(ctx: MetricContext) -> ir.Table:
    """One row, every count the notes quote: snapshot days and the last day, models without a release
    anchor, snapshotted models no longer tracked, model-months from 30-day counts. One query (one Spark job)
    instead of one per count."""
    snaps = ctx.table("hf_snapshots")
    span = snaps.aggregate(days=snaps.snapshot_date.nunique(), last=snaps.snapshot_date.max().cast("string"))
    first = first_snapshots(ctx)
    no_anchor = first.filter(first.release.isnull()).aggregate(no_anchor=first.model_id.count())
    tracked = ctx.table("models")
    orphan_rows = snaps.filter(~snaps.model_id.isin(tracked.model_id))
    orphans = orphan_rows.aggregate(orphans=orphan_rows.model_id.nunique())
    d30 = thirty_day_months(ctx)
    d30 = d30.aggregate(d30_months=d30.model_id.count())
    return span.cross_join(no_anchor).cross_join(orphans).cross_join(d30)


def download_notes(ctx: MetricContext) -> list[str]:
    """Footer notes shared with `concentration`: unresolved share, estimates, month-to-date, gaps."""
    notes: list[str] = []
    counts = ctx.execute(_counts(ctx)).iloc[0]
    days, last = counts["days"], counts["last"]
    if not days:
        return [
            "no Hugging Face snapshots in the warehouse yet: run `atomscope collect hf` "
            "(or `atomscope import hub-dump`) to collect them"
        ]
    # the per-model monthly table runs once: one small aggregate per organization, reused below
    per_model = month_window(model_month_downloads(ctx), ctx)
    cells = per_model.group_by(["org_key", "region", "month_start", "month"]).aggregate(
        downloads=per_model.downloads.sum(), measured=per_model.measured.sum()
    )
    cells = ctx.execute(observed_months(cells, ctx))
    by_org = cells.groupby(["org_key", "region"], as_index=False)["downloads"].sum()
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
    notes.extend(_estimate_notes(ctx, cells))
    if last is not None:
        notes.append(f"the latest month is month-to-date (snapshots up to {last})")
    notes.extend(history_notes(ctx, int(counts["d30_months"])))

    no_anchor = int(counts["no_anchor"])
    if no_anchor:
        notes.append(
            f"{no_anchor} model(s) have no release date nor created_at: their downloads before their first "
            "snapshot are not counted"
        )
    orphans = int(counts["orphans"])
    if orphans:
        notes.append(f"{orphans} snapshotted model(s) are no longer tracked (not in `models`) and are left out")
    return notes


def history_notes(ctx: MetricContext, d30: int) -> list[str]:
    """Notes on imported history: `d30` model-months from 30-day counts, snapshots left out by quality flags."""
    notes: list[str] = []
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
    found = ctx.execute(flags.group_by("flag").aggregate(n=flags.snapshot_date.nunique()))
    if len(found):
        listed = ", ".join(f"{int(r.n)} {r.flag}" for r in found.sort_values("flag").itertuples())
        notes.append(
            f"imported snapshots flagged by source-quality checks ({listed}; `atomscope quality` lists them) "
            "are kept in the warehouse but not used for interpolation"
        )
    return notes


def _estimate_notes(ctx: MetricContext, cells: pd.DataFrame) -> list[str]:
    """Which months are estimated (measured share below the threshold) and by how much; back-cast ones."""
    notes: list[str] = []
    threshold = ctx.params.get("measured_threshold", MEASURED_THRESHOLD)
    months = cells.groupby("month")[["downloads", "measured", "backcast"]].agg(
        {"downloads": "sum", "measured": "sum", "backcast": "any"}
    )
    backcast = sorted(months.index[months["backcast"]])
    if backcast:
        notes.append(
            f"back-cast months ({backcast[0]} to {backcast[-1]}, before the month of the earliest snapshot) are "
            "spread back from all-time totals to release dates, never observed (backcast=true)"
        )
    elif not ctx.params.get("backcast"):
        notes.append(
            "months before the month of the earliest snapshot are left out (never observed; backcast=true "
            "adds them, back-cast from all-time totals)"
        )
    observed = months[~months["backcast"]]
    share = (observed["measured"] / observed["downloads"].where(observed["downloads"] != 0)).clip(0, 1).fillna(1.0)
    low = share[share < threshold]
    if len(low):
        shown = ", ".join(f"{m} {s:.0%}" for m, s in low.items())
        notes.append(
            f"estimated months (measured share below {threshold:.0%}: the rest comes from 30-day counts "
            f"scaled, models first seen within the month or gaps between snapshots): {shown} measured"
        )
    return notes
