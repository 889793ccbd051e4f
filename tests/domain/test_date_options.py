"""`--since/--until` (CLI) and `since/until` (API) are parsed by one rule (domain/dates.parse_day) and a window
whose first day comes after its last is refused everywhere (domain/dates.check_order), never an empty answer."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from atomscope.domain.dates import DateFormatError, DateOrderError, check_order, parse_day
from atomscope.web.app import create_app


def test_parse_day_accepts_only_iso_days():
    assert parse_day("2024-02-29", "--since") == date(2024, 2, 29)
    for bad in ("2024-2-1", "2024-02-30", "01/02/2024", "2024-02-01T00:00", ""):
        with pytest.raises(DateFormatError, match="--since must be a date YYYY-MM-DD"):
            parse_day(bad, "--since")


def test_check_order_names_both_days():
    check_order(date(2024, 1, 1), date(2024, 1, 1))
    check_order(None, date(2024, 1, 1))
    with pytest.raises(DateOrderError, match="--since 2025-06-01 is after --until 2024-01-01"):
        check_order(date(2025, 6, 1), date(2024, 1, 1))


def test_metric_refuses_since_after_until(cli, served_db):
    out = cli("metric", "releases", "--db", served_db, "--since", "2025-06-01", "--until", "2024-01-01")
    assert out.code == 2 and "since 2025-06-01 is after until 2024-01-01" in out.err
    ok = cli("metric", "releases", "--db", served_db, "--since", "2024-01-01", "--until", "2025-06-01", "-f", "csv")
    assert ok.code == 0 and ok.out.startswith("period,")
    bad = cli("metric", "releases", "--db", served_db, "--since", "2024-13-01")
    assert bad.code == 2 and "--since must be a date YYYY-MM-DD" in bad.err


def test_api_refuses_since_after_until(served_db):
    client = TestClient(create_app(served_db))
    r = client.get("/api/metrics/releases?since=2025-06-01&until=2024-01-01")
    assert r.status_code == 422 and "since 2025-06-01 is after until 2024-01-01" in r.text
    assert client.get("/api/metrics/releases?since=2024-02-30").status_code == 422
    assert client.get("/api/metrics/releases?since=2024-01-01&until=2025-06-01").status_code == 200


def test_hub_stats_refuses_since_after_until(cli, small_db):
    out = cli("import", "hub-stats", "--db", small_db, "--since", "2025-06-01", "--until", "2024-01-01")
    assert out.code == 2 and "--since 2025-06-01 is after --until 2024-01-01" in out.err
