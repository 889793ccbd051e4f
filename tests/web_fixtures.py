"""Test-fixture rows for the web tests: a copy of the bundled warehouse plus a few clearly labelled rows.

Added by the tests only (never by the loader): a two-step derivative chain `test-fixture/...` up to the
tracked model Qwen/Qwen3-8B, a model id carrying a script tag (`evil/<script>...`, also as author,
pipeline tag and license tag), three download snapshots and one availability event of Qwen/Qwen3-8B.
The bundled data itself has no Hub observations.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

SCRIPT = "<script>alert('xss')</script>"
EVIL_ID = f"evil/{SCRIPT}"
CHAIN = [  # child, parent, relation: test fixtures, not real Hub data
    ("test-fixture/Qwen3-8B-ft-GGUF", "test-fixture/Qwen3-8B-ft", "quantized"),
    ("test-fixture/Qwen3-8B-ft", "Qwen/Qwen3-8B", "finetune"),
    (EVIL_ID, "Qwen/Qwen3-8B", "adapter"),
]
ROOT = "Qwen/Qwen3-8B"


def add_test_fixture_rows(path) -> None:
    """Insert the test-fixture rows described in the module docstring into the warehouse at `path`."""
    con = duckdb.connect(str(path))
    seen = datetime(2025, 6, 1)
    for child, parent, relation in CHAIN:
        con.execute("INSERT INTO derivative_edges VALUES (?, ?, ?, ?, 0)", [child, parent, relation, seen])
        con.execute(
            "INSERT INTO hub_models (model_id, author, created_at, downloads_30d, likes, pipeline_tag, tags,"
            " first_seen_at, last_seen_at, run_id) VALUES (?, ?, ?, 42, 1, ?, ?, ?, ?, 0)",
            [child, SCRIPT, seen, SCRIPT, [f"license:{SCRIPT}"], seen, seen],
        )
    for day, total in [("2025-05-01", 1000), ("2025-05-15", 5000), ("2025-06-01", 9000)]:
        con.execute(
            "INSERT INTO hf_snapshots (model_id, snapshot_date, downloads_30d, downloads_all_time, collected_at,"
            " source, run_id, tags) VALUES (?, ?, ?, ?, ?, 'test-fixture', 0, ['license:apache-2.0'])",
            [ROOT, day, total // 2, total, seen],
        )
    con.execute("INSERT INTO availability_events VALUES (?, '2025-05-01', 'available', NULL, 200, ?, 0)", [ROOT, seen])
    con.close()


def add_monthly_derivatives(path) -> None:
    """Insert test-fixture derivatives of Qwen/Qwen3-8B into the warehouse at `path`: three fine-tunes and one
    quantization in each of four months (2025-01 .. 2025-04), so `derivatives --by region` has two rows (one
    per relation) per month and region."""
    con = duckdb.connect(str(path))
    for month in range(1, 5):
        for relation, count in (("finetune", 3), ("quantized", 1)):
            for i in range(count):
                child, day = f"test-fixture/qwen3-{relation}-{month}-{i}", f"2025-0{month}-10"
                con.execute("INSERT INTO derivative_edges VALUES (?, ?, ?, ?, 0)", [child, ROOT, relation, day])
                con.execute("INSERT INTO hub_models (model_id, author, created_at, downloads_30d, likes, tags,"
                            " first_seen_at, last_seen_at, run_id) VALUES (?, 'test-fixture', ?, 42, 0, [], ?, ?, 0)",
                            [child, day, day, day])  # fmt: skip
    con.close()


def fixture_copy(bundled_db, folder: Path) -> Path:
    """A copy of the bundled warehouse in `folder` with the test-fixture rows added."""
    path = Path(folder) / "fixture.duckdb"
    shutil.copy(bundled_db, path)
    add_test_fixture_rows(path)
    return path


WARMING = 180  # seconds a dashboard server may take to start (a warming one computes its default views first)


def serve_in_thread(app, *, start_timeout: float = 30):
    """Serve an ASGI app with uvicorn in a thread on a free loopback port: (server, thread, base URL). A
    warming app (`create_app(..., warm_cache=True)`) binds only after computing every default view, so give
    it a longer `start_timeout`."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return srv, thread, f"http://127.0.0.1:{port}"


def stop_server(srv, thread) -> None:
    srv.should_exit = True
    thread.join(timeout=10)
