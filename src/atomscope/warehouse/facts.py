"""Recompute `model_facts` (parameters, size bucket, release date) for every tracked model.

Parameters: curated table → latest safetensors total from `hf_snapshots` → name parsing
(see `domain/params.py`). Release date: ATOM's corrections table first, else the Hub's `createdAt`
from the earliest snapshot. `created_at_placeholder` flags the Hub's placeholder creation time
2022-03-02T23:29:04Z, given to repositories migrated from the pre-2022 Hub: such a date is not a
release date and is not used as one.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from atomscope.domain.params import parse_size_from_name, size_bucket

HF_PLACEHOLDER_CREATED_AT = datetime(2022, 3, 2, 23, 29, 4)


def refresh_model_facts(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite model_facts from the current tables (call inside the caller's transaction)."""
    rows = con.execute(
        """
        WITH first_snap AS (
            SELECT model_id, arg_min(created_at, snapshot_date) AS created_at FROM hf_snapshots GROUP BY 1
        ), last_snap AS (
            SELECT model_id, arg_max(safetensors_total, snapshot_date) AS safetensors_total
            FROM hf_snapshots WHERE safetensors_total > 0 GROUP BY 1
        )
        SELECT m.model_id, p.total_params_b, p.active_params_b, p.is_moe, l.safetensors_total,
               c.actual_release_date, f.created_at
        FROM models m
        LEFT JOIN model_parameters p USING (model_id)
        LEFT JOIN last_snap l USING (model_id)
        LEFT JOIN release_date_corrections c USING (model_id)
        LEFT JOIN first_snap f USING (model_id)
        ORDER BY m.model_id
        """
    ).fetchall()
    facts = [_facts(*row) for row in rows]
    frame = pd.DataFrame(
        facts,
        columns=[
            "model_id",
            "total_params_b",
            "active_params_b",
            "is_moe",
            "params_source",
            "size_bucket",
            "release_date",
            "release_date_source",
            "created_at_placeholder",
        ],
    )
    con.execute("DELETE FROM model_facts")
    con.register("_facts", frame)
    try:
        con.execute("INSERT INTO model_facts SELECT * FROM _facts")
    finally:
        con.unregister("_facts")
    return len(frame)


def _facts(model_id, curated_total, curated_active, curated_moe, safetensors_total, corrected, created_at):
    total, active, moe, source = None, None, None, None
    if curated_total is not None:
        total, active, moe, source = curated_total, curated_active, curated_moe, "curated"
    elif safetensors_total:
        total, source = safetensors_total / 1e9, "safetensors"
    parsed = parse_size_from_name(model_id)
    if total is None and parsed.total_b is not None:
        total, active, moe, source = parsed.total_b, parsed.active_b, parsed.is_moe, "name"
    placeholder = created_at is not None and created_at.replace(tzinfo=None) == HF_PLACEHOLDER_CREATED_AT
    if corrected is not None:
        release, release_source = corrected, "correction"
    elif created_at is not None and not placeholder:
        release, release_source = created_at.date(), "hf_created_at"
    else:
        release, release_source = None, None
    return (model_id, total, active, moe, source, size_bucket(total), release, release_source, placeholder)
