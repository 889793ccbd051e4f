"""The report's Hugging Face sections (adoption, RAM, derivatives) with real numbers.

A warehouse built here: two tracked 7-9B models released on 2025-01-01, Qwen/A (china) and meta-llama/B
(us), with all-time download counts snapshotted on month boundaries (so monthly downloads are plain
differences, no interpolation), and derivatives of both. Every expected value is worked out below from
those rows; the test checks the charts' data and the numbers the findings quote.
"""

from __future__ import annotations

from datetime import date, datetime

import ibis
import pytest
from metric_harness import MetricWarehouse

from atomscope.metrics import derivatives, downloads_report, ram
from atomscope.metrics.frames import MetricData
from atomscope.present import wording
from atomscope.warehouse.provenance import hub_status

DAYS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1), date(2025, 4, 15)]
ALL_TIME = {"Qwen/A": [0, 600, 1500, 2700, 3000], "meta-llama/B": [0, 400, 700, 1000, 1100]}
# Monthly downloads = differences between month boundaries (April is month-to-date, to 04-15):
#   Qwen/A:       Jan 600, Feb 900, Mar 1200, Apr 300
#   meta-llama/B: Jan 400, Feb 300, Mar  300, Apr 100
MONTHLY = {
    ("2025-01", "china"): 600, ("2025-01", "us"): 400,
    ("2025-02", "china"): 900, ("2025-02", "us"): 300,
    ("2025-03", "china"): 1200, ("2025-03", "us"): 300,
}  # fmt: skip
MONTH_TO_DATE = {("2025-04", "china"): 300, ("2025-04", "us"): 100}  # in the metric, not in the charts
# Derivatives (downloads_30d above the floor of 5), by creation month:
#   Feb: one fine-tune of each; Mar: three of Qwen/A, one of meta-llama/B and a merge of both (1/2 each);
#   Apr: two of Qwen/A, one of meta-llama/B. One below the download floor never counts. The crawl
#   (last_seen_at 2026-01-01) covers April, so April is a finished month for derivatives.
DERIVATIVES = [
    ("a/ft1", "Qwen/A", datetime(2025, 2, 10), 50),
    ("b/ft1", "meta-llama/B", datetime(2025, 2, 11), 50),
    ("a/ft2", "Qwen/A", datetime(2025, 3, 2), 50),
    ("a/ft3", "Qwen/A", datetime(2025, 3, 3), 50),
    ("a/ft4", "Qwen/A", datetime(2025, 3, 4), 50),
    ("b/ft2", "meta-llama/B", datetime(2025, 3, 5), 50),
    ("a/ft5", "Qwen/A", datetime(2025, 4, 2), 50),
    ("a/ft6", "Qwen/A", datetime(2025, 4, 3), 50),
    ("b/ft3", "meta-llama/B", datetime(2025, 4, 4), 50),
    ("a/quiet", "Qwen/A", datetime(2025, 3, 6), 5),
]


@pytest.fixture
def built(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    for model_id, counts in ALL_TIME.items():
        w.model(model_id, size_bucket="7-9B", release=date(2025, 1, 1))
        for day, total in zip(DAYS, counts, strict=True):
            w.snapshot(model_id, day, total, None)
    for child, parent, created, downloads in DERIVATIVES:
        w.hub_model(child, created, downloads).edge(child, parent, "finetune")
    w.hub_model("m/merge", datetime(2025, 3, 7), 50).edge("m/merge", "Qwen/A", "merge")
    w.edge("m/merge", "meta-llama/B", "merge")
    md = MetricData(ibis.duckdb.from_connection(w.con))
    return md, hub_status(w.con), w


def _chart(section, name):
    return next(c for c in section.charts if c.name == name).data


def test_adoption_charts_carry_the_monthly_downloads(built):
    md, hub, _w = built
    section = downloads_report.adoption(md, hub)
    assert section.missing == [] and md.problems == []
    monthly = _chart(section, "downloads_monthly")
    got = {(m, r): v for m, r, v in monthly[["month", "region", "downloads"]].itertuples(index=False)}
    assert got == pytest.approx(MONTHLY)  # finished months only: April is month-to-date
    frame = md.get("downloads", "region").frame
    april = frame[~frame["complete"]]
    assert {(m, r): v for m, r, v in april[["month", "region", "downloads"]].itertuples(index=False)} == MONTH_TO_DATE
    # HHI of March: shares 1200/1500 = 0.8 and 300/1500 = 0.2 -> 80² + 20² = 6,800
    hhi = _chart(section, "concentration_hhi").set_index("month")["hhi"]
    assert hhi["2025-03"] == pytest.approx(6800)


def test_downloads_finding_quotes_the_last_complete_month(built):
    md, hub, _w = built
    (found,) = downloads_report.findings(md, hub)
    # the last complete month is March (April is month-to-date): china 80.0 %, us 20.0 %; china was ahead
    # in every finished month from January (600 vs 400): 3 months in a row
    assert found.values["month"] == "2025-03" and found.values["region"] == "china"
    assert found.values["share"] == pytest.approx(0.8) and found.values["rival_share"] == pytest.approx(0.2)
    assert "took 80.0% of the tracked models' Hugging Face downloads" in found.text
    assert "20.0%" in found.text and "partly estimated" not in found.text
    assert found.values["crossover"] == "2025-01" and found.values["crossover_months"] == 3


def test_derivatives_chart_and_finding(built):
    md, hub, _w = built
    section = derivatives.section(md, hub)
    data = _chart(section, "derivatives_monthly")
    got = {(m, r): v for m, r, v in data[["month", "region", "new_derivatives"]].itertuples(index=False)}
    # March: 3 + 1/2 (merge) on Qwen/A, 1 + 1/2 on meta-llama/B; a/quiet is below the download floor
    assert got == pytest.approx({
        ("2025-02", "china"): 1, ("2025-02", "us"): 1,
        ("2025-03", "china"): 3.5, ("2025-03", "us"): 1.5,
        ("2025-04", "china"): 2, ("2025-04", "us"): 1,
    })  # fmt: skip
    (found,) = derivatives.findings(md, hub)
    expected = {"month": "2025-04", "region": "china", "count": 2.0, "rival": "us", "rival_count": 1.0}
    assert {k: found.values[k] for k in expected} == expected
    china, us = wording.adjective("china"), wording.adjective("us")
    assert found.text.startswith(f"In 2025-04, 2 new Hugging Face derivatives were built on {china} models")
    # tied in February, ahead in March and April: a 2-month run, no crossover claim
    assert f", 1 on {us} ones" in found.text and "crossover" not in found.text


def test_ram_section_ranks_by_downloads_at_30_days(built):
    md, hub, _w = built
    section = ram.section(md, hub)
    # at 30 days both models are interpolated at 30/31 of their 02-01 count: 580.6 and 387.1; with two
    # models in the bucket the cutoff is the second one's, so RAM v2 = 600/400 = 1.5 and 1.0
    table = next(t for t in section.tables if t.name == "ram_top").data.set_index("Model")
    assert table.loc["Qwen/A", "RAM v2"] == 1.5 and table.loc["meta-llama/B", "RAM v2"] == 1.0
    # human headers, downloads as whole numbers, dates without a time
    assert table.loc["Qwen/A", "Downloads by day 30"] == round(600 * 30 / 31)
    assert list(table.columns) == ["Organization", "Region", "Size", "Released", "Downloads by day 30", "RAM v2"]
    assert all(len(str(d)) == 10 for d in table["Released"].dropna())
    leaders = _chart(section, "ram_region").set_index("region")["models_ram_above_1"]
    assert leaders.to_dict() == {"china": 1, "us": 1}
