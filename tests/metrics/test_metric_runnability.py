"""`runnability` on a hand-built warehouse: memory per quantization, classes, shares and the best per class.

Models (total parameters, billions):
    Qwen/Small 3 (china)     bf16 7.2 -> 8gb     int8 3.6          q4 1.8
    Qwen/Big 235 (china)     bf16 564 -> 640gb   int8 282 -> 640gb q4 141 -> 640gb
    meta-llama/Mid 70 (us)   bf16 168 -> 640gb   int8 84 -> 640gb  q4 42 -> 48gb
    meta-llama/Huge 405 (us) bf16 972 -> cluster int8 486 -> 640gb q4 243 -> 640gb
    meta-llama/NoSize (us)   unknown parameters: not in --by model, counted in models_tracked only
"""

from __future__ import annotations

from datetime import date

import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.domain.errors import MetricRequestError
from atomscope.domain.hardware import memory_gb, smallest_class

SIZES = {"Qwen/Small": 3.0, "Qwen/Big": 235.0, "meta-llama/Mid": 70.0, "meta-llama/Huge": 405.0}

ARENA = [  # snapshot, arena name, organization, score, license, mapped repo
    (date(2025, 1, 1), "qwen-small", "Alibaba", 1200.0, "Apache 2.0", "Qwen/Small"),
    (date(2025, 1, 1), "llama-mid", "Meta", 1250.0, "Llama 3.1 Community", "meta-llama/Mid"),
    (date(2025, 1, 1), "qwen-big", "Alibaba", 1300.0, "Qwen", "Qwen/Big"),
    (date(2025, 1, 1), "closed-x", "Meta", 1400.0, "Proprietary", "meta-llama/Huge"),  # closed: never counted
    (date(2025, 2, 1), "qwen-small", "Alibaba", 1210.0, "Apache 2.0", "Qwen/Small"),
    (date(2025, 2, 1), "llama-mid", "Meta", 1240.0, "Llama 3.1 Community", "meta-llama/Mid"),
    (date(2025, 2, 1), "qwen-big", "Alibaba", 1290.0, "Qwen", "Qwen/Big"),
    (date(2025, 2, 1), "llama-huge", "Meta", 1320.0, "Llama 3.1 Community", "meta-llama/Huge"),
    (date(2025, 3, 1), "llama-huge", "Meta", 1330.0, "Llama 3.1 Community", "meta-llama/Huge"),
    (date(2025, 3, 1), "unmapped", "Meta", 1500.0, "MIT", None),  # no repository: left out
]


@pytest.fixture
def wh(tmp_path):
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    for model_id, size in SIZES.items():
        w.model(model_id, params_b=size)
    w.model("meta-llama/NoSize")
    w.con.execute("INSERT INTO org_aliases VALUES ('lmarena', 'Alibaba', 'alibaba'), ('lmarena', 'Meta', 'meta')")
    w.con.execute(  # the table comes with the bundled mapping's migration; created here on older schemas
        "CREATE TABLE IF NOT EXISTS arena_model_repos (arena_model VARCHAR PRIMARY KEY, model_id VARCHAR NOT NULL,"
        " reason VARCHAR NOT NULL, source VARCHAR NOT NULL, source_line INTEGER NOT NULL)"
    )
    for i, (day, name, org, score, license_, _repo) in enumerate(ARENA):
        w.con.execute(
            "INSERT INTO arena_scores (snapshot_date, model, arena_score, organization, license, source_line)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [day, name, score, org, license_, i + 2],
        )
    mapped = {(name, repo) for _d, name, _o, _s, _l, repo in ARENA if repo}
    for line, (name, repo) in enumerate(sorted(mapped), start=2):
        w.con.execute(
            "INSERT INTO arena_model_repos (arena_model, model_id, reason, source, source_line)"
            " VALUES (?, ?, 'test', 'test', ?)",
            [name, repo, line],
        )
    return w


def test_memory_formula_and_classes():
    assert memory_gb(70, 4) == pytest.approx(42.0)
    assert memory_gb(8, 16) == pytest.approx(19.2)
    assert [smallest_class(m) for m in (8.0, 8.01, 24, 80.5, 640, 640.1)] == [
        "8gb",
        "16gb",
        "24gb",
        "640gb",
        "640gb",
        "cluster",
    ]
    assert smallest_class(None) is None


