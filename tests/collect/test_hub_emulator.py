"""The Hub emulator driven through the REAL ``huggingface_hub.HfApi`` (all served data is SYNTHETIC).

Nothing leaves the machine: ``HF_ENDPOINT`` points at the emulator and ``loopback_only()`` makes
huggingface_hub's shared HTTP client refuse any non-loopback host.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import httpx2
import pytest
from huggingface_hub import HfApi, constants
from huggingface_hub.errors import (
    BadRequestError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import _http, parse_ratelimit_headers

from atomscope.testing._synthetic_build import load_catalog
from atomscope.testing.hub import DEFAULT_TOKEN, HubEmulator, NonLoopbackRequestError, loopback_only
from atomscope.testing.hub_faults import Faults, ManualClock, SchemaDrift
from atomscope.testing.synthetic_hub import RELATIONS, SyntheticHub

ORGS = ["Qwen", "allenai"]


@pytest.fixture(autouse=True)
def _offline_safe(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    with loopback_only():
        yield


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record huggingface_hub's backoff sleeps instead of sleeping (the emulator clock is moved instead)."""
    recorded: list[float] = []
    monkeypatch.setattr(_http, "time", SimpleNamespace(sleep=recorded.append))
    return recorded


@pytest.fixture
def hub() -> SyntheticHub:
    return SyntheticHub.from_catalog(seed=0, orgs=ORGS, max_models_per_org=4)


@pytest.fixture
def emu(hub: SyntheticHub, monkeypatch: pytest.MonkeyPatch):
    with HubEmulator(hub, page_size=5) as emulator:
        monkeypatch.setenv("HF_ENDPOINT", emulator.url)
        monkeypatch.setattr(constants, "ENDPOINT", emulator.url)
        yield emulator


def api(emu: HubEmulator, token: str | bool = DEFAULT_TOKEN) -> HfApi:
    return HfApi(endpoint=emu.url, token=token)


def public_ids(hub: SyntheticHub, author: str) -> set[str]:
    return {m.id for m in hub.iter_public() if m.namespace == author}


# ---------------------------------------------------------------- listing
def test_list_by_author_walks_every_page_with_expand(hub: SyntheticHub, emu: HubEmulator) -> None:
    expand = ["downloads", "downloadsAllTime", "createdAt", "safetensors", "tags"]
    models = list(api(emu).list_models(author="Qwen", expand=expand))
    expected = public_ids(hub, "Qwen")
    assert {m.id for m in models} == expected and len(models) == len(expected)
    # page size is the server's (5 here) when list_models gets no `limit`: one request per page
    assert emu.request_count("/api/models", status=200) == math.ceil(len(expected) / 5)
    assert emu.requests[1].query["cursor"] and emu.requests[1].query["expand"] == expand
    for m in models:
        month, all_time = hub.expected_downloads(m.id)
        assert (m.downloads, m.downloads_all_time) == (month, all_time)
        assert m.created_at is not None and m.tags
        assert m.likes is None and m.author is None  # expand returns only the asked fields


def test_limit_is_both_page_size_and_total_cap(emu: HubEmulator) -> None:
    models = list(api(emu).list_models(author="Qwen", limit=2))
    assert len(models) == 2
    assert emu.request_count("/api/models") == 1  # islice stops before the next page
    assert emu.requests[0].query["limit"] == ["2"]


def test_default_listing_shape_and_sort(hub: SyntheticHub, emu: HubEmulator) -> None:
    models = list(api(emu).list_models(author="allenai", sort="downloads"))
    downloads = [m.downloads for m in models]
    assert downloads == sorted(downloads, reverse=True)
    assert emu.requests[0].query["sort"] == ["downloads"]
    first = models[0]
    assert first.likes is not None and first.created_at is not None and first.pipeline_tag
    assert first.downloads_all_time is None  # not in the compact listing, as on the Hub


