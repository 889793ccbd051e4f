"""A damaged warehouse is a 503 with the reason, never a 500, and the server recovers."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from atomscope.web.app import create_app

URLS = ["/api/orgs", "/api/status", "/api/metrics/releases", "/api/models?org=Qwen", "/", "/models/Qwen/Qwen3-8B"]


def _swap(path, content: bytes) -> None:
    tmp = path.with_name(path.name + ".swap")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def test_damaged_file_is_503_with_a_message_then_recovers(served_db):
    good = served_db.read_bytes()
    client = TestClient(create_app(served_db), raise_server_exceptions=False)
    assert client.get("/api/orgs").status_code == 200
    for broken in (good[: len(good) // 3], os.urandom(40_000), b""):
        _swap(served_db, broken)
        for url in URLS:
            r = client.get(url)
            assert r.status_code == 503, (url, r.status_code, r.text[:200])
            if url.startswith("/api"):
                assert r.json()["detail"]
    _swap(served_db, good)
    for url in URLS:
        assert client.get(url).status_code == 200, url
