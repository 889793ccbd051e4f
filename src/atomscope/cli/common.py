"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from atomscope.config import DB_ENV_VAR, resolve_db_path
from atomscope.warehouse import db as warehouse

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", envvar=DB_ENV_VAR, help="Warehouse file (default: $XDG_DATA_HOME/atomscope/atomscope.duckdb)."
    ),
]


def open_read(db: Path | None):
    """The warehouse read-only (a collector may write beside it)."""
    return warehouse.connect(resolve_db_path(db), read_only=True)


def open_write(db: Path | None):
    return warehouse.connect(resolve_db_path(db))
