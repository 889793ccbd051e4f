"""The audit as a Rich table, CSV (one row per mention), JSON (one object per model) or one HTML page.

The HTML page is self-contained and works offline like the report: inline CSS, no script, no external
resource; every value from the scanned files or the warehouse is escaped (Jinja2 autoescape).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from enum import Enum

import jinja2

from atomscope.audit.enrich import ModelInfo
from atomscope.audit.run import AuditReport, location_key
from atomscope.domain.spreadsheet import neutralise


class AuditFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"


COLUMNS = (
    "model_id",
    "file",
    "line",
    "via",
    "kind",
    "organization",
    "region",
    "country",
    "root_models",
    "root_regions",
    "license",
    "license_class",
    "open_license",
    "openness_pct",
    "status",
    "last_seen",
    "total_params_b",
    "q4_memory_gb",
    "q4_class",
    "alternatives",
)
TABLE_COLUMNS = (
    "model_id",
    "where",
    "kind",
    "organization",
    "region",
    "root",
    "license_class",
    "status",
    "q4_class",
    "alternatives",
)


def _alternatives(info: ModelInfo) -> str:
    return "; ".join(f"{a.model_id} ({a.region}, {a.basis})" for a in info.alternatives)


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
                    "organization": info.organization,
                    "region": info.region,
                    "country": info.country,
                    "root_models": "; ".join(info.root_models),
                    "root_regions": "; ".join(info.root_regions),
                    "license": info.license,
                    "license_class": info.license_class,
                    "open_license": info.open_license,
                    "openness_pct": info.openness_pct,
                    "status": info.status,
                    "last_seen": info.last_seen,
                    "total_params_b": info.total_params_b,
                    "q4_memory_gb": info.q4_memory_gb,
                    "q4_class": info.q4_class,
                    "alternatives": _alternatives(info),
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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in mention_rows(report):  # paths and ids from scanned code: no spreadsheet formulas
        writer.writerow({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()})
    return buffer.getvalue()


def to_json(report: AuditReport) -> str:
    return json.dumps({"summary": summary(report), "models": model_records(report)}, indent=1) + "\n"


def to_table(report: AuditReport):
    from rich.table import Table

    table = Table(title=f"Hub models used in {', '.join(report.paths)}")
    for column in TABLE_COLUMNS:
        table.add_column(column, overflow="fold")
    for info in report.models:
        where = "\n".join(f"{f.path}:{f.line}" for f in report.locations[location_key(info)])
        root = ", ".join(f"{r}" for r in info.root_models)
        if info.root_regions:
            root += f" ({', '.join(info.root_regions)})"
        table.add_row(
            info.model_id,
            where,
            info.kind,
            info.organization or "",
            _region(info),
            root,
            info.license_class or "",
            info.status or "",
            info.q4_class or "",
            "\n".join(f"{a.model_id} ({a.region})" for a in info.alternatives),
        )
    return table


def _region(info: ModelInfo) -> str:
    if info.region is None:
        return ""
    return f"{info.region} ({info.country})" if info.country else info.region


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>atomscope audit</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}
th{background:#f3f3f3;text-align:left}.unknown{color:#888}code{font-size:.85rem}
</style></head><body>
<h1>Hub models used in {{ summary.paths|join(", ") }}</h1>
<p>{{ summary.files_scanned }} files scanned, {{ summary.files_skipped }} skipped
{%- if summary.skipped_by_reason %} ({% for k, v in summary.skipped_by_reason.items() %}{{ k }}: {{ v }}
{%- if not loop.last %}, {% endif %}{% endfor %}){% endif %};
{{ summary.models }} models ({{ summary.unknown_models }} unknown to the warehouse) in {{ summary.mentions }}
mentions. Generated {{ summary.generated_at }} by atomscope.</p>
<table><thead><tr><th>Model</th><th>Where</th><th>Kind</th><th>Organization</th><th>Region</th><th>Root</th>
<th>License</th><th>Openness</th><th>Status</th><th>q4 memory</th><th>Alternatives</th></tr></thead><tbody>
{% for m in models %}
<tr{% if not m.known %} class="unknown"{% endif %}><td><code>{{ m.model_id }}</code></td>
<td>{% for l in m.locations %}<code>{{ l.file }}:{{ l.line }}</code><br>{% endfor %}</td>
<td>{{ m.kind }}</td><td>{{ m.organization or "" }}</td>
<td>{{ m.region or "" }}{% if m.country %} ({{ m.country }}){% endif %}</td>
<td>{% for r in m.root_models %}<code>{{ r }}</code><br>{% endfor %}{{ m.root_regions|join(", ") }}</td>
<td>{{ m.license or "" }}{% if m.license_class %} ({{ m.license_class }}){% endif %}</td>
<td>{% if m.openness_pct is not none %}{{ "%.0f"|format(m.openness_pct) }} %{% endif %}</td>
<td>{{ m.status or "" }}{% if m.last_seen %}, last seen {{ m.last_seen }}{% endif %}</td>
<td>{% if m.q4_memory_gb is not none %}{{ m.q4_memory_gb }} GB ({{ m.q4_class }}){% endif %}</td>
<td>{% for a in m.alternatives %}<code>{{ a.model_id }}</code> ({{ a.region }}, {{ a.basis }})<br>{% endfor %}</td>
</tr>
{% endfor %}
</tbody></table>
<p>Memory at q4 = parameters × 4 / 8 × 1.2 GB (metric <code>runnability</code>). Unknown models are ids the
warehouse does not know: nothing about them is guessed.</p>
</body></html>
"""


def to_html(report: AuditReport) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_PAGE).render(summary=summary(report), models=model_records(report))
