"""`atomscope serve`: the JSON API and the dashboard over the warehouse (read-only)."""

from typing import Annotated

import typer

from atomscope.cli.common import DbOption
from atomscope.config import resolve_db_path
from atomscope.domain.errors import AtomscopeError


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve)


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")] = 8000,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME",
            help="Also answer requests whose Host header is NAME (repeatable; default: loopback names only).",
        ),
    ] = None,
) -> None:
    """Serve the JSON API (/api, docs at /docs) and the dashboard (/) over the warehouse, read-only.

    Every metric's default view is computed before the port is bound, so once the server answers, the
    dashboard's first requests are cache hits.

    The warehouse is opened per request and read-only, so `atomscope collect` can write beside a running
    server; while a writer holds or waits for the lock, requests get the last cached answer or 503 with
    Retry-After. Only requests addressed to a loopback name (or an --allow-host name) are answered: a web
    page cannot reach the API through a DNS name of its own (DNS rebinding).
    """
    import uvicorn

    from atomscope.warehouse import db as warehouse
    from atomscope.web.app import LOOPBACK_HOSTS, create_app

    path = resolve_db_path(db)
    warehouse.connect(path, read_only=True).close()  # fail now, clearly, when there is no usable warehouse
    hosts = [*LOOPBACK_HOSTS, *(allow_host or [])]
    if host not in ("0.0.0.0", "::", "") and host not in hosts:
        hosts.append(host)  # the address it listens on is a name clients may use
    app = create_app(path, warm_cache=True, allowed_hosts=hosts)  # refuses synthetic or emulator-collected data
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: listening on {host}: the API and dashboard will be reachable from the network", err=True)
    typer.echo(
        f"atomscope: computing the default views of {path}, then serving on http://{host}:{port}/ (API docs at /docs)",
        err=True,
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    except OSError as exc:
        raise AtomscopeError(f"cannot listen on {host}:{port}: {exc}") from exc
