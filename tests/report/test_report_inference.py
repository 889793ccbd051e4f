"""Report section `inference` (OpenRouter token share): empty with instructions, then filled end to end.

The loaded case follows the issue's acceptance path: the listing collected from the loopback stand-in, a
usage file written here (SYNTHETIC token counts) imported, then `build_report`."""

from __future__ import annotations

import shutil

import duckdb
import ibis
import pandas as pd
from report_parts import only_parts

from atomscope.collect.openrouter import collect_openrouter
from atomscope.collect.openrouter_usage import import_usage
from atomscope.metrics.frames import MetricData
from atomscope.metrics.inference_share import section as inference_section
from atomscope.report.build import build_report
from atomscope.testing.openrouter import OpenRouterStandIn, sample_listing
from atomscope.warehouse import db

USAGE = """date,model,tokens
2025-06-02,qwen/qwen3-235b-a22b,300
2025-06-02,qwen/qwen3-235b-a22b:free,100
2025-06-02,openai/gpt-4o,500
2025-06-02,meta-llama/llama-3.3-70b-instruct,100
2025-06-09,qwen/qwen3-235b-a22b,600
2025-06-09,openai/gpt-4o,400
"""


def test_empty_section_says_how_to_load_usage(bundled_db):
    con = duckdb.connect(str(bundled_db), read_only=True)
    try:
        section = inference_section(MetricData(ibis.duckdb.from_connection(con)), con)
    finally:
        con.close()
    assert section.charts == [] and section.tables == []
    assert len(section.missing) == 1
    assert "atomscope collect openrouter" in section.missing[0]
    assert "atomscope import openrouter FILE" in section.missing[0] and "docs/imports.md" in section.missing[0]


def test_loaded_section_charts_the_metric_and_traces_its_sources(bundled_db, tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    con = db.connect(path)
    with OpenRouterStandIn(sample_listing()) as stand_in:
        collect_openrouter(con, stand_in.url)
    usage = tmp_path / "usage.csv"
    usage.write_text(USAGE, encoding="utf-8")
    import_usage(con, usage)
    con.close()

    only_parts(monkeypatch, "inference_share")  # the other sections: the bundled report's tests
    report = build_report(path, tmp_path / "out")
    assert report.problems == []
    chart = next(c for c in report.charts if c.name == "inference_share")
    plotted = pd.read_csv(tmp_path / "out" / "charts" / "inference_share.csv")
    week1 = plotted[plotted.period == "2025-06-02"].set_index("region")
    assert week1["tokens"].to_dict() == {"closed": 500, "china": 400, "us": 100}
    assert week1["share"].to_dict() == {"closed": 0.5, "china": 0.4, "us": 0.1}
    assert "usage.csv (6 rows, import run" in chart.sources and "http://127.0.0.1:" in chart.sources
    html = report.index.read_text(encoding="utf-8")
    assert "Who serves the tokens" in html and "Top 10 models by tokens, latest period" in html
    top = pd.read_csv(tmp_path / "out" / "charts" / "inference_top.csv")
    assert top[["model", "tokens"]].values.tolist() == [["qwen/qwen3-235b-a22b", 600], ["openai/gpt-4o", 400]]
