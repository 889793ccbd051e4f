"""`atomscope sources list|update|diff`: the reference sources, their versions and refreshes."""

from typing import Annotated

import typer

from atomscope.cli.common import DbOption, open_read
from atomscope.cli.output import ColumnsOption, FormatOption, OutputFormat, emit

app = typer.Typer(
    help="Reference sources (ATOM, Epoch, OSAI, MOF, LMArena): versions, refresh from upstream, diffs.",
    no_args_is_help=True,
)


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="sources")


@app.command(name="list")
def list_sources(db: DbOption = None, format: FormatOption = OutputFormat.table, columns: ColumnsOption = None) -> None:
    """Each source: upstream repository and paths (or URL), the version loaded (commit or ETag, content hash,
    bundled or fetched, when), the last upstream check, license and row count."""
    from atomscope.collect.upstream.status import sources_frame

    con = open_read(db)
    try:
        frame = sources_frame(con)
    finally:
        con.close()
    if format is OutputFormat.table:  # a terminal's width: one column per question, csv/json keep them all
        frame = _compact(frame)
    narrow = ("table", "version", "loaded", "rows", "last_check")  # what a narrow terminal shows first
    emit(frame, format, title="Reference sources", columns=columns, priority=narrow, one_line=True)


def _compact(frame):
    import pandas as pd

    def version(row) -> str:
        if row["version"] is None or pd.isna(row["version"]):
            return "not loaded"
        ref = f" @ {str(row['upstream_version'])[:7]}" if isinstance(row["upstream_version"], str) else ""
        return f"{row['version']} {row['kind']}{ref}"

    def check(row) -> str:
        if not isinstance(row["last_check"], str):
            return "never" if row["refresh"] == "yes" else "not refreshable"
        message = row["check_message"] if isinstance(row["check_message"], str) else ""
        return f"{row['last_check']}: {message}" if message else row["last_check"]

    return pd.DataFrame(
        {
            "table": frame["table"],
            "origin": frame["origin"],
            "version": frame.apply(version, axis=1),
            "sha256": frame["sha256"],
            "loaded": frame["loaded"].str.removesuffix(" UTC"),  # every time here is UTC
            "rows": frame["rows"],
            "license": frame["license"].str.split(" (", regex=False).str[0],
            "last_check": frame.apply(check, axis=1),
        }
    )


@app.command()
def update(
    names: Annotated[
        list[str] | None, typer.Argument(metavar="[NAME]...", help="Sources to refresh (default: every one).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fetch, transform and validate; show what would change, load nothing.")
    ] = False,
    github_api: Annotated[
        str | None, typer.Option("--github-api", envvar="ATOMSCOPE_GITHUB_API", help="GitHub REST API base URL.")
    ] = None,
    github_raw: Annotated[
        str | None, typer.Option("--github-raw", envvar="ATOMSCOPE_GITHUB_RAW", help="Raw-file base URL.")
    ] = None,
    url: Annotated[
        list[str] | None, typer.Option("--url", metavar="NAME=URL", help="Another URL for a URL source (epoch).")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1.0, help="Seconds per request.")] = 20.0,
    db: DbOption = None,
) -> None:
    """Fetch each source from its upstream in the upstream's format, transform it to the bundled contract,
    validate it with the same validators and load it as a new version (one transaction). An unchanged source
    costs one request. A source that fails keeps its version; the command then exits 1."""
    from atomscope.cli.common import open_write
    from atomscope.cli.output import stderr
    from atomscope.collect.upstream.http import Endpoints, UpstreamClient

    overrides = []
    for item in url or []:
        name, sep, value = item.partition("=")
        if not sep or not value:
            raise typer.BadParameter(f"{item!r}: expected NAME=URL", param_hint="--url")
        overrides.append((name, value))
    endpoints = Endpoints.from_env(github_api, github_raw, overrides)
    con = open_read(db) if dry_run else open_write(db)
    try:
        with UpstreamClient(endpoints, timeout=timeout) as client:
            results = _run_update(con, client, names, dry_run, stderr)
    finally:
        con.close()
    _print_results(results, stderr)
    if dry_run:
        _print_would_change(results)
    if any(r.failed for r in results):
        raise typer.Exit(1)


def _run_update(con, client, names, dry_run: bool, console, deadline: float | None = None, offline_stop=False):
    from atomscope.collect.upstream.update import update_sources

    with console.status("checking upstreams") as status:
        current = {"name": ""}

        def progress(name: str) -> None:
            current["name"] = name
            status.update(f"checking upstream [bold]{name}[/bold]")

        def request(url: str) -> None:
            status.update(
                f"upstream [bold]{current['name']}[/bold]: request {client.requests} ({url.rsplit('/', 1)[-1]})"
            )

        client.on_request = request
        try:
            return update_sources(
                con,
                client,
                names,
                dry_run=dry_run,
                deadline=deadline,
                stop_when_unreachable=offline_stop,
                on_progress=progress,
            )
        finally:
            client.on_request = None


_STYLE = {"updated": "green", "would update": "green", "unchanged": "dim", "failed": "red", "unreachable": "red"}


