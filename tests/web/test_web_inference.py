"""Dashboard card and API of `inference_share`: empty with instructions, then the imported shares."""

from __future__ import annotations

import shutil

from fastapi.testclient import TestClient

from atomscope.collect.openrouter import collect_openrouter
from atomscope.collect.openrouter_usage import import_usage
from atomscope.testing.openrouter import OpenRouterStandIn, sample_listing
from atomscope.warehouse import db
from atomscope.web.app import create_app


def test_card_is_empty_with_instructions_then_filled(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    client = TestClient(create_app(path))
    assert 'data-metric="inference_share"' in client.get("/").text
    empty = client.get("/api/metrics/inference_share").json()
    assert empty["rows"] == []
    assert empty["notes"][-1].startswith("no OpenRouter token usage imported: run `atomscope import openrouter FILE`")

    con = db.connect(path)
    with OpenRouterStandIn(sample_listing()) as stand_in:
        collect_openrouter(con, stand_in.url)
    usage = tmp_path / "usage.csv"
    usage.write_text("date,model,tokens\n2025-06-02,qwen/qwen3-235b-a22b:free,30\n2025-06-02,openai/gpt-4o,70\n")
    import_usage(con, usage)
    con.close()
    client = TestClient(create_app(path))
    doc = client.get("/api/metrics/inference_share").json()
    assert [(r["region"], r["tokens"], r["share"]) for r in doc["rows"]] == [("closed", 70, 0.7), ("china", 30, 0.3)]
    assert doc["chart"]["y"] == "share"
