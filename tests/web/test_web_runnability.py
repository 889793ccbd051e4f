"""Dashboard card "What you can run yourself", the runnability API and the model page's runnability table."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from atomscope.domain.hardware import memory_gb, smallest_class
from atomscope.web.app import create_app


@pytest.fixture(scope="module")
def client(bundled_db):
    return TestClient(create_app(bundled_db))


def test_dashboard_has_the_card_and_its_script(client):
    page = client.get("/").text
    assert 'id="runnable-card"' in page and "What you can run yourself" in page
    assert '<script src="/static/runnable.js"></script>' in page
    script = client.get("/static/runnable.js")
    assert script.status_code == 200 and "/api/metrics/runnability?by=" in script.text
    assert "innerHTML" not in script.text  # DOM built with textContent only


def test_api_serves_best_and_region_views_as_tables(client):
    best = client.get("/api/metrics/runnability?by=best").json()
    assert best["rows"] and best["chart"]["mark"] == "table"
    latest = max(r["snapshot_date"] for r in best["rows"])
    leaders = [r for r in best["rows"] if r["snapshot_date"] == latest]
    assert all(r["leading_since"] <= latest for r in leaders)
    assert all(r["memory_gb"] == pytest.approx(memory_gb(r["total_params_b"], 4)) for r in leaders)
    region = client.get("/api/metrics/runnability?by=region").json()
    assert {r["quantization"] for r in region["rows"]} == {"bf16", "int8", "q4"}


def test_model_page_shows_memory_per_quantization(client):
    detail = client.get("/api/models/Qwen/Qwen3-8B").json()
    total = detail["parameters"]["total_params_b"]
    rows = {r["quantization"]: r for r in detail["runnability"]}
    assert rows["q4"]["memory_gb"] == pytest.approx(round(memory_gb(total, 4), 1))
    assert rows["bf16"]["smallest_class"] == smallest_class(memory_gb(total, 16))
    page = client.get("/models/Qwen/Qwen3-8B").text
    assert 'id="runnability"' in page and f"{rows['bf16']['memory_gb']} GB" in page
