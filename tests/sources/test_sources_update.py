"""`sources update` with the real HTTP client against the loopback stand-in: an unchanged source costs one
request, an added model and a region change load as new versions (history re-attributed), a malformed file is
refused with file:line while the other sources still update, new leaderboard snapshots arrive per commit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from typer.testing import CliRunner
from upstream_helpers import ATOM, LMARENA, LMARENA_PATH, OSAI

from atomscope.cli import app
from atomscope.collect.upstream.update import update_sources
from atomscope.testing import upstream_files
from atomscope.warehouse import db
from atomscope.warehouse.versions import current_versions, versions_of


def _by_name(results):
    return {r.name: r for r in results}


def _prime(con, client, names=None):
    """First update: every upstream differs from the bundled commit, yet holds the same rows."""
    results = _by_name(update_sources(con, client, names))
    assert {r.status for r in results.values()} == {"unchanged"}, results
    assert all(v.kind == "bundled" for v in current_versions(con).values())


def test_unchanged_sources_cost_one_request_each(loaded, client, stand_in):
    _prime(loaded, client)
    stand_in.requests.clear()
    results = _by_name(update_sources(loaded, client))
    assert {name: r.requests for name, r in results.items()} == {
        n: 1 for n in ("atom", "epoch", "osai", "mof", "lmarena")
    }
    assert len(stand_in.requests) == 5
    assert {r.status for r in stand_in.requests} == {304}  # If-None-Match on the commit and on the URL
    assert {r.status for r in results.values()} == {"unchanged"}


def _regions_text(stand_in):
    return stand_in.repos[ATOM][-1].files["metadata/organization_regions.csv"].decode()


def _single_alias_namespace(con, region_not: str) -> tuple[str, str]:
    """A Hub namespace whose organization has no other Hub namespace, and its region."""
    return con.execute(
        """SELECT a.alias, o.region FROM org_aliases a JOIN organizations o USING (org_key)
           WHERE a.source = 'hf' AND o.region <> ? AND a.org_key IN (
             SELECT org_key FROM org_aliases WHERE source = 'hf' GROUP BY 1 HAVING count(*) = 1)
             AND a.alias IN (SELECT hf_org FROM models)
           ORDER BY a.alias LIMIT 1""",
        [region_not],
    ).fetchone()


def _model_regions(con, namespace: str) -> set[str]:
    from atomscope.warehouse.queries import models

    frame = models(con)
    return set(frame[frame["model_id"].str.startswith(namespace + "/")]["region"])


def _downloads_of(path: str, model_id: str) -> list[dict]:
    """`atomscope metric downloads --by model` rows of one model."""
    result = CliRunner().invoke(app, ["metric", "downloads", "--by", "model", "--format", "csv", "--db", path])
    assert result.exit_code == 0, result.output
    return [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["model_id"] == model_id]


def test_added_model_and_region_change_load_as_new_versions_and_reattribute_history(loaded, client, stand_in):
    _prime(loaded, client, ["atom"])
    namespace, old_region = _single_alias_namespace(loaded, "eu")
    model_id = loaded.execute("SELECT min(model_id) FROM models WHERE hf_org = ?", [namespace]).fetchone()[0]
    for day, total in ((date(2026, 5, 31), 1000), (date(2026, 6, 30), 1300), (date(2026, 7, 31), 1900)):
        loaded.execute(  # earlier history of that model (test rows)
            "INSERT INTO hf_snapshots (model_id, snapshot_date, downloads_30d, downloads_all_time, collected_at,"
            " source, run_id) VALUES (?, ?, 300, ?, ?, 'api', 0)",
            [model_id, day, total, datetime(2026, 8, 1)],
        )
    path = loaded.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchone()[0]
    loaded.close()
    assert {r["region"] for r in _downloads_of(path, model_id)} == {old_region}
    loaded = db.connect(path)
    regions = _regions_text(stand_in).replace(f"\n{namespace},{old_region},", f"\n{namespace},eu,")
    regions += "NewLab,us,\n"
    models = stand_in.repos[ATOM][-1].files["models.csv"].decode() + "NewLab,New-Model-7B,NewLab/New-Model-7B\n"
    stand_in.commit(ATOM, {"metadata/organization_regions.csv": regions, "models.csv": models})

    results = _by_name(update_sources(loaded, client, ["atom"]))
    assert results["atom"].status == "updated", results["atom"]
    assert results["atom"].tables == {"atom_tracked_models": 1959, "atom_organization_regions": 119}
    versions = current_versions(loaded)
    assert versions["atom_tracked_models"].kind == "fetched"
    assert versions["atom_tracked_models"].upstream_version == stand_in.head(ATOM)
    assert versions["atom_model_parameters"].kind == "bundled"  # unchanged upstream file: same version
    assert _model_regions(loaded, "NewLab") == {"us"}
    assert _model_regions(loaded, namespace) == {"eu"}

    # every month of the model's history is now attributed to the new region, none keeps the old one
    loaded.close()
    after = _downloads_of(path, model_id)
    assert {r["month"] for r in after} >= {"2026-06", "2026-07"}
    assert {r["region"] for r in after} == {"eu"}

    diff = CliRunner().invoke(app, ["sources", "diff", "atom", "--db", path])
    assert diff.exit_code == 0, diff.output
    assert "+ NewLab/New-Model-7B" in diff.stdout
    assert f"~ {namespace}: region: '{old_region}' -> 'eu'" in diff.stdout
    assert "new organization 'newlab'" in diff.stdout


def test_malformed_file_is_refused_with_file_line_and_the_others_still_update(loaded, client, stand_in):
    _prime(loaded, client, ["osai", "atom"])
    before = current_versions(loaded)["osai_openness"]
    name, text = next(
        (p, t.decode()) for p, t in stand_in.repos[OSAI][-1].files.items() if "trainingcode" in t.decode()
    )
    bad = text.replace("trainingcode:\n  class: closed", "trainingcode:\n  class: opn", 1)
    bad = bad.replace("trainingcode:\n  class: open", "trainingcode:\n  class: opn", 1)
    bad = bad.replace("trainingcode:\n  class: partial", "trainingcode:\n  class: opn", 1)
    assert bad != text
    stand_in.commit(OSAI, {name: bad})
    parameters = stand_in.repos[ATOM][-1].files["metadata/model_parameters.csv"].decode()
    first = parameters.splitlines()[1].split(",")
    corrected = parameters.replace(",".join(first), ",".join([first[0], "700", *first[2:]]), 1)
    stand_in.commit(ATOM, {"metadata/model_parameters.csv": corrected})

    results = _by_name(update_sources(loaded, client, ["osai", "atom"]))
    line = bad.splitlines().index("  class: opn") + 1
    assert results["osai"].status == "failed"
    assert results["osai"].message.startswith(f"{name}:{line}: column 'trainingcode'")
    assert current_versions(loaded)["osai_openness"] == before
    assert results["atom"].status == "updated"
    params = dict(loaded.execute("SELECT model_id, total_params_b FROM model_parameters").fetchall())
    assert params[first[0]] == 700
    # the failed source is tried again next time (its commit was not recorded as loaded)
    again = _by_name(update_sources(loaded, client, ["osai"]))
    assert again["osai"].status == "failed" and again["osai"].requests > 1


def test_new_leaderboard_snapshots_arrive_one_per_commit(loaded, client, stand_in):
    _prime(loaded, client, ["lmarena"])
    snapshots = upstream_files.lmarena_snapshots()
    last = max(snapshots)  # the last bundled version
    rows = list(csv.DictReader(io.StringIO(snapshots[last])))
    header = list(rows[0].keys())
    top = rows[0]["model"]

    def snapshot(bump: int) -> str:
        changed = [{**r, "arena_score": str(int(r["arena_score"]) + bump)} if r["model"] == top else r for r in rows]
        return upstream_files.csv_text(header, ([r[k] for k in header] for r in changed))

    stand_in.commit(LMARENA, {LMARENA_PATH: snapshot(5)}, when=datetime(2025, 8, 20, 10, tzinfo=UTC))
    stand_in.commit(LMARENA, {LMARENA_PATH: snapshot(7)}, when=datetime(2025, 8, 20, 18, tzinfo=UTC))
    stand_in.commit(LMARENA, {LMARENA_PATH: snapshot(9)}, when=datetime(2025, 8, 27, 10, tzinfo=UTC))
    results = _by_name(update_sources(loaded, client, ["lmarena"]))
    assert results["lmarena"].status == "updated", results["lmarena"]
    models = len({r["model"] for r in rows})  # the last version lists one model twice
    counts = loaded.execute(
        "SELECT snapshot_date, count(*) FROM arena_scores WHERE snapshot_date > ? GROUP BY 1", [last]
    ).fetchall()
    assert dict(counts) == {date(2025, 8, 20): models, date(2025, 8, 27): models}
    top_scores = loaded.execute(
        "SELECT snapshot_date, arena_score FROM arena_scores WHERE model = ? AND snapshot_date >= ?"
        " ORDER BY 1", [top, last]
    ).fetchall()  # fmt: skip
    base = int(rows[0]["arena_score"])
    assert [s for _, s in top_scores] == [base, base + 7, base + 9]  # the day's last commit wins
    assert [v.kind for v in versions_of(loaded, "lmarena_text_history")] == ["bundled", "fetched"]


def test_epoch_url_uses_etag_and_loads_a_new_publication(loaded, client, stand_in):
    _prime(loaded, client, ["epoch"])
    text = upstream_files.epoch_csv()
    lines = text.splitlines(True)
    stand_in.publish("notable_ai_models.csv", "".join(lines[:1] + lines[2:]))  # one model withdrawn
    stand_in.requests.clear()
    results = _by_name(update_sources(loaded, client, ["epoch"]))
    assert results["epoch"].status == "updated" and results["epoch"].requests == 1, results["epoch"].message
    assert loaded.execute("SELECT count(*) FROM epoch_models").fetchone()[0] == 975
    version = current_versions(loaded)["epoch_notable_models"]
    assert version.upstream_version == stand_in.published["notable_ai_models.csv"].etag.strip('"')  # no quotes
    assert version.origin == stand_in.file_url("notable_ai_models.csv")  # the URL used, not the catalog's


def test_dry_run_loads_and_records_nothing(loaded, client, stand_in):
    models = stand_in.repos[ATOM][-1].files["models.csv"].decode()
    namespace = models.splitlines()[1].split(",")[0]
    stand_in.commit(ATOM, {"models.csv": models + f"{namespace},Dry-1B,{namespace}/Dry-1B\n"})
    before = current_versions(loaded)
    results = _by_name(update_sources(loaded, client, ["atom"], dry_run=True))
    assert results["atom"].status == "would update"
    assert current_versions(loaded) == before
    assert loaded.execute("SELECT count(*) FROM source_checks").fetchone()[0] == 0


def test_policy_change_is_versioned_and_used_by_discovery_and_a_broken_one_refused(loaded, client, stand_in):
    from atomscope.warehouse.versions import current_policy

    _prime(loaded, client, ["atom"])
    policy = stand_in.repos[ATOM][-1].files["policy/model_policy.yml"].decode()
    before = current_policy(loaded).primary_min_downloads
    changed = policy.replace(f"primary_min_downloads: {before}", f"primary_min_downloads: {before * 2}")
    assert changed != policy
    stand_in.commit(ATOM, {"policy/model_policy.yml": changed})
    results = _by_name(update_sources(loaded, client, ["atom"]))
    assert results["atom"].status == "updated" and results["atom"].tables == {"atom_tracking_policy": 1}
    assert current_policy(loaded).primary_min_downloads == before * 2
    assert current_versions(loaded)["atom_tracking_policy"].kind == "fetched"

    stand_in.commit(ATOM, {"policy/model_policy.yml": changed.replace("primary_min_downloads", "min_downloads")})
    broken = _by_name(update_sources(loaded, client, ["atom"]))
    assert broken["atom"].status == "failed"
    assert broken["atom"].message.startswith("policy/model_policy.yml")
    assert current_policy(loaded).primary_min_downloads == before * 2


def test_without_trees_and_raw_files_the_contents_api_is_used(loaded, client, stand_in):
    stand_in.serve_trees = stand_in.serve_raw = False
    mof = "lfai/model_openness_tool"
    first = sorted(p for p in stand_in.repos[mof][-1].files)[0]
    text = stand_in.repos[mof][-1].files[first].decode()
    query = "SELECT count(*) FROM mof_components WHERE component_license = 'Test-License-1.0'"
    assert loaded.execute(query).fetchone()[0] == 0
    changed = text.replace("description: ''", "description: ''\n    license: Test-License-1.0", 1)
    assert changed != text
    stand_in.commit(mof, {first: changed})
    results = _by_name(update_sources(loaded, client, ["mof"]))
    assert results["mof"].status == "updated", results["mof"]
    assert any("/contents/models" in r.path for r in stand_in.requests)
    assert not any(r.path.startswith("/raw/") and r.status == 200 for r in stand_in.requests)
    assert loaded.execute(query).fetchone()[0] == 1


def test_a_url_without_etag_is_checked_with_if_modified_since(loaded, client, stand_in):
    stand_in.send_etags = False
    _prime(loaded, client, ["epoch"])
    stand_in.requests.clear()
    results = _by_name(update_sources(loaded, client, ["epoch"]))
    assert results["epoch"].status == "unchanged" and results["epoch"].requests == 1
    assert [r.status for r in stand_in.requests] == [304]
