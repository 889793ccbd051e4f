"""Where things live: the warehouse path and the bundled data folder."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

DB_ENV_VAR = "ATOMSCOPE_DB"


def default_db_path() -> Path:
    """`$ATOMSCOPE_DB`, else `$XDG_DATA_HOME/atomscope/atomscope.duckdb` (~/.local/share by default)."""
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "atomscope" / "atomscope.duckdb"


def resolve_db_path(db: str | Path | None) -> Path:
    return Path(db).expanduser() if db else default_db_path()


def data_dir() -> Path:
    """The folder of bundled datasets shipped inside the package."""
    return Path(str(resources.files("atomscope") / "data"))
