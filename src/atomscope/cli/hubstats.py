"""`atomscope import hub-stats` (history from the public hub-stats dataset) and `atomscope quality`."""

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from atomscope.cli.collect import import_app
from atomscope.cli.common import EXIT_STOPPED, DbOption, ProgressOption, open_read, open_write

console = Console(stderr=True)
EXIT_FAILED = 1  # some revisions could not be imported (recorded; the others are in)


def register(app: typer.Typer) -> None:
    import_app.command("hub-stats")(hub_stats)
    app.command("quality")(quality_command)


def hub_stats(
    db: DbOption = None,
    repo: Annotated[
        str,
        typer.Option("--repo", show_default=False, help="The dataset repository (default: cfahlgren1's hub-stats)."),
    ] = "cfahlgren1/hub-stats",
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="First day (default: the first commit)."
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(
            "--until", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Last day (default: the last commit)."
        ),
    ] = None,
    every: Annotated[
        str,
        typer.Option(
            "--every",
            help="One snapshot per day, week or month: the first revision of the period that changed the models file.",
        ),
    ] = "month",
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="Hub endpoint (default: $HF_ENDPOINT, else huggingface.co)."),
    ] = None,
    max_files: Annotated[
        int | None,
        typer.Option("--max-files", min=1, help="Import at most this many revisions (exit 3); a rerun continues."),
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-bytes", min=1, help="Read at most this many bytes (footers included; exit 3); a rerun continues."
        ),
    ] = None,
    retry_invalid: Annotated[
        bool,
        typer.Option("--retry-invalid", help="Fetch again the revisions recorded invalid (`atomscope quality`)."),
    ] = False,
    progress: ProgressOption = None,
) -> None:
    """Import Hub download history from the git history of the public hub-stats dataset (docs/imports.md).

    Reads each Parquet revision by column with HTTP range requests (the footer, then only the columns
    needed; whole files for the CSV era or a server that ignores Range) and prints the plan first. Uses
    huggingface_hub with HF_TOKEN when set. Each revision is one transaction and is recorded: a rerun
    reads only what is missing, an interrupted run resumes. Please cite the dataset.
    """
    from atomscope.collect.hubstats.importer import HubStatsOptions, import_hubstats, scratch_for
    from atomscope.collect.hubstats.revisions import EVERY
    from atomscope.config import resolve_db_path
    from atomscope.domain.dates import check_order, check_snapshot_day
    from atomscope.domain.errors import AtomscopeError

    if every not in EVERY:
        raise AtomscopeError(f"--every must be one of {', '.join(EVERY)}, not {every!r}")
    check_order(since, until)
    check_snapshot_day(since, "--since")
    check_snapshot_day(until, "--until")
    options = HubStatsOptions(
        repo=repo, since=since.date() if since else None, until=until.date() if until else None, every=every,
        endpoint=endpoint,
        max_files=max_files, max_bytes=max_bytes, work_dir=scratch_for(resolve_db_path(db)), live=progress,
        retry_invalid=retry_invalid,
    )  # fmt: skip
    con = open_write(db)
    try:
        summary = import_hubstats(con, options, console)
    finally:
        con.close()
    code = render_summary(summary)
    if code:
        raise typer.Exit(code)


def render_summary(summary) -> int:
    """Print the summary; returns the exit code (0, EXIT_FAILED, EXIT_STOPPED)."""
    imported, done = summary.count("imported"), summary.count("done")
    console.print(
        f"hub-stats {escape(summary.repo)} at {escape(summary.endpoint)}: {imported} revision(s) imported, "
        f"{done} already done, {len(summary.failed)} failed, {summary.downloaded_bytes / 1e6:.1f} MB read of the "
        f"{summary.file_bytes / 1e6:.1f} MB the files hold",
        highlight=False,
    )
    for o in summary.outcomes:
        if o.status == "imported" and o.quality:
            console.print(f"  {o.snapshot_date} flagged: {', '.join(o.quality)} (see `atomscope quality`)")
    for line in summary.refused:
        console.print(f"  [yellow]refused[/yellow] {escape(line)}", soft_wrap=True, highlight=False)
    if summary.empty_periods:
        console.print(f"  {len(summary.empty_periods)} period(s) without a new models file", highlight=False)
    for o in summary.failed:
        console.print(f"  [red]{o.status}[/red] {o.snapshot_date} {o.path} @ {o.revision[:12]}: "
                      f"{escape(o.reason or '')}", soft_wrap=True)  # fmt: skip
    if summary.failed:
        return EXIT_FAILED
    if summary.stopped:
        console.print(f"stopped at {summary.stopped}; rerun to continue")
        return EXIT_STOPPED
    return 0


def quality_command(db: DbOption = None) -> None:
    """List imported snapshots flagged by source-quality checks (rollback, stall, partial) and failed
    hub-stats revisions. Flagged snapshots stay in the warehouse but are never interpolated through."""
    con = open_read(db)
    try:
        flags = con.execute("SELECT snapshot_date, flag, reason, source FROM snapshot_quality ORDER BY 1, 2").fetchall()
        failed = con.execute(
            "SELECT snapshot_date, status, path, revision, reason FROM hubstats_revisions"
            " WHERE status <> 'ok' ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    out = Console()
    table = Table(title=f"Snapshot quality flags ({len(flags)})")
    for column in ("snapshot", "flag", "reason", "source"):
        table.add_column(column)
    for day, flag, reason, source in flags:
        table.add_row(str(day), flag, escape(reason), escape(source))
    out.print(table)
    if failed:
        bad = Table(title=f"hub-stats revisions not imported ({len(failed)})")
        for column in ("snapshot", "status", "file", "revision", "reason"):
            bad.add_column(column)
        for day, status, path, revision, reason in failed:
            bad.add_row(str(day), status, path, revision[:12], escape(reason or ""))
        out.print(bad)
    if not flags and not failed:
        out.print("no imported snapshot is flagged")
