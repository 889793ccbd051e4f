"""`collect_hf`: one collection run of the Hub (snapshot, availability, discovery, derivatives).

Load runs: the listing parts (snapshot, availability, discovery) are one run of kind 'hf_snapshot' (or
'hf_discovery' when discovery is all that was asked), the derivative crawl one of kind 'hf_crawl'. Each
ends 'ok', 'interrupted' (the request cap, Ctrl-C) or 'failed', with the summary in `details`. Runs a
killed process left 'running' are marked 'failed' by the next writable open (warehouse.db.close_dead_runs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
from rich.console import Console

from atomscope.collect.hub import store
from atomscope.collect.hub.access import HubAccess
from atomscope.collect.hub.client import RequestCapReached, RetryPolicy
from atomscope.collect.hub.crawl import crawl_new_models
from atomscope.collect.hub.progress import CollectProgress, Summary
from atomscope.collect.hub.snapshot import LISTING_PARTS, Run, list_orgs, probe_missing
from atomscope.collect.synthetic_label import serves_synthetic
from atomscope.domain.errors import AtomscopeError
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow
from atomscope.warehouse.facts import refresh_model_facts
from atomscope.warehouse.versions import current_policy

ALL_PARTS = ("snapshot", "availability", "derivatives", "discovery")


@dataclass
class CollectOptions:
    endpoint: str | None = None  # None: $HF_ENDPOINT, else the public Hub (collect/hub/access.py)
    token: str | bool | None = None  # None: HF_TOKEN or the standard token store
    since: date | None = None
    max_requests: int | None = None
    parts: Iterable[str] = ALL_PARTS
    orgs: Iterable[str] | None = None
    day: date | None = None  # snapshot day (UTC today by default)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] | None = None
    live: bool | None = None  # live progress (default: when stderr is a terminal)


def parse_parts(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset(ALL_PARTS)
    parts = {p.strip() for p in text.split(",") if p.strip()}
    if unknown := parts - set(ALL_PARTS):
        choices = ", ".join(ALL_PARTS)
        raise AtomscopeError(f"--only: unknown part(s) {', '.join(sorted(unknown))}; choose from {choices}")
    return frozenset(parts)


def _select_orgs(tracked: store.Tracked, wanted: Iterable[str] | None) -> list[str]:
    orgs = tracked.orgs()
    if wanted is None:
        return orgs
    by_fold = {o.casefold(): o for o in orgs}
    chosen, unknown = [], []
    for name in wanted:
        (chosen.append(by_fold[name.casefold()]) if name.casefold() in by_fold else unknown.append(name))
    if unknown:
        raise AtomscopeError(f"--orgs: not a tracked organization: {', '.join(unknown)}")
    return list(dict.fromkeys(chosen))


def collect_hf(con: duckdb.DuckDBPyConnection, options: CollectOptions, *, console: Console | None = None) -> Summary:
    """Run the selected parts; returns the summary (also stored in load_runs.details)."""
    console = console or Console(stderr=True)
    parts = frozenset(options.parts)
    day = options.day or utcnow().date()
    stale = store.close_stale_runs(con)
    tracked = store.load_tracked(con)
    if not tracked.ids:
        raise AtomscopeError("no tracked models in the warehouse; run `atomscope init` first")
    orgs = _select_orgs(tracked, options.orgs)
    with CollectProgress(console, enabled=options.live) as progress:
        access = HubAccess.resolve(options.endpoint, token=options.token, policy=options.policy,
                                   max_requests=options.max_requests)  # fmt: skip
        client = access.client(monitor=progress, sleep=options.sleep, clock=options.clock)
        summary = Summary(endpoint=access.public, parts=[p for p in ALL_PARTS if p in parts])
        if stale:
            summary.notes.append(f"{stale} earlier run(s) left 'running' by a killed process marked 'interrupted'")
        run = Run(con=con, client=client, summary=summary, progress=progress, day=day, parts=parts, now=utcnow,
                  tracked=tracked, policy=current_policy(con) if "discovery" in parts else None)  # fmt: skip
        try:
            if parts & set(LISTING_PARTS):
                kind = "hf_discovery" if parts & set(LISTING_PARTS) == {"discovery"} else "hf_snapshot"
                _part(run, kind, lambda: _listings(run, orgs))
            if "derivatives" in parts and summary.stopped is None:
                since = datetime.combine(options.since, datetime.min.time()) if options.since else None
                _part(run, "hf_crawl", lambda: crawl_new_models(run, since))
        finally:
            summary.requests = client.stats.requests
            summary.retries.update(client.stats.retries)
            summary.rate_limit_waits = client.stats.rate_limit_waits
            summary.rate_limit_wait_s = client.stats.rate_limit_wait_s
    return summary


def _listings(run: Run, orgs: list[str]) -> None:
    before = run.client.stats.requests
    try:
        list_orgs(run, orgs)
    finally:
        run.summary.requests_by_part["listings"] += run.client.stats.requests - before
    if "availability" in run.parts or "snapshot" in run.parts:
        before = run.client.stats.requests
        try:
            probe_missing(run)
        finally:
            run.summary.requests_by_part["probes"] += run.client.stats.requests - before
    if "snapshot" in run.parts and run.summary.rows["hf_snapshots"]:
        with transaction(run.con):
            refresh_model_facts(run.con)


def _part(run: Run, kind: str, body: Callable[[], None]) -> None:
    run.run_id = start_run(run.con, kind, endpoint=run.endpoint, synthetic=serves_synthetic(run.endpoint))
    before = run.client.stats.requests
    status = "failed"
    try:
        body()
        status = "ok"
    except RequestCapReached as exc:
        run.summary.stopped = f"{exc}; rerun to continue where this run stopped"
        status = "interrupted"
    except KeyboardInterrupt:
        run.summary.stopped = "interrupted"
        status = "interrupted"
        raise
    finally:
        if kind == "hf_crawl":
            run.summary.requests_by_part["crawl"] += run.client.stats.requests - before
        details = run.summary.details()
        details["requests"] = run.client.stats.requests
        finish_run(run.con, run.run_id, status, details)
