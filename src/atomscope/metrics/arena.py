"""Metric `arena`: the performance race between regions on the LMArena (Chatbot Arena) text leaderboard.

Input: `arena_scores` (every committed version of the public LMArena text leaderboard, one row per
snapshot_date and model, with the license string LMArena publishes). Origins: `organization` resolved
through the curated registry (`attribute(..., "lmarena")`); names it does not know form the group
`unresolved`.

Formula, per snapshot date d (dates filtered by --since/--until):

* open-weight model: one status per model for all its snapshots (metrics/arena_status.py): its curated
  correction (arena_open_weight_corrections.csv: entries never released or mislabelled) if any, else its
  LATEST label, open when the license classifies (domain/licenses.py) as permissive,
  open_weight_restricted or non_commercial; closed model: every other one (proprietary, or a license
  LMArena leaves empty / "N/A" / "Other" - never counted as open). Models whose label flips between open
  and closed are listed in the notes;
* open rank: the models that are open-weight at d ordered by arena_score descending, ties broken by
  model name; the top 10 open-weight models are the first ten of that order;
* per group g (region by default, organization with --by org):
  best_open_model / best_open_org / best_open_score = the first open-weight model of g in that order,
  open_models = open-weight models of g on the board at d,
  top10_open_count = how many of the top 10 open-weight models at d belong to g,
  leads_open = g holds the best open-weight model at d;
* on every row of date d: best_closed_model / best_closed_score = the best closed model at d, and
  open_closed_gap = best_closed_score - (best open-weight score at d over all groups), in Arena
  (Elo-scale) points; positive when a closed model leads.

A group appears at d only when it has at least one open-weight model on the board at d.

Source followed: The ATOM Project (atomproject.ai) compares Chinese and American open models by their
best LMArena scores and their share of the top open models over time; leaderboard data from
lmarena.ai via github.com/fboulnois/llm-leaderboard-csv (see data/SOURCES.md).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain import regions
from atomscope.metrics.arena_status import model_status, status_queries
from atomscope.metrics.base import Metric, MetricContext, MetricResult, NotesPlan, ReportPart, planned_result, register
from atomscope.metrics.common import UNRESOLVED, attribute, within
from atomscope.metrics.frames import CROSSOVER_PERIODS, MetricData, Unavailable, crossover, metric_frame, to_dates
from atomscope.present import charts
from atomscope.present.arena_notes import TOP_N
from atomscope.present.hints import ChartHint
from atomscope.present.layout import Chart, Section
from atomscope.present.wording import Finding, day, leader_streak, noun, number, rival_of


def _scored(ctx: MetricContext) -> ir.Table:
    scores = within(ctx.table("arena_scores"), "snapshot_date", ctx)
    status = model_status(ctx).rename(status_model="model")
    scores = scores.join(status, scores.model == status.status_model)
    scores = attribute(scores, "organization", ctx, "lmarena")
    return scores.select(
        snapshot_date=scores.snapshot_date.cast("date"),
        model=scores.model,
        arena_score=scores.arena_score.cast("float64"),
        is_open=scores.is_open,
        repo_model_id=scores.repo_model_id,
        org_key=scores.org_key,
        org_name=scores.org_name,
        region=scores.region,
    )


def _first(table: ir.Table, group: list[str]) -> ir.Table:
    """Number rows within `group` from 0 by arena_score descending, then model name."""
    window = ibis.window(group_by=[table[c] for c in group], order_by=[table.arena_score.desc(), table.model])
    return table.mutate(_pos=ibis.row_number().over(window))


def compute(ctx: MetricContext) -> MetricResult:
    by = ctx.by
    scores = _scored(ctx)
    keys = ["region"] if by == "region" else ["org_key", "org_name", "region"]

    open_models = scores.filter(scores.is_open)
    open_models = _first(open_models, ["snapshot_date"]).rename(open_rank="_pos")
    open_models = _first(open_models, ["snapshot_date", *keys]).rename(group_pos="_pos")

    per_group = open_models.group_by(["snapshot_date", *keys]).aggregate(
        open_models=open_models.count(),
        top10_open_count=ibis.ifelse(open_models.open_rank < TOP_N, 1, 0).sum(),
    )
    best = open_models.filter(open_models.group_pos == 0)
    best = best.select(
        "snapshot_date",
        *keys,
        best_open_model=best.model,
        best_open_org=best.org_name,
        best_open_score=best.arena_score,
        best_open_model_id=best.repo_model_id,
        leads_open=best.open_rank == 0,
    )
    leader = open_models.filter(open_models.open_rank == 0)
    leader = leader.select(leader_date=leader.snapshot_date, leader_score=leader.arena_score)

    closed = scores.filter(~scores.is_open)
    closed = _first(closed, ["snapshot_date"])
    closed = closed.filter(closed._pos == 0)
    closed = closed.select(
        closed_date=closed.snapshot_date, best_closed_model=closed.model, best_closed_score=closed.arena_score
    )

    joined = per_group.join(best, ["snapshot_date", *keys])
    joined = joined.join(leader, joined.snapshot_date == leader.leader_date)
    joined = joined.left_join(closed, joined.snapshot_date == closed.closed_date)
    group_cols = ["region"] if by == "region" else [joined.org_name.name("org"), "region"]
    result = joined.select(
        "snapshot_date",
        *group_cols,
        "best_open_model",
        "best_open_org",
        "best_open_score",
        "best_open_model_id",
        joined.top10_open_count.cast("int64").name("top10_open_count"),
        "open_models",
        "leads_open",
        "best_closed_model",
        "best_closed_score",
        (joined.best_closed_score - joined.leader_score).name("open_closed_gap"),
    )
    order = ["snapshot_date", "region"] if by == "region" else ["snapshot_date", "org"]
    result = result.order_by(order)

    unresolved = scores.filter(scores.region == UNRESOLVED)
    unresolved = unresolved.aggregate(n=unresolved.count(), names=unresolved.org_name.fill_null("(none)").nunique())
    queries = {**status_queries(ctx), "unresolved": unresolved}
    return planned_result(ctx, result, NotesPlan(queries, "atomscope.present.arena_notes:notes"))


SRC_ARENA = "metric `arena` over table `arena_scores` (lmarena_text_history.csv: LMArena text leaderboard history)"


def section(md: MetricData) -> Section:
    section = Section(
        "performance",
        "The performance race",
        "Best open-weight model per region on each LMArena (Chatbot Arena) text leaderboard snapshot, and how "
        "far the best closed model is ahead.",
    )
    df = metric_frame(section, md, "arena")
    if df is None:
        return section
    best = to_dates(df[["snapshot_date", "region", "best_open_model", "best_open_score"]], "snapshot_date")
    section.charts.append(
        Chart(
            "arena_best_open",
            "Best open-weight Arena score, by region of the developer",
            "Each point is the highest Arena score among a region's open-weight models on that snapshot.",
            SRC_ARENA,
            best,
            charts.lines(best, "snapshot_date", "best_open_score", y_title="Arena score"),
        )
    )
    gap = df.drop_duplicates("snapshot_date")[
        ["snapshot_date", "best_closed_model", "best_closed_score", "open_closed_gap"]
    ].dropna(subset=["open_closed_gap"])
    gap = to_dates(gap, "snapshot_date")
    section.charts.append(
        Chart(
            "arena_gap",
            "Open–closed gap: best closed score minus best open-weight score",
            "Positive when a closed model leads; in Arena (Elo-scale) points.",
            SRC_ARENA,
            gap,
            charts.lines(gap, "snapshot_date", "open_closed_gap", y_title="Points", color=None),
        )
    )
    top = to_dates(df[["snapshot_date", "region", "top10_open_count"]], "snapshot_date")
    section.charts.append(
        Chart(
            "arena_top10",
            "Who holds the 10 best open-weight models",
            "Count of the ten highest-scoring open-weight models on each snapshot, by region.",
            SRC_ARENA,
            top,
            charts.stacked_area(top, "snapshot_date", "top10_open_count", y_title="Models in the open top 10"),
        )
    )
    return section


def _rank_key(region: str) -> int:
    return regions.rank(region)


def findings(md: MetricData) -> list[Finding]:
    try:
        df = md.get("arena").frame
    except Unavailable:
        return []
    if df.empty:
        return []
    df = df.sort_values(["snapshot_date", "best_open_score"], ascending=[True, False])
    latest = df["snapshot_date"].max()
    now = df[df["snapshot_date"] == latest]
    lead = now[now["leads_open"]].iloc[0]
    ranked = list(now.sort_values("best_open_score", ascending=False)["region"])
    out: list[Finding] = []
    rival = rival_of(lead["region"], ranked)
    text = (
        f"On the latest LMArena snapshot ({day(latest)}), the best open-weight model comes from "
        f"{noun(lead['region'])}: {lead['best_open_model']} by {lead['best_open_org']} scores "
        f"{number(lead['best_open_score'])}"
    )
    values = {
        "date": day(latest),
        "region": lead["region"],
        "model": lead["best_open_model"],
        "score": float(lead["best_open_score"]),
    }
    repo = lead.get("best_open_model_id")
    if isinstance(repo, str) and repo:
        text += f" (weights tracked at {repo} on Hugging Face)"
        values["model_id"] = repo
    if rival is not None:
        other = now[now["region"] == rival].iloc[0]
        margin = float(lead["best_open_score"] - other["best_open_score"])
        text += (
            f", {number(margin)} points above the best from {noun(rival)} "
            f"({other['best_open_model']}, {number(other['best_open_score'])})"
        )
        values.update(
            rival=rival,
            rival_model=other["best_open_model"],
            rival_score=float(other["best_open_score"]),
            margin=margin,
        )
    out.append(Finding("arena_leader", text + ".", "arena_best_open", values))

    leaders = [(d, g[g["leads_open"]].iloc[0]["region"]) for d, g in df.groupby("snapshot_date", sort=True)]
    start, length, before = leader_streak(leaders)
    who = noun(lead["region"], capital=True)
    if before is None:
        text = f"{who} has held the best open-weight model on all {length} snapshots since {day(start)}"
    else:
        text = (
            f"{who} has held the best open-weight model on every snapshot since {day(start)} ({length} in a "
            f"row); before that, {noun(before[1])} led (last on {day(before[0])})"
        )
    values = {
        "region": lead["region"],
        "since": day(start),
        "snapshots": length,
        "before_region": before[1] if before else None,
        "before_date": day(before[0]) if before else None,
    }
    rival = rival_of(lead["region"], ranked)
    cross = crossover(md, "best_arena_score", lead["region"], rival)
    if cross is not None and day(cross["crossover_period"]) != day(leaders[0][0]):
        text += (
            f". By the crossover rule ({CROSSOVER_PERIODS}+ consecutive snapshots ahead), {noun(lead['region'])}"
            f" first overtook {noun(rival)} on {day(cross['crossover_period'])}"
        )
        values.update(crossover=day(cross["crossover_period"]), crossover_rival=rival)
    out.append(Finding("arena_since", text + ".", "arena_best_open", values))

    top = now[["region", "top10_open_count"]].copy()
    top["rank"] = top["region"].map(_rank_key)
    top = top.sort_values(["top10_open_count", "rank"], ascending=[False, True])
    first = top.iloc[0]
    total = int(top["top10_open_count"].sum())
    text = (
        f"{noun(first['region'], capital=True)} holds {int(first['top10_open_count'])} of the {total} best "
        f"open-weight models on {day(latest)}"
    )
    values = {"date": day(latest), "region": first["region"], "count": int(first["top10_open_count"]), "of": total}
    rival = rival_of(first["region"], list(top["region"]))
    if rival is not None:
        n = int(top[top["region"] == rival]["top10_open_count"].iloc[0])
        text += f"; {noun(rival)} holds {n}"
        values.update(rival=rival, rival_count=n)
    out.append(Finding("arena_top10", text + ".", "arena_top10", values))

    gaps = df.drop_duplicates("snapshot_date").dropna(subset=["open_closed_gap"])
    if not gaps.empty:
        last, first_gap = gaps.iloc[-1], gaps.iloc[0]
        gap, gap0 = float(last["open_closed_gap"]), float(first_gap["open_closed_gap"])
        if gap >= 0:
            text = (
                f"The best closed model ({last['best_closed_model']}, {number(last['best_closed_score'])}) "
                f"leads the best open-weight model by {number(gap)} points on {day(last['snapshot_date'])}"
            )
        else:
            text = (
                f"The best open-weight model leads the best closed model ({last['best_closed_model']}) by "
                f"{number(-gap)} points on {day(last['snapshot_date'])}"
            )
        trend = "down" if abs(gap) < abs(gap0) else "up" if abs(gap) > abs(gap0) else "the same as"
        text += f", {trend} from {number(abs(gap0))} on {day(first_gap['snapshot_date'])}."
        out.append(
            Finding(
                "arena_gap",
                text,
                "arena_gap",
                {
                    "date": day(last["snapshot_date"]),
                    "gap": gap,
                    "closed_model": last["best_closed_model"],
                    "closed_score": float(last["best_closed_score"]),
                    "first_date": day(first_gap["snapshot_date"]),
                    "first_gap": gap0,
                },
            )
        )
    return out


METRIC = register(
    Metric(
        name="arena",
        title="Performance race (LMArena)",
        summary="LMArena race: best open-weight model and top-10 open share per region, open vs closed gap",
        source="The ATOM Project (atomproject.ai) LMArena comparisons; LMArena text leaderboard history",
        columns={
            "snapshot_date": "LMArena leaderboard snapshot date",
            "org": "organization (--by org only)",
            "region": "region of the group (us, china, eu, other, unknown, unresolved)",
            "best_open_model": "the group's highest-scoring open-weight model at that date",
            "best_open_org": "organization of best_open_model",
            "best_open_score": "its Arena score",
            "best_open_model_id": "tracked Hub repository of best_open_model (arena_model_repos.csv), when mapped",
            "top10_open_count": "how many of the 10 best open-weight models at that date are the group's",
            "open_models": "open-weight models of the group on the board at that date",
            "leads_open": "the group holds the best open-weight model at that date",
            "best_closed_model": "best closed (proprietary or unknown-license) model at that date",
            "best_closed_score": "its Arena score",
            "open_closed_gap": "best closed score minus best open-weight score at that date (all groups)",
        },
        compute=compute,
        by_choices=("region", "org"),
        default_by="region",
        report=ReportPart(10, lambda inputs: [section(inputs.md)], lambda inputs: findings(inputs.md)),
        chart=ChartHint(("best_open_score", "top10_open_count", "open_closed_gap"), place=0),
        sql_reads_data=False,
    )
)
