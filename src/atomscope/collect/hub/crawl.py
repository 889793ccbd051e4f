"""Derivatives by an incremental crawl of the Hub's newest models (no per-base-model queries).

The crawl pages through `/api/models?sort=createdAt&expand=...` (the query of
`HfApi.list_models(sort="created_at", expand=CRAWL_EXPAND)`; the Hub sorts descending, and huggingface_hub
2.4.0 has no `direction` argument any more) from the newest model back to a floor: the watermark of the
last finished crawl, or `--since` on a first run (later runs ignore it: the crawl is incremental).
Every model is stored in `hub_models` with its own downloads (ATOM's "> 5 downloads" filter is applied
in the metrics) and every `base_model:<relation>:<parent>` tag in `derivative_edges`. A parent id that
differs only in case from a known model is stored with the known spelling (the Hub's ids are
case-insensitive, the roll-up joins are not).

`crawl_state` (crawl 'hf_new_models') is written in the same transaction as each page: the next-page
cursor, the newest createdAt seen by the run in progress and its floor. A killed run resumes at the
cursor; a finished run moves the watermark to the newest createdAt it saw and clears the cursor.
Models created while a run was in progress are above its watermark, so the next run picks them up.
Known limit: a model that becomes public long after its creation (a private repo made public) has an old
createdAt and is below the watermark: the crawl does not see it (the org listings of the snapshot do).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from atomscope.collect.hub import store
from atomscope.collect.hub.client import HubRequestError
from atomscope.collect.hub.records import CRAWL_EXPAND, EDGE_SKIP, CrawlRow, Skip, crawl_row, lineage, model_info
from atomscope.collect.hub.snapshot import Run
from atomscope.warehouse.db import transaction

CRAWL_NAME = "hf_new_models"
DEFAULT_FIRST_WINDOW = timedelta(days=1)


def _first_page(run: Run) -> tuple[str, list[tuple[str, str]]]:
    return run.client.list_url(), [("sort", "createdAt")] + [("expand", f) for f in CRAWL_EXPAND]


def crawl_new_models(run: Run, since: datetime | None) -> None:
    """Crawl back to the floor (see the module docstring); stops early only on RequestCapReached/errors."""
    state = store.get_crawl(run.con, CRAWL_NAME)
    resumed = bool(state.cursor) and state.cursor.startswith(run.client.endpoint + "/") and state.run_floor
    if resumed:
        floor, run_wm = state.run_floor, state.run_watermark
        url, params = state.cursor, None
    else:
        floor = state.watermark
        if floor is None:
            floor = since or datetime.combine(run.day, datetime.min.time()) - DEFAULT_FIRST_WINDOW
            if since is None:
                run.summary.notes.append(f"first crawl without --since: new models since {floor:%Y-%m-%d %H:%M}")
        elif since is not None:
            run.summary.notes.append(f"--since ignored: the crawl continues from its watermark {floor:%Y-%m-%d %H:%M}")
        run_wm = None
        url, params = _first_page(run)
    run.progress.part("crawl", f"new models since {floor:%Y-%m-%d}", None)
    kept = pages = 0
    full_pages: list[int] = []
    stopped_by_older = False
    try:
        while True:
            try:
                page = run.client.list_page(url, params)
            except HubRequestError:
                if not resumed:
                    raise
                run.summary.notes.append("stored crawl cursor refused; crawling again from the newest model")
                resumed = False
                url, params = _first_page(run)
                continue
            resumed = False
            pages += 1
            if page.next_url is not None:
                full_pages.append(len(page.items))
            rows, stop = _rows_above(run, page.items, floor)
            if page.malformed:
                run.summary.skipped["malformed_json_page"] += 1
            kept += len(rows)
            newest = max((r.created_at for r in rows), default=None)
            if newest is not None and (run_wm is None or newest > run_wm):
                run_wm = newest
            finished = stop or page.next_url is None
            _write_page(run, rows, state, floor, run_wm, None if finished else page.next_url)
            run.progress.advance("crawl", len(rows), info=f"page {pages}, {kept} models")
            if finished:
                stopped_by_older = stop
                break
            url, params = page.next_url, None
    finally:
        per_page = max(full_pages, default=0)
        need = kept + (1 if stopped_by_older else 0)
        bound = max(1, math.ceil(need / per_page)) if per_page else (1 if pages else 0)
        run.summary.lower_bound["crawl"] = run.summary.lower_bound.get("crawl", 0) + bound


def _rows_above(run: Run, items: list, floor: datetime) -> tuple[list[CrawlRow], bool]:
    """Valid rows created at or after `floor`, and whether an older model was reached (the crawl's end)."""
    rows = []
    for item in items:
        try:
            row = crawl_row(model_info(item))
        except Skip as skip:
            run.summary.skipped[skip.reason] += 1
            continue
        if row.created_at < floor:
            return rows, True
        rows.append(row)
    return rows, False


def _write_page(run: Run, rows: list[CrawlRow], state: store.CrawlState, floor: datetime,
                run_wm: datetime | None, next_url: str | None) -> None:  # fmt: skip
    edges: list[tuple[str, str, str]] = []
    for row in rows:
        found, problems = lineage(row.model_id, row.tags)
        for reason in problems:
            run.summary.skipped[f"{EDGE_SKIP}{reason}"] += 1
        edges.extend((row.model_id, parent, relation) for parent, relation in found)
    now = run.now()
    with transaction(run.con):
        fixed, respelled = store.canonical_edges(run.con, edges, [r.model_id for r in rows])
        if respelled:
            run.summary.rows["edges with parent case normalized"] += respelled
        run.summary.rows["hub_models"] += store.upsert_hub_models(run.con, rows, now=now, run_id=run.run_id)
        run.summary.rows["derivative_edges"] += store.insert_edges(run.con, fixed, now=now, run_id=run.run_id)
        if next_url is None:
            watermark = max((t for t in (state.watermark, run_wm) if t is not None), default=None)
            new_state = store.CrawlState(watermark=watermark, cursor=None, run_watermark=None, run_floor=None)
        else:
            new_state = store.CrawlState(watermark=state.watermark, cursor=next_url, run_watermark=run_wm,
                                         run_floor=floor)  # fmt: skip
        store.set_crawl(run.con, CRAWL_NAME, new_state, now)
