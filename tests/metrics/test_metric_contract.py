"""The metric contract of metrics/base.py: registration on import, Param checks, precise errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from atomscope.domain.errors import AtomscopeError, MetricRequestError, UnknownMetricError
from atomscope.metrics import REGISTRY, Metric, MetricContext, MetricResult, Param, get, run


def test_importing_the_package_registers_every_metric_module():
    code = "import atomscope.metrics as m; print(','.join(sorted(m.REGISTRY)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    names = set(out.strip().split(","))
    assert {"downloads", "derivatives", "ram_v1", "ram_v2", "crossover", "releases", "arena"} <= names
    assert names == set(REGISTRY)


def test_errors_are_value_errors_and_unknown_names_are_their_own_kind():
    assert issubclass(MetricRequestError, ValueError) and issubclass(MetricRequestError, AtomscopeError)
    with pytest.raises(UnknownMetricError, match="unknown metric 'nope'; known metrics: .*downloads"):
        get("nope")


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        (Param(int, 3, "n", min=1), "7", 7),
        (Param(int, 3, "n", min=1, max=10), 10, 10),
        (Param(float, 0.5, "x"), "0.25", 0.25),
        (Param(str, None, "p", choices=("year", "month")), "month", "month"),
        (Param(str, None, "p", choices=("year", "month")), None, None),
    ],
)
def test_param_accepts_and_converts(param, value, expected):
    assert param.check("m", "p", value) == expected


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        (Param(int, 3, "n"), "three", "parameter 'n' of 'm' must be int"),
        (Param(int, 3, "n", min=1), 0, r"parameter 'n' must be at least 1 \(got 0\)"),
        (Param(int, 3, "n", min=1, max=50), 51, r"parameter 'n' must be between 1 and 50 \(got 51\)"),
        (Param(str, None, "n", choices=("year", "month")), "week", r"n must be one of: year, month \(got 'week'\)"),
    ],
)
def test_param_refuses_with_a_request_error(param, value, message):
    with pytest.raises(MetricRequestError, match=message):
        param.check("m", "n", value)


def _probe_metric() -> Metric:
    return Metric(
        name="probe",
        title="Probe",
        summary="probe",
        source="test",
        columns={},
        compute=lambda ctx: MetricResult(table=None, notes=[repr(ctx.by), repr(sorted(ctx.params.items()))]),
        by_choices=("a", "b"),
        default_by="a",
        params={"top": Param(int, 10, "top N", min=0), "period": Param(str, None, "p", choices=("year",))},
    )


def test_run_fills_defaults_and_converts():
    result = run(_probe_metric(), MetricContext(backend=None, params={"top": "3"}))
    assert result.notes == ["'a'", "[('period', None), ('top', 3)]"]


@pytest.mark.parametrize(
    ("by", "params", "message"),
    [
        ("c", {}, "cannot be grouped by 'c'"),
        (None, {"depth": "1"}, "has no parameter depth"),
        (None, {"top": "-1"}, "must be at least 0"),
        (None, {"period": "week"}, "period must be one of: year"),
    ],
)
def test_run_refuses_bad_requests(by, params, message):
    with pytest.raises(MetricRequestError, match=message) as raised:
        run(_probe_metric(), MetricContext(backend=None, by=by, params=params))
    assert not isinstance(raised.value, UnknownMetricError)


def test_declared_params_are_params():
    for metric in REGISTRY.values():
        for name, param in metric.params.items():
            assert isinstance(param, Param), f"{metric.name}.{name}"
            assert param.default is None or param.check(metric.name, name, param.default) == param.default


def test_every_metric_has_a_distinct_human_title():
    titles = [metric.title for metric in REGISTRY.values()]
    assert len(set(titles)) == len(titles)
    for metric in REGISTRY.values():
        assert metric.title and metric.title != metric.name, metric.name
        assert "_" not in metric.title and not metric.title.endswith("."), metric.title
        assert metric.title[0].isupper(), metric.title
