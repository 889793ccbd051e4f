"""`import hub-stats` against the emulator's SYNTHETIC hub-stats repository, through the real huggingface_hub."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import date

import pytest
from hub_helpers import CLI, cli_env, rows, run_main_in_process, small_hub, tracked_hub_warehouse
from hubstats_fixtures import SCENARIO, dataset_host, run_import, whole_bytes
from rich.console import Console

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


def test_a_monthly_backfill_reads_a_tenth_of_the_bytes_and_equals_a_whole_file_import(bundled_db, tmp_path, hub):
    host, plain = dataset_host(hub), dataset_host(hub)
    plain.range_requests = False  # a server that ignores Range: every file is downloaded whole
    ranged_con = tracked_hub_warehouse(bundled_db, tmp_path, hub, name="ranged.duckdb")
    whole_con = tracked_hub_warehouse(bundled_db, tmp_path, hub, name="whole.duckdb")
    said, fallback = Console(record=True, width=200), Console(record=True, width=200)
    with HubEmulator(hub, datasets=host) as emu:
        summary = run_import(ranged_con, emu, console=said)
        served = host.bytes_served
        again = run_import(ranged_con, emu)
        url = emu.url
        assert host.bytes_served == served  # the rerun read nothing
        cdn = [r for r in emu.requests if r.path.startswith("/cdn-lfs/")]
        assert cdn and not any(r.authenticated for r in cdn)  # the token never left the Hub's host
    with HubEmulator(hub, datasets=plain) as emu:
        whole = run_import(whole_con, emu, console=fallback)
    months = _firsts()
    assert len(months) == 25 and [o.snapshot_date for o in summary.outcomes] == months
    file_bytes = whole_bytes(host, [o.revision for o in summary.outcomes])
    assert served <= 0.10 * file_bytes  # counted by the server
    imported = whole_bytes(host, [o.revision for o in summary.outcomes if o.status == "imported"])
    assert summary.downloaded_bytes == served and summary.file_bytes == imported  # the corrupt file: its tail
    assert len(host.downloads) == 3  # the CSV-era files only, downloaded whole
    probed = whole_bytes(host, [next(o.revision for o in summary.outcomes if o.path == "models.parquet")])
    assert len(plain.downloads) == 26 and plain.bytes_served == file_bytes + probed  # + the probe it answered whole
    plan = " ".join(said.export_text().split())
    assert f"24 revision(s) to import: {served / 1e6:.1f} MB to read of the {imported / 1e6:.1f} MB" in plan
    assert "3 CSV-era file(s) downloaded whole" in plan
    assert "ignores HTTP Range requests: 25 file(s) downloaded whole instead" in " ".join(
        fallback.export_text().split()
    )
    # the same warehouse rows either way (but the endpoint column: two emulators, two ports)
    assert _tables(ranged_con, ("endpoint",)) | _revisions(ranged_con) == _tables(
        whole_con, ("endpoint",)
    ) | _revisions(whole_con)
    assert [(o.snapshot_date, o.status) for o in whole.outcomes] == [(o.snapshot_date, o.status) for o in
                                                                     summary.outcomes]  # fmt: skip
    con = ranged_con
    assert [(o.snapshot_date, o.status) for o in summary.failed] == [(date(2026, 2, 1), "invalid")]
    assert "cannot read the dump" in summary.failed[0].reason and "models.parquet" in summary.failed[0].reason
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
    # historical revisions bring counts only; the model facts come from the newest revision
    facts = con.execute(
        "SELECT snapshot_date = max(snapshot_date) OVER (), count(likes), count(created_at), count(tags)"
        " FROM hf_snapshots GROUP BY snapshot_date ORDER BY snapshot_date"
    ).fetchall()
    assert all(n == [0, 0, 0] for newest, *n in facts if not newest) and all(facts[-1][1:])
    ranged_con.close()
    whole_con.close()


def test_max_bytes_bounds_what_a_run_reads_and_a_rerun_continues(con, hub):
    host = dataset_host(hub)
    with HubEmulator(hub, datasets=host) as emu:
        first = run_import(con, emu, since=date(2025, 3, 1), until=date(2025, 7, 31), max_bytes=40_000)
        read = host.bytes_served
        second = run_import(con, emu, since=date(2025, 3, 1), until=date(2025, 7, 31))
    assert first.stopped == "--max-bytes" and 1 <= first.count("imported") < 5
    assert read <= 40_000 and first.downloaded_bytes == read  # footers included
    assert second.count("done") == first.count("imported") and second.count("imported") == 5 - second.count("done")


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
    assert first.stopped == "--max-files" and first.count("imported") == 2
    assert second.count("imported") == 3 and second.count("done") == 2
    assert len({s.sha256 for s in host.served}) == 5  # no file read twice


def _revisions(con) -> dict[str, list[tuple]]:
    """hubstats_revisions but the reason's wording (the corrupt file: no footer vs DuckDB's message)."""
    drop = ("run_id", "finished_at", "details", "endpoint", "reason")
    return {"hubstats_revisions": rows(con, "hubstats_revisions", drop)}


def _tables(con, also: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """The rows an import writes, without what differs between two correct runs (and the `also` columns)."""
    return {
        "hf_snapshots": rows(con, "hf_snapshots", ("collected_at", "run_id", *also)),
        "hub_models": rows(con, "hub_models", ("first_seen_at", "last_seen_at", "run_id", *also)),
        "derivative_edges": rows(con, "derivative_edges", ("first_seen_at", "run_id", *also)),
        "snapshot_quality": rows(con, "snapshot_quality", ("run_id", "flagged_at", *also)),
        "snapshot_imports": rows(con, "snapshot_imports", ("run_id", "imported_at", *also)),
        "hubstats_revisions": rows(con, "hubstats_revisions", ("run_id", "finished_at", "details", *also)),
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
        start = len(host.served)  # the plan reads 2 ranges per revision (50), each import about 3 more
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while len(host.served) < start + 50 + 3 * 8 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert proc.poll() is None, "the import ended before it was killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        rerun = run_main_in_process(args, env)  # the resume, in-process: the entry point's exit status
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
