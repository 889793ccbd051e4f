"""Issue 29 item 17: the report waits for another process's write instead of failing, and a full disk (or a
file size limit) half-way never leaves an empty or cut-off chart file."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from report_parts import only_parts, only_parts_command

HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()  # the test's word that the report is waiting (or the end of its input)
con.close()
"""


@pytest.fixture
def real_db(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    return path


def test_report_waits_for_a_writer_in_another_process(cli, real_db, tmp_path, monkeypatch):
    from atomscope.warehouse import db

    only_parts(monkeypatch, "releases")  # the wait is for the warehouse's opening; one part is enough after it
    writer = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(real_db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    waits = []

    def wait(seconds: float) -> None:  # the report found the lock held and waits: the writer ends its write
        if not waits:
            writer.stdin.write("done\n")
            writer.stdin.flush()
        waits.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(db, "time", SimpleNamespace(monotonic=time.monotonic, time=time.time, sleep=wait))
    try:
        assert writer.stdout.readline().strip() == "holding"  # the write lock is held from here
        result = cli("report", "--db", real_db, "--out", tmp_path / "out")
    finally:
        writer.stdin.close()
        writer.wait(timeout=60)
    assert waits, "the report did not meet the writer's lock"
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "index.html").stat().st_size > 0


def _limit_file_size(max_bytes: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, like ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def test_a_write_failing_half_way_leaves_no_empty_or_cut_chart(real_db, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    # the releases part alone: its SVG (25 kB) is written whole, then its PNG (126 kB) passes the limit; the whole
    # report failed at its first file (the arena SVG, 160 kB), before anything was written
    command = only_parts_command(("releases",), "report", "--db", real_db, "--out", out)
    result = subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=_limit_file_size(60_000),
                            timeout=600)  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "cannot grow" in result.stderr
    files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not [p for p in files if p.stat().st_size == 0 or p.name.endswith(".tmp")]
    assert [p.name for p in files if p.suffix == ".svg"] == ["releases_region.svg"]  # half way
    for svg in (p for p in files if p.suffix == ".svg"):
        ET.fromstring(svg.read_text(encoding="utf-8"))  # whole: a cut-off file does not parse
