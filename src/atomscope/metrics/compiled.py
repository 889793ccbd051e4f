"""Compile once: a metric's table is compiled to DuckDB SQL once per request key, not on every call.

Compiling an Ibis expression through sqlglot is a fixed cost paid on every call, whatever the data size.
`fetch(table, key, how)` runs a metric's output table on DuckDB with its SQL taken from a cache keyed by
what determines it: the request (metric, grouping, window, parameters, filters), the engine, the
warehouse's schema version and data version (size and mtime of its file and write-ahead log: metrics read
data while they build their expression, so the SQL may embed values from it), and the code version
(atomscope's version and modules, the DuckDB and Ibis versions). A metric that declares it reads no data
to build its table (`Metric.sql_reads_data=False`, checked by tests/metrics/test_sql_data_independent.py)
is keyed without the data version: its SQL stays valid after a write. The cache is a dict per process plus one
file per request in `<warehouse>.compiled/` (written atomically, skipped when the directory cannot be
written, the oldest files out beyond the folder's bound: warehouse/sidecar.py), so a new process finds it.

Only the SQL is cached: results are computed by DuckDB every time, converted by Ibis exactly as without
the cache. Spark, in-memory warehouses and expressions over in-memory tables (crossover) compile as before.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable
from pathlib import Path
from typing import Any, Literal

import ibis.expr.operations as ops
import ibis.expr.types as ir

from atomscope.warehouse.sidecar import KeyedFiles, code_version, data_version, file_name

_MEMORY: dict[str, str] = {}
_LOCK = threading.Lock()
COMPILED = KeyedFiles(".compiled", ".sql")  # bounded like every sidecar folder (warehouse/sidecar.py)


def cache_dir(warehouse: Path) -> Path:
    return COMPILED.folder(warehouse)


def _warehouse_of(backend: Any) -> Path | None:
    row = backend.con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def cache_key(backend: Any, request: Hashable) -> tuple[str, str, Path] | None:
    """(file name, full key, warehouse) for `request` on `backend`, or None when it is not cacheable."""
    if getattr(backend, "name", None) != "duckdb":
        return None
    from atomscope.warehouse.db import schema_version

    warehouse = _warehouse_of(backend)
    if warehouse is None:
        return None
    identity = json.dumps([repr(request), str(warehouse.resolve())])
    data = data_version(warehouse) if reads_data(request) else "data-independent"
    full = json.dumps([identity, schema_version(backend.con), data, code_version()])
    return file_name(identity), full, warehouse  # one file per request; a newer version overwrites


# metrics whose SQL reads no data while it is built (`Metric.sql_reads_data=False`), filled by `base.register`
DATA_INDEPENDENT: set[str] = set()


def reads_data(request: Hashable) -> bool:
    """Whether the SQL of `request` may embed data (a request_key of a metric declaring otherwise: no)."""
    return not (isinstance(request, tuple) and request and request[0] in DATA_INDEPENDENT)


def compiled_sql(backend: Any, table: ir.Table, request: Hashable) -> str | None:
    """The DuckDB SQL of `table` from the cache (compiling and storing it on a miss), or None when the
    request is not cacheable on this backend."""
    if table.op().find(ops.InMemoryTable):
        return None
    key = cache_key(backend, request)
    if key is None:
        return None
    name, full, warehouse = key
    with _LOCK:
        sql = _MEMORY.get(full)
    if sql is None:
        sql = COMPILED.read(warehouse, name, full)
        if sql is None:
            sql = backend.compile(table)
            COMPILED.write(warehouse, name, full, sql)
        with _LOCK:
            _MEMORY[full] = sql
    return sql


def request_key(metric: str, ctx: Any, filters: tuple = ()) -> tuple:
    """The key of a metric request once `run` has checked it (grouping and parameters filled in)."""
    params = tuple(sorted((k, repr(v)) for k, v in ctx.params.items()))
    return (metric, ctx.by, str(ctx.since), str(ctx.until), params, filters)


def fetch(table: ir.Table, request: Hashable, how: Literal["pyarrow", "pandas"] = "pyarrow") -> Any:
    """`table.to_pyarrow()` or `table.to_pandas()`, with the SQL compiled once per `request` key."""

    def run() -> Any:
        return table.to_pyarrow() if how == "pyarrow" else table.to_pandas()

    if table.op().find(ops.InMemoryTable):  # no backend of its own (crossover); data-dependent SQL anyway
        return run()
    backend = table._find_backend()
    sql = compiled_sql(backend, table, request)
    if sql is None:
        return run()
    op = table.op()
    compile_ = backend.compile

    def cached_compile(expr, *args, **kwargs):  # Ibis compiles, then converts the result by the schema
        return sql if expr.op() is op and not args and not kwargs.get("limit") else compile_(expr, *args, **kwargs)

    backend.compile = cached_compile
    try:
        return run()
    finally:
        vars(backend).pop("compile", None)  # the instance attribute; the class's compile shows through again


def clear_memory() -> None:
    """Forget the in-process cache (tests: the next lookup reads the files)."""
    with _LOCK:
        _MEMORY.clear()
