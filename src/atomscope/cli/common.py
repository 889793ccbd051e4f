"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atomscope.config import DB_ENV_VAR, resolve_db_path

# exit status of a collector stopped at its bound (--max-requests, --max-files): everything so far is
# committed and a rerun continues
EXIT_STOPPED = 3

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar=DB_ENV_VAR,
        help="Warehouse file (default: atomscope.duckdb in the atomscope folder of $XDG_DATA_HOME).",
    ),
]


ProgressOption = Annotated[
    bool | None,
    typer.Option("--progress/--no-progress", help="Live progress (default: when stderr is a terminal)."),
]


def open_read(db: Path | None):
    """The warehouse read-only (a collector may write beside it)."""
    from atomscope.warehouse import db as warehouse  # DuckDB is imported by the commands that use it

    return warehouse.connect(resolve_db_path(db), read_only=True)


def open_write(db: Path | None):
    from atomscope.warehouse import db as warehouse

    return warehouse.connect(resolve_db_path(db))
