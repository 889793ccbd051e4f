"""`derivatives`: new Hub derivatives per month by the region (or organization, or model) of their root.

Follows the ATOM Project's derivative counts (Lambert & Brand, "The ATOM Report", arXiv:2604.07190:
fine-tunes, adapters, quantizations and merges of each tracked model; a derivative counts only with more
than 5 downloads; Qwen's derivative share rose from 1% to 69%).

Inputs: `hub_models` (created_at, downloads_30d as of the crawl's last sighting), `derivative_edges`
(child -> parent with relation), `models` (tracked roots) with their origin through `tracked_models`.

Counting rules:
- A derivative is a `hub_models` row that is not itself a tracked model, with
  downloads_30d > min_downloads (param, default 5: ATOM's "more than 5 downloads").
- Its month is the month of `hub_models.created_at` (--since/--until apply to created_at).
- Its relation is that of its own (direct) edge; a child whose direct edges disagree takes the most
  specific one: merge > adapter > quantized > finetune.
- Its roots are the tracked models reached through `derivative_edges` transitively
  (`lineage.derivative_roots`: the walk stops at the first tracked model on each path, up to
  `max_depth` levels, default 10). A derivative with n distinct roots gives each root 1/n: a merge of a
  Qwen and a Llama model counts 0.5 for China and 0.5 for the US, so every total over roots, regions or
  organizations equals the number of derivatives (counts can be fractional). Derivatives of
  derivatives count in their own month like any other.
- A qualifying derivative that reaches no tracked model (its lineage ends at an untracked base) is left
  out and counted in a note, as are lineages cut at max_depth.

Output columns by grouping (`--by region`, the default): month (YYYY-MM), region, relation,
new_derivatives, share (of the month's new derivatives over all regions and relations; summing a
region's relations gives its share). `--by org`: month, org_key, org_name, region, new_derivatives,
share. `--by root`: month, root_id, org_name, region, new_derivatives, share, rank (1 = most new
derivatives that month; param `top`, default 10, keeps ranks <= top, 0 keeps all). Every grouping also
has `complete`: false for the month of the latest crawl (unless on its last day), whose derivatives are
counted to date only (metrics/periods.py).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import (
    Metric,
    MetricContext,
    MetricResult,
    NotesPlan,
    Param,
    ReportPart,
    planned_result,
    register,
)
from atomscope.metrics.common import CRAWL_HINTS, count_true, listed_notes, month_of, tracked_models, within
from atomscope.metrics.frames import CROSSOVER_PERIODS, MetricData, Unavailable, crossover, metric_frame
from atomscope.metrics.periods import flag_complete, latest_crawl
from atomscope.present import charts
from atomscope.present.hints import ChartHint
from atomscope.present.layout import Chart, Section, hub_missing
from atomscope.present.wording import Finding, adjective, estimated_run, number, quoted_month, rival_of
from atomscope.warehouse.lineage import DEFAULT_MAX_DEPTH, derivative_roots, lineage_cut
from atomscope.warehouse.provenance import HubStatus

BY_CHOICES = ("region", "org", "root")
RELATIONS = ("merge", "adapter", "quantized", "finetune")  # precedence: first wins
MAX_DEPTH_LIMIT = 20  # each level is one more join in the unrolled closure; 30 outgrows the compiler's recursion


def qualifying_derivatives(ctx: MetricContext) -> ir.Table:
    """model_id, created_at, month_start, month of hub models above the download floor, not tracked."""
    hub = ctx.table("hub_models")
    tracked = ctx.table("models")
    hub = hub.anti_join(tracked, hub.model_id == tracked.model_id)
    hub = hub.filter(hub.created_at.notnull() & (hub.downloads_30d > ctx.params["min_downloads"]))
    hub = within(hub, "created_at", ctx)
    return hub.select(
        model_id=hub.model_id,
        month_start=hub.created_at.cast("date").truncate("M"),
        month=month_of(hub.created_at),
    )


def direct_relation(ctx: MetricContext) -> ir.Table:
    """child_id, relation: the most specific relation among a child's direct edges."""
    edges = ctx.table("derivative_edges")
    rank = ibis.cases(*((edges.relation == name, i) for i, name in enumerate(RELATIONS)), else_=len(RELATIONS))
    best = edges.mutate(rank=rank).group_by("child_id").aggregate(rank=ibis._.rank.min())
    relation = ibis.cases(*((best.rank == i, name) for i, name in enumerate(RELATIONS)), else_="other")
    return best.select(child_id=best.child_id, relation=relation)


