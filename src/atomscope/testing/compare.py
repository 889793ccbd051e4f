"""Compare two result frames from different engines: same columns, same rows in any order, floats within
a tolerance. Used by the Spark parity test and the benchmarks (Ibis vs hand-written SQL vs pandas)."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd


def _plain(value):
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_convert(None) if value.tzinfo else value
        return value.to_pydatetime().isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):  # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return float(value)  # int and float columns compare as numbers
    return value


def _key(value, digits: int):
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, float):
        if math.isinf(value):
            return (2, "inf" if value > 0 else "-inf")
        return (2, f"{value:.{digits}g}" if value else "0")
    return (3, str(value))


def normalized_rows(frame: pd.DataFrame, digits: int = 6) -> list[tuple]:
    rows = [tuple(_plain(v) for v in row) for row in frame.astype(object).itertuples(index=False, name=None)]
    return sorted(rows, key=lambda row: tuple(_key(v, digits) for v in row))


def _close(a, b, rel: float, abs_: float) -> bool:
    if isinstance(a, float) and isinstance(b, float) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_close(x, y, rel, abs_) for x, y in zip(a, b, strict=True))
    return a == b


def frame_differences(
    left: pd.DataFrame, right: pd.DataFrame, *, rel: float = 1e-9, abs_: float = 1e-9, limit: int = 5
) -> list[str]:
    """Human-readable differences between two frames (empty when they match)."""
    problems: list[str] = []
    if list(left.columns) != list(right.columns):
        return [f"columns differ: {list(left.columns)} vs {list(right.columns)}"]
    if len(left) != len(right):
        problems.append(f"row counts differ: {len(left)} vs {len(right)}")
    a, b = normalized_rows(left), normalized_rows(right)
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if not _close(x, y, rel, abs_):
            cols = [c for c, u, v in zip(left.columns, x, y, strict=True) if not _close(u, v, rel, abs_)]
            problems.append(f"row {i} differs in {cols}: {x} vs {y}")
            if len(problems) >= limit:
                break
    return problems
