"""Spreadsheet formula injection (CSV injection): the one rule every CSV writer applies.

OWASP's rule: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). Such a cell gets a
leading single quote, which spreadsheets show as text and which a reader can strip. Every CSV output
offers a raw mode (`--raw-csv`, `?raw=true`) for programs that want the values as they are.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def sql_neutralise(expr: str) -> str:
    """The same rule as a DuckDB SQL expression over a VARCHAR expression."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)
    return f"CASE WHEN left({expr}, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END"
