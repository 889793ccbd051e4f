"""`crossover`: the first period from which region A stays ahead of region B on a series.

The ATOM Project's headline is such a crossover: Chinese open models overtook US ones in adoption in
the summer of 2025 and stayed ahead (Lambert & Brand, "The ATOM Report", arXiv:2604.07190). This metric
makes the claim checkable for any two regions and several series.

Series (param `series`), each computed by another metric with `--by region` over --since/--until:

* downloads_share - `downloads`: each region's share of the month's downloads (period YYYY-MM);
* derivative_share - `derivatives`: each root region's share of the month's new derivatives, summed over
  relations (period YYYY-MM; ATOM's floor of more than 5 downloads);
* best_arena_score - `arena`: the best open-weight model's LMArena score per region (period = the
  leaderboard snapshot date);
* releases - `releases`: open-weight releases per period (`releases_by`: region (Epoch notable models,
  the default) or tracked_region (ATOM's tracked models); `release_period`: year, quarter or month,
  default that of `releases`);
* inference_share - `inference_share`: each group's share of the period's OpenRouter tokens (open models
  by origin region, plus `closed` and `unresolved`, so `--param b=closed` compares with closed models;
  period as that metric's default, the imported dates).

Formula: over the periods present in the series (any region), in order, A is ahead in a period when
value_A > value_B (a tie is not ahead; a region absent from a period counts 0: no downloads, no
derivatives, no open model on the board, no release). The crossover period is the first period of the
run of A ahead that lasts to the last period of the series, when it has at least N periods (param
`periods`, default 3): the month from which A *stays* ahead, ATOM's claim. When A's lead of N or more
periods was lost again, it is the first such run (stays_ahead = false, and a note says so). When A is
already ahead in the first period of the series the crossover is that period and a note says it may
predate the data. `downloads_share` reads `downloads` with its defaults: months before the month of the
earliest snapshot (back-cast from all-time totals) are not in the series, so no crossover is found there.

Those series are tiny (one value per region and period), so after the source metric's Ibis expression is
executed the detection runs as a small pure Python function (`find_crossover`) and the one-row answer
is returned as an Ibis memtable - the only metric that post-processes in Python.

Output columns (one row): series, region_a, region_b, crossover_period (null = no crossover),
periods_ahead (length of A's run from the crossover period; with no crossover, the length of A's
current run at the end of the series, shorter than N), a_value, b_value (at the crossover period; with
no crossover, at the last period), stays_ahead, estimated (true when a period of that run, or the last period when
there is no run, is partly estimated in the source metric's `estimated` column).

Unfinished periods (the source metric's `complete` is not true: the month-to-date month, metrics/periods.py;
a NULL counts as unfinished, the one rule of present/periods.py) are left out of the series, so a
month-to-date share can neither start nor extend a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ibis

from atomscope.metrics.base import Metric, MetricContext, MetricResult, Param, answer, get, register
from atomscope.metrics.common import AVAILABILITY_HINT, CRAWL_HINTS, OPENROUTER_HINTS, SNAPSHOTS_HINT
from atomscope.metrics.releases import PERIODS
from atomscope.present.hints import ChartHint
from atomscope.present.periods import row_finished

SERIES = ("downloads_share", "derivative_share", "best_arena_score", "releases", "inference_share")
SCHEMA = {
    "series": "string",
    "region_a": "string",
    "region_b": "string",
    "crossover_period": "string",
    "periods_ahead": "int64",
    "a_value": "float64",
    "b_value": "float64",
    "stays_ahead": "boolean",
    "estimated": "boolean",
}


@dataclass(frozen=True)
class Crossover:
    period: str | None
    periods_ahead: int
    a_value: float | None
    b_value: float | None
    from_start: bool = False
    stays_ahead: bool = False


def _runs(points: Sequence[tuple[str, float, float]]) -> list[tuple[int, int]]:
    """(start, length) of each run of consecutive periods with a > b, in order."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, (_period, a, b) in enumerate(points):
        if a > b:
            start = i if start is None else start
        elif start is not None:
            runs.append((start, i - start))
            start = None
    if start is not None:
        runs.append((start, len(points) - start))
    return runs


