"""A local HTTP emulator of the Hugging Face Hub model API, serving a SYNTHETIC hub on 127.0.0.1.

Usage::

    hub = SyntheticHub.from_catalog(seed=0, orgs=["Qwen"], max_models_per_org=5)
    with HubEmulator(hub, page_size=50) as emu:
        api = HfApi(endpoint=emu.url, token=DEFAULT_TOKEN)
        models = list(api.list_models(author="Qwen", expand=["downloads", "downloadsAllTime"]))

All data served is SYNTHETIC (see :mod:`atomscope.testing.synthetic_hub`): never let it reach a report.

Served (the subset of the Hub API a collector uses, shapes as parsed by huggingface_hub 2.4.0):

- ``GET /api/models``: ``author``, ``search``, ``filter``/``filter[]`` (repeated, all must be tags),
  ``pipeline_tag``, ``gated``, ``sort`` (``createdAt``/``created_at``, ``downloads``, ``likes``,
  ``lastModified``/``last_modified``, ``trendingScore``, ``downloadsAllTime``), ``direction`` (``-1``
  default, ``1`` ascending), ``limit`` (page size, capped at ``max_page_size``), ``expand``/``expand[]``
  (then only ``_id``, ``id``, ``modelId`` and the expanded fields), ``full``, ``cardData``, ``config`` and
  keyset ``cursor`` pagination through ``Link: <absolute url>; rel="next"``. Unknown ``expand``/``sort``
  values answer 400. Without ``sort`` the order is trendingScore descending.
- ``GET /api/models/{repo_id}`` and ``/api/models/{repo_id}/revision/{rev}`` (``rev``: ``main`` or the sha).

Availability, as on the Hub: an unknown, removed or (anonymously) private repo answers 401 without a token
and 404 with one, both ``X-Error-Code: RepoNotFound``; a repo gated with ``inaccessible=True`` answers
401/403 ``X-Error-Code: GatedRepo``; a renamed repo answers ``307`` with a relative ``Location`` to the new
id (the client follows it; with ``redirect_keeps_query=False`` the ``Location`` drops the query string); a
repo in ``disabled`` answers 403 "Access to this resource is disabled." and is not listed. A token not in
``tokens`` answers 401 "Invalid credentials in Authorization header". Rate limiting, faults and the request
log are in :mod:`atomscope.testing.hub_faults`.

How huggingface_hub 2.4.0 behaves against it (read from its source, exercised in tests/test_hub_emulator.py):

- ``list_models(limit=N)`` sends ``limit=N`` (the page size) AND stops after N items (``islice``), so it
  never fetches a second page; without ``limit`` the page size is the server's (``page_size`` here).
- Listing pages go through ``http_backoff``: 408/429/500/502/503/504 and network/protocol errors (e.g. a
  connection cut mid-body) are retried up to 5 times, sleeping 1, 2, 4, 8, 8 s; on a 429 whose ``RateLimit``
  says ``r=0`` it sleeps ``t + 1`` s (else ``Retry-After``). A body cut but well framed is NOT retried:
  ``r.json()`` raises ``json.JSONDecodeError``.
- ``model_info`` makes one plain request: no retry on 429/5xx (``HfHubHTTPError``), redirects are followed
  by the shared client (``follow_redirects=True``), so a renamed repo returns the new id.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from atomscope.testing import hub_payloads as P
from atomscope.testing._hub_http import HubHTTPServer, HubRequestHandler
from atomscope.testing._serving import serving_thread
from atomscope.testing.hub_datasets import DatasetHost
from atomscope.testing.hub_faults import (
    Faults,
    RateLimiter,
    RequestLog,
    RequestRecord,
    TruncateMode,
)
from atomscope.testing.synthetic_hub import SyntheticHub, SyntheticModel

#: The token the emulator accepts by default (authorises private models).
DEFAULT_TOKEN = "hf_emulator_token"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class EmulatedResponse:
    """What the emulator answers to one request (before faults that act on the wire)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    truncate: TruncateMode | None = None