def test_by_model_lists_every_quantization_with_memory_and_class(wh):
    frame = wh.metric("runnability", by="model")
    assert list(frame.columns) == [
        "model_id",
        "org_name",
        "region",
        "total_params_b",
        "quantization",
        "memory_gb",
        "smallest_class",
    ]
    assert "meta-llama/NoSize" not in set(frame.model_id)
    got = {(r.model_id, r.quantization): (round(r.memory_gb, 4), r.smallest_class) for r in frame.itertuples()}
    assert got[("Qwen/Small", "bf16")] == (7.2, "8gb")
    assert got[("Qwen/Small", "q4")] == (1.8, "8gb")
    assert got[("meta-llama/Mid", "q4")] == (42.0, "48gb")
    assert got[("meta-llama/Mid", "int8")] == (84.0, "640gb")
    assert got[("meta-llama/Huge", "bf16")] == (972.0, "cluster")
    assert got[("Qwen/Big", "q4")] == (141.0, "640gb")
    assert set(frame[frame.model_id == "Qwen/Big"].region) == {"china"}


def test_by_region_counts_cumulative_fits_over_known_sizes(wh):
    frame = wh.metric("runnability", by="region")
    row = {(r.region, r.quantization, r.hardware_class): r for r in frame.itertuples()}
    us_q4_48 = row[("us", "q4", "48gb")]
    assert (us_q4_48.models_fit, us_q4_48.models_known, us_q4_48.models_tracked) == (1, 2, 3)
    assert us_q4_48.share_fit == pytest.approx(0.5)
    assert row[("us", "q4", "24gb")].models_fit == 0
    assert row[("us", "q4", "640gb")].models_fit == 2
    assert row[("china", "bf16", "8gb")].models_fit == 1
    assert row[("china", "bf16", "80gb")].models_fit == 1
    assert row[("us", "bf16", "640gb")].models_fit == 1
    assert row[("us", "bf16", "cluster")].share_fit == pytest.approx(1.0)
    assert len(frame) == 2 * 3 * 7


def test_by_best_picks_the_best_fitting_open_model_and_its_lead(wh):
    frame = wh.metric("runnability", by="best", snapshots="all")
    best = {(r.snapshot_date.date().isoformat(), r.hardware_class, r.region): r for r in frame.itertuples()}
    # 48gb: Meta's 70B fits at q4 (42 GB); Alibaba's 3B only (235B needs 141 GB)
    assert best[("2025-01-01", "48gb", "us")].arena_model == "llama-mid"
    assert best[("2025-01-01", "48gb", "china")].arena_model == "qwen-small"
    # 640gb: the closed entry never counts; from February the 405B leads for the US
    assert best[("2025-01-01", "640gb", "us")].arena_model == "llama-mid"
    assert best[("2025-02-01", "640gb", "us")].arena_model == "llama-huge"
    lead = best[("2025-03-01", "640gb", "us")]
    assert (lead.arena_model, lead.leading_since.date()) == ("llama-huge", date(2025, 2, 1))
    assert best[("2025-02-01", "48gb", "us")].leading_since.date() == date(2025, 1, 1)
    assert best[("2025-02-01", "8gb", "china")].model_id == "Qwen/Small"
    assert ("2025-01-01", "8gb", "us") not in best  # no US model fits 8 GB
    assert "unmapped" not in set(frame.arena_model)


def test_by_best_shows_the_latest_snapshot_unless_asked_for_all(wh):
    latest = wh.metric("runnability", by="best")
    assert set(latest.snapshot_date.dt.date) == {date(2025, 3, 1)}
    lead = latest[(latest.hardware_class == "640gb") & (latest.region == "us")].iloc[0]
    assert lead.leading_since.date() == date(2025, 2, 1)  # the run is still measured over the history
    every = wh.metric("runnability", by="best", snapshots="all")
    days = list(every.snapshot_date.dt.date)
    assert days == sorted(days, reverse=True) and days[0] == date(2025, 3, 1) and days[-1] == date(2025, 1, 1)
    until = wh.metric("runnability", by="best", until=date(2025, 2, 15))
    assert set(until.snapshot_date.dt.date) == {date(2025, 2, 1)}


def test_unknown_grouping_is_refused(wh):
    with pytest.raises(MetricRequestError):
        wh.metric("runnability", by="org")


@pytest.mark.parametrize("by", ["model", "region", "best"])
def test_compiles_for_spark(wh, by):
    assert "SELECT" in spark_sql(wh.result("runnability", by=by).table)
