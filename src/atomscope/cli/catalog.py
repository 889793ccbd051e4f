"""`atomscope catalog orgs|models|unresolved`: the curated catalog as the warehouse holds it."""

from enum import Enum
from typing import Annotated

import typer

from atomscope.cli.common import DbOption, open_read
from atomscope.cli.output import ColumnsOption, FormatOption, OutputFormat, RawCsvOption, emit
from atomscope.domain import regions

app = typer.Typer(help="The curated catalog: organizations, tracked models, unresolved names.", no_args_is_help=True)


# ATOM's region buckets, in their display order, from the one list in domain/regions.py
Region = Enum("Region", {key: key for key in regions.ORDER if key in regions.ATOM_BUCKETS}, type=str)


class ListName(str, Enum):
    primary = "primary"
    extra = "extra"
    all = "all"


RegionOption = Annotated[Region | None, typer.Option("--region", help="Only this ATOM region.")]
OrgOption = Annotated[str | None, typer.Option("--org", help="Only this organization (org key or HF namespace).")]


@app.command()
def orgs(
    db: DbOption = None,
    region: RegionOption = None,
    format: FormatOption = OutputFormat.table,
    columns: ColumnsOption = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Organizations with region, country, aliases per source and tracked-model counts."""
    from atomscope.warehouse import queries

    with open_read(db) as con:
        frame = queries.organizations(con, region=region.value if region else None)
    narrow = ("org_key", "display_name", "region", "tracked_models")
    emit(frame, format, title="Organizations", raw=raw_csv, columns=columns, priority=narrow)


@app.command()
def models(
    db: DbOption = None,
    list_: Annotated[ListName, typer.Option("--list", help="primary, extra or all.")] = ListName.all,
    region: RegionOption = None,
    org: OrgOption = None,
    format: FormatOption = OutputFormat.table,
    columns: ColumnsOption = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Tracked models with origin, parameters, size bucket and release date."""
    from atomscope.warehouse import queries

    with open_read(db) as con:
        frame = queries.models(
            con,
            list_name=None if list_ is ListName.all else list_.value,
            region=region.value if region else None,
            org=org,
        )
    narrow = ("model_id", "region", "size_bucket", "release_date")
    emit(frame, format, title="Tracked models", raw=raw_csv, columns=columns, priority=narrow)


@app.command()
def unresolved(
    db: DbOption = None,
    format: FormatOption = OutputFormat.table,
    columns: ColumnsOption = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Organization names each source uses that the registry does not resolve, with row counts."""
    from atomscope.warehouse import queries

    with open_read(db) as con:
        frame = queries.unresolved(con)
    emit(frame, format, title="Unresolved organization names", raw=raw_csv, columns=columns)


class CandidateDecision(str, Enum):
    primary = "primary"
    extra = "extra"
    rejected = "rejected"


class AcceptList(str, Enum):
    primary = "primary"
    extra = "extra"


@app.command()
def candidates(
    db: DbOption = None,
    decision: Annotated[
        CandidateDecision | None,
        typer.Option("--decision", metavar="DECISION", help="Only this decision: primary, extra or rejected."),
    ] = None,
    format: FormatOption = OutputFormat.table,
    columns: ColumnsOption = None,
    accept: Annotated[
        list[str] | None,
        typer.Option("--accept", metavar="MODEL_ID", help="Track this candidate (repeatable, or comma-separated)."),
    ] = None,
    accept_all_kept: Annotated[
        bool, typer.Option("--accept-all-kept", help="Track every candidate the policy keeps (primary or extra).")
    ] = False,
    list_: Annotated[
        AcceptList | None,
        typer.Option(
            "--list", help="With --accept: the list to add to (overrides the policy, e.g. for a rejected one)."
        ),
    ] = None,
    raw_csv: RawCsvOption = False,
) -> None:
    """Untracked models of tracked organizations found by `collect hf`, with the policy's decision and rule.

    With --accept / --accept-all-kept they join the tracked models (added_by=discovery, added_on=today).
    """
    from atomscope.cli.common import open_write
    from atomscope.cli.output import stderr
    from atomscope.collect.hub import discovery
    from atomscope.warehouse.db import utcnow

    if accept or accept_all_kept:
        con = open_write(db)
        try:
            ids = [m.strip() for value in accept or [] for m in value.split(",") if m.strip()]
            added = discovery.accept(con, ids, today=utcnow().date(), all_kept=accept_all_kept,
                                     as_list=list_.value if list_ else None)  # fmt: skip
        finally:
            con.close()
        for model_id, list_name in added:
            stderr.print(f"tracking {model_id} ({list_name})", highlight=False)
        stderr.print(f"{len(added)} model(s) added to the tracked list", highlight=False)
        return
    with open_read(db) as con:
        frame = discovery.list_candidates(con, decision.value if decision else None)
    emit(frame, format, title="Discovery candidates", raw=raw_csv, columns=columns)
