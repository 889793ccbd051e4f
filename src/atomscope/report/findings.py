"""Headline findings: every sentence is written from metric values, and links to the chart it comes from.

Each finding keeps the numbers it quotes in `values`, so readers (and tests) can trace them. A finding
whose metric is unavailable is simply not written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from atomscope.domain import regions
from atomscope.report.data import MetricData, Unavailable
from atomscope.report.section_availability import findings as availability_findings
from atomscope.report.section_runnability import findings as runnability_findings
from atomscope.report.wording import RIVALS, Finding, adjective, day, noun, number, percent
from atomscope.warehouse import queries
from atomscope.warehouse.provenance import HubStatus


def rival_of(region: str, ranked: list[str]) -> str | None:
    """Whom to compare a leader with: China <-> US, otherwise the runner-up."""
    if region in RIVALS:
        other = RIVALS[1 - RIVALS.index(region)]
        if other in ranked:
            return other
    rest = [r for r in ranked if r != region]
    return rest[0] if rest else None


def _rank_key(region: str) -> int:
    return regions.rank(region)


def leader_streak(leaders: list[tuple[Any, str]]) -> tuple[Any, int, tuple[Any, str] | None]:
    """Given (period, leading region) in time order: the first period of the final unbroken run of the
    last leader, its length, and the (period, region) just before the run (None when the run is all)."""
    last = leaders[-1][1]
    i = len(leaders) - 1
    while i > 0 and leaders[i - 1][1] == last:
        i -= 1
    before = leaders[i - 1] if i > 0 else None
    return leaders[i][0], len(leaders) - i, before


CROSSOVER_PERIODS = 3  # the crossover metric's default: consecutive periods ahead


def crossover(md: MetricData, series: str, a: str, b: str | None) -> dict[str, Any] | None:
    """The crossover metric's row for A over B on a series, or None (metric absent, no crossover)."""
    if b is None:
        return None
    try:
        df = md.get("crossover", None, series=series, a=a, b=b, periods=CROSSOVER_PERIODS).frame
    except Unavailable:
        return None
    if df.empty or pd.isna(df["crossover_period"].iloc[0]):
        return None
    return df.iloc[0].to_dict()


def arena(md: MetricData) -> list[Finding]:
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


def _year_leaders(df: pd.DataFrame) -> list[tuple[str, str | None]]:
    """(year, region with strictly the most releases, or None on a tie) in year order."""
    out = []
    for year, g in df.groupby("period", sort=True):
        g = g.sort_values("releases", ascending=False)
        tie = len(g) > 1 and g["releases"].iloc[0] == g["releases"].iloc[1]
        out.append((year, None if tie else g["region"].iloc[0]))
    return out


def releases(md: MetricData) -> list[Finding]:
    try:
        df = md.get("releases", "region", period="year").frame
    except Unavailable:
        return []
    if df.empty:
        return []
    year = df["period"].max()
    now = df[df["period"] == year].sort_values("releases", ascending=False)
    counts = dict(zip(now["region"], now["releases"].astype(int), strict=True))
    leaders = _year_leaders(df)
    lead = leaders[-1][1]
    if lead is None:
        top = now["releases"].iloc[0]
        tied = [r for r, n in counts.items() if n == top]
        text = (
            f"In {year}, Epoch AI's notable-models data credits {' and '.join(noun(r) for r in tied)} with "
            f"{int(top)} open-weight releases each."
        )
        return [Finding("releases_leader", text, "releases_region", {"year": year, "counts": counts})]
    rival = rival_of(lead, list(now["region"]))
    text = f"In {year}, Epoch AI's notable-models data credits {noun(lead)} with {counts[lead]} open-weight releases"
    if rival is not None:
        text += f" and {noun(rival)} with {counts[rival]}"
    start, length, before = leader_streak(leaders)
    if before is None:
        text += f"; {noun(lead)} has had the most every year since {start}"
    elif length > 1:
        text += f"; {noun(lead)} has had the most every year since {start}"
    elif before[1] is not None:
        prev = df[df["period"] == before[0]].set_index("region")["releases"]
        text += (
            f"; in {before[0]}, {noun(before[1])} had the most ({int(prev[before[1]])}, against "
            f"{int(prev.get(lead, 0))} for {noun(lead)})"
        )
    else:
        text += f"; in {before[0]} the top regions were tied"
    values = {"year": year, "region": lead, "counts": counts, "since": start, "years": length, "before": before}
    return [Finding("releases_leader", text + ".", "releases_region", values)]


def openness(md: MetricData) -> list[Finding]:
    try:
        df = md.get("openness", "region").frame
    except Unavailable:
        return []
    if df.empty:
        return []
    systems, truly = int(df["systems"].sum()), int(df["truly_open_systems"].sum())
    restricted = int(df["open_but_restricted_systems"].sum())
    text = (
        f"Of the {systems} systems rated by the European Open Source AI Index, {truly} are truly open "
        f"(open weights, training data and training code, under an open license)"
    )
    values = {"systems": systems, "truly_open": truly, "open_but_restricted": restricted}
    rows = df.set_index("region")
    parts = []
    for region in RIVALS[::-1]:
        if region in rows.index:
            r = rows.loc[region]
            parts.append(
                f"{int(r['truly_open_systems'])} of {noun(region)}'s {int(r['systems'])} "
                f"({percent(r['truly_open_share'])})"
            )
            values[region] = {
                "truly_open": int(r["truly_open_systems"]),
                "systems": int(r["systems"]),
                "share": float(r["truly_open_share"]),
            }
    if parts:
        text += ": " + " and ".join(parts)
    if restricted:
        text += f". {restricted} more would be but for their license (non-commercial, research-only or use-restricted)"
    return [Finding("openness_truly_open", text + ".", "openness_truly_open", values)]