def find_crossover(points: Sequence[tuple[str, float, float]], periods: int) -> Crossover:
    """The period from which a stays ahead of b: the start of the run that lasts to the last period when
    it has >= `periods` periods; else the first run of >= `periods` (a lead that was lost).

    `points` are (period, a, b) in period order."""
    if periods < 1:
        raise ValueError("periods must be at least 1")
    runs = _runs(points)
    long_enough = [(start, n) for start, n in runs if n >= periods]
    if long_enough:
        start, n = long_enough[-1] if long_enough[-1][0] + long_enough[-1][1] == len(points) else long_enough[0]
        period, a0, b0 = points[start]
        stays = start + n == len(points)
        return Crossover(period, n, a0, b0, from_start=start == 0, stays_ahead=stays)
    if not points:
        return Crossover(None, 0, None, None)
    trailing = runs[-1][1] if runs and sum(runs[-1]) == len(points) else 0
    _period, a_last, b_last = points[-1]
    return Crossover(None, trailing, a_last, b_last)


def _source(ctx: MetricContext, name: str, by: str, params: dict) -> tuple[list[dict], list[str]]:
    metric = get(name)
    sub = MetricContext(ctx.backend, by=by, since=ctx.since, until=ctx.until, params=dict(params), shared=ctx.shared)
    table, notes = answer(metric, sub, "pyarrow")  # a report's sections computed the same request already
    return table.to_pylist(), [f"{name}: {note}" for note in notes]


def series_values(ctx: MetricContext, series: str) -> tuple[dict[str, dict[str, float]], set[str], list[str]]:
    """period -> region -> value for a series, the periods that are (partly) estimated, and the source
    metric's notes. Rows of an unfinished period (present/periods.py: `complete` not true) are left out."""
    if series == "downloads_share":
        rows, notes = _source(ctx, "downloads", "region", {"hubs": ctx.params.get("hubs") or "huggingface"})
        period_key, value_key = "month", "share"
    elif series == "derivative_share":
        rows, notes = _source(ctx, "derivatives", "region", {})
        period_key, value_key = "month", "share"
    elif series == "inference_share":
        rows, notes = _source(ctx, "inference_share", "region", {})
        period_key, value_key = "period", "share"
    elif series == "best_arena_score":
        rows, notes = _source(ctx, "arena", "region", {})
        period_key, value_key = "snapshot_date", "best_open_score"
    else:
        params = {"period": ctx.params["release_period"]} if ctx.params.get("release_period") else {}
        rows, notes = _source(ctx, "releases", ctx.params["releases_by"], params)
        period_key, value_key = "period", "releases"
    values: dict[str, dict[str, float]] = {}
    estimated: set[str] = set()
    unfinished = sorted({str(row[period_key]) for row in rows if not row_finished(row)})
    if unfinished:
        notes.append(f"unfinished period(s) left out of the series: {', '.join(unfinished)} (to date)")
    for row in rows:
        period = str(row[period_key])
        if not row_finished(row):
            continue
        if row.get("estimated"):
            estimated.add(period)
        by_region = values.setdefault(period, {})
        value = row[value_key]
        if value is None:
            continue
        if series == "best_arena_score":  # one row per region and date; keep the best if repeated
            by_region[row["region"]] = max(by_region.get(row["region"], float("-inf")), float(value))
        else:  # shares are split by relation, releases may be split further: add them up
            by_region[row["region"]] = by_region.get(row["region"], 0.0) + float(value)
    return values, estimated, notes


