"""`atomscope metric NAME`: any registered metric, with grouping, date range and parameters."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from atomscope.cli.common import DbOption, open_read
from atomscope.cli.output import OutputFormat, RawCsvOption, emit
from atomscope.domain.errors import MetricRequestError


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


def register(app: typer.Typer) -> None:
    app.command(name="metric")(metric)
    app.command(name="metrics")(list_metrics)


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise MetricRequestError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise MetricRequestError(f"--param takes key=value, got {pair!r}")
        params[key] = value
    return params


def metric(
    name: Annotated[str, typer.Argument(help="Metric name; `atomscope metrics` lists them.")],
    db: DbOption = None,
    by: Annotated[str | None, typer.Option("--by", help="Grouping; each metric documents its choices.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day, YYYY-MM-DD.")] = None,
    param: Annotated[list[str], typer.Option("--param", "-p", help="Metric parameter key=value.")] = [],  # noqa: B006
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    raw_csv: RawCsvOption = False,
    engine: Annotated[
        Engine, typer.Option("--engine", help="duckdb: the warehouse; spark: a Parquet lake (--lake).")
    ] = Engine.duckdb,
    lake: Annotated[
        Path | None, typer.Option("--lake", help="Parquet lake for --engine spark (`atomscope export --parquet`).")
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option("--spark-master", envvar="SPARK_MASTER", help="Spark master URL [default: local[2]]."),
    ] = None,
) -> None:
    """Compute one metric from the warehouse (DuckDB), or from its Parquet lake on Spark."""
    import ibis  # the heavy imports happen when a metric is computed, not at start-up

    from atomscope import metrics

    spec = metrics.get(name)
    ctx = metrics.MetricContext(
        backend=None,
        by=by,
        since=_parse_date(since, "--since"),
        until=_parse_date(until, "--until"),
        params=_parse_params(param),
    )
    if engine is Engine.spark:
        from atomscope.warehouse.engines import spark_backend

        if lake is None:
            raise MetricRequestError("--engine spark reads a Parquet lake: give --lake DIR (see `atomscope export`)")
        ctx.backend = spark_backend(lake, spark_master)
        result = metrics.run(spec, ctx)
        frame = result.table.to_pandas()
    else:
        with open_read(db) as con:
            ctx.backend = ibis.duckdb.from_connection(con)
            result = metrics.run(spec, ctx)
            frame = result.table.to_pandas()
    emit(frame, format, title=f"{spec.title} ({spec.name}): {spec.summary}", notes=result.notes, raw=raw_csv)


def list_metrics(format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table) -> None:
    """List the metrics with their groupings, parameters and documented columns."""
    import pandas as pd

    from atomscope import metrics

    rows = [
        {
            "metric": m.name,
            "summary": m.summary,
            "by": ", ".join(m.by_choices),
            "params": ", ".join(f"{k}={p.default}" for k, p in m.params.items()),
            "columns": ", ".join(m.columns),
            "source": m.source,
        }
        for m in sorted(metrics.REGISTRY.values(), key=lambda m: m.name)
    ]
    emit(pd.DataFrame(rows), format, title="Metrics")
