"""Fault injection, rate limiting, request log and a manual clock for :class:`~atomscope.testing.hub.HubEmulator`.

Everything here is thread-safe: the emulator's handler threads read it while a test changes it.
"""

from __future__ import annotations

import math
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

DriftMode = Literal["missing", "string", "null", "list"]
TruncateMode = Literal["body", "connection"]


class ManualClock:
    """A monotonic clock tests move by hand (``clock.advance(seconds)``); pass it as ``HubEmulator(clock=...)``."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        with self._lock:
            self._now += seconds


@dataclass(frozen=True)
class SchemaDrift:
    """Make ``field`` of some models' JSON objects drift from the documented schema.

    ``mode``: ``missing`` drops the key, ``string`` turns the value into a string (``"1234"``), ``null``
    sets ``null``, ``list`` wraps it in a list. A dotted ``field`` names a nested key (``safetensors.total``).
    Affected models: ``model_ids`` if given, otherwise every model whose ``crc32(id) % every == 0``
    (``every=1``: all models). Applies to listings and info.
    """

    field: str
    mode: DriftMode = "missing"
    model_ids: frozenset[str] | None = None
    every: int = 1

    def applies_to(self, model_id: str) -> bool:
        """Whether this drift changes ``model_id``'s objects (deterministic)."""
        if self.model_ids is not None:
            return model_id in self.model_ids
        return zlib.crc32(model_id.encode()) % max(1, self.every) == 0

    def apply(self, obj: dict[str, Any]) -> None:
        """Mutate one rendered JSON object in place (no-op when the field is absent or not targeted)."""
        target, name = obj, self.field
        if "." in name:
            head, name = name.split(".", 1)
            target = obj.get(head)
        if not isinstance(target, dict) or name not in target or not self.applies_to(str(obj.get("id"))):
            return
        if self.mode == "missing":
            del target[name]
        elif self.mode == "string":
            target[name] = str(target[name])
        elif self.mode == "null":
            target[name] = None
        else:
            target[name] = [target[name]]


def _matches(path: str, prefix: str | None) -> bool:
    return prefix is None or path.startswith(prefix)


@dataclass
class Faults:
    """A mutable, thread-safe fault plan. Set fields at construction or call the methods while serving.

    - ``fail_next(n, status=503, path_prefix=None)``: the next ``n`` matching requests answer ``status``.
    - ``slow_down(seconds, path_prefix=None)``: every matching response waits ``seconds`` first.
    - ``truncate_next(n, path_prefix=None, mode="body")``: the next ``n`` matching 200 answers are cut in the
      middle of their JSON. ``body``: a short but well-framed body (the client sees invalid JSON);
      ``connection``: the full ``Content-Length`` is announced and the connection closed mid-body (the client
      sees a protocol error).
    - ``drift(SchemaDrift(...))``: add a schema drift; ``clear()`` removes every fault.
    """

    error_burst: int = 0
    error_status: int = 503
    error_path_prefix: str | None = None
    delay_seconds: float = 0.0
    delay_path_prefix: str | None = None
    truncate_count: int = 0
    truncate_path_prefix: str | None = None
    truncate_mode: TruncateMode = "body"
    drifts: list[SchemaDrift] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def fail_next(self, n: int, status: int = 503, path_prefix: str | None = None) -> None:
        """Answer the next ``n`` requests under ``path_prefix`` with ``status`` (a 5xx burst by default)."""
        with self._lock:
            self.error_burst, self.error_status, self.error_path_prefix = n, status, path_prefix

    def slow_down(self, seconds: float, path_prefix: str | None = None) -> None:
        """Delay every response under ``path_prefix`` by ``seconds`` (0 turns it off)."""
        with self._lock:
            self.delay_seconds, self.delay_path_prefix = seconds, path_prefix

    def truncate_next(self, n: int, path_prefix: str | None = None, mode: TruncateMode = "body") -> None:
        """Cut the next ``n`` successful bodies under ``path_prefix`` mid-JSON."""
        with self._lock:
            self.truncate_count, self.truncate_path_prefix, self.truncate_mode = n, path_prefix, mode

    def drift(self, drift: SchemaDrift) -> None:
        """Add a schema drift."""
        with self._lock:
            self.drifts.append(drift)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self.error_burst = self.truncate_count = 0
            self.delay_seconds = 0.0
            self.drifts.clear()

    # ------------------------------------------------------------- used by the server
    def take_error(self, path: str) -> int | None:
        """Consume one injected error for ``path``; its status or ``None``."""
        with self._lock:
            if self.error_burst > 0 and _matches(path, self.error_path_prefix):
                self.error_burst -= 1
                return self.error_status
            return None

    def delay_for(self, path: str) -> float:
        """Seconds to wait before answering ``path``."""
        with self._lock:
            return self.delay_seconds if _matches(path, self.delay_path_prefix) else 0.0

    def take_truncation(self, path: str) -> TruncateMode | None:
        """Consume one truncation for ``path``; its mode or ``None``."""
        with self._lock:
            if self.truncate_count > 0 and _matches(path, self.truncate_path_prefix):
                self.truncate_count -= 1
                return self.truncate_mode
            return None

    def active_drifts(self) -> list[SchemaDrift]:
        """A snapshot of the current drifts."""
        with self._lock:
            return list(self.drifts)


