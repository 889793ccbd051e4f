"""The report's "Beyond Hugging Face" section with real numbers (SYNTHETIC rows built here)."""

from __future__ import annotations

from datetime import date

import ibis
import pytest
from metric_harness import MetricWarehouse

from atomscope.metrics.downloads_report import beyond_hugging_face
from atomscope.metrics.frames import MetricData

# Hub: Qwen/A +300 in March and April, meta-llama/B +900 in each. ModelScope: Qwen/A's twin +600 then +300,
# Qwen/A-ms-only (no Hub twin) +100 then +0. Latest Hub snapshot 2025-05-01: March and April are finished.
HUB = ((date(2025, 3, 1), 0, 0), (date(2025, 4, 1), 300, 900), (date(2025, 5, 1), 600, 1800))
MS = ((date(2025, 3, 1), 0, 0), (date(2025, 4, 1), 600, 100), (date(2025, 5, 1), 900, 100))


def warehouse(tmp_path, with_modelscope: bool) -> MetricWarehouse:
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    w.model("Qwen/A", size_bucket="7-9B", release=date(2025, 3, 1))
    w.model("meta-llama/B", size_bucket="7-9B", release=date(2025, 3, 1))
    for day, a, b in HUB:
        w.snapshot("Qwen/A", day, a, 0).snapshot("meta-llama/B", day, b, 0)
    if with_modelscope:
        for day, twin, only in MS:
            for ms_id, total, hub_twin in (("Qwen/A", twin, "Qwen/A"), ("Qwen/A-ms-only", only, None)):
                w.con.execute(
                    "INSERT INTO modelscope_snapshots (snapshot_date, modelscope_id, namespace, downloads, created_at,"
                    " org_key, model_id, collected_at, endpoint, run_id) VALUES (?, ?, 'Qwen', ?, DATE '2025-03-01',"
                    " 'alibaba', ?, now(), 'http://127.0.0.1', 1)",
                    [day, ms_id, total, hub_twin],
                )
    return w


def test_section_shows_the_region_shift_and_the_models_mostly_downloaded_on_modelscope(tmp_path):
    w = warehouse(tmp_path, with_modelscope=True)
    section = beyond_hugging_face(MetricData(ibis.duckdb.from_connection(w.con)), w.con)
    assert not section.missing
    chart = section.charts[0].data
    march = chart[chart["month"] == "2025-03"].set_index("region")["downloads"]
    assert march["china"] == pytest.approx(1000) and march["us"] == pytest.approx(900)  # 300 + 600 + 100 | 900
    shift = {t.name: t.data for t in section.tables}["modelscope_share_shift"].set_index("region")
    # April: the Hub alone china 300 of 1200 (25 %); with ModelScope 600 of 1500 (40 %): +15 points
    assert shift.loc["china", "share_hugging_face"] == pytest.approx(0.25)
    assert shift.loc["china", "share_both_hubs"] == pytest.approx(0.4)
    assert shift.loc["china", "change_points"] == pytest.approx(15)
    top = {t.name: t.data for t in section.tables}["modelscope_top_models"]
    assert top["model_id"].tolist() == ["modelscope:Qwen/A-ms-only", "Qwen/A"]
    qwen = top.set_index("model_id").loc["Qwen/A"]
    assert (qwen["hugging_face"], qwen["modelscope"], qwen["modelscope_share"]) == (600, 900, 0.6)
    w.close()


def test_without_modelscope_snapshots_the_section_names_the_command(tmp_path):
    w = warehouse(tmp_path, with_modelscope=False)
    section = beyond_hugging_face(MetricData(ibis.duckdb.from_connection(w.con)), w.con)
    assert not section.charts and "atomscope collect modelscope" in section.missing[0]
    w.close()
