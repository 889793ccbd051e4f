"""Malformed JSON from GitHub and the Hub (issue 29 item 10), through the public commands: each is one clear
line for that source, never a traceback."""

from __future__ import annotations

import shutil

import pytest
from hub_helpers import CLI, cli_env, run_cli

from atomscope.testing.hostile import HostileServer, Reply, json_reply

SHA = "a" * 40
HEAD = {"sha": SHA, "commit": {"committer": {"date": "2025-03-01T00:00:00Z"}}}
REPO = "/api/datasets/cfahlgren1/hub-stats"
COMMITS = [{"id": "b" * 40, "title": "t", "date": "2025-01-02T10:00:00.000Z"}]


@pytest.fixture
def db(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    return path


@pytest.mark.parametrize(
    ("source", "head", "listing", "message"),
    [
        ("osai", {"commit": "x"}, None, "is not a commit id"),
        ("osai", {"sha": 5}, None, "is not a commit id"),
        ("osai", HEAD, [{"path": "a.yaml", "type": "blob"}], "expected a tree object"),
        ("osai", HEAD, {"tree": [{"type": "blob"}], "truncated": False}, "a listing entry without a path"),
        ("lmarena", HEAD, [{"commit": {"committer": {"date": "2025-03-01T00:00:00Z"}}}], "is not a commit id"),
    ],
    ids=["commit-is-a-string", "sha-is-a-number", "tree-is-a-list", "entry-without-path", "commit-without-sha"],
)
def test_malformed_github_json_is_one_line_for_that_source(db, tmp_path, source, head, listing, message):
    def github(seen, server):
        if "/commits/" in seen.path:
            return json_reply(head)
        return json_reply(listing)

    with HostileServer({"/repos": github}) as server:
        done = run_cli([str(CLI), "sources", "update", source, "--db", str(db), "--github-api", server.url,
                        "--github-raw", server.url], cli_env(tmp_path), timeout=120)  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in out, out
    assert message in out


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({f"{REPO}/commits": json_reply({"items": COMMITS})}, "expected a JSON list, got dict"),
        ({f"{REPO}/commits": json_reply([None])}, "a commit is NoneType"),
        ({f"{REPO}/paths-info": json_reply([{"type": "file", "path": "models.parquet", "oid": SHA, "size": "big"}])},
         "size 'big' is not a whole number"),
        ({f"{REPO}/paths-info": json_reply({"path": "models.parquet"})}, "expected a JSON list, got dict"),
        ({f"{REPO}/paths-info": json_reply([{"type": "file", "oid": SHA, "size": 1}])}, "an entry without a path"),
        ({f"{REPO}/paths-info": Reply(302, b"", {"Location": "file:///etc/passwd"})}, "cannot reach"),
    ],
    ids=["commits-object", "null-commit", "size-big", "paths-info-object", "entry-without-path", "file-redirect"],
)  # fmt: skip
def test_malformed_hub_metadata_is_one_line(db, tmp_path, routes, message):
    served = {f"{REPO}/commits": json_reply(COMMITS), f"{REPO}/paths-info": json_reply([]), **routes}
    with HostileServer(served) as server:
        done = run_cli([str(CLI), "import", "hub-stats", "--db", str(db), "--endpoint", server.url, "--no-progress"],
                       cli_env(tmp_path), timeout=120)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2  # one line (a long one may wrap once)
