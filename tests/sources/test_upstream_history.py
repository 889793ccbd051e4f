"""`sources update` against histories shaped like the real ones: a head whose tree is unchanged costs one
request, a moved head downloads only the files whose blob id changed, OSAI follows its default branch
(`preview`), and four leaderboard versions committed the same day are four snapshots, each dated by its own
version."""

from __future__ import annotations

from datetime import date, datetime

from upstream_helpers import ATOM, LMARENA, LMARENA_PATH, LMSYS_PATH, MOF, OSAI, TEXT_COMMITS

from atomscope.collect.upstream.fetch import version_day
from atomscope.collect.upstream.http import Commit
from atomscope.collect.upstream.update import update_sources
from atomscope.config import data_dir
from atomscope.testing.upstream import blob_id
from atomscope.warehouse.load import load_bundled
from atomscope.warehouse.versions import SourceContent

REPOS = {"atom": ATOM, "osai": OSAI, "mof": MOF, "lmarena": LMARENA}


def _by_name(results):
    return {r.name: r for r in results}


def _prime(con, client):
    results = _by_name(update_sources(con, client))
    assert {r.status for r in results.values()} == {"unchanged"}, results


def test_a_head_with_an_identical_tree_costs_one_request_per_source(loaded, client, stand_in):
    _prime(loaded, client)
    for repo in REPOS.values():
        before = stand_in.head(repo)
        stand_in.commit(repo, {}, message="Merge pull request: workflow only")  # a new commit, the same tree
        assert stand_in.head(repo) != before
    stand_in.requests.clear()
    results = _by_name(update_sources(loaded, client, list(REPOS)))
    assert {name: (r.status, r.requests) for name, r in results.items()} == {n: ("unchanged", 1) for n in REPOS}
    assert len(stand_in.requests) == 4 and {r.status for r in stand_in.requests} == {200}
    again = _by_name(update_sources(loaded, client, list(REPOS)))  # the new heads are recorded: 304 now
    assert {r.requests for r in again.values()} == {1}


def test_a_moved_head_fetches_only_the_files_whose_blob_changed(loaded, client, stand_in):
    _prime(loaded, client)
    files = stand_in.repos[MOF][-1].files
    path = sorted(files)[3]
    text = files[path].decode()
    changed = text.replace("description: ''", "description: 'edited'", 1)
    assert changed != text
    stand_in.commit(MOF, {path: changed})
    stand_in.requests.clear()
    results = _by_name(update_sources(loaded, client, ["mof"]))
    assert results["mof"].requests == 3  # head + tree + the one changed file
    assert [r.path.split("?")[0] for r in stand_in.requests][1:] == [
        f"/repos/{MOF}/git/trees/{stand_in.head(MOF)}",
        f"/raw/{MOF}/{stand_in.head(MOF)}/{path}",
    ]
    assert results["mof"].status == "unchanged" and "same rows" in results["mof"].message  # a description only

    regions = stand_in.repos[ATOM][-1].files["metadata/organization_regions.csv"].decode()
    stand_in.commit(ATOM, {"metadata/organization_regions.csv": regions + "new-lab-ns,us,\n"})
    stand_in.requests.clear()
    results = _by_name(update_sources(loaded, client, ["atom"]))
    assert results["atom"].status == "updated" and results["atom"].requests == 3, results["atom"].message
    region = loaded.execute(
        "SELECT o.region FROM org_aliases a JOIN organizations o USING (org_key)"
        " WHERE a.source = 'hf' AND a.alias = 'new-lab-ns'"
    ).fetchone()
    assert region == ("us",)  # the new namespace read from the one file that changed


def test_the_tree_listing_gives_git_blob_ids(stand_in):
    content = stand_in.repos[MOF][-1].files[sorted(stand_in.repos[MOF][-1].files)[0]]
    assert blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"  # `git hash-object` of 'hello\n'
    assert blob_id(content) != blob_id(content + b"\n")


def test_osai_follows_its_default_branch_preview(loaded, client, stand_in):
    _prime(loaded, client)
    files = stand_in.repos[OSAI][-1].files
    dropped = sorted(p for p in files if not p.startswith("a_"))[0]
    stand_in.commit(OSAI, {dropped: None}, branch="main", start="preview")  # `main` lagging behind
    stand_in.requests.clear()
    results = _by_name(update_sources(loaded, client, ["osai"]))
    assert results["osai"].status == "unchanged" and results["osai"].requests == 1
    assert stand_in.requests[0].path == f"/repos/{OSAI}/commits/preview"
    stand_in.commit(OSAI, {dropped: None})  # the default branch, preview, moves
    results = _by_name(update_sources(loaded, client, ["osai"]))
    assert results["osai"].status == "updated", results["osai"].message


def test_four_same_day_leaderboard_versions_are_four_snapshots_dated_by_their_versions(loaded, client, stand_in):
    # the history as it stood before them: to version 2025.07.18, the last one of csv/lmsys.csv
    lines = (data_dir() / "lmarena_text_history.csv").read_text("utf-8").splitlines(keepends=True)
    earlier = lines[0] + "".join(line for line in lines[1:] if line[:10] <= "2025-07-18")
    origin = f"github.com/{LMARENA} (main): {LMSYS_PATH}"
    content = SourceContent("lmarena_text_history", earlier, "lmarena", origin, "fetched", "f1d824adc747")
    load_bundled(loaded, contents={"lmarena_text_history": content})
    for commit in TEXT_COMMITS:
        stand_in.commit(LMARENA, {LMARENA_PATH: commit.text()}, when=commit.moment, message=commit.message)
    results = _by_name(update_sources(loaded, client, ["lmarena"]))
    assert results["lmarena"].status == "updated", results["lmarena"].message
    days = ("2025-07-27", "2025-07-28", "2025-08-01", "2025-08-04")
    found = dict(
        loaded.execute(
            "SELECT snapshot_date::VARCHAR, count(*) FROM arena_scores WHERE snapshot_date > '2025-07-18' GROUP BY 1"
        ).fetchall()
    )
    assert found == dict.fromkeys(days, 12)
    glm = loaded.execute(
        "SELECT min(snapshot_date)::VARCHAR FROM arena_scores WHERE model = 'GLM-4.5' AND snapshot_date IN ?",
        [[date.fromisoformat(d) for d in days]],
    ).fetchone()[0]
    assert glm == "2025-08-04"  # it entered the board with version 2025.08.04, not on the commit's day


def test_a_version_day_comes_from_the_commit_message_else_the_commit_date():
    when = datetime(2025, 8, 6, 23, 5)
    assert version_day(Commit("a" * 40, when, message=TEXT_COMMITS[0].message)) == date(2025, 7, 27)
    assert version_day(Commit("a" * 40, when, message="refactor: remove R script")) == date(2025, 8, 6)
