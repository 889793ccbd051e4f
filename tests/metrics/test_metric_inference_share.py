"""`inference_share`: tokens and shares by group (open by region, closed, unresolved), org and model.

Token counts are SYNTHETIC; every expected value is computed by hand below."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.domain.errors import MetricRequestError
from atomscope.metrics import get

LISTED = datetime(2025, 6, 1)


def listing(w: MetricWarehouse, day: date, slug: str, hub_repo: str | None, canonical: str | None = None) -> None:
    base = slug.split(":")[0]
    w.con.execute(
        "INSERT INTO openrouter_models (listing_date, model_slug, base_slug, author, canonical_slug, hub_repo,"
        " open_weights, collected_at, endpoint, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'http://127.0.0.1', 1)",
        [day, slug, base, base.split("/")[0], canonical, hub_repo, hub_repo is not None, LISTED],
    )


def usage(w: MetricWarehouse, day: date, slug: str, tokens: int, provider: str = "") -> None:
    w.con.execute(
        "INSERT INTO openrouter_usage VALUES (?, ?, ?, ?, ?, NULL, NULL, 'test.csv', 2, ?, 1)",
        [day, slug, slug.split(":")[0], provider, tokens, LISTED],
    )


@pytest.fixture
def w(tmp_path) -> MetricWarehouse:
    w = MetricWarehouse(tmp_path)
    for key, region, alias in [("alibaba", "china", "qwen"), ("meta", "us", "meta-llama"), ("openai", "us", "openai"),
                               ("mistral", "eu", "mistralai")]:  # fmt: skip
        w.con.execute("INSERT INTO organizations VALUES (?, ?, ?, NULL)", [key, key.title(), region])
        w.con.execute("INSERT INTO org_aliases VALUES ('openrouter', ?, ?)", [alias, key])
    day = date(2025, 6, 1)
    listing(w, day, "qwen/qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B")
    listing(w, day, "qwen/qwen3-235b-a22b:free", "Qwen/Qwen3-235B-A22B")
    listing(w, day, "meta-llama/llama-3.3-70b-instruct", "meta-llama/Llama-3.3-70B-Instruct")
    listing(w, day, "openai/gpt-4o", None)
    listing(w, day, "openai/gpt-oss-120b", "openai/gpt-oss-120b")
    listing(w, day, "thedrummer/rocinante-12b", "TheDrummer/Rocinante-12B-v1.1")  # author not in the registry
    wk1, wk2 = date(2025, 6, 2), date(2025, 6, 9)
    usage(w, wk1, "qwen/qwen3-235b-a22b", 300)
    usage(w, wk1, "qwen/qwen3-235b-a22b:free", 100)  # same model as the paid variant
    usage(w, wk1, "meta-llama/llama-3.3-70b-instruct", 200)
    usage(w, wk1, "openai/gpt-4o", 250, provider="OpenAI")
    usage(w, wk1, "openai/gpt-4o", 150, provider="Azure")
    usage(w, wk1, "openai/gpt-oss-120b", 50)
    usage(w, wk1, "mistralai/brand-new-model", 40)  # in no listing: unresolved, not guessed
    usage(w, wk1, "thedrummer/rocinante-12b", 10)
    usage(w, wk2, "qwen/qwen3-235b-a22b", 500)
    usage(w, wk2, "openai/gpt-4o", 500)
    return w


def rows(frame, *columns) -> list[tuple]:
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


def test_by_region_groups_open_models_by_origin_and_closed_apart(w):
    frame = w.metric("inference_share")
    total1 = 300 + 100 + 200 + 400 + 50 + 40 + 10  # 1100
    assert rows(frame, "period", "region", "models", "tokens") == [
        ("2025-06-02", "china", 1, 400),
        ("2025-06-02", "closed", 1, 400),
        ("2025-06-02", "us", 2, 250),  # llama 200 + gpt-oss 50 (open weights, US)
        ("2025-06-02", "unresolved", 2, 50),  # unlisted mistralai model 40 + unknown author 10
        ("2025-06-09", "china", 1, 500),
        ("2025-06-09", "closed", 1, 500),
    ]
    assert frame["share"].tolist() == pytest.approx([400 / total1, 400 / total1, 250 / total1, 50 / total1, 0.5, 0.5])


def test_by_model_counts_free_variant_as_one_model_and_never_guesses(w):
    frame = w.metric("inference_share", by="model", period="date")
    week1 = frame[frame.period == "2025-06-02"]
    assert rows(week1, "rank", "model", "open_weights", "org_key", "region", "tokens") == [
        (1, "openai/gpt-4o", False, "openai", "closed", 400),
        (2, "qwen/qwen3-235b-a22b", True, "alibaba", "china", 400),
        (3, "meta-llama/llama-3.3-70b-instruct", True, "meta", "us", 200),
        (4, "openai/gpt-oss-120b", True, "openai", "us", 50),
        (5, "mistralai/brand-new-model", None, "mistral", "unresolved", 40),
        (6, "thedrummer/rocinante-12b", True, "thedrummer", "unresolved", 10),
    ]
    assert week1["hub_repo"].tolist()[1] == "Qwen/Qwen3-235B-A22B"


def test_notes_name_unlisted_models_and_unknown_authors(w):
    notes = w.result("inference_share").notes
    unlisted = "1 model(s) in no collected listing or curated mapping, 1.9% of tokens"
    assert any(unlisted in n and "mistralai/brand-new-model" in n for n in notes)
    assert any("authors not in the organization registry" in n and "thedrummer" in n for n in notes)


def test_by_org_and_top_reproduces_a_top_n_view(w):
    frame = w.metric("inference_share", by="org", top=2)
    # top 2 models per period: week 1 gpt-4o 400 and qwen 400 (tie broken by slug), week 2 both
    assert rows(frame, "period", "region", "org_key", "tokens", "share") == [
        ("2025-06-02", "china", "alibaba", 400, 0.5),
        ("2025-06-02", "closed", "openai", 400, 0.5),
        ("2025-06-09", "china", "alibaba", 500, 0.5),
        ("2025-06-09", "closed", "openai", 500, 0.5),
    ]
    assert any("top 2 models" in n for n in w.result("inference_share", by="org", top=2).notes)


def test_month_period_and_since_until(w):
    frame = w.metric("inference_share", period="month")
    assert rows(frame, "period", "region", "tokens") == [
        ("2025-06", "china", 900), ("2025-06", "closed", 900), ("2025-06", "us", 250), ("2025-06", "unresolved", 50),
    ]  # fmt: skip
    later = w.metric("inference_share", since=date(2025, 6, 5))
    assert rows(later, "period", "tokens") == [("2025-06-09", 500), ("2025-06-09", 500)]


def test_open_model_of_an_unknown_author_takes_its_hub_namespace_org(w):
    w.org("nous", "us", "NousResearch")  # an hf alias of the registry
    listing(w, date(2025, 6, 1), "some-host/hermes-3", "NousResearch/Hermes-3-Llama-3.1-405B")
    usage(w, date(2025, 6, 9), "some-host/hermes-3", 100)
    frame = w.metric("inference_share", by="model", since=date(2025, 6, 9))
    assert rows(frame[frame.model == "some-host/hermes-3"], "org_key", "region") == [("nous", "us")]


def test_a_permanent_slug_resolves_through_the_canonical_slug_and_curated_slugs_need_no_listing(w):
    listing(w, date(2025, 6, 1), "z-ai/glm-4.5", "zai-org/GLM-4.5", canonical="z-ai/glm-4.5-0728")
    w.org("zhipu", "china", "zai-org")
    usage(w, date(2025, 6, 9), "z-ai/glm-4.5-0728", 70)
    w.con.execute("INSERT INTO openrouter_model_repos VALUES ('mistralai/curated-only', 'mistralai/Curated', 't', 1)")
    usage(w, date(2025, 6, 9), "mistralai/curated-only", 30)
    frame = w.metric("inference_share", by="model", since=date(2025, 6, 9))
    by_model = frame.set_index("model")
    assert by_model.loc["z-ai/glm-4.5-0728", ["hub_repo", "region"]].tolist() == ["zai-org/GLM-4.5", "china"]
    assert by_model.loc["mistralai/curated-only", ["hub_repo", "open_weights", "region"]].tolist() == [
        "mistralai/Curated",
        True,
        "eu",
    ]


def test_latest_listing_and_curated_mapping_decide_open_weights(w):
    listing(w, date(2025, 6, 20), "openai/gpt-4o", None)  # still closed in a newer listing
    w.con.execute("INSERT INTO openrouter_model_repos VALUES ('openai/gpt-4o', 'openai/not-real', 'test', 1)")
    frame = w.metric("inference_share", by="model")
    gpt = frame[frame.model == "openai/gpt-4o"]
    assert set(gpt["region"]) == {"us"} and set(gpt["hub_repo"]) == {"openai/not-real"}


def test_no_listing_makes_every_model_unresolved(w):
    w.con.execute("DELETE FROM openrouter_models")
    frame = w.metric("inference_share")
    assert set(frame["region"]) == {"unresolved"}
    assert any("no OpenRouter listing collected" in n for n in w.result("inference_share").notes)


def test_empty_warehouse_says_how_to_import(tmp_path):
    w = MetricWarehouse(tmp_path)
    result = w.result("inference_share")
    assert result.table.to_pandas().empty
    assert result.notes == [
        "no OpenRouter usage imported: `atomscope import openrouter FILE` (format: docs/imports.md)"
    ]


def test_crossover_inference_share_series(w):
    frame = w.metric("crossover", series="inference_share", a="china", b="us", periods=2)
    assert rows(frame, "series", "crossover_period", "periods_ahead") == [("inference_share", "2025-06-02", 2)]
    assert frame["a_value"].tolist() == pytest.approx([400 / 1100])
    closed = w.metric("crossover", series="inference_share", a="china", b="closed", periods=1)
    assert closed["crossover_period"].isna().tolist() == [True]  # china ties closed (a tie is not ahead)


def test_bad_params_are_refused(w):
    with pytest.raises(MetricRequestError):
        w.result("inference_share", top=-1)
    with pytest.raises(MetricRequestError):
        w.result("inference_share", period="year")
    with pytest.raises(MetricRequestError):
        w.result("inference_share", by="country")


@pytest.mark.parametrize("by", ["region", "org", "model"])
def test_compiles_for_spark(w, by):
    for period in ("date", "week", "month"):
        ctx = w.context(by=by, top=10, period=period)
        ctx.params = {"top": 10, "period": period}
        sql = spark_sql(get("inference_share").compute(ctx).table)
        assert "openrouter_usage" in sql


def test_synthetic_fixture_of_the_spark_parity_test_fills_every_group(bundled_db, tmp_path):
    import shutil

    import ibis

    from atomscope.metrics import MetricContext, run
    from atomscope.testing.synthetic_openrouter import generate_openrouter_usage
    from atomscope.warehouse.db import connect
    from atomscope.warehouse.provenance import is_synthetic_warehouse

    shutil.copy(bundled_db, tmp_path / "w.duckdb")
    con = connect(tmp_path / "w.duckdb")
    generate_openrouter_usage(con, start=date(2025, 1, 13), weeks=3, seed=7)
    assert is_synthetic_warehouse(con)
    backend = ibis.duckdb.from_connection(con)
    for by in ("region", "org", "model"):
        frame = run(get("inference_share"), MetricContext(backend, by=by)).table.to_pandas()
        assert len(frame) > 0
        assert {"china", "us", "eu", "closed", "unresolved"} <= set(frame["region"])
        assert frame.groupby("period")["share"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0])
    con.close()


def test_collector_and_metric_attribute_a_listed_model_to_the_same_organization(w):
    """One rule (warehouse/origin.openrouter_origin): the org_key `collect openrouter` stores is the org_key
    the metric derives, for an author the registry knows, one it resolves only through the Hub namespace and
    one it does not resolve at all (the collector stores NULL; the metric groups it under its own slug)."""
    from atomscope.collect.openrouter import _org_keys

    w.con.execute("INSERT INTO organizations VALUES ('drummer', 'The Drummer', 'other', NULL)")
    w.con.execute("INSERT INTO org_aliases VALUES ('hf', 'TheDrummer', 'drummer')")
    listing(w, date(2025, 6, 1), "unknownlab/model-x", "nobody/model-x")
    usage(w, date(2025, 6, 2), "unknownlab/model-x", 5)
    frame = w.metric("inference_share", by="model", period="date")
    listed = frame[frame.open_weights.notnull()].astype(object).where(frame.notnull(), None)
    stored = _org_keys(w.con, {(m.split("/")[0], r) for m, r in rows(listed, "model", "hub_repo")})
    metric = {
        (m.split("/")[0], r): (key, region)
        for m, r, key, region in rows(listed, "model", "hub_repo", "org_key", "region")
    }
    assert len(metric) == 6
    for pair, (key, region) in metric.items():
        assert stored[pair] == (None if region == "unresolved" else key), pair
    assert metric[("thedrummer", "TheDrummer/Rocinante-12B-v1.1")] == ("drummer", "other")
    assert metric[("unknownlab", "nobody/model-x")] == ("unknownlab", "unresolved")
