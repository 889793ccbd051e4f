"""The "What you can run yourself" section quotes the `runnability` metric on the bundled data."""

from __future__ import annotations

import pandas as pd
import pytest

from atomscope.domain import regions
from atomscope.domain.hardware import CLASS_LABELS
from atomscope.metrics import MetricContext, get, run
from atomscope.metrics.frames import MetricData
from atomscope.metrics.runnability_report import section as runnability_section


@pytest.fixture(scope="module")
def section(bundled_backend):
    return runnability_section(MetricData(bundled_backend))


def _metric(backend, by):
    return run(get("runnability"), MetricContext(backend, by=by)).table.to_pandas()


def test_best_table_names_each_regions_leader_and_since_when(section, bundled_backend):
    assert section.missing == []
    best = _metric(bundled_backend, "best")
    latest = best[best.snapshot_date == best.snapshot_date.max()]
    table = next(t for t in section.tables if t.name == "runnability_best").data
    assert len(latest) > 0 and len(table) > 0
    for row in latest.itertuples():
        shown = table.loc[table.hardware == CLASS_LABELS[row.hardware_class], regions.LABELS[row.region]].item()
        since = pd.Timestamp(row.leading_since).date().isoformat()
        assert shown.startswith(f"{row.arena_model} ({row.arena_score:.0f};") and f"since {since}" in shown


def test_fit_shares_match_the_metric_and_the_laptop_chart(section, bundled_backend):
    fit = _metric(bundled_backend, "region")
    q4 = fit[fit.quantization == "q4"].set_index(["region", "hardware_class"])
    table = next(t for t in section.tables if t.name == "runnability_fit").data.set_index("region")
    for region in ("us", "china"):
        label = regions.LABELS[region]
        assert table.loc[label, "fits laptop (16 GB)"] == pytest.approx(
            100 * q4.loc[(region, "16gb"), "share_fit"], 0.01
        )
        assert table.loc[label, "fits one datacenter GPU (80 GB)"] == pytest.approx(
            100 * q4.loc[(region, "80gb"), "share_fit"], 0.01
        )
    (chart,) = section.charts
    laptop = chart.data.set_index("region")
    assert laptop.loc["china", "models_fit"] == q4.loc[("china", "16gb"), "models_fit"]
    assert chart.spec.to_dict()["datasets"]


def test_findings_quote_the_metric(bundled_backend):
    from atomscope.metrics.runnability_report import findings

    found = {f.key: f for f in findings(MetricData(bundled_backend))}
    best = _metric(bundled_backend, "best")
    gpu = best[(best.snapshot_date == best.snapshot_date.max()) & (best.hardware_class == "24gb")]
    top = gpu.sort_values(["arena_score", "arena_model"], ascending=[False, True]).iloc[0]
    assert found["runnability_gpu"].values["model"] == top.arena_model
    assert f"{top.arena_model} from" in found["runnability_gpu"].text
    fit = _metric(bundled_backend, "region")
    china = fit[(fit.region == "china") & (fit.quantization == "q4") & (fit.hardware_class == "16gb")].iloc[0]
    assert found["runnability_laptop"].values["china"] == {"fit": china.models_fit, "known": china.models_known}
    assert f"({china.models_fit} of {china.models_known})" in found["runnability_laptop"].text
