"""The SYNTHETIC history generator (benchmarks/tests only) and the publication guard that refuses it."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from synthetic_fixtures import SYNTHETIC_SPEC as SPEC

from atomscope.testing.synthetic_history import LAKE_MARKER, HistorySpec, generate_history, write_parquet_lake
from atomscope.warehouse import db
from atomscope.warehouse.provenance import (
    NotPublishableError,
    is_synthetic_lake,
    is_synthetic_warehouse,
    refuse_unpublishable,
)


def _rows(path, sql, params=()):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_history_is_labelled_synthetic_everywhere(synthetic_db):
    path, summary = synthetic_db
    assert summary["snapshot_rows"] > 0.6 * SPEC.models * SPEC.days
    assert _rows(path, "SELECT DISTINCT source, endpoint FROM hf_snapshots") == [
        ("synthetic", "synthetic://atomscope.testing.synthetic_history")
    ]
    assert _rows(path, "SELECT count(*) FROM hf_snapshots WHERE NOT list_contains(tags, 'synthetic')") == [(0,)]
    assert _rows(path, "SELECT kind, status FROM load_runs WHERE kind = 'synthetic'") == [("synthetic", "ok")]
    details = json.loads(_rows(path, "SELECT details FROM load_runs WHERE kind = 'synthetic'")[0][0])
    assert details["synthetic"] is True and details["spec"]["models"] == SPEC.models
    # real_ids=False: every snapshotted id is a synthetic one
    assert _rows(path, "SELECT count(*) FROM hf_snapshots WHERE model_id NOT LIKE '%/synthetic-%'") == [(0,)]
    assert _rows(path, "SELECT count(*) FROM hub_models WHERE author NOT LIKE 'synth-%'") == [(0,)]


def test_guard_refuses_synthetic_and_accepts_real(synthetic_db, bundled_db):
    path, _ = synthetic_db
    assert is_synthetic_warehouse(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert is_synthetic_warehouse(con)
        with pytest.raises(NotPublishableError, match="SYNTHETIC"):
            refuse_unpublishable(con)
    assert not is_synthetic_warehouse(bundled_db)
    with duckdb.connect(str(bundled_db), read_only=True) as con:
        refuse_unpublishable(con)


def test_same_seed_same_rows(tmp_path, synthetic_db):
    path, _ = synthetic_db
    con = db.connect(tmp_path / "again.duckdb")
    generate_history(con, SPEC)
    query = (
        "SELECT model_id, snapshot_date, downloads_30d, downloads_all_time, likes, created_at FROM hf_snapshots"
        " ORDER BY model_id, snapshot_date"
    )
    again = con.execute(query).fetchall()
    con.close()
    assert again == _rows(path, query)


def test_downloads_are_cumulative_and_heavy_tailed(synthetic_db):
    path, _ = synthetic_db
    # the all-time count never drops except on the one day of a Hub recount (a few models)
    drops = _rows(
        path,
        "SELECT count(DISTINCT model_id) FROM (SELECT model_id, downloads_all_time - lag(downloads_all_time)"
        " OVER (PARTITION BY model_id ORDER BY snapshot_date) AS d FROM hf_snapshots) WHERE d < 0",
    )[0][0]
    assert drops <= max(2, SPEC.models * 0.05)
    # downloads_30d = growth of the all-time count over 30 days (when both days were collected, no recount)
    total, equal = _rows(
        path,
        "SELECT count(*), count(*) FILTER (a.downloads_all_time - b.downloads_all_time = a.downloads_30d)"
        " FROM hf_snapshots a JOIN hf_snapshots b ON a.model_id = b.model_id"
        " AND b.snapshot_date = a.snapshot_date - 30",
    )[0]
    assert total > 0 and equal / total > 0.97
    # heavy tail: the top model has far more than the median
    p50, top = _rows(path, "SELECT median(downloads_30d), max(downloads_30d) FROM hf_snapshots")[0]
    assert top > 20 * max(p50, 1)
    # models released during the window have no rows before their creation day
    assert _rows(path, "SELECT count(*) FROM hf_snapshots WHERE created_at::DATE > snapshot_date") == [(0,)]


def test_orgs_and_regions_come_from_the_catalog(synthetic_db):
    path, _ = synthetic_db
    resolved = _rows(
        path,
        "SELECT count(DISTINCT m.hf_org), count(DISTINCT o.region) FROM hf_snapshots s"
        " JOIN models m USING (model_id) JOIN org_aliases a ON a.source = 'hf' AND a.alias = m.hf_org"
        " JOIN organizations o USING (org_key)",
    )[0]
    assert resolved[0] >= 10 and resolved[1] >= 3
    assert _rows(path, "SELECT count(*) FROM derivative_edges")[0][0] > 0


def test_write_parquet_lake_streams_snapshots(tmp_path):
    spec = HistorySpec(models=40, days=20, start=date(2025, 6, 1), real_ids=False, derivatives=False)
    summary = write_parquet_lake(tmp_path / "lake", spec)
    lake = tmp_path / "lake"
    assert (lake / LAKE_MARKER).exists() and is_synthetic_lake(lake)
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT count(*), count(DISTINCT snapshot_date), count(DISTINCT source)"
            " FROM read_parquet(?, hive_partitioning = true)",
            [str(lake / "hf_snapshots" / "**" / "*.parquet")],
        ).fetchone()
        facts = con.execute("SELECT count(*) FROM read_parquet(?)", [str(lake / "model_facts.parquet")]).fetchone()
    assert rows[0] == summary["snapshot_rows"] > 0 and rows[1] <= 20 and rows[2] == 1
    assert facts[0] >= 40