@dataclass(frozen=True)
class RateLimitDecision:
    """Outcome of one rate-limit check: allowed or not, and the headers to send either way."""

    allowed: bool
    headers: dict[str, str]
    retry_after: int


class RateLimiter:
    """A fixed-window limiter answering with the Hub's IETF-draft headers.

    Headers on every ``/api`` answer: ``RateLimit: "api";r=<remaining>;t=<seconds to reset>`` and
    ``RateLimit-Policy: "fixed window";"api";q=<requests>;w=<window>`` (the format
    ``huggingface_hub.utils._http.parse_ratelimit_headers`` parses); a 429 also carries ``Retry-After``.
    """

    def __init__(self, requests: int, window_seconds: float, clock: Callable[[], float] = time.monotonic,
                 resource: str = "api") -> None:  # fmt: skip
        if requests < 1 or window_seconds <= 0:
            raise ValueError("rate_limit needs >= 1 request and a positive window")
        self.requests, self.window_seconds, self.resource = requests, window_seconds, resource
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start: float | None = None
        self._used = 0

    def check(self) -> RateLimitDecision:
        """Count one request (if allowed) and return the decision with headers."""
        with self._lock:
            now = self._clock()
            if self._window_start is None or now >= self._window_start + self.window_seconds:
                self._window_start, self._used = now, 0
            allowed = self._used < self.requests
            if allowed:
                self._used += 1
            remaining = self.requests - self._used
            reset = max(0, math.ceil(self._window_start + self.window_seconds - now))
        window = math.ceil(self.window_seconds)
        headers = {
            "RateLimit": f'"{self.resource}";r={remaining};t={reset}',
            "RateLimit-Policy": f'"fixed window";"{self.resource}";q={self.requests};w={window}',
        }
        if not allowed:
            headers["Retry-After"] = str(reset)
        return RateLimitDecision(allowed=allowed, headers=headers, retry_after=reset)


@dataclass(frozen=True)
class RequestRecord:
    """One served request: ``query`` maps each parameter to all its values, ``time`` is wall-clock epoch."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    time: float
    duration_s: float
    authenticated: bool


class RequestLog:
    """Thread-safe list of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def count(self, path_prefix: str | None = None, status: int | None = None, method: str | None = None) -> int:
        """Requests whose path starts with ``path_prefix`` (and with that status / method if given)."""
        return sum(
            1
            for r in self.snapshot()
            if _matches(r.path, path_prefix)
            and (status is None or r.status == status)
            and (method is None or r.method == method)
        )
