"""Report section "Beyond Hugging Face": how each region's share moves once ModelScope is counted, and
which models are mostly downloaded there (metric `downloads` with `hubs=both`, `--by hub`).

Empty, naming the command that fills it, until `atomscope collect modelscope` has stored snapshots.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from atomscope.report import charts
from atomscope.report.data import MetricData
from atomscope.report.layout import Chart, Section, Table, metric_frame

TOP = 10
MISSING = (
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


def provenance(con: duckdb.DuckDBPyConnection) -> str:
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
        section.missing.append(MISSING)
        return section
    sources = provenance(con)
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
                f"Models most downloaded on ModelScope (top {TOP} by ModelScope's share of their downloads)",
                "Downloads summed over the finished months both hubs cover; a `modelscope:` row has no Hub twin "
                "and counts for its organization only.",
                sources,
                top,
            )
        )
    return section


def share_shift(alone: pd.DataFrame, both: pd.DataFrame) -> pd.DataFrame:
    """region, share on the Hub alone, share with ModelScope, change in points, for the latest finished month."""
    finished = both[both["complete"].fillna(False).astype(bool)]
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
    both = both[both["complete"].fillna(False).astype(bool)]
    months = set(both["month"])
    total = both.groupby(["model_id", "org_name", "region"], as_index=False)["downloads"].sum()
    hub = alone[alone["month"].isin(months)].groupby("model_id")["downloads"].sum()
    total["hugging_face"] = total["model_id"].map(hub).fillna(0.0)
    total["modelscope"] = total["downloads"] - total["hugging_face"]
    total = total[total["downloads"] > 0]
    total["modelscope_share"] = (total["modelscope"] / total["downloads"]).round(4)
    total = total[total["modelscope"] > 0].sort_values(["modelscope_share", "modelscope"], ascending=False)
    return total.head(TOP)[["model_id", "org_name", "region", "hugging_face", "modelscope", "modelscope_share"]]
