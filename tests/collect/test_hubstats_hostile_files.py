"""hub-stats revisions holding files atomscope did not write (issue 29 items 4 and 5), through the CLI:
a non-UTF-8 models.csv and one with a header over 128 KiB are recorded invalid (file and reason) while the
others go on, `import hub-dump` refuses the same files with one line, `--retry-invalid` fetches them again,
and Ctrl-C mid-run leaves no revision recorded invalid.

The first import and the Ctrl-C'd one are the installed `atomscope` in a subprocess (its exit status, a real
SIGINT); reruns and `import hub-dump` run the entry point in-process (hub_helpers.run_main_in_process)."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime

import pytest
from cli_runner import interruptible_child
from hub_helpers import CLI, cli_env, run_cli, run_main_in_process, small_hub, tracked_hub_warehouse
from hubstats_fixtures import dataset_host

from atomscope.testing.hub import HubEmulator
from atomscope.testing.hub_datasets import DatasetHost, DatasetRepo, FileVersion
from atomscope.warehouse import db

NOT_UTF8 = b"id,down\xffloads\nQwen/x,5\n"
WIDE_HEADER = b"id," + b"x" * (200 * 1024) + b"\nQwen/x,5\n"


@pytest.fixture(scope="module")
def hub():
    return small_hub(orgs=("Qwen",), per_org=2)


def _hostile_repo() -> DatasetRepo:
    repo = DatasetRepo("cfahlgren1/hub-stats")
    for month, content in ((1, NOT_UTF8), (2, WIDE_HEADER)):
        repo.commit(datetime(2025, month, 3, 6, tzinfo=UTC), "Upload models.csv",
                    {"models.csv": FileVersion("models.csv", lambda c=content: c)})  # fmt: skip
    return repo


def test_unreadable_csv_revisions_are_recorded_invalid_and_retried_on_request(bundled_db, tmp_path, hub):
    tracked_hub_warehouse(bundled_db, tmp_path, hub).close()
    path = tmp_path / "w.duckdb"
    host = DatasetHost(_hostile_repo())
    with HubEmulator(hub, datasets=host) as emu:
        env = cli_env(tmp_path, HF_ENDPOINT=emu.url)
        args = [str(CLI), "import", "hub-stats", "--db", str(path), "--no-progress"]
        first = run_cli(args, env, timeout=120)
        again = run_main_in_process(args, env)
        downloads = len(host.downloads)
        retried = run_main_in_process([*args, "--retry-invalid"], env)
    for done in (first, retried):
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert "models.csv:1: not UTF-8 text" in done.stderr
        assert "models.csv:1: the header row is over 128 KiB" in done.stderr
    assert downloads == 2  # the plain rerun fetched nothing: an invalid blob is not fetched again ...
    assert len(host.downloads) == 4  # ... unless --retry-invalid asks
    con = db.connect(path)
    try:
        stored = con.execute("SELECT snapshot_date::VARCHAR, status FROM hubstats_revisions ORDER BY 1").fetchall()
    finally:
        con.close()
    assert stored == [("2025-01-03", "invalid"), ("2025-02-03", "invalid")]
    assert again.returncode == 1


@pytest.mark.parametrize("content", [NOT_UTF8, WIDE_HEADER], ids=["not-utf8", "wide-header"])
def test_import_hub_dump_refuses_the_same_files_with_one_line(bundled_db, tmp_path, hub, content):
    tracked_hub_warehouse(bundled_db, tmp_path, hub).close()
    dump = tmp_path / "models.csv"
    dump.write_bytes(content)
    done = run_main_in_process([str(CLI), "import", "hub-dump", str(dump), "--date", "2025-01-03", "--db",
                                str(tmp_path / "w.duckdb")], cli_env(tmp_path))  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{dump}:1:" in done.stderr


def test_ctrl_c_mid_run_records_nothing_invalid_and_a_rerun_imports_every_revision(bundled_db, tmp_path, hub):
    tracked_hub_warehouse(bundled_db, tmp_path, hub).close()
    path = tmp_path / "w.duckdb"
    host = dataset_host(hub)
    with HubEmulator(hub, datasets=host) as emu:
        env = cli_env(tmp_path, HF_ENDPOINT=emu.url)
        args = [str(CLI), "import", "hub-stats", "--db", str(path), "--no-progress", "--since", "2025-02-01",
                "--until", "2025-07-31"]  # fmt: skip
        emu.faults.slow_down(0.3, path_prefix="/cdn-lfs/")  # file reads are slow: Ctrl-C lands mid-run
        proc = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible_child
        )
        end = time.monotonic() + 60
        while emu.request_count("/cdn-lfs/") < 3 and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)  # mid-run: during a download or while DuckDB reads a revision
        _, err = proc.communicate(timeout=60)
        con = db.connect(path)
        try:
            recorded = con.execute("SELECT status, count(*) FROM hubstats_revisions GROUP BY 1").fetchall()
        finally:
            con.close()
        assert proc.returncode != 0 and "invalid" not in dict(recorded), err
        emu.faults.slow_down(0)
        rerun = run_main_in_process(args, env)
    assert rerun.returncode == 0, rerun.stderr
    con = db.connect(path)
    try:
        statuses = con.execute("SELECT status FROM hubstats_revisions").fetchall()
    finally:
        con.close()
    assert statuses and {s for (s,) in statuses} == {"ok"} and len(statuses) == 6
