"""Metric `availability` on a hand-built warehouse (expected values worked out by hand)."""

from __future__ import annotations

from datetime import date

import pytest
from metric_harness import add_organizations

MODELS = [("us-lab/a", "us-lab"), ("us-lab/b", "us-lab"), ("cn-lab/c", "cn-lab"), ("cn-lab/d", "cn-lab"),
          ("cn-lab/e", "cn-lab")]  # fmt: skip
EVENTS = [
    ("cn-lab/c", "2026-01-05", "gated", None, 403),
    ("cn-lab/c", "2026-02-03", "available", None, 200),  # ungated again in February
    ("cn-lab/d", "2026-01-20", "removed", None, 404),
    ("us-lab/a", "2026-02-10", "renamed", "us-lab/a-v2", 301),
    ("cn-lab/e", "2026-02-11", "disabled", None, 403),
]


@pytest.fixture
def events_warehouse(metric_warehouse):
    con = metric_warehouse.con
    labs = {"us-lab": ("us-lab", "US Lab", "us", "US"), "cn-lab": ("cn-lab", "CN Lab", "china", "CN")}
    add_organizations(con, "hf", labs)
    con.executemany("INSERT INTO models VALUES (?, ?, 'primary', 'atom', '2025-12-01')", MODELS)
    con.executemany("INSERT INTO availability_events VALUES (?, ?, ?, ?, ?, now(), 1)", EVENTS)
    return metric_warehouse


def test_by_model_latest_status_with_origin(events_warehouse):
    result, frame = events_warehouse.run("availability")
    rows = {r.model_id: r for r in frame.itertuples(index=False)}
    assert set(rows) == {"cn-lab/c", "cn-lab/d", "us-lab/a", "cn-lab/e"}  # us-lab/b never changed
    assert (rows["cn-lab/c"].status, str(rows["cn-lab/c"].observed_on)[:10]) == ("available", "2026-02-03")
    assert (rows["us-lab/a"].status, rows["us-lab/a"].new_model_id, rows["us-lab/a"].org_name) == (
        "renamed",
        "us-lab/a-v2",
        "US Lab",
    )
    assert (rows["cn-lab/e"].status, rows["cn-lab/e"].region, rows["cn-lab/d"].status) == (
        "disabled",
        "china",
        "removed",
    )
    assert not any("atomscope collect hf" in n for n in result.notes)
    # as of January: c gated, d removed; a and e had not changed yet
    _, jan = events_warehouse.run("availability", until=date(2026, 1, 31))
    assert dict(zip(jan.model_id, jan.status, strict=True)) == {"cn-lab/c": "gated", "cn-lab/d": "removed"}


def test_by_region_per_month_hand_computed(events_warehouse):
    _, frame = events_warehouse.run("availability", by="region")
    rows = {(r.month, r.region): r for r in frame.itertuples(index=False)}
    assert sorted(rows) == [("2026-01", "china"), ("2026-01", "us"), ("2026-02", "china"), ("2026-02", "us")]
    jan_cn, feb_cn, feb_us = rows[("2026-01", "china")], rows[("2026-02", "china")], rows[("2026-02", "us")]
    assert (jan_cn.tracked, jan_cn.available, jan_cn.gated, jan_cn.removed, jan_cn.unavailable) == (3, 1, 1, 1, 2)
    assert jan_cn.unavailable_share == pytest.approx(2 / 3)
    assert (feb_cn.available, feb_cn.gated, feb_cn.removed, feb_cn.disabled, feb_cn.unavailable) == (1, 0, 1, 1, 2)
    assert (feb_us.tracked, feb_us.available, feb_us.renamed, feb_us.unavailable) == (2, 1, 1, 0)
    assert rows[("2026-01", "us")].available == 2


def test_nothing_collected_says_how_to_collect(metric_warehouse):
    for by in ("model", "region"):
        result, frame = metric_warehouse.run("availability", by=by)
        assert frame.empty
        assert any("run `atomscope collect hf`" in n for n in result.notes)
