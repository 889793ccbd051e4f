"""`crossover`: the pure detection function, then each series on a hand-built warehouse."""

from __future__ import annotations

from datetime import date
from datetime import datetime as dt

import pandas as pd
import pytest
from metric_harness import MetricWarehouse

from atomscope.domain.errors import MetricRequestError
from atomscope.metrics.crossover import find_crossover


def pts(*pairs):
    return [(f"p{i}", a, b) for i, (a, b) in enumerate(pairs)]


def test_the_run_that_lasts_to_the_end_is_where_a_stays_ahead():
    # ahead at p1, p2 (run of 2), behind at p3, ahead at p4..p7 (run of 4, to the end)
    series = pts((1, 2), (3, 2), (3, 2), (1, 2), (5, 2), (5, 2), (5, 2), (5, 2))
    found = find_crossover(series, 3)
    assert (found.period, found.periods_ahead, found.a_value, found.b_value) == ("p4", 4, 5, 2)
    assert not found.from_start and found.stays_ahead
    # with N = 2 the early run is long enough too, but A lost that lead: it stays ahead from p4
    assert (find_crossover(series, 2).period, find_crossover(series, 2).periods_ahead) == ("p4", 4)


def test_a_lost_lead_is_the_first_long_enough_run_and_does_not_stay():
    # ahead p1..p3, behind p4, ahead p5 (too short to count)
    found = find_crossover(pts((1, 2), (3, 2), (3, 2), (3, 2), (1, 2), (3, 2)), 3)
    assert (found.period, found.periods_ahead, found.stays_ahead) == ("p1", 3, False)


def test_ties_are_not_ahead_and_no_crossover_reports_the_current_run():
    series = pts((1, 2), (2, 2), (3, 2), (4, 2))
    found = find_crossover(series, 3)
    # p1 is a tie: the run is p2, p3 only -> no crossover, current run 2, values at the last period
    assert (found.period, found.periods_ahead, found.a_value, found.b_value) == (None, 2, 4, 2)
    assert find_crossover([], 3) == find_crossover([], 1)
    assert find_crossover([], 3).period is None and find_crossover([], 3).periods_ahead == 0


def test_ahead_from_the_first_period_is_flagged():
    found = find_crossover(pts((3, 1), (3, 1), (3, 1)), 3)
    assert found.period == "p0" and found.periods_ahead == 3 and found.from_start


def add_monthly_model(w, model_id, monthly):
    """Released 2025-01-01, snapshotted on the first of each month: exact monthly downloads."""
    w.model(model_id, size_bucket="7-9B", release=date(2025, 1, 1))
    total = 0
    for month, downloads in enumerate([0, *monthly], start=1):
        total += downloads
        w.snapshot(model_id, date(2025, month, 1), total, 0)


@pytest.fixture
def regions(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    # months Jan..Jun: us 100 each; china 50, 80, 120, 150, 90, 200
    add_monthly_model(w, "meta-llama/L", [100, 100, 100, 100, 100, 100])
    add_monthly_model(w, "Qwen/Q", [50, 80, 120, 150, 90, 200])
    return w


def test_downloads_share_crossover(regions):
    row = regions.metric("crossover", periods=2).iloc[0]
    # china ahead in March and April (run of 2), behind in May, ahead in June
    assert row.series == "downloads_share" and (row.region_a, row.region_b) == ("china", "us")
    assert row.crossover_period == "2025-03" and row.periods_ahead == 2 and not row.stays_ahead
    assert row.a_value == pytest.approx(120 / 220) and row.b_value == pytest.approx(100 / 220)
    # July (month-to-date from the July 1 snapshot, complete = false) is left out of the series rather
    # than read as a 0 / 0 tie: the current run is June alone
    none = regions.result("crossover", periods=3)
    row = none.table.to_pandas().iloc[0]
    assert pd.isna(row.crossover_period)
    assert row.periods_ahead == 1
    assert any("no crossover" in n for n in none.notes)
    assert any("left out" in n and "2025-07" in n for n in none.notes)


def test_the_other_way_round(regions):
    row = regions.metric("crossover", a="us", b="china", periods=2).iloc[0]
    # us ahead in January and February
    assert row.crossover_period == "2025-01" and row.periods_ahead == 2
    assert row.a_value == pytest.approx(100 / 150)


def test_derivative_share_crossover(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    w.model("Qwen/Q").model("meta-llama/L")
    plan = {  # month -> (china derivatives, us derivatives)
        1: (1, 2),
        2: (2, 1),
        3: (2, 0),
    }
    for month, (china, us) in plan.items():
        for i in range(china):
            w.edge(f"c{month}{i}/d", "Qwen/Q", "finetune").hub_model(f"c{month}{i}/d", dt(2025, month, 2), 10)
        for i in range(us):
            w.edge(f"u{month}{i}/d", "meta-llama/L", "finetune").hub_model(f"u{month}{i}/d", dt(2025, month, 2), 10)
    row = w.metric("crossover", series="derivative_share", periods=2).iloc[0]
    # January china 1/3; February 2/3 vs 1/3; March 2/2 vs 0 -> ahead February and March
    assert row.crossover_period == "2025-02" and row.periods_ahead == 2
    assert row.a_value == pytest.approx(2 / 3) and row.b_value == pytest.approx(1 / 3)


def test_best_arena_score_crossover(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    w.con.execute("INSERT INTO org_aliases VALUES ('lmarena', 'Alibaba', 'alibaba'), ('lmarena', 'Meta', 'meta')")
    scores = {  # snapshot -> (best open Chinese score, best open US score)
        date(2025, 1, 1): (1200, 1250),
        date(2025, 2, 1): (1260, 1250),
        date(2025, 3, 1): (1270, 1255),
        date(2025, 4, 1): (1280, 1260),
    }
    line = 0
    for day, (china, us) in scores.items():
        for model, score, org in [
            ("qwen-open", china, "Alibaba"),
            ("llama-open", us, "Meta"),
            ("qwen-low", 900, "Alibaba"),
        ]:
            line += 1
            w.con.execute(
                "INSERT INTO arena_scores (snapshot_date, model, arena_score, organization, license, source_line)"
                " VALUES (?, ?, ?, ?, 'Apache 2.0', ?)",
                [day, model, score, org, line],
            )
    row = w.metric("crossover", series="best_arena_score").iloc[0]
    # china ahead from February for three snapshots
    assert row.crossover_period == "2025-02-01" and row.periods_ahead == 3
    assert (row.a_value, row.b_value) == (1260, 1250)


def test_releases_crossover_by_year(tmp_path):
    w = MetricWarehouse(tmp_path)
    counts = {2022: (1, 3), 2023: (4, 3), 2024: (5, 2)}  # year -> (China, USA) open-weight releases
    line = 0
    for year, (china, us) in counts.items():
        for country, n in (("China", china), ("United States of America", us)):
            for _ in range(n):
                line += 1
                w.con.execute(
                    "INSERT INTO epoch_models (model, publication_date, model_accessibility,"
                    " country_of_organization, source_line) VALUES (?, ?, 'Open weights (unrestricted)', ?, ?)",
                    [f"m{line}", date(year, 6, 1), country, line],
                )
    row = w.metric("crossover", series="releases", periods=2).iloc[0]
    assert row.crossover_period == "2023" and row.periods_ahead == 2
    assert (row.a_value, row.b_value) == (4, 3)


def test_unknown_series_is_refused(regions):
    with pytest.raises(MetricRequestError, match="series must be one of"):
        regions.metric("crossover", series="vibes")
