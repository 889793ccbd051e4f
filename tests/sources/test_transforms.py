"""Transforms of upstream formats reproduce the bundled contracts: on real upstream excerpts (rows of the bundled
file come out) and on upstream-format files rebuilt from the whole bundled tables (the table comes out)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from atomscope.collect.upstream import transforms
from atomscope.config import data_dir
from atomscope.domain.errors import DataValidationError
from atomscope.sources.csvtable import read_table, read_table_text
from atomscope.testing import upstream_files
from atomscope.warehouse.load import BUNDLED

FIXTURES = Path(__file__).parent / "fixtures" / "upstream"
CONTRACTS = {spec.source_key: spec.contract for spec in BUNDLED}


def _rows(key: str, text: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "_line"} for r in read_table_text(text, CONTRACTS[key], key)]


def _bundled(key: str) -> list[dict]:
    contract = CONTRACTS[key]
    return [{k: v for k, v in r.items() if k != "_line"} for r in read_table(data_dir() / contract.file_name, contract)]


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_real_osai_yaml_gives_the_bundled_row():
    (table,) = transforms.osai_tables({"33x-coder.yaml": _fixture("osai-33x-coder.yaml")})
    (row,) = _rows("osai_openness", table.text)
    assert row in _bundled("osai_openness")
    assert row["national_origin"] == "United States"  # from the file's comment block


def test_real_mof_yaml_gives_the_bundled_rows_and_release_wide_license():
    (table,) = transforms.mof_tables({"models/Amber.yml": _fixture("mof-Amber.yml")})
    rows = _rows("mof_components", table.text)
    bundled = _bundled("mof_components")
    assert len(rows) == 16 and all(r in bundled for r in rows)
    contract_columns = {c.name for c in CONTRACTS["mof_components"].columns}
    if "global_license_distribution" in contract_columns:
        assert {r["global_license_distribution"] for r in rows} == {"Apache-2.0"}


def test_real_epoch_rows_are_squeezed_like_the_bundled_file():
    (table,) = transforms.epoch_tables("notable_ai_models.csv", _fixture("epoch-notable_ai_models.csv"))
    rows = _rows("epoch_notable_models", table.text)
    bundled = _bundled("epoch_notable_models")
    assert len(rows) == 3 and all(r in bundled for r in rows)
    assert any(r["model"] == "ALLaM adapted 70B" for r in rows)  # a no-break space upstream


def test_real_lmsys_snapshot_with_arena_elo_header_gives_bundled_rows():
    snap = transforms.Snapshot(date(2024, 6, 19), "3792cf0", "csv/lmsys.csv", _fixture("lmarena-lmsys-2024-06-19.csv"))
    (table,) = transforms.lmarena_tables([snap], None)
    rows = _rows("lmarena_text_history", table.text)
    assert len(rows) == 5 and all(r in _bundled("lmarena_text_history") for r in rows)


def test_real_atom_files_with_comment_lines_give_bundled_rows():
    files = upstream_files.atom_files()
    files["models.csv"] = _fixture("atom-models.csv")
    files["metadata/release_date_corrections.csv"] = _fixture("atom-release_date_corrections.csv")
    tables = {t.source_key: t for t in transforms.atom_tables(files)}
    models = _rows("atom_tracked_models", tables["atom_tracked_models"].text)
    dates = _rows("atom_release_date_corrections", tables["atom_release_date_corrections"].text)
    assert models[:5] == _bundled("atom_tracked_models")[:5]
    assert dates == _bundled("atom_release_date_corrections")[: len(dates)] and len(dates) == 4


@pytest.mark.parametrize(
    "key, make",
    [
        ("atom_tracked_models", lambda: transforms.atom_tables(upstream_files.atom_files())),
        ("atom_organization_regions", lambda: transforms.atom_tables(upstream_files.atom_files())),
        ("atom_model_parameters", lambda: transforms.atom_tables(upstream_files.atom_files())),
        ("atom_release_date_corrections", lambda: transforms.atom_tables(upstream_files.atom_files())),
        ("epoch_notable_models", lambda: transforms.epoch_tables("e.csv", upstream_files.epoch_csv())),
        ("mof_components", lambda: transforms.mof_tables(upstream_files.mof_files())),
    ],
)
def test_whole_tables_round_trip_through_the_upstream_format(key, make):
    (table,) = [t for t in make() if t.source_key == key]
    assert _rows(key, table.text) == _bundled(key)


def test_osai_round_trip_skips_the_submission_template():
    (table,) = transforms.osai_tables(upstream_files.osai_files())
    key = lambda r: r["system"]  # noqa: E731
    assert sorted(_rows("osai_openness", table.text), key=key) == sorted(_bundled("osai_openness"), key=key)


def test_a_bad_value_is_reported_at_the_upstream_file_and_line():
    text = _fixture("osai-33x-coder.yaml").replace("trainingcode:\n    class: closed", "trainingcode:\n    class: opn")
    (table,) = transforms.osai_tables({"33x-coder.yaml": text})
    with pytest.raises(DataValidationError) as caught:
        read_table_text(table.text, CONTRACTS["osai_openness"], "x")
    error = table.upstream_error(caught.value)
    line = text.splitlines().index("    class: opn") + 1
    assert (error.file, error.line) == ("33x-coder.yaml", line)
    assert "'opn'" in error.message


def test_malformed_yaml_names_file_and_line():
    with pytest.raises(DataValidationError) as caught:
        transforms.mof_tables({"models/Bad.yml": "release:\n  name: X\n  components: [\n"})
    assert caught.value.file == "models/Bad.yml" and caught.value.line is not None
