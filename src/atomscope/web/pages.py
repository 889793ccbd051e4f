"""HTML pages: the dashboard (`/`) and a model page (`/models/{model_id}`).

Templates are Jinja2 with autoescape on, so model ids and any text from the Hub are escaped; data for
the charts is embedded as `<script type="application/json">` through `tojson` (which escapes `<`, `>`,
`&` and quotes) and read with `JSON.parse(el.textContent)`. The pages' JavaScript builds DOM with
`textContent` only. No inline script: the Content-Security-Policy forbids it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from atomscope.domain import regions
from atomscope.domain.errors import WarehouseError
from atomscope.domain.hardware import CLASS_LABELS, CLASS_ORDER
from atomscope.web.api import cached_model_detail, status_payload
from atomscope.web.cache import Store, WarehouseBusy
from atomscope.web.metricapi import REGION_CHOICES, SIZE_BUCKETS, MetricEndpoint, describe
from atomscope.web.responses import NoParams

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _num(value: Any) -> str:
    """12345.0 -> '12,345'; non-numbers unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


TEMPLATES.env.filters["num"] = _num
# region order, labels and colours: one definition (domain/regions.py), handed to the pages' JavaScript as
# a JSON data block in base.html (no inline script under the CSP) and to the templates as filters
TEMPLATES.env.globals["region_styles"] = regions.styles()
TEMPLATES.env.filters["region_label"] = regions.label
TEMPLATES.env.filters["region_color"] = regions.color
MAX_PATHS = 12

# OSAI dimensions in the order the index publishes them, with readable labels.
OSAI_DIMENSIONS = (
    ("weights_basemodel", "Base model weights"),
    ("weights_endmodel", "End model weights"),
    ("datasources_basemodel", "Base model training data"),
    ("datasources_endmodel", "End model training data"),
    ("trainingcode", "Training code"),
    ("code", "Code"),
    ("hardware_architecture", "Architecture"),
    ("preprint", "Preprint"),
    ("paper", "Paper"),
    ("modelcard", "Model card"),
    ("datasheet", "Datasheet"),
    ("licenses", "Licenses"),
)


def lineage_paths(model_id: str, edges: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Paths model -> ... -> root as lists of steps {id, relation (to the previous id), tracked}."""
    parents: dict[str, list[dict[str, Any]]] = {}
    for edge in edges:
        parents.setdefault(edge["child_id"], []).append(edge)
    paths: list[list[dict[str, Any]]] = []

    def walk(node: str, path: list[dict[str, Any]], seen: set[str]) -> None:
        if len(paths) >= MAX_PATHS:
            return
        ups = [e for e in parents.get(node, []) if e["parent_id"] not in seen]
        if not ups:
            if len(path) > 1:
                paths.append(path)
            return
        for edge in ups:
            step = {"id": edge["parent_id"], "relation": edge["relation"], "tracked": bool(edge["parent_tracked"])}
            walk(edge["parent_id"], [*path, step], seen | {edge["parent_id"]})

    walk(model_id, [{"id": model_id, "relation": None, "tracked": False}], {model_id})
    return paths


def build_pages(store: Store, metric_endpoints: dict[str, MetricEndpoint]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    described = [describe(ep) for ep in metric_endpoints.values()]

    def unavailable(request: Request, exc: WarehouseError) -> HTMLResponse:
        retry_after = exc.retry_after if isinstance(exc, WarehouseBusy) else 30  # a broken file: check now and then
        return TEMPLATES.TemplateResponse(
            request,
            "unavailable.html",
            {"message": str(exc), "retry_after": retry_after},
            status_code=503,
            headers={"Retry-After": str(retry_after)},
        )

    @router.get("/", response_class=HTMLResponse)
    def dashboard(request: Request, _: Annotated[NoParams, Query()]) -> HTMLResponse:
        try:
            status = json.loads(status_payload(store)[0].body)
        except WarehouseError as exc:
            return unavailable(request, exc)
        return TEMPLATES.TemplateResponse(
            request,
            "dashboard.html",
            {
                "metrics": described,
                "status": status,
                "regions": REGION_CHOICES,
                "size_buckets": SIZE_BUCKETS,
                # [key, label] pairs in CLASS_ORDER (phone ... cluster): a JSON object's keys would come out sorted
                "runnable_classes": [[key, CLASS_LABELS[key]] for key in CLASS_ORDER],
            },
        )

    @router.get("/models/{model_id:path}", response_class=HTMLResponse)
    def model_page(request: Request, model_id: str, _: Annotated[NoParams, Query()]) -> HTMLResponse:
        try:
            detail = cached_model_detail(store, model_id)
        except WarehouseError as exc:
            return unavailable(request, exc)
        if detail is None:
            return TEMPLATES.TemplateResponse(request, "not_found.html", {"model_id": model_id}, status_code=404)
        paths = lineage_paths(model_id, detail["lineage"]["edges"])
        return TEMPLATES.TemplateResponse(
            request,
            "model.html",
            {"m": detail, "paths": paths, "osai_dimensions": OSAI_DIMENSIONS},
        )

    return router
