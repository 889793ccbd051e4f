"""The audit as a Rich table, CSV (one row per mention), JSON (one object per model) or one HTML page.

The HTML page is self-contained and works offline like the report: inline CSS, no script, no external
resource; every value from the scanned files or the warehouse is escaped (Jinja2 autoescape).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import Enum

import jinja2

from atomscope.audit.enrich import ModelInfo
from atomscope.audit.run import AuditReport, location_key
from atomscope.domain.spreadsheet import csv_line


class AuditFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"
    sarif = "sarif"


def printable(text: str) -> str:
    """`text` with control characters (an ANSI escape in a file name) written as escapes, safe for a terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


COLUMNS = (
    "model_id",
    "file",
    "line",
    "via",
    "kind",
    "match",
    "organization",
    "region",
    "country",
    "root_models",
    "root_regions",
    "repackaging_of",
    "task",
    "license",
    "license_source",
    "license_class",
    "open_license",
    "openness_pct",
    "status",
    "last_seen",
    "total_params_b",
    "q4_memory_gb",
    "q4_class",
    "alternatives",
    "alternatives_note",
)


def _alternatives(info: ModelInfo) -> str:
    return "; ".join(
        f"{a.model_id} ({a.region}, {a.task}, {a.q4_class}, {a.license_class}, {a.signal})" for a in info.alternatives
    )


def mention_rows(report: AuditReport) -> list[dict]:
    """One row per (model, file, line), the model's facts repeated."""
    rows = []
    for info in report.models:
        for found in report.locations[location_key(info)]:
            rows.append(
                {
                    "model_id": info.model_id,
                    "file": found.path,
                    "line": found.line,
                    "via": found.via,
                    "kind": info.kind,
                    "match": info.match,
                    "organization": info.organization,
                    "region": info.region,
                    "country": info.country,
                    "root_models": "; ".join(info.root_models),
                    "root_regions": "; ".join(info.root_regions),
                    "repackaging_of": info.repackaging_of,
                    "task": info.task,
                    "license": info.license,
                    "license_source": info.license_source,
                    "license_class": info.license_class,
                    "open_license": info.open_license,
                    "openness_pct": info.openness_pct,
                    "status": info.status,
                    "last_seen": info.last_seen,
                    "total_params_b": info.total_params_b,
                    "q4_memory_gb": info.q4_memory_gb,
                    "q4_class": info.q4_class,
                    "alternatives": _alternatives(info),
                    "alternatives_note": info.alternatives_note,
                }
            )
    return rows


def model_records(report: AuditReport) -> list[dict]:
    records = []
    for info in report.models:
        record = asdict(info)
        record["locations"] = [
            {"file": f.path, "line": f.line, "via": f.via} for f in report.locations[location_key(info)]
        ]
        records.append(record)
    return records


def summary(report: AuditReport) -> dict:
    return {
        "paths": report.paths,
        "generated_at": report.generated_at,
        "files_scanned": report.scan.files_scanned,
        "files_skipped": report.scan.files_skipped,
        "skipped_by_reason": dict(sorted(report.scan.skipped.items())),
        "models": len(report.models),
        "unknown_models": len(report.unknown),
        "mentions": len(report.found),
    }


def to_csv(report: AuditReport) -> str:
    """Through the writer every CSV output shares (domain/spreadsheet.py): formulas neutralised, lists as JSON."""
    lines = [csv_line(list(COLUMNS))]
    for row in mention_rows(report):  # paths and ids from scanned code: no formulas, no terminal escapes
        lines.append(csv_line([printable(v) if isinstance(v, str) else v for v in (row[c] for c in COLUMNS)]))
    return "".join(lines)


def to_json(report: AuditReport) -> str:
    return json.dumps({"summary": summary(report), "models": model_records(report)}, indent=1) + "\n"


