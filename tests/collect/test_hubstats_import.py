"""`import hub-stats` against the emulator's SYNTHETIC hub-stats repository, through the real huggingface_hub."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date

import pytest
from hub_helpers import CLI, cli_env, rows, run_cli, small_hub, tracked_hub_warehouse
from hubstats_fixtures import SCENARIO, dataset_host, run_import

from atomscope.testing.hub import HubEmulator

ORGS = ("Qwen", "allenai", "meta-llama")


@pytest.fixture(scope="module")
def hub():
    return small_hub(orgs=ORGS, per_org=4)


@pytest.fixture
def con(bundled_db, tmp_path, hub):
    con = tracked_hub_warehouse(bundled_db, tmp_path, hub)
    yield con
    con.close()


def _firsts() -> list[date]:
    out = []
    for year in (2024, 2025, 2026):
        out += [date(year, m, 1) for m in range(1, 13) if SCENARIO.start <= date(year, m, 1) <= SCENARIO.end]
    return out


def test_a_monthly_backfill_then_a_rerun_that_downloads_nothing(con, hub):
    host = dataset_host(hub)
    with HubEmulator(hub, datasets=host) as emu:
        summary = run_import(con, emu)
        downloads = len(host.downloads)
        again = run_import(con, emu)
        url = emu.url
    months = _firsts()
    assert len(months) == 25 and downloads == 25
    assert [o.snapshot_date for o in summary.outcomes] == months
    assert [(o.snapshot_date, o.status) for o in summary.failed] == [(date(2026, 2, 1), "invalid")]
    assert "cannot read the dump" in summary.failed[0].reason and "models.parquet" in summary.failed[0].reason
    assert len(host.downloads) == downloads  # the rerun downloaded nothing
    assert {o.status for o in again.outcomes} == {"done", "invalid"}
    stored = con.execute(
        "SELECT model_id, snapshot_date, downloads_30d, downloads_all_time FROM hf_snapshots ORDER BY ALL"
    ).fetchall()
    assert {d for _, d, _, _ in stored} == set(months) - {date(2026, 2, 1)}
    partial_ids = {m for m, d, _, _ in stored if d == date(2025, 12, 1)}
    for model_id, day, d30, total in stored:
        model = hub.all_models[model_id]
        assert d30 == model.downloads_30d(day)
        if day < SCENARIO.all_time_from:
            assert total is None  # the file had 30-day counts only
        elif day != date(2025, 8, 1):
            assert total == model.downloads_all_time(day)
    assert 0 < len(partial_ids) < len({m for m, d, _, _ in stored if d == date(2025, 11, 1)})
    flags = con.execute("SELECT snapshot_date, flag FROM snapshot_quality ORDER BY 1").fetchall()
    assert flags == [(date(2025, 8, 1), "rollback"), (date(2025, 12, 1), "partial")]
    sources = con.execute("SELECT DISTINCT source, endpoint FROM hf_snapshots").fetchall()
    assert all(s.startswith("hubstats:cfahlgren1/hub-stats@") and e == url for s, e in sources)
    # schema drift: no safetensors total in May 2025, a flat column in June: parameters still read
    params = con.execute(
        "SELECT snapshot_date, count(safetensors_total) FROM hf_snapshots"
        " WHERE snapshot_date IN ('2025-04-01', '2025-05-01', '2025-06-01') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert params[0][1] > 0 and params[1][1] == params[0][1] and params[2][1] >= params[0][1]


def test_day_mode_skips_commits_that_did_not_touch_the_models_file_and_flags_a_stall(con, hub):
    host = dataset_host(hub)
    with HubEmulator(hub, datasets=host) as emu:
        summary = run_import(con, emu, every="day", since=date(2025, 9, 30), until=date(2025, 10, 3))
    repo = next(iter(host.repos.values()))
    titles = {c.sha: c.title for c in repo.commits}
    assert [o.snapshot_date for o in summary.outcomes] == [date(2025, 9, 30), date(2025, 10, 1), date(2025, 10, 2),
                                                           date(2025, 10, 3)]  # fmt: skip
    assert all(titles[o.revision] == "Upload models.parquet with huggingface_hub" for o in summary.outcomes)
    flags = con.execute("SELECT snapshot_date, flag, compared_with FROM snapshot_quality").fetchall()
    assert flags == [(date(2025, 10, 2), "stall", date(2025, 10, 1))]


def test_max_files_stops_cleanly_and_a_rerun_continues(con, hub):
    host = dataset_host(hub)
    with HubEmulator(hub, datasets=host) as emu:
        first = run_import(con, emu, since=date(2025, 3, 1), until=date(2025, 7, 31), max_files=2)
        second = run_import(con, emu, since=date(2025, 3, 1), until=date(2025, 7, 31))
    assert first.stopped and first.count("imported") == 2
    assert second.count("imported") == 3 and second.count("done") == 2 and len(host.downloads) == 5


def _tables(con) -> dict[str, list[tuple]]:
    return {
        "hf_snapshots": rows(con, "hf_snapshots", ("collected_at", "run_id")),
        "hub_models": rows(con, "hub_models", ("first_seen_at", "last_seen_at", "run_id")),
        "derivative_edges": rows(con, "derivative_edges", ("first_seen_at", "run_id")),
        "snapshot_quality": rows(con, "snapshot_quality", ("run_id", "flagged_at")),
        "snapshot_imports": rows(con, "snapshot_imports", ("run_id", "imported_at")),
        "hubstats_revisions": rows(con, "hubstats_revisions", ("run_id", "finished_at", "details")),
    }


def test_kill_9_midway_then_a_rerun_equals_an_uninterrupted_run(bundled_db, tmp_path, hub):
    host = dataset_host(hub)
    straight = tracked_hub_warehouse(bundled_db, tmp_path, hub, name="straight.duckdb")
    killed = tracked_hub_warehouse(bundled_db, tmp_path, hub, name="killed.duckdb")
    killed.close()
    db_path = tmp_path / "killed.duckdb"
    with HubEmulator(hub, datasets=host) as emu:
        run_import(straight, emu)
        env = cli_env(tmp_path, HF_ENDPOINT=emu.url)
        args = [str(CLI), "import", "hub-stats", "--db", str(db_path), "--no-progress"]
        start = len(host.downloads)
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(host.downloads) < start + 8 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        rerun = run_cli(args, env, timeout=120)
    assert rerun.returncode == 1, rerun.stderr  # the corrupt revision: recorded, summarised, non-zero
    assert "invalid" in rerun.stdout + rerun.stderr
    from atomscope.warehouse import db

    resumed = db.connect(db_path)
    try:
        assert _tables(resumed) == _tables(straight)
        stale = resumed.execute("SELECT count(*) FROM load_runs WHERE status = 'running'").fetchall()[0][0]
        assert stale == 0
    finally:
        resumed.close()
        straight.close()
