"""How the web server reads the warehouse: short-lived read-only connections, bounded work, a cache.

Readers never wait on a writer, and a writer never waits long on readers:

* Connections. The server never keeps the warehouse open: every request that misses the cache opens it
  read-only, reads, and closes it. While a writer (`collect`, `import`, `init`) holds the write lock,
  DuckDB refuses any other process; the server tries for at most `LOCK_PATIENCE` seconds, then answers
  from the last cached response for the same request (header `X-Atomscope-Stale: true`) or 503 with
  `Retry-After`. For `BUSY_MEMORY` seconds after such a refusal, other requests try once, without waiting.
* Writer first. A writer that finds the file held by readers announces itself in `<warehouse>.writer`
  (warehouse/db.py); while that file names a live process the server opens no new connection (cached
  answer or 503), so the readers' connections close within one computation and the writer gets the lock.
* Bounded work. At most `max_computations` uncached computations run at once; up to `queue_limit` more
  wait at most `queue_wait` seconds (`QUEUE_WAIT` by default) for a slot; beyond that, or after waiting,
  a request gets its stale answer or 503 with `Retry-After: 1`. Requests with ever-new parameters cannot
  pile up work or keep a connection open for long.

Cache. Responses are cached under (warehouse version, request), least recently used out first, within
`cache_size` entries and `cache_bytes` bytes; concurrent misses of one key compute it once (the others
wait up to `queue_wait` for it). The version is the size and mtime of the warehouse file and of its
write-ahead log: any committed write changes one of them, so a cached entry is never served for a newer
warehouse (except the stale fallback above, which says so). A hit costs two `stat` calls and no connection.
Below the responses, the queries metrics run for their notes are answered once per warehouse version
(`shared_queries`): requests for other groupings or other metrics that read the same notes reuse them.
Below this cache, a metric request's answer is kept on disk beside the warehouse (warehouse/answers.py, read
by web/metricapi.py before it connects), so a restarted server over an unchanged warehouse computes nothing.
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
from atomscope.metrics.base import SharedQueries
from atomscope.warehouse import db
from atomscope.warehouse.sidecar import data_version

RETRY_DELAYS = (0.05, 0.1, 0.1)  # seconds between attempts to open a write-locked warehouse
LOCK_PATIENCE = sum(RETRY_DELAYS)
BUSY_MEMORY = 0.5  # seconds during which, after a refused open, requests try once without retrying
# seconds a request waits for a computation slot (or for the same key's computation) when no writer is
# involved: the dashboard opens with about ten parallel requests, and on two cores some take seconds
QUEUE_WAIT = 10.0
RETRY_AFTER_SECONDS = 5
NOTES_LIMIT = 256  # answers to notes queries kept for the current warehouse version (small frames and counts)


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse's write lock (a collector is writing), or waits for it."""

    retry_after = RETRY_AFTER_SECONDS


class ServerBusy(WarehouseBusy):
    """Every computation slot is taken and the queue is full (or the wait for a slot ran out)."""

    retry_after = 1


@dataclass(frozen=True)
class Payload:
    """A cached response body."""

    body: bytes
    media_type: str
    etag: str
    headers: tuple[tuple[str, str], ...] = ()


class Store:
    def __init__(
        self,
        path: str | Path,
        cache_size: int = 512,
        cache_bytes: int = 256 * 2**20,
        *,
        max_computations: int = 4,
        queue_limit: int = 16,
        queue_wait: float = QUEUE_WAIT,
    ) -> None:
        self.path = Path(path)
        self.max_computations = max_computations
        self.queue_limit = queue_limit
        self.queue_wait = queue_wait
        self._slots = threading.BoundedSemaphore(max_computations)
        self._queued = 0
        self._busy_until = 0.0
        self.cache_size = cache_size
        self.cache_bytes = cache_bytes
        self._bytes = 0
        self._cache: OrderedDict[Any, tuple[tuple, Payload]] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[Any, threading.Lock] = {}  # one computation per key at a time
        self._notes: tuple[tuple, SharedQueries] | None = None

    def shared_queries(self, version: tuple) -> SharedQueries:
        """The answers to the queries metrics run while they build (notes), shared by every request at this
        warehouse version: `downloads`, `concentration` and `crossover` read the same notes, and a metric's
        notes rarely depend on its grouping. A new version starts a new scope."""
        with self._lock:
            if self._notes is None or self._notes[0] != version:
                self._notes = (version, SharedQueries(None, limit=NOTES_LIMIT))
            return self._notes[1]

    # -- warehouse ---------------------------------------------------------------------------------
    def version(self) -> tuple:
        """(size, mtime_ns) of the warehouse file and of its WAL; changes with every committed write."""
        return data_version(self.path)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one request; WarehouseBusy at once while a writer has or wants the file."""
        if not self.path.exists():
            raise WarehouseError(f"{self.path}: no warehouse here; run `atomscope init` first")
        recently_busy = time.monotonic() < self._busy_until
        writer = db.waiting_writer(self.path)
        if writer is not None:
            raise WarehouseBusy(f"a writer (process {writer}) is about to write the warehouse; retry shortly")
        last: Exception | None = None
        for delay in (0.0,) if recently_busy else (0.0, *RETRY_DELAYS):
            if delay:
                time.sleep(delay)
            try:
                con = db.connect(self.path, read_only=True)
                break
            except WarehouseError as exc:
                if not db.is_lock_conflict(exc):
                    raise
                last = exc
        else:
            self._busy_until = time.monotonic() + BUSY_MEMORY
            raise WarehouseBusy(f"the warehouse is being written by another process; retry shortly ({last})")
        try:
            yield con
        finally:
            con.close()

    def _writer_active(self) -> bool:
        return time.monotonic() < self._busy_until or db.waiting_writer(self.path) is not None

    @contextmanager
    def _slot(self) -> Iterator[None]:
        """One of `max_computations` slots, waiting at most `queue_wait` among at most `queue_limit` others."""
        with self._lock:
            if self._queued >= self.queue_limit:
                raise ServerBusy("the server is busy computing other requests; retry in a moment")
            self._queued += 1
        try:
            acquired = self._slots.acquire(timeout=self.queue_wait)
        finally:
            with self._lock:
                self._queued -= 1
        if not acquired:
            raise ServerBusy("the server is busy computing other requests; retry in a moment")
        try:
            yield
        finally:
            self._slots.release()

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
        if hit is not None and self._writer_active():
            return hit[1], True  # a writer has or wants the file: the older answer now, no waiting
        with self._lock:
            gate = self._inflight.setdefault(key, threading.Lock())
        if not gate.acquire(timeout=self.queue_wait):  # another request computes this key and takes long
            if hit is not None:
                return hit[1], True
            raise ServerBusy("this answer is still being computed; retry in a moment")
        try:
            hit = self._lookup(key, version)
            if hit is not None and hit[0] == version:
                return hit[1], False
            try:
                with self._slot():
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
        finally:
            gate.release()
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
