"""Compute once: identical concurrent requests share one computation, and a warming server is warm when
it starts answering. Both are checked by counting computations (`run_metric` calls), never by timing."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
from fastapi.testclient import TestClient

from atomscope.web import metricapi
from atomscope.web.app import create_app

CONCURRENT = 10


def _count_computations(monkeypatch) -> list[str]:
    computed: list[str] = []
    real = metricapi.run_metric

    def counting(con, ep, query, *shared):
        computed.append(ep.metric.name)
        return real(con, ep, query, *shared)

    monkeypatch.setattr(metricapi, "run_metric", counting)
    return computed


def test_identical_concurrent_requests_compute_once(bundled_db, tmp_path, monkeypatch):
    db = tmp_path / "atomscope.duckdb"
    shutil.copy(bundled_db, db)
    computed = _count_computations(monkeypatch)
    entered = 0
    all_in = threading.Event()
    real_payload = metricapi.metric_payload
    real_run = metricapi.run_metric

    def payload(store, ep, q):  # every request reaches the cache before the first computation may finish
        nonlocal entered
        entered += 1
        if entered == CONCURRENT:
            all_in.set()
        return real_payload(store, ep, q)

    def held_run(con, ep, query, *shared):
        all_in.wait(timeout=60)
        return real_run(con, ep, query, *shared)

    monkeypatch.setattr(metricapi, "metric_payload", payload)
    monkeypatch.setattr(metricapi, "run_metric", held_run)
    # the same request spelled three ways: by=org explicit, parameters reordered, a default written out
    urls = ["/api/metrics/arena?by=org", "/api/metrics/arena?format=json&by=org", "/api/metrics/arena?by=org"]
    app = create_app(db)
    app.state.store.queue_wait = 300  # waiting for the one computation must not run out on a loaded machine
    with TestClient(app) as client, ThreadPoolExecutor(CONCURRENT) as pool:
        responses = list(pool.map(lambda i: client.get(urls[i % len(urls)]), range(CONCURRENT)))
    assert all_in.is_set(), "the requests did not overlap"
    assert [r.status_code for r in responses] == [200] * CONCURRENT, responses[0].text
    assert len({r.content for r in responses}) == 1
    assert computed == ["arena"]


def test_a_restarted_server_over_the_same_warehouse_computes_nothing(bundled_db, tmp_path, monkeypatch):
    db = tmp_path / "atomscope.duckdb"
    shutil.copy(bundled_db, db)
    computed = _count_computations(monkeypatch)
    first = create_app(db, warm_cache=True)
    with TestClient(first) as client:  # entering runs the lifespan: what uvicorn completes before binding
        names = sorted(first.state.metric_endpoints)
        assert sorted(computed) == names  # a warming server computed every default view before answering
        responses = {n: client.get(f"/api/metrics/{n}") for n in names}
        assert {n: r.status_code for n, r in responses.items()} == dict.fromkeys(names, 200)
        assert sorted(computed) == names  # and each was a cache hit
        answered = {n: r.content for n, r in responses.items()}
        as_csv = {n: client.get(f"/api/metrics/{n}?format=csv").content for n in names}
    computed.clear()
    with TestClient(create_app(db, warm_cache=True)) as client:  # the restart: memory empty, answers kept
        assert computed == [], "the kept answers were computed again"
        for name in names:
            assert client.get(f"/api/metrics/{name}").content == answered[name], f"{name}: kept answer differs"
            assert client.get(f"/api/metrics/{name}?format=csv").content == as_csv[name], name
    assert computed == []


def test_requests_at_one_warehouse_version_share_their_notes_queries(bundled_db, tmp_path):
    """arena's notes (corrections, label conflicts, unresolved names) do not depend on its grouping: the second
    grouping's request runs none of their queries again, and says the same as a server that computed it alone."""
    db = tmp_path / "atomscope.duckdb"
    shutil.copy(bundled_db, db)
    app = create_app(db)
    store = app.state.store
    with TestClient(app) as client:
        assert client.get("/api/metrics/arena?by=region").status_code == 200
        scope = store.shared_queries(store.version())
        executed = scope.executed
        assert executed > 0
        by_org = client.get("/api/metrics/arena?by=org").json()
        assert scope.executed == executed, "the notes queries ran again"
        assert scope.reused >= executed
        con = duckdb.connect(str(db))
        con.execute("DELETE FROM epoch_models")  # any committed write: a new warehouse version
        con.close()
        again = client.get("/api/metrics/arena?by=org").json()
        fresh = store.shared_queries(store.version())
        assert fresh is not scope and fresh.executed == executed, "a new version computes its notes afresh"
    alone = tmp_path / "alone" / "atomscope.duckdb"
    alone.parent.mkdir()
    shutil.copy(bundled_db, alone)
    with TestClient(create_app(alone)) as client:
        assert client.get("/api/metrics/arena?by=org").json()["notes"] == by_org["notes"] == again["notes"]
