"""Fetch one upstream in its own format and transform it to the bundled contracts.

`fetch_upstream` returns `Unchanged` when the upstream says nothing changed (a 304, the head commit already
loaded, or a head whose tree id is the one loaded: one request), else the transformed tables with the commit
or ETag they came from. A moved head costs one tree request plus one request per file whose blob id changed:
the files of the last fetch are kept by blob id (`Known.blobs`, table `upstream_files`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from fnmatch import fnmatchcase

from atomscope.collect.upstream import transforms
from atomscope.collect.upstream.formats import Transformed
from atomscope.collect.upstream.http import Commit, UpstreamClient, UpstreamError
from atomscope.domain.dates import in_window
from atomscope.sources.upstream_catalog import Upstream
from atomscope.warehouse.versions import plain_validator


@dataclass(frozen=True)
class Known:
    """What the warehouse already has of an upstream."""

    version: str | None  # commit id (possibly abbreviated, from SOURCES.md) or ETag last loaded
    etag: str | None  # validator of the last successful check
    texts: dict[str, str]  # source key -> current content (for incremental sources)
    tree: str | None = None  # tree id of the commit the loaded versions were read from
    blobs: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (blob id, text) of that fetch


@dataclass(frozen=True)
class Unchanged:
    """The upstream answered 304, or its head commit is the one loaded."""

    version: str | None
    etag: str | None
    tree: str | None = None


@dataclass(frozen=True)
class Fetched:
    tables: list[Transformed]
    version: str  # commit id or ETag
    date: datetime | None
    etag: str | None
    files: int  # upstream files read
    documents: dict[str, str] = field(default_factory=dict)  # source key -> text of a non-table file (policy)
    origin: str | None = None  # the URL actually fetched, for a URL source (a `--url` override included)
    tree: str | None = None  # the head commit's tree id
    blobs: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (blob id, text) read


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
    if _same_commit(head.sha, known.version) or (head.tree and head.tree == known.tree):
        return Unchanged(head.sha, head.etag, head.tree)
    reader = _REPOSITORY_READERS[upstream.name]
    tables, files, documents, blobs = reader(upstream, client, head, known)
    return Fetched(tables, head.sha, head.date, head.etag, files, documents, tree=head.tree, blobs=blobs)


def _fetch_url(upstream: Upstream, client: UpstreamClient, known: Known) -> Fetched | Unchanged:
    url = client.endpoints.url_for(upstream.name, upstream.url)
    response = client.conditional(url, known.etag)
    if response.text is None:
        return Unchanged(known.version, known.etag)
    name = url.rsplit("/", 1)[-1] or url
    tables = _URL_TRANSFORMS[upstream.name](name, response.text)
    version = response.etag or response.last_modified and response.last_modified.isoformat() or "no-etag"
    return Fetched(tables, plain_validator(version) or version, response.last_modified, response.etag, 1, origin=url)


@dataclass(frozen=True)
class _Files:
    texts: dict[str, str]  # path -> text, every file the upstream's paths match
    blobs: dict[str, tuple[str, str]]  # path -> (blob id, text), where the listing gave a blob id
    downloaded: int  # files actually requested (the others had the blob id read last time)


def _read_files(upstream: Upstream, client: UpstreamClient, sha: str, known: Known) -> _Files:
    """Every file of `upstream.paths` at `sha` (globs matched against the tree). A file whose blob id is the
    one read last time is taken from `known.blobs`, not downloaded again."""
    try:
        tree = client.tree(upstream.repo, sha)
    except UpstreamError as exc:
        if exc.status != 404:
            raise
        folders = sorted({p.rpartition("/")[0] for p in upstream.paths})
        tree = {path: blob for folder in folders for path, blob in client.directory(upstream.repo, sha, folder).items()}
    paths = sorted(p for p in tree if any(_matches(p, pattern) for pattern in upstream.paths))
    missing = [p for p in upstream.paths if not any(ch in p for ch in "*?[") and p not in tree]
    if missing or not paths:
        where = f"github.com/{upstream.repo}@{sha[:12]}"
        raise UpstreamError(f"{where}: no file matches {', '.join(missing or upstream.paths)}")
    texts, blobs, downloaded = {}, {}, 0
    for path in paths:
        blob, cached = tree[path], known.blobs.get(path)
        if blob and cached and cached[0] == blob:
            texts[path] = cached[1]
        else:
            texts[path] = client.raw(upstream.repo, sha, path)
            downloaded += 1
        if blob:
            blobs[path] = (blob, texts[path])
    return _Files(texts, blobs, downloaded)


def _files_reader(transform: Callable[[dict[str, str]], list[Transformed]]):
    def read(upstream: Upstream, client: UpstreamClient, head: Commit, known: Known):
        files = _read_files(upstream, client, head.sha, known)
        return transform(files.texts), files.downloaded, {}, files.blobs

    return read


def _atom(upstream: Upstream, client: UpstreamClient, head: Commit, known: Known):
    files = _read_files(upstream, client, head.sha, known)
    from atomscope.collect.upstream.policy_check import check_policy

    policy = files.texts["policy/model_policy.yml"]
    check_policy("policy/model_policy.yml", policy)
    return transforms.atom_tables(files.texts), files.downloaded, {"atom_tracking_policy": policy}, files.blobs


# fboulnois/llm-leaderboard-csv's workflow names the leaderboard version it wrote in the commit message
# ('auto: update csv outputs to version 2025.08.04'); several versions can land the same day.
_VERSION = re.compile(r"\bversion (\d{4})[.-](\d{2})[.-](\d{2})\b")


def version_day(commit: Commit) -> date:
    """A leaderboard version's own date: the version its commit names, else the commit's UTC date."""
    found = _VERSION.search(commit.message)
    if found:
        try:
            return date(*(int(part) for part in found.groups()))
        except ValueError:
            pass
    assert commit.date is not None
    return commit.date.date()


def leaderboard_versions(repo: str, commits: list[Commit]) -> dict[date, Commit]:
    """The commit of each leaderboard version among `commits` (newest first): versions dated by `version_day`,
    the latest commit of a version winning. Shared by the refresh and the bundled history's build
    (`lmarena_build`), so both date the same commit the same way."""
    latest: dict[date, Commit] = {}
    for commit in commits:
        if commit.date is None:
            raise UpstreamError(f"github.com/{repo}: commit {commit.sha[:12]} has no date")
        day = version_day(commit)
        if not in_window(day):  # a snapshot dated 2999 (or 0001) would be stored as that day: refuse it
            raise UpstreamError(f"github.com/{repo}: commit {commit.sha[:12]} is dated {day}, outside "
                                "2015-01-01 .. tomorrow; refused")  # fmt: skip
        latest.setdefault(day, commit)
    return latest


def _lmarena(upstream: Upstream, client: UpstreamClient, head: Commit, known: Known):
    """New versions only: the commits of the file since the day of the last loaded version, each dated by its
    own version (`version_day`); a version already loaded is not read again, except the last one (a later
    commit of the same version replaces it)."""
    (path,) = upstream.paths
    current = known.texts.get("lmarena_text_history")
    loaded = _snapshot_days(current)
    last_day = max(loaded) if loaded else None
    commits = client.path_commits(upstream.repo, head.sha, path, stop_before=last_day)
    # older than anything new (the listing's last page runs past it)
    recent = [c for c in commits if last_day is None or c.date is None or c.date.date() >= last_day]
    versions = leaderboard_versions(upstream.repo, recent)
    latest = {day: c.sha for day, c in versions.items() if day not in loaded or day == last_day}
    snapshots = []
    for day, sha in sorted(latest.items()):
        try:
            snapshots.append(transforms.Snapshot(day, sha, path, client.raw(upstream.repo, sha, path)))
        except UpstreamError as exc:
            if exc.status != 404:  # 404: the commit deleted the file (the repository renamed it)
                raise
    return transforms.lmarena_tables(snapshots, current), len(snapshots), {}, {}


def _snapshot_days(text: str | None) -> set[date]:
    if not text:
        return set()
    return {date.fromisoformat(line.split(",", 1)[0]) for line in text.splitlines()[1:] if line}


_REPOSITORY_READERS = {
    "atom": _atom,
    "osai": _files_reader(transforms.osai_tables),
    "mof": _files_reader(transforms.mof_tables),
    "lmarena": _lmarena,
}

_URL_TRANSFORMS = {"epoch": transforms.epoch_tables}
