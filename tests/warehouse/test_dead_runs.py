"""A run left 'running' by a killed process is marked failed by the next writer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb

from atomscope.warehouse import db

KILLED_IMPORT = """
import os, signal, sys
from atomscope.warehouse import db
con = db.connect(sys.argv[1])
db.start_run(con, "import_dump")
con.execute("CHECKPOINT")
os.kill(os.getpid(), signal.SIGKILL)
"""


def _runs(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT kind, status, pid, details FROM load_runs ORDER BY run_id").fetchall()


def test_a_killed_import_is_failed_by_the_next_writable_open(small_db, cli):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, str(small_db)], env=env)
    assert proc.wait(timeout=120) == -9
    [(kind, status, pid, _)] = _runs(small_db)
    assert (kind, status) == ("import_dump", "running") and pid == proc.pid

    assert cli("query", "SELECT 1", "--db", small_db).code == 0  # a reader changes nothing
    assert _runs(small_db)[0][1] == "running"

    db.connect(small_db).close()  # any command that opens for writing
    [(_, status, _, details)] = _runs(small_db)
    assert status == "failed" and f"process {proc.pid}" in json.loads(details)["error"]


def test_runs_of_the_live_process_stay_running(tmp_path):
    path = tmp_path / "w.duckdb"
    first = db.connect(path)
    try:
        run_id = db.start_run(first, "import_dump")
        first.execute("INSERT INTO load_runs (run_id, kind, started_at, status) VALUES (999, 'old', now(), 'running')")
        second = db.connect(path)  # the same process: its runs may be in progress
        second.close()
        statuses = dict(first.execute("SELECT run_id, status FROM load_runs").fetchall())
        assert statuses == {run_id: "running", 999: "failed"}  # 999 has no pid: written by an older version
    finally:
        first.close()
