"""Discovery: first-party models of tracked organizations that are not (yet) tracked.

The org listings of the snapshot show every model of each tracked organization. A listed model that is
not in `models` (nor a renamed tracked model) is classified with ATOM's tracking policy and kept in
`candidates` with the decision and the rule that decided. A candidate not yet accepted is re-classified on
each run (its downloads grow, so `extra` can become `primary`); `discovered_at` keeps the first sighting.
`accept` adds candidates to `models` with added_by='discovery'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import duckdb
import pandas as pd

from atomscope.collect.hub.records import SnapshotRow
from atomscope.domain.errors import AtomscopeError
from atomscope.domain.policy import TrackingPolicy
from atomscope.warehouse.db import transaction
from atomscope.warehouse.facts import refresh_model_facts


def classify(policy: TrackingPolicy, rows: Iterable[SnapshotRow]) -> list[tuple]:
    """(model_id, hf_org, pipeline_tag, downloads_30d, decision, rule) of each listed untracked model."""
    out = []
    for row in rows:
        decision = policy.classify(row.model_id, row.pipeline_tag, row.downloads_30d, row.tags)
        out.append((row.model_id, row.model_id.split("/", 1)[0], row.pipeline_tag, row.downloads_30d,
                    decision.list, decision.rule))  # fmt: skip
    return out


def upsert_candidates(con: duckdb.DuckDBPyConnection, classified: list[tuple], now: datetime) -> int:
    """Insert new candidates, refresh unaccepted ones; returns how many were new."""
    if not classified:
        return 0
    frame = pd.DataFrame(classified, columns=["model_id", "hf_org", "pipeline_tag", "downloads_30d", "decision",
                                              "rule"]).drop_duplicates("model_id")  # fmt: skip
    frame["discovered_at"] = now
    con.register("_candidates_batch", frame)
    try:
        before = con.execute("SELECT count(*) FROM candidates").fetchall()[0][0]
        con.execute(
            """
            INSERT INTO candidates (model_id, hf_org, pipeline_tag, downloads_30d, decision, rule, discovered_at)
            SELECT model_id, hf_org, pipeline_tag, CAST(downloads_30d AS BIGINT), decision, rule, discovered_at
            FROM _candidates_batch
            ON CONFLICT (model_id) DO UPDATE SET pipeline_tag = excluded.pipeline_tag,
                downloads_30d = excluded.downloads_30d, decision = excluded.decision, rule = excluded.rule
            WHERE candidates.accepted_on IS NULL
            """
        ).fetchall()
        return con.execute("SELECT count(*) FROM candidates").fetchall()[0][0] - before
    finally:
        con.unregister("_candidates_batch")


def list_candidates(con: duckdb.DuckDBPyConnection, decision: str | None = None) -> pd.DataFrame:
    where = "WHERE decision = ?" if decision else ""
    return con.execute(
        f"""
        SELECT model_id, hf_org, decision, rule, pipeline_tag, downloads_30d, discovered_at, accepted_on,
               model_id IN (SELECT model_id FROM models) AS tracked
        FROM candidates {where}
        ORDER BY accepted_on NULLS FIRST, decision, downloads_30d DESC NULLS LAST, model_id
        """,
        [decision] if decision else [],
    ).df()


def accept(
    con: duckdb.DuckDBPyConnection,
    model_ids: list[str],
    *,
    today: date,
    all_kept: bool = False,
    as_list: str | None = None,
) -> list[tuple[str, str]]:
    """Add candidates to `models` (added_by='discovery', added_on=today); returns (model_id, list) added.

    A rejected candidate is refused unless `as_list` ('primary' or 'extra') overrides the policy.
    """
    rows = con.execute("SELECT model_id, hf_org, decision, rule, accepted_on FROM candidates").fetchall()
    known = {r[0]: r for r in rows}
    chosen = [r[0] for r in rows if all_kept and r[2] != "rejected" and r[4] is None]
    for model_id in model_ids:
        if model_id not in known:
            raise AtomscopeError(f"{model_id}: not a discovery candidate (see `atomscope catalog candidates`)")
        if known[model_id][2] == "rejected" and as_list is None:
            raise AtomscopeError(
                f"{model_id}: rejected by the tracking policy ({known[model_id][3]}); pass --list primary|extra to"
                " accept it anyway"
            )
        chosen.append(model_id)
    added = []
    with transaction(con):
        tracked = {r[0] for r in con.execute("SELECT model_id FROM models").fetchall()}
        for model_id in dict.fromkeys(chosen):
            _, org, decision, _, _ = known[model_id]
            list_name = as_list or decision
            if model_id not in tracked:
                con.execute("INSERT INTO models VALUES (?, ?, ?, 'discovery', ?)", [model_id, org, list_name, today])
                added.append((model_id, list_name))
            con.execute("UPDATE candidates SET accepted_on = ? WHERE model_id = ? AND accepted_on IS NULL",
                        [today, model_id])  # fmt: skip
        if added:
            refresh_model_facts(con)
    return added
