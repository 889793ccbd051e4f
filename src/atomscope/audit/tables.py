"""Small readers over the warehouse's Ibis tables, shared by the audit's modules."""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd


def only(table, column: str, ids, *, lower: bool = False):
    """Rows of `table` whose `column` is one of `ids` (a join on a memtable: a long IN list compiles slowly)."""
    keys = ibis.memtable(pd.DataFrame({"_key": sorted(set(ids))}, dtype="string"))
    value = table[column].lower() if lower else table[column]
    return table.semi_join(keys, value == keys["_key"])


def frame(expr) -> pd.DataFrame:
    return expr.to_pandas()


def has(backend: Any, name: str) -> bool:
    """Whether the warehouse has the table (older schemas lack the tables of later migrations)."""
    try:
        backend.table(name)
    except Exception:  # each engine raises its own "table not found"
        return False
    return True
