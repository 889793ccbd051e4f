"""Every registered metric gives the same result on DuckDB (the warehouse) and on Spark (its Parquet lake).

Fixture: the bundled data plus a small SYNTHETIC hub history (atomscope.testing.synthetic_history:
120 models x 75 days, labelled synthetic), exported with `export_parquet`. Spark runs locally
(`local[2]`, bound to 127.0.0.1, set for small data: SMALL_DATA_CONF). Rows are compared in any order,
floats to 1e-9 relative; notes must match exactly. On DuckDB each case also checks the compiled-SQL cache
(metrics/compiled.py): the SQL compiled once, kept in memory and read back from its file, gives the
uncached result. The queries metrics run while they build (notes) are shared across the cases of each
engine (metrics.SharedQueries): a note query that is the same expression for two groupings runs once on
Spark, as in a report; every case still compares its own notes. The lake's tables are cached in Spark's
memory once for the module, and each case runs its Spark side in a thread while its DuckDB side runs (the
JVM works while Python waits), which cut the file's JVM CPU by about a quarter in one run. Every `--by`
choice of every metric is checked; set ATOMSCOPE_SPARK_PARITY=quick to check only each metric's default
grouping.

Skipped (with the reason) only when PySpark or Java is missing.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from synthetic_fixtures import fill_parity_warehouse

from atomscope import metrics
from atomscope.metrics import compiled
from atomscope.testing.compare import frame_differences

# starting Spark and writing the lake happen in the first test's setup, slow on a busy machine
pytestmark = pytest.mark.timeout(1800)

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'pyspark>=3.5,<4.1')")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Java is not installed (Spark needs Java 17+)", allow_module_level=True)

QUICK = os.environ.get("ATOMSCOPE_SPARK_PARITY") == "quick"

# The fixture's lake is a few MB: Spark's fixed cost per query (adaptive re-planning between stages, generating
# and compiling Java for each stage, a shuffle into several partitions) outweighs the work. None of these settings
# changes a result; they make each query ~30% cheaper here (BENCHMARKS.md, issue 27).
SMALL_DATA_CONF = {
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.shuffle.partitions": "1",
    # The JVM lives for this file only (~40 short queries): its optimizing JIT compiler (C2) costs more CPU than
    # it gives back, so the quick one (C1) only, and one-thread GC on this 2-core machine. Results are the same;
    # the whole file measured 165 s of JVM CPU before, 118 s after (issue 27).
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}

# Known engine differences in metric code, (metric, by) -> reason: marked xfail until the metric is fixed.
# (mof's `int * 100.0 / 14`, a DECIMAL on Spark, was the first; fixed in 51a30f2.)
KNOWN_DIFFERENCES: dict[tuple[str, str | None], str] = {}


def _cases() -> list:
    cases = []
    for name, metric in sorted(metrics.REGISTRY.items()):
        choices = metric.by_choices if (metric.by_choices and not QUICK) else (metric.default_by,)
        for by in choices:
            reason = KNOWN_DIFFERENCES.get((name, by))
            marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
            cases.append(pytest.param(name, by, marks=marks, id=f"{name}-{by}"))
    return cases


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """(duckdb backend, spark backend) over the same data."""
    import duckdb
    import ibis

    from atomscope.warehouse import db
    from atomscope.warehouse.engines import spark_backend, spark_session
    from atomscope.warehouse.export import export_parquet
    from atomscope.warehouse.provenance import is_synthetic_lake

    folder = tmp_path_factory.mktemp("parity")
    con = db.connect(folder / "w.duckdb")
    fill_parity_warehouse(con)
    export_parquet(con, folder / "lake")
    con.close()
    assert is_synthetic_lake(folder / "lake")

    session = spark_session("local[2]", app_name="atomscope-parity", conf=SMALL_DATA_CONF)
    ro = duckdb.connect(str(folder / "w.duckdb"), read_only=True)
    try:
        yield ibis.duckdb.from_connection(ro), spark_backend(folder / "lake", session=session), folder / "lake"
    finally:
        ro.close()
        session.stop()


def test_lake_tables_match_warehouse_schema(engines):
    duck, spark, _ = engines
    for name in ("hf_snapshots", "models", "model_facts", "organizations", "org_aliases", "derivative_edges"):
        left, right = duck.table(name).schema(), spark.table(name).schema()
        assert list(left.names) == list(right.names), name
        for column in left.names:
            # nullability and timestamp precision differ between the engines; the kind must not
            assert type(left[column]) is type(right[column]), (name, column, left[column], right[column])
        assert duck.table(name).count().execute() == spark.table(name).count().execute(), name


def test_lake_by_uri_reads_the_manifest(engines):
    """A lake given as a URI (s3a://, hdfs://, here file://) is found through _MANIFEST.json."""
    from atomscope.warehouse.engines import spark_backend

    duck, spark, lake = engines
    by_uri = spark_backend(lake.resolve().as_uri(), session=spark._session)
    snaps = by_uri.table("hf_snapshots")
    assert list(snaps.columns) == list(duck.table("hf_snapshots").columns)
    assert snaps.count().execute() == duck.table("hf_snapshots").count().execute()


@pytest.fixture(scope="module")
def shared(engines):
    """The per-engine SharedQueries of the metric cases; first, the lake's tables are cached in Spark's memory
    (here, after the by-URI test has registered them again), so each case reads no Parquet."""
    from atomscope.warehouse.export import lake_tables

    duck, spark, lake = engines
    for name in lake_tables(lake):
        spark._session.catalog.cacheTable(name)
    return {"duckdb": metrics.SharedQueries(duck), "spark": metrics.SharedQueries(spark)}


@pytest.mark.parametrize(("name", "by"), _cases())
def test_metric_same_on_duckdb_and_spark(engines, shared, name, by):
    duck, spark, _ = engines
    spec = metrics.get(name)

    def on(engine: str, backend):
        ctx = metrics.MetricContext(backend=backend, by=by, shared=shared[engine])
        result = metrics.run(spec, ctx)
        return result.table.to_pandas(), result.notes, result.table, ctx

    # Spark's side runs in a thread (its work is mostly in the JVM) while DuckDB's side and its compiled-SQL check
    # run here; only DuckDB's side touches `compiled`. `result()` waits, and raises what the thread raised.
    with ThreadPoolExecutor(max_workers=1) as pool:
        on_spark = pool.submit(on, "spark", spark)
        left, left_notes, table, ctx = on("duckdb", duck)
        assert len(left) > 0, f"{name} --by {by}: no rows on the fixture, parity would be vacuous"
        _compiled_sql_gives_the_uncached_result(table, compiled.request_key(spec.name, ctx), f"{name} --by {by}", left)
        right, right_notes, _, _ = on_spark.result()
    problems = frame_differences(left, right)
    assert not problems, f"{name} --by {by}: DuckDB and Spark differ:\n" + "\n".join(problems)
    assert left_notes == right_notes


def _compiled_sql_gives_the_uncached_result(table, key, case, uncached) -> None:
    """Compile once (metrics/compiled.py): the case's DuckDB table, run with its SQL compiled now and kept in
    memory, then read back from the file beside the warehouse, gives the uncached result, as pyarrow and pandas."""
    from ibis.formats.pandas import PandasData

    compiled.clear_memory()
    steps = {"compiled now (pandas)": compiled.fetch(table, key, "pandas")}
    compiled.clear_memory()  # the same request again: its SQL now comes from the file
    from_file = compiled.fetch(table, key, "pyarrow")
    assert from_file.schema == table.schema().to_pyarrow(), f"{case}: cached pyarrow schema"
    # as Ibis's to_pandas converts DuckDB's Arrow result (dates become Timestamps), for the comparison
    steps["read back from the cache file (pyarrow)"] = PandasData.convert_table(from_file.to_pandas(), table.schema())
    steps["from memory (pandas)"] = compiled.fetch(table, key, "pandas")
    for how, frame in steps.items():
        problems = frame_differences(frame, uncached)
        assert not problems, f"{case}: SQL {how} differs:\n" + "\n".join(problems)


def test_cli_engine_spark(engines, tmp_path):
    """`atomscope metric NAME --engine spark --lake DIR` prints what the DuckDB engine prints."""
    from typer.testing import CliRunner

    from atomscope.cli import app

    duck, _spark, lake = engines
    db_path = duck.con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    runner = CliRunner()
    on_duckdb = runner.invoke(app, ["metric", "releases", "--db", db_path, "-f", "csv"])
    on_spark = runner.invoke(app, ["metric", "releases", "--engine", "spark", "--lake", str(lake), "-f", "csv"])
    assert on_duckdb.exit_code == 0, on_duckdb.output
    assert on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == on_duckdb.stdout
    missing = runner.invoke(app, ["metric", "releases", "--engine", "spark"])
    assert missing.exit_code != 0
