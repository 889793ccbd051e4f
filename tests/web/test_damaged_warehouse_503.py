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


def test_a_corrupt_block_is_damaged_not_a_lock_and_no_stale_answer(served_db):
    """Issue 29 item 14: DuckDB's "... in block at location N" must not read as a lock ("block")."""
    client = TestClient(create_app(served_db), raise_server_exceptions=False)
    assert client.get("/api/orgs").status_code == 200  # cached at the good version
    damaged = bytearray(served_db.read_bytes())
    for offset in range(3 * 4096, len(damaged), 256 * 1024):  # every block's stored checksum (after the headers)
        damaged[offset : offset + 8] = bytes(range(8))
    _swap(served_db, bytes(damaged))
    for _ in range(3):
        r = client.get("/api/orgs")
        assert r.status_code == 503, r.text[:200]
        detail = r.json()["detail"]
        assert "damaged" in detail and "block" in detail
        assert "being written" not in detail and "retry shortly" not in detail
        assert "Retry-After" not in r.headers
