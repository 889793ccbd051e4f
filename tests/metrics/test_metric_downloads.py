"""`downloads` on hand-built warehouses; every expected number is worked out in the comments."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.metrics.downloads import grouped_downloads


def rows(frame, key):
    return {r[key]: r for r in frame.to_dict("records")}


@pytest.fixture
def three_models(tmp_path):
    """Qwen/A (china, release known), meta-llama/B (us, no release date: created_at) and stranger/C
    (an organization the registry does not know)."""
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    w.model("Qwen/A", size_bucket="7-9B", release=date(2025, 1, 11))
    w.model("meta-llama/B", size_bucket="7-9B", release=None)
    w.model("stranger/C", size_bucket=None, release=date(2025, 2, 1))
    w.snapshot("Qwen/A", date(2025, 3, 12), 1000, 300)
    w.snapshot("Qwen/A", date(2025, 4, 11), 1600, 600)
    w.snapshot("meta-llama/B", date(2025, 3, 20), 500, 100, created=datetime(2025, 3, 1, 5))
    w.snapshot("meta-llama/B", date(2025, 4, 11), 720, 100)
    w.snapshot("stranger/C", date(2025, 4, 11), 100, 50)
    return w


def test_month_boundaries_are_interpolated_between_bracketing_snapshots(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen")
    # released on its first snapshot day: no estimate, every month is measured
    w.model("Qwen/A", size_bucket="7-9B", release=date(2025, 1, 1))
    w.snapshot("Qwen/A", date(2025, 1, 1), 0, 0)
    w.snapshot("Qwen/A", date(2025, 1, 21), 200, 200)
    w.snapshot("Qwen/A", date(2025, 2, 10), 600, 600)
    w.snapshot("Qwen/A", date(2025, 3, 2), 700, 500)
    out = rows(w.metric("downloads", by="model"), "month")
    # V(01-01) = 0 (a snapshot on the boundary)
    # V(02-01) = 200 + (600-200) * 11/20 = 420   (01-21 .. 02-10 is 20 days, 02-01 is 11 days in)
    # V(03-01) = 600 + (700-600) * 19/20 = 695   (02-10 .. 03-02 is 20 days, 03-01 is 19 days in)
    # V(04-01) = 700 (after the last snapshot: clipped, March is month-to-date)
    assert out["2025-01"]["downloads"] == pytest.approx(420)
    assert out["2025-02"]["downloads"] == pytest.approx(275)
    assert out["2025-03"]["downloads"] == pytest.approx(5)
    assert [out[m]["cumulative_downloads"] for m in ("2025-01", "2025-02", "2025-03")] == pytest.approx([420, 695, 700])
    assert not any(r["estimated"] for r in out.values())


def test_first_snapshot_total_is_spread_since_release_and_flagged(three_models):
    out = three_models.metric("downloads", by="model", backcast="true")
    qwen = rows(out[out.model_id == "Qwen/A"], "month")
    # R = 01-11, S0 = 03-12 (A0 = 1000, D30 = 300): virtual points (01-11, 0) and (02-10, 1000-300 = 700)
    # V(02-01) = 700 * 21/30 = 490; V(03-01) = 700 + 300 * 19/30 = 890; V(04-01) = 1000 + 600 * 20/30 = 1400
    assert qwen["2025-01"]["downloads"] == pytest.approx(490)
    assert qwen["2025-02"]["downloads"] == pytest.approx(400)
    assert qwen["2025-03"]["downloads"] == pytest.approx(510)
    assert qwen["2025-04"]["downloads"] == pytest.approx(200)  # 1600 - 1400, month-to-date
    assert [qwen[m]["estimated"] for m in ("2025-01", "2025-02", "2025-03", "2025-04")] == [
        True,
        True,
        True,  # March 1-11 lies before S0
        False,
    ]
    # measured: nothing before S0; March from S0 (1000) to V(04-01) = 1400 of its 510
    assert [qwen[m]["measured_share"] for m in ("2025-01", "2025-02", "2025-03", "2025-04")] == pytest.approx(
        [0, 0, 400 / 510, 1]
    )
    # the earliest snapshot in the warehouse is in March: January and February were never observed
    assert [qwen[m]["backcast"] for m in ("2025-01", "2025-02", "2025-03", "2025-04")] == [True, True, False, False]
    hidden = rows(three_models.metric("downloads", by="model"), "month")
    assert sorted(hidden) == ["2025-03", "2025-04"]
    llama = rows(out[out.model_id == "meta-llama/B"], "month")
    # no release date: R = created_at 03-01; S0 - 30 days = 02-18 is before R, so only (03-01, 0)
    # V(04-01) = 500 + (720-500) * 12/22 = 620
    assert llama["2025-03"]["downloads"] == pytest.approx(620)
    assert llama["2025-04"]["downloads"] == pytest.approx(100)
    assert llama["2025-03"]["estimated"] and not llama["2025-04"]["estimated"]


def test_regions_shares_and_unresolved_note(three_models):
    result = three_models.result("downloads")
    out = result.table.to_pandas()
    march = rows(out[out.month == "2025-03"], "region")
    # stranger/C: R = 02-01, S0 = 04-11 (A0 = 100, D30 = 50): points (02-01, 0), (03-12, 50), (04-11, 100)
    # V(03-01) = 50 * 28/39 = 35.897; V(04-01) = 50 + 50 * 20/30 = 83.333 -> March 47.436
    unresolved_march = 50 * 20 / 30 + 50 - 50 * 28 / 39
    total = 620 + 510 + unresolved_march
    assert march["us"]["downloads"] == pytest.approx(620)
    assert march["china"]["downloads"] == pytest.approx(510)
    assert march["unresolved"]["downloads"] == pytest.approx(unresolved_march)
    assert march["us"]["share"] == pytest.approx(620 / total)
    assert sum(r["share"] for r in march.values()) == pytest.approx(1.0)
    # china cumulative by March: 490 + 400 + 510
    assert march["china"]["cumulative_downloads"] == pytest.approx(1400)
    # shown months (March, April: February is back-cast): stranger/C 100 - V(03-01) out of
    # china 1600 - 890, us 720 and that -> 4.3%
    c_shown = 100 - 50 * 28 / 39
    share = c_shown / (710 + 720 + c_shown)
    assert any(f"unresolved organizations hold {share:.1%}" in n and "stranger" in n for n in result.notes)
    assert any("month-to-date" in n and "2025-04-11" in n for n in result.notes)


def test_single_snapshot_day_is_an_estimate_whose_last_month_is_the_30_day_count(tmp_path):
    w = MetricWarehouse(tmp_path).org("meta", "us", "meta-llama")
    w.model("meta-llama/B", size_bucket="1-5B", release=date(2025, 1, 1))
    w.snapshot("meta-llama/B", date(2025, 3, 31), 1000, 400)
    result = w.result("downloads", backcast="true")
    out = rows(result.table.to_pandas(), "month")
    # points (01-01, 0), (03-01, 1000-400 = 600), (03-31, 1000)
    # V(02-01) = 600 * 31/59; V(03-01) = 600; V(04-01) = 1000 -> March = the 30-day count
    assert out["2025-01"]["downloads"] == pytest.approx(600 * 31 / 59)
    assert out["2025-02"]["downloads"] == pytest.approx(600 - 600 * 31 / 59)
    assert out["2025-03"]["downloads"] == pytest.approx(400)
    assert all(r["estimated"] for r in out.values())
    assert [out[m]["backcast"] for m in ("2025-01", "2025-02", "2025-03")] == [True, True, False]
    assert any("single snapshot day (2025-03-31)" in n for n in result.notes)
    assert any("back-cast months (2025-01 to 2025-02" in n for n in result.notes)
    assert list(w.metric("downloads").month) == ["2025-03"]


def test_since_until_keep_overlapping_months_and_all_time_cumulative(three_models):
    out = three_models.metric("downloads", by="size_bucket", since=date(2025, 3, 15), until=date(2025, 3, 31))
    assert list(out.month.unique()) == ["2025-03"]
    got = rows(out, "size_bucket")
    # 7-9B in March: Qwen/A 510 + meta-llama/B 620; cumulative adds Qwen/A's January and February (890)
    assert got["7-9B"]["downloads"] == pytest.approx(1130)
    assert got["7-9B"]["cumulative_downloads"] == pytest.approx(2020)
    assert got["7-9B"]["models"] == 2
    assert "unknown" in got  # stranger/C has no size bucket


def test_by_org_keeps_unresolved_namespace_as_its_own_org(three_models):
    out = three_models.metric("downloads", by="org")
    april = rows(out[out.month == "2025-04"], "org_key")
    assert set(april) == {"alibaba", "meta", "stranger"}
    assert april["stranger"]["region"] == "unresolved"
    assert april["alibaba"]["org_name"] == "Alibaba"


def test_compiles_for_spark(three_models):
    sql = spark_sql(grouped_downloads(three_models.context(), "region"))
    assert "MAX_BY" in sql and "DATEDIFF" in sql
