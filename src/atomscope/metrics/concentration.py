"""`concentration`: how concentrated each month's downloads are across organizations (HHI, Gini, top-k).

Follows the concentration reading of the ATOM Project's adoption data (Lambert & Brand, "The ATOM
Report", arXiv:2604.07190: a few organizations, Qwen first, hold most downloads) with the standard
measures: the Herfindahl-Hirschman Index as used in antitrust practice (US DOJ/FTC Horizontal Merger
Guidelines) and the Gini coefficient.

Inputs: the per-model monthly downloads of the `downloads` metric (`model_month_downloads`: growth of
`hf_snapshots.downloads_all_time` interpolated at month boundaries, with its flagged first-snapshot
estimate), summed per organization (`organizations`/`org_aliases`). A Hub namespace the registry does not
resolve is its own organization.

Formulas, per month (and per region with `--by region`), over the organizations with positive downloads
that month (a population padded with idle organizations would mostly measure how many the registry
lists; negative growth from Hub recounts is left out the same way):

    s_i   = downloads_i / sum_j downloads_j
    hhi   = 10,000 * sum_i s_i^2        (scale 0..10,000: 10,000 = one organization holds everything;
                                          the DOJ/FTC guidelines call > 1,800 highly concentrated)
    gini  = sum_i (2i - n - 1) * x_i / (n * sum_i x_i), x sorted ascending, i = 1..n
            (0 = all equal; n = 1 gives 0)
    top1_share = max_i s_i;  top5_share = sum of the 5 largest s_i (all of them when n < 5)

Output columns: month (YYYY-MM), region (`--by region` only), organizations (n), downloads (the month's
total), hhi, gini, top1_org (organization key of the largest; ties go to the smaller key), top1_share,
top5_share, measured_share and estimated (the month's share measured by all-time differences, and whether
it falls below `measured_threshold`: the rule of `downloads`), backcast (a month before the month of the
earliest snapshot, left out unless `backcast=true`),
complete (false for the month of the latest snapshot unless that is its last day: metrics/periods.py).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import Metric, MetricContext, MetricResult, register
from atomscope.metrics.common import SNAPSHOTS_HINT
from atomscope.metrics.download_months import (
    MONTHLY_PARAMS,
    estimated_flag,
    model_month_downloads,
    month_window,
    observed_months,
    share_measured,
)
from atomscope.metrics.download_notes import download_notes
from atomscope.metrics.periods import flag_complete, latest_snapshot
from atomscope.present.hints import ChartHint

BY_CHOICES = ("all", "region")


def concentration_table(ctx: MetricContext, by: str) -> ir.Table:
    per_model = model_month_downloads(ctx)
    keys = ["month_start", "month"] + (["region"] if by == "region" else [])
    orgs = per_model.group_by([*keys, "org_key"]).aggregate(
        x=per_model.downloads.sum(), measured=per_model.measured.sum()
    )
    orgs = observed_months(month_window(orgs.filter(orgs.x > 0), ctx), ctx)
    whole = ibis.window(group_by=keys)
    largest_first = ibis.window(group_by=keys, order_by=[ibis.desc("x"), "org_key"])
    smallest_first = ibis.window(group_by=keys, order_by=["x", "org_key"])
    orgs = orgs.mutate(
        total=orgs.x.sum().over(whole),
        n=orgs.org_key.count().over(whole),
        rank_desc=ibis.row_number().over(largest_first) + 1,
        rank_asc=ibis.row_number().over(smallest_first) + 1,
    )
    orgs = orgs.mutate(share=orgs.x / orgs.total)
    gini_term = (2 * orgs.rank_asc - orgs.n - 1).cast("float64") * orgs.x
    out = orgs.group_by(keys).aggregate(
        organizations=orgs.org_key.count(),
        downloads=orgs.x.sum(),
        hhi=(orgs.share * orgs.share).sum() * 10_000,
        gini_num=gini_term.sum(),
        top1_org=orgs.org_key.max(where=orgs.rank_desc == 1),
        top1_share=orgs.share.max(),
        top5_share=orgs.share.sum(where=orgs.rank_desc <= 5),
        measured=orgs.measured.sum(),
        backcast=orgs.backcast.any(),
    )
    out = out.mutate(
        gini=out.gini_num / (out.organizations.cast("float64") * out.downloads),
        measured_share=share_measured(out.measured, out.downloads),
    )
    out = out.mutate(estimated=estimated_flag(ctx, out.measured_share))
    out = flag_complete(out, latest_snapshot(ctx))
    columns = ["month", *keys[2:], "organizations", "downloads", "hhi", "gini", "top1_org", "top1_share"]
    flags = ("measured_share", "estimated", "backcast", "complete")
    return out.select(*columns, "top5_share", *flags).order_by(keys[1:])


def compute(ctx: MetricContext) -> MetricResult:
    notes = [
        "each organization the registry does not resolve counts as its own organization (its Hub namespace)",
        *download_notes(ctx),
    ]
    return MetricResult(table=concentration_table(ctx, ctx.by), notes=notes)


METRIC = register(
    Metric(
        name="concentration",
        title="Download concentration",
        summary="Monthly concentration of downloads across organizations: HHI, Gini, top-1 and top-5 share",
        source="HHI (DOJ/FTC merger guidelines, 0-10,000 scale) and Gini over the ATOM monthly downloads",
        columns={
            "month": "YYYY-MM",
            "region": "origin region (--by region only; concentration within the region)",
            "organizations": "organizations with positive downloads in the month",
            "downloads": "the month's downloads over those organizations",
            "hhi": "Herfindahl-Hirschman index, 10,000 x sum of squared shares (0..10,000)",
            "gini": "Gini coefficient of the organizations' downloads (0 = equal)",
            "top1_org": "organization key with the largest downloads",
            "top1_share": "share of the largest organization",
            "top5_share": "share of the five largest organizations",
            "measured_share": "share of the month's downloads measured by all-time differences (as in downloads)",
            "estimated": "measured_share below the measured_threshold parameter (default 0.95)",
            "backcast": "month before the month of the earliest snapshot (shown only with backcast=true)",
            "complete": "false while the data stops before the month's last day (month-to-date; metrics/periods.py)",
        },
        compute=compute,
        by_choices=BY_CHOICES,
        default_by="all",
        params=MONTHLY_PARAMS,
        chart=ChartHint(("hhi", "top1_share", "gini"), place=7),
        empty_hints=SNAPSHOTS_HINT,
    )
)
