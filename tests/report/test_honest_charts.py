"""Issue 18 in the report: estimated months are drawn distinctly (lighter bars, dashed lines, a legend
entry), the unfinished month is left out, and findings never quote an estimate or a month-to-date
figure as measured.

The Hub history comes from tests/period_fixtures.py: SYNTHETIC monthly dumps (2025-04-01 .. 2025-09-01)
of four real tracked models in a copy of the bundled warehouse, built here and never published.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
import vl_convert
from period_fixtures import dumps_copy

from atomscope.metrics import downloads_report
from atomscope.metrics.frames import MetricData
from atomscope.present import charts, wording
from atomscope.warehouse.provenance import hub_status

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BACKCAST_MONTHS = ["2025-01", "2025-02", "2025-03"]  # before the month of the first dump (2025-04-01)


def open_md(path: Path):
    con = duckdb.connect(str(path), read_only=True)
    return con, MetricData(ibis.duckdb.from_connection(con)), hub_status(con)


@pytest.fixture(scope="module")
def dumps(bundled_db, tmp_path_factory):
    con, md, hub = open_md(dumps_copy(bundled_db, tmp_path_factory.mktemp("dumps")))
    yield md, hub
    con.close()


def frame(months, estimated, complete=None):
    out = pd.DataFrame(
        {"month": months, "region": "us", "downloads": range(1, len(months) + 1), "estimated": estimated}
    )
    return out if complete is None else out.assign(complete=complete)


# -- the shared rule and the encodings --------------------------------------------------------------
def test_finished_periods_leaves_out_the_unfinished_month():
    df = frame(["2025-07", "2025-08", "2025-09"], [True, False, False], [True, True, False])
    periods = charts.finished_periods(df, ["month", "region", "downloads"])
    assert list(periods.data["month"]) == ["2025-07", "2025-08"]
    assert list(periods.data.columns) == ["month", "region", "downloads", "estimated"]
    assert periods.unfinished == ["2025-09"] and periods.estimated == ["2025-07"]
    assert "2025-09 (to date) is left out" in periods.caption()
    assert "Lighter bars: estimated months (2025-07)" in periods.caption()
    assert periods.caption(charts.LINES).startswith("Dashed line, hollow points: estimated months (2025-07)")


def test_bars_draw_estimated_months_lighter_with_a_legend():
    spec = charts.stacked_bars(
        frame(["2025-07", "2025-08"], [True, False]), "month", "downloads", y_title="Downloads", x_kind="month"
    ).to_dict()
    opacity = spec["encoding"]["opacity"]
    assert opacity["field"] == "period_kind"
    assert opacity["scale"] == {"domain": ["measured", "estimated"], "range": [1.0, charts.ESTIMATED_OPACITY]}
    assert opacity["legend"] is not None
    kind = "datum.backcast ? 'back-cast' : datum.estimated ? 'estimated' : 'measured'"
    assert {"calculate": kind, "as": "period_kind"} in spec["transform"]
    # back-cast months (shown only on request) get a shade of their own
    backcast = frame(["2025-06", "2025-07", "2025-08"], [True, True, False]).assign(backcast=[True, False, False])
    shades = charts.stacked_bars(backcast, "month", "downloads", y_title="Downloads", x_kind="month").to_dict()
    assert shades["encoding"]["opacity"]["scale"] == {
        "domain": ["measured", "estimated", "back-cast"],
        "range": [1.0, charts.ESTIMATED_OPACITY, charts.BACKCAST_OPACITY],
    }
    periods = charts.finished_periods(backcast, ["month", "region", "downloads"])
    assert periods.backcast == ["2025-06"] and "Palest: back-cast months (2025-06)" in periods.caption()
    svg = charts.render_svg(
        charts.stacked_bars(
            frame(["2025-07", "2025-08"], [True, False]), "month", "downloads", y_title="Downloads", x_kind="month"
        )
    )
    assert ">estimated<" in svg and ">measured<" in svg  # legend entries
    measured_only = charts.stacked_bars(
        frame(["2025-07", "2025-08"], [False, False]), "month", "downloads", y_title="Downloads", x_kind="month"
    ).to_dict()
    assert "opacity" not in measured_only["encoding"]


def test_lines_dash_estimated_months_and_draw_measured_ones_solid():
    df = frame(["2025-06", "2025-07", "2025-08", "2025-09"], [True, True, False, False])
    spec = charts.lines(df, "month", "downloads", y_title="n", color=None, x_kind="month").to_dict()
    everything, measured, points, hollow = spec["layer"]
    assert hollow["mark"]["filled"] is False and hollow["transform"] == [{"filter": "datum.estimated"}]
    assert points["mark"]["filled"] is True and points["transform"] == [{"filter": "!datum.estimated"}]
    assert everything["transform"] == [{"calculate": "'estimated'", "as": "line_kind"}]
    assert everything["encoding"]["y"]["field"] == "downloads"
    assert measured["encoding"]["y"]["field"] == "measured_value"
    assert measured["mark"]["invalid"] == "break-paths-show-domains"  # no solid line across an estimate
    assert measured["transform"] == [
        {"calculate": "datum.estimated ? null : datum['downloads']", "as": "measured_value"},
        {"calculate": "'measured'", "as": "line_kind"},
    ]
    for layer in (everything, measured):
        assert layer["encoding"]["strokeDash"]["field"] == "line_kind"
        assert layer["encoding"]["strokeDash"]["scale"] == {
            "domain": ["measured", "estimated"],
            "range": [[1, 0], [5, 4]],
        }
    svg = charts.render_svg(charts.lines(df, "month", "downloads", y_title="n", color=None, x_kind="month"))
    assert ">estimated<" in svg and ">measured<" in svg
    assert 'stroke-dasharray="5,4"' in svg
    # the dash legend's symbols are strokes (a filled line symbol would be invisible)
    symbols = re.findall(r"role-legend-symbol[^>]*><path ([^/]*)/>", svg)
    assert len(symbols) == 2 and all("stroke=" in sym for sym in symbols), symbols


def test_the_png_is_the_svg_rasterised_the_same_as_a_png_rendered_from_the_spec():
    """The report rasterises each chart's SVG rather than laying the chart out a second time for its PNG."""
    df = frame(["2025-06", "2025-07", "2025-08"], [True, False, False])
    for chart in (
        charts.lines(df, "month", "downloads", y_title="n", color=None, x_kind="month"),
        charts.stacked_bars(df, "month", "downloads", y_title="Downloads", x_kind="month"),
    ):
        png = charts.render_png(charts.render_svg(chart))
        assert png.startswith(b"\x89PNG")
        assert png == vl_convert.vegalite_to_png(chart.to_dict(), scale=charts.PNG_SCALE)


