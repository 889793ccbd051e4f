"""The emulator's dataset repositories through the real huggingface_hub client (SYNTHETIC files)."""

from __future__ import annotations

from datetime import date

import pytest
from hub_helpers import small_hub, tracked_hub_warehouse
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
    con = tracked_hub_warehouse(bundled_db, tmp_path, hub)
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
    con = tracked_hub_warehouse(bundled_db, tmp_path, hub)
    try:
        with HubEmulator(hub, datasets=host) as emu:
            summary = run_import(con, emu, every="day", since=date(2025, 1, 14), until=date(2025, 1, 16))
        assert [(o.snapshot_date, o.path, o.status) for o in summary.outcomes] == [
            (date(2025, 1, 14), "models.csv", "imported"), (date(2025, 1, 15), "models.parquet", "imported"),
            (date(2025, 1, 16), "models.parquet", "imported"),
        ]  # fmt: skip
    finally:
        con.close()


def test_resolve_honours_range_on_the_storage_host_and_counts_the_bytes_it_serves(hub, host):
    import httpx2
    from huggingface_hub import HfFileSystem, hf_hub_url

    repo = next(iter(host.repos.values()))
    last = len(repo.commits) - 1
    content = repo.tree(last)["models.parquet"].content
    size = len(content)
    with HubEmulator(hub, datasets=host) as emu:
        url = hf_hub_url(REPO, "models.parquet", repo_type="dataset", revision=repo.commits[last].sha, endpoint=emu.url)
        auth = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
        with httpx2.Client(follow_redirects=True) as http:
            tail = http.get(url, headers={**auth, "Range": "bytes=-8"})
            assert tail.status_code == 206 and tail.content == content[-8:]
            assert tail.headers["Content-Range"] == f"bytes {size - 8}-{size - 1}/{size}"
            assert "localhost" in str(tail.url) or "127.0.0.1" not in str(tail.url)  # answered by the other host
            middle = http.get(url, headers={"Range": "bytes=100-199"})
            assert middle.status_code == 206 and middle.content == content[100:200]
            past = http.get(url, headers={"Range": f"bytes={size}-"})
            assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{size}"
            head = http.head(str(tail.url))
            assert head.status_code == 200 and int(head.headers["Content-Length"]) == size
            assert head.headers["ETag"] and head.headers["Accept-Ranges"] == "bytes"
        assert host.bytes_served == 8 + 100 and host.downloads == []  # HEAD and 416 carry no file bytes
        cdn = [r for r in emu.requests if r.path.startswith("/cdn-lfs/")]
        resolve = [r for r in emu.requests if "/resolve/" in r.path]
        assert resolve[0].authenticated and not any(r.authenticated for r in cdn)  # the token stays on the Hub
        # huggingface_hub's file system reads the same bytes through repo_info, the tree and ranged resolves
        fs = HfFileSystem(endpoint=emu.url, token=DEFAULT_TOKEN, skip_instance_cache=True)
        with fs.open(f"datasets/{REPO}@{repo.commits[last].sha}/models.parquet", "rb", cache_type="none") as f:
            f.seek(size - 1000)
            assert f.read(1000) == content[-1000:]
        assert host.bytes_served == 108 + 1000


def test_a_server_without_range_support_answers_the_whole_file(hub):
    scenario = HubStatsScenario(date(2025, 1, 16), date(2025, 1, 17), csv_until=date(2025, 1, 15))
    host = DatasetHost(hubstats_repo(hub, scenario), range_requests=False)
    import httpx2
    from huggingface_hub import hf_hub_url

    repo = next(iter(host.repos.values()))
    content = repo.tree(len(repo.commits) - 1)["models.parquet"].content
    with HubEmulator(hub, datasets=host) as emu, httpx2.Client(follow_redirects=True) as http:
        url = hf_hub_url(REPO, "models.parquet", repo_type="dataset", revision="main", endpoint=emu.url)
        answer = http.get(url, headers={"Range": "bytes=0-9"})
    assert answer.status_code == 200 and answer.content == content and "Accept-Ranges" not in answer.headers
    assert host.bytes_served == len(content) and len(host.downloads) == 1
