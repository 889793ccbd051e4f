"""`collect openrouter` against the loopback stand-in of the public models listing."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from hub_helpers import CLI, cli_env, run_cli, run_main_in_process

from atomscope.collect.openrouter import collect_openrouter, parse_entry
from atomscope.domain.errors import OpenRouterListingError, OpenRouterUnreachableError
from atomscope.testing.openrouter import OpenRouterStandIn, listing_entry, sample_listing
from atomscope.warehouse import db

DAY = date(2025, 6, 2)


@pytest.fixture
def con(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    connection = db.connect(path)
    yield connection
    connection.close()


def stored(con, day: date = DAY) -> dict[str, tuple]:
    rows = con.execute(
        "SELECT model_slug, base_slug, author, hub_repo, hub_repo_source, org_key, open_weights"
        " FROM openrouter_models WHERE listing_date = ?",
        [day],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_listing_maps_slugs_to_hub_repos_and_registry_orgs(con):
    with OpenRouterStandIn(sample_listing()) as stand_in:
        summary = collect_openrouter(con, stand_in.url, day=DAY)
        assert stand_in.requests == ["/api/v1/models"]
    rows = stored(con)
    assert len(rows) == summary.entries == summary.stored == 12
    assert rows["qwen/qwen3-235b-a22b"] == (
        "qwen/qwen3-235b-a22b",
        "qwen",
        "Qwen/Qwen3-235B-A22B",
        "listing",
        "alibaba",
        True,
    )
    assert rows["qwen/qwen3-235b-a22b:free"][0] == "qwen/qwen3-235b-a22b"  # the variant keeps its base slug
    assert rows["z-ai/glm-4.5"][4] == "zhipu"
    assert rows["moonshotai/kimi-k2"][4] == "moonshot"
    assert rows["meta-llama/llama-3.3-70b-instruct"][4] == "meta"
    assert rows["mistralai/mistral-nemo"][4] == "mistral"
    # empty-string and null hugging_face_id: closed weights, organization still resolved
    assert rows["openai/gpt-4o"] == ("openai/gpt-4o", "openai", None, None, "openai", False)
    assert rows["google/gemini-2.5-flash"][2:] == (None, None, "google", False)
    # an author the registry does not know: kept, no org guessed
    assert rows["thedrummer/rocinante-12b"][4] is None
    assert summary.unknown_authors == ["thedrummer"]
    assert (summary.open_weights, summary.closed) == (9, 3)


def test_curated_mapping_opens_a_model_the_listing_gives_no_repo(con):
    con.execute("INSERT INTO openrouter_model_repos VALUES ('openai/gpt-4o', 'openai/not-real', 'test', 1)")
    with OpenRouterStandIn([listing_entry("openai/gpt-4o:free", ""), listing_entry("openai/gpt-4o", None)]) as s:
        collect_openrouter(con, s.url, day=DAY)
    rows = stored(con)
    assert rows["openai/gpt-4o"][2:] == ("openai/not-real", "curated", "openai", True)
    assert rows["openai/gpt-4o:free"][2:] == ("openai/not-real", "curated", "openai", True)


def test_rerun_same_day_adds_nothing_and_next_day_adds_a_listing(con):
    with OpenRouterStandIn(sample_listing()) as stand_in:
        collect_openrouter(con, stand_in.url, day=DAY)
        before = con.execute("SELECT * FROM openrouter_models ORDER BY model_slug").fetchall()
        again = collect_openrouter(con, stand_in.url, day=DAY)
        assert (again.stored, again.already_stored) == (0, 12)
        assert con.execute("SELECT * FROM openrouter_models ORDER BY model_slug").fetchall() == before
        collect_openrouter(con, stand_in.url, day=date(2025, 6, 3))
    assert con.execute("SELECT count(*) FROM openrouter_models").fetchone()[0] == 24


def test_tolerates_missing_and_extra_fields_and_skips_unusable_entries(con):
    minimal = {"id": "deepseek/deepseek-r1"}  # every other field missing
    odd = listing_entry("qwen/qwen3-32b", "Qwen/Qwen3-32B", created="yesterday", context_length=None,
                        brand_new_field={"x": 1})  # fmt: skip
    entries = [minimal, odd, {"name": "no id"}, "not an object", {"id": "not a slug"}, {"id": "deepseek/deepseek-r1"}]
    with OpenRouterStandIn(entries) as stand_in:
        summary = collect_openrouter(con, stand_in.url, day=DAY)
    assert set(stored(con)) == {"deepseek/deepseek-r1", "qwen/qwen3-32b"}
    assert dict(summary.skipped) == {"missing:id": 1, "not_an_object": 1, "unexpected_id": 1, "duplicate_id": 1}
    assert stored(con)["deepseek/deepseek-r1"][2:] == (None, None, "deepseek", False)
    created = con.execute("SELECT created FROM openrouter_models WHERE model_slug = 'qwen/qwen3-32b'").fetchone()[0]
    assert created is None


def test_parse_entry_reads_created_as_unix_seconds():
    parsed = parse_entry(listing_entry("qwen/qwen3-32b", "Qwen/Qwen3-32B", created=1745884800))
    assert parsed.created.isoformat() == "2025-04-29T00:00:00"
    assert parse_entry(listing_entry("qwen/qwen3-32b", "not a hub id")).hugging_face_id is None


def test_http_error_and_bad_shape_write_nothing(con):
    with OpenRouterStandIn(sample_listing()) as stand_in:
        stand_in.status = 503
        with pytest.raises(OpenRouterUnreachableError, match="HTTP 503"):
            collect_openrouter(con, stand_in.url, day=DAY)
        stand_in.status, stand_in.body = None, json.dumps([{"id": "qwen/qwen3-32b"}]).encode()
        with pytest.raises(OpenRouterListingError, match="`data` array"):
            collect_openrouter(con, stand_in.url, day=DAY)
        stand_in.body = b"{not json"
        with pytest.raises(OpenRouterListingError, match="not JSON"):
            collect_openrouter(con, stand_in.url, day=DAY)
        stand_in.body = b"<html><body>Sign in to the Wi-Fi</body></html>"  # a captive portal: unreachable
        with pytest.raises(OpenRouterUnreachableError, match="HTML page"):
            collect_openrouter(con, stand_in.url, day=DAY)
    assert con.execute("SELECT count(*) FROM openrouter_models").fetchone()[0] == 0


def test_cli_collects_and_exits_2_when_unreachable(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    env = cli_env(tmp_path)
    with OpenRouterStandIn(sample_listing()) as stand_in:
        done = run_main_in_process(["collect", "openrouter", "--db", str(path), "--endpoint", stand_in.url], env)
    assert done.returncode == 0, done.stderr
    assert "12 entries, 12 stored" in done.stderr and "thedrummer" in done.stderr
    # the real process: its exit status and stderr
    closed = run_cli([str(CLI), "collect", "openrouter", "--db", str(path), "--endpoint", "http://127.0.0.1:9"], env)
    assert closed.returncode == 2
    assert "the OpenRouter models listing http://127.0.0.1:9/api/v1/models: cannot reach 127.0.0.1:9" in closed.stderr
    assert "Traceback" not in closed.stderr


def test_stand_in_refuses_non_loopback_hosts():
    with pytest.raises(ValueError, match="loopback"):
        OpenRouterStandIn([], host="0.0.0.0")


def test_unknown_author_takes_the_org_of_its_hub_namespace_and_api_base_endpoint_works(con):
    # `Qwen` is a registry hf alias; the author slug below is not an openrouter alias
    entries = [listing_entry("some-host/qwen3-32b-turbo", "Qwen/Qwen3-32B"), listing_entry("some-host/closed", "")]
    with OpenRouterStandIn(entries) as stand_in:
        summary = collect_openrouter(con, stand_in.url + "/api/v1/", day=DAY)
        assert stand_in.requests == ["/api/v1/models"]
    rows = stored(con)
    assert rows["some-host/qwen3-32b-turbo"][4] == "alibaba"
    assert rows["some-host/closed"][4] is None
    assert summary.unknown_authors == ["some-host"]
