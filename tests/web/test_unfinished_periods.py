"""One rule for unfinished periods (present/periods.py): a NULL `complete` is unfinished for the report's
charts, its findings, the cross-metric series and the dashboard, which reads the API answer's
`unfinished_rows` instead of re-deriving it (tests/web/test_browser.py drives the dashboard with a NULL).
Rows are SYNTHETIC."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from atomscope.present.charts import finished_periods
from atomscope.present.periods import finished_mask, is_finished, row_finished, unfinished_rows
from atomscope.present.wording import quoted_month

DASHBOARD = Path(__file__).resolve().parents[2] / "src" / "atomscope" / "web" / "static" / "dashboard.js"


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": ["2025-07", "2025-08", "2025-09"],
            "share": [0.5, 0.6, 0.1],
            "complete": pd.array([True, None, False], dtype="boolean"),
        }
    )


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, False])
def test_null_nan_na_and_false_are_unfinished(value):
    assert not is_finished(value)
    assert not row_finished({"month": "2025-08", "complete": value})


def test_true_or_no_complete_column_is_finished():
    assert is_finished(True) and row_finished({"month": "2025-08", "complete": True})
    assert row_finished({"period": "2025-08"})  # a metric without the column has only finished periods
    assert finished_mask(pd.DataFrame({"month": ["2025-08"]})).tolist() == [True]


def test_report_chart_and_finding_drop_a_null_period_as_the_api_marks_it():
    df = frame()
    assert finished_mask(df).tolist() == [True, False, False]
    chart = finished_periods(df, ["month", "share"])
    assert chart.data["month"].tolist() == ["2025-07"] and chart.unfinished == ["2025-08", "2025-09"]
    assert quoted_month(df).month == "2025-07"
    rows = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")]
    assert unfinished_rows(rows) == [1, 2]  # what the dashboard is told to leave out


def test_the_dashboard_reads_the_answer_field_and_never_the_complete_column():
    script = DASHBOARD.read_text(encoding="utf-8")
    assert "doc.unfinished_rows" in script
    code = "\n".join(line.split("//")[0] for line in script.splitlines())  # comments may name the column
    assert not re.search(r"""\.complete\b|\[\s*["']complete["']\s*\]""", code)
