"""The metric-test harness every metric test uses (as ibis's `BackendTest`).

`MetricWarehouse` is a fresh warehouse file (`fresh_warehouse`: a copy of one migrated once per process) with
INSERT helpers (the `metric_warehouse` fixture of tests/conftest.py builds one per test); `run_metric` runs a
registered metric on any Ibis backend (a `MetricWarehouse`, the bundled warehouse) and returns its result and
its table as a DataFrame. Every value a
test asserts on is computed by hand in the test itself; the harness only writes rows and runs metrics.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import ibis
import pandas as pd

from atomscope.metrics import MetricContext, get, run
from atomscope.metrics.base import MetricResult
from atomscope.warehouse.db import connect

RUN_ID = 1
SEEN = datetime(2026, 1, 1)
# The two organizations of the hand-built metric tests: alias -> (org_key, display_name, region, country).
LABS = {"Lab US": ("lab-us", "Lab US", "us", "US"), "Lab CN": ("lab-cn", "Lab CN", "china", "CN")}


def add_organizations(con, source: str, orgs: dict[str, tuple[str, str, str, str | None]]) -> None:
    """Registry rows: each organization of `orgs` (alias -> org_key, display_name, region, country) and its
    alias for `source` ('hf', 'lmarena', 'osai', 'mof', ...)."""
    con.executemany("INSERT OR IGNORE INTO organizations VALUES (?, ?, ?, ?)", list(set(orgs.values())))
    con.executemany(
        "INSERT INTO org_aliases VALUES (?, ?, ?)", [(source, alias, org[0]) for alias, org in orgs.items()]
    )


def run_metric(backend, name: str, by=None, since=None, until=None, **params) -> tuple[MetricResult, pd.DataFrame]:
    """Run metric `name` through `metrics.run` (its declared checks included) on an Ibis backend."""
    result = run(get(name), MetricContext(backend, by=by, since=since, until=until, params=dict(params)))
    return result, backend.execute(result.table).reset_index(drop=True)


_TEMPLATE: list[Path] = []


def fresh_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A writable connection to a new warehouse file at `path`: a copy of one file that `connect()` created and
    migrated once per process. Migrating a new file (each migration in its own transaction) costs about 50 ms;
    the copy gives the same schema and no rows, like `connect()` on a new file."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="atomscope-template-"))
        atexit.register(shutil.rmtree, folder, True)
        connect(folder / "template.duckdb").close()
        _TEMPLATE.append(folder / "template.duckdb")
    shutil.copyfile(_TEMPLATE[0], path)
    return duckdb.connect(str(path))


class MetricWarehouse:
    """A fresh warehouse file with row helpers; `run(name, ...)` runs a metric on it (see `run_metric`)."""

    def __init__(self, path):
        self.con = fresh_warehouse(path / "w.duckdb")
        self.backend = ibis.duckdb.from_connection(self.con)

    def close(self) -> None:
        self.con.close()

    def org(self, key: str, region: str, *aliases: str, name: str | None = None) -> MetricWarehouse:
        self.con.execute("INSERT INTO organizations VALUES (?, ?, ?, NULL)", [key, name or key.title(), region])
        for alias in aliases or (key,):
            self.con.execute("INSERT INTO org_aliases VALUES ('hf', ?, ?)", [alias, key])
        return self

    def model(
        self,
        model_id: str,
        *,
        size_bucket: str | None = None,
        release: date | None = None,
        params_b: float | None = None,
    ) -> MetricWarehouse:
        hf_org = model_id.split("/")[0]
        self.con.execute("INSERT INTO models VALUES (?, ?, 'primary', 'atom', DATE '2026-01-01')", [model_id, hf_org])
        self.con.execute(
            "INSERT INTO model_facts (model_id, total_params_b, size_bucket, release_date) VALUES (?, ?, ?, ?)",
            [model_id, params_b, size_bucket, release],
        )
        return self

    def snapshot(
        self,
        model_id: str,
        day: date,
        all_time: int | None,
        d30: int | None = None,
        created: datetime | None = None,
    ) -> MetricWarehouse:
        self.con.execute(
            "INSERT INTO hf_snapshots (model_id, snapshot_date, downloads_30d, downloads_all_time, created_at,"
            " collected_at, source, run_id) VALUES (?, ?, ?, ?, ?, ?, 'api', ?)",
            [model_id, day, d30, all_time, created, SEEN, RUN_ID],
        )
        return self

    def hub_model(self, model_id: str, created: datetime, downloads_30d: int) -> MetricWarehouse:
        self.con.execute(
            "INSERT INTO hub_models (model_id, author, created_at, downloads_30d, first_seen_at, last_seen_at,"
            " run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [model_id, model_id.split("/")[0], created, downloads_30d, SEEN, SEEN, RUN_ID],
        )
        return self

    def edge(self, child: str, parent: str, relation: str) -> MetricWarehouse:
        self.con.execute("INSERT INTO derivative_edges VALUES (?, ?, ?, ?, ?)", [child, parent, relation, SEEN, RUN_ID])
        return self

    def context(self, by=None, since=None, until=None, **params) -> MetricContext:
        return MetricContext(self.backend, by=by, since=since, until=until, params=dict(params))

    def run(self, name: str, by=None, since=None, until=None, **params) -> tuple[MetricResult, pd.DataFrame]:
        return run_metric(self.backend, name, by=by, since=since, until=until, **params)

    def result(self, name: str, by=None, since=None, until=None, **params):
        return run(get(name), self.context(by=by, since=since, until=until, **params))

    def metric(self, name: str, by=None, since=None, until=None, **params):
        frame = self.result(name, by=by, since=since, until=until, **params).table.to_pandas()
        return frame.reset_index(drop=True)


class _SparkOptions(ibis.config.Config):
    """Stand-in for the options the PySpark backend registers on import (pyspark is not installed)."""

    treat_nan_as_null: bool = False


def spark_sql(expr) -> str:
    """Compile an expression with Ibis' PySpark SQL compiler: proves the metric uses no DuckDB-only op."""
    if ibis.options.pyspark is None:
        ibis.options.pyspark = _SparkOptions()
    return ibis.to_sql(expr, dialect="pyspark")
