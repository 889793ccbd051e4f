"""A stand-in upstream (loopback) serving upstream-format files rebuilt from the bundled tables, and a
warehouse loaded with the bundled data.

Both are built once per test session (per xdist worker) and handed to each test fresh: the warehouse as a copy
of the session's `bundled_db` (tests/conftest.py `served_db`), the upstream files as the same rebuilt texts
committed to a new stand-in. Loading the bundled data (~1.3 s) and rebuilding the upstream files (~0.8 s) was the
set-up of every test."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from upstream_helpers import ATOM, LMARENA, LMARENA_PATH, MOF, OSAI

from atomscope.collect.upstream.http import Endpoints, UpstreamClient
from atomscope.testing import upstream_files
from atomscope.testing.upstream import UpstreamStandIn
from atomscope.warehouse import db


@pytest.fixture(scope="session")
def upstream_texts():
    """The upstream files rebuilt from the bundled tables (read-only: the stand-in copies what it is given)."""
    return {
        "atom": upstream_files.atom_files(),
        "osai": upstream_files.osai_files(),
        "mof": upstream_files.mof_files(),
        "lmarena": upstream_files.lmarena_snapshots(),
        "epoch": upstream_files.epoch_csv(),
    }


@pytest.fixture
def stand_in(upstream_texts):
    server = UpstreamStandIn()
    server.commit(ATOM, dict(upstream_texts["atom"]))
    server.commit(OSAI, dict(upstream_texts["osai"]), branch="preview")  # the index's default branch
    server.commit(MOF, dict(upstream_texts["mof"]))
    snapshots = upstream_texts["lmarena"]
    for day in sorted(snapshots)[-2:]:  # the last two bundled days, committed on those days (UTC)
        when = datetime.fromisoformat(day).replace(hour=23, tzinfo=UTC)
        server.commit(LMARENA, {LMARENA_PATH: snapshots[day]}, when=when)
    server.publish("notable_ai_models.csv", upstream_texts["epoch"])
    with server:
        yield server


@pytest.fixture
def client(stand_in):
    endpoints = Endpoints(
        stand_in.github_api, stand_in.github_raw, (("epoch", stand_in.file_url("notable_ai_models.csv")),)
    )
    with UpstreamClient(endpoints, timeout=10.0, token="") as c:
        yield c


@pytest.fixture
def loaded(served_db):
    """A writable warehouse with the bundled data."""
    con = db.connect(served_db)
    yield con
    con.close()
