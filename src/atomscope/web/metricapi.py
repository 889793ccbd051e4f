"""The metric routes: one validated endpoint per registered metric, built from the registry at start-up,
with the listing `/api/metrics`, computation, provenance, each metric's chart hint and empty-state hints,
and the response cache key.

For each `Metric` the server builds a Pydantic query model (extra parameters forbidden, so an unknown
parameter is a 422) from what the metric declares: `by` (its choices), `since` / `until` (YYYY-MM-DD),
its own `params` (typed), the output filters its columns allow (`region`, `org`, `size_bucket`) and
`format` (json or csv; `raw=true` turns off the CSV formula neutralising). The OpenAPI schema therefore
documents every metric's exact parameters.

Filters. `MetricContext` has no region / organization / size filters, so the server applies them to the
metric's output rows: `region=` keeps rows whose `region` column equals it, `org=` rows whose `org_key`,
`org_name` or `org` matches (case-insensitive), `size_bucket=` rows whose `size_bucket` matches. A filter
is offered only to metrics that document that column; when the chosen grouping does not output it (e.g.
`downloads?by=size_bucket&region=us`) the request is refused with 422 rather than silently ignored.

(No `from __future__ import annotations` here: FastAPI reads the annotations of handlers built at run
time for each metric, and those name per-metric query models that exist only in a closure.)
"""

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

import ibis
import ibis.expr.types as ir
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from atomscope import metrics
from atomscope.domain import regions
from atomscope.domain.dates import DateFormatError, parse_day
from atomscope.domain.encode import arrow_rows, to_csv
from atomscope.domain.errors import MetricRequestError
from atomscope.domain.params import BUCKET_ORDER
from atomscope.metrics import compiled
from atomscope.metrics.base import Metric, MetricContext, Param, SharedQueries
from atomscope.present import hints
from atomscope.present.periods import unfinished_rows
from atomscope.warehouse import answers
from atomscope.warehouse.provenance import tables_provenance
from atomscope.web.cache import Payload, Store, etag_of
from atomscope.web.responses import CSV, ERRORS, Column, NoParams, json_payload, respond, serve_cached

log = logging.getLogger(__name__)

