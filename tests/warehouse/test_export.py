"""`atomscope export`: Parquet lake and CSV folders from the warehouse (over a SYNTHETIC history)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from atomscope.warehouse.export import export_csv, export_parquet, lake_manifest, warehouse_tables
from atomscope.warehouse.provenance import is_synthetic_lake


def test_export_parquet_layout_and_overwrite_of_own_files(synthetic_db, tmp_path):
    path, summary = synthetic_db
    out = tmp_path / "lake"
    with duckdb.connect(str(path), read_only=True) as con:
        export_parquet(con, out)
        (out / "notes.txt").write_text("the user's file")
        counts = export_parquet(con, out, overwrite=True)
        tables = warehouse_tables(con)
    assert set(counts) == set(tables)
    assert (out / "notes.txt").read_text() == "the user's file"  # only the previous export's files replaced
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder left
    days = sorted(p.name for p in (out / "hf_snapshots").iterdir())
    assert days[0].startswith("snapshot_date=2025-03-01")
    manifest = lake_manifest(out)
    assert manifest["tables"]["hf_snapshots"] == summary["snapshot_rows"]
    assert manifest["columns"]["hf_snapshots"][:2] == ["model_id", "snapshot_date"]
    with duckdb.connect() as con:
        back = con.execute(
            "SELECT count(*), min(snapshot_date) FROM read_parquet(?, hive_partitioning = true)",
            [str(out / "hf_snapshots" / "**" / "*.parquet")],
        ).fetchone()
    assert back == (summary["snapshot_rows"], date(2025, 3, 1))
    assert is_synthetic_lake(out)  # load_runs.parquet carries the synthetic run


def test_export_failure_leaves_previous_export(synthetic_db, tmp_path):
    path, _ = synthetic_db
    out = tmp_path / "lake"
    with duckdb.connect(str(path), read_only=True) as con:
        export_parquet(con, out, tables=["models"])
        before = sorted(p.relative_to(out) for p in out.rglob("*"))
        with pytest.raises(duckdb.Error):
            export_parquet(con, out, tables=["models", "no_such_table"], overwrite=True)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert lake_manifest(out)["files"] == ["models.parquet"]
    assert [p.name for p in tmp_path.iterdir()] == ["lake"]


def test_export_empty_snapshots_keeps_schema(empty_warehouse, tmp_path):
    export_parquet(empty_warehouse, tmp_path / "lake")
    with duckdb.connect() as con:
        cols = [
            r[0]
            for r in con.execute(
                "DESCRIBE SELECT * FROM read_parquet(?)", [str(tmp_path / "lake" / "hf_snapshots" / "*.parquet")]
            ).fetchall()
        ]
    assert cols[:2] == ["model_id", "snapshot_date"]


def test_export_csv_and_cli(synthetic_db, tmp_path):
    from atomscope.cli import app

    path, summary = synthetic_db
    with duckdb.connect(str(path), read_only=True) as con:
        counts = export_csv(con, tmp_path / "csv")
    assert counts["hf_snapshots"] == summary["snapshot_rows"]
    header = (tmp_path / "csv" / "hf_snapshots.csv").read_text().splitlines()[0]
    assert header.startswith("model_id,snapshot_date,downloads_30d")

    result = CliRunner().invoke(
        app, ["export", "--db", str(path), "--parquet", str(tmp_path / "p"), "--csv", str(tmp_path / "c")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "hf_snapshots").is_dir() and (tmp_path / "c" / "models.csv").exists()
    result = CliRunner().invoke(app, ["export", "--db", str(path)])
    assert result.exit_code != 0
