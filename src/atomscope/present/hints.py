"""Chart hints: which columns of a metric's output the dashboard plots, and how.

The dashboard draws every registered metric without knowing it in advance: a time column (a date,
`YYYY-MM` month or period) on x, a numeric measure on y, the grouping column as colour; a metric without
a time column is drawn as horizontal bars of its first label column. A metric's `ChartHint` (declared in
its module) names the measures it is best read by (any other numeric column can be chosen on the page),
its place on the dashboard, and per grouping the fields that replace the heuristic's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atomscope.present.charts import axis_from_zero

TIME_COLUMNS = ("snapshot_date", "month", "period", "date", "week", "quarter", "year", "release_month")
GROUP_COLUMNS = (
    "org",
    "org_name",
    "org_key",
    "root_id",
    "model_id",
    "system",
    "country",
    "size_bucket",
    "relation",
    "region",
)


@dataclass(frozen=True)
class ChartHint:
    preferred: tuple[str, ...] = ()  # measures the metric is best read by, first the default
    place: int | None = None  # dashboard order, lower first; unplaced metrics follow by name
    # grouping -> hint fields that replace the heuristic's, used when the named columns are present
    by: dict[str | None, dict[str, Any]] = field(default_factory=dict)


def order_key(name: str, chart: ChartHint) -> tuple[int, int, str]:
    return (0, chart.place, name) if chart.place is not None else (1, 0, name)


_NUMERIC_PREFIXES = ("int", "uint", "float", "double", "decimal", "halffloat")
# identifiers and ranks are numbers but not measures
_NOT_MEASURES = {"rank", "run_id", "source_line", "year"}


def _numeric(type_name: str) -> bool:
    return type_name.startswith(_NUMERIC_PREFIXES)


def hint(chart: ChartHint, by: str | None, columns: list[dict[str, Any]]) -> dict[str, Any]:
    """{x, x_type, measures, y, color, mark} for a result with these columns (name, type)."""
    found = _heuristic(chart, by, columns)
    override = chart.by.get(by)
    names = {c["name"] for c in columns}
    if override and {override["x"], override.get("color")} - {None} <= names:
        found.update(override)
        found["measures"] = [m for m in found["measures"] if m != override["x"]]
        found["y"] = found["measures"][0] if found["measures"] else None
    found["from_zero"] = {m: axis_from_zero(m) for m in found["measures"]}
    return found


def _heuristic(chart: ChartHint, by: str | None, columns: list[dict[str, Any]]) -> dict[str, Any]:
    names = [c["name"] for c in columns]
    types = {c["name"]: c["type"] for c in columns}
    x = next((c for c in TIME_COLUMNS if c in types), None)
    measures = [n for n in names if _numeric(types[n]) and n not in _NOT_MEASURES and n != x]
    preferred = [m for m in chart.preferred if m in measures]
    measures = preferred + [m for m in measures if m not in preferred]
    group_order = ((by,) if by else ()) + GROUP_COLUMNS
    color = next((c for c in group_order if c in types and c != x and not _numeric(types[c])), None)
    if x is None:
        label = next((n for n in names if not _numeric(types[n]) and types[n] in ("string", "large_string")), None)
        return {
            "x": label,
            "x_type": "nominal",
            "measures": measures,
            "y": measures[0] if measures else None,
            "color": "region" if "region" in types and label != "region" else None,
            "mark": "bar",
        }
    x_type = "temporal" if types[x].startswith(("date", "timestamp")) or x == "month" else "ordinal"
    return {
        "x": x,
        "x_type": x_type,
        "measures": measures,
        "y": measures[0] if measures else None,
        "color": color,
        "mark": "line",
    }
