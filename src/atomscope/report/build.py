"""Assemble the static report: run the metrics, render each chart to SVG / PNG with its CSV, write
`index.html` (self-contained: CSS and charts inline, no script, no network) and `summary.md`.

The sections and findings come from the registry: every metric that carries a `ReportPart` adds its own,
in the order of their `place`, with the tracked catalog (report/catalog.py, not a metric) among them."""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import jinja2
from markupsafe import Markup, escape

from atomscope import __version__
from atomscope.domain import regions
from atomscope.domain.spreadsheet import frame_csv
from atomscope.metrics.base import REGISTRY, ReportPart
from atomscope.metrics.frames import MetricData, ReportInputs
from atomscope.present import charts
from atomscope.present.inline_svg import inline_svg
from atomscope.present.layout import COLLECT_HINT, Section
from atomscope.present.room import NARROW
from atomscope.present.wording import Finding
from atomscope.report.catalog import CATALOG
from atomscope.warehouse import db as warehouse
from atomscope.warehouse.provenance import hub_status, refuse_unpublishable, source_files

TITLE = "State of the open-model ecosystem"
CHART_SUFFIXES = (".svg", ".png", ".csv")
# Required credits (data/SOURCES.md); each is listed when a chart or table of the report reads its table.
ATTRIBUTIONS: tuple[dict[str, str], ...] = (
    {
        "table": "epoch_models",
        "source": "Epoch AI, “Data on AI Models”",
        "url": "https://epoch.ai/data/ai-models",
        "text": "Release counts by country use Epoch AI, “Data on AI Models” (epoch.ai), "
        "licensed CC BY 4.0. Reduced to identifiers, dates, numbers and categories.",
        "license": "CC BY 4.0",
    },
    {
        "table": "osai_systems",
        "source": "European Open Source AI Index",
        "url": "https://osai-index.eu/",
        "text": "Openness ratings come from the European Open Source AI Index (https://osai-index.eu/), "
        "licensed CC BY 4.0. Liesenfeld, A. & Dingemanse, M. (2024). Rethinking open source generative "
        "AI: open-washing and the EU AI Act. ACM FAccT 2024, pp. 1774–1787.",
        "license": "CC BY 4.0",
    },
    {
        "table": "mof_components",
        "source": "Model Openness Framework (LF AI & Data), model_openness_tool",
        "url": "https://github.com/lfai/model_openness_tool",
        "text": "Component-level openness of releases comes from the Model Openness Framework's "
        "model_openness_tool entries (github.com/lfai/model_openness_tool), MIT licence.",
        "license": "MIT",
    },
)


def shown_credits(sections: list[Section]) -> list[dict[str, str]]:
    """The credits of the sources whose tables a shown chart or table reads (its sources line)."""
    used = " ".join(item.sources for s in sections for item in (*s.charts, *s.tables))
    return [{k: v for k, v in a.items() if k != "table"} for a in ATTRIBUTIONS if f"`{a['table']}`" in used]


def hubstats_credits(con) -> list[dict[str, str]]:
    """The citation of each hub-stats dataset the warehouse imported history from (its users must cite it)."""
    repos = con.execute(
        "SELECT repo, count(*), min(snapshot_date), max(snapshot_date) FROM hubstats_revisions"
        " WHERE status = 'ok' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [{
        "source": f"{repo} (Hugging Face dataset)",
        "url": f"https://huggingface.co/datasets/{repo}",
        "text": f"Download history imported from {n} revisions ({first} to {last}) of the {repo} dataset "
                f"by {'Caleb Fahlgren' if repo.casefold() == 'cfahlgren1/hub-stats' else repo.split('/')[0]} "
                "with `atomscope import hub-stats`.",
        "license": "see the dataset card",
    } for repo, n, first, last in repos]  # fmt: skip


@dataclass
class Report:
    out_dir: Path
    sections: list[Section]
    findings: list[Finding]
    problems: list[str] = field(default_factory=list)
    attributions: tuple[dict[str, str], ...] = ATTRIBUTIONS

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"

    @property
    def summary(self) -> Path:
        return self.out_dir / "summary.md"

    @property
    def charts(self) -> list:
        return [c for s in self.sections for c in s.charts]


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}".rstrip("0").rstrip(".") if value != round(value) else f"{value:,.0f}"
    return str(value)


_CODE = re.compile(r"`([^`]+)`")