REGION_CHOICES: tuple[str, ...] = regions.ORDER
SIZE_BUCKETS: tuple[str, ...] = (*BUCKET_ORDER, "unknown")
ORG_COLUMNS = ("org_key", "org_name", "org")
FILTERS = ("region", "org", "size_bucket")
RESERVED = {"by", "since", "until", "format", "raw", *FILTERS}
# Bounds the API puts on integer parameters a metric declares without bounds (DuckDB int overflow).
INT_BOUNDS = (-1_000_000, 1_000_000)


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_day(value, "the date")
        except DateFormatError as exc:
            raise ValueError(str(exc)) from None
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class RecordingBackend:
    """Wraps an Ibis backend and remembers which warehouse tables were read through it (provenance).

    Wrapping the backend rather than the context also sees tables read by sub-contexts that a metric
    builds from `ctx.backend` (e.g. `crossover` running other metrics)."""

    def __init__(self, backend) -> None:
        self._backend = backend
        self.tables_read: set[str] = set()

    def table(self, name: str, *args, **kwargs) -> ir.Table:
        self.tables_read.add(name)
        return self._backend.table(name, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


# Response schemas (documentation and the schemathesis conformance checks).
class Provenance(BaseModel):
    tables: list[dict[str, Any]]
    warehouse_version: int
    last_run_id: int | None
    loaded_at: str | None


class MetricResponse(BaseModel):
    metric: str
    by: str | None
    columns: list[Column]
    rows: list[dict[str, Any]]
    unfinished_rows: list[int]
    notes: list[str]
    provenance: Provenance
    chart: dict[str, Any]


class MetricInfo(BaseModel):
    name: str
    title: str
    summary: str
    source: str
    url: str
    columns: list[Column]
    by_choices: list[str]
    default_by: str | None
    params: list[dict[str, Any]]
    filters: list[str]


class MetricList(BaseModel):
    metrics: list[MetricInfo]


@dataclass
class MetricEndpoint:
    metric: Metric
    query_model: type[BaseModel]
    filters: tuple[str, ...]
    params: dict[str, Param] = field(default_factory=dict)


def filters_for(metric: Metric) -> tuple[str, ...]:
    cols = set(metric.columns)
    found = []
    if "region" in cols:
        found.append("region")
    if cols & set(ORG_COLUMNS):
        found.append("org")
    if "size_bucket" in cols:
        found.append("size_bucket")
    return tuple(found)


def _param_field(param: Param) -> tuple[Any, Any]:
    description = f"{param.help} (default {param.default})"
    if param.choices:
        return Literal[param.choices], Field(None, description=description)
    if param.type is int:
        lo = INT_BOUNDS[0] if param.min is None else param.min
        hi = INT_BOUNDS[1] if param.max is None else param.max
        return int, Field(None, ge=lo, le=hi, description=description)
    if param.type is float:
        return float, Field(None, ge=param.min, le=param.max, allow_inf_nan=False, description=description)
    if param.type is bool:
        return bool, Field(None, description=description)
    return str, Field(None, max_length=200, description=description)


def build_endpoint(metric: Metric) -> MetricEndpoint:
    fields: dict[str, Any] = {}
    if metric.by_choices:
        by_type = Literal[metric.by_choices]  # type: ignore[valid-type]
        fields["by"] = (by_type, Field(None, description=f"grouping (default {metric.default_by})"))
    fields["since"] = (IsoDate, Field(None, description="first day, YYYY-MM-DD (inclusive)"))
    fields["until"] = (IsoDate, Field(None, description="last day, YYYY-MM-DD (inclusive)"))
    filters = filters_for(metric)
    if "region" in filters:
        fields["region"] = (Literal[REGION_CHOICES], Field(None, description="keep rows of this region"))
    if "org" in filters:
        fields["org"] = (str, Field(None, min_length=1, max_length=200, description="organization key or name"))
    if "size_bucket" in filters:
        fields["size_bucket"] = (Literal[SIZE_BUCKETS], Field(None, description="keep rows of this size bucket"))
    params = {}
    for name, param in metric.params.items():
        if name in RESERVED or not name.isidentifier():
            log.warning("metric %s: parameter %r clashes with an API query parameter; not offered", metric.name, name)
            continue
        params[name] = param
        fields[name] = _param_field(param)
    fields["format"] = (Literal["json", "csv"], Field("json", description="json (default) or csv"))
    fields["raw"] = (
        bool,
        Field(
            False,
            description="csv: text cells as they are (default: a leading ' on "
            "cells starting with = + - @ tab or CR, against spreadsheet formula injection)",
        ),
    )
    model_name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", metric.name)) + "Query"
    model = create_model(model_name, __config__=ConfigDict(extra="forbid"), **fields)
    return MetricEndpoint(metric=metric, query_model=model, filters=filters, params=params)


def endpoints() -> dict[str, MetricEndpoint]:
    names = sorted(metrics.REGISTRY, key=lambda name: hints.order_key(name, metrics.REGISTRY[name].chart))
    return {name: build_endpoint(metrics.REGISTRY[name]) for name in names}


def describe(ep: MetricEndpoint) -> dict[str, Any]:
    m = ep.metric
    return {
        "name": m.name,
        "title": m.title,
        "summary": m.summary,
        "source": m.source,
        "url": f"/api/metrics/{m.name}",
        "columns": [{"name": k, "description": v} for k, v in m.columns.items()],
        "by_choices": list(m.by_choices),
        "default_by": m.default_by,
        "params": [
            {"name": k, "type": p.type.__name__, "default": p.default, "description": p.help}
            for k, p in ep.params.items()
        ],
        "filters": list(ep.filters),
    }


def _apply_filters(table: ir.Table, query: BaseModel, ep: MetricEndpoint, by: str | None) -> ir.Table:
    cols = set(table.columns)
    for name in ep.filters:
        value = getattr(query, name, None)
        if value is None:
            continue
        if name == "org":
            present = [c for c in ORG_COLUMNS if c in cols]
            if not present:
                raise MetricRequestError(f"filter org does not apply to {ep.metric.name} with by={by}")
            wanted = ibis.literal(value.lower())
            cond = None
            for c in present:
                term = table[c].cast("string").lower() == wanted
                cond = term if cond is None else cond | term
            table = table.filter(cond.fill_null(False))
            continue
        if name not in cols:
            raise MetricRequestError(f"filter {name} does not apply to {ep.metric.name} with by={by}")
        table = table.filter(table[name].cast("string") == ibis.literal(value))
    return table


def empty_hints(metric: Metric, prov: dict[str, Any]) -> list[str]:
    """How to fill the tables the metric read and found empty, in the metric's own words."""
    fill = metric.empty_hints
    return [fill[t["name"]] for t in prov["tables"] if t["rows"] == 0 and t["name"] in fill]


def run_metric(con, ep: MetricEndpoint, query: BaseModel, shared: SharedQueries | None = None) -> dict[str, Any]:
    """Compute the metric for a validated query; returns the JSON document (rows already JSON-safe). `shared`:
    the answers to notes queries of the other requests at this warehouse version (Store.shared_queries)."""
    params = {k: getattr(query, k) for k in ep.params if getattr(query, k, None) is not None}
    backend = RecordingBackend(ibis.duckdb.from_connection(con))
    ctx = MetricContext(
        backend=backend,
        by=getattr(query, "by", None),
        since=query.since,
        until=query.until,
        params=params,
        shared=shared,
    )
    try:
        try:
            result = metrics.run(ep.metric, ctx)
        except MetricRequestError:
            raise
        except ValueError as exc:  # e.g. a library refusing a value while the metric builds its expression
            raise MetricRequestError(f"{ep.metric.name}: {exc}") from None
        table = _apply_filters(result.table, query, ep, ctx.by)
        filters = tuple((name, getattr(query, name, None)) for name in ep.filters)
        arrow = compiled.fetch(table, compiled.request_key(ep.metric.name, ctx, filters))
    except RecursionError:  # e.g. a depth parameter unrolled into more joins than the compiler can nest
        raise MetricRequestError(
            f"{ep.metric.name}: these parameter values build a query too deep to compile; use smaller values"
        ) from None
    rows = arrow_rows(arrow)
    columns = [
        {"name": f.name, "type": str(f.type), "description": ep.metric.columns.get(f.name, "")} for f in arrow.schema
    ]
    prov = tables_provenance(con, backend.tables_read)
    notes = list(result.notes)
    if not rows:
        notes.extend(empty_hints(ep.metric, prov) or ["no rows for this selection"])
    return {
        "metric": ep.metric.name,
        "by": ctx.by,
        "columns": columns,
        "rows": rows,
        "unfinished_rows": unfinished_rows(rows),  # present/periods.py decides; the dashboard only reads it
        "notes": notes,
        "provenance": prov,
        "chart": hints.hint(ep.metric.chart, ctx.by, columns),
    }


def build_metric_router(store: Store, metric_endpoints: dict[str, MetricEndpoint]) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])
    listing = json_payload({"metrics": [describe(ep) for ep in metric_endpoints.values()]})

    @router.get("/metrics", response_model=MetricList, responses=ERRORS, summary="List the metrics")
    async def metrics_list(request: Request, _: Annotated[NoParams, Query()]) -> Response:
        """Every registered metric with its documented columns, groupings, parameters and filters."""
        return respond(request, listing, False)

    for ep in metric_endpoints.values():
        _add_metric_route(router, store, ep)

    @router.get("/metrics/{name}", include_in_schema=False)
    def unknown_metric(name: str) -> Response:
        raise HTTPException(404, f"unknown metric {name!r}; known metrics: {', '.join(metric_endpoints)}")

    return router


