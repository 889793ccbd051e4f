"""`atomscope report`: the static "State of the open-model ecosystem" site."""

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.text import Text

from atomscope.cli.common import DbOption
from atomscope.cli.output import stderr
from atomscope.config import resolve_db_path


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)


def report(
    db: DbOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("atomscope-report"),
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the site will be published; makes summary.md links absolute.")
    ] = "",
) -> None:
    """Write the static report (index.html, charts as SVG/PNG/CSV, summary.md) from the warehouse."""
    from atomscope.report.build import build_report

    with stderr.status("computing metrics and rendering charts"):
        result = build_report(resolve_db_path(db), out, base_url=base_url)
    for problem in result.problems:
        stderr.print(f"[yellow]warning:[/yellow] {escape(str(problem))}", highlight=False)
    for section in result.sections:
        for note in section.missing:  # indented as a block: a wrapped line stays under its section
            stderr.print(Padding(Text(f"{section.title}: {note}"), (0, 0, 0, 2)), highlight=False)
    charts = sum(len(s.charts) for s in result.sections)
    stderr.print(
        f"report written to [bold]{result.index}[/bold]: {len(result.findings)} findings, {charts} charts; "
        f"newsletter summary {result.summary}",
        highlight=False,
    )
