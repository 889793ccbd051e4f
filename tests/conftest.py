"""Shared fixtures. Network safety first: tests may only talk to loopback.

Before anything imports `huggingface_hub`, the Hub endpoint defaults to a closed loopback port (tests
that need the Hub start the emulator and point the client at it), telemetry is off, and every socket
connect to a non-loopback address fails loudly.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from dataclasses import dataclass

import pytest
from compile_memo import compiled_once  # noqa: F401 - an autouse fixture: each expression compiled once

os.environ.setdefault("HF_ENDPOINT", "http://127.0.0.1:9")
# `sources update` / `run`'s refresh: GitHub and Epoch's URL also point at a closed loopback port by default
for _var, _value in (
    ("ATOMSCOPE_GITHUB_API", "http://127.0.0.1:9"),
    ("ATOMSCOPE_GITHUB_RAW", "http://127.0.0.1:9"),
    ("ATOMSCOPE_EPOCH_URL", "http://127.0.0.1:9/notable_ai_models.csv"),
):
    os.environ.setdefault(_var, _value)
# The suite talks only to loopback emulators it starts itself; its network safety is the closed default endpoint
# above and the socket guard below. An HF_HUB_OFFLINE=1 in the caller's environment would make huggingface_hub
# refuse those emulators too (it reads the variable once, at import), failing every collector test.
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(address) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            if host in ("localhost",):
                return
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host!r}") from None
        if not ip.is_loopback:
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")


def _guarded_connect(self, address):
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_address(address)
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory):
    """Path of a warehouse initialised with the bundled data (shared; open it read-only in tests)."""
    from atomscope.warehouse import db
    from atomscope.warehouse.load import load_bundled

    path = tmp_path_factory.mktemp("bundled") / "atomscope.duckdb"
    con = db.connect(path)
    load_bundled(con)
    con.close()
    return path


@pytest.fixture(scope="session")
def bundled_report(bundled_db, tmp_path_factory):
    """The static report (report.build.Report) built from the bundled warehouse, once per session: read its files,
    do not change them (a report build computes every metric of the report)."""
    from atomscope.report.build import build_report

    return build_report(bundled_db, tmp_path_factory.mktemp("bundled-report"))


@pytest.fixture(scope="session")
def bundled_backend(bundled_db):
    """An Ibis DuckDB backend over the bundled warehouse (read-only)."""
    import duckdb
    import ibis

    con = duckdb.connect(str(bundled_db), read_only=True)
    yield ibis.duckdb.from_connection(con)
    con.close()


@pytest.fixture
def empty_warehouse(tmp_path):
    """A fresh, empty (schema only) writable warehouse connection."""
    from atomscope.warehouse import db

    con = db.connect(tmp_path / "w.duckdb")
    yield con
    con.close()


@pytest.fixture
def metric_warehouse(tmp_path):
    """An empty warehouse file with the metric harness's row helpers and `run` (metric_harness.MetricWarehouse)."""
    from metric_harness import MetricWarehouse

    warehouse = MetricWarehouse(tmp_path)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="session")
def synthetic_db(tmp_path_factory):
    """(path, summary) of a small warehouse holding only a SYNTHETIC history (testing.synthetic_history):
    for the generator's own tests, export and the publication guard. Open it read-only."""
    from synthetic_fixtures import SYNTHETIC_SPEC

    from atomscope.testing.synthetic_history import generate_history
    from atomscope.warehouse import db

    path = tmp_path_factory.mktemp("synth") / "w.duckdb"
    con = db.connect(path)
    summary = generate_history(con, SYNTHETIC_SPEC)
    con.close()
    return path, summary


@pytest.fixture
def hub():
    """The default small SYNTHETIC Hub of the collector tests (hub_helpers.small_hub); a test module that
    needs another shape overrides this fixture."""
    from hub_helpers import small_hub

    return small_hub()


@pytest.fixture
def con(bundled_db, tmp_path, hub):
    """A writable copy of the bundled warehouse for collecting `hub` into (hub_helpers.tracked_hub_warehouse)."""
    from hub_helpers import tracked_hub_warehouse

    con = tracked_hub_warehouse(bundled_db, tmp_path, hub)
    yield con
    con.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """`cli(*args)`: run `atomscope ARGS` through its real entry point (error handling and exit codes)."""
    from atomscope.cli import main

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["atomscope", *map(str, args)])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def small_db(tmp_path):
    """A schema-only warehouse with one extra table of hostile strings; returns its path."""
    from atomscope.warehouse import db

    path = tmp_path / "wh" / "w.duckdb"
    con = db.connect(path)
    con.execute("CREATE TABLE evil (id INTEGER, text VARCHAR, tags VARCHAR[], n DOUBLE)")
    con.execute(
        "INSERT INTO evil VALUES (1, '=HYPERLINK(\"http://x\",\"y\")', ['a'], -1.5),"
        " (2, '=cmd|'' /C calc''!A0', ['=b', 'c'], 2), (3, '@evil', [], NULL), (4, '+SUM(1,2)', NULL, 3),"
        " (5, '-2+3', ['x'], 4), (6, chr(9) || 'tab', ['y'], 5), (7, chr(13) || 'cr', ['z'], 6), (8, 'plain', ['p'], 7)"
    )
    con.close()
    return path


@pytest.fixture
def live_server():
    """`live_server(app)`: serve an ASGI app with uvicorn on 127.0.0.1 (a free port); returns its base URL."""
    from web_fixtures import serve_in_thread, stop_server

    servers = []

    def start(app) -> str:
        server, thread, url = serve_in_thread(app)
        servers.append((server, thread))
        return url

    yield start
    for server, thread in servers:
        stop_server(server, thread)


@pytest.fixture
def served_db(bundled_db, tmp_path):
    """A private copy of the bundled warehouse (real data) that a test may write, lock, damage and restore."""
    import shutil

    path = tmp_path / "served.duckdb"
    shutil.copy(bundled_db, path)
    return path


def pytest_collection_modifyitems(config, items):
    """The Spark parity file first: it is the longest, and with two workers (scripts/test.sh) it then runs
    beside everything else instead of after it."""
    items.sort(key=lambda item: "test_spark_parity" not in item.nodeid)
