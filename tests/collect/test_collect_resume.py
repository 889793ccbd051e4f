"""kill -9 at any moment: the rerun continues where the killed run stopped, and the warehouse ends up
exactly as after an uninterrupted run (no duplicate, no lost row). The collector runs as a subprocess
of the real CLI against the (slowed) emulator serving a SYNTHETIC hub; the rerun that finishes is the same entry
point in-process (hub_helpers.run_main_in_process: nothing is killed, so the process adds nothing)."""

from __future__ import annotations

import signal
import subprocess
import time

from hub_helpers import cli_env, collect, contents, fast_cli_args, run_main_in_process, small_hub, tracked_hub_warehouse

from atomscope.testing.hub import HubEmulator
from atomscope.warehouse.db import connect

PAGE = 3


def _run_and_kill(emu, args, env, after: int) -> None:
    """Start the CLI and SIGKILL it once the emulator has served `after` requests in all."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while emu.request_count("/api/") < after and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def test_kill_9_twice_then_rerun_equals_an_uninterrupted_run(bundled_db, tmp_path):
    hub = small_hub(per_org=5, derivative_depth=2)
    clean_con = tracked_hub_warehouse(bundled_db, tmp_path, hub, name="clean.duckdb")
    tracked_hub_warehouse(bundled_db, tmp_path, hub, name="killed.duckdb").close()
    killed_db = tmp_path / "killed.duckdb"
    with HubEmulator(hub, page_size=PAGE) as emu:
        clean_summary = collect(clean_con, emu, hub)
        pages = emu.request_count("/api/models")
        listings = clean_summary.requests_by_part["listings"]
        assert pages - listings >= 6, "the crawl needs several pages for a kill inside it"
        clean = contents(clean_con)
        clean_con.close()
        emu.clear_log()
        args, env = fast_cli_args(emu, hub, killed_db), cli_env(tmp_path)
        emu.faults.slow_down(0.03)
        _run_and_kill(emu, args, env, after=listings // 2)  # inside the org listings
        first = emu.request_count("/api/")
        _run_and_kill(emu, args, env, after=listings + 3)  # inside the derivative crawl
        second = emu.request_count("/api/")
        assert listings // 2 <= first < listings < second < pages, "both runs were killed midway"
        emu.faults.slow_down(0)
        done = run_main_in_process(args, env)
        assert done.returncode == 0, done.stderr
        served = emu.request_count("/api/")
    con = connect(killed_db)
    try:
        got = contents(con)
        for table in got:
            assert got[table] == clean[table], table
        statuses = con.execute("SELECT status FROM load_runs WHERE kind LIKE 'hf_%' ORDER BY run_id").fetchall()
    finally:
        con.close()
    assert statuses.count(("failed",)) >= 2 and statuses[-1] == ("ok",)
    # resumed from the stored cursors: at most the page in flight at each kill is requested again
    assert served <= pages + 2
