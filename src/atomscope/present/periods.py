"""Which rows of a metric belong to a finished period: one rule for the report, the findings, the
cross-metric series and the dashboard.

A metric that can end in a period its data does not cover yet says so per row in a boolean `complete`
column (metrics/periods.py). A row is of a finished period when `complete` is true; a NULL `complete`
counts as unfinished, as `flag_complete` reads a month with no observation to compare with (a figure is
never called finished without evidence). A metric without the column has only finished periods.

The dashboard does not re-derive this: the API answer lists the indices of the unfinished rows
(`unfinished_rows`, from `unfinished_rows` below) and web/static/dashboard.js leaves exactly those out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


COLUMN = "complete"


def is_finished(complete: Any) -> bool:
    """The rule for one `complete` value: true only for a true value (NULL, NaN, NA and false are not)."""
    import pandas as pd

    return not pd.isna(complete) and bool(complete)


def row_finished(row: Mapping[str, Any]) -> bool:
    """A row (a dict of the metric's columns) is of a finished period."""
    return COLUMN not in row or is_finished(row[COLUMN])


def finished_mask(df: pd.DataFrame) -> pd.Series:
    """True for the rows of `df` of a finished period."""
    import pandas as pd

    if COLUMN not in df:
        return pd.Series(True, index=df.index)
    return df[COLUMN].map(is_finished).astype(bool)


def unfinished_rows(rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Indices of the rows of an unfinished period (what the API answer ships to the dashboard)."""
    return [i for i, row in enumerate(rows) if not row_finished(row)]
