"""Report section: who serves the tokens on OpenRouter (metric `inference_share`).

Empty, with the commands that fill it, until usage has been imported: atomscope ships no OpenRouter data.
"""

from __future__ import annotations

import duckdb

from atomscope.report import charts
from atomscope.report.data import MetricData, Unavailable
from atomscope.report.layout import Chart, Section, Table

TOP = 10  # ATOM's view: the top models by weekly tokens
MISSING = (
    "No OpenRouter token usage has been imported into this warehouse. Store the models listing with "
    "`atomscope collect openrouter` and import usage figures with `atomscope import openrouter FILE` (format "
    "and where to obtain them: docs/imports.md); this section fills in on the next `atomscope report`."
)


def provenance(con: duckdb.DuckDBPyConnection) -> str:
    """Which usage files and which listings the figures come from."""
    files = con.execute(
        "SELECT source_file, min(run_id), count(*) FROM openrouter_usage GROUP BY 1 ORDER BY 2"
    ).fetchall()
    listings = con.execute(
        "SELECT listing_date, endpoint, count(*) FROM openrouter_models GROUP BY 1, 2 ORDER BY 1 DESC LIMIT 3"
    ).fetchall()
    used = "; ".join(f"{name} ({rows} rows, import run {run})" for name, run, rows in files)
    listed = "; ".join(f"{day} from {endpoint} ({n} entries)" for day, endpoint, n in listings) or "none collected"
    return (
        f"metric `inference_share` over table `openrouter_usage` (imported: {used}), `openrouter_models` "
        f"(listings: {listed}), `openrouter_model_repos`, `org_aliases` (source openrouter), `organizations`"
    )


def inference(md: MetricData, con: duckdb.DuckDBPyConnection) -> Section:
    section = Section(
        "inference",
        "Who serves the tokens: OpenRouter inference share",
        "Share of the tokens OpenRouter served in each period by open-weight models of each origin region, "
        "with closed models as their own group (open weights = the listing names a Hub repository).",
    )
    try:
        all_models = md.get("inference_share", "region")
    except Unavailable as exc:
        section.missing.append(f"{str(exc)[0].upper()}{str(exc)[1:]}.")
        return section
    if all_models.frame.empty:
        section.missing.append(MISSING)
        return section
    section.notes.extend(all_models.notes)
    sources = provenance(con)
    data = all_models.frame[["period", "region", "tokens", "share"]].reset_index(drop=True)
    section.charts.append(
        Chart(
            "inference_share",
            "Share of OpenRouter tokens, by origin of the open model (closed models apart)",
            "Each bar is one period of the imported usage (100% = all its tokens); 'unresolved' holds models in no "
            "collected listing or from organizations the registry does not know.",
            sources,
            data,
            charts.stacked_bars(data, "period", "tokens", y_title="Share of tokens", x_kind="month", normalize=True),
        )
    )
    top = md.get("inference_share", "model", top=TOP).frame
    if not top.empty:
        latest = top[top["period"] == top["period"].max()]
        table = latest[["period", "rank", "model", "region", "org_name", "hub_repo", "tokens", "share"]]
        section.tables.append(
            Table(
                "inference_top",
                f"Top {TOP} models by tokens, latest period",
                f"Shares are of these {TOP} models' tokens (ATOM's top-{TOP} view); ':free' variants count with "
                "their model.",
                sources,
                table.assign(share=table["share"].round(4)).reset_index(drop=True),
            )
        )
    return section
