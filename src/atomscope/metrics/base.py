"""The metric contract: every metric is one module that registers a `Metric`.

A metric's `compute(ctx)` builds an Ibis expression from warehouse tables obtained with
`ctx.table(name)` only (never a DuckDB-specific call), so the same code runs on DuckDB and on Spark
(`--engine spark`, over the Parquet lake that `atomscope export --parquet` writes). It returns a
`MetricResult`: the expression plus notes for the output footer (unresolved organizations' share,
"single snapshot" caveats, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from atomscope.domain.errors import UnknownMetricError


@dataclass
class MetricContext:
    """What a metric is computed over and with which options."""

    backend: Any  # an Ibis backend (duckdb or pyspark)
    by: str | None = None
    since: date | None = None
    until: date | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> ir.Table:
        return self.backend.table(name)


@dataclass
class MetricResult:
    table: ir.Table
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Metric:
    name: str
    summary: str
    source: str  # the published method it follows
    columns: dict[str, str]  # output column -> meaning (the documented column list)
    compute: Callable[[MetricContext], MetricResult]
    by_choices: tuple[str, ...] = ()
    default_by: str | None = None
    params: dict[str, tuple[type, Any, str]] = field(default_factory=dict)  # name -> (type, default, help)


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.name in REGISTRY:
        raise ValueError(f"metric {metric.name!r} registered twice")
    REGISTRY[metric.name] = metric
    return metric


def get(name: str) -> Metric:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownMetricError(f"unknown metric {name!r}; known metrics: {known}") from None


def run(metric: Metric, ctx: MetricContext) -> MetricResult:
    """Validate the context against the metric's declared options, then compute it."""
    if ctx.by is None:
        ctx.by = metric.default_by
    if metric.by_choices and ctx.by not in metric.by_choices:
        raise UnknownMetricError(
            f"metric {metric.name!r} cannot be grouped by {ctx.by!r}; choose one of: {', '.join(metric.by_choices)}"
        )
    unknown = set(ctx.params) - set(metric.params)
    if unknown:
        raise UnknownMetricError(f"metric {metric.name!r} has no parameter {', '.join(sorted(unknown))}")
    for name, (kind, default, _help) in metric.params.items():
        value = ctx.params.get(name, default)
        try:
            ctx.params[name] = kind(value) if value is not None else None
        except (TypeError, ValueError):
            raise UnknownMetricError(f"parameter {name!r} of {metric.name!r} must be {kind.__name__}") from None
    return metric.compute(ctx)


def literal_date(value: date) -> ir.Scalar:
    return ibis.literal(value, type="date")