def tracked(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    models = queries.models(con)
    if models.empty:
        return []
    counts = models.groupby("region").size().sort_values(ascending=False)
    total = int(counts.sum())
    top = list(counts.index[:2])
    parts = [f"{int(counts[r]):,} ({percent(counts[r] / total)}) from {adjective(r)} organizations" for r in top]
    text = f"The ATOM Project tracks {total:,} open models on Hugging Face: " + " and ".join(parts) + "."
    values = {"total": total, **{r: int(counts[r]) for r in top}}
    return [Finding("catalog_regions", text, "catalog_region", values)]


@dataclass(frozen=True)
class QuotedMonth:
    """The month a finding quotes, and how it must be qualified: the latest finished month (the metric's
    `complete` column), preferring one measured from snapshots over an estimated one; the unfinished
    month only when no other exists, quoted as "to date"."""

    month: str
    estimated: bool
    to_date: bool

    def phrase(self) -> str:
        return f"In {self.month} (to date)" if self.to_date else f"In {self.month}"

    def qualifier(self, what: str) -> str:
        """The sentence's closing qualification (empty for a finished, measured month)."""
        if self.estimated:
            return f" (estimated: no snapshot measured all {what} of that month; see the method notes)"
        if self.to_date:
            return " (the month is unfinished: counted up to the latest collection)"
        return ""


def quoted_month(df: pd.DataFrame) -> QuotedMonth:
    complete = df["complete"].fillna(False).astype(bool) if "complete" in df else pd.Series(True, index=df.index)
    estimated = df["estimated"].fillna(False).astype(bool) if "estimated" in df else pd.Series(False, index=df.index)
    months = df.assign(_complete=complete, _estimated=estimated).groupby("month")[["_complete", "_estimated"]].any()
    finished = months[months["_complete"]]
    measured = finished[~finished["_estimated"]]
    if not measured.empty:
        return QuotedMonth(str(measured.index.max()), False, False)
    if not finished.empty:
        return QuotedMonth(str(finished.index.max()), True, False)
    latest = str(months.index.max())
    return QuotedMonth(latest, bool(months.loc[latest, "_estimated"]), True)


def _crossover_text(cross: dict[str, Any]) -> str:
    return " (part of that run is estimated, not measured)" if cross.get("estimated") else ""


def downloads(md: MetricData, hub: HubStatus) -> list[Finding]:
    if not hub.has_snapshots:
        return []
    try:
        df = md.get("downloads", "region").frame
    except Unavailable:
        return []
    if df.empty:
        return []
    quoted = quoted_month(df)
    now = df[df["month"] == quoted.month].sort_values("share", ascending=False)
    lead = now.iloc[0]
    text = (
        f"{quoted.phrase()}, models from {adjective(lead['region'])} organizations took {percent(lead['share'])} "
        f"of the tracked models' Hugging Face downloads"
    )
    values = {
        "month": quoted.month,
        "region": lead["region"],
        "share": float(lead["share"]),
        "estimated": quoted.estimated,
        "to_date": quoted.to_date,
    }
    rival = rival_of(lead["region"], list(now["region"]))
    if rival is not None:
        r = now[now["region"] == rival].iloc[0]
        text += f", {adjective(rival)} ones {percent(r['share'])}"
        values.update(rival=rival, rival_share=float(r["share"]))
    text += quoted.qualifier("the downloads")
    cross = crossover(md, "downloads_share", lead["region"], rival)
    if cross is not None:
        # the month from which the lead region stays ahead, with its figures (never a back-cast month:
        # the series leaves those out)
        months, stays = int(cross["periods_ahead"]), bool(cross.get("stays_ahead"))
        held = f"has stayed ahead since ({months} finished months)" if stays else f"stayed ahead {months} months"
        text += (
            f"; by the crossover rule ({CROSSOVER_PERIODS}+ consecutive finished months ahead), their share "
            f"overtook {adjective(rival)} models' in {cross['crossover_period']} ({percent(cross['a_value'])} "
            f"against {percent(cross['b_value'])}) and {held}{_crossover_text(cross)}"
        )
        values.update(
            crossover=cross["crossover_period"],
            crossover_months=months,
            crossover_stays_ahead=stays,
            crossover_share=float(cross["a_value"]),
            crossover_rival_share=float(cross["b_value"]),
            crossover_estimated=bool(cross.get("estimated")),
        )
    return [Finding("downloads_share", text + ".", "downloads_share", values)]


def derivatives(md: MetricData, hub: HubStatus) -> list[Finding]:
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
            f"{_crossover_text(cross)}"
        )
        values.update(crossover=cross["crossover_period"], crossover_months=int(cross["periods_ahead"]))
    return [Finding("derivatives_month", text + ".", "derivatives_monthly", values)]


def collect(md: MetricData, con: duckdb.DuckDBPyConnection, hub: HubStatus) -> list[Finding]:
    return [
        *arena(md),
        *releases(md),
        *openness(md),
        *tracked(con),
        *downloads(md, hub),
        *derivatives(md, hub),
        *availability_findings(md),
        *runnability_findings(md),
    ]
