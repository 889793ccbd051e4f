"""The curated arena tables (open-weight corrections, arena name -> tracked repository) are validated on load."""

from __future__ import annotations

import csv
import shutil

import pytest

from atomscope.config import data_dir
from atomscope.domain.errors import DataValidationError
from atomscope.warehouse import db
from atomscope.warehouse.load import load_bundled


def _load_with(tmp_path, file_name, extra_line):
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    path = folder / file_name
    path.write_text(path.read_text(encoding="utf-8") + extra_line, encoding="utf-8")
    con = db.connect(tmp_path / "w.duckdb")
    try:
        with pytest.raises(DataValidationError) as info:
            load_bundled(con, folder)
    finally:
        con.close()
    last_line = len(path.read_text(encoding="utf-8").splitlines())
    assert str(info.value).startswith(f"{path}:{last_line}:")
    return str(info.value)


@pytest.mark.parametrize(
    ("file_name", "line", "message"),
    [
        ("arena_model_repos.csv", "No-Such-Arena-Model,Qwen/Qwen3-32B,r,s\n", "is not in the arena history"),
        ("arena_model_repos.csv", "Athene-70B,Nexusflow/Athene-70B,r,s\n", "is not a tracked model id"),
        ("arena_model_repos.csv", "Qwen-Max-0919,Qwen/Qwen3-32B,r,s\n", "is corrected to closed weights"),
        ("arena_model_repos.csv", "QwQ-32B,Qwen/QwQ-32B,r,\n", "column 'source' is empty"),
        ("arena_open_weight_corrections.csv", "No-Such-Arena-Model,false,r,s\n", "is not in the arena history"),
        ("arena_open_weight_corrections.csv", "QwQ-32B,maybe,r,s\n", "cannot parse 'maybe' as bool"),
    ],
)
def test_bad_curation_rows_are_refused_with_file_and_line(tmp_path, file_name, line, message):
    assert message in _load_with(tmp_path, file_name, line)


def test_every_mapping_names_an_open_board_entry_and_a_loaded_tracked_model(bundled_db):
    import duckdb

    con = duckdb.connect(str(bundled_db), read_only=True)
    try:
        missing = con.execute(
            "SELECT r.arena_model FROM arena_model_repos r LEFT JOIN models m USING (model_id) WHERE m.model_id IS NULL"
        ).fetchall()
        mapped = con.execute("SELECT count(*) FROM arena_model_repos").fetchone()[0]
    finally:
        con.close()
    assert missing == []
    with (data_dir() / "arena_model_repos.csv").open(encoding="utf-8", newline="") as handle:
        assert mapped == len(list(csv.DictReader(handle))) > 0


def test_migration_004_keeps_availability_rows_and_accepts_disabled(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL)"
    )
    for version, name, sql in db.migrations():
        if version < 4:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, name])
    con.execute("INSERT INTO availability_events VALUES ('a/b', '2026-01-02', 'gated', NULL, 403, now(), 1)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO availability_events VALUES ('a/c', '2026-01-02', 'disabled', NULL, 403, now(), 1)")
    con.close()
    con = db.connect(path)
    try:
        con.execute("INSERT INTO availability_events VALUES ('a/c', '2026-01-02', 'disabled', NULL, 403, now(), 1)")
        rows = con.execute("SELECT model_id, status FROM availability_events ORDER BY model_id").fetchall()
    finally:
        con.close()
    assert rows == [("a/b", "gated"), ("a/c", "disabled")]
