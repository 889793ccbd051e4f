"""Where the test suite's time goes: wall time against CPU time, per test file (issue 27 item 5).

    PYTHONPATH=bench .venv/bin/python -m pytest -n 2 --dist loadfile -q -p suite_cpu   # records
    .venv/bin/python bench/suite_cpu.py [--top 30]                                       # prints

As a pytest plugin (`-p suite_cpu`), each worker writes one JSON file to $SUITE_CPU_DIR (default
bench/results/suite_cpu/; empty it before a run): per test, its wall seconds, the worker's own CPU seconds,
and the CPU seconds of the child processes it waited for (an `atomscope` subprocess, git, pre-commit).
"Waiting" is wall minus both: sleeps, and long-lived children no test waits for (the Spark parity file's JVM,
the browser tests' Chromium), whose CPU this cannot see. Run as a script, it prints each worker's totals,
then the files by wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections import defaultdict
from pathlib import Path

import pytest

OUT = Path(os.environ.get("SUITE_CPU_DIR", Path(__file__).resolve().parent / "results" / "suite_cpu"))
_rows: list[tuple[str, float, float, float]] = []


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started, (own, children) = time.perf_counter(), _cpu()
    yield
    own_after, children_after = _cpu()
    _rows.append((item.nodeid, time.perf_counter() - started, own_after - own, children_after - children))


def pytest_sessionfinish(session):
    if not _rows:
        return  # the xdist controller runs no test
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.json").write_text(json.dumps(_rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    per_file: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for path in sorted(OUT.glob("*.json")):
        rows = json.loads(path.read_text())
        wall, own, children = (sum(row[i] for row in rows) for i in (1, 2, 3))
        print(f"{path.stem}: {len(rows)} tests, {wall:.0f} s wall, {own:.0f} s own CPU, {children:.0f} s children")
        for nodeid, *seconds in rows:
            totals = per_file[nodeid.split("::")[0]]
            for i, value in enumerate(seconds):
                totals[i] += value
    print(f"\n{'wall':>6} {'own':>6} {'child':>6} {'waiting':>7}  file")
    for name, (wall, own, children) in sorted(per_file.items(), key=lambda kv: -kv[1][0])[: args.top]:
        print(f"{wall:6.1f} {own:6.1f} {children:6.1f} {wall - own - children:7.1f}  {name}")


if __name__ == "__main__":
    main()
