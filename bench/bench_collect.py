"""Benchmark of `atomscope collect hf` against the local Hub emulator (all served data is SYNTHETIC).

Measures, for the whole synthetic hub built from every tracked model of the bundled catalog:

1. a full tracked snapshot (one listing per tracked organization, availability, discovery): requests
   made beside the lower bound (one listing per org plus its extra pages: sum of ceil(models / page size));
2. the first derivative crawl (backfill since 2023-01-01) and one day of the incremental new-model crawl
   (after `advance(days=1)`): requests beside the lower bound (ceil((new models + 1) / page size): the
   crawl has to see one model older than its watermark to know it is done);
3. wall time of the daily collection (snapshot + one day of crawl) with the emulator rate limited to the
   Hub's published API limits: 1,000 requests per 5-minute window for a free account, 500 for anonymous
   use (https://huggingface.co/docs/hub/rate-limits, "Hub APIs" bucket, 5-minute fixed windows).

Usage: .venv/bin/python bench/bench_collect.py [--write BENCHMARKS.md]
(`--write` replaces the `## Collection` section of that file and leaves every other section alone.)
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from benchio import write_section
from rich.console import Console

from atomscope.collect.hub.client import RetryPolicy
from atomscope.collect.hub.collect import CollectOptions, collect_hf
from atomscope.testing.hub import DEFAULT_TOKEN, HubEmulator
from atomscope.testing.synthetic_hub import SyntheticHub
from atomscope.warehouse import db
from atomscope.warehouse.load import load_bundled

PAGE = 1000  # the Hub's page size for /api/models (the emulator's default)
LIMITS = {"free account": (1000, 300.0), "anonymous": (500, 300.0)}
#: A stress case that does not fit one window: pages of 5 models (~470 requests a day) against a quota of 100
#: requests per 10 s window, so the benchmark shows the pacing without waiting for 5-minute windows.
STRESS = ("stress: page size 5", (100, 10.0), 5)
QUIET = Console(stderr=True, quiet=True)


def _collect(con, emu, hub, **kw):
    options = CollectOptions(endpoint=emu.url, token=kw.pop("token", DEFAULT_TOKEN), day=kw.pop("day", hub.today),
                             live=False, policy=RetryPolicy(), **kw)  # fmt: skip
    started = time.perf_counter()
    summary = collect_hf(con, options, console=QUIET)
    return summary, time.perf_counter() - started


def _bound_listings(hub: SyntheticHub, orgs: list[str], authorized: bool) -> int:
    sizes = Counter((m.namespace or "").casefold() for m in hub.iter_public(authorized=authorized))
    return sum(max(1, math.ceil(sizes[o.casefold()] / PAGE)) for o in orgs)


def run() -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench_collect_"))
    template = work / "bundled.duckdb"
    con = db.connect(template)
    load_bundled(con)
    orgs = sorted({o for (o,) in con.execute("SELECT DISTINCT hf_org FROM models").fetchall()}, key=str.casefold)
    con.close()
    built = time.perf_counter()
    hub = SyntheticHub.from_catalog(seed=0)
    build_s = time.perf_counter() - built
    results: dict = {"orgs": len(orgs), "tracked": len(hub.tracked_ids()), "hub_models": len(hub.all_models),
                     "build_s": build_s}  # fmt: skip

    # 1 + 2: request counts (no rate limit)
    shutil.copy(template, work / "a.duckdb")
    con = db.connect(work / "a.duckdb")
    with HubEmulator(hub, page_size=PAGE) as emu:
        snap, snap_s = _collect(con, emu, hub, parts={"snapshot", "availability", "discovery"})
        results["snapshot"] = dict(requests=snap.requests, served=emu.request_count("/api/"),
                                   bound=_bound_listings(hub, orgs, True), seconds=snap_s,
                                   rows=snap.rows["hf_snapshots"])  # fmt: skip
        emu.clear_log()
        first, first_s = _collect(con, emu, hub, parts={"derivatives"}, since=date(2023, 1, 1))
        visible = len(list(hub.iter_public(authorized=True)))
        results["first_crawl"] = dict(requests=first.requests, served=emu.request_count("/api/"),
                                      bound=math.ceil(visible / PAGE), models=visible, seconds=first_s)  # fmt: skip
        watermark = con.execute("SELECT watermark FROM crawl_state").fetchall()[0][0]
        hub.advance(days=1)
        new = sum(1 for m in hub.iter_public(authorized=True) if m.created_at.replace(tzinfo=None) > watermark)
        emu.clear_log()
        day, day_s = _collect(con, emu, hub, parts={"derivatives"}, day=hub.today)
        results["day_crawl"] = dict(requests=day.requests, served=emu.request_count("/api/"),
                                    bound=math.ceil((new + 1) / PAGE), models=new, seconds=day_s)  # fmt: skip
    con.close()

    # 3: the daily collection under the Hub's published limits
    results["limited"] = {}
    cases = [(label, limit, PAGE) for label, limit in LIMITS.items()] + [STRESS]
    for label, limit, page in cases:
        hub = SyntheticHub.from_catalog(seed=0)
        shutil.copy(template, work / "b.duckdb")
        con = db.connect(work / "b.duckdb")
        token = DEFAULT_TOKEN if label == "free account" else False
        with HubEmulator(hub, page_size=page, rate_limit=limit) as emu:
            _collect(con, emu, hub, parts={"derivatives"}, since=date(2023, 1, 1), token=token)  # seed the watermark
            hub.advance(days=1)
            emu.set_rate_limit(limit)  # a fresh window, as for a daily cron run
            emu.clear_log()
            daily, daily_s = _collect(con, emu, hub, day=hub.today, token=token)
            results["limited"][label] = dict(requests=daily.requests, served=emu.request_count("/api/"),
                                             throttled=emu.request_count("/api/", status=429),
                                             waits=daily.rate_limit_waits, wait_s=daily.rate_limit_wait_s,
                                             seconds=daily_s,
                                             limit=f"{limit[0]} / {int(limit[1])} s")  # fmt: skip
        con.close()
    shutil.rmtree(work, ignore_errors=True)
    return results


def _machine() -> str:
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        mem = float("nan")
    return f"{os.cpu_count()} CPUs (nproc), {mem:.0f} GiB RAM, {platform.system()} {platform.machine()}, " \
           f"Python {platform.python_version()}"  # fmt: skip


def render(r: dict) -> str:
    s, f, d = r["snapshot"], r["first_crawl"], r["day_crawl"]
    lines = [
        "## Collection",
        "",
        f"`atomscope collect hf` against the local Hub emulator serving the SYNTHETIC hub built from the bundled "
        f"catalog ({r['tracked']} tracked models of {r['orgs']} organizations, {r['hub_models']} models in all "
        f"with first-party extras and derivative trees; page size {PAGE}, as the Hub's).",
        "",
        "Command: `.venv/bin/python bench/bench_collect.py --write BENCHMARKS.md`  ",
        f"Machine: {_machine()}  ",
        f"Date: {date.today().isoformat()}",
        "",
        "| pass | requests made | lower bound | ratio | models | wall time |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| full tracked snapshot (listings + availability + discovery) | {s['requests']} | {s['bound']} | "
        f"{s['requests'] / s['bound']:.2f}x | {s['rows']} snapshot rows | {s['seconds']:.1f} s |",
        f"| first derivative crawl (backfill since 2023-01-01) | {f['requests']} | {f['bound']} | "
        f"{f['requests'] / f['bound']:.2f}x | {f['models']} | {f['seconds']:.1f} s |",
        f"| one day of new-model crawl | {d['requests']} | {d['bound']} | {d['requests'] / d['bound']:.2f}x | "
        f"{d['models']} new | {d['seconds']:.1f} s |",
        "",
        "Lower bounds: the snapshot needs one listing per tracked organization plus its extra pages "
        "(sum of ceil(models of the org / 1000)); the crawl needs ceil((new models + 1) / 1000) pages, since it "
        "must see one model older than its watermark to stop. Requests made were counted by the collector and "
        f"checked against the emulator's request log ({s['served']}, {f['served']}, {d['served']}).",
        "",
        "Daily collection (snapshot + availability + discovery + one day of crawl) with the emulator rate "
        "limited to the Hub's published API limits (https://huggingface.co/docs/hub/rate-limits: 5-minute fixed "
        'windows, "Hub APIs" bucket: 1,000 requests for a free account, 500 anonymous):',
        "",
        "| limit | requests | 429 answers | rate-limit waits (s) | wall time |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, x in r["limited"].items():
        lines.append(f"| {label}: {x['limit']} | {x['requests']} | {x['throttled']} | {x['waits']} "
                     f"({x['wait_s']:.1f} s) | {x['seconds']:.1f} s |")  # fmt: skip
    lines += [
        "",
        "At the Hub's page size the daily run fits well inside one rate-limit window and never waits. In the "
        "stress case it uses up the window: the collector reads `RateLimit: r=0;t=...` and waits for the reset "
        "before asking again (the waits above, shown in the progress display), so the Hub never has to answer "
        "429. On the real Hub the "
        "snapshot's bound grows with the organizations' real model counts (one request per 1,000 models of an "
        "org) and the crawl's with the Hub's daily new models (a few thousand a day: a handful of pages). "
        "Wall time here is the emulator's and the warehouse's (DuckDB commits one transaction per page), "
        "not the Hub's latency.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="Markdown file whose '## Collection' section to replace.")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    section = render(run())
    print(section)
    if args.write:
        write_section(args.write, "Collection", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