def _codify(text: str) -> Markup:
    """Escape, then show `backticked` names as code."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(text))))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("atomscope.report", "templates"),
        autoescape=True,  # every value from external data is escaped; inline SVG is checked (present/inline_svg.py)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = _cell
    env.filters["codify"] = _codify
    return env


CHARTS_WRITTEN = ".atomscope-charts.json"  # the chart files the last run wrote (the only ones it may remove)


def _clear_charts(folder: Path) -> None:
    """Remove the chart files of an earlier run so a section that lost its chart leaves no stale file.

    Only files that run listed in CHARTS_WRITTEN are removed: a user's own files in the folder stay.
    """
    try:
        listed = json.loads((folder / CHARTS_WRITTEN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for name in listed if isinstance(listed, list) else []:
        path = folder / str(name)
        if "/" not in str(name) and path.suffix in CHART_SUFFIXES and path.is_file() and not path.is_symlink():
            path.unlink()


def write_file(path: Path, data: str | bytes) -> None:
    """Write a whole file or nothing: into a temporary file beside it, then renamed over it. A full disk
    or a size limit half-way leaves the previous file (or none), never an empty or cut-off one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_charts(sections: list[Section], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _clear_charts(folder)
    written: list[str] = []
    for section in sections:
        for chart in section.charts:
            svg = charts.render_svg(chart.spec)
            write_file(folder / f"{chart.name}.svg", svg)
            write_file(folder / f"{chart.name}.png", charts.render_png(svg))
            write_file(folder / f"{chart.name}.csv", frame_csv(chart.data))
            written += [f"{chart.name}.svg", f"{chart.name}.png", f"{chart.name}.csv"]
            chart.svg = Markup(inline_svg(svg, chart.name))  # checked: no script, no handlers
            # the page's narrow view (style.css), inline only: the files stay the wide chart, the reference
            narrow = charts.render_svg(chart.spec, NARROW)
            chart.narrow_svg = Markup(inline_svg(narrow, f"{chart.name}-{NARROW.name}", f"{chart.name}-title"))
        for table in section.tables:
            write_file(folder / f"{table.name}.csv", frame_csv(table.data))
            written.append(f"{table.name}.csv")
    write_file(folder / CHARTS_WRITTEN, json.dumps(sorted(set(written))) + "\n")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_MD_SPECIAL_TEXT = re.compile(r"([\\*_\[\]<>#|])")


def md_escape(text: str, *, code: bool = False) -> str:
    """Plain text safe inside Markdown: no markup, no raw HTML (model names come from external data).
    `code=True` keeps `backticks` (for atomscope's own notes that name commands)."""
    return (_MD_SPECIAL_TEXT if code else _MD_SPECIAL).sub(r"\\\1", text)


def summary_markdown(report: Report, generated_at: str, base_url: str = "") -> str:
    base = base_url.rstrip("/") + "/" if base_url else ""
    lines = [f"# {TITLE}", "", f"_atomscope report generated {generated_at}._", "", "## Headline findings", ""]
    if not report.findings:
        lines.append("No finding could be computed from this warehouse.")
    for f in report.findings:
        lines.append(f"- {md_escape(f.text)} ([chart]({base}index.html#{f.anchor}))")
    lines += ["", "## Charts", ""]
    for section in report.sections:
        for chart in section.charts:
            lines.append(
                f"- {md_escape(chart.title)}: [PNG]({base}charts/{chart.name}.png), "
                f"[SVG]({base}charts/{chart.name}.svg), data [CSV]({base}charts/{chart.name}.csv)"
            )
        for note in section.missing:
            lines.append(f"- {md_escape(section.title)}: {md_escape(note, code=True)}")
    lines += ["", "## Sources and attributions", ""]
    for a in report.attributions:
        lines.append(f"- [{md_escape(a['source'])}]({a['url']}) ({a['license']}): {md_escape(a['text'])}")
    lines.append(
        "- Tracked models: The ATOM Project, github.com/Interconnects-AI/tracked-models (Apache-2.0); "
        "LMArena scores via github.com/fboulnois/llm-leaderboard-csv."
    )
    lines += ["", f"Full report: [{base}index.html]({base}index.html)", ""]
    return "\n".join(lines)


def report_parts() -> list[ReportPart]:
    """The registered metrics' report parts and the catalog's, in report order."""
    parts = [m.report for m in REGISTRY.values() if m.report is not None]
    return sorted([*parts, CATALOG], key=lambda part: part.place)


def assemble(md: MetricData, con, hub) -> tuple[list[Section], list[Finding]]:
    """Every part's sections, then every part's findings (metric frames computed once, shared through `md`)."""
    inputs = ReportInputs(md, con, hub)
    parts = report_parts()
    sections = [section for part in parts for section in part.sections(inputs)]
    found = [finding for part in parts for finding in part.findings(inputs)]
    return sections, found


WRITER_WAIT_S = 300.0  # a collector of another `run` may hold the write lock for a while


def build_report(
    db_path: str | Path, out_dir: str | Path, *, base_url: str = "", writer_wait_s: float = WRITER_WAIT_S
) -> Report:
    """Build the report from the warehouse at `db_path` (opened read-only, waiting up to `writer_wait_s` for
    another process's write to end) into `out_dir`."""
    db_path, out_dir = Path(db_path), Path(out_dir)
    con = warehouse.connect(db_path, read_only=True, writer_wait_s=writer_wait_s)
    try:
        refuse_unpublishable(con)
        md = MetricData(ibis.duckdb.from_connection(con))
        hub = hub_status(con)
        sections, found = assemble(md, con, hub)
        sources = source_files(con)
        uses_hub = any("`hf_snapshots`" in item.sources for s in sections for item in (*s.charts, *s.tables))
        credits = (*shown_credits(sections), *(hubstats_credits(con) if uses_hub else ()))
    finally:
        con.close()
    report = Report(out_dir, sections, found, md.problems, credits)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_charts(sections, out_dir / "charts")

    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = (
        _environment()
        .get_template("index.html.j2")
        .render(
            title=TITLE,
            version=__version__,
            generated_at=generated_at,
            db_name=db_path.name,
            regions=[(r.key, r.color, r.label) for r in regions.REGIONS],
            findings=found,
            sections=sections,
            source_files=sources,
            hub=hub,
            collect_hint=COLLECT_HINT,
            attributions=credits,
        )
    )
    write_file(report.index, html)
    write_file(report.summary, summary_markdown(report, generated_at, base_url))
    return report
