"""The shapes every report section fills (a section of charts, tables and notes), and the wording of the
notes that stand in for Hub data not collected yet, shared by the metric modules that carry sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from atomscope.warehouse.provenance import HubStatus

if TYPE_CHECKING:
    import pandas as pd

    from atomscope.present.room import Drawing

COLLECT_HINT = "atomscope collect hf"


@dataclass
class Chart:
    name: str  # file stem under charts/ and the HTML anchor
    title: str
    caption: str
    sources: str
    data: pd.DataFrame  # exactly what the spec plots; written as the chart's CSV
    spec: Drawing  # what a builder of present/charts.py returns, drawn wide and narrow by the report
    svg: str = ""  # the wide drawing, inline
    narrow_svg: str = ""  # the narrow one, inline


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


def hub_missing(what: str) -> str:
    """The note of a section whose Hub data has not been collected, naming the commands that collect it."""
    history = (
        " (`atomscope import hub-stats` adds up to two years of monthly history from the public hub-stats dataset)"
        if what == "download data"
        else ""
    )
    return (
        f"No Hugging Face {what} has been collected into this warehouse yet. Run `{COLLECT_HINT}` to take a "
        f"snapshot from the Hub API{history}; this section fills in on the next `atomscope report`."
    )


def hub_source(metric: str, hub: HubStatus) -> str:
    """The sources line of a chart over hf_snapshots: where its rows came from, read from their load runs."""
    return f"metric `{metric}` over table `hf_snapshots` (Hugging Face Hub download counts: {hub.origin})"


def origin_caption(hub: HubStatus) -> str:
    return f"Rows from {hub.origin.replace('`', '')}." if hub.origin else ""