def _json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> EmulatedResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return EmulatedResponse(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def _error(status: int, message: str, code: str | None = None) -> EmulatedResponse:
    headers = {"X-Error-Message": message}
    if code is not None:
        headers["X-Error-Code"] = code
    return _json(status, {"error": message}, headers)


def _encode_cursor(key: tuple[Any, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, str]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    value, object_id = json.loads(raw)
    return value, str(object_id)


class HubEmulator:
    """Serve a :class:`SyntheticHub` over real HTTP on 127.0.0.1 (ephemeral port by default).

    Args:
        hub: the SYNTHETIC hub to serve (may be mutated while serving).
        host, port: bind address; ``port=0`` picks a free port. ``url`` gives ``http://127.0.0.1:<port>``.
        page_size: page size of ``/api/models`` when no ``limit`` is sent (the Hub's default is assumed 1000).
        max_page_size: cap applied to ``limit``.
        rate_limit: ``(requests, window_seconds)`` fixed window over ``/api`` paths, or ``None``.
        tokens: bearer tokens accepted (and authorised for private repos).
        faults: an initial :class:`Faults` plan (``emu.faults`` is changeable while running).
        clock: monotonic clock of the rate-limit window (e.g. a :class:`ManualClock`).
        redirect_status: status of rename redirects (307 by default; 301 is also realistic).
        redirect_keeps_query: False: a rename redirect's ``Location`` drops the query string (``expand``),
            as some real redirects do, so the client gets the new id's default fields only.
        disabled: ids whose access the Hub has disabled: left out of listings, and their info answers 403
            ``X-Error-Message: Access to this resource is disabled.`` (``emu.disabled`` can change while serving).
        labels_synthetic: every answer carries ``X-Atomscope-Synthetic: 1`` and the label probe answers, so
            collectors record the data as synthetic and the report refuses it (collect/synthetic_label.py).
            False stands in for a local endpoint that does not say so (a mirror, someone else's stand-in).
    """

    def __init__(
        self,
        hub: SyntheticHub,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 1000,
        max_page_size: int = 1000,
        rate_limit: tuple[int, float] | None = None,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        faults: Faults | None = None,
        clock: Callable[[], float] = time.monotonic,
        redirect_status: int = 307,
        datasets: DatasetHost | None = None,
        redirect_keeps_query: bool = True,
        disabled: Iterable[str] = (),
        labels_synthetic: bool = True,
    ) -> None:
        if host not in _LOOPBACK:
            raise ValueError("the emulator only binds loopback addresses")
        self.hub = hub
        self.host, self.port = host, port
        self.page_size, self.max_page_size = page_size, max_page_size
        self.tokens = frozenset(tokens)
        self.faults = faults if faults is not None else Faults()
        self.redirect_status = redirect_status
        self.redirect_keeps_query = redirect_keeps_query
        self.disabled: set[str] = set(disabled)
        self.labels_synthetic = labels_synthetic
        self.datasets = datasets  # dataset repositories (testing.hub_datasets), None: models only
        self._clock = clock
        self._limiter: RateLimiter | None = None
        self.set_rate_limit(rate_limit)
        self._log = RequestLog()
        self._server: HubHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """Base URL to pass as ``HfApi(endpoint=...)`` (only valid once started)."""
        if self._server is None:
            raise RuntimeError("HubEmulator is not running; use it as a context manager or call start()")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> HubEmulator:
        """Bind and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._server = HubHTTPServer((self.host, self.port), HubRequestHandler, self)
        self._thread = serving_thread(self._server, "hub-emulator")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> HubEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ control
    def set_rate_limit(self, rate_limit: tuple[int, float] | None) -> None:
        """Install (or remove with ``None``) a fixed-window ``(requests, window_seconds)`` limit."""
        self._limiter = None if rate_limit is None else RateLimiter(*rate_limit, clock=self._clock)

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request served so far."""
        return self._log.snapshot()

    def request_count(self, path_prefix: str | None = None, status: int | None = None,
                      method: str | None = None) -> int:  # fmt: skip
        """How many requests were served under ``path_prefix`` (optionally with ``status``/``method``)."""
        return self._log.count(path_prefix, status, method)

    def clear_log(self) -> None:
        """Forget logged requests."""
        self._log.clear()

    def record(self, record: RequestRecord) -> None:
        """Append to the request log (called by the handler)."""
        self._log.append(record)

    # ------------------------------------------------------------------ dispatch
    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> EmulatedResponse:
        """Answer one request (no socket involved): rate limit, auth, injected errors, then routing."""
        split = urlsplit(target)
        path = split.path
        query = parse_qsl(split.query, keep_blank_values=True)
        extra: dict[str, str] = {"X-Request-Id": str(uuid.uuid4())}
        limiter = self._limiter
        if limiter is not None and path.startswith("/api/"):
            decision = limiter.check()
            extra.update(decision.headers)
            if not decision.allowed:
                resp = _error(429, "You have exceeded the rate limit of the synthetic hub emulator.")
                resp.headers.update(extra)
                return resp
        resp = self._route(method, path, split.query, query, headers, body)
        resp.headers.update(extra)
        return resp

    def _route(self, method: str, path: str, raw_query: str, query: list[tuple[str, str]],
               headers: Mapping[str, str], body: bytes = b"") -> EmulatedResponse:  # fmt: skip
        auth = headers.get("Authorization") or headers.get("authorization")
        token = auth.split(" ", 1)[1].strip() if auth and " " in auth else None
        if auth and token not in self.tokens:
            return _error(401, "Invalid credentials in Authorization header")
        if (status := self.faults.take_error(path)) is not None:
            return _json(status, {"error": "Internal Error - synthetic fault injected by the hub emulator"})
        if self.datasets is not None:
            answer = self.datasets.route(method, path, query, body, self.url, token is not None, headers)
            if answer is not None:
                return EmulatedResponse(answer.status, answer.body, answer.headers)
        if method not in ("GET", "HEAD"):
            return _error(405, f"{method} is not supported by the hub emulator")
        authorized = token is not None
        if path.rstrip("/") == "/api/models":
            resp = self._list(query, authorized)
        elif path.startswith("/api/models/"):
            resp = self._info(path, raw_query, query, authorized)
        else:
            return _error(404, "Sorry, we can't find the page you are looking for.")
        if resp.status == 200:
            resp.truncate = self.faults.take_truncation(path)
        return resp

    def _render(self, model: SyntheticModel, fields: list[str]) -> dict[str, Any]:
        obj = P.render(self.hub, model, fields, self.hub.today)
        for drift in self.faults.active_drifts():
            drift.apply(obj)
        return obj

    def _list(self, query: list[tuple[str, str]], authorized: bool) -> EmulatedResponse:
        def values(*names: str) -> list[str]:
            return [v for k, v in query if k in names]

        def one(name: str) -> str | None:
            found = values(name)
            return found[-1] if found else None

        expand = values("expand", "expand[]")
        if bad := [e for e in expand if e not in P.EXPANDABLE]:
            return _error(400, f'"expand" must be one of {list(P.EXPANDABLE)}; got {bad}')
        sort = one("sort") or "trendingScore"
        if sort not in P.SORTS:
            return _error(400, f'"sort" must be one of {sorted(P.SORTS)}; got {sort!r}')
        try:
            size = min(int(one("limit") or self.page_size), self.max_page_size)
            cursor = _decode_cursor(c) if (c := one("cursor")) else None
        except (ValueError, TypeError):
            return _error(400, "Invalid limit or cursor")
        if size < 1:
            return _error(400, '"limit" must be >= 1')
        ascending = one("direction") == "1"
        author, search = one("author"), one("search")
        filters, pipeline, gated = values("filter", "filter[]"), one("pipeline_tag"), one("gated")
        fields = P.list_fields(expand, full=one("full") in ("true", "True", "1"),
                               card_data=one("cardData") in ("true", "True", "1"),
                               config=one("config") in ("true", "True", "1"))  # fmt: skip
        with self.hub.lock:
            on = self.hub.today
            selected = [
                m
                for m in self.hub.iter_public(authorized=authorized)
                if (author is None or (m.namespace or "").casefold() == author.casefold())
                and (search is None or search.casefold() in m.id.casefold())
                and all(f in m.tags for f in filters)
                and (pipeline is None or m.pipeline_tag == pipeline)
                and (gated is None or bool(m.gated) == (gated.lower() == "true"))
                and m.id not in self.disabled
            ]
            keyed = sorted((((P.sort_value(m, sort, on), m.object_id), m) for m in selected), key=lambda km: km[0])
            if not ascending:
                keyed.reverse()
            if cursor is not None:
                try:
                    keyed = [(k, m) for k, m in keyed if (k > cursor if ascending else k < cursor)]
                except TypeError:
                    return _error(400, "Invalid cursor for this sort")
            page = keyed[:size]
            items = [self._render(m, fields) for _, m in page]
        headers: dict[str, str] = {}
        if len(keyed) > size:
            rest = [(k, v) for k, v in query if k != "cursor"]
            next_url = f"{self.url}/api/models?{urlencode([*rest, ('cursor', _encode_cursor(page[-1][0]))])}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        return _json(200, items, headers)

    def _info(self, path: str, raw_query: str, query: list[tuple[str, str]], authorized: bool) -> EmulatedResponse:
        segments = [unquote(s) for s in path[len("/api/models/") :].split("/") if s]
        revision: str | None = None
        if len(segments) >= 3 and segments[-2] == "revision":
            segments, revision = segments[:-2], segments[-1]
        if not 1 <= len(segments) <= 2:
            return _error(404, "Sorry, we can't find the page you are looking for.")
        repo_id = "/".join(segments)
        expand = [v for k, v in query if k in ("expand", "expand[]")]
        if bad := [e for e in expand if e not in P.EXPANDABLE]:
            return _error(400, f'"expand" must be one of {list(P.EXPANDABLE)}; got {bad}')
        with self.hub.lock:
            kind, found = self.hub.resolve(repo_id)
            if kind == "redirect":
                suffix = "" if revision is None else f"/revision/{quote(revision, safe='')}"
                keep = raw_query and self.redirect_keeps_query
                location = f"/api/models/{found}{suffix}" + (f"?{raw_query}" if keep else "")
                resp = _json(self.redirect_status, {"error": f"Redirecting to {location}"})
                resp.headers["Location"] = location
                return resp
            model = found if isinstance(found, SyntheticModel) else None
            if model is None or (model.private and not authorized):
                return _error(404 if authorized else 401, "Repository not found", "RepoNotFound")
            if model.id in self.disabled:
                return _error(403, "Access to this resource is disabled.")
            if model.id in self.hub.inaccessible:
                verb = "you are not in the authorized list" if authorized else "you must be authenticated"
                message = f"Access to model {model.id} is restricted and {verb}."
                return _error(403 if authorized else 401, message, "GatedRepo")
            if revision is not None and revision not in ("main", model.sha):
                return _error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
            return _json(200, self._render(model, P.info_fields(expand)))


class NonLoopbackRequestError(RuntimeError):
    """Raised when huggingface_hub tries to reach a host other than the loopback emulator."""


@contextmanager
def loopback_only() -> Iterator[None]:
    """Make huggingface_hub's shared HTTP client refuse every non-loopback host while the block runs.

    Wraps ``huggingface_hub``'s default client factory (``set_client_factory``) with a request hook, and
    restores the default factory afterwards.
    """
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils import _http

    def guard(request: Any) -> None:
        if request.url.host not in _LOOPBACK:
            raise NonLoopbackRequestError(f"refusing non-loopback request to {request.url}")

    def factory() -> Any:
        client = _http.default_client_factory()
        hooks = dict(client.event_hooks)
        hooks["request"] = [*hooks.get("request", []), guard]
        client.event_hooks = hooks
        return client

    set_client_factory(factory)
    try:
        yield
    finally:
        set_client_factory(_http.default_client_factory)
