"""Deadlines and byte caps enforced at the socket, for every HTTP client atomscope uses.

A read timeout alone does not end a slow-loris answer (one byte every few seconds resets it), so every
socket read and write of a guarded client is also bounded by the deadline in force (`deadline(...)`, nested
deadlines keep the earliest): past it the read raises the client's own `ReadTimeout`. Bytes read from the
socket count against the cap in force (`byte_cap(...)`), so a download cannot grow without bound either;
decompressed bodies are capped where they are read (`remote.fetch`).

The same network backend wraps httpx's (sources, OpenRouter) and httpx2's (huggingface_hub's shared
session, installed by `install_hub_session`), so the Hub client, `hf_hub_download` and our own requests obey
one rule. Limits come from `Limits.from_env()` (docs/network.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpcore2
import httpx
import httpx2

from atomscope.domain.errors import AtomscopeError

MIB = 1024 * 1024


class RemoteError(AtomscopeError):
    """A server we do not control could not be used: unreachable, too slow, too large or a wrong answer."""


class ResponseTooLargeError(RemoteError):
    """An answer (or a decompressed body) went past its byte cap."""


@dataclass(frozen=True)
class Limits:
    """Bounds on talking to one server: timeouts per socket operation, a deadline per request and per
    command (a source, a listing, a revision), byte caps and a page bound."""

    connect_s: float = 10.0
    read_s: float = 30.0
    request_s: float = 300.0
    command_s: float = 1800.0
    max_json_bytes: int = 64 * MIB
    max_text_bytes: int = 256 * MIB
    max_download_bytes: int = 8192 * MIB
    max_pages: int = 10_000

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, overridden by ATOMSCOPE_HTTP_{CONNECT,READ,REQUEST,COMMAND}_S, ATOMSCOPE_HTTP_MAX_{JSON,TEXT,
        DOWNLOAD}_MB and ATOMSCOPE_HTTP_MAX_PAGES."""
        values: dict[str, Any] = {}
        for name in ("connect_s", "read_s", "request_s", "command_s"):
            raw = os.environ.get(f"ATOMSCOPE_HTTP_{name.upper()}")
            if raw:
                values[name] = _positive(float, raw, name)
        for name in ("max_json_bytes", "max_text_bytes", "max_download_bytes"):
            raw = os.environ.get(f"ATOMSCOPE_HTTP_{name.upper().removesuffix('_BYTES')}_MB")
            if raw:
                values[name] = int(_positive(float, raw, name) * MIB)
        if raw := os.environ.get("ATOMSCOPE_HTTP_MAX_PAGES"):
            values["max_pages"] = int(_positive(int, raw, "max_pages"))
        return cls(**values)

    def timeout(self, lib: Any = httpx) -> Any:
        return lib.Timeout(self.read_s, connect=self.connect_s)


def _positive(kind, raw: str, name: str):
    try:
        value = kind(raw)
    except ValueError:
        value = 0
    if not value > 0:
        raise AtomscopeError(f"ATOMSCOPE_HTTP_{name.upper()}: {raw!r} is not a positive number")
    return value


# ---------------------------------------------------------------------------- deadline and cap in force
_DEADLINE: ContextVar[tuple[float, str] | None] = ContextVar("atomscope_deadline", default=None)
_CAP: ContextVar[list | None] = ContextVar("atomscope_byte_cap", default=None)  # [bytes left, what]


@contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Every guarded socket operation inside ends by `seconds` from now (or an earlier deadline in force)."""
    at = time.monotonic() + seconds
    current = _DEADLINE.get()
    token = _DEADLINE.set(current if current is not None and current[0] <= at else (at, what))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def expired() -> str | None:
    """What the deadline in force was for, when it has passed."""
    current = _DEADLINE.get()
    # a socket timeout set to the time left fires at the deadline, give or take the clock's resolution
    return current[1] if current is not None and time.monotonic() >= current[0] - 0.05 else None


@contextmanager
def byte_cap(limit: int, what: str) -> Iterator[None]:
    """At most `limit` bytes may be read from sockets inside (the tighter of nested caps wins)."""
    current = _CAP.get()
    token = _CAP.set([limit, what] if current is None or current[0] > limit else current)
    try:
        yield
    finally:
        _CAP.reset(token)


def _bounded(timeout: float | None, exc: type[Exception]) -> float | None:
    current = _DEADLINE.get()
    if current is None:
        return timeout
    left = current[0] - time.monotonic()
    if left <= 0:
        raise exc(f"deadline passed ({current[1]})")
    return left if timeout is None else min(timeout, left)


class _Stream:
    """A network stream whose reads and writes obey the deadline and the byte cap in force."""

    def __init__(self, inner: Any, errors: Any) -> None:
        self._inner, self._errors = inner, errors

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, _bounded(timeout, self._errors.ReadTimeout))
        cap = _CAP.get()
        if cap is not None:
            cap[0] -= len(data)
            if cap[0] < 0:
                raise ResponseTooLargeError(f"{cap[1]}: the answer is larger than the cap; stopped")
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, self._errors.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        timeout = _bounded(timeout, self._errors.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._errors)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend:
    def __init__(self, inner: Any, errors: Any) -> None:
        self._inner, self._errors = inner, errors

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> _Stream:  # fmt: skip
        timeout = _bounded(timeout, self._errors.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options), self._errors)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> _Stream:
        timeout = _bounded(timeout, self._errors.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options), self._errors)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _guard(transport: Any, core: Any) -> Any:
    pool = transport._pool  # httpx builds the pool without a network_backend parameter: set it here
    pool._network_backend = _Backend(pool._network_backend, core)
    return transport


def http_client(limits: Limits, **kwargs: Any) -> httpx.Client:
    """An httpx client whose sockets obey the deadline and cap in force, with `limits`' timeouts."""
    kwargs.setdefault("follow_redirects", True)
    return httpx.Client(transport=_guard(httpx.HTTPTransport(), httpcore), timeout=limits.timeout(httpx), **kwargs)


_HUB_INSTALLED = False


def install_hub_session() -> None:
    """huggingface_hub's shared session, rebuilt on guarded sockets (its own event hook and redirects kept)."""
    global _HUB_INSTALLED
    if _HUB_INSTALLED:
        return
    from huggingface_hub.utils import set_client_factory
    from huggingface_hub.utils._http import hf_request_event_hook

    def factory() -> httpx2.Client:
        return httpx2.Client(transport=_guard(httpx2.HTTPTransport(), httpcore2),
                             event_hooks={"request": [hf_request_event_hook]}, follow_redirects=True,
                             timeout=None)  # fmt: skip

    set_client_factory(factory)
    _HUB_INSTALLED = True
