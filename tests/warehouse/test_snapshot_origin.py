"""Where hf_snapshots rows came from, read from their load runs (issue 21): the captions of the Hub charts."""

from __future__ import annotations

from datetime import date, datetime

from atomscope.warehouse.db import start_run
from atomscope.warehouse.provenance import hub_status, snapshot_origin


def _rows(con, run_id, source, days):
    for day in days:
        con.execute(
            "INSERT INTO hf_snapshots (model_id, snapshot_date, downloads_30d, collected_at, source, run_id)"
            " VALUES ('Qwen/Q', ?, 1, ?, ?, ?)",
            [day, datetime(2026, 1, 1), source, run_id],
        )


def test_a_mix_names_each_origin_with_its_count_and_span(empty_warehouse):
    con = empty_warehouse
    revisions = start_run(con, "import_hubstats")
    _rows(con, revisions, "hubstats:cfahlgren1/hub-stats@a1", [date(2025, 1, 31)])
    _rows(con, revisions, "hubstats:cfahlgren1/hub-stats@b2", [date(2025, 2, 28)])
    for day in (date(2025, 3, 1), date(2025, 3, 2)):  # two `collect hf` runs, one day each
        _rows(con, start_run(con, "hf_snapshot"), "hf", [day])
    text, kinds = snapshot_origin(con)
    assert text == (
        "2 hub-stats revisions (`atomscope import hub-stats`, 2025-01-31 to 2025-02-28); "
        "2 snapshot days (`atomscope collect hf`, 2025-03-01 to 2025-03-02)"
    )
    assert kinds == ("import_hubstats", "hf_snapshot")
    assert hub_status(con).origin == text


def test_no_snapshots_no_origin(empty_warehouse):
    assert snapshot_origin(empty_warehouse) == ("", ())
