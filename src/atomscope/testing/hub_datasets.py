"""Dataset repositories in the Hub emulator: git history, files at revisions, downloads (SYNTHETIC files).

Served under :class:`atomscope.testing.hub.HubEmulator` (``HubEmulator(hub, datasets=DatasetHost(...))``),
shaped as the public Hub API answers and as huggingface_hub 2.4.0 reads it:

- ``GET /api/datasets/{repo}/commits/{rev}``: commits reachable from ``rev``, newest first, ``limit`` items
  per page (default ``commits_page_size``), next page through ``Link: <absolute url?cursor=...>;
  rel="next"`` with an opaque base64 cursor. Items: ``id``, ``title``, ``message``, ``authors``
  (``[{"user": ...}]``), ``date`` (ISO 8601, UTC).
- ``POST /api/datasets/{repo}/paths-info/{rev}`` (form ``paths=...`` repeated, ``expand``): the entries of
  the paths that exist at ``rev`` (missing paths are left out): ``type``, ``oid`` (git blob id), ``size``,
  ``path`` and, for LFS files, ``lfs: {oid (sha256), size, pointerSize}``.
- ``GET /api/datasets/{repo}/tree/{rev}[/{path}]``: the same entries for the files at ``rev`` (paginated
  like the commits).
- ``HEAD|GET /datasets/{repo}/resolve/{rev}/{path}``: a non-LFS file answers 200 with ``ETag`` (its blob
  id) and ``X-Repo-Commit``; an LFS file answers 302 to an absolute ``/cdn-lfs/{sha256}`` URL on
  another loopback name (127.0.0.1 <-> localhost, standing for the CDN host) with ``X-Repo-Commit``,
  ``X-Linked-Etag`` (its sha256) and ``X-Linked-Size``. ``GET /cdn-lfs/{sha256}`` serves the bytes.
- Unknown repo: 401/404 ``RepoNotFound``; unknown revision: 404 ``RevisionNotFound``; a file missing at
  a revision: 404 ``EntryNotFound``.

Every file a test serves here is SYNTHETIC (see :mod:`atomscope.testing.synthetic_hubstats`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

LFS_MIN_SIZE = 1024  # files at least this large are stored in LFS (the Hub stores *.parquet in LFS anyway)


@dataclass
class FileVersion:
    """One version of a file: its bytes are built on first use (tests hold many revisions)."""

    path: str
    make: Callable[[], bytes]
    lfs: bool | None = None  # None: LFS when .parquet/.csv or at least LFS_MIN_SIZE bytes
    _content: bytes | None = field(default=None, repr=False)

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self.make()
        return self._content

    @property
    def is_lfs(self) -> bool:
        if self.lfs is not None:
            return self.lfs
        return self.path.endswith((".parquet", ".csv")) or len(self.content) >= LFS_MIN_SIZE

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def pointer(self) -> bytes:
        return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
                f"size {len(self.content)}\n").encode()  # fmt: skip

    @property
    def blob_id(self) -> str:
        stored = self.pointer() if self.is_lfs else self.content
        return hashlib.sha1(b"blob %d\x00" % len(stored) + stored).hexdigest()  # noqa: S324 - git's blob id

    def entry(self) -> dict[str, Any]:
        item: dict[str, Any] = {"type": "file", "oid": self.blob_id, "size": len(self.content), "path": self.path}
        if self.is_lfs:
            item["lfs"] = {"oid": self.sha256, "size": len(self.content), "pointerSize": len(self.pointer())}
        return item


@dataclass
class DatasetCommit:
    sha: str
    date: datetime  # UTC
    title: str
    changes: dict[str, FileVersion | None]  # path -> new version (None: deleted)
    author: str = "synthetic-bot"


class DatasetRepo:
    """A linear git history of one dataset repository."""

    def __init__(self, repo_id: str) -> None:
        self.repo_id = repo_id
        self.commits: list[DatasetCommit] = []  # oldest first
        self._trees: list[dict[str, FileVersion]] = []

    def commit(self, when: datetime, title: str, changes: Mapping[str, FileVersion | None]) -> DatasetCommit:
        sha = hashlib.sha1(f"{self.repo_id}:{len(self.commits)}:{when.isoformat()}:{title}".encode()).hexdigest()  # noqa: S324
        tree = dict(self._trees[-1]) if self._trees else {}
        for path, version in changes.items():
            if version is None:
                tree.pop(path, None)
            else:
                tree[path] = version
        commit = DatasetCommit(sha, when, title, dict(changes))
        self.commits.append(commit)
        self._trees.append(tree)
        return commit

    def index_of(self, rev: str) -> int | None:
        if rev == "main":
            return len(self.commits) - 1 if self.commits else None
        for i, c in enumerate(self.commits):
            if c.sha == rev:
                return i
        return None

    def tree(self, index: int) -> dict[str, FileVersion]:
        return self._trees[index]


# ---------------------------------------------------------------------------- HTTP
@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Answer:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Answer(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def _error(status: int, message: str, code: str | None = None) -> Answer:
    headers = {"X-Error-Message": message, **({"X-Error-Code": code} if code else {})}
    return _json(status, {"error": message}, headers)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["offset"])


def _cdn_host(base_url: str) -> str:
    """The emulator under another loopback name: like the Hub's CDN, a host the client does not follow
    redirects to during its metadata (HEAD) call."""
    if "://127.0.0.1" in base_url:
        return base_url.replace("://127.0.0.1", "://localhost", 1)
    return base_url.replace("://localhost", "://127.0.0.1", 1)


class DatasetHost:
    """The dataset repositories an emulator serves, and how (page sizes; files counted as downloaded)."""

    def __init__(self, *repos: DatasetRepo, commits_page_size: int = 50, tree_page_size: int = 1000,
                 paths_info: bool = True) -> None:  # fmt: skip
        self.repos = {r.repo_id.casefold(): r for r in repos}
        self.commits_page_size = commits_page_size
        self.tree_page_size = tree_page_size
        self.paths_info = paths_info  # False: answer paths-info 404, as an endpoint without it would
        self.downloads: list[tuple[str, str]] = []  # (sha256, path) of every file body served
        self._lfs: dict[str, FileVersion] = {}  # sha256 -> version, for the CDN URLs handed out

    def add(self, repo: DatasetRepo) -> None:
        self.repos[repo.repo_id.casefold()] = repo

    def route(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, base_url: str,
              authorized: bool) -> Answer | None:  # fmt: skip
        """The answer to a dataset request, or None when `path` is not a dataset route."""
        if path.startswith("/cdn-lfs/"):
            return self._cdn(method, path[len("/cdn-lfs/") :], query)
        for prefix, route_kind in (("/api/datasets/", "api"), ("/datasets/", "resolve")):
            if path.startswith(prefix):
                kind = route_kind
                parts = [unquote(p) for p in path[len(prefix) :].split("/")]
                break
        else:
            return None
        if kind == "resolve":
            if len(parts) < 5 or parts[2] != "resolve":
                return None
            repo = self.repos.get(f"{parts[0]}/{parts[1]}".casefold())
            if repo is None:
                return _error(404 if authorized else 401, "Repository not found", "RepoNotFound")
            return self._resolve(repo, parts[3], "/".join(parts[4:]), base_url, method)
        if len(parts) < 4:
            return None
        repo = self.repos.get(f"{parts[0]}/{parts[1]}".casefold())
        if repo is None:
            return _error(404 if authorized else 401, "Repository not found", "RepoNotFound")
        action, rev, rest = parts[2], parts[3], "/".join(parts[4:])
        index = repo.index_of(rev)
        if index is None:
            return _error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        if action == "commits" and method == "GET":
            return self._commits(repo, index, query, base_url, path)
        if action == "paths-info" and method == "POST" and self.paths_info:
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            wanted = [v for k, v in form if k in ("paths", "paths[]")]
            tree = repo.tree(index)
            return _json(200, [tree[p].entry() for p in wanted if p in tree])
        if action == "tree" and method == "GET":
            tree = repo.tree(index)
            entries = [v.entry() for p, v in sorted(tree.items()) if not rest or p.startswith(rest.rstrip("/") + "/")]
            return self._page(entries, query, self.tree_page_size, base_url, path)
        return _error(404, "Sorry, we can't find the page you are looking for.")

    def _page(self, items: list, query: list[tuple[str, str]], size: int, base_url: str, path: str) -> Answer:
        params = dict(query)
        try:
            size = max(1, min(int(params.get("limit") or size), 1000))
            start = _offset(params.get("cursor"))
        except (ValueError, TypeError, KeyError):
            return _error(400, "Invalid limit or cursor")
        page = items[start : start + size]
        headers = {}
        if start + size < len(items):
            rest = [(k, v) for k, v in query if k != "cursor"]
            url = f"{base_url}{quote(path)}?{urlencode([*rest, ('cursor', _cursor(start + size))])}"
            headers["Link"] = f'<{url}>; rel="next"'
        return _json(200, page, headers)

    def _commits(self, repo: DatasetRepo, index: int, query, base_url: str, path: str) -> Answer:
        items = [
            {"id": c.sha, "title": c.title, "message": "", "authors": [{"user": c.author, "avatar": None}],
             "date": c.date.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
            for c in reversed(repo.commits[: index + 1])
        ]  # fmt: skip
        return self._page(items, query, self.commits_page_size, base_url, path)

    def _resolve(self, repo: DatasetRepo, rev: str, file_path: str, base_url: str, method: str) -> Answer:
        index = repo.index_of(rev)
        if index is None:
            return _error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        version = repo.tree(index).get(file_path)
        commit = repo.commits[index].sha
        if version is None:
            answer = _error(404, "Entry not found", "EntryNotFound")
            answer.headers["X-Repo-Commit"] = commit
            return answer
        if version.is_lfs:
            self._lfs[version.sha256] = version
            location = f"{_cdn_host(base_url)}/cdn-lfs/{version.sha256}?{urlencode({'path': file_path})}"
            return Answer(302, b"", {"Location": location, "X-Repo-Commit": commit,
                                     "X-Linked-Etag": f'"{version.sha256}"', "X-Linked-Size": str(len(version.content)),
                                     "ETag": f'"{version.blob_id}"'})  # fmt: skip
        if method == "GET":
            self.downloads.append((version.sha256, file_path))
        return Answer(200, version.content, {"ETag": f'"{version.blob_id}"', "X-Repo-Commit": commit,
                                             "Content-Type": "application/octet-stream"})  # fmt: skip

    def _cdn(self, method: str, sha256: str, query: list[tuple[str, str]]) -> Answer:
        version = self._lfs.get(sha256)
        if version is None:
            return _error(404, "Not found")
        if method == "GET":
            self.downloads.append((sha256, dict(query).get("path", "")))
        return Answer(200, version.content, {"ETag": f'"{sha256}"', "Content-Type": "application/octet-stream"})
