"""How the web server reads the warehouse: short-lived read-only connections and a response cache.

Connections. The server never keeps the warehouse open: every request that misses the cache opens it
read-only (`warehouse.db.connect(path, read_only=True)`), reads, and closes it. A collector
(`atomscope collect`, `atomscope init`) can therefore take the write lock between two requests. While a
writer holds the lock DuckDB refuses any other process, even a read-only one; the server retries for
about a second, then answers from the last cached response for the same request (header
`X-Atomscope-Stale: true`) or, with nothing cached, 503 with `Retry-After`.

Cache. Responses are cached under (warehouse version, request). The version is the size and mtime of the
warehouse file and of its write-ahead log: any committed write changes one of them, so a cached entry is
never served for a newer warehouse (except the stale fallback above, which says so). A hit costs two
`stat` calls and no connection.
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

from atomscope.errors import WarehouseError
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
    def __init__(self, path: str | Path, cache_size: int = 512) -> None:
        self.path = Path(path)
        self.cache_size = cache_size
        self._cache: OrderedDict[Any, tuple[tuple, Payload]] = OrderedDict()
        self._lock = threading.Lock()

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

        `produce` runs on a miss. When it raises `WarehouseBusy` and an entry for `key` exists from an
        older version, that entry is returned with stale=True.
        """
        version = self.version()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == version:
                self._cache.move_to_end(key)
                return hit[1], False
        try:
            payload = produce()
        except WarehouseBusy:
            if hit is not None:
                return hit[1], True
            raise
        with self._lock:
            self._cache[key] = (version, payload)
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return payload, False

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