def test_filter_by_base_model_tag_sorted_by_creation(hub: SyntheticHub, emu: HubEmulator) -> None:
    edges = hub.derivative_edges()
    root = Counter(e.parent for e in edges if e.relation == "finetune").most_common(1)[0][0]
    want = {e.child for e in edges if e.parent == root and e.relation == "finetune"}
    found = list(api(emu).list_models(filter=f"base_model:finetune:{root}", sort="created_at",
                                      expand=["createdAt", "tags"]))  # fmt: skip
    assert {m.id for m in found} == want
    created = [m.created_at for m in found]
    assert created == sorted(created, reverse=True)


def test_unknown_expand_is_a_bad_request(emu: HubEmulator) -> None:
    with pytest.raises(BadRequestError):
        list(api(emu).list_models(author="Qwen", expand=["downloadz"]))  # type: ignore[list-item]


# ---------------------------------------------------------------- model info & availability
def test_model_info_with_expand_and_revision(hub: SyntheticHub, emu: HubEmulator) -> None:
    merge = next(m for m in hub.models.values() if m.relation == "merge" and len(m.parents) == 2)
    info = api(emu).model_info(merge.id, expand=["downloads", "downloadsAllTime", "baseModels", "tags"])
    assert (info.downloads, info.downloads_all_time) == hub.expected_downloads(merge.id)
    assert info.base_models == {"relation": "merge", "models": [{"id": p} for p in merge.parents]}
    assert all(f"base_model:merge:{p}" in info.tags for p in merge.parents)
    assert api(emu).model_info(merge.id, revision="main").sha == merge.sha
    with pytest.raises(RevisionNotFoundError):
        api(emu).model_info(merge.id, revision="no-such-branch")


def test_unknown_repo_is_repository_not_found(emu: HubEmulator) -> None:
    with pytest.raises(RepositoryNotFoundError) as authed:
        api(emu).model_info("synth-nobody/missing")
    with pytest.raises(RepositoryNotFoundError) as anonymous:
        api(emu, token=False).model_info("synth-nobody/missing")
    assert authed.value.response.status_code == 404 and anonymous.value.response.status_code == 401


def test_removed_and_private_repos(hub: SyntheticHub, emu: HubEmulator) -> None:
    gone, hidden = sorted(public_ids(hub, "Qwen"))[:2]
    hub.remove(gone)
    hub.make_private(hidden)
    with pytest.raises(RepositoryNotFoundError):
        api(emu).model_info(gone)
    with pytest.raises(RepositoryNotFoundError):
        api(emu, token=False).model_info(hidden)
    assert api(emu).model_info(hidden).private is True
    anonymous = {m.id for m in api(emu, token=False).list_models(author="Qwen")}
    authed = {m.id for m in api(emu).list_models(author="Qwen")}
    assert gone not in authed and hidden not in anonymous and hidden in authed


def test_gated_repo_listed_and_gated_error_when_inaccessible(hub: SyntheticHub, emu: HubEmulator) -> None:
    target = hub.tracked_ids()[0]
    hub.gate(target, "manual")
    assert api(emu).model_info(target).gated == "manual"  # metadata stays readable by default
    hub.gate(target, "manual", inaccessible=True)
    with pytest.raises(GatedRepoError) as err:
        api(emu).model_info(target)
    assert err.value.response.status_code == 403
    with pytest.raises(GatedRepoError):
        api(emu, token=False).model_info(target)
    listed = {m.id: m.gated for m in api(emu).list_models(author=target.split("/")[0], expand=["gated"])}
    assert listed[target] == "manual"


def test_renamed_repo_redirects_to_the_new_id(hub: SyntheticHub, emu: HubEmulator) -> None:
    old = hub.tracked_ids()[0]
    new = f"{old.split('/')[0]}/renamed-model"
    hub.rename(old, new)
    info = api(emu).model_info(old, expand=["downloads"])
    assert info.id == new
    assert [r.status for r in emu.requests] == [307, 200]
    assert emu.requests[1].query == {"expand": ["downloads"]}
    listed = {m.id for m in api(emu).list_models(author=old.split("/")[0])}
    assert new in listed and old not in listed


