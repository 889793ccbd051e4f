"""One Hub access object for every collector; `HF_ENDPOINT` read in one place (collect/hub/access.py)."""

from __future__ import annotations

import re
from pathlib import Path

from atomscope.collect.hub.access import DEFAULT_ENDPOINT, HubAccess, hub_endpoint
from atomscope.testing.hub import DEFAULT_TOKEN

SRC = Path(__file__).resolve().parents[2] / "src" / "atomscope"


def test_the_endpoint_is_the_option_else_hf_endpoint_else_the_public_hub(monkeypatch):
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    assert hub_endpoint() == DEFAULT_ENDPOINT
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    assert hub_endpoint() == "http://127.0.0.1:9"  # read when asked, not at import
    assert hub_endpoint("http://localhost:8/") == "http://localhost:8"
    access = HubAccess.resolve("http://user:secret@127.0.0.1:7/hub", token=DEFAULT_TOKEN, max_requests=3)
    assert access.public == "http://127.0.0.1:7/hub"  # what is stored and printed: no credentials
    client = access.client()
    assert client.endpoint == access.endpoint and client.max_requests == 3 and client.policy == access.policy
    assert access.api().endpoint == access.endpoint and access.filesystem().endpoint == access.endpoint
    assert access.headers()["authorization"] == f"Bearer {DEFAULT_TOKEN}"


def test_hf_endpoint_is_read_in_exactly_one_place_and_the_collectors_share_the_access_object():
    readers, builders = [], []
    for path in sorted(SRC.rglob("*.py")):
        if "testing" in path.relative_to(SRC).parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"HF_ENDPOINT|constants\.ENDPOINT", text.replace("$HF_ENDPOINT", "")):
            readers.append(path.relative_to(SRC).as_posix())
        if re.search(r"\b(HfApi|HubClient|HfFileSystem)\(", text):
            builders.append(path.relative_to(SRC).as_posix())
    assert readers == ["collect/hub/access.py"]
    assert builders == ["collect/hub/access.py", "collect/hub/client.py"]  # HubClient builds its HfApi
