"""Issue 29 item 16: `atomscope query` has a row limit and a time limit by default, streams, and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from cli_runner import interruptible_child

from atomscope.cli.query_run import QueryLimits


def test_defaults_bound_every_query():
    assert QueryLimits().max_rows > 0 and QueryLimits().timeout_s > 0


def test_row_limit_cuts_the_stream_and_says_so(cli, small_db):
    result = cli(
        "query", "--db", small_db, "-f", "csv", "--max-rows", "25000", "SELECT range AS i FROM range(10000000)"
    )
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "i" and len(lines) == 25001 and lines[-1] == "24999"
    assert "first 25,000 rows only" in result.err


def test_json_cut_by_the_row_limit_stays_valid(cli, small_db):
    result = cli("query", "--db", small_db, "-f", "json", "--max-rows", "3", "SELECT range AS i FROM range(100)")
    assert result.code == 0
    assert json.loads(result.out) == [{"i": 0}, {"i": 1}, {"i": 2}]
    everything = cli("query", "--db", small_db, "-f", "json", "--max-rows", "0", "SELECT range AS i FROM range(20001)")
    assert len(json.loads(everything.out)) == 20001 and "rows only" not in everything.err


def test_time_limit_stops_a_query_inside_one_operator(cli, small_db):
    result = cli("query", "--db", small_db, "--timeout", "1", "SELECT count(*) FROM range(1000000000000)")
    assert result.code == 2
    assert "time limit (1 s)" in result.err and "Traceback" not in result.err


def test_json_stopped_by_the_time_limit_is_still_valid_json(cli, small_db):
    result = cli("query", "--db", small_db, "-f", "json", "--timeout", "1", "--max-rows", "0",
                 "SELECT range AS i FROM range(1000000000000)")  # fmt: skip
    assert result.code == 2 and "time limit" in result.err
    rows = json.loads(result.out)  # cut mid-stream, closed properly
    assert rows and rows[:2] == [{"i": 0}, {"i": 1}]


def _holds(pid: int, path) -> bool:
    try:
        return any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def _signal_state(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return [line.strip() for line in status if line.startswith(("SigBlk", "SigIgn", "SigCgt"))]
    except OSError as exc:
        return [str(exc)]


def test_ctrl_c_stops_the_query_with_one_line(small_db, tmp_path):
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "atomscope", "query", "--db", str(small_db), "--timeout", "0",
         "SELECT count(*) FROM range(1000000000000)"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=interruptible_child,
    )  # fmt: skip
    deadline = time.monotonic() + 60  # wait until it holds the warehouse open, i.e. the query is under way
    while time.monotonic() < deadline and not _holds(proc.pid, small_db):
        time.sleep(0.1)
    time.sleep(1.0)  # from open to the query is a few statements; the query itself would run for minutes
    state = _signal_state(proc.pid)  # if Ctrl-C does nothing, whether the child ignored, blocked or caught it
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"Ctrl-C did not stop the query within 60 s; the child's signal state before it: {state}")
    assert proc.returncode == 2, (err, state)
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err
