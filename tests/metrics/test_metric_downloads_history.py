"""`downloads` over imported history: 30-day-only months, and snapshots flagged by source-quality checks."""

from __future__ import annotations

from datetime import date

import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.metrics.downloads import grouped_downloads


def _by_month(frame):
    return {r["month"]: r for r in frame.to_dict(orient="records")}


def _flag(w: MetricWarehouse, day: date, flag: str) -> None:
    w.con.execute(
        "INSERT INTO snapshot_quality VALUES (?, 'api', ?, 'synthetic test flag', NULL, NULL, 1, now()::TIMESTAMP)",
        [day, flag],
    )


@pytest.fixture
def mixed(tmp_path):
    """Qwen/A released 2024-10-10: 30-day-only snapshots on 2024-12-01 and 2025-01-02 (the CSV era), all-time
    snapshots from 2025-03-01 on."""
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen")
    w.model("Qwen/A", size_bucket="7-9B", release=date(2024, 10, 10))
    w.snapshot("Qwen/A", date(2024, 12, 1), None, 300)
    w.snapshot("Qwen/A", date(2025, 1, 2), None, 600)
    w.snapshot("Qwen/A", date(2025, 3, 1), 5000, 900)
    w.snapshot("Qwen/A", date(2025, 4, 1), 6000, 1000)
    w.snapshot("Qwen/A", date(2025, 5, 1), 7500, 1500)
    return w


def test_months_with_30_day_counts_only_are_scaled_and_flagged_estimated(mixed):
    result = mixed.result("downloads", by="model", backcast="true")
    out = _by_month(result.table.to_pandas())
    # November lies before the month of the earliest snapshot (2024-12-01): back-cast, shown on request
    assert out["2024-11"]["backcast"] and not out["2024-12"]["backcast"]
    # the snapshot of 2024-12-01 is nearest the end of November, the one of 2025-01-02 the end of December
    assert out["2024-11"]["downloads"] == pytest.approx(300 * 30 / 30)
    assert out["2024-12"]["downloads"] == pytest.approx(600 * 31 / 30)
    assert out["2024-11"]["estimated"] and out["2024-12"]["estimated"]
    assert out["2024-12"]["measured_share"] == 0
    # bracketed by all-time counts: computed as before (growth of the all-time count)
    assert out["2025-03"]["downloads"] == pytest.approx(1000) and not out["2025-03"]["estimated"]
    assert out["2025-03"]["measured_share"] == 1
    assert out["2025-04"]["downloads"] == pytest.approx(1500)
    assert any("30-day count at the snapshot nearest the month's end" in n for n in result.notes)


def test_a_flagged_rollback_is_not_interpolated_through_but_a_single_drop_stays_negative(tmp_path):
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen")
    for name in ("A", "B"):
        w.model(f"Qwen/{name}", size_bucket="7-9B", release=date(2025, 1, 1))
    w.snapshot("Qwen/A", date(2025, 3, 1), 1000, 300).snapshot("Qwen/A", date(2025, 4, 1), 400, 100)
    w.snapshot("Qwen/A", date(2025, 5, 1), 2000, 300)
    w.snapshot("Qwen/B", date(2025, 3, 1), 1000, 300).snapshot("Qwen/B", date(2025, 4, 1), 900, 100)
    w.snapshot("Qwen/B", date(2025, 5, 1), 1100, 300)
    before = _by_month(w.metric("downloads", by="model").query("model_id == 'Qwen/A'"))
    assert before["2025-03"]["downloads"] == pytest.approx(-600)  # unflagged: the fall is growth
    _flag(w, date(2025, 4, 1), "rollback")
    result = w.result("downloads", by="model")
    frame = result.table.to_pandas()
    a = _by_month(frame[frame.model_id == "Qwen/A"])
    b = _by_month(frame[frame.model_id == "Qwen/B"])
    # 2025-04-01 is left out: March + April are the growth from 03-01 to 05-01, split by days
    assert a["2025-03"]["downloads"] == pytest.approx(1000 * 31 / 61)
    assert a["2025-04"]["downloads"] == pytest.approx(1000 * 30 / 61)
    assert b["2025-03"]["downloads"] == pytest.approx(100 * 31 / 61)  # its own drop went with the flagged day
    assert any("source-quality checks (1 rollback" in n for n in result.notes)


def test_a_single_models_drop_on_an_unflagged_day_stays_negative_growth(mixed):
    mixed.snapshot("Qwen/A", date(2025, 6, 1), 7000, 1200)
    out = _by_month(mixed.metric("downloads", by="model"))
    assert out["2025-05"]["downloads"] == pytest.approx(-500)


def test_compiles_for_spark_with_the_history_tables(mixed):
    sql = spark_sql(grouped_downloads(mixed.context(), "region"))
    assert "snapshot_quality" in sql