def test_invalid_token_is_rejected(emu: HubEmulator) -> None:
    with pytest.raises(HfHubHTTPError) as err:
        list(api(emu, token="hf_wrong").list_models(author="Qwen"))
    assert err.value.response.status_code == 401


# ---------------------------------------------------------------- rate limit & faults
def test_429_is_retried_by_list_models_after_the_advertised_reset(hub: SyntheticHub, sleeps: list[float]) -> None:
    clock = ManualClock()
    with HubEmulator(hub, page_size=2, rate_limit=(2, 30), clock=clock) as emu:

        def sleep_and_tick(seconds: float) -> None:
            sleeps.append(seconds)
            clock.advance(seconds)

        _http.time.sleep = sleep_and_tick
        models = list(api(emu).list_models(author="Qwen"))
    assert len(models) == len(public_ids(hub, "Qwen"))
    statuses = [r.status for r in emu.requests]
    assert 429 in statuses and statuses[-1] == 200
    assert sleeps and sleeps[0] == 31  # huggingface_hub waits RateLimit t (=30) + 1 s


def test_429_on_model_info_is_not_retried_and_carries_hub_headers(hub: SyntheticHub) -> None:
    with HubEmulator(hub, rate_limit=(1, 300), clock=ManualClock()) as emu:
        target = hub.tracked_ids()[0]
        api(emu).model_info(target)
        with pytest.raises(HfHubHTTPError) as err:
            api(emu).model_info(target)
    response = err.value.response
    assert response.status_code == 429 and response.headers["Retry-After"] == "300"
    info = parse_ratelimit_headers(response.headers)
    assert info is not None and (info.remaining, info.limit, info.window_seconds) == (0, 1, 300)
    assert "rate limit" in str(err.value)


def test_5xx_burst_retried_on_listing_but_not_on_info(hub: SyntheticHub, emu: HubEmulator, sleeps: list[float]):
    emu.faults.fail_next(2, status=503, path_prefix="/api/models")
    models = list(api(emu).list_models(author="allenai"))
    assert {m.id for m in models} == public_ids(hub, "allenai")
    assert sleeps[:2] == [1, 2] and emu.request_count(status=503) == 2
    emu.faults.fail_next(1, status=502)
    with pytest.raises(HfHubHTTPError) as err:
        api(emu).model_info(hub.tracked_ids()[0])
    assert err.value.response.status_code == 502


def test_truncated_bodies(hub: SyntheticHub, emu: HubEmulator, sleeps: list[float]) -> None:
    target = hub.tracked_ids()[0]
    emu.faults.truncate_next(1, path_prefix="/api/models/")
    with pytest.raises(json.JSONDecodeError):
        api(emu).model_info(target)
    emu.faults.truncate_next(1, path_prefix="/api/models", mode="connection")
    with pytest.raises(httpx2.RemoteProtocolError):
        api(emu).model_info(target)
    emu.faults.truncate_next(1, mode="connection")  # a listing page cut mid-body is retried by the client
    assert {m.id for m in api(emu).list_models(author="allenai")} == public_ids(hub, "allenai")
    assert sleeps == [1]


def test_schema_drift_is_visible(hub: SyntheticHub) -> None:
    faults = Faults(drifts=[SchemaDrift("downloads", "string")])
    with HubEmulator(hub, faults=faults) as emu:
        models = list(api(emu).list_models(author="Qwen", expand=["downloads", "likes"]))
        assert all(isinstance(m.downloads, str) for m in models)
        emu.faults.clear()
        emu.faults.drift(SchemaDrift("likes", "missing", every=2))
        models = list(api(emu).list_models(author="Qwen", expand=["downloads", "likes"]))
    drifted = {m.id for m in models if m.likes is None}
    assert drifted == {m.id for m in models if SchemaDrift("likes", every=2).applies_to(m.id)}
    assert all(isinstance(m.downloads, int) for m in models)


