"""Faults: rate limits (429 and RateLimit headers), 5xx bursts, truncated JSON, schema drift, an
unreachable endpoint and the request cap. The SYNTHETIC hub's emulator injects them."""

from __future__ import annotations

import pytest
from hub_helpers import (
    FAST,
    cli_env,
    collect,
    contents,
    fast_cli_args,
    rows,
    run_cli,
    small_hub,
    tracked_hub_warehouse,
)

from atomscope.collect.hub.client import HubRequestError, RetryPolicy
from atomscope.domain.errors import HubUnreachableError
from atomscope.testing.hub import HubEmulator
from atomscope.testing.hub_faults import ManualClock, SchemaDrift
from atomscope.warehouse.db import connect

PAGE = 4
SNAP = {"snapshot", "availability", "discovery"}


@pytest.fixture(scope="module")
def clean(bundled_db, tmp_path_factory):
    """Contents and request count of an uninterrupted, fault-free collection of the same hub (the conftest's
    `hub`, small_hub(): built from a fixed seed, so the same hub), made once for the module's tests."""
    hub = small_hub()
    other = tracked_hub_warehouse(bundled_db, tmp_path_factory.mktemp("clean"), hub, name="clean.duckdb")
    with HubEmulator(hub, page_size=PAGE) as emu:
        summary = collect(other, emu, hub)
    result = contents(other, endpoint=False)
    other.close()
    return result, summary.requests


def _same(con, clean) -> bool:
    got = contents(con, endpoint=False)
    return all(got[t] == clean[0][t] for t in got if t != "crawl_state") and len(got["crawl_state"]) == 1


def _fake_time(clock: ManualClock, waits: list[float]):
    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    return sleep


@pytest.mark.parametrize("pace", [True, False])
def test_rate_limit_headers_are_honoured(con, hub, clean, pace):
    clock, waits = ManualClock(), []
    policy = RetryPolicy(max_retries=2, base_wait=0.001, max_wait=0.01, rate_limit_margin=0.0, pace=pace)
    with HubEmulator(hub, page_size=PAGE, rate_limit=(3, 40), clock=clock) as emu:
        summary = collect(con, emu, hub, policy=policy, sleep=_fake_time(clock, waits), clock=clock)
        throttled = emu.request_count("/api/", status=429)
    assert _same(con, clean)
    assert summary.rate_limit_waits > 0 and all(0 < w <= 40 for w in waits)
    if pace:  # the collector waits for the window reset before it is refused
        assert throttled == 0 and summary.requests == clean[1]
    else:  # refused, then waits what the RateLimit header says and retries
        assert throttled == summary.retries["429"] > 0
        assert summary.requests == clean[1] + throttled


def test_5xx_bursts_and_truncated_bodies_are_retried(con, hub, clean):
    with HubEmulator(hub, page_size=PAGE) as emu:
        emu.faults.fail_next(3, status=503)
        summary = collect(con, emu, hub, parts=SNAP)
        emu.faults.truncate_next(2, mode="body")
        con.execute("DELETE FROM hf_snapshot_progress")
        con.execute("DELETE FROM hf_snapshots")
        again = collect(con, emu, hub, parts=SNAP)
        emu.faults.truncate_next(1, mode="connection")
        rest = collect(con, emu, hub, parts={"derivatives"})
    assert summary.retries["503"] == 3 and again.retries["malformed_json"] == 2
    assert rest.retries["RemoteProtocolError"] == 1
    assert _same(con, clean)


def test_a_persistently_truncated_page_is_skipped_and_its_tracked_models_probed(con, hub, clean):
    with HubEmulator(hub, page_size=PAGE) as emu:
        emu.faults.truncate_next(FAST.max_retries + 1, path_prefix="/api/models", mode="body")
        summary = collect(con, emu, hub, parts={"snapshot", "availability"})
    assert summary.skipped["malformed_json_page"] == 1
    assert summary.rows["probes available"] >= 1  # the skipped page's tracked models, recovered one by one
    assert rows(con, "hf_snapshots", ("collected_at", "run_id", "endpoint")) == clean[0]["hf_snapshots"]


