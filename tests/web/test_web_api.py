"""The web API (`atomscope serve`) on the bundled real warehouse: every endpoint, its errors, escaping,
static-path safety, caching, the write-lock fallback, and a schemathesis fuzz pass (no 5xx).

`fixture_db` is a copy of the bundled warehouse with a few test-fixture rows added (tests/web_fixtures.py:
a derivative chain `test-fixture/...` up to a tracked model, a model id `evil/<script>...`, download
snapshots and an availability event).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time

import duckdb
import pytest
from fastapi.testclient import TestClient
from web_fixtures import EVIL_ID, ROOT, SCRIPT, fixture_copy

from atomscope import metrics
from atomscope.web.app import create_app


@pytest.fixture(scope="module")
def client(bundled_db):
    return TestClient(create_app(bundled_db))


@pytest.fixture(scope="module")
def fixture_db(bundled_db, tmp_path_factory):
    return fixture_copy(bundled_db, tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def fixture_client(fixture_db):
    return TestClient(create_app(fixture_db))


REGISTRY = metrics.REGISTRY


# -- metrics -------------------------------------------------------------------------------------------
def test_metric_list_documents_every_registered_metric(client):
    body = client.get("/api/metrics").json()
    listed = {m["name"]: m for m in body["metrics"]}
    assert set(listed) == set(REGISTRY)
    for name, metric in REGISTRY.items():
        assert [c["name"] for c in listed[name]["columns"]] == list(metric.columns)
        assert listed[name]["by_choices"] == list(metric.by_choices)
        assert listed[name]["url"] == f"/api/metrics/{name}"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_metric_has_an_endpoint(client, name):
    r = client.get(f"/api/metrics/{name}")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["metric"] == name
    assert doc["by"] == REGISTRY[name].default_by
    names = [c["name"] for c in doc["columns"]]
    assert all(set(row) == set(names) for row in doc["rows"])
    assert set(names) <= set(REGISTRY[name].columns), "every output column is documented"
    prov = doc["provenance"]
    assert prov["tables"] and prov["warehouse_version"] >= 1 and prov["last_run_id"] >= 1
    if not doc["rows"]:
        assert doc["notes"], "an empty result says why"
    chart = doc["chart"]
    assert chart["x"] in names and chart["mark"] in ("line", "bar", "table")
    assert chart["mark"] == "table" or chart["y"] in names


def test_arena_by_org_and_filters(client):
    doc = client.get("/api/metrics/arena?by=org&region=china&since=2025-01-01").json()
    assert doc["rows"] and {r["region"] for r in doc["rows"]} == {"china"}
    assert min(r["snapshot_date"] for r in doc["rows"]) >= "2025-01-01"
    assert "arena_scores" in [t["name"] for t in doc["provenance"]["tables"]]
    arena = next(t for t in doc["provenance"]["tables"] if t["name"] == "arena_scores")
    assert arena["file"] == "lmarena_text_history.csv" and len(arena["sha256"]) == 64
    assert arena["source_kind"] == "bundled" and arena["upstream_version"] == "44db9588e2b0"
    org = doc["rows"][0]["org"]
    only = client.get("/api/metrics/arena", params={"by": "org", "org": org.upper()}).json()
    assert only["rows"] and {r["org"] for r in only["rows"]} == {org}


def test_releases_region_filter_changes_rows(client):
    everything = client.get("/api/metrics/releases").json()["rows"]
    china = client.get("/api/metrics/releases?region=china").json()["rows"]
    assert china and len(china) < len(everything)
    assert {r["region"] for r in china} == {"china"}


def test_csv_format(client):
    r = client.get("/api/metrics/releases?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    header, *lines = r.text.splitlines()
    doc = client.get("/api/metrics/releases").json()
    assert header.split(",") == [c["name"] for c in doc["columns"]]
    assert len(lines) == len(doc["rows"])


@pytest.mark.parametrize(
    "url",
    [
        "/api/metrics/arena?nope=1",  # unknown parameter
        "/api/metrics/arena?since=2024-13-01",  # bad dates
        "/api/metrics/arena?since=yesterday",
        "/api/metrics/arena?until=2024-1-1",
        "/api/metrics/arena?since=86400",
        "/api/metrics/arena?by=size_bucket",  # not one of its groupings
        "/api/metrics/arena?region=mars",
        "/api/metrics/arena?format=xml",
        "/api/metrics/releases?size_bucket=7-9B",  # releases has no size column: not a parameter of it
        "/api/metrics/derivatives?top=many",  # typed metric parameter
        "/api/metrics/releases?period=fortnight",  # value the metric itself refuses
        "/api/metrics/openness?by=system&region=us&org=",  # empty org
        "/api/models?limit=0",
        "/api/models?list=secondary",
        "/api/models?bogus=1",
        "/api/models/Qwen/Qwen3-8B?x=1",
        "/api/orgs?region=atlantis",
        "/api/status?x=1",
    ],
)
def test_invalid_requests_are_422(client, url):
    r = client.get(url)
    assert r.status_code == 422, r.text
    assert "detail" in r.json()


def test_filter_that_the_grouping_does_not_output_is_refused(client):
    r = client.get("/api/metrics/openness?by=region&org=allenai")
    assert r.status_code == 422
    assert "does not apply" in r.json()["detail"]


def test_unknown_metric_is_404(client):
    r = client.get("/api/metrics/no_such_metric")
    assert r.status_code == 404 and "known metrics" in r.json()["detail"]


# -- catalog and models -----------------------------------------------------------------------------------
def test_models_catalog_search_and_filters(client):
    body = client.get("/api/models?search=QWEN3&limit=5").json()
    assert body["total"] > 5 and len(body["models"]) == 5
    assert all("qwen3" in m["model_id"].lower() for m in body["models"])
    page2 = client.get("/api/models?search=qwen3&limit=5&offset=5").json()
    assert {m["model_id"] for m in page2["models"]}.isdisjoint(m["model_id"] for m in body["models"])
    eu = client.get("/api/models?region=eu&list=primary&limit=2000").json()["models"]
    assert eu and all(m["region"] == "eu" and m["list"] == "primary" for m in eu)
    qwen = client.get("/api/models?org=Qwen&limit=2000").json()["models"]
    assert qwen and all(m["hf_org"] == "Qwen" for m in qwen)


def test_orgs(client):
    body = client.get("/api/orgs?region=china").json()
    assert body["total"] == len(body["organizations"]) > 10
    assert all(o["region"] == "china" for o in body["organizations"])


def test_status(client):
    body = client.get("/api/status").json()
    assert body["tables"]["models"] > 1000 and body["tables"]["hf_snapshots"] == 0


def test_tracked_model_detail(client):
    r = client.get("/api/models/Qwen/Qwen3-8B")
    assert r.status_code == 200
    m = r.json()
    assert m["tracked"] and m["origin"]["region"] == "china" and m["origin"]["org_key"] == "alibaba"
    assert m["parameters"]["total_params_b"] == pytest.approx(8.0)
    assert m["lineage"]["roots"] == [ROOT] and m["downloads"] == [] and m["availability"] == []


def test_unknown_model_is_404(client):
    assert client.get("/api/models/nobody/nothing").status_code == 404
    page = client.get("/models/nobody/nothing")
    assert page.status_code == 404 and "Model not found" in page.text


def test_lineage_up_to_the_root(fixture_client):
    m = fixture_client.get("/api/models/test-fixture/Qwen3-8B-ft-GGUF").json()
    assert not m["tracked"]
    edges = {(e["child_id"], e["parent_id"], e["relation"], e["depth"]) for e in m["lineage"]["edges"]}
    assert edges == {
        ("test-fixture/Qwen3-8B-ft-GGUF", "test-fixture/Qwen3-8B-ft", "quantized", 1),
        ("test-fixture/Qwen3-8B-ft", ROOT, "finetune", 2),
    }
    assert m["lineage"]["roots"] == [ROOT]
    root = fixture_client.get(f"/api/models/{ROOT}").json()
    assert {c["relation"]: c["children"] for c in root["lineage"]["children_by_relation"]} == {
        "finetune": 1,
        "adapter": 1,
    }
    assert [d["downloads_all_time"] for d in root["downloads"]] == [1000, 5000, 9000]
    assert root["availability"][0]["status"] == "available"
    assert root["license"]["class"] == "permissive" and root["license"]["source"] == "hub snapshot tag"
    page = fixture_client.get("/models/test-fixture/Qwen3-8B-ft-GGUF")
    assert page.status_code == 200
    assert 'href="/models/Qwen/Qwen3-8B"' in page.text and "root" in page.text


# -- safety -----------------------------------------------------------------------------------------------
def test_script_model_id_is_escaped_everywhere(fixture_client):
    api = fixture_client.get(f"/api/models/{EVIL_ID}")
    assert api.status_code == 200 and api.json()["model_id"] == EVIL_ID
    assert api.headers["content-type"].startswith("application/json")
    for url in (f"/models/{EVIL_ID}", f"/models/{ROOT}"):
        page = fixture_client.get(url)
        assert page.status_code == 200
        assert SCRIPT not in page.text, url
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;" in page.text or "\\u003cscript\\u003e" in page.text
    # the JSON island for the chart is escaped too (tojson), so it cannot close its <script> element
    page = fixture_client.get(f"/models/{EVIL_ID}")
    assert "\\u003cscript\\u003e" in page.text
    assert page.text.count("</script>") == page.text.count("<script")


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert (
        "default-src 'self'" in csp
        and "connect-src 'self'" in csp
        and "'unsafe-inline'" not in csp.split("style-src")[0]
    )
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
        "/static/..%2fpyproject.toml",
        "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/..%5c..%5cpyproject.toml",
        "/static/....//....//pyproject.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/../../../../../../etc/passwd",
        "/static/../app.py",
        "/static/../templates/base.html",
    ],
)
def test_static_path_traversal_refused(client, path):
    r = client.get(path)
    assert r.status_code in (404, 400), (path, r.status_code)
    assert "[project]" not in r.text and "root:" not in r.text and "create_app" not in r.text


def _raw_get(app, raw_path: str) -> tuple[int, bytes]:
    """Send a request whose path is passed to the app as is (HTTP clients normalise '..' away)."""
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body


@pytest.mark.parametrize(
    "raw",
    ["/static/../pyproject.toml", "/static/../../../pyproject.toml", "/static/../app.py", "/static/./../__init__.py"],
)
def test_static_traversal_with_unnormalised_path(bundled_db, raw):
    status, body = _raw_get(create_app(bundled_db), raw)
    assert status == 404 and b"[project]" not in body and b"import" not in body


def test_static_assets_served(client):
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "dashboard.js", "swagger-ui-bundle.js"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.content) > 1000, name


# -- docs -------------------------------------------------------------------------------------------------
def test_docs_are_offline(client):
    html = client.get("/docs").text
    assert "/static/swagger-ui-bundle.js" in html and "/static/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/redoc").status_code == 404
    spec = client.get("/openapi.json").json()
    assert {f"/api/metrics/{n}" for n in REGISTRY} <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/api/metrics/derivatives"]["get"]["parameters"]}
    assert {"by", "since", "until", "region", "format", "min_downloads", "top"} <= params


# -- cache and concurrency --------------------------------------------------------------------------------
def test_cache_hit_etag_and_invalidation(fixture_db, tmp_path, monkeypatch):
    path = tmp_path / "c.duckdb"
    shutil.copy(fixture_db, path)
    import atomscope.web.metricapi as api

    calls = []
    real = api.run_metric
    monkeypatch.setattr(api, "run_metric", lambda *a: calls.append(1) or real(*a))
    c = TestClient(create_app(path))
    first = c.get("/api/metrics/releases")
    again = c.get("/api/metrics/releases?by=region")  # the default grouping spelled out: same entry
    assert first.json() == again.json() and len(calls) == 1
    assert c.get("/api/metrics/releases", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    con = duckdb.connect(str(path))  # a write changes the warehouse version: the entry is recomputed
    con.execute(
        "INSERT INTO load_runs (run_id, kind, started_at, finished_at, status) VALUES (99, 'test', now(), now(), 'ok')"
    )
    con.close()
    assert c.get("/api/metrics/releases").json()["provenance"]["last_run_id"] == 99 and len(calls) == 2


def test_write_locked_warehouse_serves_stale_or_503(fixture_db, tmp_path):
    path = tmp_path / "locked.duckdb"
    shutil.copy(fixture_db, path)
    c = TestClient(create_app(path))
    assert c.get("/api/orgs").status_code == 200
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "c.execute('CREATE TABLE _w AS SELECT 1'); print('locked', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        time.sleep(0.2)
        stale = c.get("/api/orgs")
        assert stale.status_code == 200 and stale.headers.get("x-atomscope-stale") == "true"
        busy = c.get("/api/orgs?region=eu")
        assert busy.status_code == 503 and busy.headers["retry-after"]
        page = c.get("/models/allenai/OLMo-7B")  # an HTML page says so in HTML
        assert page.status_code == 503 and "cannot be read right now" in page.text
    finally:
        holder.kill()
        holder.wait()
    assert c.get("/api/orgs?region=eu").status_code == 200


def test_concurrent_misses_compute_once_and_cache_is_bounded(tmp_path):
    import threading

    from atomscope.web.cache import Payload, Store

    store = Store(tmp_path / "none.duckdb", cache_size=100, cache_bytes=25)
    calls = []

    def produce():
        calls.append(1)
        time.sleep(0.2)
        return Payload(b"0123456789", "text/plain", '"x"')

    threads = [threading.Thread(target=store.cached, args=("k", produce)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    for key in ("a", "b", "c"):
        store.cached(key, lambda: Payload(b"0123456789", "text/plain", '"y"'))
    assert store._bytes <= 25 and list(store._cache) == ["b", "c"]


def test_serve_command(tmp_path):
    from typer.testing import CliRunner

    from atomscope.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "--host" in result.output
    missing = runner.invoke(app, ["serve", "--db", str(tmp_path / "nothing.duckdb"), "--port", "0"])
    assert missing.exit_code != 0 and "atomscope init" in str(missing.exception)


# -- fuzz -------------------------------------------------------------------------------------------------
# Bounded: 3 generated cases per metric operation (a metric takes about a second on the real warehouse)
# and 25 per other operation, so the whole pass stays under a minute. Driven through Hypothesis directly:
# schemathesis's lazy pytest fixture loader (`schemathesis.pytest.from_fixture`) fails on pytest 9
# (`Function._nodeid`).
FUZZ_EXAMPLES = {"metric": 3, "other": 25}


def test_fuzz_no_server_error(fixture_db):
    """Every operation of the app's own OpenAPI schema, generated inputs: never a 5xx, and the response
    matches its documented status codes and schema."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(fixture_db))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= len(REGISTRY) + 5
    for operation in operations:
        kind = "metric" if operation.path.startswith("/api/metrics/") else "other"

        @settings(
            max_examples=FUZZ_EXAMPLES[kind],
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(checks=[not_a_server_error, status_code_conformance, response_schema_conformance])

        run()


def test_serve_refuses_a_synthetic_warehouse(fixture_db, tmp_path):
    from typer.testing import CliRunner

    from atomscope.cli import app
    from atomscope.warehouse import db as warehouse

    path = tmp_path / "synthetic.duckdb"
    shutil.copy(fixture_db, path)
    con = warehouse.connect(path)
    warehouse.start_run(con, "synthetic")
    con.close()
    result = CliRunner().invoke(app, ["serve", "--db", str(path), "--port", "0"])
    assert result.exit_code != 0
    assert "SYNTHETIC" in str(result.exception)