def credited_derivatives(ctx: MetricContext) -> ir.Table:
    """One row per qualifying derivative and root: model_id, month_start, month, relation, root_id,
    credit (1/number of roots), depth, and the root's org_key, org_name, region."""
    derivs = qualifying_derivatives(ctx)
    roots = derivative_roots(ctx, ctx.params["max_depth"])
    n_roots = roots.group_by("child_id").aggregate(n_roots=roots.root_id.count())
    roots = roots.join(n_roots, "child_id")
    relation = direct_relation(ctx).rename(relation_child="child_id")
    rows = derivs.join(roots, derivs.model_id == roots.child_id)
    rows = rows.join(relation, rows.model_id == relation.relation_child)
    tracked = tracked_models(ctx).select("model_id", "org_key", "org_name", "region")
    tracked = tracked.rename(root_key="model_id")
    rows = rows.join(tracked, rows.root_id == tracked.root_key)
    return rows.select(
        "model_id",
        "month_start",
        "month",
        "relation",
        "root_id",
        "depth",
        "org_key",
        "org_name",
        "region",
        credit=1.0 / rows.n_roots.cast("float64"),
    )


def derivatives_table(ctx: MetricContext, by: str) -> ir.Table:
    rows = credited_derivatives(ctx)
    keys = {
        "region": ["region", "relation"],
        "org": ["org_key", "org_name", "region"],
        "root": ["root_id", "org_name", "region"],
    }[by]
    g = rows.group_by(["month_start", "month", *keys]).aggregate(new_derivatives=rows.credit.sum())
    month_total = g.new_derivatives.sum().over(ibis.window(group_by="month_start"))
    g = g.mutate(share=g.new_derivatives / month_total)
    g = flag_complete(g, latest_crawl(ctx))
    columns = ["month", *keys, "new_derivatives", "share", "complete"]
    if by == "root":
        # credits are sums of 1/n: equal counts must tie (then root_id decides), whatever order the
        # engine summed them in (6 x 1/6 is 0.9999999999999999 or 1.0 depending on it)
        tied = g.new_derivatives.round(9)
        order = ibis.window(group_by="month_start", order_by=[ibis.desc(tied), "root_id"])
        g = g.mutate(rank=ibis.row_number().over(order) + 1)
        if ctx.params["top"] > 0:
            g = g.filter(g.rank <= ctx.params["top"])
        columns.append("rank")
        return g.select(*columns).order_by(["month", "rank"])
    return g.select(*columns).order_by(["month", ibis.desc("new_derivatives"), *keys])


def _notes(ctx: MetricContext) -> NotesPlan:
    floor = ctx.params["min_downloads"]
    derivs = qualifying_derivatives(ctx).select("model_id")
    roots = derivative_roots(ctx, ctx.params["max_depth"])
    n_roots = roots.group_by("child_id").aggregate(n_roots=roots.root_id.count())
    cut = lineage_cut(ctx, ctx.params["max_depth"]).select(cut_id="child_id", is_cut=ibis.literal(True))
    # one query for the three counts: the lineage walk is the costly part, run it once
    per = derivs.left_join(n_roots, derivs.model_id == n_roots.child_id)
    per = per.left_join(cut, per.model_id == cut.cut_id)
    counts = per.aggregate(
        rootless=count_true(per.n_roots.isnull()),
        cut=count_true(per.is_cut.notnull()),
        multi=count_true(per.n_roots > 1),
    )
    notes = [
        f"a derivative counts when its last-30-day downloads exceed {floor} (ATOM's rule), as of the crawl's "
        "last sighting; a derivative with several roots gives each 1/n"
    ]
    shown = [
        ("counts", "rootless", "{n} qualifying derivative(s) reach no tracked model and are left out", "nonzero"),
        (
            "counts",
            "cut",
            f"{{n}} derivative(s) have lineage deeper than max_depth={ctx.params['max_depth']} (or a cycle): roots "
            "beyond it are not followed",
            "nonzero",
        ),
        ("counts", "multi", "{n} derivative(s) have several roots and are split between them", "nonzero"),
    ]
    return listed_notes(notes, {"counts": counts}, shown)


def compute(ctx: MetricContext) -> MetricResult:
    return planned_result(ctx, derivatives_table(ctx, ctx.by), _notes(ctx))