def test_schema_drift_skips_and_counts_rows_and_alters_nothing_stored(con, hub):
    qwen = sorted(m for m in hub.tracked_ids() if m.startswith("Qwen/"))
    with HubEmulator(hub, page_size=PAGE) as emu:
        collect(con, emu, hub, parts={"snapshot"})
        day_one, first_day = rows(con, "hf_snapshots"), hub.today
        hub.advance(days=1)
        for drift in (SchemaDrift("downloads", "string", frozenset({qwen[0]})),
                      SchemaDrift("likes", "missing", frozenset({qwen[1]})),
                      SchemaDrift("createdAt", "list", frozenset({qwen[2]})),
                      SchemaDrift("tags", "null", frozenset({qwen[3]})),
                      SchemaDrift("id", "list", frozenset({qwen[4]}))):  # fmt: skip
            emu.faults.drift(drift)
        summary = collect(con, emu, hub, parts={"snapshot", "availability"})
    assert rows(con, "hf_snapshots", where=f"WHERE snapshot_date = DATE '{first_day}'") == day_one
    today = {r[0] for r in con.execute("SELECT model_id FROM hf_snapshots WHERE snapshot_date = ?",
                                       [hub.today]).fetchall()}  # fmt: skip
    assert today == set(hub.tracked_ids()) - set(qwen[:5])
    assert summary.skipped["wrong_type:downloads"] == 1
    assert summary.skipped["missing:likes"] == 1
    assert summary.skipped["malformed_item:createdAt"] == 1
    assert summary.skipped["missing:tags"] == 1
    assert summary.skipped["unexpected_id"] == 1
    assert summary.rows["probes error"] == 1  # the id-less item's model, probed: its answer has no id either
    assert not con.execute("SELECT count(*) FROM availability_events").fetchall()[0][0]


def test_persistent_5xx_fails_the_run_with_a_clear_error_and_keeps_committed_pages(con, hub):
    with HubEmulator(hub, page_size=PAGE) as emu:
        collect(con, emu, hub, parts={"snapshot"}, orgs=["Qwen"])
        emu.faults.fail_next(100, status=502)
        with pytest.raises(HubUnreachableError, match="HTTP 502"):
            collect(con, emu, hub, parts={"snapshot"})
    status = con.execute("SELECT status FROM load_runs WHERE kind = 'hf_snapshot' ORDER BY run_id").fetchall()
    assert [s for (s,) in status] == ["ok", "failed"]
    assert con.execute("SELECT count(DISTINCT model_id) FROM hf_snapshots").fetchall()[0][0] == len(
        [m for m in hub.tracked_ids() if m.startswith("Qwen/")]
    )


def test_request_cap_stops_cleanly_and_a_rerun_finishes_like_an_uninterrupted_run(con, hub, clean):
    with HubEmulator(hub, page_size=PAGE) as emu:
        stops = 0
        while True:
            summary = collect(con, emu, hub, max_requests=2)
            assert summary.requests <= 2
            if summary.stopped is None:
                break
            stops += 1
        assert stops >= 3
        total = emu.request_count("/api/")
    assert _same(con, clean)
    assert total == clean[1]  # not one request repeated across the resumed runs
    kinds = con.execute("SELECT status, count(*) FROM load_runs WHERE kind LIKE 'hf_%' GROUP BY 1").fetchall()
    assert dict(kinds)["interrupted"] == stops


def test_unreachable_endpoint_exits_non_zero_with_one_line(tmp_path, hub, bundled_db):
    tracked_hub_warehouse(bundled_db, tmp_path, hub).close()

    class Closed:
        url = "http://127.0.0.1:9"

    args = fast_cli_args(Closed, hub, tmp_path / "w.duckdb", "--retries", "1")
    at = args.index("--endpoint")
    del args[at : at + 2]  # the endpoint comes from HF_ENDPOINT
    done = run_cli(args, cli_env(tmp_path, HF_ENDPOINT=Closed.url))
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the Hub at http://127.0.0.1:9"), done.stderr
    assert "Traceback" not in done.stderr


def test_request_cap_exit_code_from_the_cli(tmp_path, hub, bundled_db):
    tracked_hub_warehouse(bundled_db, tmp_path, hub).close()
    with HubEmulator(hub, page_size=PAGE) as emu:
        done = run_cli(fast_cli_args(emu, hub, tmp_path / "w.duckdb", "--max-requests", "2"), cli_env(tmp_path))
        assert done.returncode == 3, done.stderr
        assert "stopped early" in done.stderr and "rerun to continue" in done.stderr
        con = connect(tmp_path / "w.duckdb")
        try:
            assert con.execute("SELECT status FROM load_runs WHERE kind = 'hf_snapshot'").fetchall() == [
                ("interrupted",)
            ]
            assert collect(con, emu, hub).stopped is None  # and the rest is collected
        finally:
            con.close()


def test_a_refused_token_is_one_clear_error_that_never_shows_the_token(con, hub):
    secret = "hf_not_a_valid_token_0123456789"
    with HubEmulator(hub) as emu:
        with pytest.raises(HubRequestError) as caught:
            collect(con, emu, hub, token=secret)
    message = str(caught.value)
    assert "HTTP 401" in message and "HF_TOKEN" in message and secret not in message
    details = con.execute("SELECT string_agg(CAST(details AS VARCHAR), ' ') FROM load_runs").fetchall()[0][0]
    assert secret not in (details or "")
