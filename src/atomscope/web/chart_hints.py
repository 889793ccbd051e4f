"""Chart hints: which columns of a metric's output the dashboard plots, and how.

The dashboard draws every registered metric without knowing it in advance: a time column (a date,
`YYYY-MM` month or period) on x, a numeric measure on y, the grouping column as colour; a metric without
a time column is drawn as horizontal bars of its first label column. `PREFERRED` names the measure a
metric is best read by; any other numeric column can be chosen on the page.
"""

from __future__ import annotations

from typing import Any

from atomscope.metrics.base import Metric, axis_from_zero

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
PREFERRED = {
    "arena": ("best_open_score", "top10_open_count", "open_closed_gap"),
    "downloads": ("downloads", "share", "cumulative_downloads"),
    "concentration": ("hhi", "top1_share", "gini"),
    "releases": ("releases",),
    "derivatives": ("new_derivatives", "share"),
    "openness": ("openness_pct", "truly_open_share", "open_but_restricted_systems", "mean_openness_pct"),
    "mof": ("progress_pct", "releases", "class_i", "class_ii", "class_iii"),
    "ram_v1": ("ram", "cumulative_downloads"),
    "ram_v2": ("ram", "cumulative_downloads"),
    "crossover": ("periods_ahead",),
    "inference_share": ("share", "tokens"),
    "availability": ("unavailable", "unavailable_share", "removed", "gated", "disabled", "renamed"),
    "runnability": ("share_fit", "memory_gb", "arena_score", "models_fit"),
}
# Dashboard order: the headline metrics first, then any other registered metric by name.
ORDER = (
    "arena",
    "releases",
    "downloads",
    "openness",
    "mof",
    "derivatives",
    "availability",
    "concentration",
    "crossover",
    "ram_v1",
    "ram_v2",
)
# scale_from: the y scale is set from that x on (dashboard.js): the first days after release (ATOM's day-7
# checkpoint) would otherwise flatten every other model's line
RAM_HINT = {"x": "days_since_release", "x_type": "quantitative", "mark": "line", "color": "model_id", "scale_from": 30}
# (metric, by) -> hint fields that replace the heuristic's, used when the named columns are present.
OVERRIDES: dict[tuple[str, str | None], dict[str, Any]] = {
    ("mof", "release"): {"x": "release", "x_type": "nominal", "mark": "bar", "color": "region"},
    ("ram_v1", None): RAM_HINT,
    ("ram_v2", None): RAM_HINT,
    ("crossover", None): {"x": "series", "x_type": "nominal", "mark": "table"},
    ("availability", "model"): {"x": "model_id", "x_type": "nominal", "mark": "table"},
    # one row per model x quantization, or per class x region: read as tables (the "What you can run" card charts)
    ("runnability", "model"): {"x": "model_id", "x_type": "nominal", "mark": "table"},
    ("runnability", "region"): {"x": "hardware_class", "x_type": "nominal", "mark": "table"},
    ("runnability", "best"): {"x": "hardware_class", "x_type": "nominal", "mark": "table"},
}


def order_key(name: str) -> tuple[int, str]:
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


_NUMERIC_PREFIXES = ("int", "uint", "float", "double", "decimal", "halffloat")
# identifiers and ranks are numbers but not measures
_NOT_MEASURES = {"rank", "run_id", "source_line", "year"}


def _numeric(type_name: str) -> bool:
    return type_name.startswith(_NUMERIC_PREFIXES)


def hint(metric: Metric, by: str | None, columns: list[dict[str, Any]]) -> dict[str, Any]:
    """{x, x_type, measures, y, color, mark} for a result with these columns (name, type)."""
    found = _heuristic(metric, by, columns)
    override = OVERRIDES.get((metric.name, by))
    names = {c["name"] for c in columns}
    if override and {override["x"], override.get("color")} - {None} <= names:
        found.update(override)
        found["measures"] = [m for m in found["measures"] if m != override["x"]]
        found["y"] = found["measures"][0] if found["measures"] else None
    found["from_zero"] = {m: axis_from_zero(m) for m in found["measures"]}
    return found


def _heuristic(metric: Metric, by: str | None, columns: list[dict[str, Any]]) -> dict[str, Any]:
    names = [c["name"] for c in columns]
    types = {c["name"]: c["type"] for c in columns}
    x = next((c for c in TIME_COLUMNS if c in types), None)
    measures = [n for n in names if _numeric(types[n]) and n not in _NOT_MEASURES and n != x]
    preferred = [m for m in PREFERRED.get(metric.name, ()) if m in measures]
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
