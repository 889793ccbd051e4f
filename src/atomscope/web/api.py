"""JSON API routes: metrics (one endpoint per registered metric), catalog, models, organizations.

(No `from __future__ import annotations` here: FastAPI reads the annotations of handlers built at run
time for each metric, and those name per-metric query models that exist only in a closure.)
"""

import json
import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from atomscope.web.encode import to_csv, to_json
from atomscope.web.metricapi import REGION_CHOICES, MetricEndpoint, describe, run_metric
from atomscope.web.modelinfo import list_models, list_orgs, model_detail
from atomscope.web.store import Payload, Store, etag_of

log = logging.getLogger(__name__)


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    search: str = Field(None, min_length=1, max_length=200, description="substring of the model id (any case)")
    region: Literal[REGION_CHOICES] = Field(None, description="origin region")
    list: Literal["primary", "extra"] = Field(None, description="ATOM list")
    org: str = Field(None, min_length=1, max_length=200, description="Hub namespace or organization key")
    limit: int = Field(100, ge=1, le=2000)
    offset: int = Field(0, ge=0, le=1_000_000)


class OrgsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: Literal[REGION_CHOICES] = Field(None, description="region of the organization")


# Response schemas (documentation and the schemathesis conformance checks).
class Column(BaseModel):
    name: str
    type: str | None = None
    description: str | None = None


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
    notes: list[str]
    provenance: Provenance
    chart: dict[str, Any]


class MetricInfo(BaseModel):
    name: str
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


class ModelList(BaseModel):
    total: int
    limit: int
    offset: int
    models: list[dict[str, Any]]


class OrgList(BaseModel):
    total: int
    organizations: list[dict[str, Any]]


class ModelDetail(BaseModel):
    model_id: str
    tracked: bool
    origin: dict[str, Any]
    catalog: dict[str, Any] | None
    parameters: dict[str, Any] | None
    hub: dict[str, Any] | None
    latest_snapshot: dict[str, Any] | None
    license: dict[str, Any] | None
    openness: dict[str, Any] | None
    lineage: dict[str, Any]
    downloads: list[dict[str, Any]]
    availability: list[dict[str, Any]]


class Status(BaseModel):
    warehouse: str
    warehouse_version: int
    last_run_id: int | None
    loaded_at: str | None
    tables: dict[str, int]


class Error(BaseModel):
    detail: Any


ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": Error, "description": "invalid or unknown query parameter"},
    503: {"model": Error, "description": "warehouse missing, or written by another process (see Retry-After)"},
}
CSV = {"text/csv": {"schema": {"type": "string"}}}


def respond(request: Request, payload: Payload, stale: bool) -> Response:
    headers = {"ETag": payload.etag, "Cache-Control": "no-cache", **dict(payload.headers)}
    if stale:
        headers["X-Atomscope-Stale"] = "true"
    if request.headers.get("if-none-match") == payload.etag:
        return Response(status_code=304, headers=headers)
    return Response(payload.body, media_type=payload.media_type, headers=headers)


async def serve_cached(request: Request, store: Store, key: Any,
                       compute: Callable[[], tuple[Payload, bool]]) -> Response:
    """A cache hit is answered on the event loop (no worker thread); a miss computes in the thread pool."""
    hit = store.peek(key)
    if hit is not None:
        return respond(request, hit, False)
    return respond(request, *await run_in_threadpool(compute))


def json_payload(data: Any) -> Payload:
    body = to_json(data)
    return Payload(body, "application/json", etag_of(body))


