"""Compile once (metrics/compiled.py): the key's data version and the file beside the warehouse.

That the cached SQL gives exactly the uncached result, for every metric and every grouping, from memory and
from the file, is checked by the engine-parity test (test_spark_parity.py) on its DuckDB side, which
computes every metric and grouping anyway.

Fixture: the session's bundled warehouse (the key and the file do not depend on its rows).
"""

from __future__ import annotations

import pytest

from atomscope import metrics
from atomscope.metrics import compiled


@pytest.fixture(scope="module")
def warehouse(bundled_db):
    return bundled_db


@pytest.fixture(scope="module")
def backend(warehouse):
    import ibis

    from atomscope.warehouse import db

    con = db.connect(warehouse, read_only=True)
    yield ibis.duckdb.from_connection(con)
    con.close()


def _run(backend, name, by, shared=None):
    ctx = metrics.MetricContext(backend=backend, by=by, shared=shared)
    result = metrics.run(metrics.get(name), ctx)
    return result.table, compiled.request_key(name, ctx)


def test_a_new_data_version_compiles_again(backend, warehouse, monkeypatch):
    table, key = _run(backend, "downloads", "region")
    compiled.fetch(table, key)
    name, full, _ = compiled.cache_key(backend, key)
    assert compiled.COMPILED.read(warehouse, name, full) == backend.compile(table)
    monkeypatch.setattr(compiled, "data_version", lambda path: (0, 0, 0, 0))  # as after a write
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
