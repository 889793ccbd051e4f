"""Each distinct Ibis expression is compiled to DuckDB SQL once per test process, for every test but the Spark
parity file's (whose DuckDB side checks the product's own compiled-SQL cache against fresh compiles):
tests/conftest.py installs `compiled_once` around every test.

Compiling an Ibis expression (sqlglot rewrites, then SQL text) is most of a metric test's time, and these
tests compile equal expressions again and again: every metric on warehouses of the same schema, a plan's
notes once to run and once to keep, the same request in test after test (measured on tests/metrics and
tests/cli, run alone: 782 compiles, 655 of them of an expression compiled before; 175 -> 111 CPU-seconds).

Compiling is a pure function of the expression, and Ibis compares expressions by structure (tables, schemas,
literals, operations). The memo answers an expression equal to one compiled before with the SQL compiled
then, and compiles any other for real: a metric whose SQL would change with the data still compiles to what
the data makes it (tests/metrics/test_sql_data_independent.py compares the SQL over three warehouses, which
stays a real comparison). Only the SQL text is kept: every query still runs on DuckDB, and every call of
`compile` still happens (the tests that count compiles patch it themselves and see each call). A kept
expression has its tables' backend replaced by a stand-in without a connection that compares equal to it
(Ibis compares backends by `db_identity`), so the memo keeps no warehouse open.
"""

from __future__ import annotations

import ibis.expr.operations as ops
import pytest
from ibis.backends import BaseBackend
from ibis.backends.duckdb import Backend

_MEMO: dict[tuple, str] = {}
_STAND_INS: dict[tuple, BaseBackend] = {}
_REAL = Backend.compile


def _stand_in(backend: BaseBackend) -> BaseBackend:
    """A backend object equal to `backend` (same class and `db_identity`) holding no connection."""
    key = (type(backend), backend.db_identity)
    if key not in _STAND_INS:
        stand_in = object.__new__(type(backend))
        stand_in.__dict__["db_identity"] = backend.db_identity  # a cached_property: set, never computed
        _STAND_INS[key] = stand_in
    return _STAND_INS[key]


def _detached(node: ops.Node, changed: dict | None) -> ops.Node:
    source = getattr(node, "source", None)
    if isinstance(source, BaseBackend):
        return node.copy(**(changed or {}), source=_stand_in(source))
    return node.copy(**changed) if changed else node


def _compile(self, expr, /, *args, **kwargs) -> str:
    if args or kwargs.get("params") or set(kwargs) - {"limit", "pretty", "params"}:
        return _REAL(self, expr, *args, **kwargs)
    limit, pretty = kwargs.get("limit"), kwargs.get("pretty", False)
    sql = _MEMO.get((type(self), expr.op(), limit, pretty))
    if sql is None:
        sql = _REAL(self, expr, *args, **kwargs)
        _MEMO[(type(self), expr.op().replace(_detached), limit, pretty)] = sql
    return sql


@pytest.fixture(autouse=True)
def compiled_once(request):
    """DuckDB's `compile` answers from the memo during the test (not in the Spark parity file)."""
    if request.path.name == "test_spark_parity.py":
        yield
        return
    Backend.compile = _compile
    try:
        yield
    finally:
        Backend.compile = _REAL
