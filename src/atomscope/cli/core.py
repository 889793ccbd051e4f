"""`atomscope init` and `atomscope query`."""

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from atomscope.cli.common import DbOption, open_read, open_write
from atomscope.cli.output import FormatOption, OutputFormat, RawCsvOption
from atomscope.cli.query_run import QueryLimits
from atomscope.config import resolve_db_path
from atomscope.domain.errors import AtomscopeError, HubUnreachableError, ReadOnlyQueryError

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command(context_settings={"ignore_unknown_options": True})(query)  # SQL may start with `--`
    app.command(name="run")(run_main)


def run_main(
    db: DbOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("atomscope-report"),
    collect: Annotated[
        bool, typer.Option("--collect/--no-collect", help="Try a bounded Hub collection before the report.")
    ] = True,
    max_requests: Annotated[
        int, typer.Option("--max-requests", min=1, help="Request cap of the Hub collection (resumable).")
    ] = 300,
    backfill: Annotated[
        bool,
        typer.Option(
            "--backfill/--no-backfill",
            help="With under 12 months of Hub history, first import "
            "monthly revisions of the last 24 months from the public hub-stats dataset.",
        ),
    ] = True,
    refresh: Annotated[
        bool, typer.Option("--refresh/--no-refresh", help="Refresh the reference sources first (bounded).")
    ] = True,
) -> None:
    """The main job: initialise the warehouse, refresh the reference sources and collect from the Hub when
    reachable, build the report."""
    init(db)
    if refresh:
        from atomscope.cli.sources import refresh_for_run

        refresh_for_run(db, console)
    con = open_read(db)
    try:
        summary_table(con)
    finally:
        con.close()
    reached = None  # whether the Hub answered (None: not asked)
    if collect:
        if backfill:
            reached = try_backfill(db)
        reached = _try_collect(db, max_requests) and reached is not False
    from atomscope.cli.metric import keep_default_plans
    from atomscope.cli.report import report

    report(db=db, out=out)
    keep_default_plans(db)  # the first `atomscope metric NAME` after this run has nothing to compile
    next_steps(out, db, offline=reached is False)


def next_steps(out: Path, db: Path | None, offline: bool) -> None:
    """The last lines of `atomscope run`: where the report is, how to see the dashboard and, when the Hub
    could not be reached, how to add the download history later. Each command or path sits whole on its own
    line under what it does, so it can be copied even when it is wider than the terminal."""
    steps = [
        ("the report: open it in a browser", str((out / "index.html").resolve())),
        ("the dashboard, at http://127.0.0.1:8000", "atomscope serve" + (f" --db {db}" if db else "")),
    ]
    console.print("\n[bold]next:[/bold]", highlight=False)
    _print_steps(steps)
    if offline:
        console.print(
            "[bold]offline:[/bold] the Hub could not be reached, so the report has no download history yet; "
            "add it later (docs/imports.md):",
            highlight=False,
        )
        _print_steps(
            [
                ("today's snapshot, once the Hub is reachable", "atomscope collect hf"),
                ("up to two years of monthly history, once the Hub is reachable", "atomscope import hub-stats"),
                ("a Hub metadata dump, without a network", "atomscope import hub-dump FILE --date D"),
            ]
        )


def _print_steps(steps: list[tuple[str, str]]) -> None:
    for what, command in steps:
        console.print(f"  {escape(what)}", highlight=False)
        console.print(f"    {escape(command)}", highlight=False, soft_wrap=True)  # never wrapped nor cut


