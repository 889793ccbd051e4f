"""`atomscope init` and `atomscope query`."""

from __future__ import annotations

from typing import Annotated

import duckdb
import typer
from rich.console import Console

from atomscope.cli.common import DbOption, open_read, open_write
from atomscope.cli.output import OutputFormat, emit
from atomscope.config import resolve_db_path
from atomscope.errors import ReadOnlyQueryError
from atomscope.warehouse.load import load_bundled

console = Console(stderr=True)

_READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA"}


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(query)


def init(db: DbOption = None) -> None:
    """Create or upgrade the warehouse and load the bundled datasets (validated, in one transaction)."""
    path = resolve_db_path(db)
    con = open_write(path)
    try:
        with console.status("validating and loading the bundled data"):
            summary = load_bundled(con)
        console.print(f"warehouse [bold]{path}[/bold] ready (schema and bundled data, run {summary.run_id})")
        for key, rows in summary.rows.items():
            console.print(f"  {key:<32} {rows:>6} rows")
    finally:
        con.close()


def query(
    sql: Annotated[str, typer.Argument(help="One or more read-only SQL statements (SELECT, EXPLAIN).")],
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Run read-only SQL against the warehouse; a statement that writes is refused."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReadOnlyQueryError(f"cannot parse the query: {exc}") from None
    if not statements:
        raise ReadOnlyQueryError("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in _READ_STATEMENTS:
            raise ReadOnlyQueryError(f"`atomscope query` is read-only: a {kind} statement is refused")
    con = open_read(db)
    try:
        con.execute("SET enable_external_access = false")  # no COPY TO / ATTACH / file reads either
        frame = None
        for statement in statements:
            try:
                frame = con.execute(statement.query).df()
            except duckdb.Error as exc:
                raise ReadOnlyQueryError(str(exc).splitlines()[0]) from None
        emit(frame, format)
    finally:
        con.close()
