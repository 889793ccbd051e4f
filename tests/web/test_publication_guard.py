"""The web app refuses warehouses that hold synthetic or emulator-collected data, however it is started."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from typer.testing import CliRunner

from atomscope.warehouse.provenance import NotPublishableError
from atomscope.web.app import create_app


def test_create_app_refuses_a_synthetic_warehouse(synthetic_db):
    path, _summary = synthetic_db
    with pytest.raises(NotPublishableError, match="SYNTHETIC"):
        create_app(path)


def _with_snapshot_from(bundled_db, tmp_path, *, synthetic: bool):
    path = tmp_path / "emulated.duckdb"
    shutil.copy(bundled_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "INSERT INTO load_runs (run_id, kind, started_at, finished_at, status, endpoint, synthetic)"
            " VALUES (990, 'hf_snapshot', now(), now(), 'ok', 'http://127.0.0.1:8765', ?)",
            [synthetic],
        )
        con.execute(
            "INSERT INTO hf_snapshots (model_id, snapshot_date, downloads_30d, downloads_all_time, collected_at,"
            " source, run_id, endpoint) VALUES ('Qwen/Qwen3-8B', DATE '2025-06-01', 1, 1, now(), 'api', 990,"
            " 'http://127.0.0.1:8765')"
        )
    return path


def test_create_app_refuses_hub_data_from_an_endpoint_labelled_synthetic(bundled_db, tmp_path):
    with pytest.raises(NotPublishableError, match=r"127\.0\.0\.1:8765"):
        create_app(_with_snapshot_from(bundled_db, tmp_path, synthetic=True))


def test_a_local_endpoint_that_does_not_say_synthetic_is_published(bundled_db, tmp_path):
    """A mirror or stand-in on loopback that does not label its answers is taken at its word."""
    assert create_app(_with_snapshot_from(bundled_db, tmp_path, synthetic=False)).state.store is not None


def test_create_app_accepts_the_bundled_warehouse_and_a_missing_one(bundled_db, tmp_path):
    assert create_app(bundled_db).state.store.path == bundled_db
    assert create_app(tmp_path / "not-yet.duckdb").state.store.path.name == "not-yet.duckdb"


def test_serve_refuses_a_synthetic_warehouse_with_a_clear_error(synthetic_db):
    from atomscope.cli import app

    path, _summary = synthetic_db
    result = CliRunner().invoke(app, ["serve", "--db", str(path), "--port", "0"])
    assert result.exit_code != 0
    assert isinstance(result.exception, NotPublishableError)


def test_any_table_a_synthetic_run_wrote_is_refused_not_only_the_hub_tables(bundled_db, tmp_path):
    """The guard reads which tables carry a run_id from the schema: OpenRouter rows of a labelled run count too."""
    path = tmp_path / "emulated.duckdb"
    shutil.copy(bundled_db, path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "INSERT INTO load_runs (run_id, kind, started_at, finished_at, status, endpoint, synthetic)"
            " VALUES (991, 'openrouter_models', now(), now(), 'ok', 'http://127.0.0.1:8766', true)"
        )
        con.execute(
            "INSERT INTO openrouter_models (listing_date, model_slug, base_slug, author, open_weights, collected_at,"
            " endpoint, run_id) VALUES (DATE '2025-06-01', 'qwen/q', 'qwen/q', 'qwen', true, now(),"
            " 'http://127.0.0.1:8766', 991)"
        )
    with pytest.raises(NotPublishableError, match=r"127\.0\.0\.1:8766"):
        create_app(path)
