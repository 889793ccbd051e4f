"""SYNTHETIC OpenRouter listing and token usage, for tests and the Spark parity fixture only.

Writes `openrouter_models` rows (endpoint `synthetic://...`) and `openrouter_usage` rows (source_file
`synthetic`) under a `load_runs` row of kind 'synthetic', so `is_synthetic_warehouse` refuses the
warehouse for a report. Slugs use real author slugs (resolved by the bundled registry) with made-up model
names `synthetic-N`; one author is unknown to the registry, one model is in no listing and every open
model also has a `:free` variant, so every branch of `inference_share` has rows.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from atomscope.warehouse.db import transaction, utcnow
from atomscope.warehouse.provenance import SYNTHETIC_ENDPOINT as ENDPOINT
from atomscope.warehouse.provenance import SYNTHETIC_RUN_KIND as RUN_KIND

AUTHORS = (("qwen", True), ("deepseek", True), ("meta-llama", True), ("mistralai", True), ("openai", True),
           ("openai", False), ("google", False), ("anthropic", False), ("synthetic-lab", True))  # fmt: skip
UNLISTED = "z-ai/synthetic-unlisted"


def generate_openrouter_usage(con, *, start: date, weeks: int = 8, seed: int = 0) -> dict[str, int]:
    """Write a synthetic listing (dated `start`) and weekly usage from `start` (a Monday) for `weeks` weeks."""
    rng = random.Random(seed)
    now = utcnow()
    run_id = con.execute("SELECT nextval('load_run_ids')").fetchone()[0]
    listing, usage = [], []
    for i, (author, open_weights) in enumerate(AUTHORS):
        base = f"{author}/synthetic-{i}"
        repo = f"{author}/Synthetic-{i}" if open_weights else None
        variants = [base, f"{base}:free"] if open_weights else [base]
        for slug in variants:
            listing.append((start, slug, base, author, repo, "listing" if repo else None, open_weights, now, run_id))
            for week in range(weeks):
                usage.append((start + timedelta(weeks=week), slug, base, rng.randint(1_000, 1_000_000), now, run_id))
    for week in range(weeks):
        usage.append((start + timedelta(weeks=week), UNLISTED, UNLISTED, rng.randint(1_000, 100_000), now, run_id))
    with transaction(con):
        con.execute(
            "INSERT INTO load_runs (run_id, kind, started_at, finished_at, status, endpoint, details)"
            " VALUES (?, ?, ?, ?, 'ok', ?, ?)",
            [run_id, RUN_KIND, now, now, ENDPOINT, json.dumps({"synthetic": True, "what": "openrouter"})],
        )
        con.executemany(
            "INSERT INTO openrouter_models (listing_date, model_slug, base_slug, author, hub_repo, hub_repo_source,"
            f" open_weights, collected_at, endpoint, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{ENDPOINT}', ?)",
            listing,
        )
        con.executemany(
            "INSERT INTO openrouter_usage (period_date, model_slug, base_slug, provider, tokens, source_file,"
            " source_line, imported_at, run_id) VALUES (?, ?, ?, '', ?, 'synthetic', 0, ?, ?)",
            usage,
        )
    return {"openrouter_models": len(listing), "openrouter_usage": len(usage)}
