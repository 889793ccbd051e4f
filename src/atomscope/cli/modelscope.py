"""`atomscope collect modelscope`: daily ModelScope download counts of the tracked organizations (issue 28)."""

import os
from datetime import datetime
from typing import Annotated

import typer
from rich.markup import escape

from atomscope.cli.collect import EXIT_STOPPED, collect_app, console
from atomscope.cli.common import DbOption, open_write


def register(app: typer.Typer) -> None:
    collect_app.command("modelscope")(collect_modelscope_snapshot)


def collect_modelscope_snapshot(
    db: DbOption = None,
    endpoint: Annotated[
        str | None,
        typer.Option(
            "--endpoint", help="ModelScope endpoint (default: $MODELSCOPE_ENDPOINT, else https://modelscope.cn)."
        ),
    ] = None,
    orgs: Annotated[
        str | None,
        typer.Option("--orgs", help="Comma-separated org keys to read (default: every tracked one with a namespace)."),
    ] = None,
    max_requests: Annotated[
        int | None,
        typer.Option("--max-requests", min=1, help="Stop cleanly after this many calls (exit 3); a rerun resumes."),
    ] = None,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Retries of a call on 429, 5xx and network errors.")
    ] = 4,
    timeout: Annotated[float, typer.Option("--timeout", min=1.0, help="Seconds to wait for one answer.")] = 30.0,
    snapshot_date: Annotated[
        datetime | None, typer.Option("--snapshot-date", formats=["%Y-%m-%d"], hidden=True)
    ] = None,
) -> None:
    """Snapshot ModelScope download counts of tracked organizations' namespaces and curated Hub twins.

    Uses ModelScope's official client (modelscope-hub). Each repository is committed as it is read; a
    rerun the same day adds nothing already stored and continues an interrupted run.
    """
    from atomscope.collect.modelscope import DEFAULT_ENDPOINT, ENDPOINT_ENV, CollectOptions, collect_modelscope
    from atomscope.domain.dates import check_snapshot_day

    url = endpoint or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT
    day = check_snapshot_day(snapshot_date, "--snapshot-date")
    org_list = [o.strip() for o in orgs.split(",") if o.strip()] if orgs is not None else None
    options = CollectOptions(endpoint=url, day=day, orgs=org_list, max_requests=max_requests, retries=retries,
                             timeout=timeout)  # fmt: skip
    con = open_write(db)
    try:
        with console.status(f"reading ModelScope at {url}"):
            summary = collect_modelscope(con, options)
    finally:
        con.close()
    console.print(
        f"ModelScope snapshot of {summary.snapshot_date} (run {summary.run_id}): "
        f"{len(summary.namespaces)} namespace(s), {summary.requests} call(s), {summary.stored} stored, "
        f"{summary.already_stored} already stored; {summary.mapped} with a Hub twin",
        highlight=False,
    )
    if summary.unmapped:
        console.print(f"  {len(summary.unmapped)} repository(ies) with no Hub twin (kept apart, never merged):",
                      highlight=False)  # fmt: skip
        for repo_id in summary.unmapped:
            console.print(f"    {escape(repo_id)}", highlight=False)
    if summary.not_found:
        console.print(f"  curated but not on ModelScope: {escape(', '.join(summary.not_found))}", highlight=False)
    if summary.stopped:
        console.print(f"stopped at {max_requests} calls; `atomscope collect modelscope` continues it", highlight=False)
        raise typer.Exit(EXIT_STOPPED)
