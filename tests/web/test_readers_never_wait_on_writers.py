"""Readers never wait on a writer, and a writer gets the lock while readers run.

Concurrent clients on loopback only, bounded in number (at most 24 requests in flight). The tests assert what
is answered (from the cache with `X-Atomscope-Stale`, or 503 with `Retry-After`) and that it is answered while
the writer still holds the file; how fast is measured in bench/ (bench_api), never here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from atomscope.web.app import create_app
from atomscope.web.cache import Payload, ServerBusy, Store

QUEUE_WAIT = 0.5  # a short wait for a slot, so the test sees the queue overflow quickly

HOLD_LOCK = """
import sys, time
import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS _writer_test AS SELECT 1 AS x")
print("locked", flush=True)
time.sleep(60)
"""

WRITER = """
import sys
from atomscope.warehouse import db
con = db.connect(sys.argv[1], lock_wait_s=20)
print("locked", flush=True)
con.execute("CREATE TABLE IF NOT EXISTS _writer_test AS SELECT 1 AS x")
con.close()
"""


def _env():
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def _get(client: httpx.Client, url: str) -> tuple[int, dict]:
    r = client.get(url)
    return r.status_code, dict(r.headers)


def _wait_for(condition, what: str) -> None:
    """Poll until `condition()` holds; the bound only turns a hang into a failure, it is not a speed target."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_while_a_writer_holds_the_file_every_reader_is_answered_from_the_cache_or_503(served_db, live_server):
    base = live_server(create_app(served_db))
    cached = ["/api/orgs", "/api/metrics/releases", "/api/status"]
    with httpx.Client(base_url=base, timeout=10) as client:
        for url in cached:
            assert client.get(url).status_code == 200
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(served_db)], stdout=subprocess.PIPE, text=True, env=_env()
        )
        try:
            assert holder.stdout.readline().strip() == "locked"
            uncached = [f"/api/orgs?region={r}" for r in ("eu", "china", "us", "other")]
            urls = (cached + uncached) * 4
            with ThreadPoolExecutor(max_workers=len(urls)) as pool:
                results = list(pool.map(lambda u: (u, *_get(client, u)), urls))
            assert holder.poll() is None, "every request was answered while the writer still held the file"
        finally:
            holder.kill()
            holder.wait()
        for url, status, headers in results:
            if url in cached:
                assert status == 200 and headers.get("x-atomscope-stale") == "true", (url, status)
            else:
                assert status == 503 and int(headers["retry-after"]) >= 1, (url, status)
        assert client.get("/api/orgs?region=eu").status_code == 200  # the writer is gone: answered again


def test_a_writer_gets_the_lock_within_seconds_while_readers_keep_asking(served_db, live_server):
    base = live_server(create_app(served_db, max_computations=4, queue_limit=8))
    stop = threading.Event()
    statuses: list[int] = []

    def reader(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            n = 0
            while not stop.is_set():
                n += 1  # ever-new parameters: every request misses the cache
                day = f"2024-{(n % 12) + 1:02d}-{(worker % 28) + 1:02d}"
                statuses.append(client.get(f"/api/metrics/releases?since={day}&by=region").status_code)

    readers = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for thread in readers:
        thread.start()
    try:
        _wait_for(lambda: len(statuses) >= 16, "the readers are in full swing")
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, str(served_db)], capture_output=True, text=True, env=_env(), timeout=120
        )
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=15)
    # the writer announced itself, the server stopped opening the file, and the writer got its lock
    assert writer.returncode == 0 and writer.stdout.strip() == "locked", writer.stderr
    assert statuses and set(statuses) <= {200, 503}
    assert not served_db.with_name(served_db.name + ".writer").exists()


def test_uncached_computations_are_bounded_and_the_queue_is_limited(tmp_path):
    path = tmp_path / "w.duckdb"
    path.write_bytes(b"")  # the store only stats it here
    store = Store(path, max_computations=2, queue_limit=2, queue_wait=QUEUE_WAIT)
    release = threading.Event()
    running = []
    peak = []
    lock = threading.Lock()

    def produce() -> Payload:
        with lock:
            running.append(1)
            peak.append(len(running))
        release.wait(60)
        with lock:
            running.pop()
        return Payload(b"x", "text/plain", '"x"')

    outcomes: list[str] = []

    def ask(key: int) -> None:
        try:
            store.cached(("k", key), produce)
            outcomes.append("ok")
        except ServerBusy:
            outcomes.append("busy")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    # two compute, two wait in the queue and give up, two find the queue full: four busy while two still run
    _wait_for(lambda: outcomes.count("busy") == 4, "the waiting requests give up instead of waiting forever")
    assert len(running) == 2
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert max(peak) == 2
    assert sorted(outcomes) == ["busy"] * 4 + ["ok"] * 2


@pytest.mark.parametrize("n", [30])
def test_many_clients_get_answers_not_timeouts(served_db, live_server, n):
    base = live_server(create_app(served_db, max_computations=2, queue_limit=4))
    # a client timeout is a generous guard against a hang, not a speed target
    with httpx.Client(base_url=base, timeout=60) as client, ThreadPoolExecutor(max_workers=24) as pool:
        results = list(
            pool.map(lambda i: _get(client, f"/api/metrics/releases?since=2023-01-{(i % 28) + 1:02d}"), range(n))
        )
    assert len(results) == n and all(status in (200, 503) for status, _ in results)
    assert any(status == 200 for status, _ in results)
    assert all(h.get("retry-after") for status, h in results if status == 503)


def test_a_writer_file_counts_only_while_its_process_lives_and_is_fresh(tmp_path):
    from atomscope.warehouse import db

    path = tmp_path / "w.duckdb"
    marker = db.writer_file(path)
    assert db.waiting_writer(path) is None
    marker.write_text(str(os.getpid()))
    assert db.waiting_writer(path) == os.getpid()
    old = time.time() - db.WRITER_FILE_TTL - 5
    os.utime(marker, (old, old))
    assert db.waiting_writer(path) is None  # left by a killed writer whose pid was reused
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    marker.write_text(str(dead.pid))
    assert db.waiting_writer(path) is None
