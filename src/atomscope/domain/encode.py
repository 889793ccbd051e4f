"""Turn query results into JSON-safe rows and into JSON / CSV bytes: one plain form of every DuckDB value,
shared by the CLI's output and the API."""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from atomscope.domain.spreadsheet import csv_line

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


def clean(value: Any) -> Any:
    """A JSON-safe version of one cell: NaN/inf -> None, dates -> ISO strings, numpy/Decimal -> Python."""
    pd = sys.modules.get("pandas")  # a pandas value can only come from an imported pandas: none to import here
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if pd is not None and isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return clean(float(value))
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalar or array
        return clean(value.tolist())
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    return str(value)


def arrow_rows(table: pa.Table) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in row.items()} for row in table.to_pylist()]


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    frame = frame.astype(object).where(frame.notna(), None)
    return [{str(k): clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def cursor_rows(cursor) -> list[dict[str, Any]]:
    """Rows of an executed DuckDB statement as JSON-safe dicts (no pandas round trip)."""
    names = [d[0] for d in cursor.description]
    return [{n: clean(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()]


def to_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def to_csv(columns: list[str], rows: list[dict[str, Any]], *, raw: bool = False) -> bytes:
    """CSV of JSON-safe rows: lists and dicts as quoted JSON, formula-like text neutralised unless `raw`."""
    lines = [csv_line(list(columns), raw=raw)]
    lines += [csv_line([row.get(c) for c in columns], raw=raw) for row in rows]
    return "".join(lines).encode("utf-8")
