"""Kept plans: a metric request's compiled SQL, and its notes' SQL, run on DuckDB alone.

`atomscope metric NAME` on DuckDB, for a metric whose table SQL reads no data while it is built
(`Metric.sql_reads_data=False`) and whose notes come from queries (`MetricResult.plan`, a `NotesPlan`), keeps
a plan in `<warehouse>.compiled/` (`<name>.plan`, the same bounded folder as the compiled SQL,
warehouse/sidecar.py): the table's SQL, its columns and how each column's cells are converted, the notes'
SQL and formatter, and the title. The key is the request as typed, the warehouse's path, its schema version
and the code version, not its data version: after a write the next run finds the plan and only runs it,
without importing Ibis or pandas or building an expression.

Cells come out exactly as through Ibis and pandas (`table.to_pandas()` then `cli.output.plain_rows`; checked
for every metric by tests/cli/test_metric_plans.py): a float column's NULL is NaN, an integer column holding
a NULL comes out as floats (pandas has no NULL integer there), every other cell goes through `plain`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from atomscope.warehouse.answers import Answer
from atomscope.warehouse.sidecar import KeyedFiles, code_version, file_name

PLANS = KeyedFiles(".compiled", ".plan")
# what Ibis sets on a DuckDB connection it wraps (ibis.backends.duckdb `_post_connect`): the SQL runs under them
SESSION = ("SET TimeZone = 'UTC'", "SET python_enable_replacements = false")


def kind_of(dtype: Any) -> str:
    """How a column of Ibis type `dtype` is converted: 'int', 'float' or 'plain'."""
    return "int" if dtype.is_integer() else "float" if dtype.is_floating() else "plain"


def _key(con: Any, warehouse: Path, request: dict[str, Any]) -> tuple[str, str]:
    from atomscope.warehouse.db import schema_version

    identity = json.dumps({"plan": request, "warehouse": str(warehouse.resolve())}, sort_keys=True)
    return file_name(identity), json.dumps([identity, schema_version(con), code_version()])


def load(con: Any, warehouse: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    """The plan kept for `request` on this warehouse's schema and this code, or None."""
    name, full = _key(con, warehouse, request)
    body = PLANS.read(warehouse, name, full)
    try:
        plan = json.loads(body) if body is not None else None
    except ValueError:
        return None
    return plan if _well_formed(plan) else None


_SHAPE = {"sql": str, "columns": list, "kinds": list, "notes": dict, "formatter": str, "args": dict, "title": str}
FORMATTERS = "atomscope.present."  # a kept plan names its notes' formatter; only these modules are imported


def _well_formed(plan: Any) -> bool:
    if not isinstance(plan, dict) or not all(isinstance(plan.get(k), kind) for k, kind in _SHAPE.items()):
        return False
    return (
        len(plan["kinds"]) == len(plan["columns"])
        and all(isinstance(sql, str) for sql in plan["notes"].values())
        and plan["formatter"].startswith(FORMATTERS)
    )


def save(con: Any, warehouse: Path, request: dict[str, Any], plan: dict[str, Any]) -> bool:
    name, full = _key(con, warehouse, request)
    return PLANS.write(warehouse, name, full, json.dumps(plan, ensure_ascii=False))


def _column(values: list[Any], kind: str, cell: Callable[[Any], Any]) -> list[Any]:
    if kind == "float" or (kind == "int" and any(v is None for v in values)):
        return [math.nan if v is None else float(v) for v in values]
    return [cell(v) for v in values]


def rows(con: Any, sql: str, kinds: list[str], cell: Callable[[Any], Any]) -> list[list[Any]]:
    """The rows of `sql`, converted per column as Ibis and pandas would, each other cell by `cell` (the CLI's
    `plain`)."""
    for statement in SESSION:
        con.execute(statement)
    fetched = con.execute(sql).fetchall()
    columns = [_column([row[i] for row in fetched], kind, cell) for i, kind in enumerate(kinds)]
    return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in fetched]


def format_notes(formatter: str, results: dict[str, list[dict[str, Any]]], args: dict[str, Any]) -> list[str]:
    """The notes `formatter` ("module:function", importing neither Ibis nor pandas) makes of the queries' rows."""
    import importlib

    module, _, function = formatter.partition(":")
    if not module.startswith(FORMATTERS):
        raise ValueError(f"notes formatter {formatter!r} is not in {FORMATTERS}*")
    return list(getattr(importlib.import_module(module), function)(results, **args))


def run(con: Any, plan: dict[str, Any], cell: Callable[[Any], Any]) -> Answer:
    """The answer of a plan: its table's rows, its notes from their queries' rows, its title."""
    from atomscope.domain.encode import cursor_rows

    table = rows(con, plan["sql"], plan["kinds"], cell)
    results = {name: cursor_rows(con.execute(sql)) for name, sql in plan["notes"].items()}
    notes = format_notes(plan["formatter"], results, plan["args"])
    return Answer(list(plan["columns"]), table, notes, {"title": plan["title"]})
