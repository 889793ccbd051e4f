"""`export` never deletes or replaces a file it did not write, and never writes where the warehouse is."""

from __future__ import annotations

import json
import os

import duckdb
import pytest

from atomscope.warehouse.export import export_csv, export_parquet
from atomscope.warehouse.export_target import ExportTargetError


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", ["--csv", "--parquet"])
def test_export_into_a_folder_with_other_files_is_refused_and_changes_nothing(cli, small_db, tmp_path, kind):
    home = tmp_path / "home"
    (home / "sub").mkdir(parents=True)
    (home / "thesis.txt").write_text("years of work")
    (home / "sub" / "data.csv").write_text("a,b\n")
    before = _tree(home)
    for extra in ([], ["--overwrite"]):
        result = cli("export", "--db", small_db, kind, home, *extra)
        assert result.code == 2, result.err
        assert "error:" in result.err and str(home) in result.err.replace("\n", "")
        assert _tree(home) == before
    assert sorted(p.name for p in home.iterdir()) == ["sub", "thesis.txt"]


def test_dot_as_target_in_a_non_empty_cwd_is_refused(cli, small_db, tmp_path, monkeypatch):
    work = tmp_path / "cwd"
    work.mkdir()
    (work / "keep.md").write_text("keep")
    monkeypatch.chdir(work)
    result = cli("export", "--db", small_db, "--csv", ".", "--overwrite")
    assert result.code == 2
    assert os.listdir(work) == ["keep.md"]


def test_target_holding_the_warehouse_is_refused(cli, small_db):
    before = sorted(os.listdir(small_db.parent))
    for target in (small_db.parent, small_db.parent.parent):
        result = cli("export", "--db", small_db, "--csv", target, "--overwrite")
        assert result.code == 2 and "warehouse" in result.err
    assert sorted(os.listdir(small_db.parent)) == before
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM evil").fetchone()[0] == 8


def test_existing_file_at_target_is_an_error_and_stays(cli, small_db, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("mine")
    result = cli("export", "--db", small_db, "--csv", target)
    assert result.code == 2 and "file exists" in result.err
    assert target.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "wh"]  # no hidden .old/.tmp copies


def test_new_and_empty_folders_are_written_with_a_manifest(cli, small_db, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("export", "--db", small_db, "--csv", empty, "--parquet", tmp_path / "new" / "lake").code == 0
    manifest = json.loads((empty / "_MANIFEST.json").read_text())
    assert "evil.csv" in manifest["files"] and manifest["complete"] is True
    assert set(manifest["files"]) == set(_tree(empty)) - {"_MANIFEST.json"}
    assert (tmp_path / "new" / "lake" / "evil.parquet").is_file()


def test_overwrite_replaces_only_the_files_its_manifest_lists(small_db, tmp_path):
    out = tmp_path / "out"
    with duckdb.connect(str(small_db), read_only=True) as con:
        export_csv(con, out)
        (out / "mine.txt").write_text("user")
        (out / "evil.csv").write_text("stale")  # a file the export wrote: it may be replaced
        counts = export_csv(con, out, overwrite=True, tables=["evil"])
        assert counts == {"evil": 8}
        assert (out / "mine.txt").read_text() == "user"
        assert (out / "evil.csv").read_text().startswith("id,text")
        assert not (out / "models.csv").exists()  # its own stale file from the first export is gone
        assert json.loads((out / "_MANIFEST.json").read_text())["files"] == ["evil.csv"]


def test_new_file_landing_on_a_users_file_is_refused(small_db, tmp_path):
    out = tmp_path / "out"
    with duckdb.connect(str(small_db), read_only=True) as con:
        export_csv(con, out, tables=["evil"])
        (out / "models.csv").write_text("the user's own models.csv")
        before = _tree(out)
        with pytest.raises(ExportTargetError, match="not written by an export"):
            export_csv(con, out, overwrite=True)
    assert _tree(out) == before


def test_a_forged_manifest_cannot_point_outside_the_folder(small_db, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "_MANIFEST.json").write_text(json.dumps({"files": ["../victim.txt", "evil.parquet"]}))
    with duckdb.connect(str(small_db), read_only=True) as con, pytest.raises(ExportTargetError):
        export_parquet(con, out, overwrite=True)
    (out / "_MANIFEST.json").write_text(json.dumps({"files": ["link/victim.txt"]}))
    (out / "link").symlink_to(tmp_path)
    with duckdb.connect(str(small_db), read_only=True) as con:
        export_parquet(con, out, overwrite=True, tables=["evil"])
    assert victim.read_text() == "precious"


def test_report_chart_folder_keeps_files_it_did_not_write(tmp_path):
    from atomscope.report.build import CHARTS_WRITTEN, write_charts

    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "my-figure.svg").write_text("<svg/>")  # the user's own
    (charts / "old_chart.png").write_bytes(b"png")  # written by an earlier run
    (charts / CHARTS_WRITTEN).write_text(json.dumps(["old_chart.png", "../outside.csv"]))
    (tmp_path / "outside.csv").write_text("keep")
    write_charts([], charts)
    assert (charts / "my-figure.svg").exists() and not (charts / "old_chart.png").exists()
    assert (tmp_path / "outside.csv").read_text() == "keep"
    assert json.loads((charts / CHARTS_WRITTEN).read_text()) == []
