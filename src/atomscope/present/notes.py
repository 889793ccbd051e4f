"""Metric notes made of request-dependent text plus counts from queries (metrics/base.py `NotesPlan`).

Neither Ibis nor pandas, and outside `atomscope.metrics`: `atomscope metric` formats a kept plan's notes here
without importing the metrics (warehouse/plans.py).
"""

from __future__ import annotations

from typing import Any


def listed(
    results: dict[str, list[dict[str, Any]]],
    notes: list[str],
    unresolved: str | None = None,
    after: list[str] | None = None,
) -> list[str]:
    """`notes`; then, when `unresolved` names the rows and query `unresolved` counts some, the note for rows
    whose organization the registry does not resolve; then `after`."""
    out = list(notes)
    if unresolved is not None:
        (row,) = results["unresolved"]
        if row["n"]:
            out.append(f"{row['n']} {unresolved} from organizations not in the registry: 'unresolved'")
    return out + list(after or [])
