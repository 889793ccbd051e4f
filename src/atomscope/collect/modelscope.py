"""`collect modelscope`: a daily snapshot of ModelScope download counts, through ModelScope's own client.

The client is `modelscope-hub` (`modelscope_hub.HubApi`, the official SDK: pure Python over `requests`).
Its endpoint is configurable (constructor argument, else `$MODELSCOPE_ENDPOINT`, else https://modelscope.cn),
which is how tests point it at the loopback stand-in `atomscope.testing.modelscope`.

What one run reads:

1. every ModelScope namespace of a tracked organization (registry alias source `modelscope`), listed page
   by page (`HubApi.list_repos(owner=...)`, the client's window is page_number * page_size <= 3000);
2. the ModelScope repositories of the curated mapping (`modelscope_model_repos.csv`) not listed above;
3. the detail of each repository (`HubApi.get_repo`): cumulative `downloads`, likes, `created_at`,
   licence, tags. The client reads both the OpenAPI (snake_case) and the legacy (PascalCase) payloads.

Each repository's row is committed as it is read (table `modelscope_snapshots`, one row per day and
repository), so an interrupted run, or one stopped at `--max-requests`, loses nothing, and a rerun the same
day asks only for what is missing: it adds nothing already stored. The client retries 429s (honouring
Retry-After), 5xx and network errors itself, up to `retries`; past them the endpoint is unreachable
(`ModelScopeUnreachableError`, one line in the CLI). Hub twins (`sources/modelscope.py`) are resolved at
collection; unmapped repositories are stored with no twin and listed in the summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from atomscope.collect.synthetic_label import serves_synthetic
from atomscope.domain.errors import ModelScopeAnswerError, ModelScopeUnreachableError
from atomscope.sources.modelscope import name_key
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow

DEFAULT_ENDPOINT = "https://modelscope.cn"
ENDPOINT_ENV = "MODELSCOPE_ENDPOINT"
PAGE_SIZE = 50
LISTING_WINDOW = 3000  # the client refuses page_number * page_size above this

_COLUMNS = (
    "snapshot_date", "modelscope_id", "namespace", "downloads", "likes", "created_at", "license", "tags",
    "org_key", "model_id", "match", "collected_at", "endpoint", "run_id",
)  # fmt: skip


@dataclass(frozen=True)
class CollectOptions:
    endpoint: str = DEFAULT_ENDPOINT
    day: date | None = None
    orgs: list[str] | None = None  # org_keys; default: every tracked organization with a ModelScope alias
    max_requests: int | None = None
    retries: int = 4
    timeout: float = 30.0
    page_size: int = PAGE_SIZE


@dataclass
class CollectSummary:
    snapshot_date: date
    endpoint: str
    run_id: int | None = None
    namespaces: list[str] = field(default_factory=list)
    requests: int = 0
    stored: int = 0
    already_stored: int = 0
    not_found: list[str] = field(default_factory=list)  # curated repositories ModelScope does not have
    unmapped: list[str] = field(default_factory=list)  # repositories of tracked orgs with no Hub twin
    mapped: int = 0
    stopped: bool = False


class _Budget:
    def __init__(self, limit: int | None):
        self.limit, self.used = limit, 0

    def take(self) -> bool:
        if self.limit is not None and self.used >= self.limit:
            return False
        self.used += 1
        return True


def make_client(endpoint: str, *, retries: int, timeout: float) -> Any:
    """A `HubApi` bound to `endpoint`, whose OpenAPI client retries `retries` times with `timeout` seconds."""
    from modelscope_hub import HubApi, HubConfig
    from modelscope_hub._openapi import OpenAPIClient

    api = HubApi(config=HubConfig(endpoint=endpoint))
    # HubApi builds its OpenAPI client lazily with the SDK-wide retry count (5, backoff up to 16 s); a
    # collector that must give up quickly on an unreachable endpoint passes its own bound instead.
    api._openapi = OpenAPIClient(api._config, timeout=timeout, max_retries=retries + 1)
    return api


def collect_modelscope(con: duckdb.DuckDBPyConnection, options: CollectOptions, client: Any = None) -> CollectSummary:
    from modelscope_hub import NotExistError

    day = options.day or datetime.now(UTC).date()
    summary = CollectSummary(snapshot_date=day, endpoint=options.endpoint)
    api = client or make_client(options.endpoint, retries=options.retries, timeout=options.timeout)
    namespaces = _namespaces(con, options.orgs)
    summary.namespaces = [ns for ns, _org in namespaces]
    curated = dict(con.execute("SELECT modelscope_id, model_id FROM modelscope_model_repos").fetchall())
    stored = {r[0].casefold() for r in con.execute(
        "SELECT modelscope_id FROM modelscope_snapshots WHERE snapshot_date = ?", [day]).fetchall()}  # fmt: skip
    budget = _Budget(options.max_requests)
    run_id = start_run(con, "modelscope_snapshot", endpoint=options.endpoint,
                       synthetic=serves_synthetic(options.endpoint))  # fmt: skip
    summary.run_id = run_id
    resolver = _TwinResolver(con, curated)
    try:
        seen: set[str] = set()
        for repo_id in _repositories(api, namespaces, curated, options.page_size, budget, summary):
            key = repo_id.casefold()
            if key in seen:
                continue
            seen.add(key)
            if key in stored:
                summary.already_stored += 1
                continue
            if not budget.take():
                summary.stopped = True
                break
            summary.requests += 1
            try:
                info = _call(api.get_repo, repo_id, "model")
            except NotExistError:
                summary.not_found.append(repo_id)
                continue
            row = _row(info, repo_id, resolver, summary, day, options.endpoint, run_id)
            with transaction(con):
                con.execute(f"INSERT INTO modelscope_snapshots ({', '.join(_COLUMNS)}) VALUES "
                            f"({', '.join('?' for _ in _COLUMNS)})", row)  # fmt: skip
            summary.stored += 1
    except KeyboardInterrupt:
        finish_run(con, run_id, "interrupted", _details(summary))
        raise
    except Exception as exc:
        finish_run(con, run_id, "failed", {**_details(summary), "error": str(exc)[:500]})
        raise
    finish_run(con, run_id, "interrupted" if summary.stopped else "ok", _details(summary))
    return summary


def _namespaces(con: duckdb.DuckDBPyConnection, orgs: list[str] | None) -> list[tuple[str, str]]:
    """(namespace, org_key) of the tracked organizations' ModelScope namespaces."""
    rows = con.execute(
        """
        SELECT a.alias, a.org_key FROM org_aliases a
        WHERE a.source = 'modelscope' AND a.org_key IN (
            SELECT h.org_key FROM models m JOIN org_aliases h ON h.source = 'hf' AND h.alias = m.hf_org)
        ORDER BY a.org_key, a.alias
        """
    ).fetchall()
    if orgs is not None:
        known = {org for _ns, org in rows}
        unknown = sorted(set(orgs) - known)
        if unknown:
            raise ModelScopeAnswerError(
                f"--orgs: {', '.join(unknown)} is not a tracked organization with a ModelScope namespace "
                f"(alias source 'modelscope' in organization_aliases.csv)"
            )
        rows = [r for r in rows if r[1] in orgs]
    return [(str(ns), str(org)) for ns, org in rows]


