"""`atomscope run`'s day-one backfill from the SYNTHETIC hub-stats repository, and the report built on it.

The emulator labels its answers SYNTHETIC and the report refuses what it serves (collect/synthetic_label.py).
To check that the adoption charts show the imported history, the emulator here has its label turned off,
standing in for a local endpoint that does not say it is synthetic; the report is built as for any data.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hub_helpers import small_hub, tracked_hub_warehouse
from hubstats_fixtures import dataset_host
from typer.testing import CliRunner

from atomscope.cli import app
from atomscope.cli.core import try_backfill
from atomscope.collect.hubstats.backfill import BACKFILL_MONTHS, history_months, months_back
from atomscope.testing.hub import DEFAULT_TOKEN, HubEmulator

ORGS = ("Qwen", "meta-llama", "mistralai")


@pytest.fixture(scope="module")
def hub():
    return small_hub(orgs=ORGS, per_org=4)


def test_the_backfill_imports_24_months_once_and_the_report_shows_that_history(bundled_db, tmp_path, hub,
                                                                               monkeypatch, capsys):  # fmt: skip
    con = tracked_hub_warehouse(bundled_db, tmp_path, hub)
    con.close()
    db_path = tmp_path / "w.duckdb"
    host = dataset_host(hub)
    since = months_back(datetime.now(UTC).date(), BACKFILL_MONTHS)
    with HubEmulator(hub, datasets=host, labels_synthetic=False) as emu:
        monkeypatch.setenv("HF_ENDPOINT", emu.url)
        monkeypatch.setenv("HF_TOKEN", DEFAULT_TOKEN)
        try_backfill(db_path)
        said = " ".join(capsys.readouterr().err.split())
        # the corrupt file is recorded `invalid` and never fetched again: no "rerun to continue" promise
        assert "1 revision(s) hold a file that cannot be read and are left out" in said
        assert "continues it" not in said
        downloads, served = len({s.sha256 for s in host.served}), host.bytes_served  # files read, bytes sent
        try_backfill(db_path)  # enough history now: nothing is asked
        assert host.bytes_served == served
    from atomscope.warehouse import db

    con = db.connect(db_path)
    try:
        months = con.execute(
            "SELECT DISTINCT snapshot_date FROM hf_snapshots WHERE snapshot_date >= ? ORDER BY 1", [since]
        ).fetchall()
        assert history_months(con) >= 12
        revisions = con.execute("SELECT status, count(*) FROM hubstats_revisions GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    expected = [m for m in _month_starts(since) if m <= datetime(2026, 11, 30).date()]
    assert downloads == len(expected) <= BACKFILL_MONTHS + 1
    assert served <= 0.10 * sum(v.size for v in _files(host, {s.sha256 for s in host.served}))  # by column
    assert revisions == [("invalid", 1), ("ok", len(expected) - 1)]  # the corrupt file of 2026-02
    assert len(months) == len(expected) - 1

    listed = CliRunner().invoke(app, ["quality", "--db", str(db_path)], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "rollback" in listed.stdout and "partial" in listed.stdout and "invalid" in listed.stdout

    from atomscope.report.build import build_report

    report = build_report(db_path, tmp_path / "report")
    adoption = next(s for s in report.sections if s.key == "downloads")
    monthly = next(c for c in adoption.charts if c.name == "downloads_monthly")
    shown = sorted(set(monthly.data["month"]))
    assert len(shown) >= 20 and shown[0] <= since.strftime("%Y-%m")
    assert any("source-quality checks" in n for n in adoption.notes)
    assert any("30-day count" in n for n in adoption.notes)
    summary = report.summary.read_text(encoding="utf-8")
    assert "huggingface.co/datasets/cfahlgren1/hub-stats" in summary  # the dataset is cited
    assert "cfahlgren1/hub-stats" in report.index.read_text(encoding="utf-8")


def _month_starts(since):
    out, day = [], since
    while day <= datetime.now(UTC).date():
        out.append(day)
        day = months_back(day, -1)
    return out


def _files(host, sha256s):
    """The served file versions, by sha256: the host's CDN index of the versions it handed out URLs for (every
    models file is an LFS file; a sha256 it does not hold fails loudly). Hashing every version of every commit's
    tree to find them built each of the ~760 files' bytes, served or not: ~20% of this test's time."""
    return [host._lfs[s] for s in sha256s]