def metric_key(ep: MetricEndpoint, q: BaseModel) -> tuple:
    """Cache key of a metric request: defaults filled in, so `?by=region` and no `by` share an entry."""
    values = q.model_dump()
    if values.get("by") is None and ep.metric.default_by:
        values["by"] = ep.metric.default_by
    for name, param in ep.params.items():
        if values.get(name) is None:
            values[name] = param.default
    return ("metric", ep.metric.name, tuple(sorted((k, str(v)) for k, v in values.items())))


def answer_request(ep: MetricEndpoint, q: BaseModel) -> dict[str, Any]:
    """The request a kept answer is filed under (warehouse/answers.py): the cache key without the output
    format, so the JSON and CSV forms of one request share it."""
    _kind, name, values = metric_key(ep, q)
    query = [[k, v] for k, v in values if k not in ("format", "raw")]
    return {"caller": "api", "metric": name, "query": query, "engine": "duckdb"}


DOCUMENT = ("metric", "by", "columns", "rows", "unfinished_rows", "notes", "provenance", "chart")  # run_metric's


def document(answer: answers.Answer) -> dict[str, Any]:
    """The JSON document of an answer, in run_metric's layout (a kept answer gives the same bytes)."""
    parts = {**answer.extra, "columns": answer.columns, "rows": answer.rows, "notes": answer.notes}
    return {key: parts[key] for key in DOCUMENT}


