"""`derivatives` and `lineage.derivative_roots` on a hand-built derivative tree.

Tracked roots: Qwen/Base (china), meta-llama/L (us), deepseek-ai/Distill (china; itself a fine-tune of
meta-llama/L). The tree, with (created, last-30-day downloads):

    Qwen/Base <-ft- u1/ft1 (01-05, 100) <-quant- u2/q1 (01-09, 50) <-adapter- u3/ad1 (02-01, 10)
                                                                    <-ft- u4/ft2 (02-28, 6)      depth 4
    u5/m  = merge(u1/ft1, meta-llama/L)   (02-10, 20)   roots Qwen/Base (depth 2), meta-llama/L (depth 1)
    u6/m2 = merge(u5/m, u1/ft1)           (03-03, 30)   roots Qwen/Base, meta-llama/L once each
    Qwen/Base <-ft- u7/low (02-03, 5: not > 5, not counted) <-quant- u10/q (03-06, 8)
    deepseek-ai/Distill <-ft- u8/ft (03-04, 9)          root deepseek-ai/Distill only (walk stops there)
    x/base (untracked) <-ft- u9/orphan (03-05, 100)     no tracked root: left out
    deepseek-ai/Distill is in hub_models (01-02, 1000) but tracked: never a derivative
"""

from __future__ import annotations

from datetime import datetime as dt

import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.domain.errors import MetricRequestError
from atomscope.metrics.derivatives import derivatives_table
from atomscope.warehouse.lineage import derivative_roots, lineage_cut

TREE = [
    ("u1/ft1", "Qwen/Base", "finetune", dt(2025, 1, 5), 100),
    ("u2/q1", "u1/ft1", "quantized", dt(2025, 1, 9), 50),
    ("u3/ad1", "u2/q1", "adapter", dt(2025, 2, 1), 10),
    ("u4/ft2", "u3/ad1", "finetune", dt(2025, 2, 28, 23), 6),
    ("u5/m", "u1/ft1", "merge", dt(2025, 2, 10), 20),
    ("u5/m", "meta-llama/L", "merge", None, None),
    ("u6/m2", "u5/m", "merge", dt(2025, 3, 3), 30),
    ("u6/m2", "u1/ft1", "merge", None, None),
    ("u7/low", "Qwen/Base", "finetune", dt(2025, 2, 3), 5),
    ("u8/ft", "deepseek-ai/Distill", "finetune", dt(2025, 3, 4), 9),
    ("u9/orphan", "x/base", "finetune", dt(2025, 3, 5), 100),
    ("u10/q", "u7/low", "quantized", dt(2025, 3, 6), 8),
    ("deepseek-ai/Distill", "meta-llama/L", "finetune", dt(2025, 1, 2), 1000),
]


@pytest.fixture
def tree(tmp_path):
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama").org("deepseek", "china", "deepseek-ai")
    for root in ("Qwen/Base", "meta-llama/L", "deepseek-ai/Distill"):
        w.model(root)
    for child, parent, relation, created, downloads in TREE:
        w.edge(child, parent, relation)
        if created is not None:
            w.hub_model(child, created, downloads)
    return w


def test_roots_follow_chains_stop_at_tracked_models_and_dedupe_merges(tree):
    roots = derivative_roots(tree.context()).to_pandas()
    got = {(r.child_id, r.root_id): r.depth for r in roots.itertuples()}
    assert got[("u4/ft2", "Qwen/Base")] == 4  # ft2 -> ad1 -> q1 -> ft1 -> Base
    assert got[("u5/m", "Qwen/Base")] == 2 and got[("u5/m", "meta-llama/L")] == 1
    # u6/m2 reaches Qwen/Base twice (via u5/m at depth 3, via u1/ft1 at depth 2): once, shortest depth
    assert got[("u6/m2", "Qwen/Base")] == 2 and got[("u6/m2", "meta-llama/L")] == 2
    assert got[("u10/q", "Qwen/Base")] == 2  # walks through the low-download u7/low
    # the walk stops at the tracked distill: not credited to Meta
    assert [k for k in got if k[0] == "u8/ft"] == [("u8/ft", "deepseek-ai/Distill")]
    assert not any(k[0] in ("u9/orphan", "deepseek-ai/Distill") for k in got)
    # u1, u2, u3, u4, u7, u10 and u8 one root each; u5 and u6 two each
    assert len(roots) == 11


def test_max_depth_cuts_long_chains(tree):
    ctx = tree.context()
    roots = derivative_roots(ctx, max_depth=3).to_pandas()
    assert "u4/ft2" not in set(roots.child_id)  # its root is 4 edges away
    assert set(lineage_cut(ctx, max_depth=3).to_pandas().child_id) == {"u4/ft2"}


