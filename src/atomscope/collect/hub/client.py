"""The Hub client of the collector: `huggingface_hub` 2.4.0 with one retry layer, a request counter and a cap.

Everything goes through the real client: `HfApi(endpoint=...)` resolves the endpoint and the user's token
(`HF_TOKEN` or the standard token store; never printed), `build_hf_headers` builds the headers,
`get_session()` is huggingface_hub's shared HTTP client, `hf_raise_for_status` maps errors to
`RepositoryNotFoundError` / `GatedRepoError` / `HfHubHTTPError`, `ModelInfo` parses items and
`parse_ratelimit_headers` reads the Hub's `RateLimit` headers.

Probes send `HfApi.model_info`'s request (same URL, `expand` params and headers, on the same session, errors
mapped by `hf_raise_for_status`) and parse the body with the listings' parser (records.model_info): the
Hub sends some `safetensors` objects without `total`, on which huggingface_hub's own parsing fails and the
model would be lost. A repo whose access is disabled (403 "Access to this resource is disabled.",
`DisabledRepoError`) is a status, not an error. After a rename redirect (relative `Location`; some drop the
query string, so the answer lacks the expanded fields) the model is asked for again under its new id.

Why listings do not go through `HfApi.list_models`: that generator hides the next-page URL (so a page could
not be committed together with its cursor, and a killed run could not resume), a single malformed item
raises inside it and ends the whole listing, and its `http_backoff` retries (5 retries, 1-8 s, 429 waits)
are invisible to a request counter or a `--max-requests` cap. So a listing page is one `GET` on the shared
session with exactly the query `list_models` would send, and the retry policy below is the only one: it is
not layered on top of `http_backoff` (what `list_models` uses) nor doubled. `HfApi.model_info` does not
retry at all in 2.4.0, so availability probes get the same policy here.

Policy: 408/500/502/503/504, timeouts, network errors and a 200 whose body is not JSON are retried with
exponential backoff (`base_wait` doubling up to `max_wait`, `max_retries` times). A 429 waits what the
`RateLimit` header (`t=` seconds to reset) or `Retry-After` says, then retries (up to `max_rate_limit_waits`
times). When a response says `r=0` (no request left in the window) the next request first waits for the
reset: the collector paces itself instead of collecting 429s.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx2
from huggingface_hub import HfApi
from huggingface_hub.errors import DisabledRepoError, GatedRepoError, HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.hf_api import ModelInfo
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status, parse_ratelimit_headers

from atomscope import __version__
from atomscope.collect.hub.records import Skip
from atomscope.collect.hub.records import model_info as parse_model_info
from atomscope.domain.errors import AtomscopeError, HubUnreachableError
from atomscope.remote.checks import same_origin
from atomscope.remote.fetch import is_html, read_capped
from atomscope.remote.guard import Limits, deadline, install_hub_session

RETRY_STATUSES = frozenset({408, 500, 502, 503, 504})
# every transport failure, including a redirect to a non-HTTP URL (UnsupportedProtocol) and a redirect loop
_NETWORK_ERRORS = (httpx2.TransportError, httpx2.TooManyRedirects, httpx2.DecodingError)


class HubRequestError(AtomscopeError):
    """The Hub answered a request with an error the collector cannot work around (e.g. a refused token)."""


class RequestCapReached(Exception):
    """`--max-requests` is used up: the caller stops cleanly (everything committed so far stays)."""


class Monitor(Protocol):
    def request(self, url: str) -> None: ...
    def wait(self, seconds: float, reason: str) -> None: ...


class _NullMonitor:
    def request(self, url: str) -> None:
        pass

    def wait(self, seconds: float, reason: str) -> None:
        pass


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    base_wait: float = 1.0
    max_wait: float = 60.0
    max_rate_limit_waits: int = 10
    rate_limit_margin: float = 1.0  # added to the Hub's reset time, as huggingface_hub does
    timeout: float = 60.0
    pace: bool = True  # wait for the window reset when a response says no request is left


@dataclass
class Page:
    """One listing page: the raw JSON items, the next-page URL, and whether the body was unusable."""

    url: str
    items: list[Any]
    next_url: str | None
    malformed: bool = False


@dataclass
class Probe:
    """Outcome of `model_info` on one id: a ModelInfo (possibly of a renamed repo) or an error status."""

    status: str  # 'available', 'gated', 'removed', 'renamed', 'disabled', 'error'
    http_status: int | None
    info: ModelInfo | None = None
    new_model_id: str | None = None


@dataclass
class ClientStats:
    requests: int = 0
    retries: Counter = field(default_factory=Counter)
    rate_limit_waits: int = 0
    rate_limit_wait_s: float = 0.0


def public_endpoint(url: str) -> str:
    """The endpoint without any user:password part, safe to store and print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


