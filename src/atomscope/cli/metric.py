"""`atomscope metric NAME`: any registered metric, with grouping, date range and parameters.

An answer is kept beside the warehouse (warehouse/answers.py) under the request as typed: the next run of
the same command over the same warehouse prints it without importing Ibis, DuckDB or pandas. For a metric
whose SQL reads no data while it is built, a plan (its SQL and its notes' SQL) is kept too
(warehouse/plans.py): the first run after a write runs it on DuckDB alone, without Ibis or pandas.
"""

from datetime import date
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from atomscope.cli.common import DbOption, open_read
from atomscope.cli.output import ColumnsOption, FormatOption, OutputFormat, RawCsvOption, emit, emit_plain, plain_rows
from atomscope.config import resolve_db_path
from atomscope.domain.dates import parse_day
from atomscope.domain.errors import MetricRequestError

if TYPE_CHECKING:
    from atomscope.warehouse.answers import Answer


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


def register(app: typer.Typer) -> None:
    app.command(name="metric")(metric)
    app.command(name="metrics")(list_metrics)


def _parse_date(value: str | None, option: str) -> date | None:
    return None if value is None else parse_day(value, option)


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise MetricRequestError(f"--param takes key=value, got {pair!r}")
        params[key] = value
    return params


NO_CACHE_ENV = "ATOMSCOPE_NO_CACHE"
NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        envvar=NO_CACHE_ENV,
        help="Compute from the warehouse: neither read nor keep an answer in <warehouse>.answers/.",
    ),
]


def metric(
    name: Annotated[str, typer.Argument(help="Metric name; `atomscope metrics` lists them.")],
    db: DbOption = None,
    by: Annotated[str | None, typer.Option("--by", help="Grouping; each metric documents its choices.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last day, YYYY-MM-DD.")] = None,
    param: Annotated[list[str], typer.Option("--param", "-p", help="Metric parameter key=value.")] = [],  # noqa: B006
    format: FormatOption = OutputFormat.table,
    columns: ColumnsOption = None,
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
    no_cache: NoCacheOption = False,
) -> None:
    """Compute one metric from the warehouse (DuckDB), or from its Parquet lake on Spark."""
    from atomscope.warehouse import answers
    from atomscope.warehouse.sidecar import data_version

    since_day, until_day = _parse_date(since, "--since"), _parse_date(until, "--until")
    params = _parse_params(param)
    if engine is Engine.spark:
        answer = _compute_spark(name, by, since_day, until_day, params, lake, spark_master)
    else:
        path = resolve_db_path(db)
        # as typed: a kept answer is found without importing the metrics (their defaults fill in later)
        request = _request(name, by, since_day, until_day, params)
        answer = None if no_cache else answers.load(path, request)
        if answer is None:
            version = data_version(path)  # before reading: a write meanwhile must not be kept as this version
            answer = _compute_duckdb(db, name, by, since_day, until_day, params, None if no_cache else request)
            if not no_cache:
                answers.save(path, request, answer, version)
    emit_plain(
        answer.columns,
        answer.rows,
        format,
        title=answer.extra.get("title"),
        notes=answer.notes,
        raw=raw_csv,
        columns=columns,
    )


def _request(name: str, by: str | None, since: date | None, until: date | None, params: dict[str, str]) -> dict:
    """A DuckDB request as typed: the key of its kept answer and plan."""
    return {
        "caller": "cli",
        "metric": name,
        "by": by,
        "since": since and since.isoformat(),
        "until": until and until.isoformat(),
        "params": sorted(params.items()),
        "engine": Engine.duckdb.value,
    }


def _context(name: str, by: str | None, since: date | None, until: date | None, params: dict[str, str]):
    from atomscope import metrics  # the heavy imports happen when a metric is computed, not at start-up

    spec = metrics.get(name)
    ctx = metrics.MetricContext(backend=None, by=by, since=since, until=until, params=params)
    return spec, ctx


def _answer(spec, result, frame) -> "Answer":
    from atomscope.warehouse.answers import Answer

    names, rows = plain_rows(frame)
    title = f"{spec.title} ({spec.name}): {spec.summary}"
    return Answer(names, rows, list(result.notes), {"title": title})


def _compute_duckdb(db, name, by, since, until, params, request=None) -> "Answer":
    """Computed from the warehouse: by the plan kept for `request` (its SQL run on DuckDB alone, no Ibis or
    pandas: warehouse/plans.py) when there is one, else through Ibis (keeping a plan when the metric allows)."""
    from atomscope.cli.output import plain
    from atomscope.warehouse import plans

    path = resolve_db_path(db)
    with open_read(db) as con:
        plan = None if request is None else plans.load(con, path, request)
        if plan is not None:
            return plans.run(con, plan, plain)
        import ibis

        from atomscope.metrics.compiled import fetch

        spec, result, key, ctx = _planned(ibis.duckdb.from_connection(con), name, by, since, until, params)
        plan = _plan(spec, result, key)
        if plan is not None:
            if request is not None:
                plans.save(con, path, request, plan)
            return plans.run(con, plan, plain)
        if result.plan is not None:
            result.notes = result.plan.notes(ctx)
        frame = fetch(result.table, key, "pandas")  # SQL compiled once
    return _answer(spec, result, frame)


