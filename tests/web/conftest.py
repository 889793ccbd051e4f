"""The dashboard servers of the browser tests (test_browser.py), one per test session
and worker: each serves a private copy of a warehouse no test writes, and computing its views is most of a
browser test's cost, so the files share them (module fixtures would start and warm each server per file)."""

from __future__ import annotations

import shutil

import pytest
from period_fixtures import dumps_copy
from web_fixtures import WARMING, add_monthly_derivatives, fixture_copy, serve_in_thread, stop_server

from atomscope.web.app import create_app


@pytest.fixture(scope="session")
def server(bundled_db, tmp_path_factory):
    """The dashboard over a copy of the bundled real data (no Hub observations: downloads are empty)."""
    db = tmp_path_factory.mktemp("browser-real") / "atomscope.duckdb"
    shutil.copy(bundled_db, db)
    srv, thread, url = serve_in_thread(create_app(db, warm_cache=True), start_timeout=WARMING)
    yield url
    stop_server(srv, thread)


@pytest.fixture(scope="session")
def fixture_server(bundled_db, tmp_path_factory):
    """Over a copy with the web test-fixture rows (derivative chain, script-tag model id, snapshots)."""
    db = fixture_copy(bundled_db, tmp_path_factory.mktemp("browser-fixture"))
    srv, thread, url = serve_in_thread(create_app(db), start_timeout=WARMING)
    yield url
    stop_server(srv, thread)


@pytest.fixture(scope="session")
def dumps_server(bundled_db, tmp_path_factory):
    """Over a copy with SYNTHETIC monthly dumps (tests/period_fixtures.py): January-March estimated,
    September month-to-date; and with test-fixture derivatives of Qwen/Qwen3-8B in 2025-01 .. 2025-04
    (web_fixtures.add_monthly_derivatives). One server for both: its dashboard is computed once, not twice."""
    db = dumps_copy(bundled_db, tmp_path_factory.mktemp("browser-dumps"))
    add_monthly_derivatives(db)
    srv, thread, url = serve_in_thread(create_app(db), start_timeout=WARMING)
    yield url
    stop_server(srv, thread)