class HubClient:
    """Counted, capped, retried access to one Hub endpoint."""

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        token: str | bool | None = None,
        policy: RetryPolicy | None = None,
        max_requests: int | None = None,
        monitor: Monitor | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        install_hub_session()
        self.api = HfApi(endpoint=endpoint, token=token, library_name="atomscope", library_version=__version__)
        self.endpoint = self.api.endpoint.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.limits = Limits.from_env()
        self._pages_read: set[str] = set()  # next-page URLs already read
        self.max_requests = max_requests
        self.monitor = monitor or _NullMonitor()
        self.stats = ClientStats()
        self._sleep, self._clock = sleep, clock
        self._resume_at = 0.0

    # ------------------------------------------------------------------ accounting
    def _headers(self) -> dict[str, str]:
        return build_hf_headers(token=self.api.token, library_name="atomscope", library_version=__version__)

    def _wait(self, seconds: float, reason: str) -> None:
        if seconds <= 0:
            return
        if reason == "rate limit":
            self.stats.rate_limit_waits += 1
            self.stats.rate_limit_wait_s += seconds
        self.monitor.wait(seconds, reason)
        self._sleep(seconds)

    def _count(self, url: str, n: int = 1) -> None:
        """Account for the next request (cap first, then pacing)."""
        if self.max_requests is not None and self.stats.requests + n > self.max_requests:
            raise RequestCapReached(f"--max-requests {self.max_requests} reached")
        if self._resume_at > 0:
            self._wait(self._resume_at - self._clock(), "rate limit")
            self._resume_at = 0.0
        self.stats.requests += n
        self.monitor.request(url)

    def _note_rate_limit(self, headers: Any) -> float | None:
        """Seconds until the window resets when the answer says nothing is left (and pace on it)."""
        info = parse_ratelimit_headers(headers) if headers is not None else None
        if info is None or info.remaining > 0:
            return None
        delay = info.reset_in_seconds + self.policy.rate_limit_margin
        if self.policy.pace:
            self._resume_at = max(self._resume_at, self._clock() + delay)
        return delay

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.max_wait, self.policy.base_wait * 2 ** (attempt - 1))

    def _retry_after(self, response: httpx2.Response, attempt: int) -> float:
        delay = self._note_rate_limit(response.headers)
        self._resume_at = 0.0  # the wait happens right here, not again before the next request
        if delay is None:
            try:
                delay = float(response.headers.get("Retry-After", "")) + self.policy.rate_limit_margin
            except ValueError:
                delay = self._backoff(attempt)
        return delay

    def _get(self, url: str, params: Any = None) -> httpx2.Response:
        """One GET on the shared session within `remote`'s bounds (request deadline, decompressed size cap)."""
        with (
            deadline(self.limits.request_s, url),
            get_session().stream(
                "GET", url, params=params, headers=self._headers(), timeout=self.policy.timeout
            ) as response,
        ):
            read_capped(response, self.limits.max_json_bytes, url)
        return response

    def _portal_check(self, response: httpx2.Response) -> None:
        if response.status_code == 200 and is_html(response):
            raise self._unreachable(f"{urlsplit(str(response.url)).netloc} answered an HTML page (a captive portal "
                                    "or proxy?)")  # fmt: skip

    def _unreachable(self, what: str) -> HubUnreachableError:
        return HubUnreachableError(f"cannot reach the Hub at {public_endpoint(self.endpoint)}: {what}")

    # ------------------------------------------------------------------ listings
    def list_url(self) -> str:
        return f"{self.endpoint}/api/models"

    def list_page(self, url: str, params: list[tuple[str, Any]] | None = None) -> Page:
        """GET one page of `/api/models` (params only on the first page; next URLs carry them)."""
        if not same_origin(url, self.endpoint):  # the token would go with it: never follow it
            raise HubRequestError(f"the Hub at {public_endpoint(self.endpoint)}: a next-page link goes to another "
                                  f"host ({urlsplit(url).netloc}); refused")  # fmt: skip
        if params is None:  # a next-page URL (a first page carries its query as params)
            if url in self._pages_read or len(self._pages_read) >= self.limits.max_pages:
                raise HubRequestError(f"the Hub at {public_endpoint(self.endpoint)}: a next-page link repeats a page "
                                      f"already read or passes {self.limits.max_pages} pages; stopped")  # fmt: skip
            self._pages_read.add(url)
        failures = rate_waits = 0
        last = ""
        while True:
            self._count(url)
            try:
                response = self._get(url, params)
            except _NETWORK_ERRORS as exc:
                if isinstance(exc, httpx2.ConnectError):
                    from huggingface_hub.utils import close_session

                    close_session()
                failures += 1
                last = _describe(exc)
                self.stats.retries[type(exc).__name__] += 1
                if failures > self.policy.max_retries:
                    raise self._unreachable(f"{last} (after {failures} attempts)") from None
                self._wait(self._backoff(failures), f"retry after {last}")
                continue
            self._note_rate_limit(response.headers)
            if response.status_code == 429:
                rate_waits += 1
                self.stats.retries["429"] += 1
                if rate_waits > self.policy.max_rate_limit_waits:
                    raise self._unreachable(f"still rate limited (429) after {rate_waits - 1} waits")
                self._wait(self._retry_after(response, rate_waits), "rate limit")
                continue
            if response.status_code in RETRY_STATUSES:
                failures += 1
                self.stats.retries[str(response.status_code)] += 1
                if failures > self.policy.max_retries:
                    raise self._unreachable(f"HTTP {response.status_code} (after {failures} attempts)")
                self._wait(self._backoff(failures), f"retry after HTTP {response.status_code}")
                continue
            try:
                hf_raise_for_status(response)
            except HfHubHTTPError as exc:
                raise HubRequestError(_http_error_line(self.endpoint, url, exc)) from None
            self._portal_check(response)
            next_url = response.links.get("next", {}).get("url")
            try:
                items = response.json()
            except ValueError:
                items = None
            if isinstance(items, list):
                return Page(url=url, items=items, next_url=next_url)
            failures += 1
            self.stats.retries["malformed_json"] += 1
            if failures > self.policy.max_retries:
                return Page(url=url, items=[], next_url=next_url, malformed=True)
            self._wait(self._backoff(failures), "retry after a malformed JSON body")

    # ------------------------------------------------------------------ probes
    def _model_info(self, model_id: str, expand: list[str]) -> tuple[ModelInfo, bool]:
        """`HfApi.model_info(model_id, expand=...)`'s request, parsed by records.model_info (Skip if unusable),
        and whether the answer has the expanded fields (False when a redirect dropped the query string)."""
        response = self._get(f"{self.endpoint}/api/models/{model_id}", params={"expand": expand})
        hf_raise_for_status(response)
        self._portal_check(response)
        expanded = not expand or "expand" in response.url.params
        return parse_model_info(response.json()), expanded

    def probe(self, model_id: str, expand: list[str]) -> Probe:
        """`HfApi.model_info(model_id, expand=...)`, classified; retried like a listing page."""
        failures = rate_waits = 0
        while True:
            self._count(f"{self.endpoint}/api/models/{model_id}")
            try:
                info, expanded = self._model_info(model_id, expand)
                if info.id != model_id and info.id.casefold() != model_id.casefold():
                    self.stats.requests += 1  # the redirect the client followed was a request too
                    if not expanded:  # the redirect dropped `expand`: ask under the new id
                        self._count(f"{self.endpoint}/api/models/{info.id}")
                        info, _ = self._model_info(info.id, expand)
                    return Probe("renamed", 200, info, new_model_id=info.id)
            except GatedRepoError as exc:
                return Probe("gated", _status(exc))
            except RepositoryNotFoundError as exc:
                return Probe("removed", _status(exc))
            except DisabledRepoError as exc:
                return Probe("disabled", _status(exc))
            except HfHubHTTPError as exc:
                status = _status(exc)
                if status == 403 and "disabled" in str(getattr(exc, "server_message", "") or "").lower():
                    return Probe("disabled", status)  # the message in the body only
                if status == 429:
                    rate_waits += 1
                    self.stats.retries["429"] += 1
                    if rate_waits > self.policy.max_rate_limit_waits:
                        raise self._unreachable("still rate limited (429)") from None
                    self._wait(self._retry_after(exc.response, rate_waits), "rate limit")
                    continue
                if status in RETRY_STATUSES:
                    failures += 1
                    self.stats.retries[str(status)] += 1
                    if failures > self.policy.max_retries:
                        return Probe("error", status)
                    self._wait(self._backoff(failures), f"retry after HTTP {status}")
                    continue
                if status == 401:
                    raise HubRequestError(_http_error_line(self.endpoint, model_id, exc)) from None
                return Probe("error", status)
            except _NETWORK_ERRORS as exc:
                failures += 1
                self.stats.retries[type(exc).__name__] += 1
                if failures > self.policy.max_retries:
                    raise self._unreachable(_describe(exc)) from None
                self._wait(self._backoff(failures), f"retry after {_describe(exc)}")
                continue
            except json.JSONDecodeError:  # a truncated body: worth another try
                failures += 1
                self.stats.retries["malformed_json"] += 1
                if failures > self.policy.max_retries:
                    return Probe("error", 200)
                self._wait(self._backoff(failures), "retry after a malformed JSON body")
                continue
            except (Skip, ValueError, TypeError, KeyError, AttributeError):  # an item ModelInfo cannot parse
                return Probe("error", 200)
            if info.id != model_id:
                self.stats.requests += 1  # a redirect to another casing of the same id
            if info.private is True:  # visible to this token only: removed, as the public sees it
                return Probe("removed", 200)
            if info.gated:
                return Probe("gated", 200, info)
            return Probe("available", 200, info)


def _status(exc: HfHubHTTPError) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _describe(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _http_error_line(endpoint: str, what: str, exc: HfHubHTTPError) -> str:
    status = _status(exc)
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    hint = " (check HF_TOKEN or `hf auth login`)" if status in (401, 403) else ""
    return f"the Hub at {public_endpoint(endpoint)} refused {what}: HTTP {status}: {first}{hint}"
