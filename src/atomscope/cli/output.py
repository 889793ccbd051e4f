"""Render a result frame as a Rich table, CSV or JSON on stdout (notes go to stderr as a footer)."""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from enum import Enum

import pandas as pd
from rich.console import Console
from rich.table import Table

stderr = Console(stderr=True)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, datetime | pd.Timestamp):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()  # a DATE column read back through pandas
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.astype(object).to_dict(orient="records")]


def _cell(value) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def emit(frame: pd.DataFrame, fmt: OutputFormat, *, title: str | None = None, notes: list[str] = ()) -> None:
    if fmt is OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif fmt is OutputFormat.json:
        json.dump(records(frame), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        table = Table(title=title, show_lines=False)
        for column in frame.columns:
            table.add_column(str(column), overflow="fold")
        for row in frame.itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        Console().print(table)
        stderr.print(f"[dim]{len(frame)} rows[/dim]")
    for note in notes:
        stderr.print(f"[yellow]note:[/yellow] {note}")
