"""The `atomscope` command line: one Typer app, one module per command group."""

from __future__ import annotations

import sys

import typer

from atomscope.cli import audit, catalog, collect, core, export, metric, openrouter, report, serve, sources
from atomscope.cli.output import stderr
from atomscope.domain.errors import AtomscopeError

app = typer.Typer(
    help="atomscope: an open, re-runnable observatory of the open-model ecosystem.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
core.register(app)
app.add_typer(catalog.app, name="catalog")
metric.register(app)

for _module in (report, serve, export, collect, sources, openrouter, audit):
    _module.register(app)


def main() -> None:
    try:
        app()
    except AtomscopeError as exc:
        stderr.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
