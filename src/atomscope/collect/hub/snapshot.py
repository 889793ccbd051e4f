"""The tracked snapshot, the availability watch and discovery, from one listing per tracked organization.

`list_orgs` pages through `/api/models?author=<org>&expand=...` for every tracked organization (the query
`HfApi.list_models(author=org, expand=SNAPSHOT_EXPAND)` sends). Each page is written in one transaction
with the organization's progress record (next-page cursor, pages, items): tracked models become
`hf_snapshots` rows for the snapshot day, listed tracked models update the availability watch (gated or
available), and untracked models of the organization are classified into `candidates`. A killed run
resumes at the stored cursor; an organization finished today is not listed again.

A model the listing shows as private (a token that belongs to the organization sees its private repos)
is neither snapshotted nor a candidate; a tracked one is recorded as removed, as the public sees it.

`probe_missing` then calls `model_info` once for each tracked model of a fully listed organization that
the listing did not show (and that has no row, nor a probe, today): removed (404, or private), gated
(GatedRepo), renamed (the Hub redirects; the new id is recorded) or available. A probe that answers with
model data also gives that day's snapshot row, stored under the tracked id, as the listing of a renamed
model's new id does on later days.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from atomscope.collect.hub import discovery, store
from atomscope.collect.hub.client import HubClient, HubRequestError, public_endpoint
from atomscope.collect.hub.progress import CollectProgress, Summary
from atomscope.collect.hub.records import SNAPSHOT_EXPAND, Skip, SnapshotRow, model_info, snapshot_row
from atomscope.domain.policy import TrackingPolicy
from atomscope.warehouse.db import transaction

LISTING_PARTS = ("availability", "discovery", "snapshot")


@dataclass
class Run:
    """What every part of a collection shares."""

    con: duckdb.DuckDBPyConnection
    client: HubClient
    summary: Summary
    progress: CollectProgress
    day: date
    parts: frozenset[str]
    now: Callable[[], datetime]
    run_id: int = 0
    tracked: store.Tracked | None = None
    policy: TrackingPolicy | None = None
    listed_orgs: list[str] = field(default_factory=list)  # orgs whose listing is complete for `day`
    fresh_orgs: set[str] = field(default_factory=set)  # orgs listed from their first page by this process
    resumed_orgs: set[str] = field(default_factory=set)  # orgs this process listed from a stored cursor
    seen: set[str] = field(default_factory=set)  # tracked ids shown by a listing in this process

    @property
    def pass_name(self) -> str:
        return ",".join(p for p in LISTING_PARTS if p in self.parts)

    @property
    def endpoint(self) -> str:
        return public_endpoint(self.client.endpoint)


def _first_page(run: Run, org: str) -> tuple[str, list[tuple[str, str]]]:
    params = [("author", org)] + [("expand", f) for f in SNAPSHOT_EXPAND]
    return run.client.list_url(), params


def list_orgs(run: Run, orgs: list[str]) -> None:
    """List every organization (resuming stored cursors); stops only on RequestCapReached or errors."""
    run.progress.part("orgs", "organizations", len(orgs))
    page_sizes: list[int] = []
    listed: list[tuple[str, int]] = []  # (org, items listed in this run)
    try:
        for org in orgs:
            cursor, pages, items, done = store.get_progress(run.con, run.day, org, run.pass_name)
            if done:
                run.listed_orgs.append(org)
                run.progress.advance("orgs", info=f"{org}: done earlier today")
                continue
            resumed = bool(cursor) and cursor.startswith(run.client.endpoint + "/")
            url, params = (cursor, None) if resumed else _first_page(run, org)
            if not resumed:
                pages = items = 0
            this_run = 0
            while True:
                try:
                    page = run.client.list_page(url, params)
                except HubRequestError:
                    if not resumed:
                        raise
                    run.summary.notes.append(f"{org}: stored cursor refused; listing again from the first page")
                    resumed = False
                    url, params = _first_page(run, org)
                    pages = items = 0
                    continue
                resumed = False
                if page.next_url is not None:
                    page_sizes.append(len(page.items))
                this_run += len(page.items)
                pages, items = pages + 1, items + len(page.items)
                _write_page(run, org, page.items, page.malformed, page.next_url, pages, items)
                run.progress.info("orgs", f"{org}: page {pages}, {items} models")
                if page.next_url is None:
                    break
                url, params = page.next_url, None
            listed.append((org, this_run))
            run.listed_orgs.append(org)
            (run.fresh_orgs if this_run == items else run.resumed_orgs).add(org)
            run.progress.advance("orgs", info=f"{org}: {items} models")
    finally:
        per_page = max(page_sizes, default=0)
        bound = sum(max(1, math.ceil(n / per_page)) if per_page else 1 for _, n in listed)
        run.summary.lower_bound["listings"] = run.summary.lower_bound.get("listings", 0) + bound


def _write_page(run: Run, org: str, items: list, malformed: bool, next_url: str | None, pages: int,
                total: int) -> None:  # fmt: skip
    assert run.tracked is not None
    tracked_rows: list[tuple[str, SnapshotRow]] = []
    listed_ids: list[tuple[str, SnapshotRow]] = []
    untracked: list[SnapshotRow] = []
    private: list[str] = []
    if malformed:
        run.summary.skipped["malformed_json_page"] += 1
    for item in items:
        raw_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(raw_id, str) and (listed := run.tracked.resolve(raw_id)) is not None:
            run.seen.add(listed)  # listed, hence available, even if its item is unusable
        try:
            info = model_info(item)
        except Skip as skip:
            run.summary.skipped[skip.reason] += 1
            continue
        tracked_id = run.tracked.resolve(info.id)
        if info.private is True:  # listed only because the token can see it: not open, not public
            run.summary.skipped["private"] += 1
            if tracked_id is not None:
                private.append(tracked_id)
            continue
        if tracked_id is None and "discovery" not in run.parts:
            continue
        try:
            row = snapshot_row(info)
        except Skip as skip:
            run.summary.skipped[skip.reason] += 1
            continue
        if tracked_id is not None:
            tracked_rows.append((tracked_id, row))
            listed_ids.append((tracked_id, row))
        else:
            untracked.append(row)
    now = run.now()
    with transaction(run.con):
        if "snapshot" in run.parts:
            written = store.insert_snapshots(run.con, tracked_rows, day=run.day, collected_at=now,
                                             endpoint=run.endpoint, source="api", run_id=run.run_id)  # fmt: skip
            run.summary.rows["hf_snapshots"] += written
            if len(tracked_rows) > written:
                run.summary.rows["hf_snapshots (already stored today)"] += len(tracked_rows) - written
        if "availability" in run.parts:
            latest = store.latest_status(run.con)
            for tracked_id, row in listed_ids:
                status, new_id = _listed_status(tracked_id, row)
                if store.record_status(run.con, tracked_id, run.day, status, new_id, 200, now, run.run_id, latest):
                    run.summary.rows["availability_events"] += 1
            for tracked_id in private:
                if store.record_status(run.con, tracked_id, run.day, "removed", None, None, now, run.run_id, latest):
                    run.summary.rows["availability_events"] += 1
        if "discovery" in run.parts and untracked:
            assert run.policy is not None
            classified = discovery.classify(run.policy, untracked)
            run.summary.rows["candidates (new)"] += discovery.upsert_candidates(run.con, classified, now)
        store.set_progress(run.con, run.day, org, run.pass_name, cursor=next_url, pages=pages, items=total,
                           done=next_url is None, now=now, run_id=run.run_id)  # fmt: skip
    run.progress.advance("orgs", 0)


def _listed_status(tracked_id: str, row: SnapshotRow) -> tuple[str, str | None]:
    if row.model_id.casefold() != tracked_id.casefold():
        return "renamed", row.model_id
    return ("gated", None) if row.gated != "false" else ("available", None)


def probe_missing(run: Run) -> None:
    """One `model_info` per tracked model of a fully listed org that no listing showed today."""
    assert run.tracked is not None
    # A model counts as listed when this process saw it, or when it has today's snapshot row. Without
    # snapshot rows, an org whose listing an earlier (interrupted) process did in part cannot tell which
    # of its models were listed: its probes wait for the next day rather than probing every model.
    # (Orgs listed completely by an earlier process today were probed by it.)
    eligible = run.listed_orgs if "snapshot" in run.parts else [o for o in run.listed_orgs if o in run.fresh_orgs]
    if run.resumed_orgs and "snapshot" not in run.parts:
        run.summary.notes.append(f"availability of {len(run.resumed_orgs)} org(s) listed partly by an interrupted "
                                 "run is not probed today (the snapshot part would cover them)")  # fmt: skip
    orgs = {o.casefold() for o in eligible}
    have = store.snapshotted_on(run.con, run.day) | store.probed_on(run.con, run.day) | run.seen
    missing = [m for m, org in sorted(run.tracked.ids.items()) if org.casefold() in orgs and m not in have]
    run.progress.part("probes", "availability probes", len(missing))
    bound = 0
    try:
        for model_id in missing:
            probe = run.client.probe(model_id, SNAPSHOT_EXPAND)
            bound += 2 if probe.status == "renamed" else 1
            _write_probe(run, model_id, probe)
            run.progress.advance("probes", info=f"{model_id}: {probe.status}")
    finally:
        run.summary.lower_bound["probes"] = run.summary.lower_bound.get("probes", 0) + bound


def _write_probe(run: Run, model_id: str, probe) -> None:
    now = run.now()
    row = None
    if probe.info is not None and "snapshot" in run.parts:
        try:
            row = snapshot_row(probe.info)
        except Skip as skip:
            run.summary.skipped[f"probe {skip.reason}"] += 1
    with transaction(run.con):
        store.insert_probe(run.con, run.day, model_id, probe.status, probe.new_model_id, probe.http_status, now,
                           run.run_id)  # fmt: skip
        run.summary.rows[f"probes {probe.status}"] += 1
        if probe.status != "error" and "availability" in run.parts:
            latest = store.latest_status(run.con)
            if store.record_status(run.con, model_id, run.day, probe.status, probe.new_model_id, probe.http_status,
                                   now, run.run_id, latest):  # fmt: skip
                run.summary.rows["availability_events"] += 1
        if probe.new_model_id:
            # the new id of a tracked model is that model, not a discovery candidate
            run.con.execute("DELETE FROM candidates WHERE model_id = ? AND accepted_on IS NULL", [probe.new_model_id])
        if row is not None:
            run.summary.rows["hf_snapshots"] += store.insert_snapshots(
                run.con,
                [(model_id, row)],
                day=run.day,
                collected_at=now,
                endpoint=run.endpoint,
                source="api",
                run_id=run.run_id,
            )
