"""`atomscope export`: the warehouse as a Parquet lake (for Spark and other engines) and/or CSV files."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from atomscope.cli.common import DbOption, open_read
from atomscope.domain.errors import AtomscopeError

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command(name="export")(export)


def export(
    parquet: Annotated[
        Path | None,
        typer.Option("--parquet", help="Write a Parquet lake here (hf_snapshots partitioned by snapshot_date)."),
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write one CSV file per table here.")] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace a previous export there (only the files its manifest lists)."),
    ] = False,
    raw_csv: Annotated[
        bool, typer.Option("--raw-csv", help="Write CSV cells as they are (no spreadsheet-formula neutralising).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Export every warehouse table to Parquet (hive-partitioned snapshots) and/or CSV.

    The target folder must be new or empty; with --overwrite it may hold a previous export, whose files
    (listed in its _MANIFEST.json) are replaced; nothing else in the folder is touched. A folder holding
    the warehouse is refused. CSV cells starting with = + - @ tab or CR get a leading ' (--raw-csv: off).
    """
    if parquet is None and csv is None:
        raise AtomscopeError("nothing to do: give --parquet DIR and/or --csv DIR")
    if parquet is not None and csv is not None and parquet.expanduser().resolve() == csv.expanduser().resolve():
        raise AtomscopeError(f"{csv}: give --parquet and --csv different folders")
    import duckdb

    from atomscope.warehouse.export import export_csv, export_parquet

    con = open_read(db)
    try:
        jobs = (
            ("parquet", parquet, lambda target: export_parquet(con, target, overwrite=overwrite)),
            ("csv", csv, lambda target: export_csv(con, target, overwrite=overwrite, raw=raw_csv)),
        )
        for kind, target, write in jobs:
            if target is None:
                continue
            with console.status(f"exporting to {kind} in {escape(str(target))}"):
                try:
                    counts = write(target)
                except (OSError, duckdb.Error) as exc:
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    raise AtomscopeError(f"{target}: cannot write the {kind} export: {reason}") from exc
            console.print(f"{kind} export [bold]{escape(str(target))}[/bold]: {len(counts)} tables")
            for name, rows in counts.items():
                console.print(f"  {escape(name):<28} {rows:>12,} rows")
    finally:
        con.close()
