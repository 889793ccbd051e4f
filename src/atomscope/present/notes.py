"""Metric notes made of request-dependent text plus counts from queries (metrics/base.py `NotesPlan`,
built by metrics/common.py `listed_plan`).

Neither Ibis nor pandas, and outside `atomscope.metrics`: `atomscope metric` formats a kept plan's notes here
without importing the metrics (warehouse/plans.py).
"""

from __future__ import annotations

from typing import Any

WHEN = ("always", "nonzero", "zero")


def listed(
    results: dict[str, list[dict[str, Any]]],
    notes: list[str],
    counts: list[list[str]] | None = None,
    after: list[str] | None = None,
) -> list[str]:
    """`notes`; then per count [query, column, template, when]: the template with `{n}` replaced by the value of
    `column` in the query's one row (NULL as 0), when the value is nonzero, zero or always; then `after`."""
    out = list(notes)
    for query, column, template, when in counts or []:
        (row,) = results[query]
        n = row[column] or 0
        if when == "always" or (when == "nonzero") == bool(n):
            out.append(template.replace("{n}", str(n)))
    return out + list(after or [])