def try_backfill(db) -> bool | None:
    """Day-one history from the hub-stats dataset when the warehouse holds little; an unreachable Hub or a
    failed revision is reported and the main job goes on (`atomscope import hub-stats` continues it).
    False when the Hub could not be reached, None when it was not asked."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from atomscope.cli.hubstats import render_summary
    from atomscope.collect.hubstats.backfill import WANTED_MONTHS, backfill_options, history_months
    from atomscope.collect.hubstats.importer import import_hubstats, scratch_for
    from atomscope.domain.errors import AtomscopeError

    con = open_write(db)
    try:
        months = history_months(con)
        if months >= WANTED_MONTHS:
            return None
        options = replace(backfill_options(datetime.now(UTC).date()), work_dir=scratch_for(resolve_db_path(db)))
        held = f"{months} month{'' if months == 1 else 's'}" if months else "no month"
        console.print(
            f"the warehouse holds {held} of Hub history; asking the public {options.repo} dataset for monthly "
            f"revisions since {options.since} (cite it)",
            highlight=False,
        )
        summary = import_hubstats(con, options, console)
    except HubUnreachableError as exc:
        console.print(f"[yellow]no history backfill:[/yellow] {escape(str(exc))}", highlight=False)
        return False
    except AtomscopeError as exc:
        console.print(f"[yellow]history backfill failed:[/yellow] {escape(str(exc))}", highlight=False)
        return True
    finally:
        con.close()
    render_summary(summary)
    retried = [o for o in summary.failed if o.status == "error"]  # an `invalid` file is never fetched again
    if retried or summary.stopped:
        console.print("the backfill is incomplete; `atomscope import hub-stats --since "
                      f"{options.since}` continues it")  # fmt: skip
    elif summary.failed:
        console.print(f"{len(summary.failed)} revision(s) hold a file that cannot be read and are left out "
                      "(`atomscope quality` lists them); the rest of the history is imported")  # fmt: skip
    return True


def _try_collect(db, max_requests: int) -> bool:
    """A bounded Hub collection; an unreachable Hub is a one-line skip, not a failure of the main job."""
    from atomscope.collect.hub.client import RetryPolicy
    from atomscope.collect.hub.collect import CollectOptions, collect_hf
    from atomscope.collect.hub.progress import render_summary

    options = CollectOptions(max_requests=max_requests, policy=RetryPolicy(max_retries=1, timeout=20.0))
    con = open_write(db)
    try:
        summary = collect_hf(con, options, console=console)
    except AtomscopeError as exc:  # unreachable, or an answer refused: one line, and the report goes on
        console.print(f"[yellow]skipped the Hub collection:[/yellow] {escape(str(exc))}", highlight=False)
        return False
    finally:
        con.close()
    render_summary(console, summary)
    if summary.stopped:
        console.print(f"collection stopped at {max_requests} requests; `atomscope collect hf` continues it")
    return True


def init(db: DbOption = None) -> None:
    """Create or upgrade the warehouse and load the bundled datasets (validated, in one transaction)."""
    from atomscope.warehouse.load import load_bundled

    path = resolve_db_path(db)
    con = open_write(path)
    try:
        with console.status("validating and loading the bundled data"):
            summary = load_bundled(con)
        console.print(
            f"warehouse [bold]{escape(str(path))}[/bold] ready (schema and bundled data, run {summary.run_id})"
        )
        for key, rows in summary.rows.items():
            console.print(f"  {key:<32} {rows:>6} rows")
    finally:
        con.close()


def query(
    sql: Annotated[
        str,
        typer.Argument(
            help="Read-only SQL (SELECT, WITH, FROM, PIVOT, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN, CALL, PRAGMA); "
            "`-` reads it from stdin. SQL may start with a `--` comment; `--` alone ends the options: "
            'atomscope query -f json -- "-- note ..."'
        ),
    ],
    db: DbOption = None,
    format: FormatOption = OutputFormat.table,
    raw_csv: RawCsvOption = False,
    max_rows: Annotated[
        int, typer.Option("--max-rows", min=0, help="Print at most this many rows (0: no limit).")
    ] = QueryLimits.max_rows,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0, help="Stop the query after this many seconds (0: no limit).")
    ] = QueryLimits.timeout_s,
) -> None:
    """Run read-only SQL against the warehouse; a statement that writes is refused.

    The warehouse is opened read-only, with file access and configuration changes switched off. Lists,
    structs, intervals, NaN and infinities print in every format; JSON output is always valid JSON.
    Rows are streamed in batches; --max-rows and --timeout bound the work, and Ctrl-C stops the query.
    """
    from atomscope.cli.output import emit_rows
    from atomscope.cli.query_run import QueryRun, QueryStoppedError

    if sql == "-":
        sql = sys.stdin.read()
    statements = read_only_statements(sql)
    con = open_read(db)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET enable_external_access = false")  # no COPY TO / ATTACH / file reads either
        con.execute("SET lock_configuration = true")  # and no statement may switch that back on
        run = QueryRun(con, statements, QueryLimits(max_rows=max_rows, timeout_s=timeout)).start()
        try:
            shown = emit_rows(run.columns, run.batches(), format, raw=raw_csv)
        except KeyboardInterrupt:
            raise QueryStoppedError("interrupted (Ctrl-C); the query was stopped") from None
        if run.truncated:
            console.print(
                f"[yellow]note:[/yellow] the first {shown:,} rows only (--max-rows {max_rows}); "
                "--max-rows 0 prints them all",
                highlight=False,
            )
    finally:
        con.close()


_READ_STATEMENTS = {"SELECT", "EXPLAIN", "PRAGMA", "CALL"}
_PIVOT = re.compile(r"\b(UN)?PIVOT(_WIDER|_LONGER)?\b", re.IGNORECASE)


def read_only_statements(sql: str) -> list:
    """The statements of `sql`, or ReadOnlyQueryError when one of them could write.

    DuckDB parses a PIVOT without an explicit IN list as MULTI (it creates an enum, then selects); that one
    is accepted. The connection is read-only in any case: this check only gives a clear message early.
    """
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReadOnlyQueryError(f"cannot parse the query: {str(exc).splitlines()[0]}") from None
    if not statements:
        raise ReadOnlyQueryError("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in _READ_STATEMENTS and not (kind == "MULTI" and _PIVOT.search(statement.query)):
            raise ReadOnlyQueryError(f"`atomscope query` is read-only: a {kind} statement is refused")
    return statements


def summary_table(con) -> None:
    """Print tracked models per region and list, from the warehouse."""
    from rich.table import Table

    from atomscope.warehouse.queries import models_by_region

    rows = models_by_region(con)
    table = Table(title="Tracked open models by ATOM region")
    for column in ("region", "primary", "extra", "HF namespaces"):
        table.add_column(column, justify="right" if column != "region" else "left")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    Console().print(table)
