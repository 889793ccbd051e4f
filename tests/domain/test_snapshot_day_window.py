"""A snapshot day outside 2015 .. tomorrow is refused before anything is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from atomscope.domain.dates import DateOutOfRangeError, check_snapshot_day


@pytest.mark.parametrize("day", ["0001-01-01", "0202-01-01", "1900-01-01", "2014-12-31", "2100-01-01", "9999-12-31"])
def test_import_refuses_a_day_outside_the_window(cli, small_db, tmp_path, day):
    dump = tmp_path / "dump.csv"
    dump.write_text("id,downloads\nQwen/Qwen3-8B,10\n")
    result = cli("import", "hub-dump", dump, "--date", day, "--db", small_db)
    assert result.code == 2
    assert f"--date {day}" in result.err and "2015-01-01" in result.err
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM load_runs WHERE kind = 'import_dump'").fetchone()[0] == 0


def test_collect_refuses_a_since_outside_the_window(cli, small_db):
    result = cli("collect", "hf", "--since", "1900-01-01", "--db", small_db)
    assert result.code == 2 and "--since 1900-01-01" in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["import", "hub-stats", "--since", "0202-01-01"],
        ["import", "hub-stats", "--until", "2100-01-01"],
        ["collect", "hf", "--snapshot-date", "9999-12-31"],
    ],
)
def test_other_snapshot_day_options_are_range_checked(cli, small_db, args):
    result = cli(*args, "--db", small_db)
    assert result.code == 2 and "outside 2015-01-01" in result.err, result.err


def test_window_edges():
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert check_snapshot_day(date(2015, 1, 1), "--date") == date(2015, 1, 1)
    assert check_snapshot_day(datetime(2025, 6, 1, 0, 0), "--date") == date(2025, 6, 1)
    assert check_snapshot_day(tomorrow, "--date") == tomorrow
    assert check_snapshot_day(None, "--date") is None
    with pytest.raises(DateOutOfRangeError, match="--date"):
        check_snapshot_day(tomorrow + timedelta(days=1), "--date")
