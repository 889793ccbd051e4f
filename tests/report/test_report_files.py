"""Issue 29 item 17: the report waits for another process's write instead of failing, and a full disk (or a
file size limit) half-way never leaves an empty or cut-off chart file."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from report_parts import only_parts

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


@pytest.fixture
def real_db(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    return path


def test_report_waits_for_a_writer_in_another_process(cli, real_db, tmp_path, monkeypatch):
    only_parts(monkeypatch, "arena")  # the wait is for the warehouse's opening; one part is enough after it
    writer = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(real_db), "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "holding"  # the write lock is held from here for 3 s
        result = cli("report", "--db", real_db, "--out", tmp_path / "out")
    finally:
        writer.wait(timeout=60)
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
    result = subprocess.run(
        [sys.executable, "-m", "atomscope", "report", "--db", str(real_db), "--out", str(out)],
        capture_output=True, text=True, env=env, preexec_fn=_limit_file_size(60_000), timeout=600,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "cannot grow" in result.stderr
    files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not [p for p in files if p.stat().st_size == 0 or p.name.endswith(".tmp")]
    for svg in (p for p in files if p.suffix == ".svg"):
        ET.fromstring(svg.read_text(encoding="utf-8"))  # whole: a cut-off file does not parse
