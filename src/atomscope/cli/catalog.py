"""`atomscope catalog orgs|models|unresolved`: the curated catalog as the warehouse holds it."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from atomscope.cli.common import DbOption, open_read
from atomscope.cli.output import OutputFormat, emit
from atomscope.warehouse import catalog as queries

app = typer.Typer(help="The curated catalog: organizations, tracked models, unresolved names.", no_args_is_help=True)


class Region(str, Enum):
    us = "us"
    china = "china"
    eu = "eu"
    other = "other"
    unknown = "unknown"


class ListName(str, Enum):
    primary = "primary"
    extra = "extra"
    all = "all"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table, csv or json.")]
RegionOption = Annotated[Region | None, typer.Option("--region", help="Only this ATOM region.")]
OrgOption = Annotated[str | None, typer.Option("--org", help="Only this organization (org key or HF namespace).")]


@app.command()
def orgs(db: DbOption = None, region: RegionOption = None, format: FormatOption = OutputFormat.table) -> None:
    """Organizations with region, country, aliases per source and tracked-model counts."""
    with open_read(db) as con:
        frame = queries.organizations(con, region=region.value if region else None)
    emit(frame, format, title="Organizations")


@app.command()
def models(
    db: DbOption = None,
    list_: Annotated[ListName, typer.Option("--list", help="primary, extra or all.")] = ListName.all,
    region: RegionOption = None,
    org: OrgOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Tracked models with origin, parameters, size bucket and release date."""
    with open_read(db) as con:
        frame = queries.models(
            con,
            list_name=None if list_ is ListName.all else list_.value,
            region=region.value if region else None,
            org=org,
        )
    emit(frame, format, title="Tracked models")


@app.command()
def unresolved(db: DbOption = None, format: FormatOption = OutputFormat.table) -> None:
    """Organization names each source uses that the registry does not resolve, with row counts."""
    with open_read(db) as con:
        frame = queries.unresolved(con)
    emit(frame, format, title="Unresolved organization names")
