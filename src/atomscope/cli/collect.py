"""`atomscope collect hf` and `atomscope import hub-dump`: the Hugging Face Hub collector."""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from atomscope.cli.common import EXIT_STOPPED, DbOption, ProgressOption, open_write
from atomscope.domain.dates import check_snapshot_day
from atomscope.domain.errors import AtomscopeError

collect_app = typer.Typer(help="Collect observations from live sources.", no_args_is_help=True)
import_app = typer.Typer(help="Import history you did not collect yourself.", no_args_is_help=True)
console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.add_typer(collect_app, name="collect")
    app.add_typer(import_app, name="import")


def _csv(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise AtomscopeError("an empty list was given")
    return items


@collect_app.command("hf")
def hf(
    db: DbOption = None,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="Hub endpoint (default: $HF_ENDPOINT, else huggingface.co)."),
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="Derivative crawl, first run only: backfill models created since this day (default: one day). "
            "Later runs continue from the stored watermark.",
        ),
    ] = None,
    max_requests: Annotated[
        int | None,
        typer.Option(
            "--max-requests", min=1, help="Stop cleanly after this many HTTP requests (exit 3); a rerun resumes."
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            "--only", help="Comma-separated parts (default: all): snapshot, availability, derivatives, discovery."
        ),
    ] = None,
    orgs: Annotated[
        str | None, typer.Option("--orgs", help="Comma-separated tracked organizations to list (default: all tracked).")
    ] = None,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a request on 5xx, timeouts and network errors.")
    ] = 5,
    backoff_base: Annotated[float, typer.Option("--backoff-base", hidden=True, min=0.0)] = 1.0,
    rate_limit_margin: Annotated[float, typer.Option("--rate-limit-margin", hidden=True, min=0.0)] = 1.0,
    snapshot_date: Annotated[
        datetime | None, typer.Option("--snapshot-date", formats=["%Y-%m-%d"], hidden=True)
    ] = None,
    progress: ProgressOption = None,
) -> None:
    """Snapshot tracked models, watch their availability, crawl new derivatives and discover candidates.

    Uses huggingface_hub with your token (HF_TOKEN or `hf auth login`; never printed). Every page is
    committed with its cursor: after an interruption, rerun the same command to continue.
    """
    from atomscope.collect.hub.client import RetryPolicy
    from atomscope.collect.hub.collect import CollectOptions, collect_hf, parse_parts
    from atomscope.collect.hub.progress import render_summary

    options = CollectOptions(
        endpoint=endpoint,
        since=check_snapshot_day(since, "--since"),
        max_requests=max_requests,
        parts=parse_parts(only),
        orgs=_csv(orgs),
        day=check_snapshot_day(snapshot_date, "--snapshot-date"),
        policy=RetryPolicy(max_retries=retries, base_wait=backoff_base, rate_limit_margin=rate_limit_margin),
        live=progress,
    )
    con = open_write(db)
    try:
        summary = collect_hf(con, options, console=console)
    finally:
        con.close()
    render_summary(console, summary)
    if summary.stopped:
        raise typer.Exit(EXIT_STOPPED)


@import_app.command("hub-dump")
def hub_dump(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .parquet or .csv dump.")],
    date: Annotated[
        datetime, typer.Option("--date", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="The day the dump describes.")
    ],
    db: DbOption = None,
    tracked_only: Annotated[
        bool, typer.Option("--tracked-only", help="Only snapshot rows of tracked models (no hub_models, no edges).")
    ] = False,
) -> None:
    """Import a dump of Hub model metadata as snapshots of that day (schema: docs/imports.md)."""
    from atomscope.collect.hub.dump import import_hub_dump
    from atomscope.collect.hub.progress import render_skips

    day = check_snapshot_day(date, "--date")
    con = open_write(db)
    try:
        summary = import_hub_dump(con, file, day, tracked_only=tracked_only)
    finally:
        con.close()
    console.print(
        f"imported {escape(str(summary.file))} as {summary.snapshot_date}: {summary.rows_read} rows read",
        highlight=False,
    )
    for table, n in summary.rows.items():
        console.print(f"  {table:<20} {n:>8} rows written", highlight=False)
    render_skips(console, summary.skipped, indent="  ")
    if not summary.all_time_counts:
        console.print("  no downloadsAllTime column: 30-day counts only (older dump)", highlight=False)
    if summary.quality:
        console.print(f"  flagged: {', '.join(summary.quality)} (kept, not interpolated through; `atomscope quality`)",
                      highlight=False)  # fmt: skip
