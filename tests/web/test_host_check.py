"""Only requests addressed to a loopback name (or an --allow-host name) are answered (DNS rebinding)."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from atomscope.web.app import LOOPBACK_HOSTS, create_app


@pytest.fixture
def app(served_db):
    return create_app(served_db, allowed_hosts=LOOPBACK_HOSTS)


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"])
def test_loopback_names_are_answered(app, host):
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/api/status", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "testserver", ""])
def test_other_names_are_refused(app, host):
    with TestClient(app, base_url="http://127.0.0.1") as client:
        r = client.get("/api/orgs", headers={"Host": host})
    assert r.status_code == 400 and "Qwen" not in r.text


def test_serve_allow_host_adds_names(cli, served_db, monkeypatch):
    import uvicorn

    captured = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: captured.update(app=app, **kw))
    assert cli("serve", "--db", served_db, "--allow-host", "atomscope.lan", "--port", "0").code == 0
    client = TestClient(captured["app"], base_url="http://127.0.0.1")  # no lifespan: no cache-warming thread
    assert client.get("/api/status", headers={"Host": "atomscope.lan:8000"}).status_code == 200
    assert client.get("/api/status", headers={"Host": "localhost"}).status_code == 200
    assert client.get("/api/status", headers={"Host": "rebound.example"}).status_code == 400


def test_a_real_socket_request_with_a_foreign_host_is_refused(served_db, live_server):
    base = live_server(create_app(served_db, allowed_hosts=LOOPBACK_HOSTS))
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/api/status").status_code == 200
        assert client.get("/api/status", headers={"Host": "attacker.example"}).status_code == 400
