"""`collect openrouter`: OpenRouter's public models listing, stored per day as slug -> Hub repository + organization.

`GET {endpoint}/api/v1/models` (no key needed) answers `{"data": [entry, ...]}`; each entry documents a model
by `id` (`author/name`, optionally `:variant` such as `:free`), `canonical_slug`, `name`, `created` (unix
seconds), `context_length`, `hugging_face_id` (the Hub repository of open-weight models; absent, null or ""
otherwise), `pricing`, `architecture`, `top_provider`, ... Fields the collector does not use are ignored and
any of them may be missing.

Per entry it stores (table `openrouter_models`, one row per listing day and id):

* hub_repo: `hugging_face_id` when it is a Hub id, else the curated mapping of the base slug
  (`openrouter_model_repos`), else NULL. open_weights = hub_repo is known: closed otherwise;
* org_key: the author slug resolved through the organization registry (alias source `openrouter`), else
  the namespace of hub_repo (alias source `hf`); NULL when neither is known (the metric reports those as
  `unresolved`, never guesses). The rule is warehouse/origin.py's `openrouter_origin`, which
  `inference_share` applies again at query time (the registry may have been reloaded since).

All of one listing is written in one transaction, recorded as a load run of kind `openrouter_listing`; a
rerun on the same day inserts nothing already stored. An entry without a usable `id` is skipped and counted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import httpx

from atomscope.domain.dates import in_window
from atomscope.domain.errors import OpenRouterListingError, OpenRouterUnreachableError
from atomscope.remote.fetch import BadAnswerError, UnreachableError, request
from atomscope.remote.guard import Limits, RemoteError, http_client
from atomscope.sources.atom import HF_ID
from atomscope.sources.openrouter import SLUG_WITH_VARIANT, author_of, base_slug
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow
from atomscope.warehouse.origin import openrouter_origin_sql

DEFAULT_ENDPOINT = "https://openrouter.ai"
ENDPOINT_ENV = "OPENROUTER_ENDPOINT"
LISTING_PATH = "/api/v1/models"
MAX_BIGINT = 2**63 - 1  # openrouter_models.context_length

_COLUMNS = (
    "listing_date",
    "model_slug",
    "base_slug",
    "author",
    "canonical_slug",
    "name",
    "hugging_face_id",
    "hub_repo",
    "hub_repo_source",
    "org_key",
    "open_weights",
    "created",
    "context_length",
    "collected_at",
    "endpoint",
    "run_id",
)


@dataclass(frozen=True)
class ListedModel:
    """One usable entry of the listing."""

    model_slug: str
    canonical_slug: str | None
    name: str | None
    hugging_face_id: str | None
    created: datetime | None
    context_length: int | None

    @property
    def base_slug(self) -> str:
        return base_slug(self.model_slug)

    @property
    def author(self) -> str:
        return author_of(self.model_slug)


@dataclass
class ListingSummary:
    listing_date: date
    endpoint: str
    run_id: int | None = None
    entries: int = 0  # entries in the listing
    stored: int = 0  # rows inserted by this run
    already_stored: int = 0  # rows of that day stored by an earlier run
    open_weights: int = 0
    closed: int = 0
    unknown_authors: list[str] = field(default_factory=list)  # author slugs the registry does not resolve
    skipped: Counter = field(default_factory=Counter)  # reason -> entries


def listing_url(endpoint: str) -> str:
    """`https://openrouter.ai` (or the API base `https://openrouter.ai/api/v1`) -> the listing's URL."""
    base = endpoint.rstrip("/")
    if base.endswith("/api/v1"):
        base = base[: -len("/api/v1")]
    return base + LISTING_PATH


def fetch_listing(endpoint: str, *, timeout: float = 30.0, client: httpx.Client | None = None) -> list[Any]:
    """The `data` array of the listing, fetched within `remote`'s bounds (deadline, size cap, no HTML);
    raises OpenRouterUnreachableError / OpenRouterListingError."""
    url = listing_url(endpoint)
    limits = replace(Limits.from_env(), read_s=timeout)
    owned = client is None
    client = client or http_client(limits, headers={"Accept": "application/json"})
    what = f"the OpenRouter models listing {url}"
    try:
        answer = request(client, url, what=what, limits=limits)
    except (UnreachableError, BadAnswerError) as exc:
        raise OpenRouterUnreachableError(str(exc)) from None
    except RemoteError as exc:
        raise OpenRouterListingError(str(exc)) from None
    finally:
        if owned:
            client.close()
    try:
        payload = answer.json(url)  # remote.fetch parses with domain.safeparse's limits
    except BadAnswerError as exc:
        raise OpenRouterListingError(str(exc)) from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise OpenRouterListingError(f"{url}: expected an object with a `data` array, got {type(payload).__name__}")
    return data


