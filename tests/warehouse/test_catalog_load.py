"""The bundled catalog: region counts match ATOM's own files, loads are idempotent and all-or-nothing."""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import pytest

from atomscope.config import data_dir
from atomscope.domain.errors import DataValidationError
from atomscope.warehouse import db
from atomscope.warehouse.load import load_bundled
from atomscope.warehouse.queries import models as catalog_models


def _csv(name):
    with (data_dir() / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_primary_counts_per_region_match_atom_files(bundled_db):
    regions = {r["hf_org"]: r["region"] for r in _csv("atom_organization_regions.csv")}
    expected = Counter(regions[r["hf_org"]] for r in _csv("atom_tracked_models.csv") if r["list"] == "primary")
    con = db.connect(bundled_db, read_only=True)
    frame = catalog_models(con, list_name="primary")
    con.close()
    assert Counter(frame["region"]) == expected
    assert len(frame) == sum(expected.values())


def test_every_tracked_model_resolves_to_an_org(bundled_db):
    con = db.connect(bundled_db, read_only=True)
    frame = catalog_models(con)
    con.close()
    assert frame["org_key"].notna().all()
    assert (frame["region"] != "unresolved").all()


def test_load_is_idempotent(empty_warehouse):
    load_bundled(empty_warehouse)
    first = {t: empty_warehouse.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("models", "arena_scores")}
    snapshot = empty_warehouse.execute("SELECT * FROM models ORDER BY model_id").fetchall()
    load_bundled(empty_warehouse)
    second = {t: empty_warehouse.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("models", "arena_scores")}
    assert first == second
    assert empty_warehouse.execute("SELECT * FROM models ORDER BY model_id").fetchall() == snapshot


def _copy_data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    return folder


def _rewrite(path, transform):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(transform(lines)), encoding="utf-8")


def test_bad_file_rolls_back_and_names_file_and_line(empty_warehouse, tmp_path):
    load_bundled(empty_warehouse)
    before = empty_warehouse.execute("SELECT count(*), min(model_id) FROM models").fetchone()
    runs_before = empty_warehouse.execute("SELECT count(*) FROM arena_scores").fetchone()
    folder = _copy_data(tmp_path)
    # Line 5 of the regions file gets a region ATOM does not define.
    _rewrite(
        folder / "atom_organization_regions.csv",
        lambda lines: lines[:4] + [lines[4].split(",")[0] + ",mars\n"] + lines[5:],
    )
    with pytest.raises(DataValidationError) as info:
        load_bundled(empty_warehouse, folder)
    assert info.value.line == 5
    assert "atom_organization_regions.csv:5:" in str(info.value)
    assert "'mars'" in str(info.value)
    assert empty_warehouse.execute("SELECT count(*), min(model_id) FROM models").fetchone() == before
    assert empty_warehouse.execute("SELECT count(*) FROM arena_scores").fetchone() == runs_before


def test_failure_inside_the_transaction_rolls_back(empty_warehouse, tmp_path, monkeypatch):
    load_bundled(empty_warehouse)
    before = empty_warehouse.execute("SELECT count(*) FROM arena_scores").fetchone()[0]
    import atomscope.warehouse.load as load_module

    def explode(con):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(load_module, "refresh_model_facts", explode)
    with pytest.raises(RuntimeError):
        load_bundled(empty_warehouse)
    assert empty_warehouse.execute("SELECT count(*) FROM arena_scores").fetchone()[0] == before
    assert empty_warehouse.execute("SELECT count(*) FROM model_facts").fetchone()[0] > 0
    status = empty_warehouse.execute("SELECT status FROM load_runs ORDER BY run_id DESC LIMIT 1").fetchone()[0]
    assert status == "failed"


@pytest.mark.parametrize(
    ("file_name", "transform", "message"),
    [
        ("atom_tracked_models.csv", lambda ls: [ls[0].replace("list", "lst")] + ls[1:], "missing column(s): list"),
        ("atom_tracked_models.csv", lambda ls: ls + [ls[1]], "duplicate key model_id="),
        ("atom_model_parameters.csv", lambda ls: ls[:2] + ["x/y,seventy,,\n"] + ls[2:], "cannot parse 'seventy'"),
        ("organization_aliases.csv", lambda ls: ls + ["hf,not-in-atom,meta\n"], "is not in ATOM's regions"),
        ("organization_aliases.csv", lambda ls: ls + ["lmarena,Someone,no-such-org\n"], "unknown org_key"),
    ],
)
def test_validator_errors(tmp_path, file_name, transform, message):
    folder = _copy_data(tmp_path)
    _rewrite(folder / file_name, transform)
    con = db.connect(tmp_path / "w.duckdb")
    with pytest.raises(DataValidationError) as info:
        load_bundled(con, folder)
    con.close()
    assert message in str(info.value)
    assert str(info.value).startswith(str(folder / file_name) + ":")
    assert info.value.line is not None


def test_region_mismatch_with_atom_is_refused(tmp_path):
    folder = _copy_data(tmp_path)
    # Point Qwen's namespace at an organization whose region is not ATOM's 'china'.
    _rewrite(
        folder / "organization_aliases.csv", lambda ls: [line.replace("hf,Qwen,alibaba", "hf,Qwen,meta") for line in ls]
    )
    con = db.connect(tmp_path / "w.duckdb")
    with pytest.raises(DataValidationError, match="ATOM says 'china'"):
        load_bundled(con, folder)
    con.close()


def test_data_readme_matches_the_contracts():
    from atomscope.warehouse.contract_docs import render

    committed = (data_dir() / "README.md").read_text(encoding="utf-8")
    assert committed == render(), (
        "regenerate: python -m atomscope.warehouse.contract_docs > src/atomscope/data/README.md"
    )
