"""Render a result frame as a Rich table, CSV or JSON on stdout (notes go to stderr as a footer).

Every DuckDB value has one plain form (domain/encode.py's `clean`, shared with the API): lists and structs
stay lists and dicts (a one-element list stays a list), intervals are seconds, decimals numbers, dates ISO
text. JSON is always valid JSON: NaN and infinities are `null`. CSV and the table show them as `NaN`,
`inf`, `-inf`; CSV quotes list and struct cells (as JSON) and neutralises text a spreadsheet would run as a
formula (domain/spreadsheet.py; `--raw-csv` writes it as it is). Cell text is never read as Rich markup.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from atomscope.domain.errors import AtomscopeError
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
    from atomscope.domain.encode import clean

    # numpy and pandas values can only come from an imported numpy or pandas: a kept answer's plain cells
    # are printed without importing either (`atomscope metric` answered from <warehouse>.answers/)
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    if np is not None and isinstance(value, np.generic | np.ndarray):
        value = value.tolist()  # an array stays a list, even of one element
    if value is None or (pd is not None and (value is pd.NA or value is pd.NaT)):
        return None
    if isinstance(value, float):
        return value  # NaN and infinities too: each format writes them its own way
    if pd is not None and isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    if isinstance(value, datetime) and value.tzinfo is None and value.time() == time(0):
        return value.date().isoformat()  # a DATE column read back through pandas
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return clean(value)


def plain_rows(frame: pd.DataFrame) -> tuple[list[str], list[list]]:
    """(column names, rows of plain cells) of a frame: what every format prints, and what a kept answer holds."""
    frame = _missing_text_as_null(frame)
    rows = [[plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return [str(c) for c in frame.columns], rows


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


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output format; csv and json print every row and column.")
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Comma-separated columns to print, in this order (every format); the table otherwise picks what fits.",
    ),
]


class UnknownColumnError(AtomscopeError):
    """--columns named a column the result does not have."""


def select_columns(names: list[str], rows: list[list], columns: str | None) -> tuple[list[str], list[list]]:
    """(names, rows) restricted to `--columns a,b,c` (in that order); as they are without it."""
    if not columns:
        return names, rows
    wanted = [c.strip() for c in columns.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise UnknownColumnError(f"--columns: no column {', '.join(unknown)}; the columns are: {', '.join(names)}")
    picked = [i for c in wanted for i, name in enumerate(names) if name == c]
    return [names[i] for i in picked], [[row[i] for i in picked] for row in rows]


@dataclass(frozen=True)
class Fitted:
    """The columns a table prints at a terminal width, and how each may wrap."""

    shown: list[int]  # positions in the frame, in frame order
    left_out: list[str]
    widths: dict[int, int]  # position -> width of each shown column
    prose: set[int]  # positions of text columns that may wrap between words (or end in an ellipsis)


def _min_width(header: str, cells: list[str], one_line: bool) -> tuple[int, bool]:
    """(narrowest width that splits no number, id or word, whether the column is prose: text that may wrap
    between words or, in a one-line listing, end in an ellipsis)."""
    widest = max([cell_len(header), *(cell_len(c) for c in cells)])
    if not any(len(c.split()) >= PROSE_WORDS for c in cells):
        return widest, False  # numbers, ids, dates and times, names: never split
    if one_line:
        return max(cell_len(header), min(widest, ONE_LINE_MIN)), True
    longest_word = max(cell_len(w) for c in [header, *cells] for w in c.split() or [""])
    return max(longest_word, min(widest, PROSE_MIN)), True


PROSE_WORDS = 5  # a text column is prose when a cell has this many words
PROSE_MIN = 24  # a wrapping text column gets at least this many characters when it has them
ONE_LINE_MIN = 16  # and a prose column cut to one line
_NUMBER = re.compile(r"^(-?(\d{1,3}(,\d{3})*|\d+)(\.\d+)?(e[+-]?\d+)?|NaN|-?inf|⋮)?$")


def fit(
    headers: list[str], cells: list[list[str]], width: int, priority: tuple[str, ...] = (), one_line: bool = False
) -> Fitted:
    """Which columns fit in `width` without splitting a number, an id or a word: those named in `priority`
    first, then the others in order; a column that does not fit is left out (and named), never squeezed."""
    mins, widest, prose = [], [], set()
    for i, header in enumerate(headers):
        column = [row[i] for row in cells]
        need, is_prose = _min_width(header, column, one_line)
        mins.append(need)
        widest.append(max([cell_len(header), *(cell_len(c) for c in column)]))
        if is_prose:
            prose.add(i)
    order = [headers.index(n) for n in priority if n in headers]
    order += [i for i in range(len(headers)) if i not in order]
    used, shown = 1, []  # a box: one border, then 3 characters (padding and border) per column
    for i in order:
        if not shown or used + mins[i] + 3 <= width:
            shown.append(i)
            used += mins[i] + 3
    shown.sort()
    widths = {i: (mins[i] if i in prose else widest[i]) for i in shown}
    spare = width - used
    for i in order:  # prose columns take what is left, up to their widest cell, in priority order
        if i in widths and i in prose:
            grow = min(spare, widest[i] - widths[i])
            widths[i] += grow
            spare -= grow
    left_out = [headers[i] for i in range(len(headers)) if i not in shown]
    return Fitted(shown, left_out, widths, prose & set(shown))


def emit(
    frame: pd.DataFrame,
    fmt: OutputFormat,
    *,
    title: str | None = None,
    notes: list[str] = (),
    raw: bool = False,
    columns: str | None = None,
    priority: tuple[str, ...] = (),
    one_line: bool = False,
) -> None:
    """Print `frame` in `fmt`. `columns` is the user's `--columns`; `priority` the columns a table keeps
    first when the terminal is too narrow for all of them (the command's sensible default); `one_line`
    keeps each row of a listing on one line, its prose cut with an ellipsis (csv and json keep it all)."""
    names, rows = plain_rows(frame)
    options = {"priority": priority, "one_line": one_line}
    emit_plain(names, rows, fmt, title=title, notes=notes, raw=raw, columns=columns, **options)


def emit_plain(
    names: list[str],
    rows: list[list],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    notes: list[str] = (),
    raw: bool = False,
    columns: str | None = None,
    priority: tuple[str, ...] = (),
    one_line: bool = False,
) -> None:
    """`emit` of rows already in their plain form (`plain_rows`)."""
    names, rows = select_columns(names, rows, columns)
    emit_rows(names, [rows], fmt, title=title, notes=notes, raw=raw, priority=priority, one_line=one_line)


def emit_rows(
    columns: list,
    batches: Iterable[list[tuple]],
    fmt: OutputFormat,
    *,
    title: str | None = None,
    notes: list[str] = (),
    raw: bool = False,
    priority: tuple[str, ...] = (),
    one_line: bool = False,
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
        count = _emit_table(columns, batches, title, priority, one_line)
    for note in notes:
        stderr.print(f"[yellow]note:[/yellow] {escape(str(note))}", highlight=False)
    return count


def _emit_table(
    columns: list, batches: Iterable[list[tuple]], title: str | None, priority: tuple[str, ...], one_line: bool
) -> int:
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
    shown = not limit or count <= limit
    rows = [[_cell(v) for v in row] for row in head]
    if not shown:  # the first and last rows, like DuckDB's own shell: a terminal is no place for thousands
        rows.append([Text("⋮") for _ in columns])
    rows += [[_cell(v) for v in row] for row in tail]
    console = Console()
    headers = [str(c) for c in columns]
    fitted = fit(headers, [[t.plain for t in row] for row in rows], console.width, priority, one_line)
    table = Table(title=Text(title) if title else None, show_lines=False)
    numeric = {i for i in fitted.shown if all(_NUMBER.match(row[i].plain) for row in rows)}
    for i in fitted.shown:
        width = fitted.widths[i]
        if i in fitted.prose and one_line:
            table.add_column(Text(headers[i]), width=width, no_wrap=True, overflow="ellipsis")
        elif i in fitted.prose:
            table.add_column(Text(headers[i]), width=width, overflow="fold")
        else:
            justify = "right" if i in numeric else "left"
            table.add_column(Text(headers[i]), width=width, no_wrap=True, justify=justify)
    for row in rows:
        table.add_row(*(row[i] for i in fitted.shown))
    console.print(table)
    sys.stdout.flush()  # the table before the row count on stderr, also when both go to one pipe
    if shown:
        stderr.print(f"[dim]{count} rows[/dim]")
    else:
        stderr.print(
            f"[dim]{count} rows, {limit} shown; -f csv or -f json prints them all "
            f"({TABLE_ROWS_ENV}=0 shows all in the table)[/dim]"
        )
    if fitted.left_out:
        left = f"{len(fitted.left_out)} column{'s' if len(fitted.left_out) > 1 else ''}"
        stderr.print(
            f"[dim]{left} left out to fit {console.width} characters: "
            f"{', '.join(fitted.left_out)} (--columns a,b to choose; -f csv or -f json prints every column)[/dim]",
            highlight=False,
        )
    return count
