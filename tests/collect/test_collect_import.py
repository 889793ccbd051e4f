"""`import hub-dump` (history you did not collect) and `catalog candidates` (SYNTHETIC rows only)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from hub_helpers import collect, small_hub, tracked_hub_warehouse
from typer.testing import CliRunner

from atomscope.cli import app
from atomscope.collect.hub.dump import import_hub_dump
from atomscope.domain.errors import DataValidationError
from atomscope.testing.hub import HubEmulator


@pytest.fixture
def hub():
    return small_hub(per_org=3)


def _dump(hub, day: date, *, bad: bool = False) -> pd.DataFrame:
    records = []
    for m in hub.iter_public(authorized=True):
        records.append({
            "id": m.id, "author": m.author, "createdAt": m.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "downloads": m.downloads_30d(day), "downloadsAllTime": m.downloads_all_time(day), "likes": m.likes,
            "tags": m.tags, "pipeline_tag": m.pipeline_tag,
        })  # fmt: skip
    if bad:
        records += [
            {"id": "https://huggingface.co/x/y", "author": "x", "createdAt": "2024-01-01T00:00:00.000Z",
             "downloads": 1, "downloadsAllTime": 1, "likes": 0, "tags": [], "pipeline_tag": None},
            {"id": "synth-bad/no-downloads", "author": "synth-bad", "createdAt": "2024-01-01T00:00:00.000Z",
             "downloads": None, "downloadsAllTime": 1, "likes": 0, "tags": [], "pipeline_tag": None},
            {"id": "synth-bad/bad-date", "author": "synth-bad", "createdAt": "yesterday-ish",
             "downloads": 3, "downloadsAllTime": 1, "likes": 0, "tags": [], "pipeline_tag": None},
        ]  # fmt: skip
    return pd.DataFrame(records)


def test_dumps_of_two_dates_become_history_and_a_repeat_adds_nothing(con, hub, tmp_path):
    first, second = date(2026, 4, 1), date(2026, 5, 1)
    csv_path, pq_path = tmp_path / "hub-2026-04-01.csv", tmp_path / "hub-2026-05-01.parquet"
    frame = _dump(hub, first, bad=True)
    frame.assign(tags=frame["tags"].map(json.dumps)).to_csv(csv_path, index=False)
    _dump(hub, second).to_parquet(pq_path)
    one = import_hub_dump(con, csv_path, first)
    assert one.skipped == {"unexpected_id": 1, "missing:downloads": 1, "wrong_type:createdAt": 1,
                           "edge empty_base_model": 1, "edge unknown_relation:distill": 1,
                           "edge bad_parent_id": 1}  # fmt: skip
    tracked = hub.tracked_ids()
    assert one.rows["hf_snapshots"] == len(tracked)
    assert import_hub_dump(con, csv_path, first).rows == {"hf_snapshots": 0, "hub_models": 0, "derivative_edges": 0}
    two = import_hub_dump(con, pq_path, second)
    assert two.rows["hf_snapshots"] == len(tracked) and two.rows["hub_models"] == 0
    history = con.execute(
        "SELECT model_id, snapshot_date, downloads_all_time, source FROM hf_snapshots ORDER BY ALL"
    ).fetchall()
    assert len(history) == 2 * len(tracked)
    for model_id, day, all_time, source in history:
        assert all_time == hub.expected_downloads(model_id, day)[1]
        assert source == f"import:{'hub-2026-04-01.csv' if day == first else 'hub-2026-05-01.parquet'}"
    edges = {tuple(e) for e in con.execute("SELECT child_id, parent_id, relation FROM derivative_edges").fetchall()}
    truth = {(e.child, e.parent, e.relation) for e in hub.derivative_edges()}
    assert truth <= edges and one.respelled == 1  # the lowercased parent id, spelled as the known model
    runs = con.execute("SELECT status FROM load_runs WHERE kind = 'import_dump'").fetchall()
    assert runs == [("ok",)] * 3


def test_an_api_row_of_the_same_day_wins_over_an_import(con, hub, tmp_path):
    with HubEmulator(hub) as emu:
        collect(con, emu, hub, parts={"snapshot"})
    before = con.execute("SELECT * FROM hf_snapshots ORDER BY ALL").fetchall()
    path = tmp_path / "same-day.parquet"
    _dump(hub, hub.today).assign(downloads=0).to_parquet(path)
    assert import_hub_dump(con, path, hub.today, tracked_only=True).rows["hf_snapshots"] == 0
    assert con.execute("SELECT * FROM hf_snapshots ORDER BY ALL").fetchall() == before


def test_a_dump_without_a_required_column_is_refused_whole(con, hub, tmp_path):
    path = tmp_path / "thin.csv"
    _dump(hub, hub.today).drop(columns=["likes"]).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="missing column"):
        import_hub_dump(con, path, hub.today)
    assert not con.execute("SELECT count(*) FROM hf_snapshots").fetchall()[0][0]


def test_catalog_candidates_lists_filters_and_accepts(bundled_db, tmp_path, hub):
    con = tracked_hub_warehouse(bundled_db, tmp_path, hub)
    with HubEmulator(hub) as emu:
        collect(con, emu, hub, parts={"discovery"})
    con.close()
    db = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    listed = runner.invoke(app, ["catalog", "candidates", "--db", db, "--decision", "rejected", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rejected = json.loads(listed.stdout)
    assert rejected and all(r["decision"] == "rejected" and r["rule"] for r in rejected)
    kept = [m for m in hub.ids_of_kind("first_party") if m.endswith("-Next")]
    done = runner.invoke(app, ["catalog", "candidates", "--db", db, "--accept", kept[0]])
    assert done.exit_code == 0, done.output
    refused = runner.invoke(app, ["catalog", "candidates", "--db", db, "--accept", rejected[0]["model_id"]])
    assert refused.exit_code != 0
    forced = runner.invoke(app, ["catalog", "candidates", "--db", db, "--accept", rejected[0]["model_id"],
                                 "--list", "extra"])  # fmt: skip
    assert forced.exit_code == 0, forced.output
    from atomscope.warehouse.db import connect

    con = connect(db)
    try:
        added = con.execute("SELECT model_id, list, added_by FROM models WHERE added_by = 'discovery' ORDER BY 1")
        assert sorted(added.fetchall()) == sorted([
            (kept[0], con.execute("SELECT decision FROM candidates WHERE model_id = ?", [kept[0]]).fetchall()[0][0],
             "discovery"),
            (rejected[0]["model_id"], "extra", "discovery"),
        ])  # fmt: skip
    finally:
        con.close()
