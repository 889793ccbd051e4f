"""Helpers of the reliability suite: a small warehouse and the CLI run in-process as a user runs it."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest


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
    import socket
    import threading
    import time

    import uvicorn

    servers = []

    def start(app) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served_db(bundled_db, tmp_path):
    """A private copy of the bundled warehouse (real data) that a test may lock, damage and restore."""
    import shutil

    path = tmp_path / "served.duckdb"
    shutil.copy(bundled_db, path)
    return path
