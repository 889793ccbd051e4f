"""Malformed JSON from GitHub and the Hub (issue 29 item 10), through the public commands: each is one clear
line for that source, never a traceback.

The malformed-JSON cases run the entry point (`atomscope.cli.main`) in-process: what they check is the command's
exit status and message, which the process adds nothing to. The last two tests run the installed `atomscope`
as a subprocess, one per command (`sources update`, `import hub-stats`): the real process's exit status and
stderr bytes."""

from __future__ import annotations

import shutil

import pytest
from hub_helpers import CLI, cli_env, run_cli, run_main_in_process

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
        done = run_main_in_process(["sources", "update", source, "--db", str(db), "--github-api", server.url,
                                    "--github-raw", server.url], cli_env(tmp_path))  # fmt: skip
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
        done = run_main_in_process(["import", "hub-stats", "--db", str(db), "--endpoint", server.url,
                                    "--no-progress"], cli_env(tmp_path))  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2  # one line (a long one may wrap once)


def test_commit_days_outside_the_window_are_refused_never_imported(db, tmp_path):
    days = ["0001-01-01T00:00:00Z", "2099-03-05T00:00:00Z", "9999-12-31T23:59:59Z", "yesterday"]
    dated = [{"id": c * 40, "title": "t", "date": day} for c, day in zip("cdef", days, strict=True)]
    entry = [{"type": "file", "path": "models.parquet", "oid": SHA, "size": 10}]
    with HostileServer({f"{REPO}/commits": json_reply(dated), f"{REPO}/paths-info": json_reply(entry)}) as server:
        done = run_cli([str(CLI), "import", "hub-stats", "--db", str(db), "--endpoint", server.url, "--no-progress"],
                       cli_env(tmp_path), timeout=120)  # fmt: skip
        fetched = [s.path for s in server.seen if "/resolve/" in s.path]
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("refused") == 4 and "0 revision(s) imported" in done.stderr
    assert "outside 2015-01-01" in done.stderr and "'yesterday' unusable" in done.stderr
    assert fetched == []


def test_an_lmarena_snapshot_dated_2999_is_refused(db, tmp_path):
    future = {"sha": SHA, "commit": {"committer": {"date": "2999-01-01T00:00:00Z"}}}

    def github(seen, server):
        return json_reply(future if "/commits/" in seen.path else [{"sha": "c" * 40, **future}])

    with HostileServer({"/repos": github}) as server:
        done = run_cli([str(CLI), "sources", "update", "lmarena", "--db", str(db), "--github-api", server.url,
                        "--github-raw", server.url], cli_env(tmp_path), timeout=120)  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in out, out
    assert "dated 2999-01-01, outside 2015-01-01 .. tomorrow; refused" in out
