"""Every request to a server we do not control ends (issue 29 items 7, 8, 12), through the public commands:
a slow-loris that drips one byte at a time meets the request deadline, a gzip bomb stops at the size cap
without being inflated whole, and the limits come from the environment (docs/network.md).

The slow-loris and the gzip bomb run the installed `atomscope` as a subprocess (the real process meets the
deadline and the cap); the page bound and the date window run the entry point in-process
(hub_helpers.run_main_in_process, the same environment): exit status and messages."""

from __future__ import annotations

import json
import shutil

import pytest
from hub_helpers import CLI, cli_env, run_cli, run_main_in_process

from atomscope.testing.hostile import HostileServer, Reply, gzip_bomb, json_reply
from atomscope.warehouse import db as warehouse_db

LISTING = json.dumps({"data": [{"id": "qwen/qwen3-32b", "hugging_face_id": "Qwen/Qwen3-32B"}]}).encode()


@pytest.fixture
def db(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    return path


def _openrouter(db, server: HostileServer, tmp_path, process: bool = True, **limits: str):
    env = cli_env(tmp_path, **limits)
    args = [str(CLI), "collect", "openrouter", "--db", str(db), "--endpoint", server.url]
    return run_cli(args, env, timeout=120) if process else run_main_in_process(args, env)


def test_a_slow_loris_listing_ends_at_the_request_deadline(db, tmp_path):
    drip = Reply(200, LISTING, {"Content-Type": "application/json"}, drip_s=0.2)  # headers and body, byte by byte
    with HostileServer({"/api/v1/models": drip}) as server:
        # the whole answer would take over 40 s of drips, and the 30 s read timeout never fires between bytes
        done = _openrouter(db, server, tmp_path, ATOMSCOPE_HTTP_REQUEST_S="2", ATOMSCOPE_HTTP_READ_S="30")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "no answer within the deadline" in done.stderr


def test_a_gzip_bomb_stops_at_the_size_cap(db, tmp_path):
    with HostileServer({"/api/v1/models": gzip_bomb(256)}) as server:
        done = _openrouter(db, server, tmp_path, ATOMSCOPE_HTTP_MAX_JSON_MB="4")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "over 4 MiB; stopped" in done.stderr


def test_hub_stats_commits_listing_bounded_by_the_deadline_and_the_page_bound(db, tmp_path):
    repo = "/api/datasets/cfahlgren1/hub-stats"
    drip = Reply(200, b"[]", {"Content-Type": "application/json"}, drip_s=0.5)
    args = [str(CLI), "import", "hub-stats", "--db", str(db), "--no-progress"]
    with HostileServer({f"{repo}/commits": drip, f"{repo}/paths-info": json_reply([])}) as server:
        slow = run_main_in_process([*args, "--endpoint", server.url], cli_env(tmp_path, ATOMSCOPE_HTTP_REQUEST_S="2"))
    assert slow.returncode == 2 and "no answer within the deadline" in slow.stderr, slow.stderr

    def endless(seen, server):  # every page links to a new one
        page = int(dict(seen.query).get("page", "0"))
        return json_reply([], Link=f'<{server.url}{repo}/commits/main?page={page + 1}>; rel="next"')

    with HostileServer({f"{repo}/commits": endless, f"{repo}/paths-info": json_reply([])}) as server:
        paged = run_main_in_process([*args, "--endpoint", server.url], cli_env(tmp_path, ATOMSCOPE_HTTP_MAX_PAGES="5"))
        listed = sum("/commits" in s.path for s in server.seen)
    assert paged.returncode == 2 and "more than 5 pages" in paged.stderr, paged.stderr
    assert listed == 5


def test_openrouter_creation_dates_outside_the_window_are_never_stored(db, tmp_path):
    entries = [{"id": f"qwen/m{i}", "hugging_face_id": f"Qwen/M{i}", "created": created}
               for i, created in enumerate([-62135596800, 253402214400, 1745884800])]  # 0001, 9999, 2025  # fmt: skip
    with HostileServer({"/api/v1/models": json_reply({"data": entries})}) as server:
        done = _openrouter(db, server, tmp_path, process=False)
    assert done.returncode == 0, done.stderr
    con = warehouse_db.connect(db)
    try:
        stored = con.execute("SELECT model_slug, created::VARCHAR FROM openrouter_models ORDER BY 1").fetchall()
    finally:
        con.close()
    assert stored == [("qwen/m0", None), ("qwen/m1", None), ("qwen/m2", "2025-04-29 00:00:00")]
