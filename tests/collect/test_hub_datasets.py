"""The emulator's dataset repositories through the real huggingface_hub client (SYNTHETIC files)."""

from __future__ import annotations

from datetime import date

import pytest
from hub_helpers import small_hub, warehouse
from hubstats_fixtures import run_import
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

from atomscope.testing.hub import DEFAULT_TOKEN, HubEmulator
from atomscope.testing.hub_datasets import DatasetHost
from atomscope.testing.synthetic_hubstats import HubStatsScenario, hubstats_repo

REPO = "cfahlgren1/hub-stats"


@pytest.fixture(scope="module")
def hub():
    return small_hub(orgs=("Qwen",), per_org=3)


@pytest.fixture
def host(hub):
    scenario = HubStatsScenario(date(2025, 1, 10), date(2025, 1, 20), csv_until=date(2025, 1, 15))
    return DatasetHost(hubstats_repo(hub, scenario), commits_page_size=4, tree_page_size=2)


def test_commits_and_trees_paginate_and_files_resolve_per_revision(hub, host, tmp_path):
    repo = next(iter(host.repos.values()))
    with HubEmulator(hub, datasets=host) as emu:
        api = HfApi(endpoint=emu.url, token=DEFAULT_TOKEN)
        commits = api.list_repo_commits(REPO, repo_type="dataset")
        assert [c.commit_id for c in commits] == [c.sha for c in reversed(repo.commits)]  # every page, newest first
        assert emu.request_count("/api/datasets/") > len(commits) // 4
        head = [f.path for f in api.list_repo_tree(REPO, repo_type="dataset")]
        assert head == ["README.md", "datasets.parquet", "models.parquet"]  # models.csv deleted at the switch
        csv_era = next(c for c in repo.commits if "models.csv" in c.title)
        info = api.get_paths_info(REPO, ["models.parquet", "models.csv"], repo_type="dataset",
                                  revision=csv_era.sha)  # fmt: skip
        assert [f.path for f in info] == ["models.csv"] and info[0].lfs is not None
        path = hf_hub_download(REPO, "models.csv", repo_type="dataset", revision=csv_era.sha, cache_dir=tmp_path,
                               endpoint=emu.url, token=DEFAULT_TOKEN)  # fmt: skip
        with open(path, "rb") as handle:
            assert handle.read() == repo.tree(repo.commits.index(csv_era))["models.csv"].content
        with pytest.raises(EntryNotFoundError):
            hf_hub_download(REPO, "models.parquet", repo_type="dataset", revision=csv_era.sha,
                            cache_dir=tmp_path, endpoint=emu.url, token=DEFAULT_TOKEN)  # fmt: skip
        with pytest.raises(RevisionNotFoundError):
            api.get_paths_info(REPO, ["models.parquet"], repo_type="dataset", revision="0" * 40)
        with pytest.raises(RepositoryNotFoundError):
            api.list_repo_commits("nobody/nothing", repo_type="dataset")


def test_a_failed_download_is_recorded_as_error_and_retried_by_the_next_run(bundled_db, tmp_path, hub, host):
    con = warehouse(bundled_db, tmp_path, hub)
    try:
        with HubEmulator(hub, datasets=host) as emu:
            emu.faults.fail_next(1, status=403, path_prefix="/cdn-lfs/")
            first = run_import(con, emu, every="day", since=date(2025, 1, 18), until=date(2025, 1, 19))
            second = run_import(con, emu, every="day", since=date(2025, 1, 18), until=date(2025, 1, 19))
        assert [(o.snapshot_date, o.status) for o in first.outcomes] == [(date(2025, 1, 18), "error"),
                                                                          (date(2025, 1, 19), "imported")]  # fmt: skip
        assert "download failed" in first.outcomes[0].reason
        assert [o.status for o in second.outcomes] == ["imported", "done"]
        assert con.execute("SELECT status FROM hubstats_revisions ORDER BY snapshot_date").fetchall() == [("ok",)] * 2
    finally:
        con.close()


def test_without_paths_info_the_revision_tree_decides(bundled_db, tmp_path, hub):
    scenario = HubStatsScenario(date(2025, 1, 10), date(2025, 1, 20), csv_until=date(2025, 1, 15))
    host = DatasetHost(hubstats_repo(hub, scenario), commits_page_size=4, paths_info=False)
    con = warehouse(bundled_db, tmp_path, hub)
    try:
        with HubEmulator(hub, datasets=host) as emu:
            summary = run_import(con, emu, every="day", since=date(2025, 1, 14), until=date(2025, 1, 16))
        assert [(o.snapshot_date, o.path, o.status) for o in summary.outcomes] == [
            (date(2025, 1, 14), "models.csv", "imported"), (date(2025, 1, 15), "models.parquet", "imported"),
            (date(2025, 1, 16), "models.parquet", "imported"),
        ]  # fmt: skip
    finally:
        con.close()
