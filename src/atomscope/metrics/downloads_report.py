"""The `downloads` metric's part of the report: section "Adoption: downloads on Hugging Face" (with the
`concentration` chart), its headline finding, and section "Beyond Hugging Face" (downloads with `hubs=both`,
`--by hub`), empty and naming `atomscope collect modelscope` until ModelScope snapshots are stored. Kept
apart from downloads.py (the query) for length; downloads.py registers it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from atomscope.metrics.frames import CROSSOVER_PERIODS, MetricData, Unavailable, crossover, metric_frame
from atomscope.present import charts
from atomscope.present.layout import Chart, Section, Table, hub_missing, hub_source, origin_caption
from atomscope.present.periods import finished_mask
from atomscope.present.wording import Finding, adjective, estimated_run, percent, quoted_month, rival_of
from atomscope.warehouse.provenance import HubStatus

if TYPE_CHECKING:
    import pandas as pd


def adoption(md: MetricData, hub: HubStatus) -> Section:
    section = Section(
        "downloads",
        "Adoption: downloads on Hugging Face",
        "Monthly downloads of the tracked models by region of the organization, and how concentrated they are.",
    )
    if not hub.has_snapshots:
        section.missing.append(hub_missing("download data"))
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


def findings(md: MetricData, hub: HubStatus) -> list[Finding]:
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
            f"against {percent(cross['b_value'])}) and {held}{estimated_run(cross)}"
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


MODELSCOPE_TOP = 10
MODELSCOPE_MISSING = (
    "No ModelScope snapshots in this warehouse: every download figure above is Hugging Face's alone. Run "
    "`atomscope collect modelscope` (daily, like `collect hf`; docs/modelscope.md); this section fills in on "
    "the next `atomscope report`, and its monthly figures once two snapshots bracket a month."
)


def has_snapshots(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        return bool(
            con.execute("SELECT count(*) FROM modelscope_snapshots WHERE downloads IS NOT NULL").fetchall()[0][0]
        )
    except duckdb.Error:
        return False


def modelscope_provenance(con: duckdb.DuckDBPyConnection) -> str:
    days = con.execute(
        "SELECT min(snapshot_date), max(snapshot_date), count(DISTINCT snapshot_date), count(DISTINCT modelscope_id),"
        " count(DISTINCT modelscope_id) FILTER (WHERE model_id IS NULL), any_value(endpoint) FROM modelscope_snapshots"
    ).fetchall()[0]
    first, last, n_days, repos, unmapped, endpoint = days
    return (
        f"metric `downloads` (hubs=both) over tables `hf_snapshots` and `modelscope_snapshots` ({n_days} day(s) "
        f"{first} to {last} from {endpoint}; {repos} repositories, {unmapped} without a Hub twin), "
        "`modelscope_model_repos`, `org_aliases` (sources hf, modelscope), `organizations`"
    )


def beyond_hugging_face(md: MetricData, con: duckdb.DuckDBPyConnection) -> Section:
    section = Section(
        "modelscope",
        "Beyond Hugging Face: ModelScope",
        "Monthly downloads counted on Hugging Face and on ModelScope together: how each region's share moves once "
        "ModelScope is counted, and which models are mostly downloaded there.",
    )
    if not has_snapshots(con):
        section.missing.append(MODELSCOPE_MISSING)
        return section
    sources = modelscope_provenance(con)
    both = metric_frame(section, md, "downloads", "region", hubs="both")
    alone = metric_frame(section, md, "downloads", "region")
    if both is None or alone is None:
        return section
    section.notes.extend(md.get("downloads", "region", hubs="both").notes)
    periods = charts.finished_periods(both, ["month", "region", "downloads"])
    data = periods.data
    section.charts.append(
        Chart(
            "modelscope_region_share",
            "Share of monthly downloads by region, Hugging Face and ModelScope together",
            f"Each month's downloads on both hubs split by region. {periods.caption()}".strip(),
            sources,
            data,
            charts.stacked_bars(
                data, "month", "downloads", y_title="Share of downloads", x_kind="month", normalize=True
            ),  # fmt: skip
        )
    )
    moved = share_shift(alone, both)
    if not moved.empty:
        section.tables.append(
            Table(
                "modelscope_share_shift",
                f"Region shares in {moved['month'].iloc[0]}: Hugging Face alone and with ModelScope",
                "The latest finished month; points = the change in share once ModelScope is counted.",
                sources,
                moved,
            )
        )
    top = mostly_modelscope(md)
    if not top.empty:
        section.tables.append(
            Table(
                "modelscope_top_models",
                f"Models most downloaded on ModelScope (top {MODELSCOPE_TOP} by ModelScope's share of their downloads)",
                "Downloads summed over the finished months both hubs cover; a `modelscope:` row has no Hub twin "
                "and counts for its organization only.",
                sources,
                top,
            )
        )
    return section


def share_shift(alone: pd.DataFrame, both: pd.DataFrame) -> pd.DataFrame:
    """region, share on the Hub alone, share with ModelScope, change in points, for the latest finished month."""
    import pandas as pd

    finished = both[finished_mask(both)]
    if finished.empty:
        return pd.DataFrame()
    month = finished["month"].max()
    a = alone[alone["month"] == month].set_index("region")["share"]
    b = finished[finished["month"] == month].set_index("region")["share"]
    out = pd.DataFrame({"share_hugging_face": a, "share_both_hubs": b}).fillna(0.0)
    out["change_points"] = (out["share_both_hubs"] - out["share_hugging_face"]) * 100
    out = out.reset_index().rename(columns={"index": "region"}).round(4)
    return out.assign(month=month)[["month", "region", "share_hugging_face", "share_both_hubs", "change_points"]]


def mostly_modelscope(md: MetricData) -> pd.DataFrame:
    both = md.get("downloads", "model", hubs="both").frame
    alone = md.get("downloads", "model").frame
    both = both[finished_mask(both)]
    months = set(both["month"])
    total = both.groupby(["model_id", "org_name", "region"], as_index=False)["downloads"].sum()
    hub = alone[alone["month"].isin(months)].groupby("model_id")["downloads"].sum()
    total["hugging_face"] = total["model_id"].map(hub).fillna(0.0)
    total["modelscope"] = total["downloads"] - total["hugging_face"]
    total = total[total["downloads"] > 0]
    total["modelscope_share"] = (total["modelscope"] / total["downloads"]).round(4)
    total = total[total["modelscope"] > 0].sort_values(["modelscope_share", "modelscope"], ascending=False)
    return total.head(MODELSCOPE_TOP)[
        ["model_id", "org_name", "region", "hugging_face", "modelscope", "modelscope_share"]
    ]
