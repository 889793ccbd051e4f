"""Kept answers: a metric request's result, stored beside the warehouse so the next process (a new
`atomscope metric`, a restarted server) answers it without computing it again.

An `Answer` is what a caller renders: the result's columns and rows in their plain JSON form, the notes, and
whatever else the caller shows with them (`extra`: the CLI's title, the API's provenance and chart hint).
`load(warehouse, request)` and `save(warehouse, request, answer, version)` keep one JSON file per request in
`<warehouse>.answers/` (warehouse/sidecar.py: atomic writes, the oldest out beyond the folder's bound,
skipped when the folder is read-only). The key is the request (a JSON-able dict naming the caller, the
metric, grouping, dates, parameters, filters and engine), the warehouse's path and data version and the
code version; metrics read only the warehouse (the bundled reference data reaches them through `init`'s
load, so its version is in the data version). A write to the warehouse changes the data version: every
answer kept before it is a miss from then on. A file that does not parse as an answer is a miss too.

Computing a key costs a few `stat` calls: a hit imports neither DuckDB nor Ibis nor pandas.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atomscope.warehouse.sidecar import KeyedFiles, code_version, data_version, file_name

ANSWERS = KeyedFiles(".answers", ".json")


@dataclass(frozen=True)
class Answer:
    """A metric request's result as its caller renders it."""

    columns: list[Any]  # column names, or the API's column descriptions
    rows: list[Any]  # each row's cells in their plain form (lists, or the API's dicts)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def answers_dir(warehouse: Path) -> Path:
    return ANSWERS.folder(warehouse)


def _key(warehouse: Path, request: dict[str, Any], version: tuple[int, ...]) -> tuple[str, str]:
    identity = json.dumps({"request": request, "warehouse": str(warehouse.resolve())}, sort_keys=True)
    return file_name(identity), json.dumps([identity, list(version), code_version()])


def load(warehouse: Path, request: dict[str, Any]) -> Answer | None:
    """The answer kept for `request` at the warehouse's current version, or None."""
    version = data_version(warehouse)
    if version[0] < 0:
        return None  # no warehouse: the caller's own error says so
    name, full = _key(warehouse, request, version)
    body = ANSWERS.read(warehouse, name, full)
    if body is None:
        return None
    try:
        doc = json.loads(body)
        answer = Answer(doc["columns"], doc["rows"], doc["notes"], doc["extra"])
    except (ValueError, TypeError, KeyError):
        return None  # truncated or damaged: computed again and rewritten
    shapes = (answer.columns, list), (answer.rows, list), (answer.notes, list), (answer.extra, dict)
    return answer if all(isinstance(value, kind) for value, kind in shapes) else None


def save(warehouse: Path, request: dict[str, Any], answer: Answer, version: tuple[int, ...]) -> bool:
    """Keep `answer`, computed from the warehouse at `version` (read before computing); whether it was
    kept. Not kept when the warehouse was written meanwhile (the answer may mix versions) or when the
    folder cannot be written."""
    if version[0] < 0 or data_version(warehouse) != version:
        return False
    name, full = _key(warehouse, request, version)
    doc = {"columns": answer.columns, "rows": answer.rows, "notes": answer.notes, "extra": answer.extra}
    try:
        body = json.dumps(doc, ensure_ascii=False)
    except (TypeError, ValueError):
        return False  # a value without a JSON form: answered, not kept
    return ANSWERS.write(warehouse, name, full, body)
