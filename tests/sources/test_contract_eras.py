"""A contract violation is never a null: the Model Openness Tool's pre-2025-04-18 schema (`license_name`) is read
as the same table its rewrite gives, an unknown licence key is refused at file:line, a load that would empty a
column is refused; a curated row that an upstream no longer matches is a warning, not a block; diffs of keyless
tables show edits as changes."""

from __future__ import annotations

from pathlib import Path

import yaml
from upstream_helpers import ATOM, MOF, OSAI

from atomscope.collect.upstream import transforms
from atomscope.collect.upstream.diff import diff_tables, render
from atomscope.collect.upstream.update import update_sources
from atomscope.domain.errors import DataValidationError
from atomscope.sources.mof import COMPONENTS
from atomscope.testing import upstream_files
from atomscope.warehouse.versions import current_versions

FIXTURES = Path(__file__).parent / "fixtures" / "upstream"


def _mof(name: str) -> str:
    (table,) = transforms.mof_tables({"models/Amber.yml": (FIXTURES / name).read_text("utf-8")})
    return table.text


def test_pre_2025_04_18_mof_file_gives_the_rows_of_its_rewrite():
    old, new = _mof("mof-Amber-5f09296.yml"), _mof("mof-Amber-a074588.yml")
    assert old == new  # the same Amber entry on both sides of the upstream's schema change
    licences = [line.split(",")[8] for line in old.splitlines()[1:]]
    assert licences.count("Apache-2.0") == 8 and licences.count("unlicensed") == 8  # 'License not specified'


def test_old_era_placeholders_are_components_the_rewrite_leaves_out():
    doc = yaml.safe_load((FIXTURES / "mof-Amber-5f09296.yml").read_text("utf-8"))
    doc["release"]["components"][0]["license_name"] = "Component not included"
    doc["release"]["components"][1]["license_name"] = "Pending evaluation"
    (table,) = transforms.mof_tables({"models/Amber.yml": yaml.safe_dump(doc, sort_keys=False)})
    components = [line.split(",")[7] for line in table.text.splitlines()[1:]]
    assert "Model architecture" not in components and "Data preprocessing code" not in components
    assert len(components) == 14


def test_a_licence_key_of_no_known_era_is_refused_at_its_line():
    text = (FIXTURES / "mof-Amber-a074588.yml").read_text("utf-8")
    renamed = text.replace("      license: Apache-2.0", "      license_id: Apache-2.0", 1)
    line = renamed.splitlines().index("      license_id: Apache-2.0") + 1
    try:
        transforms.mof_tables({"models/Amber.yml": renamed})
    except DataValidationError as exc:
        assert (exc.file, exc.line) == ("models/Amber.yml", line)
        assert "'license_id'" in exc.message and "'license_name'" in exc.message
    else:
        raise AssertionError("an unknown licence key was read as an empty licence")


def _old_era(files: dict[str, str]) -> dict[str, str]:
    """The MOF files as the tool wrote them before 2025-04-18: `license_name`, no release-wide licences."""
    out = {}
    for path, text in files.items():
        doc = yaml.safe_load(text)
        doc["release"].pop("license", None)
        for component in doc["release"]["components"]:
            component["license_name"] = component.pop("license", "License not specified")
        out[path] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    return out


def _licences(con) -> int:
    return con.execute("SELECT count(*) FROM mof_components WHERE component_license IS NOT NULL").fetchone()[0]


def test_sources_update_reads_an_old_era_mof_history_with_licences(loaded, client, stand_in):
    before = _licences(loaded)
    files = upstream_files.mof_files()
    stand_in.commit(MOF, {p: None for p in files} | _old_era(files))
    results = {r.name: r for r in update_sources(loaded, client, ["mof"])}
    assert results["mof"].status == "updated", results["mof"].message
    assert _licences(loaded) >= before > 0  # licences read from `license_name`, none lost to nulls
    assert current_versions(loaded)["mof_components"].kind == "fetched"


def test_a_load_that_would_empty_a_column_is_refused_naming_it(loaded, client, stand_in):
    files = {p: t for p, t in stand_in.repos[OSAI][-1].files.items()}
    renamed = {p: t.decode().replace("endmodellicense:", "licence:") for p, t in files.items()}
    stand_in.commit(OSAI, renamed)
    results = {r.name: r for r in update_sources(loaded, client, ["osai"])}
    assert results["osai"].status == "failed"
    assert "column 'end_model_license' of osai_openness would be emptied" in results["osai"].message
    assert OSAI in results["osai"].message  # the upstream it came from
    assert current_versions(loaded)["osai_openness"].kind == "bundled"


def test_a_curated_row_the_upstream_no_longer_matches_is_a_warning_and_left_out(loaded, client, stand_in):
    mapped = loaded.execute("SELECT min(model_id) FROM arena_model_repos").fetchone()[0]
    lists = {p: stand_in.repos[ATOM][-1].files[p].decode() for p in ("models.csv", "extra_models.csv")}
    kept = {
        path: "".join(x for x in text.splitlines(True) if not x.rstrip().endswith("," + mapped))
        for path, text in lists.items()
    }
    assert kept != lists
    stand_in.commit(ATOM, kept)
    results = {r.name: r for r in update_sources(loaded, client, ["atom"])}
    assert results["atom"].status == "updated", results["atom"].message
    (warning,) = results["atom"].warnings
    assert warning.startswith("arena_model_repos.csv:") and f"{mapped!r} is not a tracked model id" in warning
    assert "1 curated row(s) no longer match" in results["atom"].message
    assert loaded.execute("SELECT count(*) FROM arena_model_repos WHERE model_id = ?", [mapped]).fetchone()[0] == 0


def test_check_arena_curation_is_strict_on_bundled_tables_only():
    from atomscope.config import data_dir
    from atomscope.warehouse.load import check_arena_curation, read_bundled

    tables = read_bundled(data_dir())
    tables["atom_tracked_models"] = tables["atom_tracked_models"][1:]
    dropped = {r["model_id"] for r in read_bundled(data_dir())["atom_tracked_models"][:1]}
    mapped = [r for r in tables["arena_model_repos"] if r["model_id"] in dropped]
    stale: list[str] = []
    check_arena_curation(data_dir(), tables, stale)
    assert len(stale) == len(mapped)
    assert all(r["model_id"] not in dropped for r in tables["arena_model_repos"])


def test_mof_diff_names_release_and_component_and_prints_empty_values_empty():
    header = ",".join(c.name for c in COMPONENTS.columns)
    row = "Amber,7B,2024-11-15,LLM360,Amber,,language,Datasets,{},,,,"
    old = f"{header}\n{row.format('')}\n"
    new = f"{header}\n{row.format('CC-BY-4.0')}\n"
    diff = diff_tables(COMPONENTS, "mof_components", old, new, ("a", "b"))
    assert not diff.added and not diff.removed
    assert render(diff)[-1] == "    ~ Amber, Datasets: component_license: '' -> 'CC-BY-4.0'"
    assert "None" not in "\n".join(render(diff))