def compute(ctx: MetricContext) -> MetricResult:
    series = ctx.params["series"]
    a, b, n = ctx.params["a"], ctx.params["b"], ctx.params["periods"]
    values, estimated, source_notes = series_values(ctx, series)
    points = [(p, values[p].get(a, 0.0), values[p].get(b, 0.0)) for p in sorted(values)]
    found = find_crossover(points, n)
    periods = [p for p, _, _ in points]
    if found.period is not None:
        start = periods.index(found.period)
        run_periods = periods[start : start + found.periods_ahead]
    else:  # A's current run at the end, else the last period whose values are reported
        run_periods = periods[len(periods) - found.periods_ahead :] if found.periods_ahead else periods[-1:]
    rests_on_estimates = bool(set(run_periods) & estimated)
    row = {
        "series": series,
        "region_a": a,
        "region_b": b,
        "crossover_period": found.period,
        "periods_ahead": found.periods_ahead,
        "a_value": found.a_value,
        "b_value": found.b_value,
        "stays_ahead": found.stays_ahead,
        "estimated": rests_on_estimates,
    }
    table = ibis.memtable({k: [v] for k, v in row.items()}, schema=SCHEMA)
    span = f"{points[0][0]} to {points[-1][0]}" if points else "no data"
    notes = [f"{series}: {len(points)} period(s), {span}; ahead = strictly greater, {n} consecutive periods"]
    if found.period is None:
        notes.append(f"no crossover: {a} was never ahead of {b} for {n} consecutive periods")
    elif found.from_start:
        notes.append(f"{a} was already ahead in the first period of the series: the crossover may be earlier")
    if found.period is not None and not found.stays_ahead:
        notes.append(f"{a} did not stay ahead: {b} led again after {run_periods[-1]}")
    if found.period in estimated:
        notes.append(f"the crossover period {found.period} is itself estimated, not measured")
    if rests_on_estimates:
        shown = ", ".join(sorted(set(run_periods) & estimated))
        notes.append(f"the reported run includes estimated period(s): {shown}")
    return MetricResult(table=table, notes=notes + source_notes)


METRIC = register(
    Metric(
        name="crossover",
        title="When one region overtook another",
        summary="First period from which region A stays ahead of region B for N consecutive periods",
        source="The ATOM Report (arXiv:2604.07190): Chinese open models overtook US ones in summer 2025",
        columns={
            "series": "downloads_share, derivative_share, best_arena_score, releases or inference_share",
            "region_a": "region expected to lead (param a)",
            "region_b": "region compared against (param b)",
            "crossover_period": "first period from which A stays ahead (>= N periods to the end), else of A's "
            "first run of >= N periods ahead (null: none)",
            "periods_ahead": "length of that run (no crossover: A's current run at the end)",
            "a_value": "A's value at the crossover period (no crossover: at the last period)",
            "b_value": "B's value at the same period",
            "stays_ahead": "true when that run lasts to the last period of the series (A is still ahead)",
            "estimated": "true when a period of the reported run (or the last period) is partly estimated",
        },
        compute=compute,
        params={
            "a": Param(str, "china", "region A"),
            "b": Param(str, "us", "region B"),
            "series": Param(str, "downloads_share", "the series compared", choices=SERIES),
            "periods": Param(int, 3, "consecutive periods A must stay ahead", min=1),
            "releases_by": Param(str, "region", "releases series: region (Epoch) or tracked_region (ATOM models)"),
            "release_period": Param(str, None, "releases series: year, quarter or month", choices=PERIODS),
            "hubs": Param(
                str,
                "huggingface",
                "downloads_share series: huggingface alone, or both (with ModelScope)",
                choices=("huggingface", "both"),
            ),
        },
        chart=ChartHint(("periods_ahead",), place=8, by={None: {"x": "series", "x_type": "nominal", "mark": "table"}}),
        # it reads whatever its series' metrics read
        empty_hints={**SNAPSHOTS_HINT, **CRAWL_HINTS, **AVAILABILITY_HINT, **OPENROUTER_HINTS},
    )
)
