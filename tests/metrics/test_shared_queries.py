"""Queries metrics run while they build (notes) are shared within a scope (metrics.SharedQueries): the same
answers as without sharing, each distinct query run once across metrics and groupings."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from metric_harness import MetricWarehouse

from atomscope.metrics import MetricContext, SharedQueries, compiled, get, run
from atomscope.metrics.base import answer
from atomscope.testing.compare import frame_differences


@pytest.fixture
def w(tmp_path):
    """Two tracked models of two registered labs and one of an unknown namespace, two snapshots each."""
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    w.model("Qwen/A", size_bucket="7-9B", release=date(2025, 1, 11))
    w.model("meta-llama/B", size_bucket="7-9B", release=None)
    w.model("stranger/C", size_bucket=None, release=date(2025, 2, 1))
    for model_id, first, second in (("Qwen/A", 1000, 1600), ("meta-llama/B", 500, 720), ("stranger/C", 10, 100)):
        w.snapshot(model_id, date(2025, 3, 12), first, 100)
        w.snapshot(model_id, date(2025, 4, 11), second, 100)
    return w


REQUESTS = [("downloads", "region"), ("downloads", "org"), ("downloads", "model"), ("concentration", "all")]


def _counted(backend):
    """Wrap backend.execute to count the queries it runs; returns the counter list."""
    calls = []
    execute = backend.execute

    def counting(expr, *args, **kwargs):
        calls.append(expr)
        return execute(expr, *args, **kwargs)

    backend.execute = counting
    return calls


def test_same_notes_and_tables_with_and_without_sharing(w):
    shared = SharedQueries(w.backend)
    for name, by in REQUESTS:
        alone = run(get(name), MetricContext(w.backend, by=by))
        with_shared = run(get(name), MetricContext(w.backend, by=by, shared=shared))
        assert with_shared.notes == alone.notes, (name, by)
        assert alone.notes and any("unresolved organizations hold" in n for n in alone.notes)
        # rows in any order: ties of the ORDER BY may come out either way on any run
        assert not frame_differences(alone.table.to_pandas(), with_shared.table.to_pandas()), (name, by)


def test_each_distinct_notes_query_runs_once_across_metrics_and_groupings(w):
    calls = _counted(w.backend)
    run(get("downloads"), MetricContext(w.backend, by="region"))
    per_request = len(calls)
    # the counts (one query: metrics/download_notes.py `_counts`), the per-organization cells, the quality flags
    assert per_request == 3

    calls.clear()
    shared = SharedQueries(w.backend)
    for name, by in REQUESTS:
        run(get(name), MetricContext(w.backend, by=by, shared=shared))
    # the notes of downloads and concentration are the same expressions whatever the grouping
    assert len(calls) == per_request == shared.executed
    assert shared.reused == per_request * (len(REQUESTS) - 1)


def test_a_caller_changing_its_answer_does_not_change_the_next_one(w):
    shared = SharedQueries(w.backend)
    snaps = w.backend.table("hf_snapshots")
    first = shared.execute(snaps.select("model_id", "downloads_all_time"))
    first.loc[:, "downloads_all_time"] = -1
    again = shared.execute(snaps.select("model_id", "downloads_all_time"))
    assert (again["downloads_all_time"] > 0).all() and shared.executed == 1 and shared.reused == 1


def test_another_backend_is_not_answered_from_the_scope(w, tmp_path):
    (tmp_path / "other").mkdir()
    other = MetricWarehouse(tmp_path / "other")
    try:
        shared = SharedQueries(w.backend)
        ctx = MetricContext(other.backend, shared=shared)
        assert ctx.execute(other.backend.table("hf_snapshots").count()) == 0
        assert shared.executed == 0  # a context over another backend runs its own queries
    finally:
        other.close()


def test_each_table_is_looked_up_once_per_context(w, tmp_path):
    """A lookup is a DESCRIBE query; downloads' expression reads hf_snapshots, models, ... several times."""
    looked_up = []
    table = w.backend.table

    def counting(name, *args, **kwargs):
        looked_up.append(name)
        return table(name, *args, **kwargs)

    w.backend.table = counting
    ctx = MetricContext(w.backend, by="region")
    run(get("downloads"), ctx)
    assert looked_up and len(looked_up) == len(set(looked_up))
    (tmp_path / "other").mkdir()
    other = MetricWarehouse(tmp_path / "other")
    try:
        ctx.backend = other.backend  # the CLI sets the backend after building the context
        assert ctx.table("hf_snapshots").op().source is other.backend
    finally:
        other.close()


def test_a_metric_request_is_computed_and_compiled_once_per_scope(w, tmp_path, monkeypatch):
    """A report shows downloads by region and crossover reads the same request as its source series: within
    one scope the metric is computed once and its SQL compiled once, with the answers of separate runs."""
    alone_frame, alone_notes = answer(get("downloads"), MetricContext(w.backend, by="region"))
    params = {"series": "downloads_share", "a": "china", "b": "us", "periods": 1}
    alone_crossover, _ = answer(get("crossover"), MetricContext(w.backend, params=dict(params)))
    compiled.clear_memory()  # and the compiled SQL the runs alone kept beside the warehouse
    shutil.rmtree(compiled.cache_dir(tmp_path / "w.duckdb"), ignore_errors=True)
    sqls = []
    compile_ = type(w.backend).compile

    def counting(self, expr, *args, **kwargs):
        sql = compile_(self, expr, *args, **kwargs)
        sqls.append(sql)
        return sql

    monkeypatch.setattr(type(w.backend), "compile", counting)
    shared = SharedQueries(w.backend)
    frame, notes = answer(get("downloads"), MetricContext(w.backend, by="region", shared=shared))
    crossover, _ = answer(get("crossover"), MetricContext(w.backend, params=dict(params), shared=shared))
    again, _ = answer(get("downloads"), MetricContext(w.backend, by="region", shared=shared), "pyarrow")
    assert shared.computed == 2  # downloads (once for the section, the series and the Arrow fetch), crossover
    assert sqls and len(sqls) == len(set(sqls))
    assert notes == alone_notes and not frame_differences(alone_frame, frame)
    assert not frame_differences(alone_crossover, crossover) and len(crossover) == 1
    assert again.num_rows == len(frame) > 0