def metric_document(store: Store, ep: MetricEndpoint, q: BaseModel) -> dict[str, Any]:
    """The document kept for this request at the warehouse's version, else computed (and kept)."""
    request = answer_request(ep, q)
    kept = answers.load(store.path, request)
    if kept is not None and set(DOCUMENT) <= {*kept.extra, "columns", "rows", "notes"}:
        return document(kept)
    version = store.version()
    with store.connect() as con:
        doc = run_metric(con, ep, q, store.shared_queries(version))
    extra = {k: v for k, v in doc.items() if k not in ("columns", "rows", "notes")}
    answers.save(store.path, request, answers.Answer(doc["columns"], doc["rows"], doc["notes"], extra), version)
    return doc


def metric_payload(store: Store, ep: MetricEndpoint, q: BaseModel) -> tuple[Payload, bool]:
    name = ep.metric.name

    def produce() -> Payload:
        doc = metric_document(store, ep, q)
        if q.format == "csv":
            body = to_csv([c["name"] for c in doc["columns"]], doc["rows"], raw=q.raw)
            disposition = (("Content-Disposition", f'inline; filename="{name}.csv"'),)
            return Payload(body, "text/csv; charset=utf-8", etag_of(body), disposition)
        return json_payload(doc)

    return store.cached(metric_key(ep, q), produce)


def warm(store: Store, metric_endpoints: dict[str, MetricEndpoint]) -> int:
    """Compute every metric's default view into the cache (what the dashboard asks first); the number
    warmed. A metric that fails is logged and left to its first request."""
    started = time.monotonic()
    warmed = 0
    for ep in metric_endpoints.values():
        try:
            metric_payload(store, ep, ep.query_model())
            warmed += 1
        except Exception as exc:  # a failing metric must not stop the others nor the server
            log.warning("warming %s failed: %s", ep.metric.name, exc)
    log.info("warmed %d of %d default views in %.1f s", warmed, len(metric_endpoints), time.monotonic() - started)
    return warmed


def _add_metric_route(router: APIRouter, store: Store, ep: MetricEndpoint) -> None:
    query_model = ep.query_model
    name = ep.metric.name

    async def handler(request: Request, q: Annotated[query_model, Query()]) -> Response:  # type: ignore[valid-type]
        return await serve_cached(request, store, metric_key(ep, q), lambda: metric_payload(store, ep, q))

    handler.__name__ = f"metric_{name}"
    router.add_api_route(
        f"/metrics/{name}",
        handler,
        methods=["GET"],
        response_model=MetricResponse,
        responses={200: {"content": CSV}, **ERRORS},
        summary=ep.metric.summary,
        description=f"{ep.metric.summary}.\n\nSource: {ep.metric.source}.\n\nColumns:\n\n"
        + "\n".join(f"- `{k}`: {v}" for k, v in ep.metric.columns.items()),
        operation_id=f"metric_{name}",
    )
