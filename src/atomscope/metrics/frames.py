"""Metric results for the report: each metric computed once, as a pandas frame with its notes, and the
inputs every metric's report part receives (`ReportInputs`).

A metric that is missing (not written yet) or fails to compute does not stop the report: its sections show
a short note instead, and `problems` lists what went wrong so the CLI can warn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from atomscope.metrics.base import REGISTRY, MetricContext, SharedQueries, answer, get
from atomscope.present.layout import Section
from atomscope.warehouse.provenance import HubStatus

if TYPE_CHECKING:
    import pandas as pd


class Unavailable(Exception):
    """The metric cannot feed the report (absent, broken or empty); the message says why, for readers."""


@dataclass
class Outcome:
    frame: pd.DataFrame
    notes: list[str]


@dataclass
class MetricData:
    backend: Any
    problems: list[str] = field(default_factory=list)
    _cache: dict[tuple, Outcome | Unavailable] = field(default_factory=dict)
    # the warehouse does not change while a report is built: notes queries the metrics share run once
    shared: SharedQueries | None = None

    def __post_init__(self) -> None:
        if self.shared is None:
            self.shared = SharedQueries(self.backend)

    def has(self, name: str) -> bool:
        return name in REGISTRY

    def get(self, name: str, by: str | None = None, **params: Any) -> Outcome:
        """The metric's table as a frame; raises Unavailable (cached) when it cannot be had."""
        key = (name, by, tuple(sorted(params.items())))
        if key not in self._cache:
            self._cache[key] = self._compute(name, by, params)
        found = self._cache[key]
        if isinstance(found, Unavailable):
            raise found
        return found

    def _compute(self, name: str, by: str | None, params: dict[str, Any]) -> Outcome | Unavailable:
        if not self.has(name):
            return Unavailable(f"the `{name}` metric is not available in this version of atomscope")
        try:
            ctx = MetricContext(self.backend, by=by, params=dict(params), shared=self.shared)
            frame, notes = answer(get(name), ctx, "pandas")
        except Exception as exc:
            label = f"{name} --by {by}" if by else name
            self.problems.append(f"metric {label} failed: {exc}")
            return Unavailable(f"the `{name}` metric could not be computed ({type(exc).__name__})")
        return Outcome(frame, [str(n) for n in notes])


def to_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Copy with date columns as datetime64 (what Altair serialises and CSV writes as YYYY-MM-DD)."""
    import pandas as pd

    frame = frame.copy()
    for column in columns:
        frame[column] = pd.to_datetime(frame[column])
    return frame


@dataclass
class ReportInputs:
    """What a metric's report part reads: metric frames, the read-only warehouse connection (for the sources
    lines and tables outside any metric) and whether Hub data has been collected."""

    md: MetricData
    con: duckdb.DuckDBPyConnection
    hub: HubStatus


def metric_frame(section: Section, md: MetricData, name: str, by: str | None = None, **params) -> pd.DataFrame | None:
    """The metric's frame, or None after adding the reason to `section.missing`."""
    try:
        out = md.get(name, by, **params)
    except Unavailable as exc:
        section.missing.append(f"{str(exc)[0].upper()}{str(exc)[1:]}.")
        return None
    if out.frame.empty:
        section.missing.append(f"The `{name}` metric has no rows in this warehouse.")
        return None
    section.notes.extend(n for n in out.notes if n not in section.notes)
    return out.frame


CROSSOVER_PERIODS = 3  # the crossover metric's default: consecutive periods ahead


def crossover(md: MetricData, series: str, a: str, b: str | None) -> dict[str, Any] | None:
    """The crossover metric's row for A over B on a series, or None (metric absent, no crossover)."""
    import pandas as pd

    if b is None:
        return None
    try:
        df = md.get("crossover", None, series=series, a=a, b=b, periods=CROSSOVER_PERIODS).frame
    except Unavailable:
        return None
    if df.empty or pd.isna(df["crossover_period"].iloc[0]):
        return None
    return df.iloc[0].to_dict()
