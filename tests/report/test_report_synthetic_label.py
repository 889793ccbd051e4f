"""The report refuses what an endpoint labels SYNTHETIC, and publishes a local endpoint that does not.

The Hub emulator labels every answer (collect/synthetic_label.py), so history imported from it is
refused by `atomscope report`. The same emulator with the label turned off stands in for a local mirror
or a third party's stand-in: its history is published, through the CLI, as a user would run it.
"""

from __future__ import annotations

import duckdb
import pytest
from hub_helpers import small_hub, tracked_hub_warehouse
from hubstats_fixtures import dataset_host
from report_parts import only_parts
from typer.testing import CliRunner

from atomscope.cli import app
from atomscope.testing.hub import DEFAULT_TOKEN, HubEmulator
from atomscope.warehouse.provenance import NotPublishableError


@pytest.fixture(scope="module")
def hub():
    return small_hub(orgs=("Qwen", "meta-llama"), per_org=3)


@pytest.mark.parametrize("labelled", [True, False], ids=["labelled-synthetic", "unlabelled-local"])
def test_report_follows_the_endpoints_label(bundled_db, tmp_path, hub, monkeypatch, labelled):
    tracked_hub_warehouse(bundled_db, tmp_path, hub).close()
    db_path = tmp_path / "w.duckdb"
    runner = CliRunner()
    with HubEmulator(hub, datasets=dataset_host(hub), labels_synthetic=labelled) as emu:
        endpoint = emu.url
        monkeypatch.setenv("HF_TOKEN", DEFAULT_TOKEN)
        imported = runner.invoke(app, ["import", "hub-stats", "--db", str(db_path), "--endpoint", endpoint,
                                       "--since", "2025-03-01", "--until", "2025-09-30", "--no-progress"])  # fmt: skip
    assert imported.exit_code in (0, 1), imported.output  # 1: a revision of the scenario is refused on purpose
    with duckdb.connect(str(db_path), read_only=True) as con:
        runs = con.execute("SELECT DISTINCT synthetic FROM load_runs WHERE kind = 'import_hubstats'").fetchall()
        months = con.execute("SELECT count(DISTINCT date_trunc('month', snapshot_date)) FROM hf_snapshots").fetchone()
    assert runs == [(labelled,)]
    assert months[0] >= 6

    only_parts(monkeypatch, "downloads")  # the charts of the imported history; the rest: the bundled report
    built = runner.invoke(app, ["report", "--db", str(db_path), "--out", str(tmp_path / "report")])
    if labelled:
        assert isinstance(built.exception, NotPublishableError)  # main() turns it into one line and exit 2
        assert "SYNTHETIC" in str(built.exception) and endpoint in str(built.exception)
        assert not (tmp_path / "report" / "index.html").exists()
    else:
        assert built.exit_code == 0, built.output
        page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
        assert "2025-03" in page and "2025-08" in page  # the imported months are charted
        assert endpoint in page  # the local endpoint is named in the provenance
