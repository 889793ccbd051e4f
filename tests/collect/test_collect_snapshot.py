"""`collect hf`: the tracked snapshot, discovery and the request budget, against the Hub emulator through
the real huggingface_hub client (all served numbers are SYNTHETIC)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hub_helpers import collect, rows

from atomscope.collect.hub import discovery
from atomscope.testing.hub import HubEmulator

PAGE = 4  # a small page size so every org needs several pages


def _org_sizes(hub) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for model in hub.iter_public(authorized=True):
        if model.namespace in ("Qwen", "allenai"):
            sizes[model.namespace] = sizes.get(model.namespace, 0) + 1
    return sizes


def test_snapshot_rows_match_the_hub_and_stay_within_the_request_bound(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        summary = collect(con, emu, hub, parts={"snapshot", "availability", "discovery"})
        served = emu.request_count("/api/")
        url = emu.url
    tracked = sorted(hub.tracked_ids())
    got = {r[0]: r for r in rows(con, "hf_snapshots", ("collected_at", "run_id"))}
    assert sorted(got) == tracked
    for model_id in tracked:
        d30, all_time = hub.expected_downloads(model_id)
        row = got[model_id]
        assert (row[1], row[2], row[3]) == (hub.today, d30, all_time)
        model = hub.all_models[model_id]
        assert row[4] == model.likes and row[7] == model.pipeline_tag and row[8] == model.library_name
        assert row[10] == model.params_total and row[11] == model.tags
        assert row[12] == url and row[13] == "api"
    # lower bound computed from the hub itself: one listing per org plus its extra pages
    bound = sum(math.ceil(n / PAGE) for n in _org_sizes(hub).values())
    assert summary.lower_bound["listings"] == bound
    assert summary.requests == served <= 1.1 * bound
    assert summary.skipped == {}
    facts = con.execute("SELECT count(*) FROM model_facts WHERE release_date IS NOT NULL").fetchall()[0][0]
    assert facts > 0  # createdAt fed the release dates


def test_two_snapshot_days_give_two_rows_and_a_same_day_rerun_adds_nothing(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        collect(con, emu, hub, parts={"snapshot"})
        first_day = hub.today
        emu.clear_log()
        again = collect(con, emu, hub, parts={"snapshot"})
        assert emu.request_count("/api/") == 0 and again.rows["hf_snapshots"] == 0
        hub.advance(days=1)
        collect(con, emu, hub, parts={"snapshot"})
    per_model = con.execute("SELECT model_id, count(*) FROM hf_snapshots GROUP BY 1").fetchall()
    assert {n for _, n in per_model} == {2} and len(per_model) == len(hub.tracked_ids())
    for model_id in hub.tracked_ids():
        (a,), (b,) = con.execute(
            "SELECT downloads_all_time FROM hf_snapshots WHERE model_id = ? ORDER BY snapshot_date", [model_id]
        ).fetchall()
        assert b - a == hub.all_models[model_id].daily_downloads(first_day)
    assert con.execute("SELECT max(snapshot_date) FROM hf_snapshots").fetchall()[0][0] == first_day + timedelta(1)


def test_a_rerun_with_new_rows_in_the_listing_only_adds_missing_rows(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        collect(con, emu, hub, parts={"snapshot"})
        before = rows(con, "hf_snapshots")
        con.execute("DELETE FROM hf_snapshot_progress")  # force listing again on the same day
        summary = collect(con, emu, hub, parts={"snapshot"})
    assert rows(con, "hf_snapshots") == before
    assert summary.rows["hf_snapshots"] == 0
    assert summary.rows["hf_snapshots (already stored today)"] == len(before)


def test_discovery_rejects_planted_gguf_guard_and_embedding_models(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        collect(con, emu, hub, parts={"discovery"})
    found = {r[0]: (r[4], r[5]) for r in rows(con, "candidates", ("discovered_at",))}
    first_party = hub.ids_of_kind("first_party")
    assert set(found) == {m for m in first_party if hub.all_models[m].created_at.date() <= hub.today}
    for model_id in first_party:
        decision, rule = found.get(model_id, (None, None))
        if model_id.endswith("-GGUF"):
            assert decision == "rejected" and "gguf" in rule, (model_id, rule)
        elif "-Guard-" in model_id:
            assert (decision, rule) == ("rejected", "global reject_name_patterns: (?i)(guard|guardian|shield|"
                                                    "safeguard|safety)")  # fmt: skip
        elif "-Embedding-" in model_id:
            assert (decision, rule) == ("rejected", "reject_pipeline_tags: feature-extraction")
        elif model_id.endswith("-Next"):
            assert decision in ("primary", "extra"), (model_id, rule)
    assert not con.execute("SELECT count(*) FROM hf_snapshots").fetchall()[0][0]  # discovery writes no snapshot


def test_accepting_candidates_tracks_them_from_the_next_snapshot(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        collect(con, emu, hub, parts={"discovery"})
        kept = [m for m, d in con.execute("SELECT model_id, decision FROM candidates").fetchall() if d != "rejected"]
        rejected = con.execute("SELECT model_id FROM candidates WHERE decision = 'rejected'").fetchall()[0][0]
        with pytest.raises(Exception, match="rejected by the tracking policy"):
            discovery.accept(con, [rejected], today=hub.today)
        added = discovery.accept(con, [], today=hub.today, all_kept=True)
        assert sorted(m for m, _ in added) == sorted(kept)
        assert discovery.accept(con, [], today=hub.today, all_kept=True) == []  # idempotent
        hub.advance(days=1)
        collect(con, emu, hub, parts={"snapshot", "discovery"})
    models = dict(con.execute("SELECT model_id, added_by FROM models").fetchall())
    assert all(models[m] == "discovery" for m in kept)
    accepted = con.execute("SELECT model_id, accepted_on FROM candidates WHERE accepted_on IS NOT NULL").fetchall()
    assert sorted(m for m, _ in accepted) == sorted(kept)
    snapped = {r[0] for r in con.execute("SELECT model_id FROM hf_snapshots").fetchall()}
    assert set(kept) <= snapped
