"""The `atomscope` command line: one Typer app, one module per command group."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from atomscope.cli import (
    audit,
    catalog,
    collect,
    core,
    export,
    hubstats,
    metric,
    modelscope,
    openrouter,
    report,
    serve,
    sources,
)
from atomscope.cli.output import stderr
from atomscope.domain.errors import AtomscopeError

app = typer.Typer(
    help="atomscope: an open, re-runnable observatory of the open-model ecosystem.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
core.register(app)
app.add_typer(catalog.app, name="catalog")
metric.register(app)

for _module in (report, serve, export, collect, sources, openrouter, modelscope, audit, hubstats):
    _module.register(app)


def main() -> None:
    """Run the app; every expected failure is one `error:` line on stderr and exit code 2.

    Besides atomscope's own errors that covers the warehouse file and the disk in every command: a
    damaged or truncated file, a full disk, a permission problem (DuckDB or OS errors).
    """
    try:
        app()
    except AtomscopeError as exc:
        fail(str(exc))
    except Exception as exc:
        # DuckDB is imported only by the commands that use it (`--help` stays light); its errors can only
        # come from a command that imported it.
        duckdb = sys.modules.get("duckdb")
        if not isinstance(exc, OSError) and not (duckdb and isinstance(exc, duckdb.Error)):
            raise
        from atomscope.warehouse.db import describe_failure

        fail(describe_failure(exc))


def fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(2)
