"""`downloads --by hub` and `hubs=both`: ModelScope's cumulative totals beside the Hub's (SYNTHETIC rows)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from metric_harness import MetricWarehouse

SEEN = datetime(2025, 5, 1, 12)


def ms_snapshot(w, ms_id: str, day: date, downloads: int, org_key: str, twin: str | None) -> None:
    w.con.execute(
        "INSERT INTO modelscope_snapshots (snapshot_date, modelscope_id, namespace, downloads, created_at, org_key,"
        " model_id, match, collected_at, endpoint, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'http://127.0.0.1', 1)",
        [day, ms_id, ms_id.split("/")[0], downloads, datetime(2025, 3, 1), org_key, twin,
         "name" if twin else None, SEEN],
    )  # fmt: skip


@pytest.fixture
def two_hubs(tmp_path):
    """Hub: Qwen/A +300 a month, meta-llama/B +900 a month (March, April). ModelScope: Qwen/A's twin +600
    then +300; Qwen/A-ms-only (unmapped) +100 then +0. Every repository starts from 0 on 2025-03-01."""
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    w.model("Qwen/A", size_bucket="7-9B", release=date(2025, 3, 1))
    w.model("meta-llama/B", size_bucket="7-9B", release=date(2025, 3, 1))
    for day, a, b in ((date(2025, 3, 1), 0, 0), (date(2025, 4, 1), 300, 900), (date(2025, 5, 1), 600, 1800)):
        w.snapshot("Qwen/A", day, a, 0).snapshot("meta-llama/B", day, b, 0)
    for day, twin, only in ((date(2025, 3, 1), 0, 0), (date(2025, 4, 1), 600, 100), (date(2025, 5, 1), 900, 100)):
        ms_snapshot(w, "Qwen/A", day, twin, "alibaba", "Qwen/A")
        ms_snapshot(w, "Qwen/A-ms-only", day, only, "alibaba", None)
    yield w
    w.close()


def by(frame, *keys):
    return {tuple(r[k] for k in keys): r for r in frame.to_dict("records")}


def test_by_hub_shows_both_hubs_with_modelscope_months_from_differences_of_totals(two_hubs):
    result, frame = two_hubs.run("downloads", by="hub")
    rows = by(frame, "month", "hub")
    assert rows[("2025-03", "huggingface")]["downloads"] == pytest.approx(1200)
    assert rows[("2025-03", "modelscope")]["downloads"] == pytest.approx(700)  # 600 + 100
    assert rows[("2025-04", "modelscope")]["downloads"] == pytest.approx(300)  # 300 + 0
    assert rows[("2025-03", "modelscope")]["share"] == pytest.approx(700 / 1900)
    assert rows[("2025-04", "modelscope")]["cumulative_downloads"] == pytest.approx(1000)
    assert rows[("2025-03", "modelscope")]["complete"] and not rows[("2025-05", "modelscope")]["complete"]
    assert not rows[("2025-03", "modelscope")]["estimated"]
    assert any("ModelScope figures are differences" in n for n in result.notes)


def test_regions_and_models_combine_both_hubs_and_unmapped_stays_apart(two_hubs):
    _r, hub_only = two_hubs.run("downloads", by="region")
    _r, both = two_hubs.run("downloads", by="region", hubs="both")
    assert by(hub_only, "month", "region")[("2025-03", "china")]["downloads"] == pytest.approx(300)
    assert by(both, "month", "region")[("2025-03", "china")]["downloads"] == pytest.approx(1000)
    assert by(both, "month", "region")[("2025-03", "us")]["downloads"] == pytest.approx(900)
    _r, models = two_hubs.run("downloads", by="model", hubs="both")
    rows = by(models, "month", "model_id")
    assert rows[("2025-03", "Qwen/A")]["downloads"] == pytest.approx(900)  # 300 on the Hub + 600 on its twin
    assert rows[("2025-03", "modelscope:Qwen/A-ms-only")]["downloads"] == pytest.approx(100)
    assert rows[("2025-03", "modelscope:Qwen/A-ms-only")]["region"] == "china"


def test_crossover_on_the_hub_alone_and_on_both_hubs(two_hubs):
    _r, alone = two_hubs.run("crossover", periods=1)
    _r, both = two_hubs.run("crossover", periods=1, hubs="both")
    assert pd.isna(alone.iloc[0]["crossover_period"])  # china 25 % vs us 75 % in March and April
    assert both.iloc[0]["crossover_period"] == "2025-03"  # china 1000 of 1900 in March


def test_a_month_before_the_first_modelscope_snapshot_is_estimated_from_creation(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen")
    w.model("Qwen/A", size_bucket="7-9B", release=date(2025, 3, 1))
    w.snapshot("Qwen/A", date(2025, 4, 1), 300, 300)
    # created 2025-03-01, first seen 2025-04-01 with 310: March holds all 310, estimated
    ms_snapshot(w, "Qwen/A", date(2025, 4, 1), 310, "alibaba", "Qwen/A")
    # March is before the earliest Hub snapshot's month: back-cast, shown on request
    _r, frame = w.run("downloads", by="hub", backcast=True)
    row = by(frame, "month", "hub")[("2025-03", "modelscope")]
    assert row["downloads"] == pytest.approx(310) and row["estimated"]
    w.close()


def test_without_modelscope_snapshots_by_hub_names_the_command(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen")
    w.model("Qwen/A", size_bucket="7-9B", release=date(2025, 3, 1))
    w.snapshot("Qwen/A", date(2025, 3, 1), 0, 0).snapshot("Qwen/A", date(2025, 4, 1), 300, 300)
    result, frame = w.run("downloads", by="hub")
    assert set(frame["hub"]) == {"huggingface"}
    assert any("atomscope collect modelscope" in n for n in result.notes)
    w.close()
