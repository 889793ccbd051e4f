"""The room a report chart is drawn in, and every choice of its drawing that depends on it.

A chart 780 px wide is scaled down to about 340 px on a phone, and its 11 px labels to 5 px. So the report
draws each chart twice: WIDE (the chart files under charts/ and the page on a screen) and NARROW (shown
at its own size instead of the wide one on a narrow screen; style.css's media query chooses, no script).
The builders of charts.py return a `Drawing`, drawn for a room on demand: a metric declares its chart once
and the report draws it in both rooms.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Room:
    name: str  # the class of the page's block holding the drawing (style.css), in its SVG ids' prefix
    width: int  # of the plot area, or of the whole drawing (axes, legends and padding included) if `fit`
    height: int  # of the plot area
    fit: bool
    label_size: int  # axis labels
    title_size: int  # axis and legend titles
    text_size: int  # labels on the marks (bar ends) and the region names of region bars
    time_ticks: int  # a time axis has about this many ticks
    flat_labels: int | None  # a band axis of more categories than this tilts its labels by -45°
    band_labels: int | None  # a band axis labels at most this many categories, the latest always
    legend_columns: int | None  # a legend of more entries than this wraps, at most this many a row
    labels_above: bool  # region bars: each bar's label above it, region name first; the bars get the width
    estimate_legend: str  # where the legend of measured/estimated periods sits: beside the region legend or below

    def legend_wrap(self, entries: int) -> dict[str, int]:
        """Properties of a horizontal legend of this many entries: it wraps into rows as even as can be (4
        entries: 2 + 2, not 3 + 1) when one row would not fit."""
        if not self.legend_columns or entries <= self.legend_columns:
            return {}
        rows = -(-entries // self.legend_columns)
        return {"columns": -(-entries // rows)}

    def band_axis(self, categories: list, tilted: bool) -> dict[str, Any]:
        """Properties of a band axis of these categories, in order: labels tilted by -45° if `tilted` or too
        many to lie flat; only every k-th labelled if too many even tilted, the latest always."""
        many = self.flat_labels is not None and len(categories) > self.flat_labels
        axis: dict[str, Any] = {"labelAngle": -45 if tilted or many else 0}
        if self.band_labels and len(categories) > self.band_labels:
            step = -(-len(categories) // self.band_labels)
            axis["values"] = categories[::-1][::step][::-1]
        return axis


WIDE = Room(
    "wide", 780, 300, fit=False, label_size=11, title_size=12, text_size=12, time_ticks=8,
    flat_labels=None, band_labels=None, legend_columns=None, labels_above=False, estimate_legend="top",
)  # fmt: skip
# A 390 px phone leaves the report's column 342 px (style.css: .wrap pads 24 px each side).
NARROW = Room(
    "narrow", 340, 240, fit=True, label_size=12, title_size=12, text_size=13, time_ticks=4,
    flat_labels=5, band_labels=8, legend_columns=3, labels_above=True, estimate_legend="bottom",
)  # fmt: skip


@dataclass(frozen=True)
class Drawing:
    """A chart drawn on demand for a room (an Altair chart); `to_dict` is the wide one's Vega-Lite spec."""

    draw: Callable[[Room], Any]

    def at(self, room: Room = WIDE) -> Any:
        return self.draw(room)

    def to_dict(self) -> dict:
        return self.at(WIDE).to_dict()


def drawing(builder: Callable[..., Any]) -> Callable[..., Drawing]:
    """A chart builder that takes `room=` made into one returning the Drawing of its other arguments."""

    @functools.wraps(builder)
    def deferred(*args: Any, **kwargs: Any) -> Drawing:
        return Drawing(lambda room: builder(*args, room=room, **kwargs))

    return deferred
