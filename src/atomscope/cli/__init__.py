"""The `atomscope` command line: one Typer app, one module per command group."""

from __future__ import annotations

import sys

import typer

from atomscope.cli import catalog, core, metric
from atomscope.cli.output import stderr
from atomscope.errors import AtomscopeError

app = typer.Typer(
    help="atomscope: an open, re-runnable observatory of the open-model ecosystem.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
core.register(app)
app.add_typer(catalog.app, name="catalog")
metric.register(app)

for _optional in ("collect", "report", "serve", "export"):
    try:  # command groups that later parts of the pipeline add; absent ones are simply not offered
        module = __import__(f"atomscope.cli.{_optional}", fromlist=["register"])
    except ModuleNotFoundError as exc:
        if exc.name != f"atomscope.cli.{_optional}":
            raise
        continue
    module.register(app)


def main() -> None:
    try:
        app()
    except AtomscopeError as exc:
        stderr.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
