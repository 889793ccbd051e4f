"""Origin and lineage are defined once (warehouse/origin.py, warehouse/lineage.py); every reader agrees.

A hand-built warehouse with the edge cases: an unregistered namespace, a namespace that differs only in
case from a registered one, an organization without a country, a tracked model built on another tracked
model, a merge with two roots, a cycle with an exit, a dead end at an untracked base, and a chain deeper
than the walk's limit. Readers compared: the metrics (Ibis on DuckDB), warehouse/queries.py (CLI
`catalog` commands and the API's model list), the CLI's summary table, and the web API's model page.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import ibis
import pytest

from atomscope.domain.regions import UNRESOLVED
from atomscope.metrics import MetricContext
from atomscope.metrics.common import tracked_models
from atomscope.warehouse import queries
from atomscope.warehouse.lineage import DEFAULT_MAX_DEPTH, derivative_roots, lineage_edges
from atomscope.web.modelinfo import model_detail

ORGS = [("alibaba", "Alibaba", "china", "CN"), ("meta", "Meta", "us", "US"), ("mistral", "Mistral AI", "eu", None)]
ALIASES = [("hf", "Qwen", "alibaba"), ("hf", "meta-llama", "meta"), ("hf", "mistralai", "mistral")]
MODELS = [  # model_id, hf_org, list
    ("Qwen/A", "Qwen", "primary"),
    ("meta-llama/B", "meta-llama", "extra"),
    ("mistralai/D", "mistralai", "primary"),
    ("stranger/C", "stranger", "primary"),  # not in the registry
    ("qwen/lower", "qwen", "extra"),  # aliases are case-sensitive: unresolved
]
DEEP = DEFAULT_MAX_DEPTH + 2
EDGES = [  # child, parent, relation
    ("u1/ft", "Qwen/A", "finetune"),
    ("u2/q", "u1/ft", "quantized"),  # depth 2
    ("u3/merge", "Qwen/A", "merge"),  # two roots
    ("u3/merge", "meta-llama/B", "merge"),
    ("mistralai/D", "meta-llama/B", "finetune"),  # a tracked model is a root itself, never a derivative
    ("u4/x", "mistralai/D", "adapter"),
    ("u5/a", "u5/b", "finetune"),  # cycle a <-> b, with b built on Qwen/A
    ("u5/b", "u5/a", "finetune"),
    ("u5/b", "Qwen/A", "finetune"),
    ("u6/y", "u6/base", "finetune"),  # dead end: an untracked base without parents
    *[(f"deep/{i}", f"deep/{i + 1}", "finetune") for i in range(DEEP - 1)],
    (f"deep/{DEEP - 1}", "Qwen/A", "finetune"),  # deep/0 is DEEP edges from Qwen/A
]
EXPECTED_ROOTS = {
    "u1/ft": {"Qwen/A"},
    "u2/q": {"Qwen/A"},
    "u3/merge": {"Qwen/A", "meta-llama/B"},
    "u4/x": {"mistralai/D"},
    "u5/a": {"Qwen/A"},
    "u5/b": {"Qwen/A"},
    "u6/y": set(),
    "deep/0": set(),  # beyond the walk's limit
    f"deep/{DEEP - 1}": {"Qwen/A"},
}
EXPECTED_REGIONS = {
    "Qwen/A": "china",
    "meta-llama/B": "us",
    "mistralai/D": "eu",
    "stranger/C": UNRESOLVED,
    "qwen/lower": UNRESOLVED,
}


@pytest.fixture
def con(empty_warehouse):
    """The registry, tracked models and derivative edges above, in an empty warehouse."""
    w = empty_warehouse
    w.executemany("INSERT INTO organizations VALUES (?, ?, ?, ?)", ORGS)
    w.executemany("INSERT INTO org_aliases VALUES (?, ?, ?)", ALIASES)
    w.executemany("INSERT INTO models VALUES (?, ?, ?, 'atom', ?)", [(*m, date(2025, 1, 1)) for m in MODELS])
    seen = datetime(2025, 6, 1)
    w.executemany("INSERT INTO derivative_edges VALUES (?, ?, ?, ?, 0)", [(*e, seen) for e in EDGES])
    return w


def test_every_reader_gives_the_same_origin(con):
    metric = tracked_models(MetricContext(ibis.duckdb.from_connection(con))).to_pandas()
    listed = queries.models(con)
    pages = {model_id: model_detail(con, model_id)["origin"] for model_id, _org, _list in MODELS}

    assert dict(zip(metric.model_id, metric.region, strict=True)) == EXPECTED_REGIONS
    assert dict(zip(listed.model_id, listed.region, strict=True)) == EXPECTED_REGIONS
    assert {m: page["region"] for m, page in pages.items()} == EXPECTED_REGIONS
    resolved = {m for m, region in EXPECTED_REGIONS.items() if region != UNRESOLVED}
    for frame in (metric, listed):
        keys = dict(zip(frame.model_id, frame.org_key, strict=True))
        assert {m: keys[m] for m in resolved} == {m: pages[m]["org_key"] for m in resolved}
    assert pages["mistralai/D"]["country"] is None and pages["Qwen/A"]["country"] == "CN"
    # metrics group an unresolved name under itself; the catalog readers leave it without an org_key
    assert metric.set_index("model_id").loc["stranger/C", "org_key"] == "stranger"
    assert pages["stranger/C"]["org_key"] is None


def test_cli_summary_and_org_counts_agree_with_the_model_list(con):
    listed = queries.models(con)
    summary = {region: (primary, extra) for region, primary, extra, _ns in queries.models_by_region(con)}
    counts = Counter(zip(listed.region, listed["list"], strict=True))
    assert summary == {r: (counts[(r, "primary")], counts[(r, "extra")]) for r in set(listed.region)}
    orgs = queries.organizations(con).set_index("org_key")["tracked_models"].to_dict()
    assert orgs == {"alibaba": 1, "meta": 1, "mistral": 1}


def test_untracked_models_take_their_namespace_origin(con):
    assert model_detail(con, "u1/ft")["origin"]["region"] == UNRESOLVED
    assert queries.namespace_origin(con, "Qwen/not-tracked")["region"] == "china"
    assert queries.namespace_origin(con, "qwen/not-tracked")["region"] == UNRESOLVED


def test_metric_lineage_and_model_page_agree_on_roots(con):
    roots = derivative_roots(MetricContext(ibis.duckdb.from_connection(con))).to_pandas()
    by_child: dict[str, set[str]] = {}
    for child, root in zip(roots.child_id, roots.root_id, strict=True):
        by_child.setdefault(child, set()).add(root)
    for child, expected in EXPECTED_ROOTS.items():
        assert by_child.get(child, set()) == expected, child
        assert set(model_detail(con, child)["lineage"]["roots"]) == expected, child
    assert "mistralai/D" not in by_child  # tracked: a root, not a derivative
    assert model_detail(con, "mistralai/D")["lineage"]["roots"] == ["mistralai/D"]
    assert model_detail(con, "mistralai/D")["lineage"]["built_on"] == [
        {"parent_id": "meta-llama/B", "relation": "finetune"}
    ]


EXPECTED_EDGES = {  # child -> the edges its page shows: (child, parent, relation, depth)
    "u2/q": {("u2/q", "u1/ft", "quantized", 1), ("u1/ft", "Qwen/A", "finetune", 2)},
    "u3/merge": {("u3/merge", "Qwen/A", "merge", 1), ("u3/merge", "meta-llama/B", "merge", 1)},
    "u4/x": {("u4/x", "mistralai/D", "adapter", 1)},  # not on to meta-llama/B: the walk stops at a tracked model
    "u5/a": {("u5/a", "u5/b", "finetune", 1), ("u5/b", "u5/a", "finetune", 2), ("u5/b", "Qwen/A", "finetune", 2)},
    "u6/y": {("u6/y", "u6/base", "finetune", 1)},
    "deep/0": {(f"deep/{i}", f"deep/{i + 1}", "finetune", i + 1) for i in range(DEFAULT_MAX_DEPTH)},
}


def test_metric_lineage_and_model_page_agree_on_every_edge(con):
    """The page's edges are the walk of warehouse/lineage.py: each edge at its shortest depth, and the tracked
    parents it reaches, at their shortest depth, are exactly the roots (and depths) the derivatives metric's
    walk down from the roots finds; run on the metric's engine, the same walk gives the page's edges."""
    ctx = MetricContext(ibis.duckdb.from_connection(con))
    roots = derivative_roots(ctx).to_pandas()
    metric_roots: dict[str, set[tuple[str, int]]] = {}
    for child, root, depth in zip(roots.child_id, roots.root_id, roots.depth, strict=True):
        metric_roots.setdefault(child, set()).add((root, int(depth)))
    children = {child for child, _parent, _relation in EDGES} - {m for m, _org, _list in MODELS}
    for child in sorted(children):
        page = model_detail(con, child)["lineage"]
        shown = {(e["child_id"], e["parent_id"], e["relation"], e["depth"]) for e in page["edges"]}
        if child in EXPECTED_EDGES:
            assert shown == EXPECTED_EDGES[child], child
        reached: dict[str, int] = {}
        for e in page["edges"]:
            assert e["parent_tracked"] == (e["parent_id"] in {m for m, _o, _l in MODELS}), e
            if e["parent_tracked"]:
                reached[e["parent_id"]] = min(e["depth"], reached.get(e["parent_id"], e["depth"]))
        assert set(reached.items()) == metric_roots.get(child, set()), child
        walked = lineage_edges(ctx, ibis.memtable({"child_id": [child]})).to_pandas()
        assert set(zip(walked.child_id, walked.parent_id, walked.relation, walked.depth, strict=True)) == shown
    assert model_detail(con, "deep/0")["lineage"]["truncated_at_depth"] == DEFAULT_MAX_DEPTH
    assert model_detail(con, "u2/q")["lineage"]["truncated_at_depth"] is None
