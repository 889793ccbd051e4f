"""`atomscope sources list|update|diff`: the reference sources, their versions and refreshes."""

from __future__ import annotations

from typing import Annotated

import typer

from atomscope.cli.common import DbOption, open_read
from atomscope.cli.output import OutputFormat, emit

app = typer.Typer(
    help="Reference sources (ATOM, Epoch, OSAI, MOF, LMArena): versions, refresh from upstream, diffs.",
    no_args_is_help=True,
)

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")]


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="sources")


@app.command(name="list")
def list_sources(db: DbOption = None, format: FormatOption = OutputFormat.table) -> None:
    """Each source: upstream repository and paths (or URL), the version loaded (commit or ETag, content hash,
    bundled or fetched, when), the last upstream check, license and row count."""
    from atomscope.sources.upstream.status import sources_frame

    con = open_read(db)
    try:
        frame = sources_frame(con)
    finally:
        con.close()
    emit(frame, format, title="Reference sources")
