"""The report's sections: for each, the charts (spec + the exact frame plotted), tables and notes.

A section whose metric is absent or has no data carries a short note instead of an empty chart; the hub
sections (downloads, concentration, derivatives, RAM) say how to collect the data they need.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from atomscope.domain.params import BUCKET_ORDER
from atomscope.report import charts
from atomscope.report.data import MetricData, to_dates
from atomscope.report.layout import COLLECT_HINT, Chart, Section, Table, metric_frame
from atomscope.report.section_availability import availability
from atomscope.report.section_inference import inference
from atomscope.report.section_modelscope import beyond_hugging_face
from atomscope.report.section_runnability import runnability
from atomscope.warehouse import queries
from atomscope.warehouse.provenance import HubStatus

SRC_ARENA = "metric `arena` over table `arena_scores` (lmarena_text_history.csv: LMArena text leaderboard history)"
SRC_EPOCH = (
    "metric `releases --by region -p period=year` over table `epoch_models` (epoch_notable_models.csv: Epoch AI, "
    "CC BY 4.0)"
)
SRC_OSAI = (
    "metric `openness --by region` over table `osai_systems` (osai_openness.csv: European Open Source AI "
    "Index, CC BY 4.0)"
)
SRC_CATALOG = (
    "tables `models`, `model_facts`, `org_aliases`, `organizations` (atom_tracked_models.csv, "
    "atom_model_parameters.csv, organizations.csv, organization_aliases.csv)"
)
UNKNOWN_SIZE = "unknown"
TRULY_OPEN_COLUMNS = {
    "system": "System",
    "org": "Organization",
    "region": "Region",
    "type": "Type",
    "release_date": "Released",
    "end_model_license": "License",
    "openness_pct": "Openness %",
}

RESTRICTED_COLUMNS = {
    **TRULY_OPEN_COLUMNS,
    "license_class": "License class",
    "index_licensing": "Index: licensing",
}
RAM_TABLE_COLUMNS = {
    "model_id": "Model",
    "org_name": "Organization",
    "region": "Region",
    "size_bucket": "Size",
    "release_date": "Released",
    "ram": "RAM v2",
}
RATING_OF_SCORE = {1.0: "open", 0.5: "partial", 0.0: "closed"}


def performance(md: MetricData) -> Section:
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


def releases(md: MetricData) -> Section:
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


def openness(md: MetricData) -> Section:
    section = Section(
        "openness",
        "How open are open models?",
        "Ratings of the European Open Source AI Index on 12 dimensions (open 1, partial ½, closed 0). Truly "
        "open, as the ATOM Project uses it: open weights, open training data and open training code, under an "
        "open license (the index's licensing dimension open and a permissive or copyleft end-model license, "
        "as the OSI's Open Source AI Definition requires: use for any purpose).",
    )
    df = metric_frame(section, md, "openness", "region")
    if df is None:
        return section
    truly = df[["region", "systems", "truly_open_systems", "open_but_restricted_systems"]]
    section.charts.append(
        Chart(
            "openness_truly_open",
            "Truly open systems by region",
            "Systems rated open on end-model weights, training data of base and end model, and training code, "
            "under an open license; labels give truly open / all systems rated. The data's "
            "open_but_restricted_systems column counts those open in all but their license.",
            SRC_OSAI,
            truly,
            charts.region_bars(
                truly,
                "truly_open_systems",
                x_title="Truly open systems",
                label="datum.truly_open_systems + ' of ' + datum.systems",
            ),
        )
    )
    pct = df[["region", "mean_openness_pct"]]
    section.charts.append(
        Chart(
            "openness_region",
            "Mean openness score by region (% of the 12 dimensions)",
            "Average over the region's systems of the index's 0–12 score, as a percentage.",
            SRC_OSAI,
            pct,
            charts.region_bars(pct, "mean_openness_pct", x_title="Mean openness (%)", value_format=".1f"),
        )
    )
    systems = metric_frame(section, md, "openness", "system")
    if systems is not None:
        listed = systems[systems["truly_open"]]
        listed = listed[["system", "org", "region", "type", "release_date", "end_model_license", "openness_pct"]]
        listed = listed.assign(openness_pct=listed["openness_pct"].round(1)).rename(columns=TRULY_OPEN_COLUMNS)
        section.tables.append(
            Table(
                "truly_open_list",
                f"The truly open systems ({len(listed)})",
                "Ordered by openness score; organization as resolved through the atomscope registry.",
                SRC_OSAI.replace("--by region", "--by system"),
                listed.reset_index(drop=True),
            )
        )
        restricted = systems[systems["open_but_restricted"]]
        restricted = restricted.assign(
            index_licensing=restricted["licenses"].map(RATING_OF_SCORE),
            openness_pct=restricted["openness_pct"].round(1),
        )
        restricted = restricted[
            ["system", "org", "region", "type", "end_model_license", "license_class", "index_licensing", "openness_pct"]
        ].rename(columns=RESTRICTED_COLUMNS)
        section.tables.append(
            Table(
                "open_but_restricted_list",
                f"Open but restricted: excluded for their license ({len(restricted)})",
                "Open weights, training data and training code, but the end-model license is not open (non-commercial, "
                "research-only or use-restricted, by domain/licenses.py) or the index does not rate licensing open.",
                SRC_OSAI.replace("--by region", "--by system"),
                restricted.reset_index(drop=True),
            )
        )
    mof = metric_frame(section, md, "mof", "region")
    if mof is not None:
        data = mof[["region", "releases", "mean_progress_pct"]]
        section.charts.append(
            Chart(
                "mof_progress",
                "Model Openness Framework: share of required components openly licensed",
                "Mean over each region's MOF entries of the 14 components MOF 1.0 requires for Class I that carry a "
                "fitting open license; labels give the number of entries.",
                "metric `mof --by region` over table `mof_components` (mof_components.csv: lfai/model_openness_tool)",
                data,
                charts.region_bars(
                    data,
                    "mean_progress_pct",
                    x_title="Required components met (%)",
                    label="format(datum.mean_progress_pct, '.1f') + '% of ' + datum.releases + ' entries'",
                ),
            )
        )
    return section


def catalog_section(con: duckdb.DuckDBPyConnection) -> Section:
    section = Section(
        "catalog",
        "The tracked catalog",
        "The open models the ATOM Project tracks on Hugging Face, by region of the organization and by size.",
    )
    models = queries.models(con)
    if models.empty:
        section.missing.append("No tracked models in this warehouse; run `atomscope init`.")
        return section
    by_region = models.groupby("region").size().rename("models").reset_index()
    section.charts.append(
        Chart(
            "catalog_region",
            "Tracked models by region",
            "ATOM's primary and extra lists together; region of the Hugging Face organization.",
            SRC_CATALOG,
            by_region,
            charts.region_bars(by_region, "models", x_title="Tracked models"),
        )
    )
    sized = models.assign(size_bucket=models["size_bucket"].fillna(UNKNOWN_SIZE))
    by_size = sized.groupby(["size_bucket", "region"]).size().rename("models").reset_index()
    sort = [b for b in (*BUCKET_ORDER, UNKNOWN_SIZE) if b in set(by_size["size_bucket"])]
    section.charts.append(
        Chart(
            "catalog_size",
            "Tracked models by size (total parameters) and region",
            "ATOM's size buckets on total parameters; 'unknown' when no parameter count could be resolved.",
            SRC_CATALOG,
            by_size,
            charts.stacked_bars(
                by_size,
                "size_bucket",
                "models",
                y_title="Tracked models",
                x_title="Size",
                x_kind="category",
                x_sort=sort,
            ),
        )
    )
    return section


def _hub_missing(what: str) -> str:
    history = (
        " (`atomscope import hub-stats` adds up to two years of monthly history from the public hub-stats dataset)"
        if what == "download data"
        else ""
    )
    return (
        f"No Hugging Face {what} has been collected into this warehouse yet. Run `{COLLECT_HINT}` to take a "
        f"snapshot from the Hub API{history}; this section fills in on the next `atomscope report`."
    )


def hub_source(metric: str, hub: HubStatus) -> str:
    """The sources line of a chart over hf_snapshots: where its rows came from, read from their load runs."""
    return f"metric `{metric}` over table `hf_snapshots` (Hugging Face Hub download counts: {hub.origin})"


def origin_caption(hub: HubStatus) -> str:
    return f"Rows from {hub.origin.replace('`', '')}." if hub.origin else ""


def adoption(md: MetricData, hub: HubStatus) -> Section:
    section = Section(
        "downloads",
        "Adoption: downloads on Hugging Face",
        "Monthly downloads of the tracked models by region of the organization, and how concentrated they are.",
    )
    if not hub.has_snapshots:
        section.missing.append(_hub_missing("download data"))
        return section
    df = metric_frame(section, md, "downloads", "region")
    if df is not None:
        periods = charts.finished_periods(df, ["month", "region", "downloads"])
        data, honest = periods.data, f"{periods.caption()} {origin_caption(hub)}"
        source = hub_source("downloads", hub)
        section.charts.append(
            Chart(
                "downloads_monthly",
                "Monthly downloads of tracked models, by region",
                f"Growth of all-time download counts across each month. {honest}".strip(),
                source,
                data,
                charts.stacked_bars(data, "month", "downloads", y_title="Downloads", x_kind="month"),
            )
        )
        section.charts.append(
            Chart(
                "downloads_share",
                "Share of monthly downloads, by region",
                f"Each month's downloads split by region. {honest}".strip(),
                source,
                data,
                charts.stacked_bars(
                    data, "month", "downloads", y_title="Share of downloads", x_kind="month", normalize=True
                ),
            )
        )
    conc = metric_frame(section, md, "concentration", "all")
    if conc is not None:
        periods = charts.finished_periods(conc, ["month", "hhi"])
        data = periods.data
        section.charts.append(
            Chart(
                "concentration_hhi",
                "Concentration of downloads across organizations (HHI)",
                f"Herfindahl–Hirschman index, 0–10,000; above 1,800 counts as highly concentrated. "
                f"{periods.caption(charts.LINES)} {origin_caption(hub)}".strip(),
                hub_source("concentration", hub),
                data,
                charts.lines(data, "month", "hhi", y_title="HHI", color=None, x_kind="month"),
            )
        )
    return section


def derivatives(md: MetricData, hub: HubStatus) -> Section:
    section = Section(
        "derivatives",
        "Derivatives: fine-tunes, adapters, quantizations and merges",
        "New Hugging Face models built on the tracked models, by region of the base model's organization.",
    )
    if not hub.has_derivatives:
        section.missing.append(_hub_missing("derivative listing"))
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


RAM_CHECKPOINT = 30  # days since release: ATOM judges a new model within 30-90 days
RAM_TOP = 15


def ram(md: MetricData, hub: HubStatus) -> Section:
    section = Section(
        "ram",
        "Relative Adoption Metric (RAM)",
        f"Each model's downloads {RAM_CHECKPOINT} days after release against the top models of its size "
        "(ATOM's RAM: above 1 means tracking to be a top-10 model of its size).",
    )
    if not hub.has_snapshots:
        section.missing.append(_hub_missing("download data"))
        return section
    v2 = metric_frame(section, md, "ram_v2", checkpoints=str(RAM_CHECKPOINT))
    if v2 is None:
        return section
    v2 = v2.dropna(subset=["ram"])
    if v2.empty:
        section.missing.append(
            f"No tracked model has snapshots bracketing {RAM_CHECKPOINT} days after its release yet; RAM needs "
            "repeated `atomscope collect hf` runs."
        )
        return section
    leaders = v2[v2["ram"] >= 1].groupby("region").size().rename("models_ram_above_1").reset_index()
    if not leaders.empty:
        section.charts.append(
            Chart(
                "ram_region",
                f"Models with RAM v2 ≥ 1 at {RAM_CHECKPOINT} days, by region",
                "Models whose downloads at that age reach the 10th-most-downloaded model of their size bucket. "
                f"{origin_caption(hub)}".strip(),
                f"metric `ram_v2` (checkpoints={RAM_CHECKPOINT}) over tables `hf_snapshots` ({hub.origin}), "
                "`model_facts`",
                leaders,
                charts.region_bars(leaders, "models_ram_above_1", x_title="Models with RAM ≥ 1"),
            )
        )
    top = v2.sort_values(["ram", "model_id"], ascending=[False, True]).head(RAM_TOP)
    top = top[["model_id", "org_name", "region", "size_bucket", "release_date", "cumulative_downloads", "ram"]]
    # dates as dates, counts as whole numbers, headers a reader understands
    top = top.assign(
        release_date=pd.to_datetime(top["release_date"]).dt.strftime("%Y-%m-%d"),
        cumulative_downloads=top["cumulative_downloads"].round().astype("Int64"),
        ram=top["ram"].round(2),
    ).rename(columns=RAM_TABLE_COLUMNS | {"cumulative_downloads": f"Downloads by day {RAM_CHECKPOINT}"})
    section.tables.append(
        Table(
            "ram_top",
            f"Highest RAM v2 at {RAM_CHECKPOINT} days",
            "Cumulative downloads at the checkpoint over the monotonic cutoff of the size bucket's 10th model. "
            f"{origin_caption(hub)}".strip(),
            f"metric `ram_v2` (checkpoints={RAM_CHECKPOINT}) over tables `hf_snapshots` ({hub.origin}), `model_facts`",
            top.reset_index(drop=True),
        )
    )
    return section


def build_sections(md: MetricData, con: duckdb.DuckDBPyConnection, hub: HubStatus) -> list[Section]:

    return [
        performance(md),
        releases(md),
        openness(md),
        catalog_section(con),
        adoption(md, hub),
        beyond_hugging_face(md, con),
        ram(md, hub),
        derivatives(md, hub),
        availability(md),
        inference(md, con),
        runnability(md),
    ]
