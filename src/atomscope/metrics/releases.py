"""Metric `releases`: notable open-weight model releases per period, by country or region.

Inputs and formulas, by `--by`:

* `country` / `region` (default) - Epoch AI "Notable AI Models" (`epoch_models`). A release is a
  notable model whose `model_accessibility` starts with "Open weights" (unrestricted, restricted use or
  non-commercial), counted in the period of its `publication_date`. `country_of_organization` lists the
  countries of the developing organizations, comma-separated and sometimes repeated ("China,China");
  a model counts ONCE FOR EACH DISTINCT COUNTRY it is credited to (so per-country counts add up to more
  than the number of models), and once for each distinct region of those countries. An empty country
  counts as country "unknown", region "unknown".
* `tracked_region` - the ATOM tracked models (`models` + `model_facts.release_date`, which is ATOM's
  corrected release date or else the Hub creation date), counted per period of release and region of
  the Hugging Face organization (`attribute(..., "hf")`; unknown namespaces are `unresolved`). Models
  without a known release date are left out and counted in a note.

Periods (`--period`): `year` (YYYY), `quarter` (YYYY-Qn) or `month` (YYYY-MM); default year for Epoch,
month for tracked models. --since/--until filter the publication / release date.

Country -> region (COUNTRY_REGION below, Epoch's country names): United States of America -> us;
China and Hong Kong -> china; the EU-27 and the rest of Europe (United Kingdom, Switzerland, Norway,
Iceland, ...) -> eu, as ATOM's own region file does (stabilityai, UK, and swiss-ai, CH, are 'eu');
"Multinational" -> unknown; any other named country (Canada, Korea, Japan, Israel, Singapore, Taiwan,
UAE, Russia, ...) -> other; empty -> unknown.

Source followed: The ATOM Project (atomproject.ai), open model releases by origin; data: Epoch AI,
"Data on AI Models" (epoch.ai, CC BY 4.0) and github.com/Interconnects-AI/tracked-models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from atomscope.metrics.base import Metric, MetricContext, MetricResult, Param, ReportPart, planned_result, register
from atomscope.metrics.common import listed_plan, tracked_models, within
from atomscope.metrics.frames import MetricData, Unavailable, metric_frame
from atomscope.present import charts
from atomscope.present.hints import ChartHint
from atomscope.present.layout import Chart, Section, Table
from atomscope.present.wording import Finding, leader_streak, noun, rival_of

if TYPE_CHECKING:
    import pandas as pd

_EUROPE = (
    "Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark", "Estonia", "Finland",
    "France", "Germany", "Greece", "Hungary", "Ireland", "Italy", "Latvia", "Lithuania", "Luxembourg",
    "Malta", "Netherlands", "Poland", "Portugal", "Romania", "Slovakia", "Slovenia", "Spain", "Sweden",
    "United Kingdom of Great Britain and Northern Ireland", "Switzerland", "Norway", "Iceland",
    "Liechtenstein",
)  # fmt: skip

COUNTRY_REGION: dict[str, str] = {
    "United States of America": "us",
    "China": "china",
    "Hong Kong": "china",
    "Multinational": "unknown",
    "unknown": "unknown",
    **{name: "eu" for name in _EUROPE},
}
OTHER = "other"
PERIODS = ("year", "quarter", "month")
OPEN_KINDS = {
    "unrestricted": "Open weights (unrestricted)",
    "restricted": "Open weights (restricted use)",
    "non_commercial": "Open weights (non-commercial)",
}


def country_region(country: str | None) -> str:
    """Python twin of the Ibis mapping (for tests and reports)."""
    name = (country or "").strip() or "unknown"
    return COUNTRY_REGION.get(name, OTHER)


def _period(value: ir.Value, period: str) -> ir.StringValue:
    day = value.cast("date")
    if period == "year":
        return day.year().cast("string")
    if period == "quarter":
        return day.year().cast("string") + "-Q" + day.quarter().cast("string")
    return day.strftime("%Y-%m")


def _epoch_credits(ctx: MetricContext, period: str) -> ir.Table:
    """One row per (open-weight Epoch model, distinct country credited)."""
    models = ctx.table("epoch_models")
    models = models.filter(models.model_accessibility.startswith("Open weights") & models.publication_date.notnull())
    models = within(models, "publication_date", ctx)
    exploded = models.select(
        models.source_line,
        models.publication_date,
        models.model_accessibility,
        country=models.country_of_organization.fill_null("").split(",").unnest(),
    )
    country = exploded.country.strip()
    exploded = exploded.mutate(country=ibis.ifelse(country == "", "unknown", country))
    exploded = exploded.mutate(
        region=exploded.country.substitute(COUNTRY_REGION, else_=OTHER),
        period=_period(exploded.publication_date, period),
    )
    return exploded.distinct()


def _epoch(ctx: MetricContext, period: str) -> MetricResult:
    credits = _epoch_credits(ctx, period)
    keys = ["period", "country", "region"] if ctx.by == "country" else ["period", "region"]
    if ctx.by == "region":  # a model credited to two countries of one region counts once there
        credits = credits.select("source_line", "model_accessibility", *keys).distinct()
    kind_counts = {
        name: ibis.ifelse(credits.model_accessibility == label, 1, 0).sum().cast("int64")
        for name, label in OPEN_KINDS.items()
    }
    result = credits.group_by(keys).aggregate(releases=credits.count(), **kind_counts).order_by(keys)
    notes = [
        "Epoch notable models with open weights; a model credited to several countries counts once for "
        "each distinct country (and once per distinct region), so the rows add up to more than the "
        "number of models",
    ]
    models = credits.select("source_line").distinct()
    counts = [("models", models, "{n} distinct open-weight models in the selection", "always")]
    return planned_result(ctx, result, listed_plan(notes, counts))


def _tracked(ctx: MetricContext, period: str) -> MetricResult:
    tracked = tracked_models(ctx)
    missing = tracked.filter(tracked.release_date.isnull())
    dated = within(tracked.filter(tracked.release_date.notnull()), "release_date", ctx)
    dated = dated.mutate(period=_period(dated.release_date, period))
    result = dated.group_by(["period", "region"]).aggregate(releases=dated.count()).order_by(["period", "region"])
    notes = ["ATOM tracked models by release date (ATOM's correction, else the Hub creation date)"]
    counts = [("missing", missing, "{n} tracked models without a known release date are left out", "nonzero")]
    return planned_result(ctx, result, listed_plan(notes, counts))


def compute(ctx: MetricContext) -> MetricResult:
    by = ctx.by
    period = ctx.params.get("period") or ("month" if by == "tracked_region" else "year")
    if by == "tracked_region":
        return _tracked(ctx, period)
    return _epoch(ctx, period)


SRC_EPOCH = (
    "metric `releases --by region -p period=year` over table `epoch_models` (epoch_notable_models.csv: Epoch AI, "
    "CC BY 4.0)"
)


def section(md: MetricData) -> Section:
    section = Section(
        "releases",
        "Open-weight releases by country and region",
        "Notable models published with open weights, per year, from Epoch AI's “Data on AI Models”.",
    )
    df = metric_frame(section, md, "releases", "region", period="year")
    if df is None:
        return section
    data = df[["period", "region", "releases"]]
    section.charts.append(
        Chart(
            "releases_region",
            "Notable open-weight releases per year, by region",
            "A model credited to organizations in several regions counts once in each.",
            SRC_EPOCH,
            data,
            charts.stacked_bars(data, "period", "releases", y_title="Open-weight releases", x_kind="year"),
        )
    )
    countries = metric_frame(section, md, "releases", "country", period="year")
    if countries is not None:
        years = sorted(countries["period"].unique())[-3:]
        recent = countries[countries["period"].isin(years)]
        wide = recent.pivot_table(
            index=["country", "region"], columns="period", values="releases", aggfunc="sum", fill_value=0
        )
        wide["total"] = wide.sum(axis=1)
        wide = wide.sort_values("total", ascending=False).head(10).reset_index()
        wide.columns = [str(c) for c in wide.columns]
        section.tables.append(
            Table(
                "releases_country",
                f"Top countries, {years[0]}–{years[-1]}",
                "Open-weight notable releases per country credited by Epoch AI.",
                SRC_EPOCH.replace("--by region", "--by country"),
                wide,
            )
        )
    return section


def _year_leaders(df: pd.DataFrame) -> list[tuple[str, str | None]]:
    """(year, region with strictly the most releases, or None on a tie) in year order."""
    out = []
    for year, g in df.groupby("period", sort=True):
        g = g.sort_values("releases", ascending=False)
        tie = len(g) > 1 and g["releases"].iloc[0] == g["releases"].iloc[1]
        out.append((year, None if tie else g["region"].iloc[0]))
    return out


def findings(md: MetricData) -> list[Finding]:
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


METRIC = register(
    Metric(
        name="releases",
        title="Open-weight releases",
        summary="Open-weight model releases per period by country / region (Epoch) or tracked region (ATOM)",
        source="The ATOM Project release counts by origin; Epoch AI 'Data on AI Models' (CC BY 4.0)",
        columns={
            "period": "YYYY, YYYY-Qn or YYYY-MM (--period)",
            "country": "country credited by Epoch (--by country only)",
            "region": "us, china, eu, other, unknown (Epoch) / also unresolved (tracked_region)",
            "releases": "open-weight releases in the period",
            "unrestricted": "of which 'Open weights (unrestricted)' (Epoch only)",
            "restricted": "of which 'Open weights (restricted use)' (Epoch only)",
            "non_commercial": "of which 'Open weights (non-commercial)' (Epoch only)",
        },
        compute=compute,
        by_choices=("region", "country", "tracked_region"),
        default_by="region",
        params={"period": Param(str, None, "default: year; month for tracked_region", choices=PERIODS)},
        report=ReportPart(20, lambda inputs: [section(inputs.md)], lambda inputs: findings(inputs.md)),
        chart=ChartHint(("releases",), place=1),
        sql_reads_data=False,
    )
)
