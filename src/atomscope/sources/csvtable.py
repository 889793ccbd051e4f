"""Data contracts for tabular inputs, and the validator that enforces them.

A `TableContract` names each column with its type and rules. `read_table(path, contract)` parses a CSV
file against it and returns typed rows (each with its 1-based file line in `_line`), or raises
`DataValidationError(file, line, message)` at the first violation: a missing column, an unparsable
number or date, a value outside its allowed set, an empty required value or a duplicate key.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from atomscope.domain.errors import DataValidationError

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _parse_int(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"{text!r} is not a whole number")
    return int(value)


def _parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(f"{text!r} is not true/false")


def _parse_date(text: str) -> date:
    return date.fromisoformat(text.strip()[:10])


PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": _parse_int,
    "float": float,
    "bool": _parse_bool,
    "date": _parse_date,
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "str"  # one of PARSERS
    required: bool = False  # empty value not allowed
    allowed: frozenset[str] | None = None  # allowed raw values (after strip), when a closed set
    pattern: str | None = None  # regex the raw value must fully match, when not empty
    description: str = ""
    rename: str | None = None  # name in the warehouse, when different


@dataclass(frozen=True)
class TableContract:
    file_name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns whose combined value must be unique
    description: str = ""
    extra_columns_allowed: bool = True
    # Upstream files sometimes repeat a row (LMArena's versions 2025.07.27 to 2025.08.04 list Yi-34B-Chat twice).
    # Where this is set, a same-key row equal to the first in every column but these is dropped; a same-key
    # row that differs elsewhere is still an error.
    drop_duplicates_ignoring: tuple[str, ...] | None = None
    checks: tuple[Callable[[dict[str, Any]], str | None], ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def read_table(path: str | Path, contract: TableContract) -> list[dict[str, Any]]:
    """Parse and validate `path`; every returned row also carries `_line` (its line in the file)."""
    path = Path(path)
    label = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise DataValidationError(label, None, f"cannot read: {exc.strerror or exc}") from exc
    with handle:
        return _read_rows(handle, label, contract)


def read_table_text(text: str, contract: TableContract, label: str) -> list[dict[str, Any]]:
    """Like `read_table`, for content held in memory (a source version); errors name `label`."""
    return _read_rows(io.StringIO(text, newline=""), label, contract)


def _read_rows(handle, label: str, contract: TableContract) -> list[dict[str, Any]]:
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    missing = [c.name for c in contract.columns if c.name not in header]
    if missing:
        raise DataValidationError(label, 1, f"missing column(s): {', '.join(missing)}")
    if not contract.extra_columns_allowed:
        extra = [h for h in header if h not in {c.name for c in contract.columns}]
        if extra:
            raise DataValidationError(label, 1, f"unexpected column(s): {', '.join(extra)}")
    seen: dict[tuple, tuple[int, dict]] = {}
    rows = []
    try:
        for raw in reader:
            row = _parse_row(raw, reader.line_num, label, contract, seen)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        raise DataValidationError(label, reader.line_num, f"malformed CSV: {exc}") from exc
    return rows


def _parse_row(raw, line: int, label: str, contract: TableContract, seen: dict) -> dict[str, Any] | None:
    if None in raw:
        raise DataValidationError(label, line, "more fields than the header has columns")
    row: dict[str, Any] = {"_line": line}
    for col in contract.columns:
        text = raw.get(col.name)
        text = "" if text is None else text.strip()
        if text == "":
            if col.required:
                raise DataValidationError(label, line, f"column {col.name!r} is empty")
            row[col.name] = None
            continue
        if col.allowed is not None and text not in col.allowed:
            allowed = ", ".join(sorted(col.allowed))
            raise DataValidationError(label, line, f"column {col.name!r}: {text!r} is not one of {allowed}")
        if col.pattern is not None and not re.fullmatch(col.pattern, text):
            raise DataValidationError(label, line, f"column {col.name!r}: {text!r} is not of the form {col.pattern}")
        try:
            row[col.name] = PARSERS[col.type](text)
        except ValueError:
            problem = f"column {col.name!r}: cannot parse {text!r} as {col.type}"
            raise DataValidationError(label, line, problem) from None
    if contract.key:
        key = tuple(row[k] for k in contract.key)
        if key in seen:
            first_line, first_raw = seen[key]
            ignored = contract.drop_duplicates_ignoring
            if ignored is not None and _same_except(first_raw, raw, ignored):
                return None
            shown = ", ".join(f"{k}={raw.get(k, '')!r}" for k in contract.key)
            raise DataValidationError(label, line, f"duplicate key {shown}, first at line {first_line}")
        seen[key] = (line, dict(raw))
    for check in contract.checks:
        problem = check(row)
        if problem:
            raise DataValidationError(label, line, problem)
    return row


def _same_except(first: dict, other: dict, ignored: tuple[str, ...]) -> bool:
    return all(first.get(k) == other.get(k) for k in set(first) | set(other) if k not in ignored)
