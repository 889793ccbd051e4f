"""Altair (Vega-Lite) chart specs for the report, and their rendering to SVG / PNG without a browser.

Every chart is built from one pandas frame and nothing else: that frame is what `build` writes as the
chart's CSV, so the CSV is exactly the data plotted. Regions keep one colour across all charts, from
domain/regions.py (the dashboard reads the same definition).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from atomscope.domain import regions
from atomscope.present.periods import finished_mask
from atomscope.present.room import WIDE, Drawing, Room, drawing

if TYPE_CHECKING:
    import pandas as pd


def _lazy_import(name: str):
    """`import name`, deferred until an attribute is first read (the standard library's LazyLoader recipe).
    Every metric module imports this one for its report section, while `atomscope metric` and the API never
    draw: Altair and vl-convert cost about a second of imports they would pay for nothing."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


alt = _lazy_import("altair")
vlc = _lazy_import("vl_convert")

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
PNG_SCALE = 2
LABEL_ROOM = 1.3  # horizontal bars: the axis runs 30% past the longest bar so its label fits


def axis_from_zero(measure: str) -> bool:
    """Whether a chart's value axis of this output column starts at zero, in the report and the dashboard
    alike: counts, shares, downloads and indices (HHI) do; a score (LMArena's, an Elo-like rating whose zero
    means nothing) is read by its differences and does not."""
    return not measure.endswith("score")


def _label_expr(labels: dict[str, str], field: str = "label") -> str:
    pairs = ", ".join(f"'{k}': '{v}'" for k, v in labels.items())
    return f"({{{pairs}}})[datum.{field}] || datum.{field}"


def region_color(df: pd.DataFrame, field: str = "region", title: str = "Region", room: Room = WIDE) -> alt.Color:
    """Colour by region with the fixed palette, listing only the regions present (in a fixed order)."""
    domain = regions.ordered(df[field].dropna())
    palette = [regions.color(r) for r in domain]
    legend = alt.Legend(
        labelExpr=_label_expr(regions.LABELS), orient="top", direction="horizontal", **room.legend_wrap(len(domain))
    )
    return alt.Color(
        f"{field}:N", title=title, scale=alt.Scale(domain=domain, range=palette), sort=domain, legend=legend
    )


def _with_region_order(chart: alt.Chart, field: str) -> tuple[alt.Chart, alt.Order]:
    """Stack in the regions' fixed order. The rank is a calculate transform in the spec, not a column of the frame, so
    the CSV stays exactly the data plotted."""
    listed = ", ".join(f"'{r}'" for r in regions.ORDER)
    chart = chart.transform_calculate(region_rank=f"indexof([{listed}], datum['{field}'])")
    return chart, alt.Order("region_rank:Q", sort="ascending")


def _configure(chart: alt.TopLevelMixin, room: Room) -> alt.TopLevelMixin:
    if room.fit:  # the room's width is the whole drawing's: the plot gets what axes and legends leave
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return (
        chart.configure(font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(
            labelFontSize=room.label_size,
            titleFontSize=room.title_size,
            titleFontWeight="normal",
            gridColor="#e5e7eb",
            domainColor="#9ca3af",
            tickColor="#9ca3af",
            labelColor="#374151",
            titleColor="#374151",
        )
        .configure_legend(
            labelFontSize=12, titleFontSize=room.title_size, titleFontWeight="normal", symbolType="circle"
        )
        .configure_title(fontSize=14, anchor="start", color="#111827")
    )


def _time_axis(df: pd.DataFrame, field: str, kind: str, title: str, room: Room) -> alt.X:
    if kind == "T":
        return alt.X(f"{field}:T", title=title, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=room.time_ticks))
    return alt.X(f"{field}:O", title=title, axis=_band_axis(df, field, kind, room))


def _band_axis(df: pd.DataFrame, field: str, kind: str, room: Room, order: list | None = None) -> alt.Axis:
    """The axis of periods or categories (months tilted), labelled as the room allows."""
    categories = list(order) if order else sorted(df[field].dropna().unique().tolist())
    return alt.Axis(**room.band_axis(categories, tilted=kind == "month"))


# --- honest periods: one rule for every time series (issue 18) ----------------------------------------
# A metric's own columns drive it: `complete` (false for the unfinished, to-date period) and `estimated`
# (true when the period rests partly on an estimate). Unfinished periods are left out of the plotted
# frame; estimated ones are drawn lighter (bars) or dashed with hollow points (lines), with a legend entry.
MEASURED, ESTIMATED, BACKCAST = "measured", "estimated", "back-cast"
ESTIMATED_OPACITY, BACKCAST_OPACITY = 0.4, 0.15
BARS, LINES = "Lighter bars", "Dashed line, hollow points"  # how estimates look, for captions
DASHES = {MEASURED: [1, 0], ESTIMATED: [5, 4]}


@dataclass(frozen=True)
class PeriodFrame:
    data: pd.DataFrame  # what the chart plots (and its CSV): finished periods only, `estimated` kept
    unfinished: list[str]  # periods left out because the data stops inside them
    estimated: list[str]  # plotted periods drawn as estimates
    measured: dict[str, float] = field(default_factory=dict)  # estimated period -> its measured share
    backcast: list[str] = field(default_factory=list)  # plotted periods before the first snapshot

    def caption(self, drawn: str = "Lighter bars", unit: str = "month") -> str:
        """What the picture does with estimates and the unfinished period, for the chart's caption;
        `drawn` says how estimates look ("Lighter bars", "Dashed line, hollow points")."""
        parts = []
        if self.backcast:
            parts.append(
                f"Palest: back-cast {unit}s ({_span(self.backcast)}), before the first snapshot: all-time totals "
                "spread back to release dates, never observed."
            )
        estimated = [p for p in self.estimated if p not in self.backcast]
        if estimated and self.measured:
            shares = ", ".join(f"{p} {self.measured[p]:.0%}" for p in estimated if p in self.measured)
            parts.append(f"{drawn}: estimated {unit}s, share measured by snapshots: {shares}.")
        elif estimated:
            parts.append(f"{drawn}: estimated {unit}s ({_span(estimated)}), not measured by a snapshot.")
        if self.unfinished:
            parts.append(f"The unfinished {unit} {', '.join(self.unfinished)} (to date) is left out.")
        return " ".join(parts)


def _span(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def finished_periods(df: pd.DataFrame, columns: list[str], period: str = "month") -> PeriodFrame:
    """The rows of finished periods (a metric's `complete` column; all rows when it has none) and the
    given columns plus `estimated`, `measured_share` and `backcast` when the metric has them."""
    import pandas as pd

    complete = finished_mask(df)
    unfinished = sorted(df.loc[~complete, period].astype(str).unique())
    kept = df[complete]
    flags = [c for c in ("estimated", "measured_share", "backcast") if c in df.columns and c not in columns]
    data = kept[[*columns, *flags]].reset_index(drop=True)
    for flag in ("estimated", "backcast"):
        if flag in data:
            data = data.assign(**{flag: data[flag].fillna(False).astype(bool)})
    estimated = sorted(data.loc[data["estimated"], period].astype(str).unique()) if "estimated" in data else []
    backcast = sorted(data.loc[data["backcast"], period].astype(str).unique()) if "backcast" in data else []
    measured = {}
    if "measured_share" in data and estimated:
        rows = data[data[period].astype(str).isin(estimated)]
        weight = rows["downloads"] if "downloads" in rows else pd.Series(1.0, index=rows.index)
        for p, group in rows.assign(_w=weight).groupby(period):
            total = group["_w"].sum()
            share = (group["measured_share"] * group["_w"]).sum() / total if total else group["measured_share"].min()
            measured[str(p)] = float(share)
    return PeriodFrame(data, unfinished, estimated, measured, backcast)


def _has_estimates(df: pd.DataFrame) -> bool:
    return "estimated" in df.columns and bool(df["estimated"].fillna(False).astype(bool).any())


def _period_legend(symbol: str, room: Room, entries: int) -> alt.Legend:
    wrap = room.legend_wrap(entries)
    return alt.Legend(title=None, orient=room.estimate_legend, direction="horizontal", symbolType=symbol, **wrap)


def _dash(room: Room) -> alt.StrokeDash:
    """Lines: dashed for estimates. Each layer names its kind in a calculate transform (`line_kind`), so
    one scale (and one legend) covers both layers."""
    legend = alt.Legend(
        title=None,
        orient=room.estimate_legend,
        direction="horizontal",
        symbolType="stroke",
        symbolStrokeColor="#374151",
        symbolStrokeWidth=2,
    )
    return alt.StrokeDash(
        "line_kind:N", legend=legend, scale=alt.Scale(domain=list(DASHES), range=list(DASHES.values()))
    )


def estimate_opacity(backcast: bool = False, room: Room = WIDE) -> alt.Opacity:
    """Bars: estimated periods lighter, back-cast ones palest; the kind is a calculate transform
    (`period_kind`), not a column."""
    domain, shades = [MEASURED, ESTIMATED], [1.0, ESTIMATED_OPACITY]
    if backcast:
        domain, shades = [*domain, BACKCAST], [*shades, BACKCAST_OPACITY]
    legend = _period_legend("square", room, len(domain))
    return alt.Opacity("period_kind:N", legend=legend, scale=alt.Scale(domain=domain, range=shades))


def _kind_expr() -> str:
    return f"datum.backcast ? '{BACKCAST}' : datum.estimated ? '{ESTIMATED}' : '{MEASURED}'"


@drawing
def lines(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    y_title: str,
    x_title: str = "",
    color: str | None = "region",
    x_kind: str = "T",
    y_format: str = ",.0f",
    zero: bool | None = None,
    tooltip: list[str] | None = None,
    room: Room = WIDE,
) -> alt.TopLevelMixin:
    """One line per region (or a single line when color is None) over time. With estimated rows: the
    whole series dashed, the measured stretches drawn solid over it (a segment is solid only between two
    measured points) and hollow points on the estimated periods."""
    zero = axis_from_zero(y) if zero is None else zero
    scale, axis = alt.Scale(zero=zero), alt.Axis(format=y_format)
    enc = {"x": _time_axis(df, x, x_kind, x_title, room)}
    if color:
        enc["color"] = region_color(df, color, room=room)
    if tooltip:
        enc["tooltip"] = tooltip
    style = {} if color else {"color": "#111827"}
    base = alt.Chart(df)
    value = alt.Y(f"{y}:Q", title=y_title, scale=scale, axis=axis)
    if not _has_estimates(df):
        mark = base.mark_line(point=alt.OverlayMarkDef(size=18, **style), strokeWidth=2, **style)
        return _configure(mark.encode(y=value, **enc).properties(width=room.width, height=room.height), room)
    everything = (
        base.transform_calculate(line_kind=f"'{ESTIMATED}'")
        .mark_line(strokeWidth=2, **style)
        .encode(y=value, strokeDash=_dash(room), **enc)
    )
    # no point overlay on the lines: it would turn the dash legend's symbols into filled (invisible) ones
    measured = (
        base.transform_calculate(measured_value=f"datum.estimated ? null : datum['{y}']", line_kind=f"'{MEASURED}'")
        .mark_line(strokeWidth=2, invalid="break-paths-show-domains", **style)
        .encode(y=alt.Y("measured_value:Q", title=y_title, scale=scale, axis=axis), strokeDash=_dash(room), **enc)
    )
    points = base.transform_filter("!datum.estimated").mark_point(size=18, filled=True, opacity=1, **style)
    hollow = base.transform_filter("datum.estimated").mark_point(
        size=22, filled=False, fill="white", opacity=1, strokeWidth=1.5, **style
    )
    points, hollow = points.encode(y=value, **enc), hollow.encode(y=value, **enc)
    layers = alt.layer(everything, measured, points, hollow)
    return _configure(layers.properties(width=room.width, height=room.height), room)


@drawing
def stacked_bars(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    y_title: str,
    x_title: str = "",
    color: str = "region",
    x_kind: str = "year",
    normalize: bool = False,
    x_sort: list[str] | None = None,
    horizontal: bool = False,
    room: Room = WIDE,
) -> alt.TopLevelMixin:
    """Bars per period (or category), stacked by region; estimated periods lighter (`estimated` column)."""
    stack = "normalize" if normalize else "zero"
    value = alt.Y(f"{y}:Q", title=y_title, stack=stack, axis=alt.Axis(format=".0%" if normalize else ",.0f"))
    if x_kind == "T":
        axis = alt.Axis(format="%b %Y", labelAngle=0, tickCount=room.time_ticks)
        category = alt.X(f"{x}:T", title=x_title, timeUnit="yearmonth", axis=axis)
    else:
        category = alt.X(f"{x}:O", title=x_title, sort=x_sort, axis=_band_axis(df, x, x_kind, room, x_sort))
    if horizontal:
        value = alt.X(f"{y}:Q", title=y_title, stack=stack, axis=alt.Axis(format=".0%" if normalize else ",.0f"))
        category = alt.Y(f"{x}:N", title=x_title, sort=x_sort)
        enc = {"y": category, "x": value}
    else:
        enc = {"x": category, "y": value}
    chart, order = _with_region_order(alt.Chart(df).mark_bar(), color)
    if _has_estimates(df):
        chart = chart.transform_calculate(period_kind=_kind_expr())
        enc["opacity"] = estimate_opacity("backcast" in df and bool(df["backcast"].any()), room)
    if "measured_share" in df:
        enc["tooltip"] = [alt.Tooltip(f"{x}:N", title=x_title or x), alt.Tooltip(f"{color}:N", title="Region"),
                          alt.Tooltip(f"{y}:Q", title=y.replace("_", " ").capitalize(), format=",.0f"),
                          alt.Tooltip("measured_share:Q", title="Measured by snapshots", format=".0%")]  # fmt: skip
    chart = chart.encode(color=region_color(df, color, room=room), order=order, **enc)
    height = max(room.height, 26 * df[x].nunique()) if horizontal else room.height
    return _configure(chart.properties(width=room.width, height=height), room)


@drawing
def region_bars(
    df: pd.DataFrame,
    y: str,
    *,
    x_title: str,
    label: str | None = None,
    value_format: str = ",.0f",
    axis_format: str = ",.0f",
    room: Room = WIDE,
) -> alt.TopLevelMixin:
    """One horizontal bar per region, labelled at its end with `label` (a Vega expression over the row) or
    the value itself; the axis names the regions, so there is no legend. In a room with `labels_above`,
    the region's name and the label sit above its bar instead, and the bars run the whole width."""
    order = regions.ordered(df["region"].dropna())
    text = label or f"format(datum['{y}'], '{value_format}')"
    above = room.labels_above
    if above:
        names = alt.Y("region:N", title=None, sort=order, axis=None)
        text = f"({_label_expr(regions.LABELS, 'region')}) + ': ' + ({text})"
    else:
        axis = alt.Axis(labelExpr=_label_expr(regions.LABELS), labelFontSize=room.text_size, ticks=False, domain=False)
        names = alt.Y("region:N", title=None, sort=order, axis=axis)
    top = float(df[y].max()) * (1 if above else LABEL_ROOM) or 1  # room for the labels at the bars' ends
    base = alt.Chart(df).encode(
        y=names,
        x=alt.X(
            f"{y}:Q",
            title=x_title,
            axis=alt.Axis(format=axis_format, tickMinStep=1, tickCount=6),
            scale=alt.Scale(domain=[0, top]),
        ),
    )
    shape = {"height": {"band": 0.4}, "yOffset": 8} if above else {"height": {"band": 0.7}}
    bars = base.mark_bar(**shape).encode(color=region_color(df).legend(None))
    place = {"baseline": "bottom", "dy": -2} if above else {"dx": 4}
    labels = base.mark_text(align="left", fontSize=room.text_size, color="#374151", **place)
    labels = labels.transform_calculate(bar_label=text).encode(
        text="bar_label:N", **({"x": alt.value(0)} if above else {})
    )
    return _configure((bars + labels).properties(width=room.width, height=(44 if above else 34) * len(order)), room)


@drawing
def stacked_area(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    y_title: str,
    x_title: str = "",
    color: str = "region",
    normalize: bool = False,
    room: Room = WIDE,
) -> alt.TopLevelMixin:
    stack = "normalize" if normalize else "zero"
    chart, order = _with_region_order(alt.Chart(df).mark_area(interpolate="step-after", opacity=0.9), color)
    chart = chart.encode(
        x=_time_axis(df, x, "T", x_title, room),
        y=alt.Y(f"{y}:Q", title=y_title, stack=stack, axis=alt.Axis(format=".0%" if normalize else ",.0f")),
        color=region_color(df, color, room=room),
        order=order,
    )
    return _configure(chart.properties(width=room.width, height=room.height), room)


# --- rendering -----------------------------------------------------------------------------------------


def render_svg(chart: Drawing, room: Room = WIDE) -> str:
    return vlc.vegalite_to_svg(chart.at(room).to_dict())


def render_png(svg: str) -> bytes:
    """The chart's SVG (render_svg) rasterised: the same image as rendering the spec to PNG, which would lay
    the chart out through Vega a second time."""
    return vlc.svg_to_png(svg, scale=PNG_SCALE)
