"""`import hub-stats` against a hostile dataset endpoint (atomscope.testing.hostile), through the CLI.

Item 1 and 2 of issue 29: ids that are paths never reach the filesystem; the token never leaves its host.

The two token tests run the installed `atomscope` as a subprocess (the token is the real process's environment);
the others run the entry point in-process (hub_helpers.run_main_in_process): exit status and messages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hub_helpers import CLI, cli_env, run_cli, run_main_in_process

from atomscope.testing.hostile import HostileServer, Reply, Seen, json_reply

REPO = "/api/datasets/cfahlgren1/hub-stats"
SECRET = "hf_secret_token_of_the_user_0123456789"


def _commit(sha: str, day: str = "2025-01-02") -> dict:
    return {"id": sha, "title": "upload", "message": "", "authors": [{"user": "x"}], "date": f"{day}T10:00:00.000Z"}


def _models_entry(seen: Seen, server: HostileServer) -> Reply:
    return json_reply([{"type": "file", "oid": "a" * 40, "size": 10, "path": "models.parquet"}])


@pytest.fixture
def db(bundled_db, tmp_path) -> Path:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "w.duckdb"
    shutil.copy(bundled_db, path)
    return path


def _import(db: Path, endpoint: str, env: dict, *more: str, process: bool = True):
    args = [str(CLI), "import", "hub-stats", "--db", str(db), "--endpoint", endpoint, "--no-progress", *more]
    return run_cli(args, env, timeout=120) if process else run_main_in_process(args, env)


def test_revision_ids_that_are_paths_never_touch_the_filesystem(db, tmp_path):
    relative, absolute = tmp_path / "victim", tmp_path / "abs_victim"
    for folder in (relative, absolute):
        folder.mkdir()
        (folder / "keep.txt").write_text("precious")
    # the scratch folder is data/.w.duckdb.hubstats-downloads: ../../victim is tmp_path/victim
    listing = [_commit("../../victim"), _commit(str(absolute), "2025-01-03"), _commit("G" * 40, "2025-01-04")]
    routes = {f"{REPO}/commits": json_reply(listing), f"{REPO}/paths-info": _models_entry,
              "/datasets/cfahlgren1/hub-stats/resolve": Reply(200, b"not parquet")}  # fmt: skip
    with HostileServer(routes) as server:
        done = _import(db, server.url, cli_env(tmp_path), "--since", "2025-01-01", process=False)
    assert (relative / "keep.txt").read_text() == "precious"
    assert (absolute / "keep.txt").read_text() == "precious"
    out = done.stdout + done.stderr
    assert "Traceback" not in out
    assert out.count("is not a commit id") == 3, out
    assert not any("/resolve/" in s.path for s in server.seen)  # nothing refused was downloaded


def _paged(next_url):
    def answer(seen: Seen, server: HostileServer) -> Reply:
        return json_reply([_commit("b" * 40)], Link=f'<{next_url(server)}>; rel="next"')

    return answer


def test_the_token_never_follows_a_next_page_link_to_another_host(db, tmp_path):
    with HostileServer({}) as thief, HostileServer({}) as hub:
        hub.routes = {f"{REPO}/commits": _paged(lambda s: f"{thief.url}{REPO}/commits/main?cursor=2"),
                      f"{REPO}/paths-info": json_reply([])}  # fmt: skip
        thief.routes = {"/": json_reply([])}
        done = _import(db, hub.url, {**cli_env(tmp_path, HF_ENDPOINT=hub.url), "HF_TOKEN": SECRET})
    assert done.returncode == 2, done.stderr
    assert "goes to another host" in done.stderr and "Traceback" not in done.stderr
    assert hub.authorized()  # the token belongs to the endpoint HF_ENDPOINT names ...
    assert thief.seen == []  # ... and the other host never sees a request, let alone the token
    assert SECRET not in done.stdout + done.stderr


def test_an_endpoint_named_only_on_the_command_line_never_gets_the_ambient_token(db, tmp_path):
    routes = {f"{REPO}/commits": json_reply([]), f"{REPO}/paths-info": json_reply([])}
    with HostileServer(routes) as server:
        done = _import(db, server.url, {**cli_env(tmp_path), "HF_TOKEN": SECRET})
    assert done.returncode == 0, done.stderr
    assert server.seen and server.authorized() == []


def test_a_next_page_link_to_itself_stops_at_once(db, tmp_path):
    with HostileServer({}) as hub:
        hub.routes = {f"{REPO}/commits": _paged(lambda s: f"{s.url}{REPO}/commits/main"),
                      f"{REPO}/paths-info": json_reply([])}  # fmt: skip
        done = _import(db, hub.url, cli_env(tmp_path), process=False)
    assert done.returncode == 2 and "repeats a page already read" in done.stderr, done.stderr
    assert sum("/commits" in s.path for s in hub.seen) <= 2
