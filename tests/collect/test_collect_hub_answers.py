"""Real Hub answers the collector used to mishandle, replayed by the emulator through huggingface_hub (SYNTHETIC
hub): a disabled repository (403 "Access to this resource is disabled."), a rename redirect that drops the query
string, and a `safetensors` object without `total`."""

from __future__ import annotations

import pytest
from hub_helpers import collect

from atomscope.metrics import availability, run
from atomscope.metrics.base import MetricContext
from atomscope.testing.hub import HubEmulator
from atomscope.testing.hub_faults import SchemaDrift


def _events(con, model_id):
    return con.execute(
        "SELECT observed_on, status, new_model_id, http_status FROM availability_events WHERE model_id = ?"
        " ORDER BY observed_on",
        [model_id],
    ).fetchall()


def _snapshot(con, model_id, day):
    return con.execute(
        "SELECT downloads_all_time, safetensors_total FROM hf_snapshots WHERE model_id = ? AND snapshot_date = ?",
        [model_id, day],
    ).fetchall()


def test_a_disabled_repository_is_a_status_recorded_once_not_an_error(con, hub):
    model_id = hub.tracked_ids()[0]
    with HubEmulator(hub, page_size=50) as emu:
        collect(con, emu, hub)
        hub.advance(days=1)
        first = hub.today
        emu.disabled.add(model_id)
        summary = collect(con, emu, hub)
        hub.advance(days=1)
        again = collect(con, emu, hub)
    assert _events(con, model_id) == [(first, "disabled", None, 403)]
    probes = con.execute("SELECT status, http_status FROM hf_probes WHERE model_id = ? ORDER BY ALL", [model_id])
    assert probes.fetchall() == [("disabled", 403), ("disabled", 403)]
    assert summary.rows["probes disabled"] == 1 and summary.rows["probes error"] == 0
    assert again.rows["availability_events"] == 0  # the same status is not recorded twice


@pytest.mark.parametrize("keeps_query", [False, True])
def test_a_renamed_model_is_snapshotted_that_day_even_when_the_redirect_drops_the_query(con, hub, keeps_query):
    old = next(m for m in hub.tracked_ids() if m.startswith("allenai/"))
    new = "someone-else/" + old.split("/")[1] + "-moved"  # a namespace the collector does not list
    with HubEmulator(hub, page_size=50, redirect_keeps_query=keeps_query) as emu:
        collect(con, emu, hub)
        hub.advance(days=1)
        hub.rename(old, new)
        emu.clear_log()
        collect(con, emu, hub)
        asked = [r.path for r in emu.requests if r.path.startswith("/api/models/")]
    assert _events(con, old) == [(hub.today, "renamed", new, 200)]
    (row,) = _snapshot(con, old, hub.today)  # stored under the tracked id, with the expanded fields
    assert row[0] is not None and row[0] > 0
    # a redirect that kept `expand` needs no second question
    assert asked == [f"/api/models/{old}", f"/api/models/{new}"] + ([] if keeps_query else [f"/api/models/{new}"])


def test_safetensors_without_total_keeps_the_model(con, hub):
    listed, probed = [m for m in hub.tracked_ids() if m.startswith("allenai/")][:2]
    summed = hub.all_models[listed].params_total
    assert summed  # the synthetic model has a safetensors parameter count
    with HubEmulator(hub, page_size=50) as emu:
        emu.faults.drift(SchemaDrift("safetensors.total", "missing", model_ids=frozenset({listed})))
        emu.faults.drift(SchemaDrift("safetensors.total", "missing", model_ids=frozenset({probed + "-moved"})))
        emu.faults.drift(SchemaDrift("safetensors.parameters", "string", model_ids=frozenset({probed + "-moved"})))
        hub.rename(probed, probed + "-moved")  # reached through a probe (model_info) rather than the listing
        summary = collect(con, emu, hub)
    assert _snapshot(con, listed, hub.today)[0][1] == summed  # total = the sum of the dtype counts
    (row,) = _snapshot(con, probed, hub.today)
    assert row[0] > 0 and row[1] is None  # counts that are not numbers: kept, parameters unknown
    assert not [reason for reason in summary.skipped if "safetensors" in reason]


def test_availability_metric_answers_from_an_emulator_collection(con, hub):
    ids = [m for m in hub.tracked_ids() if m.startswith("Qwen/")]
    removed, gated, disabled = ids[:3]
    renamed = next(m for m in hub.tracked_ids() if m.startswith("allenai/"))
    with HubEmulator(hub, page_size=50, redirect_keeps_query=False) as emu:
        collect(con, emu, hub)
        hub.advance(days=1)
        hub.remove(removed)
        hub.gate(gated, "manual")
        emu.disabled.add(disabled)
        hub.rename(renamed, renamed + "-v2")
        collect(con, emu, hub)
    import ibis

    backend = ibis.duckdb.from_connection(con)
    by_model = backend.execute(run(availability.METRIC, MetricContext(backend, by="model")).table)
    got = {r.model_id: (r.status, r.new_model_id if isinstance(r.new_model_id, str) else None, r.region)
           for r in by_model.itertuples(index=False)}  # fmt: skip
    assert got == {
        removed: ("removed", None, "china"),
        gated: ("gated", None, "china"),
        disabled: ("disabled", None, "china"),
        renamed: ("renamed", renamed + "-v2", "us"),
    }
    by_region = backend.execute(run(availability.METRIC, MetricContext(backend, by="region")).table)
    month = hub.today.strftime("%Y-%m")
    china = by_region[(by_region.month == month) & (by_region.region == "china")].iloc[0]
    assert (china.removed, china.gated, china.disabled, china.unavailable) == (1, 1, 1, 3)
    assert china.available == china.tracked - 3


def test_the_emulator_answers_as_the_hub_does_to_huggingface_hub(hub):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import DisabledRepoError

    from atomscope.testing.hub import DEFAULT_TOKEN

    disabled, renamed = [m for m in hub.tracked_ids() if m.startswith("allenai/")][:2]
    hub.rename(renamed, renamed + "-v2")
    with HubEmulator(hub, redirect_keeps_query=False, disabled=[disabled]) as emu:
        api = HfApi(endpoint=emu.url, token=DEFAULT_TOKEN)
        with pytest.raises(DisabledRepoError):
            api.model_info(disabled)
        assert disabled not in {m.id for m in api.list_models(author="allenai")}
        info = api.model_info(renamed, expand=["downloadsAllTime"])  # the redirect loses `expand`
        assert info.id == renamed + "-v2" and info.downloads_all_time is None
        assert api.model_info(info.id, expand=["downloadsAllTime"]).downloads_all_time > 0
