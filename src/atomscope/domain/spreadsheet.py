"""Spreadsheet formula injection (CSV injection): the one rule every CSV writer applies.

OWASP's rule: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). Such a cell gets a
leading single quote, which spreadsheets show as text and which a reader can strip. Every CSV output
offers a raw mode (`--raw-csv`, `?raw=true`) for programs that want the values as they are.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time

_NEEDS_QUOTES = re.compile(r'[",\n\r]')
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def sql_neutralise(expr: str) -> str:
    """The same rule as a DuckDB SQL expression over a VARCHAR expression."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)
    return f"CASE WHEN left({expr}, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END"


def csv_cell(value: object, *, raw: bool = False) -> str:
    """One CSV field, quoted as needed: text neutralised (unless `raw`), lists and dicts as JSON, always quoted.

    `value` is already plain Python (None, bool, int, float, str, list, dict); None is an empty field.
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return _quote(json.dumps(finite(value), ensure_ascii=False, allow_nan=False, default=str))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    text = str(value)
    if not raw and isinstance(value, str):
        text = neutralise(text)
    return _quote(text) if _NEEDS_QUOTES.search(text) or text != text.strip() else text


def csv_line(values: list[object], *, raw: bool = False) -> str:
    return ",".join(csv_cell(v, raw=raw) for v in values) + "\n"


def finite(value: object) -> object:
    """`value` with NaN and infinities inside lists and dicts as None (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    return value


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def frame_csv(frame, *, raw: bool = False) -> str:
    """A pandas frame as CSV text by the same rules (report and chart data files); missing values are empty."""
    lines = [csv_line([str(c) for c in frame.columns], raw=raw)]
    lines += [csv_line([_frame_value(v) for v in row], raw=raw) for row in frame.itertuples(index=False, name=None)]
    return "".join(lines)


def _frame_value(value: object) -> object:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime):
        if value != value:  # NaT
            return None
        return value.date().isoformat() if value.time() == time(0) and value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if str(value) in ("<NA>", "NaT"):
        return None
    return value
