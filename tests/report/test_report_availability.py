"""Report section "Availability: what disappeared or closed" and its finding, on the bundled warehouse."""

from __future__ import annotations

import shutil

import duckdb
import ibis
import pandas as pd
from report_parts import only_parts

from atomscope.metrics.availability import findings
from atomscope.metrics.availability import section as availability_section
from atomscope.metrics.frames import MetricData
from atomscope.report.build import build_report
from atomscope.warehouse import db as warehouse


def test_nothing_collected_says_how_to_collect(bundled_db):
    con = duckdb.connect(str(bundled_db), read_only=True)
    try:
        md = MetricData(ibis.duckdb.from_connection(con))
        section = availability_section(md)
        assert section.charts == [] and section.tables == []
        assert any("atomscope collect hf" in note for note in section.missing)
        assert findings(md) == []
    finally:
        con.close()


def test_section_table_chart_and_standout_finding(bundled_db, tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    con = warehouse.connect(path)
    try:
        run_id = warehouse.start_run(con, "hf_snapshot")  # no endpoint: recorded as a real (non-emulator) run
        china = [
            m
            for (m,) in con.execute(
                "SELECT model_id FROM models WHERE hf_org = 'deepseek-ai' ORDER BY model_id LIMIT 3"
            ).fetchall()
        ]
        us = con.execute("SELECT min(model_id) FROM models WHERE hf_org = 'meta-llama'").fetchone()[0]
        events = [(china[0], "removed", None, 404), (china[1], "gated", None, 403), (china[2], "disabled", None, 403),
                  (us, "renamed", us + "-v2", 307)]  # fmt: skip
        for model_id, status, new_id, http in events:
            con.execute(
                "INSERT INTO availability_events VALUES (?, DATE '2026-03-02', ?, ?, ?, now(), ?)",
                [model_id, status, new_id, http, run_id],
            )
        warehouse.finish_run(con, run_id, "ok", {})
        tracked_cn = con.execute(
            "SELECT count(*) FROM models m JOIN org_aliases a ON a.source = 'hf' AND a.alias = m.hf_org"
            " JOIN organizations o USING (org_key) WHERE o.region = 'china'"
        ).fetchone()[0]
    finally:
        con.close()
    only_parts(monkeypatch, "availability")  # the other sections: the bundled report's tests
    report = build_report(path, tmp_path / "out")
    section = next(s for s in report.sections if s.key == "availability")
    assert section.missing == []
    table = pd.read_csv(report.out_dir / "charts" / "availability_models.csv")
    assert dict(zip(table.model_id, table.status, strict=True)) == {m: s for m, s, _, _ in events}
    chart = pd.read_csv(report.out_dir / "charts" / "availability_region.csv")
    cn = chart.set_index("region").loc["china"]
    assert (cn.removed, cn.gated, cn.disabled, cn.unavailable, cn.tracked) == (1, 1, 1, 3, tracked_cn)
    assert chart.set_index("region").loc["us", "renamed"] == 1 and chart.unavailable.sum() == 3
    finding = next(f for f in report.findings if f.key == "availability_region")
    assert finding.values["region"] == "china" and finding.values["unavailable"] == 3
    assert f"3 of the {tracked_cn} tracked models from China" in finding.text
    assert "1 removed, 1 gated, 1 disabled" in finding.text
