"""Fetch one upstream in its own format and transform it to the bundled contracts.

`fetch_upstream` returns `Unchanged` when the upstream says nothing changed (a 304, or the head commit already
loaded: one request), else the transformed tables with the commit or ETag they came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase

from atomscope.domain.dates import in_window
from atomscope.sources.upstream import transforms
from atomscope.sources.upstream.catalog import Upstream
from atomscope.sources.upstream.formats import Transformed
from atomscope.sources.upstream.http import UpstreamClient, UpstreamError
from atomscope.warehouse.versions import plain_validator


@dataclass(frozen=True)
class Known:
    """What the warehouse already has of an upstream."""

    version: str | None  # commit id (possibly abbreviated, from SOURCES.md) or ETag last loaded
    etag: str | None  # validator of the last successful check
    texts: dict[str, str]  # source key -> current content (for incremental sources)


@dataclass(frozen=True)
class Unchanged:
    """The upstream answered 304, or its head commit is the one loaded."""

    version: str | None
    etag: str | None


@dataclass(frozen=True)
class Fetched:
    tables: list[Transformed]
    version: str  # commit id or ETag
    date: datetime | None
    etag: str | None
    files: int  # upstream files read
    documents: dict[str, str] = field(default_factory=dict)  # source key -> text of a non-table file (policy)
    origin: str | None = None  # the URL actually fetched, for a URL source (a `--url` override included)


def _matches(path: str, pattern: str) -> bool:
    return path.count("/") == pattern.count("/") and fnmatchcase(path, pattern)


def _same_commit(sha: str, known: str | None) -> bool:
    return bool(known) and len(known) >= 7 and sha.startswith(known)


def fetch_upstream(upstream: Upstream, client: UpstreamClient, known: Known) -> Fetched | Unchanged:
    if upstream.url:
        return _fetch_url(upstream, client, known)
    head = client.head_commit(upstream.repo, upstream.branch, known.etag)
    if head is None:
        return Unchanged(known.version, known.etag)
    if _same_commit(head.sha, known.version):
        return Unchanged(head.sha, head.etag)
    reader = _REPOSITORY_READERS[upstream.name]
    tables, files, documents = reader(upstream, client, head.sha, known)
    return Fetched(tables, head.sha, head.date, head.etag, files, documents)


def _fetch_url(upstream: Upstream, client: UpstreamClient, known: Known) -> Fetched | Unchanged:
    url = client.endpoints.url_for(upstream.name, upstream.url)
    response = client.conditional(url, known.etag)
    if response.text is None:
        return Unchanged(known.version, known.etag)
    name = url.rsplit("/", 1)[-1] or url
    tables = _URL_TRANSFORMS[upstream.name](name, response.text)
    version = response.etag or response.last_modified and response.last_modified.isoformat() or "no-etag"
    return Fetched(tables, plain_validator(version) or version, response.last_modified, response.etag, 1, origin=url)


def _read_files(upstream: Upstream, client: UpstreamClient, sha: str) -> dict[str, str]:
    """Every file of `upstream.paths` at `sha` (globs listed from the tree)."""
    if any(ch in p for p in upstream.paths for ch in "*?["):
        try:
            tree = client.tree(upstream.repo, sha)
        except UpstreamError as exc:
            if exc.status != 404:
                raise
            folders = sorted({p.rpartition("/")[0] for p in upstream.paths})
            tree = [path for folder in folders for path in client.directory(upstream.repo, sha, folder)]
        paths = [p for p in tree if any(_matches(p, pattern) for pattern in upstream.paths)]
        if not paths:
            raise UpstreamError(f"github.com/{upstream.repo}@{sha[:12]}: no file matches {', '.join(upstream.paths)}")
    else:
        paths = list(upstream.paths)
    return {path: client.raw(upstream.repo, sha, path) for path in paths}


def _files_reader(transform: Callable[[dict[str, str]], list[Transformed]]):
    def read(upstream: Upstream, client: UpstreamClient, sha: str, known: Known):
        files = _read_files(upstream, client, sha)
        return transform(files), len(files), {}

    return read


def _atom(upstream: Upstream, client: UpstreamClient, sha: str, known: Known):
    files = _read_files(upstream, client, sha)
    from atomscope.sources.upstream.policy_check import check_policy

    policy = files["policy/model_policy.yml"]
    check_policy("policy/model_policy.yml", policy)
    return transforms.atom_tables(files), len(files), {"atom_tracking_policy": policy}


def _lmarena(upstream: Upstream, client: UpstreamClient, sha: str, known: Known):
    """New snapshots only: commits of the file since the last loaded day (that day is read again, as a later
    commit the same day replaces it)."""
    (path,) = upstream.paths
    current = known.texts.get("lmarena_text_history")
    last_day = _last_snapshot_day(current)
    commits = client.path_commits(upstream.repo, sha, path, stop_before=last_day)
    latest_per_day: dict[date, str] = {}
    for commit in commits:  # newest first: keep the first seen per day
        if commit.date is None:
            raise UpstreamError(f"github.com/{upstream.repo}: commit {commit.sha[:12]} has no date")
        day = commit.date.date()  # UTC
        if not in_window(day):  # a snapshot dated 2999 (or 0001) would be stored as that day: refuse it
            raise UpstreamError(f"github.com/{upstream.repo}: commit {commit.sha[:12]} is dated {day}, outside "
                                "2015-01-01 .. tomorrow; refused")  # fmt: skip
        if last_day is None or day >= last_day:
            latest_per_day.setdefault(day, commit.sha)
    snapshots = [
        transforms.Snapshot(day, commit, path, client.raw(upstream.repo, commit, path))
        for day, commit in sorted(latest_per_day.items())
    ]
    return transforms.lmarena_tables(snapshots, current), len(snapshots), {}


def _last_snapshot_day(text: str | None) -> date | None:
    if not text:
        return None
    days = [line.split(",", 1)[0] for line in text.splitlines()[1:] if line]
    return max(date.fromisoformat(d) for d in days) if days else None


_REPOSITORY_READERS = {
    "atom": _atom,
    "osai": _files_reader(transforms.osai_tables),
    "mof": _files_reader(transforms.mof_tables),
    "lmarena": _lmarena,
}

_URL_TRANSFORMS = {"epoch": transforms.epoch_tables}
