"""The FastAPI application: JSON API, dashboard pages, static files and offline API docs.

`create_app(db_path)` builds the app over one warehouse file. Nothing leaves the machine: the dashboard's
Vega, Vega-Lite and vega-embed and the Swagger UI of `/docs` are served from `web/static/` (see
THIRD_PARTY.txt there); Redoc, which FastAPI loads from a CDN, is disabled. Every response carries a
Content-Security-Policy that only allows this origin. The warehouse is opened read-only per request
(web/cache.py), so a collector can write beside a running server; uncached computations are bounded.

Host check (DNS rebinding): only requests whose Host header names this machine's loopback (`localhost`,
`127.0.0.1`, `::1`) or a host given with `allowed_hosts` (`atomscope serve --allow-host`) are answered;
others get 400. A damaged or unreadable warehouse is a 503 with the reason, never a 500; the next request
after the file is fixed is answered normally.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import duckdb
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from atomscope import __version__
from atomscope.domain.errors import MetricRequestError, WarehouseError
from atomscope.warehouse.db import describe_failure
from atomscope.warehouse.provenance import refuse_unpublishable
from atomscope.web.api import build_router
from atomscope.web.cache import Store, WarehouseBusy
from atomscope.web.metricapi import build_metric_router, endpoints, warm
from atomscope.web.pages import build_pages

STATIC_DIR = Path(__file__).parent / "static"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
TEST_CLIENT_HOST = "testserver"  # the Host of Starlette's TestClient; not a name a browser can be lured to

# No inline script and no eval: vega-embed runs with ast=true (expressions interpreted, not compiled).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's Swagger UI page starts the bundle with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Pure ASGI middleware (cheap): CSP, nosniff, no referrer, no framing."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = DOCS_CSP if scope.get("path") == "/docs" else PAGE_CSP

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    db_path: str | Path,
    *,
    cache_size: int = 512,
    warm_cache: bool = False,
    allowed_hosts: Sequence[str] | None = None,
    max_computations: int = 4,
    queue_limit: int = 16,
) -> FastAPI:
    """The app over the warehouse at `db_path`. `warm_cache`: compute every metric's default view during
    start-up (the lifespan), which uvicorn finishes before it binds its port: the server is reachable only
    once the dashboard's first requests are cache hits.

    Raises NotPublishableError when the warehouse holds synthetic or emulator-collected data: that never
    reaches the API or the dashboard, however the app is started. (A warehouse that does not exist yet
    is checked by nothing here; every request answers 503 until `atomscope init` creates it.)"""
    store = Store(db_path, cache_size=cache_size, max_computations=max_computations, queue_limit=queue_limit)
    if store.path.exists():
        with store.connect() as con:
            refuse_unpublishable(con)
    metric_endpoints = endpoints()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if warm_cache and store.path.exists():
            await run_in_threadpool(warm, store, metric_endpoints)
        yield

    app = FastAPI(
        title="atomscope",
        version=__version__,
        description="JSON API over the atomscope warehouse: every ATOM Project metric, the model catalog and "
        "per-model lineage, downloads and availability. Read-only.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.metric_endpoints = metric_endpoints

    @app.exception_handler(MetricRequestError)  # UnknownMetricError included
    async def _bad_request(request: Request, exc: MetricRequestError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(WarehouseBusy)
    async def _busy(request: Request, exc: WarehouseBusy) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(duckdb.Error)
    @app.exception_handler(OSError)
    async def _unreadable(request: Request, exc: Exception) -> JSONResponse:
        detail = f"{store.path.name}: cannot read the warehouse: {describe_failure(exc)}"
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(WarehouseError)
    async def _warehouse(request: Request, exc: WarehouseError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title="atomscope API",
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
            swagger_favicon_url="/static/swagger-favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True},
        )

    app.include_router(build_metric_router(store, metric_endpoints))
    app.include_router(build_router(store))
    app.include_router(build_pages(store, metric_endpoints))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    hosts = list(LOOPBACK_HOSTS) + [TEST_CLIENT_HOST] if allowed_hosts is None else list(allowed_hosts)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    return app
