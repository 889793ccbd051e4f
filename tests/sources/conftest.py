"""A stand-in upstream (loopback) serving upstream-format files rebuilt from the bundled tables, and a
warehouse loaded with the bundled data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from upstream_helpers import ATOM, LMARENA, LMARENA_PATH, MOF, OSAI

from atomscope.collect.upstream.http import Endpoints, UpstreamClient
from atomscope.testing import upstream_files
from atomscope.testing.upstream import UpstreamStandIn
from atomscope.warehouse import db
from atomscope.warehouse.load import load_bundled


@pytest.fixture
def stand_in():
    server = UpstreamStandIn()
    server.commit(ATOM, upstream_files.atom_files())
    server.commit(OSAI, upstream_files.osai_files(), branch="preview")  # the index's default branch
    server.commit(MOF, upstream_files.mof_files())
    snapshots = upstream_files.lmarena_snapshots()
    for day in sorted(snapshots)[-2:]:  # the last two bundled days, committed on those days (UTC)
        when = datetime.fromisoformat(day).replace(hour=23, tzinfo=UTC)
        server.commit(LMARENA, {LMARENA_PATH: snapshots[day]}, when=when)
    server.publish("notable_ai_models.csv", upstream_files.epoch_csv())
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
def loaded(tmp_path):
    """A writable warehouse with the bundled data."""
    con = db.connect(tmp_path / "w.duckdb")
    load_bundled(con)
    yield con
    con.close()
