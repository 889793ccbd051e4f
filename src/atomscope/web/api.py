"""JSON API routes other than metrics (web/metricapi.py): models, organizations, warehouse status."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from atomscope.web.cache import Payload, Store
from atomscope.web.metricapi import REGION_CHOICES
from atomscope.web.modelinfo import list_models, list_orgs, model_detail
from atomscope.web.responses import ERRORS, Error, NoParams, json_payload, respond, serve_cached

log = logging.getLogger(__name__)


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


def build_router(store: Store) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["api"])

    @router.get("/models", response_model=ModelList, responses=ERRORS, summary="Tracked models (catalog)")
    async def models(request: Request, q: Annotated[ModelsQuery, Query()]) -> Response:
        """Tracked models with origin, size and release facts; `search` matches a substring of the id."""
        key = ("models", tuple(q.model_dump().items()))

        def produce() -> Payload:
            with store.connect() as con:
                return json_payload(
                    list_models(
                        con,
                        search=q.search,
                        region=q.region,
                        list_name=q.list,
                        org=q.org,
                        limit=q.limit,
                        offset=q.offset,
                    )
                )

        return await serve_cached(request, store, key, lambda: store.cached(key, produce))

    @router.get(
        "/models/{model_id:path}",
        response_model=ModelDetail,
        responses={404: {"model": Error, "description": "unknown model"}, **ERRORS},
        summary="One model: origin, size, license, lineage, downloads and availability history",
    )
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


STATUS_TABLES = (
    "models",
    "organizations",
    "arena_scores",
    "epoch_models",
    "osai_systems",
    "mof_components",
    "hf_snapshots",
    "hub_models",
    "derivative_edges",
    "availability_events",
)


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
