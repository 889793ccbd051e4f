"""A local stand-in for ModelScope's model API, served on loopback only, written from `modelscope-hub`'s contract.

Usage::

    with ModelScopeStandIn([ms_model("Qwen/Qwen3-8B", downloads=1200)]) as stand_in:
        HubApi(endpoint=stand_in.url).get_repo("Qwen/Qwen3-8B", "model")

What the client (`modelscope_hub.HubApi`, OpenAPI surface first, legacy fallback) asks, and what is served:

* ``GET /openapi/v1/models?owner=&page_number=&page_size=`` -> ``{"success": true, "data": {"models": [...],
  "total_count", "page_number", "page_size"}}``, items in snake_case with ``id`` = ``owner/name``. A page
  whose ``page_number * page_size`` exceeds 3000, or whose ``page_size`` exceeds ``max_page_size``, is
  refused with 400 (the client's documented window).
* ``GET /openapi/v1/models/{owner}/{name}`` -> ``{"success": true, "data": {...}}`` in snake_case
  (``downloads``, ``created_at``, ``license``, ``tags``, ...); 404 for a model the stand-in holds only
  on the legacy surface (``legacy_only``), which the client then asks for at
* ``GET /api/v1/models/{owner}/{name}`` -> ``{"Code": 200, "Data": {"Path", "Name", "Downloads",
  "CreatedAt", "License", "Tags", ...}}`` in PascalCase, as the legacy API answers.

``rate_limited`` answers that many requests with 429 and ``Retry-After: 0`` first. Every answer carries
``X-Atomscope-Synthetic: 1`` and ``/.well-known/atomscope-synthetic`` answers the probe: the download
counts it serves are SYNTHETIC, invented for tests, under real public repository names.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from atomscope.collect.synthetic_label import PROBE_PATH, SYNTHETIC_HEADER
from atomscope.testing._serving import serving_thread

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
LISTING_WINDOW = 3000  # page_number * page_size, as modelscope-hub enforces


@dataclass
class MsModel:
    """One repository as the stand-in holds it (SYNTHETIC figures)."""

    repo_id: str
    downloads: int = 0
    likes: int = 0
    created_at: str = "2025-04-29T00:00:00Z"
    license: str | None = "apache-2.0"
    tags: list[str] = field(default_factory=list)
    legacy_only: bool = False  # the OpenAPI detail answers 404; only the legacy surface has it

    @property
    def owner(self) -> str:
        return self.repo_id.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.repo_id.split("/", 1)[1]

    def snake(self) -> dict[str, Any]:
        return {
            "id": self.repo_id,
            "downloads": self.downloads,
            "likes": self.likes,
            "created_at": self.created_at,
            "last_modified": self.created_at,
            "license": self.license,
            "tags": list(self.tags),
            "private": False,
            "description": "",
        }

    def pascal(self) -> dict[str, Any]:
        return {
            "Path": self.owner,
            "Name": self.name,
            "Downloads": self.downloads,
            "Likes": self.likes,
            "CreatedAt": self.created_at,
            "LastModified": self.created_at,
            "License": self.license,
            "Tags": list(self.tags),
            "Visibility": 5,
            "Description": "",
        }


def ms_model(repo_id: str, downloads: int = 0, **extra: Any) -> MsModel:
    return MsModel(repo_id=repo_id, downloads=downloads, **extra)


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms ACK stalls
    server: _StandInServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        stand_in = self.server.stand_in
        parts = urlsplit(self.path)
        path = unquote(parts.path).rstrip("/")
        if path == PROBE_PATH:
            return self._send(200, {"synthetic": True})
        with stand_in.lock:
            stand_in.requests.append(self.path)
            if stand_in.rate_limited > 0:
                stand_in.rate_limited -= 1
                return self._send(429, {"success": False, "message": "rate limited"}, {"Retry-After": "0"})
        if path == "/openapi/v1/models":
            return self._listing(parse_qs(parts.query))
        for prefix, legacy in (("/openapi/v1/models/", False), ("/api/v1/models/", True)):
            if path.startswith(prefix):
                return self._detail(path[len(prefix) :], legacy)
        self._send(404, {"success": False, "message": "not found"})

    def _listing(self, query: dict[str, list[str]]) -> None:
        stand_in = self.server.stand_in
        try:
            page = int(query.get("page_number", ["1"])[0])
            size = int(query.get("page_size", ["10"])[0])
        except ValueError:
            return self._send(400, {"success": False, "message": "page_number and page_size are integers"})
        if page < 1 or size < 1 or size > stand_in.max_page_size or page * size > LISTING_WINDOW:
            return self._send(400, {"success": False, "message": f"bad page {page} of size {size}"})
        owner = query.get("owner", [None])[0]
        models = [m for m in stand_in.models.values() if owner is None or m.owner.casefold() == owner.casefold()]
        chunk = models[(page - 1) * size : page * size]
        data = {
            "models": [m.snake() for m in chunk],
            "total_count": len(models),
            "page_number": page,
            "page_size": size,
        }
        self._send(200, {"success": True, "data": data})

    def _detail(self, repo_id: str, legacy: bool) -> None:
        model = self.server.stand_in.find(repo_id)
        if model is None or (model.legacy_only and not legacy):
            return self._send(404, {"success": False, "Code": 404, "message": f"model {repo_id} not found"})
        if legacy:
            return self._send(200, {"Code": 200, "Success": True, "Data": model.pascal()})
        self._send(200, {"success": True, "data": model.snake()})

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header(SYNTHETIC_HEADER, "1")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        return


class _StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], stand_in: ModelScopeStandIn):
        super().__init__(address, _Handler)
        self.stand_in = stand_in


class ModelScopeStandIn:
    """Serve `models` on 127.0.0.1 (ephemeral port); `url` is the endpoint to give the client."""

    def __init__(self, models: list[MsModel] | None = None, *, max_page_size: int = 100, host: str = "127.0.0.1"):
        if host not in _LOOPBACK:
            raise ValueError(f"the ModelScope stand-in serves loopback only, not {host!r}")
        self.models: dict[str, MsModel] = {}
        for m in models or []:
            self.add(m)
        self.max_page_size = max_page_size
        self.rate_limited = 0
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self._server = _StandInServer((host, 0), self)
        self._thread = serving_thread(self._server)

    def add(self, model: MsModel) -> None:
        self.models[model.repo_id.casefold()] = model

    def find(self, repo_id: str) -> MsModel | None:
        return self.models.get(repo_id.casefold())

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ModelScopeStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
