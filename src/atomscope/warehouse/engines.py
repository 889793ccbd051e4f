"""Ibis backends the metrics run on: DuckDB over the warehouse file, or PySpark over a Parquet lake.

Metrics only call `backend.table(name)`, so both backends expose every warehouse table by its name:

* `duckdb_backend(db_path)`: the warehouse opened read-only (`ibis.duckdb.from_connection`);
* `spark_backend(lake_dir, master=...)`: a SparkSession (local by default, or a cluster given by
  `master` / `$SPARK_MASTER`), each table of the lake that `atomscope export --parquet DIR` writes
  registered as a temporary view (hf_snapshots from its hive-partitioned directory, so filters on
  snapshot_date prune partitions). See docs/spark.md.

PySpark is optional: it is imported only by `spark_backend`, and a clear error names the package when
it is missing.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from atomscope.domain.errors import AtomscopeError

ENGINES = ("duckdb", "spark")
SPARK_MASTER_ENV = "SPARK_MASTER"
DEFAULT_SPARK_MASTER = "local[2]"


class EngineError(AtomscopeError):
    """An engine cannot be started (missing package, Java, lake)."""


def duckdb_backend(db_path: str | Path | None = None, *, con: Any = None):
    """An Ibis DuckDB backend over the warehouse (read-only), or over an open DuckDB connection `con`."""
    import ibis

    if con is None:
        from atomscope.config import resolve_db_path
        from atomscope.warehouse import db

        con = db.connect(resolve_db_path(db_path), read_only=True)
    return ibis.duckdb.from_connection(con)


def spark_session(master: str | None = None, *, app_name: str = "atomscope", conf: dict[str, str] | None = None):
    """A SparkSession: `master` or $SPARK_MASTER or local[2]. Local sessions bind to 127.0.0.1 only."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EngineError("the spark engine needs PySpark: pip install 'pyspark>=3.5,<4.1' (and Java 17+)") from exc
    master = master or os.environ.get(SPARK_MASTER_ENV) or DEFAULT_SPARK_MASTER
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4" if local else "200")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        # Ibis compiles some expressions to ANSI-strict forms; keep Spark's legacy null-on-error casts
        .config("spark.sql.ansi.enabled", "false")
    )
    if local:
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing, cluster unreachable, ...
        raise EngineError(f"cannot start Spark ({master}): {exc}") from exc
    if local:
        session.sparkContext.setLogLevel("ERROR")
    return session


def register_lake(session, lake_dir: str | Path) -> dict[str, str]:
    """Register every table of a Parquet lake as a temporary view; returns table -> path.

    A local directory is listed; a URI (`s3a://`, `gs://`, `hdfs://`, ...) is read through its
    `_MANIFEST.json` (tables, partitioned tables, column order), fetched by Spark itself."""
    import json

    from atomscope.warehouse.export import MANIFEST, PARTITIONED, lake_manifest, lake_tables

    text = str(lake_dir)
    if "://" in text:
        base = text.rstrip("/")
        try:
            manifest = json.loads(_read_text(session, f"{base}/{MANIFEST}"))
        except Exception as exc:
            raise EngineError(f"{base}: cannot read {MANIFEST}; is this an `atomscope export --parquet` lake?") from exc
        partitioned = manifest.get("partitioned", PARTITIONED)
        found = {
            name: (f"{base}/{name}", True) if name in partitioned else (f"{base}/{name}.parquet", False)
            for name in manifest.get("tables", {})
        }
    else:
        lake = Path(lake_dir)
        if not lake.is_dir():
            raise EngineError(f"{lake}: no Parquet lake here; write one with `atomscope export --parquet {lake}`")
        manifest = lake_manifest(lake)
        found = {name: (str(path), path.is_dir()) for name, path in lake_tables(lake).items()}
    if "hf_snapshots" not in found:
        raise EngineError(f"{lake_dir}: not an atomscope lake (no hf_snapshots); use `atomscope export --parquet`")
    columns = manifest.get("columns", {})
    paths = {}
    for name, (path, is_dir) in found.items():
        reader = session.read
        if is_dir:
            reader = reader.option("basePath", path)
        frame = reader.parquet(path)
        if columns.get(name) and set(columns[name]) == set(frame.columns):
            frame = frame.select(*columns[name])  # the warehouse's column order (partition keys come last)
        frame.createOrReplaceTempView(name)
        paths[name] = path
    return paths


def _read_text(session, uri: str) -> str:
    """A small file through Hadoop's FileSystem (Spark's readers skip `_`-prefixed files as hidden)."""
    jvm = session.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    stream = path.getFileSystem(session.sparkContext._jsc.hadoopConfiguration()).open(path)
    try:
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def spark_backend(lake_dir: str | Path, master: str | None = None, *, session=None):
    """An Ibis PySpark backend whose tables are the lake's tables (temporary views)."""
    import ibis

    session = session or spark_session(master)
    register_lake(session, lake_dir)
    return ibis.pyspark.connect(session)


@contextmanager
def open_backend(
    engine: str, *, db: str | Path | None = None, lake: str | Path | None = None, master: str | None = None
):
    """Context manager yielding an Ibis backend for `engine` ('duckdb' or 'spark')."""
    if engine == "duckdb":
        backend = duckdb_backend(db)
        try:
            yield backend
        finally:
            backend.disconnect()
    elif engine == "spark":
        if lake is None:
            raise EngineError("--engine spark reads a Parquet lake: give --lake DIR (`atomscope export --parquet DIR`)")
        yield spark_backend(lake, master)
    else:
        raise EngineError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
