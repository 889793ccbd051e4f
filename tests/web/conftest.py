"""The dashboard servers of the browser tests (test_browser.py, test_browser_widths.py), one per test session
and worker: each serves a private copy of a warehouse no test writes, and computing its views is most of a
browser test's cost, so the files share them (module fixtures would start and warm each server per file)."""

from __future__ import annotations

import shutil

import pytest
from period_fixtures import dumps_copy
from web_fixtures import fixture_copy, serve_in_thread


def _stop(srv, thread) -> None:
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(bundled_db, tmp_path_factory):
    """The dashboard over a copy of the bundled real data (no Hub observations: downloads are empty)."""
    db = tmp_path_factory.mktemp("browser-real") / "atomscope.duckdb"
    shutil.copy(bundled_db, db)
    srv, thread, url = serve_in_thread(db, warm=True)
    yield url
    _stop(srv, thread)


@pytest.fixture(scope="session")
def fixture_server(bundled_db, tmp_path_factory):
    """Over a copy with the web test-fixture rows (derivative chain, script-tag model id, snapshots)."""
    db = fixture_copy(bundled_db, tmp_path_factory.mktemp("browser-fixture"))
    srv, thread, url = serve_in_thread(db, warm=False)
    yield url
    _stop(srv, thread)


@pytest.fixture(scope="session")
def dumps_server(bundled_db, tmp_path_factory):
    """Over a copy with SYNTHETIC monthly dumps (tests/period_fixtures.py): January-March estimated,
    September month-to-date."""
    db = dumps_copy(bundled_db, tmp_path_factory.mktemp("browser-dumps"))
    srv, thread, url = serve_in_thread(db, warm=False)
    yield url
    _stop(srv, thread)
