"""Source versions: every reference table's content is recorded once per distinct content, the table names
the version it holds, and `init` keeps a fetched version instead of going back to the bundled copy."""

from __future__ import annotations

import csv
import io

from typer.testing import CliRunner

from atomscope.cli import app
from atomscope.config import data_dir
from atomscope.warehouse import db
from atomscope.warehouse.load import BUNDLED, DOCUMENTS, load_bundled
from atomscope.warehouse.versions import SourceContent, current_versions, version_text, versions_of


def test_bundled_load_records_one_version_per_table_and_reuses_it(empty_warehouse):
    load_bundled(empty_warehouse)
    first = current_versions(empty_warehouse)
    assert set(first) == {spec.source_key for spec in BUNDLED} | {doc.source_key for doc in DOCUMENTS}
    assert all(v.kind == "bundled" for v in first.values())
    assert first["atom_tracked_models"].upstream_version == "3cd80206db5e"  # from SOURCES.md
    assert first["atom_tracked_models"].row_count == 1958
    bundled_text = (data_dir() / "atom_tracked_models.csv").read_text(encoding="utf-8")
    assert version_text(empty_warehouse, first["atom_tracked_models"].version_id) == bundled_text

    load_bundled(empty_warehouse)
    assert current_versions(empty_warehouse) == first
    versions = empty_warehouse.execute("SELECT count(*) FROM source_versions").fetchone()[0]
    assert versions == len(BUNDLED) + len(DOCUMENTS)


def test_a_fetched_version_is_kept_by_init(empty_warehouse):
    load_bundled(empty_warehouse)
    bundled = current_versions(empty_warehouse)["atom_tracked_models"]
    regions = (data_dir() / "atom_organization_regions.csv").read_text(encoding="utf-8")
    namespace = next(iter(csv.DictReader(io.StringIO(regions))))["hf_org"]  # has an ATOM region
    text = (data_dir() / "atom_tracked_models.csv").read_text(encoding="utf-8")
    text += f"{namespace}/Test-Added,{namespace},primary\n"
    fetched = SourceContent(
        source_key="atom_tracked_models",
        text=text,
        upstream="atom",
        origin="github.com/Interconnects-AI/tracked-models: models.csv, extra_models.csv",
        kind="fetched",
        upstream_version="f" * 40,
    )
    load_bundled(empty_warehouse, contents={"atom_tracked_models": fetched}, kind="sources")
    now = current_versions(empty_warehouse)["atom_tracked_models"]
    assert now.kind == "fetched" and now.version_id != bundled.version_id and now.row_count == 1959
    assert (
        empty_warehouse.execute(
            "SELECT count(*) FROM models WHERE model_id = ?", [f"{namespace}/Test-Added"]
        ).fetchone()[0]
        == 1
    )

    load_bundled(empty_warehouse)  # what `atomscope init` does
    assert current_versions(empty_warehouse)["atom_tracked_models"] == now
    assert [v.kind for v in versions_of(empty_warehouse, "atom_tracked_models")] == ["bundled", "fetched"]
    assert empty_warehouse.execute("SELECT count(*) FROM models").fetchone()[0] == 1959


def test_sources_list_names_origin_version_license_and_rows(tmp_path):
    path = tmp_path / "w.duckdb"
    con = db.connect(path)
    load_bundled(con)
    con.close()
    result = CliRunner().invoke(app, ["sources", "list", "--db", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {r["table"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    atom = rows["atom_organization_regions"]
    assert atom["source"] == "atom"
    assert atom["origin"] == "github.com/Interconnects-AI/tracked-models (main): metadata/organization_regions.csv"
    assert atom["kind"] == "bundled" and atom["upstream_version"] == "3cd80206db5e"
    assert atom["rows"] == "118" and atom["license"] == "Apache-2.0"
    assert rows["epoch_notable_models"]["origin"].startswith("https://")
    assert rows["open_llm_leaderboard_v2"]["refresh"] == "no"


def test_report_provenance_names_the_loaded_version(empty_warehouse):
    from atomscope.warehouse.provenance import source_files

    load_bundled(empty_warehouse)
    regions = (data_dir() / "atom_organization_regions.csv").read_text(encoding="utf-8")
    namespace = next(iter(csv.DictReader(io.StringIO(regions))))["hf_org"]
    text = (data_dir() / "atom_tracked_models.csv").read_text(encoding="utf-8")
    fetched = SourceContent(
        source_key="atom_tracked_models",
        text=text + f"{namespace}/Footer-1B,{namespace},extra\n",
        upstream="atom",
        origin="github.com/Interconnects-AI/tracked-models: models.csv, extra_models.csv",
        kind="fetched",
        upstream_version="a" * 40,
    )
    load_bundled(empty_warehouse, contents={"atom_tracked_models": fetched}, kind="sources")
    files = {f.source_key: f for f in source_files(empty_warehouse)}
    version = current_versions(empty_warehouse)["atom_tracked_models"]
    assert files["atom_tracked_models"].version == f"v{version.version_id} fetched"
    assert files["atom_tracked_models"].commit == "a" * 12  # the fetched commit, not SOURCES.md's
    assert files["atom_model_parameters"].version.endswith(" bundled")
    assert files["atom_model_parameters"].commit == "3cd80206db5e"
