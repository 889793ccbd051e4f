"""A local stand-in for OpenRouter's public models listing, served on loopback only.

Usage::

    with OpenRouterStandIn(sample_listing()) as stand_in:
        collect_openrouter(con, stand_in.url)

Serves ``GET /api/v1/models`` as ``{"data": [...]}`` with the entries given (shaped as the public API:
``id``, ``canonical_slug``, ``hugging_face_id``, ``name``, ``created``, ``context_length``, ``pricing``,
``architecture``, ``top_provider``, ... passed through untouched, so tests can omit fields or add unknown
ones). ``status`` forces an HTTP error answer; ``body`` replaces the answer with raw bytes. Anything else
answers 404. The sample entries use real public slugs and Hub ids so slug resolution is exercised on
realistic names; they carry no usage figures (token counts in tests are SYNTHETIC).
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from atomscope.testing._serving import serving_thread

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def listing_entry(model_id: str, hugging_face_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """An entry in the public listing's shape (every field the API documents; override any with `extra`)."""
    base = model_id.split(":", 1)[0]
    entry: dict[str, Any] = {
        "id": model_id,
        "canonical_slug": base,
        "hugging_face_id": hugging_face_id,
        "name": base.split("/", 1)[1],
        "created": 1745000000,
        "description": "",
        "context_length": 131072,
        "architecture": {
            "modality": "text->text",
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {"prompt": "0", "completion": "0", "request": "0", "image": "0"},
        "top_provider": {"context_length": 131072, "max_completion_tokens": None, "is_moderated": False},
        "per_request_limits": None,
        "supported_parameters": ["max_tokens", "temperature"],
    }
    entry.update(extra)
    return entry


def sample_listing() -> list[dict[str, Any]]:
    """Open (Hub id listed, or empty), closed and unknown-author entries, with a `:free` variant."""
    return [
        listing_entry("qwen/qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B"),
        listing_entry("qwen/qwen3-235b-a22b:free", "Qwen/Qwen3-235B-A22B"),
        listing_entry("deepseek/deepseek-chat-v3-0324", "deepseek-ai/DeepSeek-V3-0324"),
        listing_entry("z-ai/glm-4.5", "zai-org/GLM-4.5"),
        listing_entry("moonshotai/kimi-k2", "moonshotai/Kimi-K2-Instruct"),
        listing_entry("meta-llama/llama-3.3-70b-instruct", "meta-llama/Llama-3.3-70B-Instruct"),
        listing_entry("mistralai/mistral-nemo", "mistralai/Mistral-Nemo-Instruct-2407"),
        listing_entry("openai/gpt-oss-120b", "openai/gpt-oss-120b"),
        listing_entry("openai/gpt-4o", ""),
        listing_entry("google/gemini-2.5-flash", None),
        listing_entry("anthropic/claude-sonnet-4", ""),
        listing_entry("thedrummer/rocinante-12b", "TheDrummer/Rocinante-12B-v1.1"),
    ]


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms ACK stalls
    server: _StandInServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        stand_in = self.server.stand_in
        stand_in.requests.append(self.path)
        if urlsplit(self.path).path.rstrip("/") != "/api/v1/models":
            self._send(404, json.dumps({"error": {"code": 404, "message": "Not Found"}}).encode())
        elif stand_in.status is not None:
            self._send(stand_in.status, json.dumps({"error": {"code": stand_in.status, "message": "error"}}).encode())
        elif stand_in.body is not None:
            self._send(200, stand_in.body)
        else:
            self._send(200, json.dumps({"data": stand_in.models}).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        return


class _StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], stand_in: OpenRouterStandIn):
        super().__init__(address, _Handler)
        self.stand_in = stand_in


class OpenRouterStandIn:
    """Serve `models` as the listing on 127.0.0.1 (ephemeral port); `url` is the endpoint to collect from."""

    def __init__(self, models: list[dict[str, Any]] | None = None, *, host: str = "127.0.0.1", port: int = 0):
        if host not in _LOOPBACK:
            raise ValueError(f"the OpenRouter stand-in serves loopback only, not {host!r}")
        self.models = list(models or [])
        self.status: int | None = None
        self.body: bytes | None = None
        self.requests: list[str] = []
        self._server = _StandInServer((host, port), self)
        self._thread = serving_thread(self._server)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OpenRouterStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