def _planned(backend, name, by, since, until, params):
    """(metric, result, request key, context) of a request computed on `backend`, its notes left to the plan."""
    from atomscope import metrics
    from atomscope.metrics.compiled import request_key

    spec, ctx = _context(name, by, since, until, params)
    ctx.backend = backend
    ctx.defer_notes = True  # a plan's notes run as a kept plan runs them (result.plan.notes otherwise)
    result = metrics.run(spec, ctx)
    return spec, result, request_key(spec.name, ctx), ctx


def keep_default_plans(db) -> int:
    """Keep the plan of every metric's default request (`atomscope metric NAME`, no options) that can have one
    and has none, so that the first such command after `atomscope run` has nothing to compile; how many were
    kept. Cheap after a report build, which has imported the metrics and compiled their tables already."""
    import ibis

    from atomscope import metrics
    from atomscope.warehouse import plans

    path = resolve_db_path(db)
    kept = 0
    with open_read(db) as con:
        backend = ibis.duckdb.from_connection(con)
        for name in sorted(n for n, spec in metrics.REGISTRY.items() if not spec.sql_reads_data):
            request = _request(name, None, None, None, {})
            if plans.load(con, path, request) is None:
                plan = _plan(*_planned(backend, name, None, None, None, {})[:3])
                kept += plan is not None and plans.save(con, path, request, plan)
    return kept


def _plan(spec, result, key) -> dict | None:
    """The plan of a computed request (warehouse/plans.py), or None when the metric's SQL may embed data, its
    notes are not all queries, or its table is not compiled for DuckDB (an in-memory table)."""
    from atomscope.metrics.compiled import compiled_sql
    from atomscope.warehouse.plans import kind_of

    if spec.sql_reads_data or result.plan is None:
        return None
    backend = result.table._find_backend()
    sql = compiled_sql(backend, result.table, key)
    if sql is None:
        return None
    schema = result.table.schema()
    return {
        "sql": sql,
        "columns": [str(c) for c in schema.names],
        "kinds": [kind_of(t) for t in schema.types],
        "notes": {name: backend.compile(query) for name, query in result.plan.queries.items()},
        "formatter": result.plan.formatter,
        "args": result.plan.args,
        "title": f"{spec.title} ({spec.name}): {spec.summary}",
    }


def _compute_spark(name, by, since, until, params, lake, spark_master) -> "Answer":
    from atomscope import metrics
    from atomscope.warehouse.engines import spark_backend

    spec, ctx = _context(name, by, since, until, params)
    if lake is None:
        raise MetricRequestError("--engine spark reads a Parquet lake: give --lake DIR (see `atomscope export`)")
    ctx.backend = spark_backend(lake, spark_master)
    result = metrics.run(spec, ctx)
    return _answer(spec, result, result.table.to_pandas())


def list_metrics(
    name: Annotated[str | None, typer.Argument(help="One metric: its summary, source, options and columns.")] = None,
    format: FormatOption = OutputFormat.table,
    columns: ColumnsOption = None,
) -> None:
    """List the metrics, one line each; with NAME, that metric's groupings, parameters and columns."""
    import pandas as pd

    from atomscope import metrics

    if name is None:
        rows = [
            {"metric": m.name, "title": m.title, "summary": m.summary}
            for m in sorted(metrics.REGISTRY.values(), key=lambda m: m.name)
        ]
        title = "Metrics (`atomscope metrics NAME` for one)"
        emit(pd.DataFrame(rows), format, title=title, columns=columns, one_line=True)
        return
    spec = metrics.get(name)
    rows = [
        {"item": "summary", "name": "", "meaning": spec.summary},
        {"item": "source", "name": "", "meaning": spec.source},
    ]
    rows += [
        {"item": "by", "name": b, "meaning": "the default grouping" if b == spec.default_by else ""}
        for b in spec.by_choices
    ]
    rows += [{"item": "param", "name": k, "meaning": _param_help(p)} for k, p in spec.params.items()]
    rows += [{"item": "column", "name": k, "meaning": v} for k, v in spec.columns.items()]
    emit(pd.DataFrame(rows), format, title=f"{spec.title} ({spec.name})", columns=columns)


def _param_help(param) -> str:
    """'top N (int, at least 1; default 10)'."""
    facts = [param.type.__name__]
    if param.choices:
        facts.append(f"one of {', '.join(param.choices)}")
    if param.min is not None or param.max is not None:
        facts.append(param.bounds_text())
    default = "" if param.default is None else f"; default {param.default}"
    return f"{param.help} ({', '.join(facts)}{default})"
