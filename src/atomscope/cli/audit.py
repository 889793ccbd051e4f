"""`atomscope audit PATH...`: the Hub models a code tree depends on, their origin and alternatives."""

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from atomscope.cli.common import DbOption, open_read
from atomscope.cli.output import stderr


class AuditFormat(str, Enum):  # the values of audit/output.py's AuditFormat, without importing it at start-up
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"
    sarif = "sarif"


FAIL_ON_HELP = (
    "Exit 1 when a found model matches field=value or openness<N (repeatable, or comma-separated): region, "
    "country, org, status, license, open, kind, match, task, class; e.g. region=china, status=removed, "
    "license=non-commercial, match=unknown, 'openness<50'."
)


def register(app: typer.Typer) -> None:
    app.command(name="audit")(audit)


def audit(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to scan (never executed).")],
    db: DbOption = None,
    format: Annotated[AuditFormat, typer.Option("--format", "-f", help="Output format.")] = AuditFormat.table,
    fail_on: Annotated[list[str], typer.Option("--fail-on", help=FAIL_ON_HELP)] = [],  # noqa: B006
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the output to this file.")] = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", help="Skip (and count) files larger than this.")] = 2_000_000,
) -> None:
    """Scan code and configuration for Hugging Face model ids; say where each comes from and what could replace it.

    Exit codes: 0 fine, 1 a --fail-on condition matched, 2 bad input (a missing path, a bad condition).
    """
    import ibis
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from atomscope.audit import output
    from atomscope.audit.conditions import offending, parse_conditions
    from atomscope.audit.run import audit as run_audit

    fmt = output.AuditFormat(format.value)
    conditions = parse_conditions(fail_on)
    with (
        open_read(db) as con,
        Progress(
            SpinnerColumn(), TextColumn("scanning {task.completed} files"), console=stderr, transient=True
        ) as progress,
    ):
        task = progress.add_task("scan", total=None)
        report = run_audit(
            paths,
            ibis.duckdb.from_connection(con),
            max_bytes=max_bytes,
            progress=lambda _path: progress.advance(task),
        )
    _emit(report, fmt, out, conditions)
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.scan.skipped.items()))
    stderr.print(
        f"[dim]{report.scan.files_scanned} files scanned, {report.scan.files_skipped} skipped"
        f"{f' ({skipped})' if skipped else ''}; {len(report.models)} models, {len(report.unknown)} unknown to "
        f"the warehouse[/dim]",
        highlight=False,
    )
    hits = offending(report.models, conditions)
    if hits:
        stderr.print(f"[bold red]--fail-on matched {len(hits)} model(s):[/bold red]")
        for info, matched in hits:
            where = ", ".join(
                f"{f.path}:{f.line}" for f in report.locations[info.model_id if info.known else info.model_id.lower()]
            )
            line = f"  {info.model_id} ({info.match}) [{', '.join(map(str, matched))}] at {where}"
            stderr.print(escape(output.printable(line)), highlight=False, soft_wrap=True)  # paths stay whole
        raise typer.Exit(1)


def _emit(report, fmt, out: Path | None, conditions) -> None:
    from rich.console import Console

    from atomscope.audit import output
    from atomscope.audit.sarif import to_sarif

    if fmt is output.AuditFormat.table:
        if out is not None:
            with out.open("w", encoding="utf-8") as handle:
                _print_table(Console(file=handle, width=200), report)
        else:
            _print_table(Console(), report)
        return
    if fmt is output.AuditFormat.sarif:
        text = to_sarif(report, conditions)
    else:
        text = {
            output.AuditFormat.csv: output.to_csv,
            output.AuditFormat.json: output.to_json,
            output.AuditFormat.html: output.to_html,
        }[fmt](report)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        stderr.print(f"written to {output.printable(str(out))}", highlight=False, markup=False)
    else:
        sys.stdout.write(text)


def _print_table(console, report) -> None:
    from atomscope.audit import output

    table, left_out = output.to_table(report, console.width)
    console.print(table)
    if "alternatives" in left_out:  # folded below the table: one line per alternative, ids whole
        console.print(output.alternatives_text(report))
        left_out.remove("alternatives")
    if left_out:
        console.print(
            f"({len(left_out)} columns left out at {console.width} columns: {', '.join(left_out)}; "
            "a wider terminal or --format json/csv/html shows them)",
            style="dim",
            highlight=False,
            markup=False,
        )
