"""The shapes every report section fills (a section of charts, tables and notes), shared by the section
modules: they import this, never `sections.py`, so the report's modules import one another in one direction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from atomscope.report.data import MetricData, Unavailable

COLLECT_HINT = "atomscope collect hf"


@dataclass
class Chart:
    name: str  # file stem under charts/ and the HTML anchor
    title: str
    caption: str
    sources: str
    data: pd.DataFrame  # exactly what the spec plots; written as the chart's CSV
    spec: Any
    svg: str = ""


@dataclass
class Table:
    name: str
    title: str
    caption: str
    sources: str
    data: pd.DataFrame  # shown as an HTML table and written as CSV


@dataclass
class Section:
    key: str
    title: str
    lead: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # method notes of the metrics used
    missing: list[str] = field(default_factory=list)  # short notes standing in for charts that cannot be drawn


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
