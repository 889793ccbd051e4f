"""The incremental newest-models crawl: derivative edges equal the SYNTHETIC hub's ground truth."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hub_helpers import collect, small_hub

from atomscope.testing.hub import HubEmulator

PAGE = 25


@pytest.fixture
def hub():
    return small_hub(derivative_depth=2)


LOWERCASED = "synth-odd/lowercased-base-id"


def _edges(con) -> set[tuple[str, str, str]]:
    """Stored edges, without the one the collector adds beyond the ground truth (see the next test)."""
    got = con.execute("SELECT child_id, parent_id, relation FROM derivative_edges").fetchall()
    return {tuple(e) for e in got if e[0] != LOWERCASED}


def _truth(hub) -> set[tuple[str, str, str]]:
    return {(e.child, e.parent, e.relation) for e in hub.derivative_edges()}


def test_edges_equal_ground_truth_and_later_runs_are_incremental(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        first = collect(con, emu, hub, parts={"derivatives"}, since=date(2023, 1, 1))
        visible = len(list(hub.iter_public(authorized=True)))
        assert first.requests == emu.request_count("/api/models") == math.ceil((visible + 0) / PAGE)
        assert _edges(con) == _truth(hub)
        stored = con.execute("SELECT count(*) FROM hub_models").fetchall()[0][0]
        assert stored == visible
        # the derivative's own downloads are kept (ATOM's "> 5 downloads" filter is applied in metrics)
        for model_id, d30 in con.execute("SELECT model_id, downloads_30d FROM hub_models").fetchall():
            assert d30 == hub.expected_downloads(model_id)[0]
        watermark = con.execute("SELECT watermark, cursor FROM crawl_state").fetchall()[0]
        newest = max(m.created_at for m in hub.iter_public(authorized=True)).replace(tzinfo=None)
        assert watermark == (newest, None)
        # a few days later: only the newly visible models are fetched
        hub.advance(days=5)
        emu.clear_log()
        appeared = [m for m in hub.iter_public(authorized=True) if m.created_at.replace(tzinfo=None) > newest]
        assert appeared, "the synthetic hub plants future-dated derivatives"
        second = collect(con, emu, hub, parts={"derivatives"}, day=hub.today, since=None)
        assert second.requests == emu.request_count("/api/models") == math.ceil((len(appeared) + 1) / PAGE)
        assert second.lower_bound["crawl"] == second.requests
        assert _edges(con) == _truth(hub)


def test_malformed_lineage_tags_are_skipped_counted_and_invent_nothing(con, hub):
    with HubEmulator(hub, page_size=500) as emu:
        summary = collect(con, emu, hub, parts={"derivatives"})
    by_child: dict[str, set] = {}
    stored = con.execute("SELECT child_id, parent_id, relation FROM derivative_edges").fetchall()
    for child, parent, relation in stored:
        by_child.setdefault(child, set()).add((parent, relation))
    root = next(iter(hub.all_models["synth-odd/unknown-relation-distill"].parents))
    assert "synth-odd/empty-base-model-tag" not in by_child
    assert "synth-odd/unknown-relation-distill" not in by_child
    assert "synth-odd/url-as-base-id" not in by_child
    # a lowercased parent id is stored with the known spelling (the Hub's ids are case-insensitive): the
    # one edge beyond the emulator's ground truth, which counts it as malformed
    assert by_child[LOWERCASED] == {(root, "finetune")}
    assert summary.rows["edges with parent case normalized"] == 1
    assert summary.skipped["edge empty_base_model"] == 1
    assert summary.skipped["edge unknown_relation:distill"] == 1
    assert summary.skipped["edge bad_parent_id"] == 1
    assert by_child["synth-legacy-canonical"] == {(root, "finetune")}  # a legacy namespace-less id is valid
    assert "unexpected_id" not in summary.skipped
    # models with bad tags are still stored (the edge, not the model, is skipped)
    stored = {r[0] for r in con.execute("SELECT model_id FROM hub_models").fetchall()}
    assert {"synth-odd/empty-base-model-tag", "synth-odd/unknown-relation-distill"} <= stored


def test_first_run_without_since_takes_one_day_and_later_runs_ignore_since(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        summary = collect(con, emu, hub, parts={"derivatives"}, since=None)
        assert any("first crawl without --since" in n for n in summary.notes)
        recent = con.execute("SELECT min(created_at) FROM hub_models").fetchall()[0][0]
        assert recent is None or recent.date() >= date.fromordinal(hub.today.toordinal() - 1)
        again = collect(con, emu, hub, parts={"derivatives"}, since=date(2023, 1, 1))
    assert any("--since ignored" in n for n in again.notes) and again.requests == 1
