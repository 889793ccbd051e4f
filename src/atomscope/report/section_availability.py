"""Report section "Availability: what disappeared or closed" (metric `availability`) and its finding.

Empty, with the command that fills it, until `atomscope collect hf` has checked the tracked models.
"""

from __future__ import annotations

import pandas as pd

from atomscope.report import charts
from atomscope.report.data import MetricData, Unavailable
from atomscope.report.layout import COLLECT_HINT, Chart, Section, Table
from atomscope.report.wording import Finding, noun, percent

SOURCE = (
    "metric `availability --by region` over tables `availability_events` (written by `atomscope collect hf`: "
    "a row when a tracked model's Hub status changes) and `models`"
)
MISSING = (
    "No availability check has been collected into this warehouse yet. "
    f"Run `{COLLECT_HINT}` with the Hub reachable: every run checks each tracked model and records when one is "
    "removed, gated, renamed or disabled; this section fills in on the next `atomscope report`."
)
# a region "stands out" when its unavailable share is at least this multiple of the other regions' together
STANDS_OUT = 2.0
MIN_MODELS = 2  # ... and at least this many of its models are unavailable


def _frames(md: MetricData) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    try:
        by_region = md.get("availability", "region").frame
        by_model = md.get("availability", "model").frame
    except Unavailable:
        return None
    if by_model.empty:
        return None
    return by_region, by_model


def availability(md: MetricData) -> Section:
    section = Section(
        "availability",
        "Availability: what disappeared or closed",
        "Depending on open models is a risk if they are suddenly discontinued or closed. Tracked models the Hub "
        "no longer serves as before: removed (404), gated (access must be requested), disabled (403) or renamed.",
    )
    frames = _frames(md)
    if frames is None:
        section.missing.append(MISSING)
        return section
    by_region, by_model = frames
    section.notes.extend(md.get("availability", "region").notes)
    latest = by_region[by_region["month"] == by_region["month"].max()]
    month = str(latest["month"].iloc[0])
    data = latest[
        ["month", "region", "tracked", "removed", "gated", "disabled", "renamed", "unavailable", "unavailable_share"]
    ].reset_index(drop=True)
    section.charts.append(
        Chart(
            "availability_region",
            f"Tracked models removed, gated or disabled on the Hub, by region, {month}",
            "Status at the end of the latest month with a collection; labels give the count of the region's tracked "
            "models and their share. Renamed models still resolve and are listed below.",
            SOURCE,
            data,
            charts.region_bars(
                data,
                "unavailable",
                x_title="Tracked models no longer freely downloadable",
                label="datum.unavailable + ' of ' + datum.tracked + ' (' + "
                "format(datum.unavailable_share, '.1%') + ')'",
            ),
        )
    )
    changed = by_model[by_model["status"] != "available"]
    table = changed[["model_id", "org_name", "region", "status", "observed_on", "new_model_id"]]
    section.tables.append(
        Table(
            "availability_models",
            f"Tracked models removed, gated, disabled or renamed ({len(table)})",
            "Latest status per model and the day the collector first saw it; renamed models name their new id.",
            SOURCE.replace("--by region", "--by model"),
            table.reset_index(drop=True),
        )
    )
    return section


def findings(md: MetricData) -> list[Finding]:
    """A finding when one region's share of unavailable tracked models stands out from the others'."""
    frames = _frames(md)
    if frames is None:
        return []
    by_region, _ = frames
    latest = by_region[by_region["month"] == by_region["month"].max()]
    month = str(latest["month"].iloc[0])
    total_gone, total = int(latest["unavailable"].sum()), int(latest["tracked"].sum())
    for row in latest.sort_values("unavailable_share", ascending=False).itertuples(index=False):
        others_gone, others = total_gone - int(row.unavailable), total - int(row.tracked)
        others_share = others_gone / others if others else 0.0
        if int(row.unavailable) < MIN_MODELS or row.unavailable_share < STANDS_OUT * others_share:
            continue
        text = (
            f"By the end of {month}, {int(row.unavailable)} of the {int(row.tracked)} tracked models from "
            f"{noun(row.region)} ({percent(row.unavailable_share)}) were removed, gated or disabled on the Hub "
            f"({int(row.removed)} removed, {int(row.gated)} gated, {int(row.disabled)} disabled), against "
            f"{percent(others_share)} of the other regions' models."
        )
        values = {
            "month": month,
            "region": row.region,
            "unavailable": int(row.unavailable),
            "tracked": int(row.tracked),
            "share": float(row.unavailable_share),
            "others_share": others_share,
        }
        return [Finding("availability_region", text, "availability_region", values)]
    return []