def _repositories(
    api: Any, namespaces: list[tuple[str, str]], curated: dict[str, str], page_size: int, budget: _Budget,
    summary: CollectSummary,
) -> Iterator[str]:  # fmt: skip
    listed: set[str] = set()
    for namespace, _org in namespaces:
        page = 1
        while page * page_size <= LISTING_WINDOW:
            if not budget.take():
                summary.stopped = True
                return
            summary.requests += 1
            result = _call(api.list_repos, "model", owner=namespace, page_number=page, page_size=page_size)
            for info in result.items:
                repo_id = f"{info.owner}/{info.name}"
                listed.add(repo_id.casefold())
                yield repo_id
            if not result.items or page * page_size >= int(result.total_count or 0):
                break
            page += 1
    for repo_id in sorted(curated):
        if repo_id.casefold() not in listed:
            yield repo_id


def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the client, turning its transport failures into atomscope's errors (NotExistError passes)."""
    from modelscope_hub import HubError, NetworkError, NotExistError, RateLimitError, ServerError

    try:
        return method(*args, **kwargs)
    except NotExistError:
        raise
    except (NetworkError, ServerError, RateLimitError) as exc:
        raise ModelScopeUnreachableError(f"ModelScope is unreachable: {type(exc).__name__}: {exc}") from None
    except HubError as exc:
        raise ModelScopeAnswerError(f"ModelScope refused a request: {type(exc).__name__}: {exc}") from None


class _TwinResolver:
    """ModelScope repository -> (org_key, Hub twin, how): curated first, else name under the same organization."""

    def __init__(self, con: duckdb.DuckDBPyConnection, curated: dict[str, str]):
        self.curated = {k.casefold(): v for k, v in curated.items()}
        self.ms_orgs = {a.casefold(): o for a, o in con.execute(
            "SELECT alias, org_key FROM org_aliases WHERE source = 'modelscope'").fetchall()}  # fmt: skip
        self.hub = {}
        for model_id, org_key in con.execute(
            "SELECT m.model_id, h.org_key FROM models m JOIN org_aliases h ON h.source = 'hf' AND h.alias = m.hf_org"
        ).fetchall():
            self.hub.setdefault((org_key, name_key(model_id)), model_id)

    def resolve(self, repo_id: str) -> tuple[str | None, str | None, str | None]:
        org_key = self.ms_orgs.get(repo_id.split("/", 1)[0].casefold())
        if repo_id.casefold() in self.curated:
            return org_key, self.curated[repo_id.casefold()], "curated"
        twin = self.hub.get((org_key, name_key(repo_id))) if org_key else None
        return org_key, twin, "name" if twin else None


def _row(info: Any, repo_id: str, resolver: _TwinResolver, summary: CollectSummary, day: date, endpoint: str,
         run_id: int) -> tuple:  # fmt: skip
    org_key, twin, match = resolver.resolve(repo_id)
    if twin:
        summary.mapped += 1
    else:
        summary.unmapped.append(repo_id)
    return (
        day, repo_id, repo_id.split("/", 1)[0], _count(info.downloads), _count(getattr(info, "likes", None)),
        _timestamp(info.created_at), info.license or None, [str(t) for t in info.tags or []],
        org_key, twin, match, utcnow(), endpoint, run_id,
    )  # fmt: skip


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < 0:
        return None
    return int(value)


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return None


def _details(summary: CollectSummary) -> dict[str, Any]:
    return {
        "snapshot_date": summary.snapshot_date.isoformat(),
        "namespaces": summary.namespaces,
        "requests": summary.requests,
        "stored": summary.stored,
        "already_stored": summary.already_stored,
        "mapped": summary.mapped,
        "unmapped": summary.unmapped,
        "not_found": summary.not_found,
        "stopped": summary.stopped,
    }