def _print_results(results, console) -> None:
    for r in results:
        style = _STYLE.get(r.status, "")
        status = f"[{style}]{r.status}[/{style}]" if style else r.status
        tail = f" ({r.requests} request{'s' if r.requests != 1 else ''})" if r.requests else ""
        console.print(f"{r.name:<22} {status}: {r.message}{tail}", highlight=False, soft_wrap=True)
        for warning in r.warnings:
            console.print(f"  [yellow]warning[/yellow]: {warning}", highlight=False, soft_wrap=True)


def _print_would_change(results, limit: int = 20) -> None:
    """The diff each would-be version makes against the loaded one (tables), or the changed lines (policy)."""
    from atomscope.collect.upstream.diff import diff_tables, render
    from atomscope.collect.upstream.update import CONTRACTS

    pending = [(key, texts) for r in results for key, texts in r.pending.items()]
    changes = [change for r in results for change in r.registry_changes]
    if changes:
        typer.echo("organization registry, aligned with ATOM's regions:")
        for change in changes:
            typer.echo(f"  {change}")
    for key, (old, new) in pending:
        if key in CONTRACTS:
            lines = render(diff_tables(CONTRACTS[key], key, old, new, ("loaded", "upstream")), limit)
        else:
            import difflib

            diff = difflib.unified_diff((old or "").splitlines(), new.splitlines(), "loaded", "upstream", lineterm="")
            lines = [f"{key}: loaded -> upstream", *(f"  {line}" for line in diff)]
        for line in lines:
            typer.echo(line)
    if pending:
        typer.echo("dry run: nothing was loaded; `atomscope sources update` without --dry-run loads it")


@app.command()
def diff(
    name: Annotated[str, typer.Argument(help="A source (atom, epoch, osai, mof, lmarena) or one of its tables.")],
    db: DbOption = None,
    format: FormatOption = OutputFormat.table,
    columns: ColumnsOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows listed per section.")] = 50,
    from_: Annotated[
        str | None, typer.Option("--from", metavar="vN", help="Compare this version of the table (see `sources list`).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="vN", help="... with this one (default: the loaded one).")
    ] = None,
) -> None:
    """What the last refresh of a source changed: models added and removed, organizations whose region
    changed, parameter and release-date corrections, new leaderboard snapshots. With --from (and --to), any two
    versions of one table."""
    import json

    from atomscope.collect.upstream.diff import diff_summary, render
    from atomscope.collect.upstream.versions_diff import last_refresh_diffs, versions_diff

    con = open_read(db)
    try:
        if from_ is None:
            diffs, notes = last_refresh_diffs(con, name)
        else:
            found = versions_diff(con, name, _version_id(from_), _version_id(to) if to else _loaded_id(con, name))
            diffs, notes = ([], found) if isinstance(found, list) else ([found], [])
    finally:
        con.close()
    if format is OutputFormat.json:
        typer.echo(json.dumps({"tables": [diff_summary(d) for d in diffs], "notes": notes}, indent=1, default=str))
        return
    for d in diffs:
        for line in render(d, limit):
            typer.echo(line)
    for note in notes:
        typer.echo(note)


RUN_BUDGET_S = 120.0  # `atomscope run` starts no further upstream after this


def refresh_for_run(db, console) -> None:
    """`atomscope run`'s bounded refresh: every source when reachable; offline, one line and the run goes on
    with what the warehouse holds (the bundled data on a fresh install). A failed source never stops the run."""
    import time

    from atomscope.cli.common import open_write
    from atomscope.collect.upstream.http import Endpoints, UpstreamClient
    from atomscope.domain.errors import AtomscopeError

    con = open_write(db)
    try:
        with UpstreamClient(Endpoints.from_env(), timeout=15.0) as client:
            deadline = time.monotonic() + RUN_BUDGET_S
            results = _run_update(con, client, None, False, console, deadline=deadline, offline_stop=True)
    except AtomscopeError as exc:  # the main job goes on with what the warehouse holds
        console.print(f"[yellow]sources not refreshed[/yellow]: {exc}", highlight=False)
        return
    finally:
        con.close()
    unreachable = [r for r in results if r.status == "unreachable"]
    if unreachable and all(r.status in ("unreachable", "not tried") for r in results):
        console.print(
            f"[yellow]sources not refreshed[/yellow] (upstream unreachable: {unreachable[0].message}); "
            "continuing with the loaded versions (`atomscope sources list`)",
            highlight=False,
        )
        return
    _print_results(results, console)


def _version_id(text: str) -> int:
    try:
        return int(text.strip().lower().removeprefix("v"))
    except ValueError:
        raise typer.BadParameter(f"{text!r}: expected a version such as v12") from None


def _loaded_id(con, name: str) -> int:
    from atomscope.collect.upstream.update import UnknownSourceError, select
    from atomscope.warehouse.versions import current_versions

    (upstream,) = select([name])
    key = name if name in upstream.produces else (upstream.produces[0] if len(upstream.produces) == 1 else None)
    version = current_versions(con).get(key) if key else None
    if version is None:
        raise UnknownSourceError(f"{name!r}: name one table that is loaded (see `atomscope sources list`)")
    return version.version_id