def section(md: MetricData, hub: HubStatus) -> Section:
    section = Section(
        "derivatives",
        "Derivatives: fine-tunes, adapters, quantizations and merges",
        "New Hugging Face models built on the tracked models, by region of the base model's organization.",
    )
    if not hub.has_derivatives:
        section.missing.append(hub_missing("derivative listing"))
        return section
    df = metric_frame(section, md, "derivatives")
    if df is not None:
        periods = charts.finished_periods(df, ["month", "region", "new_derivatives"])
        data = periods.data.groupby(["month", "region"], as_index=False)["new_derivatives"].sum()
        section.charts.append(
            Chart(
                "derivatives_monthly",
                "New derivatives per month, by region of the base model",
                f"All relations (fine-tune, adapter, quantized, merge) together. {periods.caption()}".strip(),
                "metric `derivatives` over tables `derivative_edges`, `hub_models` (Hugging Face Hub API)",
                data,
                charts.stacked_bars(data, "month", "new_derivatives", y_title="New derivatives", x_kind="month"),
            )
        )
    return section


def findings(md: MetricData, hub: HubStatus) -> list[Finding]:
    if not hub.has_derivatives:
        return []
    try:
        df = md.get("derivatives").frame
    except Unavailable:
        return []
    if df.empty:
        return []
    quoted = quoted_month(df)
    now = df[df["month"] == quoted.month].groupby("region")["new_derivatives"].sum().sort_values(ascending=False)
    lead = now.index[0]
    text = f"{quoted.phrase()}, {number(now[lead])} new Hugging Face derivatives were built on {adjective(lead)} models"
    values = {"month": quoted.month, "region": lead, "count": float(now[lead]), "to_date": quoted.to_date}
    rival = rival_of(lead, list(now.index))
    if rival is not None:
        text += f", {number(now[rival])} on {adjective(rival)} ones"
        values.update(rival=rival, rival_count=float(now[rival]))
    text += quoted.qualifier("the derivatives")
    cross = crossover(md, "derivative_share", lead, rival)
    if cross is not None:
        text += (
            f"; by the crossover rule ({CROSSOVER_PERIODS}+ consecutive finished months ahead), "
            f"{adjective(lead)} models first drew more new derivatives than {adjective(rival)} ones in "
            f"{cross['crossover_period']} and stayed ahead {int(cross['periods_ahead'])} months"
            f"{estimated_run(cross)}"
        )
        values.update(crossover=cross["crossover_period"], crossover_months=int(cross["periods_ahead"]))
    return [Finding("derivatives_month", text + ".", "derivatives_monthly", values)]


METRIC = register(
    Metric(
        name="derivatives",
        title="Derivatives of tracked models",
        summary="New Hub derivatives per month by their root's region, organization or model, and relation",
        source="ATOM Project / The ATOM Report (arXiv:2604.07190): derivatives with more than 5 downloads",
        columns={
            "month": "YYYY-MM of the derivative's hub created_at",
            "region": "origin region of the root's organization",
            "relation": "the derivative's own relation: finetune, adapter, quantized or merge (--by region)",
            "org_key": "root's organization (--by org)",
            "org_name": "root's organization display name (--by org, --by root)",
            "root_id": "tracked root model (--by root)",
            "new_derivatives": "derivatives created that month, 1/n per root for n roots",
            "share": "share of the month's new derivatives",
            "complete": "false while the crawl stops before the month's last day (to date; metrics/periods.py)",
            "rank": "rank of the root within the month (--by root)",
        },
        compute=compute,
        by_choices=BY_CHOICES,
        default_by="region",
        params={
            "min_downloads": Param(int, 5, "count derivatives with last-30-day downloads above this (ATOM: 5)"),
            "max_depth": Param(
                int, DEFAULT_MAX_DEPTH, "longest derivative chain followed to the root", min=1, max=MAX_DEPTH_LIMIT
            ),
            "top": Param(int, 10, "--by root: keep the top N roots per month (0 = all)", min=0),
        },
        report=ReportPart(
            70, lambda inputs: [section(inputs.md, inputs.hub)], lambda inputs: findings(inputs.md, inputs.hub)
        ),
        chart=ChartHint(("new_derivatives", "share"), place=5),
        empty_hints=CRAWL_HINTS,
        sql_reads_data=False,
    )
)
