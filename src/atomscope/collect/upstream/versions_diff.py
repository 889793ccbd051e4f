"""Pick the versions `sources diff NAME` compares: for each table of the source, the version loaded now
and the one it replaced, when the last refresh of that source changed it."""

from __future__ import annotations

import json

import duckdb

from atomscope.collect.upstream.diff import TableDiff, diff_tables
from atomscope.collect.upstream.update import CONTRACTS, UnknownSourceError, select
from atomscope.warehouse.versions import SourceVersion, current_versions, version_text, versions_of


def _label(version: SourceVersion) -> str:
    return f"{version.label} ({version.created_at:%Y-%m-%d %H:%M} UTC)"


def last_refresh_diffs(con: duckdb.DuckDBPyConnection, name: str) -> tuple[list[TableDiff], list[str]]:
    (upstream,) = select([name])
    tables = [name] if name in upstream.produces else list(upstream.produces)
    current = current_versions(con)
    diffs: list[TableDiff] = []
    notes: list[str] = []
    for key in tables:
        version = current.get(key)
        if version is None:
            notes.append(f"{key}: not loaded (run `atomscope init`)")
            continue
        earlier = [v for v in versions_of(con, key) if v.version_id < version.version_id]
        if not earlier:
            notes.append(f"{key}: {_label(version)} is its first version; nothing to compare")
            continue
        previous = earlier[-1]
        if key not in CONTRACTS:  # a document (ATOM's policy): a unified diff of the text
            notes += _text_diff(key, con, previous, version)
            continue
        diffs.append(
            diff_tables(
                CONTRACTS[key],
                key,
                version_text(con, previous.version_id),
                version_text(con, version.version_id),
                (_label(previous), _label(version)),
            )
        )
    if "atom_organization_regions" in tables and "atom_organization_regions" in current:
        run_id = con.execute(
            "SELECT run_id FROM source_versions WHERE version_id = ?", [current["atom_organization_regions"].version_id]
        ).fetchone()[0]
        details = con.execute("SELECT details FROM load_runs WHERE run_id = ?", [run_id]).fetchone()
        changes = json.loads(details[0]).get("registry_changes", []) if details and details[0] else []
        if changes:
            notes.append("organization registry, aligned with ATOM's regions:")
            notes += [f"  {c}" for c in changes]
    return diffs, notes


def _text_diff(key: str, con, previous: SourceVersion, version: SourceVersion) -> list[str]:
    import difflib

    old = version_text(con, previous.version_id).splitlines()
    new = version_text(con, version.version_id).splitlines()
    lines = list(difflib.unified_diff(old, new, _label(previous), _label(version), lineterm="", n=1))
    return [f"{key}:", *(f"  {line}" for line in lines)] if lines else [f"{key}: no change"]


def versions_diff(con: duckdb.DuckDBPyConnection, name: str, old: int, new: int) -> TableDiff | list[str]:
    """Two given versions of one table (`sources diff TABLE --from v3 --to v9`); a document gives text lines."""
    (upstream,) = select([name])
    keys = [name] if name in upstream.produces else list(upstream.produces)
    if len(keys) != 1:
        raise UnknownSourceError(f"{name!r} has several tables ({', '.join(keys)}); name one of them with --from/--to")
    (key,) = keys
    by_id = {v.version_id: v for v in versions_of(con, key)}
    for wanted in (old, new):
        if wanted not in by_id:
            known = ", ".join(f"v{v}" for v in sorted(by_id)) or "none"
            raise UnknownSourceError(f"{key} has no version v{wanted}; its versions: {known}")
    before, after = by_id[old], by_id[new]
    if key not in CONTRACTS:
        return _text_diff(key, con, before, after)
    return diff_tables(
        CONTRACTS[key], key, version_text(con, old), version_text(con, new), (_label(before), _label(after))
    )