# -- the report's sections on a warehouse with estimated and unfinished months ------------------------------
def test_adoption_charts_show_estimates_and_leave_out_september(dumps):
    md, hub = dumps
    section = downloads_report.adoption(md, hub)
    by_name = {c.name: c for c in section.charts}
    assert set(by_name) == {"downloads_monthly", "downloads_share", "concentration_hhi"}
    for chart in by_name.values():
        months = sorted(chart.data["month"].unique())
        # January..March are back-cast (never observed): left out; no 2025-09 slot (to date)
        assert months[0] == "2025-04" and months[-1] == "2025-08", chart.name
        assert not set(months) & set(BACKCAST_MONTHS)
        # every month shown lies between monthly all-time snapshots: measured
        assert not chart.data["estimated"].any() and "estimated months" not in chart.caption, chart.name
        # concentration has no September row at all (no organization grew after the 09-01 snapshot)
        if chart.name != "concentration_hhi":
            assert "2025-09 (to date) is left out" in chart.caption
    ARTIFACTS.mkdir(exist_ok=True)
    for name in ("downloads_monthly", "downloads_share", "concentration_hhi"):
        (ARTIFACTS / f"report-{name}.png").write_bytes(charts.render_png(charts.render_svg(by_name[name].spec)))


def test_downloads_finding_quotes_the_latest_finished_measured_month(dumps):
    md, hub = dumps
    (finding,) = downloads_report.findings(md, hub)
    assert finding.values["month"] == "2025-08"
    assert not finding.values["estimated"] and not finding.values["to_date"]
    assert finding.text.startswith("In 2025-08, models from Chinese organizations took")
    # the month quoted is measured; the crossover is never found in January-March (back-cast)
    assert finding.text == (
        "In 2025-08, models from Chinese organizations took 60.2% of the tracked models' Hugging Face downloads, "
        "US ones 30.1%; by the crossover rule (3+ consecutive finished months ahead), their share overtook "
        "US models' in 2025-04 (60.2% against 30.1%) and has stayed ahead since (5 finished months)."
    )
    assert not finding.values["crossover_estimated"]
    # August: Qwen 300k*1.7 + 200k*1.7 = 850k of 850k + 250k*1.7 + 80k*1.7 = 1,411k -> 60.2%
    assert finding.values["share"] == pytest.approx(850 / 1411)


def test_findings_say_so_when_only_estimates_exist(bundled_db, tmp_path):
    # a single mid-month dump: every earlier month is back-cast (left out); the only month shown is
    # September, unfinished and estimated (nothing of it lies between two snapshots)
    con, md, hub = open_md(dumps_copy(bundled_db, tmp_path, days=(date(2025, 9, 15),)))
    try:
        (finding,) = downloads_report.findings(md, hub)
    finally:
        con.close()
    assert finding.values["month"] == "2025-09" and finding.values["estimated"] and finding.values["to_date"]
    assert finding.text.startswith("In 2025-09 (to date), ")


def test_quoted_month_falls_back_to_the_unfinished_month_labelled_to_date():
    df = frame(["2025-09"], [False], [False]).assign(share=1.0)
    quoted = wording.quoted_month(df)
    assert (quoted.month, quoted.to_date, quoted.estimated) == ("2025-09", True, False)
    assert quoted.phrase() == "In 2025-09 (to date)"
    assert "unfinished" in quoted.qualifier("the downloads")
