"""A metric declaring `sql_reads_data=False` builds the same SQL whatever the warehouse holds, so its compiled
SQL (metrics/compiled.py) and its kept plan (warehouse/plans.py) are keyed without the data version.

Checked for every grouping of each such metric over three warehouses: the bundled data, the same with every
other row of every table deleted, and an empty warehouse (schema only).
"""

from __future__ import annotations

import shutil

import pytest

from atomscope import metrics
from atomscope.metrics import compiled

DECLARED = sorted(name for name, spec in metrics.REGISTRY.items() if not spec.sql_reads_data)


@pytest.fixture(scope="module")
def warehouses(bundled_db, tmp_path_factory):
    from atomscope.warehouse import db

    folder = tmp_path_factory.mktemp("independent")
    changed = folder / "changed.duckdb"
    shutil.copy(bundled_db, changed)
    con = db.connect(changed)
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND table_name <> 'schema_version'"
    ).fetchall()
    for (table,) in tables:  # every other row of every table
        con.execute(f'DELETE FROM "{table}" WHERE rowid % 2 = 0')
    con.close()
    empty = folder / "empty.duckdb"
    db.connect(empty).close()
    return [bundled_db, changed, empty]


def _sql(path, name: str, by: str | None) -> tuple[str, list[str]]:
    import ibis

    from atomscope.warehouse import db

    con = db.connect(path, read_only=True)
    try:
        backend = ibis.duckdb.from_connection(con)
        ctx = metrics.MetricContext(backend=backend, by=by, defer_notes=True)
        result = metrics.run(metrics.get(name), ctx)
        queries = result.plan.queries.values() if result.plan else ()
        return backend.compile(result.table), [backend.compile(q) for q in queries]
    finally:
        con.close()


def test_some_metric_declares_it():
    assert "arena" in DECLARED


@pytest.mark.parametrize("name", DECLARED)
def test_the_sql_does_not_depend_on_the_data(warehouses, name):
    spec = metrics.get(name)
    for by in spec.by_choices or (spec.default_by,):
        first, *others = (_sql(path, name, by) for path in warehouses)
        for other in others:
            assert other == first, f"{name} --by {by}: the SQL embeds data; declare sql_reads_data=True"


def test_the_compiled_key_names_the_data_version_only_when_the_sql_may_embed_data():
    assert not compiled.reads_data(("arena", "region", "None", "None", (), ()))
    assert compiled.reads_data(("downloads", "region", "None", "None", (), ()))
    assert compiled.reads_data("not a request key")
