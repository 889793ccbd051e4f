"""The `arena` metric's notes from their queries' rows (metrics/base.py `NotesPlan`).

Neither Ibis nor pandas, and outside `atomscope.metrics` (importing that package imports every metric):
`atomscope metric arena` runs the notes' kept SQL on DuckDB alone and formats the rows here
(warehouse/plans.py); a computation through Ibis formats the same rows (as plain dicts) here too.
Queries (metrics/arena.py, arena_status.py): `fixes` (arena_model, open_weights, reason; by arena_model),
`flips` (model, first_date, last_date, latest_license, is_open, corrected; by model), `unresolved`
(one row: n, names).
"""

from __future__ import annotations

from typing import Any

TOP_N = 10


def notes(results: dict[str, list[dict[str, Any]]]) -> list[str]:
    out = [
        "open-weight = one status per model: its curated correction, else its latest license label classed "
        "permissive, open_weight_restricted or non_commercial (domain/licenses.py); closed = proprietary or "
        "unknown license",
        f"top10_open_count: the {TOP_N} best open-weight models at each snapshot (ties by model name)",
    ]
    out += status_notes(results)
    (unresolved,) = results["unresolved"]
    if unresolved["n"]:
        out.append(
            f"{unresolved['n']} score rows from {unresolved['names']} organization name(s) not in the registry: "
            "'unresolved'"
        )
    return out


def status_notes(results: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The corrections applied and every model whose label flipped between open and closed."""
    out = []
    for row in results["fixes"]:
        state = "open weights" if row["open_weights"] else "closed (weights never released)"
        out.append(f"corrected: {row['arena_model']} counted as {state} on every snapshot - {row['reason']}")
    for row in results["flips"]:
        verdict = "open" if row["is_open"] else "closed"
        latest = row["latest_license"] if isinstance(row["latest_license"], str) and row["latest_license"] else None
        rule = "by its correction" if row["corrected"] else f"by its latest label {latest or '(empty)'!r}"
        out.append(
            f"label conflict: {row['model']} is labelled open on some snapshots and closed on others "
            f"(on the board {str(row['first_date'])[:10]} to {str(row['last_date'])[:10]}); counted {verdict} on "
            f"all of them, {rule}"
        )
    return out
