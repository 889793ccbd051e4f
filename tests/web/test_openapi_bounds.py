"""Issue 29 item 17: every value a metric's OpenAPI schema allows is answered (the schema states the real bounds)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from atomscope.warehouse import db
from atomscope.web.app import create_app


@pytest.fixture
def client(tmp_path):
    path = tmp_path / "w.duckdb"
    db.connect(path).close()
    return TestClient(create_app(path), raise_server_exceptions=False)


def _bounded_params(spec):
    for path, item in spec["paths"].items():
        if not path.startswith("/api/metrics/") or "{" in path:
            continue
        for param in item["get"]["parameters"]:
            schema = param.get("schema", {})
            if schema.get("type") in ("integer", "number") and "maximum" in schema:
                yield path, param["name"], schema["minimum"], schema["maximum"]


def test_the_schema_bounds_of_every_metric_parameter_are_answered(client):
    bounded = list(_bounded_params(client.get("/openapi.json").json()))
    assert ("/api/metrics/derivatives", "max_depth", 1, 20) in bounded
    for path, name, low, high in bounded:
        for value in (low, high):
            r = client.get(path, params={name: value})
            assert r.status_code == 200, (path, name, value, r.text[:200])
        assert client.get(path, params={name: high + 1}).status_code == 422, (path, name)


def test_readme_states_the_servers_queue_limits():
    """README's "Bounded work" numbers are the store's defaults (it once said 0.5 s where the code waits 10 s)."""
    import inspect
    import re
    from pathlib import Path

    from atomscope.web.cache import Store

    defaults = {k: p.default for k, p in inspect.signature(Store).parameters.items()}
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8").split())
    found = re.search(
        r"At most (\d+) uncached computations run at once; up to (\d+) more wait at most ([\d.]+) s", readme
    )
    assert found, "README's Bounded work sentence changed: update this test with it"
    stated = (int(found[1]), int(found[2]), float(found[3]))
    assert stated == (defaults["max_computations"], defaults["queue_limit"], defaults["queue_wait"])
