"""`concentration` on hand-built warehouses; HHI, Gini and top-k shares worked out in the comments.

Every model is released on 2025-01-01 and snapshotted on the first of each month, so its monthly
downloads are exact differences of downloads_all_time (no interpolation, no estimate).
"""

from __future__ import annotations

from datetime import date

import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.metrics.concentration import concentration_table

MONTH_STARTS = (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1))


def add_model(w, model_id, jan, feb):
    w.model(model_id, size_bucket="7-9B", release=date(2025, 1, 1))
    for day, total in zip(MONTH_STARTS, (0, jan, jan + feb), strict=True):
        w.snapshot(model_id, day, total, 0)


@pytest.fixture
def three_labs(tmp_path):
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen").org("deepseek", "china", "deepseek-ai").org("meta", "us", "meta-llama")
    # January: alibaba 40 + 20 = 60, deepseek 30, meta 10 (total 100)
    # February: alibaba 30 + 20 = 50, deepseek 50, meta 0 (left out: no positive downloads)
    add_model(w, "Qwen/A", 40, 30)
    add_model(w, "Qwen/B", 20, 20)
    add_model(w, "deepseek-ai/C", 30, 50)
    add_model(w, "meta-llama/D", 10, 0)
    return w


def by_month(frame):
    return {r["month"]: r for r in frame.to_dict("records")}


def test_overall_hhi_gini_and_top_shares(three_labs):
    out = by_month(three_labs.metric("concentration"))
    jan = out["2025-01"]
    # shares 0.6, 0.3, 0.1 -> HHI = (0.36 + 0.09 + 0.01) * 10,000 = 4,600
    assert jan["hhi"] == pytest.approx(4600)
    # x ascending 10, 30, 60, n = 3: (2-4)*10 + (4-4)*30 + (6-4)*60 = 100; 100 / (3 * 100) = 1/3
    assert jan["gini"] == pytest.approx(1 / 3)
    assert jan["top1_org"] == "alibaba" and jan["top1_share"] == pytest.approx(0.6)
    assert jan["top5_share"] == pytest.approx(1.0)
    assert jan["organizations"] == 3 and jan["downloads"] == pytest.approx(100)
    feb = out["2025-02"]
    # 50 / 50: HHI = (0.25 + 0.25) * 10,000 = 5,000; Gini = ((2-3)*50 + (4-3)*50) / (2*100) = 0
    assert feb["hhi"] == pytest.approx(5000)
    assert feb["gini"] == pytest.approx(0)
    assert feb["organizations"] == 2  # meta had no downloads in February
    assert feb["top1_org"] == "alibaba"  # a tie goes to the smaller key
    assert not jan["estimated"]


def test_by_region_measures_within_each_region(three_labs):
    out = three_labs.metric("concentration", by="region")
    jan = {r["region"]: r for r in out[out.month == "2025-01"].to_dict("records")}
    # china: alibaba 60, deepseek 30 -> shares 2/3, 1/3 -> HHI = (4/9 + 1/9) * 10,000
    assert jan["china"]["hhi"] == pytest.approx(50000 / 9)
    # x ascending 30, 60, n = 2: (-1*30 + 1*60) / (2 * 90) = 1/6
    assert jan["china"]["gini"] == pytest.approx(1 / 6)
    # us: meta alone
    assert jan["us"]["hhi"] == pytest.approx(10000)
    assert jan["us"]["gini"] == pytest.approx(0)
    assert jan["us"]["top1_share"] == pytest.approx(1.0)


def test_top5_share_with_six_organizations(tmp_path):
    w = MetricWarehouse(tmp_path)
    for i, downloads in enumerate((6, 5, 4, 3, 2, 1)):
        w.org(f"org{i}", "us", f"hf{i}")
        add_model(w, f"hf{i}/m", downloads, 0)
    jan = by_month(w.metric("concentration"))["2025-01"]
    # total 21: top five hold 20/21; HHI = (36+25+16+9+4+1) / 441 * 10,000 = 91/441 * 10,000
    assert jan["top5_share"] == pytest.approx(20 / 21)
    assert jan["hhi"] == pytest.approx(910000 / 441)
    # x ascending 1..6, n = 6: -5*1 - 3*2 - 1*3 + 1*4 + 3*5 + 5*6 = 35; 35 / (6 * 21)
    assert jan["gini"] == pytest.approx(35 / 126)
    assert jan["top1_org"] == "org0"


def test_unresolved_namespace_is_its_own_organization(three_labs):
    add_model(three_labs, "someone/E", 100, 0)
    result = three_labs.result("concentration")
    jan = by_month(result.table.to_pandas())["2025-01"]
    # shares 100/200, 60/200, 30/200, 10/200 -> HHI = (2500 + 900 + 225 + 25) / 40000 * 10,000 = 3,650
    assert jan["organizations"] == 4
    assert jan["top1_org"] == "someone"
    assert jan["hhi"] == pytest.approx(3650)
    assert any("its own organization" in n for n in result.notes)


def test_compiles_for_spark(three_labs):
    assert "ROW_NUMBER" in spark_sql(concentration_table(three_labs.context(), "region"))
