"""Render a result frame as a Rich table, CSV or JSON on stdout (notes go to stderr as a footer).

Every DuckDB value has one plain form (web/encode.py's `clean`, shared with the API): lists and structs
stay lists and dicts (a one-element list stays a list), intervals are seconds, decimals numbers, dates ISO
text. JSON is always valid JSON: NaN and infinities are `null`. CSV and the table show them as `NaN`,
`inf`, `-inf`; CSV quotes list and struct cells (as JSON) and neutralises text a spreadsheet would run as a
formula (domain/spreadsheet.py; `--raw-csv` writes it as it is). Cell text is never read as Rich markup.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections import deque
from collections.abc import Iterable
from datetime import datetime, time
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from atomscope.domain.spreadsheet import csv_line, finite

if TYPE_CHECKING:
    import pandas as pd

stderr = Console(stderr=True)

RawCsvOption = Annotated[
    bool, typer.Option("--raw-csv", help="CSV: write cells as they are (no spreadsheet-formula neutralising).")
]


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def plain(value):
    """One cell as plain Python (None, bool, int, float incl. NaN/inf, str, list, dict)."""
    import numpy as np  # imported here, not at start-up: `atomscope --help` stays fast (tests/cli)
    import pandas as pd

    from atomscope.web.encode import clean

    if isinstance(value, np.generic | np.ndarray):
        value = value.tolist()  # an array stays a list, even of one element
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return value  # NaN and infinities too: each format writes them its own way
    if isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    if isinstance(value, datetime) and value.tzinfo is None and value.time() == time(0):
        return value.date().isoformat()  # a DATE column read back through pandas
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return clean(value)


def records(frame: pd.DataFrame) -> list[dict]:
    names = _unique(frame.columns)
    return [dict(zip(names, map(plain, row), strict=True)) for row in frame.itertuples(index=False, name=None)]


def _unique(columns) -> list[str]:
    """Column names, a repeated one suffixed `_2`, `_3` (a JSON object cannot hold one key twice)."""
    seen: dict[str, int] = {}
    names = []
    for column in map(str, columns):
        seen[column] = seen.get(column, 0) + 1
        names.append(column if seen[column] == 1 else f"{column}_{seen[column]}")
    return names


def _cell(value) -> Text:
    value = plain(value)
    if value is None:
        return Text("")
    if isinstance(value, float):
        if not math.isfinite(value):
            return Text("NaN" if math.isnan(value) else "inf" if value > 0 else "-inf")
        return Text(f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}")
    if isinstance(value, list | dict):
        return Text(json.dumps(finite(value), ensure_ascii=False, default=str))
    return Text(str(value))


TABLE_ROWS_ENV = "ATOMSCOPE_TABLE_ROWS"
DEFAULT_TABLE_ROWS = 60


def _missing_text_as_null(frame: pd.DataFrame) -> pd.DataFrame:
    """pandas (3) reads a NULL of a text column (`str` dtype, e.g. from Ibis) back as a float NaN, which would
    print as `NaN` where the value is missing; in a `str` column a NaN can only mean NULL. (An object column
    may hold a real NaN number: it is left alone.)"""
    import pandas as pd

    fixed = None
    for position, kind in enumerate(frame.dtypes):  # by position: a query may repeat a column name
        if not isinstance(kind, pd.StringDtype):
            continue
        values = frame.iloc[:, position]
        missing = values.map(lambda v: isinstance(v, float) and math.isnan(v)).to_numpy(dtype=bool)
        if missing.any():
            fixed = frame.copy() if fixed is None else fixed
            fixed.isetitem(position, values.astype(object).where(~missing, None))
    return frame if fixed is None else fixed


def _table_rows() -> int:
    """Most rows the table format prints (${TABLE_ROWS_ENV}, default 60; 0: all)."""
    try:
        return max(0, int(os.environ.get(TABLE_ROWS_ENV, DEFAULT_TABLE_ROWS)))
    except ValueError:
        return DEFAULT_TABLE_ROWS


def emit(
    frame: pd.DataFrame, fmt: OutputFormat, *, title: str | None = None, notes: list[str] = (), raw: bool = False
) -> None:
    frame = _missing_text_as_null(frame)
    rows = list(frame.itertuples(index=False, name=None))
    emit_rows(list(frame.columns), [rows], fmt, title=title, notes=notes, raw=raw)


def emit_rows(
    columns: list,
    batches: Iterable[list[tuple]],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    notes: list[str] = (),
    raw: bool = False,
) -> int:
    """Write rows as they arrive, batch by batch (CSV and JSON never hold more than a batch; the table keeps
    its first and last rows only); returns the number of rows. JSON stays valid if the batches stop early."""
    names = _unique(columns)
    count = 0
    if fmt is OutputFormat.csv:
        sys.stdout.write(csv_line(names, raw=raw))
        for batch in batches:
            for row in batch:
                sys.stdout.write(csv_line([plain(v) for v in row], raw=raw))
            count += len(batch)
    elif fmt is OutputFormat.json:
        sys.stdout.write("[")
        try:
            for batch in batches:
                for row in batch:
                    item = {k: finite(plain(v)) for k, v in zip(names, row, strict=True)}
                    text = json.dumps(item, indent=1, ensure_ascii=False, allow_nan=False)
                    indented = "\n".join(" " + line for line in text.splitlines())  # json.dump's indent=1 layout
                    sys.stdout.write(("\n" if not count else ",\n") + indented)
                    count += 1
        finally:
            sys.stdout.write("\n]\n" if count else "]\n")
    else:
        count = _emit_table(columns, batches, title)
    for note in notes:
        stderr.print(f"[yellow]note:[/yellow] {escape(str(note))}", highlight=False)
    return count


def _emit_table(columns: list, batches: Iterable[list[tuple]], title: str | None) -> int:
    limit = _table_rows()
    half = limit // 2
    head: list[tuple] = []
    tail: deque[tuple] = deque(maxlen=limit - half if limit else None)
    count = 0
    for batch in batches:
        for row in batch:
            if limit and len(head) < half:
                head.append(row)
            else:
                tail.append(row)
        count += len(batch)
    table = Table(title=Text(title) if title else None, show_lines=False)
    for column in columns:
        table.add_column(Text(str(column)), overflow="fold")
    shown = not limit or count <= limit
    for row in head:
        table.add_row(*(_cell(v) for v in row))
    if not shown:  # the first and last rows, like DuckDB's own shell: a terminal is no place for thousands
        table.add_row(*(Text("⋮") for _ in columns))
    for row in tail:
        table.add_row(*(_cell(v) for v in row))
    Console().print(table)
    if shown:
        stderr.print(f"[dim]{count} rows[/dim]")
    else:
        stderr.print(
            f"[dim]{count} rows, {limit} shown; -f csv or -f json prints them all "
            f"({TABLE_ROWS_ENV}=0 shows all in the table)[/dim]"
        )
    return count
