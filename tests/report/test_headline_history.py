"""The headline on a history whose truth is known (issue 21): 15 SYNTHETIC monthly hub-stats-shaped dumps
(atomscope.testing.synthetic_dumps; before 2025-02-27 without downloadsAllTime) imported with
`atomscope import hub-dump` into a copy of the bundled warehouse; the metrics, then the report built on it
(in a temporary folder, never published)."""

from __future__ import annotations

import shutil
import sys
from datetime import date

import duckdb
import ibis
import pytest
from metric_harness import run_metric
from report_parts import only_parts

from atomscope.testing.synthetic_dumps import SyntheticDumps


def _cli(*args) -> None:
    from atomscope.cli import main

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["atomscope", *map(str, args)])
        try:
            main()
        except SystemExit as exc:
            assert not exc.code, f"atomscope {' '.join(map(str, args))} exited {exc.code}"


@pytest.fixture(scope="module")
def history(tmp_path_factory, bundled_db):
    """(warehouse path, generator) after importing every dump through the CLI."""
    folder = tmp_path_factory.mktemp("headline")
    path = folder / "atomscope.duckdb"
    shutil.copy(bundled_db, path)
    dumps = SyntheticDumps()
    for dump, day in dumps.write(folder / "dumps"):
        _cli("import", "hub-dump", dump, "--date", day.isoformat(), "--db", path)
    return path, dumps


def _metric(path, name, **params):
    with duckdb.connect(str(path), read_only=True) as con:
        result, frame = run_metric(ibis.duckdb.from_connection(con), name, **params)
        return frame, result.notes


def test_the_generator_knows_its_crossover():
    dumps = SyntheticDumps()
    assert len(dumps.days) == 15 and dumps.days[0] == date(2024, 10, 31) and dumps.days[-1] == date(2025, 12, 15)
    assert dumps.crossover_month() == "2025-08"


def test_crossover_names_the_true_month_from_which_china_stays_ahead(history):
    path, dumps = history
    frame, _notes = _metric(path, "crossover")
    row = frame.iloc[0]
    assert row.crossover_period == dumps.crossover_month()
    assert row.stays_ahead and not row.estimated
    truth = dumps.truth()
    month = row.crossover_period
    total = sum(n for (m, _r), n in truth.items() if m == month)
    assert row.a_value == pytest.approx(truth[(month, "china")] / total, rel=0.02)


def test_measured_months_match_the_truth_and_are_not_estimated(history):
    path, dumps = history
    frame, _notes = _metric(path, "downloads")
    truth = dumps.truth()
    finished = frame[frame.complete]
    # from 2025-03 on every month lies between two all-time snapshots a month apart
    measured = finished[finished.month >= "2025-03"]
    assert len(measured) == 2 * 9  # 2025-03 .. 2025-11, us and china
    assert not measured.estimated.any()
    for row in measured.itertuples():
        assert row.downloads == pytest.approx(truth[(row.month, row.region)], rel=0.02), (row.month, row.region)
        assert row.measured_share >= 0.95
    # before 2025-02-27 the dumps carry 30-day counts only: estimated, measured share 0
    early = finished[finished.month < "2025-02"]
    assert early.estimated.all() and (early.measured_share == 0).all()


def test_nothing_before_the_first_snapshot_by_default(history):
    path, _dumps = history
    for name in ("downloads", "concentration"):
        frame, notes = _metric(path, name)
        assert frame.month.min() == "2024-10" and not frame.backcast.any(), name
        assert any("left out" in n and "backcast=true" in n for n in notes), name
        shown, _ = _metric(path, name, backcast="true")
        # Qwen2.5-7B-Instruct was released in 2023-09: its all-time total is back-cast to then, flagged
        assert shown.month.min() == "2023-09"
        assert shown[shown.month < "2024-10"].backcast.all() and not shown[shown.month >= "2024-10"].backcast.any()


@pytest.fixture(scope="module")
def report(history, tmp_path_factory):
    from atomscope.report.build import build_report

    path, _dumps = history
    with pytest.MonkeyPatch.context() as mp:
        only_parts(mp, "downloads")  # the section and finding read here; the rest: the bundled report's tests
        return build_report(path, tmp_path_factory.mktemp("report"))


def test_the_report_summary_names_the_true_month_with_its_figures(history, report):
    _path, dumps = history
    summary = report.summary.read_text(encoding="utf-8")
    (finding,) = [f for f in report.findings if f.key == "downloads_share"]
    assert finding.values["crossover"] == dumps.crossover_month() == "2025-08"
    assert finding.values["crossover_stays_ahead"] and not finding.values["crossover_estimated"]
    assert "overtook US models' in 2025-08 (" in finding.text and "has stayed ahead since" in finding.text
    assert "in 2025-08" in summary and "2023-" not in finding.text


def test_charts_start_at_the_first_snapshot_and_name_the_dump_imports(report):
    section = next(s for s in report.sections if s.key == "downloads")
    for chart in section.charts:
        assert chart.data["month"].min() == "2024-10", chart.name
        assert "15 dump imports (atomscope import hub-dump, 2024-10-31 to 2025-12-15)" in chart.caption, chart.name
        assert "dump imports" in chart.sources and "collect hf" not in chart.sources, chart.name
    monthly = next(c for c in section.charts if c.name == "downloads_monthly")
    # only the months before all-time counts existed are estimated, each with its measured share
    assert "estimated months, share measured by snapshots: 2024-10 0%" in monthly.caption
    assert "2025-03" not in monthly.caption.split("estimated months")[1].split(".")[0]
