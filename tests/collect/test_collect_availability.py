"""Availability watch: removed, gated, renamed and private tracked models (SYNTHETIC hub)."""

from __future__ import annotations

from hub_helpers import collect

from atomscope.testing.hub import HubEmulator


def _events(con) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for model_id, day, status, new_id, http in con.execute(
        "SELECT model_id, observed_on, status, new_model_id, http_status FROM availability_events ORDER BY ALL"
    ).fetchall():
        out.setdefault(model_id, []).append((day, status, new_id, http))
    return out


def test_removed_gated_renamed_and_private_models_are_recorded_once_on_the_day_they_change(con, hub):
    qwen = [m for m in hub.tracked_ids() if m.startswith("Qwen/")]
    allen = [m for m in hub.tracked_ids() if m.startswith("allenai/")]
    removed, gated_listed, gated_closed, renamed, private = qwen[0], qwen[1], qwen[2], allen[0], allen[1]
    new_id = renamed + "-Renamed"
    with HubEmulator(hub, page_size=5) as emu:
        collect(con, emu, hub)
        baseline = _events(con)
        hub.advance(days=1)
        day = hub.today
        hub.remove(removed)
        hub.gate(gated_listed, "manual")
        hub.gate(gated_closed, "auto", inaccessible=True)
        hub.rename(renamed, new_id)
        hub.make_private(private)
        emu.clear_log()
        summary = collect(con, emu, hub, token=False)  # anonymous: a private repo is a RepoNotFound
        probes = [r for r in emu.requests if r.path.startswith("/api/models/")]
        hub.advance(days=1)
        collect(con, emu, hub, token=False)  # nothing changes: no new event
        after = _events(con)
    assert after == _events(con)
    new = {m: [e for e in ev if e[0] >= day] for m, ev in after.items()}
    new = {m: ev for m, ev in new.items() if ev}
    assert new == {
        removed: [(day, "removed", None, 401)],
        gated_listed: [(day, "gated", None, 200)],
        renamed: [(day, "renamed", new_id, 200)],
        private: [(day, "removed", None, 401)],
    } | ({} if gated_closed in baseline else {gated_closed: [(day, "gated", None, 200)]})
    # missing models are probed once each (the rename's redirect is followed by the client)
    assert sorted({r.path for r in probes}) == sorted(f"/api/models/{m}" for m in (removed, renamed, private, new_id))
    assert summary.lower_bound["probes"] == 4 and summary.requests_by_part["probes"] == 4
    # the renamed model keeps its history under its tracked id, through the probe and then the listing
    days = con.execute("SELECT snapshot_date FROM hf_snapshots WHERE model_id = ? ORDER BY 1", [renamed]).fetchall()
    assert len(days) == 3
    assert not con.execute("SELECT count(*) FROM candidates WHERE model_id = ?", [new_id]).fetchall()[0][0]
    assert not con.execute("SELECT count(*) FROM hf_snapshots WHERE model_id = ?", [new_id]).fetchall()[0][0]


def test_a_model_that_comes_back_is_available_again(con, hub):
    model_id = hub.tracked_ids()[0]
    with HubEmulator(hub, page_size=50) as emu:
        model = hub.all_models[model_id]
        hub.remove(model_id)
        collect(con, emu, hub, parts={"availability"})
        hub.advance(days=1)
        hub.add(model)
        collect(con, emu, hub, parts={"availability"})
    assert [e[1] for e in _events(con)[model_id]] == ["removed", "available"]


def test_a_same_day_rerun_does_not_probe_again(con, hub):
    model_id = hub.tracked_ids()[0]
    with HubEmulator(hub, page_size=50) as emu:
        hub.remove(model_id)
        collect(con, emu, hub)
        emu.clear_log()
        summary = collect(con, emu, hub, parts={"snapshot", "availability", "discovery"})
        assert emu.request_count("/api/") == 0 and summary.requests == 0


def test_a_private_model_the_token_can_see_is_removed_for_the_public_and_not_snapshotted(con, hub):
    model_id = hub.tracked_ids()[0]
    with HubEmulator(hub, page_size=50) as emu:
        hub.make_private(model_id)
        hub.make_private(next(m for m in hub.ids_of_kind("first_party") if m.endswith("-Next")))
        summary = collect(con, emu, hub)  # the emulator shows private repos to any valid token
    assert _events(con)[model_id] == [(hub.today, "removed", None, None)]
    assert summary.skipped["private"] == 2
    assert not con.execute("SELECT count(*) FROM hf_snapshots WHERE model_id = ?", [model_id]).fetchall()[0][0]
    assert con.execute("SELECT count(*) FROM candidates WHERE model_id LIKE '%-Next'").fetchall()[0][0] == 1
