"""What every JSON route shares: the error schema, `respond` (ETag, 304, stale header) and
`serve_cached` (a cache hit answered on the event loop, a miss computed in the thread pool)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from atomscope.domain.encode import to_json
from atomscope.web.cache import Payload, Store, etag_of


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Response schemas (documentation and the schemathesis conformance checks).
class Column(BaseModel):
    name: str
    type: str | None = None
    description: str | None = None


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


async def serve_cached(
    request: Request, store: Store, key: Any, compute: Callable[[], tuple[Payload, bool]]
) -> Response:
    """A cache hit is answered on the event loop (no worker thread); a miss computes in the thread pool."""
    hit = store.peek(key)
    if hit is not None:
        return respond(request, hit, False)
    return respond(request, *await run_in_threadpool(compute))


def json_payload(data: Any) -> Payload:
    body = to_json(data)
    return Payload(body, "application/json", etag_of(body))