def test_new_derivatives_by_region_and_relation(tree):
    result = tree.result("derivatives")
    out = result.table.to_pandas()
    got = {(r.month, r.region, r.relation): r.new_derivatives for r in out.itertuples()}
    assert got == pytest.approx(
        {
            # January: u1/ft1 (finetune), u2/q1 (quantized); the tracked distill is not a derivative
            ("2025-01", "china", "finetune"): 1,
            ("2025-01", "china", "quantized"): 1,
            # February: u3/ad1, u4/ft2 (depth 4), u5/m split 1/2 China + 1/2 US; u7/low has only 5 downloads
            ("2025-02", "china", "adapter"): 1,
            ("2025-02", "china", "finetune"): 1,
            ("2025-02", "china", "merge"): 0.5,
            ("2025-02", "us", "merge"): 0.5,
            # March: u6/m2 split; u8/ft to DeepSeek (china); u10/q under u7/low; u9/orphan has no root
            ("2025-03", "china", "merge"): 0.5,
            ("2025-03", "us", "merge"): 0.5,
            ("2025-03", "china", "finetune"): 1,
            ("2025-03", "china", "quantized"): 1,
        }
    )
    february = out[out.month == "2025-02"]
    # 3 derivatives in February: the US share is u5/m's half -> 0.5 / 3
    assert february[february.region == "us"].share.sum() == pytest.approx(0.5 / 3)
    assert any("1 qualifying derivative(s) reach no tracked model" in n for n in result.notes)
    assert any("2 derivative(s) have several roots" in n for n in result.notes)


def test_by_root_shares_and_top(tree):
    out = tree.metric("derivatives", by="root")
    march = {r.root_id: r for r in out[out.month == "2025-03"].itertuples()}
    # March: Qwen/Base 0.5 (u6/m2) + 1 (u10/q) = 1.5; deepseek 1; meta 0.5; total 3
    assert march["Qwen/Base"].new_derivatives == pytest.approx(1.5)
    assert march["Qwen/Base"].share == pytest.approx(0.5) and march["Qwen/Base"].rank == 1
    assert march["deepseek-ai/Distill"].share == pytest.approx(1 / 3) and march["deepseek-ai/Distill"].rank == 2
    assert march["meta-llama/L"].rank == 3
    top1 = tree.metric("derivatives", by="root", top=1)
    assert list(top1.root_id) == ["Qwen/Base", "Qwen/Base", "Qwen/Base"]


def test_download_floor_is_a_parameter(tree):
    out = tree.metric("derivatives", by="org", min_downloads=9)
    # > 9 downloads: u1/ft1 (100), u2/q1 (50), u3/ad1 (10), u5/m (20), u6/m2 (30); u8/ft (9) drops out
    totals = out.groupby("org_key").new_derivatives.sum().to_dict()
    assert totals == pytest.approx({"alibaba": 1 + 1 + 1 + 0.5 + 0.5, "meta": 0.5 + 0.5})


def test_conflicting_direct_edges_take_the_most_specific_relation(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen")
    w.model("Qwen/Base")
    w.edge("u/x", "Qwen/Base", "finetune").edge("u/x", "Qwen/Base", "adapter").hub_model("u/x", dt(2025, 5, 1), 50)
    out = w.metric("derivatives")
    assert list(out.relation) == ["adapter"] and list(out.new_derivatives) == [1.0]


def test_compiles_for_spark(tree):
    ctx = tree.context(min_downloads=5, max_depth=10, top=10)
    assert "LEFT ANTI JOIN" in spark_sql(derivatives_table(ctx, "region")).upper()


@pytest.mark.parametrize("params", [{"max_depth": 0}, {"max_depth": 21}, {"top": -1}])
def test_out_of_range_parameters_are_refused(tree, params):
    with pytest.raises(MetricRequestError, match="must be"):
        tree.metric("derivatives", **params)


def test_root_rank_ties_on_equal_credit_whatever_the_summation_order(tmp_path):
    # a/r1..a/r6 each get six sixths (0.9999999999999999 when summed in float), z/solo one whole
    # derivative: all tie at 1, so root_id orders them, not the last bit of the sums
    w = MetricWarehouse(tmp_path).org("a", "us", "a").org("z", "china", "z")
    roots = [f"a/r{i}" for i in range(1, 7)]
    for root in [*roots, "z/solo"]:
        w.model(root)
    for k in range(6):
        for root in roots:
            w.edge(f"u/m{k}", root, "merge")
        w.hub_model(f"u/m{k}", dt(2025, 1, 10), 50)
    w.edge("u/solo", "z/solo", "finetune").hub_model("u/solo", dt(2025, 1, 11), 50)
    table = w.metric("derivatives", by="root", top=0)
    assert table["root_id"].tolist() == [*roots, "z/solo"]
    assert table["rank"].tolist() == list(range(1, 8))
    assert table["new_derivatives"].round(9).tolist() == [1.0] * 7