def parse_entry(entry: Any) -> ListedModel | str:
    """A ListedModel, or the reason the entry is unusable."""
    if not isinstance(entry, dict):
        return "not_an_object"
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not model_id.strip():
        return "missing:id"
    slug = model_id.strip().lower()
    if not re.fullmatch(SLUG_WITH_VARIANT, slug):
        return "unexpected_id"
    hf_id = entry.get("hugging_face_id")
    hf_id = hf_id.strip() if isinstance(hf_id, str) and re.fullmatch(HF_ID, hf_id.strip()) else None
    context_length = _whole(entry.get("context_length"))
    if context_length is not None and not 0 <= context_length <= MAX_BIGINT:
        return "context_length_out_of_range"
    return ListedModel(
        model_slug=slug,
        canonical_slug=_text(entry.get("canonical_slug")),
        name=_text(entry.get("name")),
        hugging_face_id=hf_id,
        created=_unix_time(entry.get("created")),
        context_length=context_length,
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return int(value) if float(value).is_integer() else None


def _unix_time(value: Any) -> datetime | None:
    """A creation time inside the snapshot window (domain/dates.py), else None (never stored)."""
    seconds = _whole(value)
    if seconds is None or seconds <= 0:
        return None
    try:
        when = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None
    return when if in_window(when.date()) else None


def collect_openrouter(
    con: duckdb.DuckDBPyConnection,
    endpoint: str = DEFAULT_ENDPOINT,
    *,
    day: date | None = None,
    timeout: float = 30.0,
) -> ListingSummary:
    """Fetch the listing and store it as the listing of `day` (default: today, UTC)."""
    day = day or datetime.now(UTC).date()
    summary = ListingSummary(listing_date=day, endpoint=endpoint)
    entries = fetch_listing(endpoint, timeout=timeout)  # nothing is written when this fails
    summary.entries = len(entries)
    models: dict[str, ListedModel] = {}
    for entry in entries:
        parsed = parse_entry(entry)
        if isinstance(parsed, str):
            summary.skipped[parsed] += 1
        elif parsed.model_slug in models:
            summary.skipped["duplicate_id"] += 1
        else:
            models[parsed.model_slug] = parsed
    run_id = start_run(con, "openrouter_listing", endpoint=endpoint)
    summary.run_id = run_id
    try:
        with transaction(con):
            _store(con, day, endpoint, run_id, list(models.values()), summary)
    except Exception as exc:
        finish_run(con, run_id, "failed", {"error": str(exc)})
        raise
    finish_run(con, run_id, "ok", _details(summary))
    return summary


def _store(con, day: date, endpoint: str, run_id: int, models: list[ListedModel], summary: ListingSummary) -> None:
    curated = dict(con.execute("SELECT slug, model_id FROM openrouter_model_repos").fetchall())
    earlier = con.execute("SELECT model_slug FROM openrouter_models WHERE listing_date = ?", [day]).fetchall()
    stored = {r[0] for r in earlier}
    repos: dict[str, tuple[str | None, str | None]] = {}
    for m in models:
        hub_repo, repo_source = m.hugging_face_id, "listing" if m.hugging_face_id else None
        if hub_repo is None and m.base_slug in curated:
            hub_repo, repo_source = curated[m.base_slug], "curated"
        repos[m.model_slug] = (hub_repo, repo_source)
    orgs = _org_keys(con, {(m.author, repos[m.model_slug][0]) for m in models})
    now = utcnow()
    rows = []
    for m in models:
        hub_repo, repo_source = repos[m.model_slug]
        if hub_repo:
            summary.open_weights += 1
        else:
            summary.closed += 1
        org_key = orgs.get((m.author, hub_repo))
        if org_key is None and m.author not in summary.unknown_authors:
            summary.unknown_authors.append(m.author)
        if m.model_slug in stored:
            summary.already_stored += 1
            continue
        rows.append(
            (
                day,
                m.model_slug,
                m.base_slug,
                m.author,
                m.canonical_slug,
                m.name,
                m.hugging_face_id,
                hub_repo,
                repo_source,
                org_key,
                hub_repo is not None,
                m.created,
                m.context_length,
                now,
                endpoint,
                run_id,
            )
        )
    if rows:  # one Arrow table, one INSERT: executemany took over 100 s for a 300,000-entry listing
        import pyarrow as pa

        listed = pa.table({name: [row[i] for row in rows] for i, name in enumerate(_COLUMNS)})
        con.register("_listing_rows", listed)
        try:
            columns = ", ".join(_COLUMNS)
            con.execute(f"INSERT INTO openrouter_models ({columns}) SELECT {columns} FROM _listing_rows")
        finally:
            con.unregister("_listing_rows")
    summary.stored = len(rows)
    summary.unknown_authors.sort()


def _org_keys(con, listed: set[tuple[str, str | None]]) -> dict[tuple[str, str | None], str | None]:
    """(author, hub_repo) -> org_key by warehouse/origin.py's OpenRouter rule, the one `inference_share` applies."""
    if not listed:
        return {}
    import pyarrow as pa

    pairs = list(listed)
    con.register("openrouter_listed", pa.table({"author": [a for a, _ in pairs], "hub_repo": [r for _, r in pairs]}))
    try:
        answer = con.execute(f"SELECT author, hub_repo, org_key FROM ({openrouter_origin_sql()})").fetchall()
    finally:
        con.unregister("openrouter_listed")
    return {(author, hub_repo): org_key for author, hub_repo, org_key in answer}


def _details(summary: ListingSummary) -> dict[str, Any]:
    return {
        "listing_date": summary.listing_date.isoformat(),
        "entries": summary.entries,
        "stored": summary.stored,
        "already_stored": summary.already_stored,
        "open_weights": summary.open_weights,
        "closed": summary.closed,
        "unknown_authors": summary.unknown_authors,
        "skipped": dict(summary.skipped),
    }
