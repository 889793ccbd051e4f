"""How the web server reads the warehouse: short-lived read-only connections and a response cache.

Connections. The server never keeps the warehouse open: every request that misses the cache opens it
read-only (`warehouse.db.connect(path, read_only=True)`), reads, and closes it. A collector
(`atomscope collect`, `atomscope init`) can therefore take the write lock between two requests. While a
writer holds the lock DuckDB refuses any other process, even a read-only one; the server retries for
about a second, then answers from the last cached response for the same request (header
`X-Atomscope-Stale: true`) or, with nothing cached, 503 with `Retry-After`.

Cache. Responses are cached under (warehouse version, request), least recently used out first, within
`cache_size` entries and `cache_bytes` bytes; concurrent misses of one key compute it once. The version
is the size and mtime of the warehouse file and of its write-ahead log: any committed write changes one
of them, so a cached entry is never served for a newer warehouse (except the stale fallback above,
which says so). A hit costs two `stat` calls and no connection.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from atomscope.domain.errors import WarehouseError
from atomscope.warehouse import db

RETRY_DELAYS = (0.05, 0.1, 0.2, 0.3, 0.4)  # seconds between attempts to open a write-locked warehouse
RETRY_AFTER_SECONDS = 5


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse's write lock (a collector is writing)."""


@dataclass(frozen=True)
class Payload:
    """A cached response body."""

    body: bytes
    media_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()


class Store:
    def __init__(self, path: str | Path, cache_size: int = 512, cache_bytes: int = 256 * 2**20) -> None:
        self.path = Path(path)
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes
        self._bytes = 0
        self._cache: OrderedDict[Any, tuple[tuple, Payload]] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[Any, threading.Lock] = {}  # one computation per key at a time

    # -- warehouse ---------------------------------------------------------------------------------
    def version(self) -> tuple:
        """(size, mtime_ns) of the warehouse file and of its WAL; changes with every committed write."""
        parts: list[int] = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = path.stat()
            except FileNotFoundError:
                parts += [-1, -1]
            else:
                parts += [st.st_size, st.st_mtime_ns]
        return tuple(parts)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one request; retries briefly while a writer holds the lock."""
        if not self.path.exists():
            raise WarehouseError(f"{self.path}: no warehouse here; run `atomscope init` first")
        last: Exception | None = None
        for delay in (0.0, *RETRY_DELAYS):
            if delay:
                time.sleep(delay)
            try:
                con = db.connect(self.path, read_only=True)
                break
            except WarehouseError as exc:
                if "lock" not in str(exc).lower():
                    raise
                last = exc
        else:
            raise WarehouseBusy(f"the warehouse is being written by another process; retry shortly ({last})")
        try:
            yield con
        finally:
            con.close()

    # -- cache -------------------------------------------------------------------------------------
    def cached(self, key: Any, produce: Callable[[], Payload]) -> tuple[Payload, bool]:
        """The payload for `key` at the current warehouse version: (payload, stale).

        `produce` runs on a miss, once per key at a time: concurrent requests for the same key wait for
        the first one's result instead of computing it again. When `produce` raises `WarehouseBusy` and
        an entry for `key` exists from an older version, that entry is returned with stale=True.
        """
        version = self.version()
        hit = self._lookup(key, version)
        if hit is not None and hit[0] == version:
            return hit[1], False
        with self._lock:
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:
            hit = self._lookup(key, version)
            if hit is not None and hit[0] == version:
                return hit[1], False
            try:
                payload = produce()
                with self._lock:
                    old = self._cache.pop(key, None)
                    if old is not None:
                        self._bytes -= len(old[1].body)
                    self._cache[key] = (version, payload)
                    self._bytes += len(payload.body)
                    while len(self._cache) > 1 and (
                        len(self._cache) > self.cache_size or self._bytes > self.cache_bytes
                    ):
                        _key, (_version, evicted) = self._cache.popitem(last=False)
                        self._bytes -= len(evicted.body)
            except WarehouseBusy:
                if hit is not None:
                    return hit[1], True
                raise
            finally:
                with self._lock:
                    self._inflight.pop(key, None)
        return payload, False

    def peek(self, key: Any) -> Payload | None:
        """The cached payload for `key` if it is current; never computes, never blocks on a computation."""
        version = self.version()
        hit = self._lookup(key, version)
        return hit[1] if hit is not None and hit[0] == version else None

    def _lookup(self, key: Any, version: tuple) -> tuple[tuple, Payload] | None:
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == version:
                self._cache.move_to_end(key)
            return hit

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._bytes = 0


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