def build_router(store: Store, metric_endpoints: dict[str, MetricEndpoint]) -> APIRouter:
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

    @router.get("/models", response_model=ModelList, responses=ERRORS, summary="Tracked models (catalog)")
    async def models(request: Request, q: Annotated[ModelsQuery, Query()]) -> Response:
        """Tracked models with origin, size and release facts; `search` matches a substring of the id."""
        key = ("models", tuple(q.model_dump().items()))

        def produce() -> Payload:
            with store.connect() as con:
                return json_payload(list_models(con, search=q.search, region=q.region, list_name=q.list,
                                                org=q.org, limit=q.limit, offset=q.offset))

        return await serve_cached(request, store, key, lambda: store.cached(key, produce))

    @router.get("/models/{model_id:path}", response_model=ModelDetail,
                responses={404: {"model": Error, "description": "unknown model"}, **ERRORS},
                summary="One model: origin, size, license, lineage, downloads and availability history")
    async def model(request: Request, model_id: str, _: Annotated[NoParams, Query()]) -> Response:
        payload = store.peek(("model", model_id))
        stale = False
        if payload is None:
            payload, stale = await run_in_threadpool(model_payload, store, model_id)
        if payload is None or payload is NOT_FOUND:
            raise HTTPException(404, f"unknown model {model_id!r}")
        return respond(request, payload, stale)

    @router.get("/orgs", response_model=OrgList, responses=ERRORS, summary="Organizations of the registry")
    async def orgs(request: Request, q: Annotated[OrgsQuery, Query()]) -> Response:
        def produce() -> Payload:
            with store.connect() as con:
                return json_payload(list_orgs(con, q.region))

        key = ("orgs", q.region)
        return await serve_cached(request, store, key, lambda: store.cached(key, produce))

    @router.get("/status", response_model=Status, responses=ERRORS, summary="Warehouse status")
    async def status(request: Request, _: Annotated[NoParams, Query()]) -> Response:
        """Schema version, latest load run and row counts of the main tables."""
        return await serve_cached(request, store, ("status",), lambda: status_payload(store))

    return router


def status_payload(store: Store) -> tuple[Payload, bool]:
    def produce() -> Payload:
        with store.connect() as con:
            return json_payload(warehouse_status(store, con))

    return store.cached(("status",), produce)


NOT_FOUND = Payload(b"null", "application/json", '"none"')


def model_payload(store: Store, model_id: str) -> tuple[Payload | None, bool]:
    """The model's detail document, cached (an unknown model is cached too, as NOT_FOUND)."""

    def produce() -> Payload:
        with store.connect() as con:
            detail = model_detail(con, model_id)
        return NOT_FOUND if detail is None else json_payload(detail)

    payload, stale = store.cached(("model", model_id), produce)
    return (None if payload is NOT_FOUND else payload), stale


def cached_model_detail(store: Store, model_id: str) -> dict[str, Any] | None:
    payload, _stale = model_payload(store, model_id)
    return None if payload is None else json.loads(payload.body)


STATUS_TABLES = ("models", "organizations", "arena_scores", "epoch_models", "osai_systems", "mof_components",
                 "hf_snapshots", "hub_models", "derivative_edges", "availability_events")


def warehouse_status(store: Store, con) -> dict[str, Any]:
    from atomscope.warehouse import db

    run = con.execute("SELECT max(run_id), max(finished_at) FILTER (WHERE status = 'ok') FROM load_runs").fetchone()
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in STATUS_TABLES}
    return {
        "warehouse": store.path.name,
        "warehouse_version": db.schema_version(con),
        "last_run_id": run[0],
        "loaded_at": run[1].isoformat() if run[1] else None,
        "tables": counts,
    }


def metric_key(ep: MetricEndpoint, q: BaseModel) -> tuple:
    """Cache key of a metric request: defaults filled in, so `?by=region` and no `by` share an entry."""
    values = q.model_dump()
    if values.get("by") is None and ep.metric.default_by:
        values["by"] = ep.metric.default_by
    for name, param in ep.params.items():
        if values.get(name) is None:
            values[name] = param.default
    return ("metric", ep.metric.name, tuple(sorted((k, str(v)) for k, v in values.items())))


def metric_payload(store: Store, ep: MetricEndpoint, q: BaseModel) -> tuple[Payload, bool]:
    name = ep.metric.name

    def produce() -> Payload:
        with store.connect() as con:
            doc = run_metric(con, ep, q)
        if q.format == "csv":
            body = to_csv([c["name"] for c in doc["columns"]], doc["rows"])
            disposition = (("Content-Disposition", f'inline; filename="{name}.csv"'),)
            return Payload(body, "text/csv; charset=utf-8", etag_of(body), disposition)
        return json_payload(doc)

    return store.cached(metric_key(ep, q), produce)


def warm(store: Store, metric_endpoints: dict[str, MetricEndpoint]) -> None:
    """Compute every metric's default view into the cache (what the dashboard asks first)."""
    for ep in metric_endpoints.values():
        try:
            metric_payload(store, ep, ep.query_model())
        except Exception as exc:  # a failing metric must not stop the others nor the server
            log.warning("warming %s failed: %s", ep.metric.name, exc)


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