# table columns, most important first: at a narrow width the last ones are left out (ids are never cut)
TABLE_COLUMNS = (
    "model_id",
    "where",
    "match",
    "region",
    "organization",
    "license_class",
    "root",
    "status",
    "task",
    "q4_class",
    "alternatives",
)


def _cells(report: AuditReport, info: ModelInfo) -> dict[str, str]:
    root = "\n".join(info.root_models) if info.root_models != [info.model_id] else "itself"
    if info.repackaging_of:
        root = f"{info.repackaging_of} (repackaged)"
    alternatives = "\n".join(f"{a.model_id} ({a.region}, {a.license_class})" for a in info.alternatives)
    return {
        "model_id": info.model_id,
        "where": "\n".join(printable(f"{f.path}:{f.line}") for f in report.locations[location_key(info)]),
        "match": info.match,
        "region": _region(info),
        "organization": info.organization or "",
        "license_class": info.license_class or "",
        "root": root if info.root_models else "",
        "status": info.status or "",
        "task": info.task or "",
        "q4_class": info.q4_class or "",
        "alternatives": alternatives or (info.alternatives_note or ""),
    }


WHERE_MAX = 40  # a longer path folds (paths are not ids)
_NO_WRAP = ("model_id", "root")  # one id a line, never broken; other columns wrap at spaces (ids hold none)


def _build(report: AuditReport, columns: list[str], widths: dict[str, int], rows: list[dict[str, str]]):
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(printable(f"Hub models used in {', '.join(report.paths)}")), title_justify="left")
    for column in columns:
        table.add_column(column, no_wrap=column in _NO_WRAP, overflow="fold", width=widths[column])
    for row in rows:
        table.add_row(*(Text(row[c]) for c in columns))
    return table


def _min_width(column: str, rows: list[dict[str, str]]) -> int:
    """The narrowest a column can be: its longest id for id columns, its longest word otherwise."""
    texts = [column, *(row[column] for row in rows)]
    if column in _NO_WRAP:
        return max(len(line) for text in texts for line in text.split("\n"))
    return min(max((len(word) for text in texts for word in text.split()), default=0), WHERE_MAX)


def _natural_width(column: str, rows: list[dict[str, str]]) -> int:
    return max(len(line) for text in [column, *(row[column] for row in rows)] for line in text.split("\n"))


def to_table(report: AuditReport, width: int = 120):
    """A Rich table that fits `width` columns: the least important columns are left out until every kept
    column fits at its narrowest (ids whole), then the spare width goes to the most important ones;
    `(table, left_out)`."""
    rows = [_cells(report, info) for info in report.models]
    columns = list(TABLE_COLUMNS)
    left_out: list[str] = []
    narrowest = {c: _min_width(c, rows) for c in columns}

    def needed(cols: list[str]) -> int:  # each column: its content, 2 of padding, 1 of border; 1 closing border
        return sum(narrowest[c] + 3 for c in cols) + 1

    while len(columns) > 1 and needed(columns) > width:
        left_out.insert(0, columns.pop())
    widths = dict(narrowest)
    spare = max(width - needed(columns), 0)
    for column in columns:
        extra = min(spare, max(_natural_width(column, rows) - widths[column], 0))
        widths[column] += extra
        spare -= extra
    return _build(report, columns, widths, rows), left_out


def alternatives_text(report: AuditReport):
    """The alternatives as lines under the table, for a terminal too narrow for their column."""
    from rich.text import Text

    text = Text("Alternatives (same task, same or smaller hardware class, other regions):\n", style="bold")
    for info in report.models:
        if info.match == "unknown":
            continue
        text.append(f"{info.model_id}\n")
        for a in info.alternatives:
            text.append(f"  -> {a.model_id} ({a.region}, {a.license_class}, {a.signal})\n")
        if info.alternatives_note:
            text.append(f"  {info.alternatives_note}\n", style="dim")
    return text


