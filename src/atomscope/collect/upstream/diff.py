"""`atomscope sources diff NAME`: what changed between two versions of a source's tables.

Generic over contracts: rows are matched on the contract's key, or for a table without a unique key on the
columns that name a row (`DIFF_KEYS`: a MOF release's component, an Epoch model and its date; all columns
otherwise), and reported as added, removed or changed (column: old -> new; an empty value prints empty).
Where such a key repeats (upstream lists a release in two files), its rows are compared as a multiset.
A key with a date column (the LMArena history's
`snapshot_date`) is summarised per date, so new leaderboard snapshots read as dates with row counts.
Wording per table says what a list maintainer looks for: models added/removed, organizations whose region
changed, parameter and release-date corrections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from atomscope.sources.csvtable import TableContract, read_table_text

NOUNS = {
    "atom_tracked_models": "tracked models",
    "atom_organization_regions": "organizations (Hub namespaces) in ATOM's region registry",
    "atom_model_parameters": "parameter corrections",
    "atom_release_date_corrections": "release-date corrections",
    "lmarena_text_history": "leaderboard rows",
    "epoch_notable_models": "Epoch notable models",
    "osai_openness": "OSAI systems",
    "mof_components": "MOF release components",
}


# What names a row of a table whose contract has no unique key, so that an edited row reads as a change
DIFF_KEYS: dict[str, tuple[str, ...]] = {
    "mof_components": ("release", "component"),
    "epoch_notable_models": ("model", "publication_date"),
}


@dataclass
class TableDiff:
    source_key: str
    old_label: str
    new_label: str
    key: tuple[str, ...]
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[tuple, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    date_column: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def per_date(self, rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
        counts = Counter(str(r[self.date_column]) for r in rows)
        return sorted(counts.items())


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else value


def diff_tables(contract: TableContract, source_key: str, old: str | None, new: str, labels=("", "")) -> TableDiff:
    names = [c.name for c in contract.columns]
    key = contract.key or DIFF_KEYS.get(source_key) or tuple(names)
    date_column = next((c.name for c in contract.columns if c.name in contract.key and c.type == "date"), None)
    result = TableDiff(source_key, labels[0], labels[1], key, date_column=date_column)

    def index(text: str | None) -> dict[tuple, list[dict[str, Any]]]:
        found: dict[tuple, list[dict[str, Any]]] = {}
        for r in read_table_text(text, contract, source_key) if text is not None else []:
            found.setdefault(tuple(_plain(r[k]) for k in key), []).append({n: _plain(r[n]) for n in names})
        return found

    before, after = index(old), index(new)
    for k in after.keys() | before.keys():
        old_rows, new_rows = before.get(k, []), after.get(k, [])
        if len(old_rows) == 1 and len(new_rows) == 1:
            changes = {n: (old_rows[0][n], new_rows[0][n]) for n in names if old_rows[0][n] != new_rows[0][n]}
            if changes:
                result.changed.append((k, changes))
            continue
        removed = list(old_rows)
        for row in new_rows:
            if row in removed:
                removed.remove(row)
            else:
                result.added.append(row)
        result.removed += removed
    for rows in (result.added, result.removed):
        rows.sort(key=lambda row: tuple(str(row[n]) for n in key))
    result.changed.sort(key=lambda item: tuple(str(v) for v in item[0]))
    return result


def render(diff: TableDiff, limit: int = 50) -> list[str]:
    """Plain lines for the terminal (the CLI adds colour)."""
    noun = NOUNS.get(diff.source_key, "rows")
    head = f"{diff.source_key}: {diff.old_label} -> {diff.new_label}"
    if diff.empty:
        return [head, "  no change"]
    lines = [head]

    def keyed(row: dict[str, Any]) -> str:
        return ", ".join(str(row[k]) for k in diff.key) if diff.key else str(row)

    for title, rows in (("added", diff.added), ("removed", diff.removed)):
        if not rows:
            continue
        if diff.date_column:
            lines.append(f"  {noun} {title}: {len(rows)}, by {diff.date_column}:")
            lines += [f"    {day}: {n} rows" for day, n in diff.per_date(rows)]
            continue
        lines.append(f"  {noun} {title}: {len(rows)}")
        lines += [f"    {'+' if title == 'added' else '-'} {keyed(r)}" for r in rows[:limit]]
        if len(rows) > limit:
            lines.append(f"    ... and {len(rows) - limit} more")
    if diff.changed:
        lines.append(f"  {noun} changed: {len(diff.changed)}")
        for k, changes in diff.changed[:limit]:
            what = "; ".join(f"{col}: {old!r} -> {new!r}" for col, (old, new) in changes.items())
            lines.append(f"    ~ {', '.join(str(v) for v in k)}: {what}")
        if len(diff.changed) > limit:
            lines.append(f"    ... and {len(diff.changed) - limit} more")
    return lines


def diff_summary(diff: TableDiff) -> dict[str, Any]:
    """The same diff as data (for --format json)."""
    return {
        "table": diff.source_key,
        "from": diff.old_label,
        "to": diff.new_label,
        "added": diff.added,
        "removed": diff.removed,
        "changed": [{"key": list(k), "changes": {c: list(v) for c, v in ch.items()}} for k, ch in diff.changed],
    }