def test_slow_responses_are_logged(hub: SyntheticHub, emu: HubEmulator) -> None:
    emu.faults.slow_down(0.3, path_prefix="/api/models/")
    with pytest.raises(httpx2.TimeoutException):
        api(emu).model_info(hub.tracked_ids()[0], timeout=0.05)
    emu.faults.slow_down(0.1)
    api(emu).model_info(hub.tracked_ids()[0])
    assert emu.requests[-1].duration_s >= 0.1


def test_concurrent_clients_while_the_hub_changes(hub: SyntheticHub, emu: HubEmulator) -> None:
    ids = hub.tracked_ids()
    client = api(emu)

    def fetch(i: int) -> int:
        if i % 10 == 0:
            hub.advance(days=1)
        return client.model_info(ids[i % len(ids)], expand=["downloadsAllTime"]).downloads_all_time

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fetch, range(80)))
    assert len(results) == 80 and all(isinstance(r, int) for r in results)
    assert emu.request_count("/api/models/", status=200) == 80


def test_nothing_leaves_loopback() -> None:
    with pytest.raises(NonLoopbackRequestError):
        HfApi(endpoint="https://huggingface.co", token=False).model_info("Qwen/Qwen2.5-7B")


# ---------------------------------------------------------------- synthetic hub ground truth
def test_advance_grows_downloads_consistently(hub: SyntheticHub, emu: HubEmulator) -> None:
    expand = ["downloads", "downloadsAllTime"]
    day0 = hub.today
    before = {m.id: m for m in api(emu).list_models(expand=expand)}
    hub.advance(days=1)
    after = {m.id: m for m in api(emu).list_models(expand=expand)}
    for mid, old in before.items():
        grown = after[mid].downloads_all_time - old.downloads_all_time
        assert grown == hub.all_models[mid].daily_downloads(day0)  # all-time grows by the daily rate
    assert any(m.downloads_all_time > before[mid].downloads_all_time for mid, m in after.items() if mid in before)
    future = [m.id for m in hub.all_models.values() if m.created_at.date() > hub.today]
    assert future and not set(future) & set(after)
    hub.advance(days=5)
    assert set(future) <= {m.id for m in api(emu).list_models()}  # derivatives appear on their creation day


def test_synthetic_hub_structure() -> None:
    hub = SyntheticHub.from_catalog(seed=3, orgs=ORGS, max_models_per_org=3)
    catalog = {model_id for model_id, _org, _list in load_catalog()}
    assert set(hub.tracked_ids()) <= catalog and len(hub.tracked_ids()) == 6
    edges = hub.derivative_edges(include_future=True)
    assert {e.relation for e in edges} == set(RELATIONS)
    parents = {}
    for e in edges:
        parents.setdefault(e.child, set()).add(e.parent)
    assert any(len(p) > 1 for p in parents.values())  # multi-parent merges

    def depth(model_id: str) -> int:
        return 0 if model_id not in parents else 1 + max(depth(p) for p in parents[model_id])

    assert max(depth(c) for c in parents) >= 3
    low = [m for m in hub.all_models.values() if m.kind == "derivative" and m.downloads_30d(hub.today) <= 5]
    assert low
    first_party = hub.ids_of_kind("first_party")
    assert any(i.endswith("-GGUF") for i in first_party) and any("-Guard-" in i for i in first_party)
    assert any(hub.all_models[i].pipeline_tag == "feature-extraction" for i in first_party)
    edge_tags = [t for i in hub.edge_case_ids for t in hub.all_models[i].tags]
    assert "base_model:" in edge_tags and any(t.startswith("base_model:distill:") for t in edge_tags)
    assert any("/" not in i for i in hub.edge_case_ids)
    again = SyntheticHub.from_catalog(seed=3, orgs=ORGS, max_models_per_org=3)
    assert [(m.id, m.base_rate, m.created_at) for m in again.all_models.values()] == [
        (m.id, m.base_rate, m.created_at) for m in hub.all_models.values()
    ]
    assert SyntheticHub.from_catalog(seed=0).tracked_ids()  # the whole catalog builds