def _region(info: ModelInfo) -> str:
    if info.region is None:
        return ""
    return f"{info.region} ({info.country})" if info.country else info.region


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>atomscope audit</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;overflow-wrap:anywhere}
h1{font-size:1.4rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}
td,th{border:1px solid #ccc;padding:.3rem .4rem;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f3f3;text-align:left}.unknown{color:#666}code{font-size:.8rem}
.note{color:#555;font-style:italic}
@media (max-width:900px){
 body{margin:.6rem}h1{font-size:1.1rem}
 table,tbody,tr,td{display:block;width:auto}thead{display:none}
 tr{border:1px solid #bbb;margin:0 0 .8rem;padding:.2rem}
 td{border:0;padding:.15rem .3rem}
 td::before{content:attr(data-label) ": ";font-weight:600}
}
</style></head><body>
<h1>Hub models used in {{ summary.paths|join(", ") }}</h1>
<p>{{ summary.files_scanned }} files scanned, {{ summary.files_skipped }} skipped
{%- if summary.skipped_by_reason %} ({% for k, v in summary.skipped_by_reason.items() %}{{ k }}: {{ v }}
{%- if not loop.last %}, {% endif %}{% endfor %}){% endif %};
{{ summary.models }} models ({{ summary.unknown_models }} unknown to the warehouse) in {{ summary.mentions }}
mentions. Generated {{ summary.generated_at }} by atomscope.</p>
<table><thead><tr><th>Model</th><th>Where</th><th>Publisher</th><th>Region</th><th>Root</th><th>Task</th>
<th>License</th><th>Openness</th><th>Status</th><th>q4 memory</th><th>Alternatives</th></tr></thead><tbody>
{% for m in models %}
<tr{% if m.match == "unknown" %} class="unknown"{% endif %}><td data-label="Model"><code>{{ m.model_id }}</code></td>
<td data-label="Where">{% for l in m.locations %}<code>{{ l.file }}:{{ l.line }}</code><br>{% endfor %}</td>
<td data-label="Publisher">{{ m.organization or "unknown" }} ({{ m.match }})</td>
<td data-label="Region">{{ m.region or "" }}{% if m.country %} ({{ m.country }}){% endif %}</td>
<td data-label="Root">{% for r in m.root_models %}<code>{{ r }}</code><br>{% endfor %}{{ m.root_regions|join(", ") }}
{%- if m.repackaging_of %} (repackaged){% endif %}</td>
<td data-label="Task">{{ m.task or "" }}</td>
<td data-label="License">{{ m.license or "" }}{% if m.license_class %} ({{ m.license_class }}){% endif %}</td>
<td data-label="Openness">{% if m.openness_pct is not none %}{{ "%.0f"|format(m.openness_pct) }} %{% endif %}</td>
<td data-label="Status">{{ m.status or "" }}{% if m.last_seen %}, last seen {{ m.last_seen }}{% endif %}</td>
<td data-label="q4 memory">{% if m.q4_memory_gb is not none %}{{ m.q4_memory_gb }} GB ({{ m.q4_class }}){% endif %}</td>
<td data-label="Alternatives">{% for a in m.alternatives %}<code>{{ a.model_id }}</code> ({{ a.region }}, {{ a.task }},
{{ a.q4_class }}, {{ a.license_class }}; ranked by {{ a.signal }})<br>{% endfor %}
{%- if m.alternatives_note %}<span class="note">{{ m.alternatives_note }}</span>{% endif %}</td>
</tr>
{% endfor %}
</tbody></table>
<p>Memory at q4 = parameters × 4 / 8 × 1.2 GB (metric <code>runnability</code>). Publisher: matched as a tracked
model, a derivative or repackaging of one, by the namespace in the organization registry, or unknown (nothing is
guessed). Alternatives do the same task on the same or a smaller hardware class, from other regions, available and
not closed; ranked by the closest hardware class, then 30-day downloads, then LMArena score, then Open LLM
Leaderboard score.</p>
</body></html>
"""


def to_html(report: AuditReport) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_PAGE).render(summary=summary(report), models=model_records(report))
