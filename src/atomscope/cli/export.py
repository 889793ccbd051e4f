"""`atomscope export`: the warehouse as a Parquet lake (for Spark and other engines) and/or CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from atomscope.cli.common import DbOption, open_read
from atomscope.domain.errors import AtomscopeError
from atomscope.warehouse.export import export_csv, export_parquet

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command(name="export")(export)


def export(
    parquet: Annotated[
        Path | None,
        typer.Option("--parquet", help="Write a Parquet lake here (hf_snapshots partitioned by snapshot_date)."),
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write one CSV file per table here.")] = None,
    db: DbOption = None,
) -> None:
    """Export every warehouse table to Parquet (hive-partitioned snapshots) and/or CSV.

    Each export is written to a temporary directory and renamed into place at the end: an existing
    directory is replaced only when the new export is complete.
    """
    if parquet is None and csv is None:
        raise AtomscopeError("nothing to do: give --parquet DIR and/or --csv DIR")
    con = open_read(db)
    try:
        for kind, target, write in (("parquet", parquet, export_parquet), ("csv", csv, export_csv)):
            if target is None:
                continue
            with console.status(f"exporting to {kind} in {target}"):
                try:
                    counts = write(con, target)
                except OSError as exc:
                    raise AtomscopeError(f"{target}: cannot write the {kind} export: {exc}") from exc
            console.print(f"{kind} export [bold]{target}[/bold]: {len(counts)} tables")
            for name, rows in counts.items():
                console.print(f"  {name:<28} {rows:>12,} rows")
    finally:
        con.close()
