"""The `complete` flag of the monthly Hub metrics (metrics/periods.py) and what `crossover` does with it,
on hand-built warehouses (test data written here, not real Hub figures)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.metrics.concentration import concentration_table
from atomscope.metrics.derivatives import derivatives_table
from atomscope.metrics.downloads import grouped_downloads

DUMP_DAYS = [date(2025, m, 1) for m in range(4, 10)]  # six monthly dumps, 2025-04-01 .. 2025-09-01


def months(frame, column):
    return {r["month"]: r[column] for r in frame.to_dict("records")}


@pytest.fixture
def monthly_dumps(tmp_path):
    """The issue's warehouse: two models released in January, first seen in the April dump, then one dump
    on the first of each month up to September (so September is month-to-date)."""
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    for model_id, per_month in (("Qwen/Q", 300), ("meta-llama/L", 200)):
        w.model(model_id, size_bucket="7-9B", release=date(2025, 1, 1))
        for i, day in enumerate(DUMP_DAYS):
            total = per_month * (3 + i)  # Jan..Mar before the first dump: 3 months' worth at 04-01
            w.snapshot(model_id, day, total, per_month)
    return w


def test_month_of_the_latest_snapshot_is_unfinished(monthly_dumps):
    out = monthly_dumps.metric("downloads", by="model", backcast="true")
    qwen = out[out.model_id == "Qwen/Q"]
    complete = months(qwen, "complete")
    # September has only its first day (09-01 snapshot): to date. Every earlier month ends before 09-01.
    assert complete == {f"2025-{m:02d}": m < 9 for m in range(1, 10)}
    # January..March lie before the first snapshot: estimated, yet finished (the data goes past them)
    estimated = months(qwen, "estimated")
    assert [m for m, e in estimated.items() if e] == ["2025-01", "2025-02", "2025-03"]
    # ... and back-cast: before the month of the first snapshot, so shown only on request
    assert [m for m, b in months(qwen, "backcast").items() if b] == ["2025-01", "2025-02", "2025-03"]
    assert min(monthly_dumps.metric("downloads", by="model").month) == "2025-04"
    # the unfinished month is the one that reads as a collapse: 0 downloads after the 09-01 snapshot
    assert months(qwen, "downloads")["2025-09"] == pytest.approx(0)


def test_every_grouping_and_concentration_carry_the_same_flag(monthly_dumps):
    for by in ("region", "org", "size_bucket"):
        flags = monthly_dumps.metric("downloads", by=by, backcast="true").groupby("month")["complete"].agg(set)
        flags = flags.to_dict()
        assert flags == {f"2025-{m:02d}": {m < 9} for m in range(1, 10)}, by
    conc = monthly_dumps.metric("concentration", backcast="true")
    assert months(conc, "complete") == {f"2025-{m:02d}": m < 9 for m in range(1, 9)}  # Sept: no downloads
    assert [m for m, b in months(conc, "backcast").items() if b] == ["2025-01", "2025-02", "2025-03"]
    assert min(monthly_dumps.metric("concentration").month) == "2025-04"


def test_a_snapshot_on_the_last_day_finishes_the_month(tmp_path):
    w = MetricWarehouse(tmp_path).org("meta", "us", "meta-llama")
    w.model("meta-llama/L", size_bucket="7-9B", release=date(2025, 3, 1))
    w.snapshot("meta-llama/L", date(2025, 3, 1), 0, 0)
    w.snapshot("meta-llama/L", date(2025, 4, 29), 100, 90)
    assert months(w.metric("downloads"), "complete") == {"2025-03": True, "2025-04": False}
    w.snapshot("meta-llama/L", date(2025, 4, 30), 110, 95)
    assert months(w.metric("downloads"), "complete") == {"2025-03": True, "2025-04": True}


def test_thirty_day_only_snapshots_count_as_observations(tmp_path):
    w = MetricWarehouse(tmp_path).org("meta", "us", "meta-llama")
    w.model("meta-llama/L", size_bucket="7-9B", release=date(2024, 11, 1))
    # known only through 30-day counts (dumps from before the Hub published all-time totals)
    w.snapshot("meta-llama/L", date(2024, 12, 31), None, 300)
    w.snapshot("meta-llama/L", date(2025, 1, 20), None, 310)
    # December ends before the 01-20 snapshot: finished; January (estimated from the 01-20 count) is not
    assert months(w.metric("downloads"), "complete") == {"2024-12": True, "2025-01": False}


def test_until_does_not_finish_a_month(monthly_dumps):
    out = monthly_dumps.metric("downloads", since=date(2025, 8, 1), until=date(2025, 9, 30))
    assert months(out, "complete") == {"2025-08": True, "2025-09": False}


def test_derivatives_month_of_the_latest_crawl_is_unfinished(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen")
    w.model("Qwen/Q")
    w.edge("a/d1", "Qwen/Q", "finetune").hub_model("a/d1", datetime(2025, 12, 3), 10)
    w.edge("a/d2", "Qwen/Q", "finetune").hub_model("a/d2", datetime(2025, 11, 20), 10)
    # metric_harness crawls on 2026-01-01 (SEEN): December is finished, the crawl month would not be
    assert months(w.metric("derivatives"), "complete") == {"2025-11": True, "2025-12": True}
    w.con.execute("UPDATE hub_models SET last_seen_at = TIMESTAMP '2025-12-10 08:00:00'")
    assert months(w.metric("derivatives"), "complete") == {"2025-11": True, "2025-12": False}


def test_crossover_leaves_out_the_unfinished_month_and_flags_estimates(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    # us: 100 a month from its release on 04-01 (measured from the start)
    w.model("meta-llama/L", size_bucket="7-9B", release=date(2025, 4, 1))
    # china: released 01-01, first snapshot 04-01 with 900 (estimated Jan..Mar: 300 a month), then 50/month
    w.model("Qwen/Q", size_bucket="7-9B", release=date(2025, 1, 1))
    for i, day in enumerate(DUMP_DAYS[:4]):  # 04-01 .. 07-01
        w.snapshot("meta-llama/L", day, 100 * i, 100)
        w.snapshot("Qwen/Q", day, 900 + 50 * i, 300)
    row = w.metric("crossover", periods=3).iloc[0]
    # China ahead Jan..Mar only, months before the first snapshot (back-cast, us has no downloads yet):
    # never a crossover; behind Apr..Jun; July (to date) left out
    assert pd.isna(row.crossover_period) and row.periods_ahead == 0
    us = w.metric("crossover", a="us", b="china", periods=3).iloc[0]
    assert us.crossover_period == "2025-04" and us.periods_ahead == 3 and not us.estimated


def test_compiles_for_spark(monthly_dumps):
    ctx = monthly_dumps.context()
    derivatives_ctx = monthly_dumps.context(min_downloads=5, max_depth=10, top=10)
    for expr in (
        grouped_downloads(ctx, "region"),
        concentration_table(ctx, "all"),
        derivatives_table(derivatives_ctx, "region"),
    ):
        assert "CROSS JOIN" in spark_sql(expr).upper()
