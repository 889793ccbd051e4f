"""Compile once (metrics/compiled.py): the cached SQL gives exactly the uncached result, for every metric
and every grouping, whether the SQL comes from the process's memory or from the file beside the warehouse.
Rows are compared in any order (ties of a metric's ORDER BY may come out either way on any run) and
floats to 1e-9 relative (DuckDB's parallel sums may differ in the last bit between runs), as in the
engine-parity test.

Fixture: the engine-parity data (bundled data plus a SYNTHETIC hub history, OpenRouter usage and
availability events; tests/synthetic_fixtures.py), so every metric and grouping has rows.
"""

from __future__ import annotations

import pytest
from synthetic_fixtures import fill_parity_warehouse

from atomscope import metrics
from atomscope.metrics import compiled
from atomscope.testing.compare import frame_differences


def _cases() -> list:
    return [
        pytest.param(name, by, id=f"{name}-{by}")
        for name, metric in sorted(metrics.REGISTRY.items())
        for by in (metric.by_choices or (metric.default_by,))
    ]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from atomscope.warehouse import db

    path = tmp_path_factory.mktemp("compiled") / "w.duckdb"
    con = db.connect(path)
    fill_parity_warehouse(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def backend(warehouse):
    import ibis

    from atomscope.warehouse import db

    con = db.connect(warehouse, read_only=True)
    yield ibis.duckdb.from_connection(con)
    con.close()


@pytest.fixture(scope="module")
def shared(backend):
    """The notes queries, the same for every grouping, run once for the module: this file tests the table's SQL."""
    return metrics.SharedQueries(backend)


def _run(backend, name, by, shared=None):
    ctx = metrics.MetricContext(backend=backend, by=by, shared=shared)
    result = metrics.run(metrics.get(name), ctx)
    return result.table, compiled.request_key(name, ctx)


def _same(cached, uncached, name, by, how) -> None:
    assert cached.schema == uncached.schema, f"{name} --by {by}: schema differs ({how})"
    problems = frame_differences(cached.to_pandas(), uncached.to_pandas())
    assert not problems, f"{name} --by {by}: SQL {how} differs:\n" + "\n".join(problems)


@pytest.mark.parametrize(("name", "by"), _cases())
def test_cached_sql_gives_the_uncached_result(backend, shared, name, by):
    table, key = _run(backend, name, by, shared)
    uncached = table.to_pyarrow()
    compiled.clear_memory()
    first = compiled.fetch(table, key)  # compiles, keeps it in memory and in the folder
    if name != "crossover":  # computed in Python into an in-memory table: compiled as before, never cached
        assert compiled.compiled_sql(backend, table, key) == backend.compile(table)
    _same(first, uncached, name, by, "compiled now")
    compiled.clear_memory()
    table, key = _run(backend, name, by, shared)
    _same(compiled.fetch(table, key), uncached, name, by, "read back from the cache file")
    problems = frame_differences(compiled.fetch(table, key, "pandas"), table.to_pandas())
    assert not problems, f"{name} --by {by}: to_pandas through the cache differs:\n" + "\n".join(problems)
    assert uncached.num_rows > 0 or name in ("availability",), f"{name} --by {by}: no rows, equality is vacuous"


def test_a_new_data_version_compiles_again(backend, warehouse, monkeypatch):
    table, key = _run(backend, "downloads", "region")
    compiled.fetch(table, key)
    name, full, _ = compiled.cache_key(backend, key)
    assert compiled.COMPILED.read(warehouse, name, full) == backend.compile(table)
    monkeypatch.setattr(compiled, "_data_version", lambda path: [0, 0, 0, 0])  # as after a write
    calls = []
    real = type(backend).compile

    def counting(self, expr, *args, **kwargs):
        calls.append(1)
        return real(self, expr, *args, **kwargs)

    monkeypatch.setattr(type(backend), "compile", counting)
    compiled.fetch(table, key)
    assert calls, "a cached SQL of an older warehouse version was used"
    calls.clear()
    compiled.fetch(table, key)
    assert not calls, "the second call of the same version compiled again"
