"""Issue 29 item 3: `export --overwrite` never writes through a symlink it did not create."""

from __future__ import annotations

import os


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_symlinked_table_folder_is_refused_and_its_target_untouched(cli, small_db, tmp_path):
    lake = tmp_path / "lake"
    assert cli("export", "--db", small_db, "--parquet", lake).code == 0
    elsewhere = tmp_path / "elsewhere"
    os.rename(lake / "hf_snapshots", elsewhere)  # same file names as the export writes
    (elsewhere / "empty.parquet").write_bytes(b"someone else's file")
    (lake / "hf_snapshots").symlink_to(elsewhere, target_is_directory=True)
    before, lake_before = _tree(elsewhere), sorted(os.listdir(lake))

    result = cli("export", "--db", small_db, "--parquet", lake, "--overwrite")

    assert result.code == 2, result.out + result.err
    message = result.err.replace("\n", "")
    assert str(lake / "hf_snapshots") in message and "symlink" in message
    assert "Traceback" not in result.err
    assert _tree(elsewhere) == before
    assert (lake / "hf_snapshots").is_symlink() and sorted(os.listdir(lake)) == lake_before


def test_a_symlinked_table_file_is_refused_and_its_target_untouched(cli, small_db, tmp_path):
    out = tmp_path / "csv"
    assert cli("export", "--db", small_db, "--csv", out).code == 0
    victim = tmp_path / "victim.csv"
    victim.write_text("precious")
    (out / "evil.csv").unlink()
    (out / "evil.csv").symlink_to(victim)

    result = cli("export", "--db", small_db, "--csv", out, "--overwrite")

    assert result.code == 2
    assert str(out / "evil.csv") in result.err.replace("\n", "") and "symlink" in result.err
    assert victim.read_text() == "precious" and (out / "evil.csv").is_symlink()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_overwrite_without_links_still_replaces_its_own_files(cli, small_db, tmp_path):
    out = tmp_path / "csv"
    assert cli("export", "--db", small_db, "--csv", out).code == 0
    (out / "evil.csv").write_text("stale")
    assert cli("export", "--db", small_db, "--csv", out, "--overwrite").code == 0
    assert (out / "evil.csv").read_text().startswith("id,text")
