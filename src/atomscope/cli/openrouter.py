"""`atomscope collect openrouter` and `atomscope import openrouter`: the inference signal (issue 14)."""

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from atomscope.cli.collect import collect_app, console, import_app
from atomscope.cli.common import DbOption, open_write


def register(app: typer.Typer) -> None:
    collect_app.command("openrouter")(collect_openrouter_listing)
    import_app.command("openrouter")(import_openrouter_usage)


def collect_openrouter_listing(
    db: DbOption = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint", help="OpenRouter endpoint (default: $OPENROUTER_ENDPOINT, else https://openrouter.ai)."
        ),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1.0, help="Seconds to wait for the listing.")] = 30.0,
    listing_date: Annotated[datetime | None, typer.Option("--listing-date", formats=["%Y-%m-%d"], hidden=True)] = None,
) -> None:
    """Store today's OpenRouter models listing: slug -> Hub repository (open weights) and organization.

    One public request (GET /api/v1/models, no key). Rerunning on the same day adds nothing.
    """
    from atomscope.collect.openrouter import DEFAULT_ENDPOINT, ENDPOINT_ENV, collect_openrouter
    from atomscope.domain.dates import check_snapshot_day

    url = endpoint or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT
    check_snapshot_day(listing_date, "--listing-date")
    con = open_write(db)
    try:
        with console.status(f"fetching the OpenRouter models listing from {url}"):
            summary = collect_openrouter(con, url, day=listing_date.date() if listing_date else None, timeout=timeout)
    finally:
        con.close()
    console.print(
        f"OpenRouter listing of {summary.listing_date} (run {summary.run_id}): {summary.entries} entries, "
        f"{summary.stored} stored, {summary.already_stored} already stored; "
        f"{summary.open_weights} open weights, {summary.closed} closed",
        highlight=False,
    )
    for reason, n in sorted(summary.skipped.items()):
        console.print(f"  skipped {n} entries: {reason}", highlight=False)
    if summary.unknown_authors:
        shown = ", ".join(summary.unknown_authors[:20]) + (" ..." if len(summary.unknown_authors) > 20 else "")
        console.print(
            f"  {len(summary.unknown_authors)} author slug(s) not in the organization registry "
            f"(their open models count as 'unresolved'): {shown}",
            highlight=False,
        )


def import_openrouter_usage(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv, .json or .jsonl usage file.")],
    db: DbOption = None,
) -> None:
    """Import token usage per period and OpenRouter model (format: docs/imports.md)."""
    from atomscope.collect.openrouter_usage import import_usage, read_usage

    rows = read_usage(file)  # validated before the write lock is taken: the lock is held for the write only
    con = open_write(db)
    try:
        summary = import_usage(con, file, rows)
    finally:
        con.close()
    span = f"{summary.first_date} to {summary.last_date}" if summary.first_date else "no rows"
    console.print(
        f"imported {summary.file} (run {summary.run_id}): {summary.rows_read} rows, {span}, "
        f"{summary.models} models; {summary.inserted} written, {summary.already_stored} already stored",
        highlight=False,
    )
