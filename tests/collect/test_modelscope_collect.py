"""`collect modelscope` through the real `modelscope-hub` client against the loopback stand-in (SYNTHETIC counts)."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from hub_helpers import CLI, cli_env, run_cli, run_main_in_process

from atomscope.collect.modelscope import CollectOptions, collect_modelscope
from atomscope.domain.errors import ModelScopeAnswerError, ModelScopeUnreachableError
from atomscope.testing.modelscope import ModelScopeStandIn, ms_model
from atomscope.warehouse import db

DAY = date(2025, 6, 2)


@pytest.fixture
def con(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    connection = db.connect(path)
    yield connection
    connection.close()


def sample() -> list:
    return [
        ms_model("Qwen/Qwen3-8B", 1200, tags=["qwen3"], license="apache-2.0"),
        ms_model("Qwen/Qwen3-8B-GGUF-community-build", 30),  # no Hub twin among tracked models
        ms_model("ZhipuAI/GLM-4.5", 700, created_at="2025-07-28T00:00:00Z", legacy_only=True),
        ms_model("deepseek-ai/DeepSeek-R1", 5000),
        ms_model("LLM-Research/Meta-Llama-3-8B", 900),  # not a tracked organization's namespace
    ]


def options(url: str, **kw) -> CollectOptions:
    return CollectOptions(endpoint=url, day=DAY, retries=kw.pop("retries", 0), timeout=5.0, **kw)


def stored(con, day: date = DAY) -> dict[str, tuple]:
    rows = con.execute(
        "SELECT modelscope_id, downloads, org_key, model_id, match, license, created_at"
        " FROM modelscope_snapshots WHERE snapshot_date = ?",
        [day],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_snapshot_reads_tracked_namespaces_and_maps_twins_by_name_under_an_alias(con):
    with ModelScopeStandIn(sample()) as stand_in:
        summary = collect_modelscope(con, options(stand_in.url, orgs=["alibaba", "zhipu", "deepseek"]))
    rows = stored(con)
    assert set(rows) == {"Qwen/Qwen3-8B", "Qwen/Qwen3-8B-GGUF-community-build", "ZhipuAI/GLM-4.5",
                         "deepseek-ai/DeepSeek-R1"}  # fmt: skip
    assert rows["Qwen/Qwen3-8B"][:4] == (1200, "alibaba", "Qwen/Qwen3-8B", "name")
    # ZhipuAI on ModelScope, zai-org on the Hub: one organization, so the same name is the same model;
    # the stand-in serves it on the legacy surface only, in PascalCase, which the client falls back to
    assert rows["ZhipuAI/GLM-4.5"][:4] == (700, "zhipu", "zai-org/GLM-4.5", "name")
    assert rows["ZhipuAI/GLM-4.5"][5].date() == date(2025, 7, 28)
    assert rows["deepseek-ai/DeepSeek-R1"][2] == "deepseek-ai/DeepSeek-R1"
    # unmapped: stored with its organization but no twin, and listed
    assert rows["Qwen/Qwen3-8B-GGUF-community-build"][1:4] == ("alibaba", None, None)
    assert summary.unmapped == ["Qwen/Qwen3-8B-GGUF-community-build"]
    assert summary.mapped == 3
    run = con.execute("SELECT kind, status, synthetic FROM load_runs WHERE run_id = ?", [summary.run_id]).fetchone()
    assert run == ("modelscope_snapshot", "ok", True)


def test_rerun_same_day_adds_nothing_and_next_day_adds_a_snapshot(con):
    with ModelScopeStandIn(sample()) as stand_in:
        first = collect_modelscope(con, options(stand_in.url, orgs=["alibaba"]))
        again = collect_modelscope(con, options(stand_in.url, orgs=["alibaba"]))
        stand_in.find("Qwen/Qwen3-8B").downloads = 1500
        later = collect_modelscope(
            con, CollectOptions(endpoint=stand_in.url, day=date(2025, 6, 3), orgs=["alibaba"], retries=0)
        )
    assert (first.stored, again.stored, again.already_stored, later.stored) == (2, 0, 2, 2)
    counts = con.execute(
        "SELECT snapshot_date, downloads FROM modelscope_snapshots WHERE modelscope_id = 'Qwen/Qwen3-8B' ORDER BY 1"
    ).fetchall()
    assert counts == [(DAY, 1200), (date(2025, 6, 3), 1500)]


def test_listing_pages_within_the_page_size_limit_and_max_requests_resumes(con):
    models = [ms_model(f"Qwen/Qwen-synthetic-{i:02d}", i) for i in range(7)]
    with ModelScopeStandIn(models, max_page_size=3) as stand_in:
        stopped = collect_modelscope(con, options(stand_in.url, orgs=["alibaba"], page_size=3, max_requests=4))
        assert stopped.stopped and stopped.stored == 3  # page 1, then the detail of its three repositories
        rest = collect_modelscope(con, options(stand_in.url, orgs=["alibaba"], page_size=3))
        listings = [r for r in stand_in.requests if r.startswith("/openapi/v1/models?")]
    assert not rest.stopped and rest.stored == 4 and rest.already_stored == 3
    assert len(stored(con)) == 7
    assert all("page_size=3" in r for r in listings)
    statuses = con.execute("SELECT status FROM load_runs WHERE kind = 'modelscope_snapshot' ORDER BY run_id").fetchall()
    assert statuses == [("interrupted",), ("ok",)]


def test_a_page_larger_than_the_server_allows_is_a_clear_error(con):
    with ModelScopeStandIn(sample(), max_page_size=10) as stand_in, pytest.raises(ModelScopeAnswerError):
        collect_modelscope(con, options(stand_in.url, orgs=["alibaba"], page_size=20))


def test_rate_limited_answers_are_retried_after_the_servers_wait(con):
    with ModelScopeStandIn(sample()) as stand_in:
        stand_in.rate_limited = 2
        summary = collect_modelscope(con, options(stand_in.url, orgs=["deepseek"], retries=3))
    assert summary.stored == 1 and stored(con)["deepseek-ai/DeepSeek-R1"][0] == 5000


def test_curated_mapping_maps_a_repository_whose_name_differs(con):
    con.execute("INSERT INTO modelscope_model_repos VALUES ('ZhipuAI/GLM-4.5-ms-build', 'zai-org/GLM-4.5', 'test', 2)")
    with ModelScopeStandIn([ms_model("ZhipuAI/GLM-4.5-ms-build", 42)]) as stand_in:
        summary = collect_modelscope(con, options(stand_in.url, orgs=["zhipu"]))
    assert stored(con)["ZhipuAI/GLM-4.5-ms-build"][:4] == (42, "zhipu", "zai-org/GLM-4.5", "curated")
    assert summary.unmapped == []


def test_unreachable_endpoint_raises_one_error_and_keeps_nothing(con):
    with pytest.raises(ModelScopeUnreachableError, match="unreachable"):
        collect_modelscope(con, options("http://127.0.0.1:9", orgs=["alibaba"]))
    assert stored(con) == {}
    assert con.execute("SELECT status FROM load_runs WHERE kind = 'modelscope_snapshot'").fetchall() == [("failed",)]


def test_unknown_org_is_refused_by_name(con):
    with pytest.raises(ModelScopeAnswerError, match="nosuchorg"):
        collect_modelscope(con, options("http://127.0.0.1:9", orgs=["nosuchorg"]))


def test_cli_collects_lists_unmapped_and_is_one_line_when_unreachable(bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    env = cli_env(tmp_path)
    args = [str(CLI), "collect", "modelscope", "--db", str(path), "--orgs", "alibaba", "--retries", "0"]
    with ModelScopeStandIn(sample()) as stand_in:
        done = run_main_in_process([*args, "--endpoint", stand_in.url], env)  # the summary: in-process
    assert done.returncode == 0, done.stderr
    assert "2 stored" in done.stderr and "Qwen/Qwen3-8B-GGUF-community-build" in done.stderr
    closed = run_cli([*args, "--endpoint", "http://127.0.0.1:9"], env)  # the real process: exit 2, one line
    assert closed.returncode == 2
    assert "ModelScope is unreachable" in closed.stderr and "Traceback" not in closed.stderr
    assert len([line for line in closed.stderr.splitlines() if line.strip()]) == 1


def test_stand_in_refuses_non_loopback_hosts():
    with pytest.raises(ValueError):
        ModelScopeStandIn([], host="0.0.0.0")
