"""The server's first answers after a restart over an unchanged warehouse (issue 27 item 2).

    .venv/bin/python bench/bench_restart.py [--db PATH] [--starts 3]

Without --db, a fresh warehouse of the bundled data is built in a temporary folder. `atomscope serve` (its
own process, as a user starts it) is started `--starts` times over the same warehouse: the first start with
`<warehouse>.answers/` and `.compiled/` deleted (cold: it computes every default view while warming), the
later ones over the answers the first kept (a restart). Per start: seconds from launching the process until
/api/status answers (the server binds its port after warming), then the first request of every metric's
default view, one at a time (ms: max and median), with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_api import bundled_warehouse, first_views, free_port, start_server, wait_ready  # noqa: E402


def one_start(db: Path, cold: bool) -> dict:
    if cold:
        for suffix in (".answers", ".compiled"):
            shutil.rmtree(db.with_name(db.name + suffix), ignore_errors=True)
    port = free_port()
    load = os.getloadavg()[0]
    launched = time.perf_counter()
    proc = start_server(db, port)
    try:
        asyncio.run(wait_ready(f"http://127.0.0.1:{port}", timeout=900))
        ready = time.perf_counter() - launched
        views = asyncio.run(first_views(f"http://127.0.0.1:{port}"))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ms = [v["ms"] for v in views]
    return {
        "start": "cold" if cold else "restart",
        "ready_s": round(ready, 2),
        "views": len(views),
        "ok": sum(v["status"] == 200 for v in views),
        "max_ms": max(ms),
        "median_ms": statistics.median(ms),
        "over_300ms": sum(m > 300 for m in ms),
        "load": round(load, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--starts", type=int, default=3)
    opts = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="atomscope-restart-"))
    db = opts.db or bundled_warehouse(folder)
    rows = [one_start(db, cold=i == 0) for i in range(opts.starts)]
    shutil.rmtree(folder, ignore_errors=True)
    print("| start | ready s (launch to /api/status) | default views (200) | first request max ms | median ms "
          "| over 300 ms | load |")  # fmt: skip
    print("|---|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        print(f"| {r['start']} | {r['ready_s']} | {r['views']} ({r['ok']}) | {r['max_ms']} | {r['median_ms']} "
              f"| {r['over_300ms']} | {r['load']} |")  # fmt: skip


if __name__ == "__main__":
    main()
