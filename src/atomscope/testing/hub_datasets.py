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
- ``GET /api/datasets/{repo}/revision/{rev}``: the repository at ``rev`` (``id``, ``sha``, ``siblings``),
  as ``HfApi.repo_info`` (and so ``HfFileSystem``) asks it.
- ``HEAD|GET /datasets/{repo}/resolve/{rev}/{path}``: a non-LFS file answers 200 with ``ETag`` (its blob
  id) and ``X-Repo-Commit``; an LFS file answers 302 to an absolute ``/cdn-lfs/{sha256}`` URL on
  another loopback name (127.0.0.1 <-> localhost, standing for the Hub's CDN / Xet storage host: the
  client drops the ``Authorization`` header on that cross-origin redirect) with ``X-Repo-Commit``,
  ``X-Linked-Etag`` (its sha256) and ``X-Linked-Size``. ``GET /cdn-lfs/{sha256}`` serves the bytes.
- File bodies honour one ``Range: bytes=a-b`` / ``a-`` / ``-n`` (206 with ``Content-Range``; 416 with
  ``Content-Range: bytes */size`` when it starts past the end; ``Accept-Ranges: bytes``); ``HEAD`` answers
  the size (``Content-Length``) and ``ETag``. With ``range_requests=False`` the host is a server that
  ignores ``Range`` (200 and the whole body). Every body byte served is counted (``bytes_served``,
  ``served``), by the server, whatever the client believes it read.
- Unknown repo: 401/404 ``RepoNotFound``; unknown revision: 404 ``RevisionNotFound``; a file missing at
  a revision: 404 ``EntryNotFound``.

Every file a test serves here is SYNTHETIC (see :mod:`atomscope.testing.synthetic_hubstats`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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
    def size(self) -> int:
        return len(self.content)

    def read(self, start: int, length: int) -> bytes:
        return self.content[start : start + length]

    @property
    def is_lfs(self) -> bool:
        if self.lfs is not None:
            return self.lfs
        return self.path.endswith((".parquet", ".csv")) or self.size >= LFS_MIN_SIZE

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def pointer(self) -> bytes:
        return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
                f"size {self.size}\n").encode()  # fmt: skip

    @property
    def blob_id(self) -> str:
        stored = self.pointer() if self.is_lfs else self.content
        return hashlib.sha1(b"blob %d\x00" % len(stored) + stored).hexdigest()  # noqa: S324 - git's blob id

    def entry(self) -> dict[str, Any]:
        item: dict[str, Any] = {"type": "file", "oid": self.blob_id, "size": self.size, "path": self.path}
        if self.is_lfs:
            item["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": len(self.pointer())}
        return item


class DiskFileVersion(FileVersion):
    """A large file version kept on disk (benchmarks): ranges are read from the file, never all of it."""

    def __init__(self, path: str, disk: Path) -> None:
        super().__init__(path, disk.read_bytes, lfs=True)
        self.disk = disk
        digest = hashlib.sha256()
        with disk.open("rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
        self._sha256 = digest.hexdigest()

    @property
    def content(self) -> bytes:  # only for whole-file answers: not cached
        return self.disk.read_bytes()

    @property
    def size(self) -> int:
        return self.disk.stat().st_size

    @property
    def sha256(self) -> str:
        return self._sha256

    def read(self, start: int, length: int) -> bytes:
        with self.disk.open("rb") as handle:
            handle.seek(start)
            return handle.read(length)


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
                 paths_info: bool = True, range_requests: bool = True) -> None:  # fmt: skip
        self.repos = {r.repo_id.casefold(): r for r in repos}
        self.commits_page_size = commits_page_size
        self.tree_page_size = tree_page_size
        self.paths_info = paths_info  # False: answer paths-info 404, as an endpoint without it would
        self.range_requests = range_requests  # False: a server that ignores Range (200, whole body)
        self.downloads: list[tuple[str, str]] = []  # (sha256, path) of every WHOLE file body served
        self.served: list[Served] = []  # every file body served, whole or a range
        self._lfs: dict[str, FileVersion] = {}  # sha256 -> version, for the CDN URLs handed out
        self._lock = threading.Lock()

    @property
    def bytes_served(self) -> int:
        """Body bytes of every file answer so far (whole files and ranges), counted by the server."""
        with self._lock:
            return sum(s.length for s in self.served)

    def bytes_of(self, sha256: str) -> int:
        """Body bytes served of one file (by its sha256)."""
        with self._lock:
            return sum(s.length for s in self.served if s.sha256 == sha256)

    def add(self, repo: DatasetRepo) -> None:
        self.repos[repo.repo_id.casefold()] = repo

    def route(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, base_url: str,
              authorized: bool, headers: Mapping[str, str] | None = None) -> Answer | None:  # fmt: skip
        """The answer to a dataset request, or None when `path` is not a dataset route."""
        wanted = _header(headers, "Range")
        if path.startswith("/cdn-lfs/"):
            return self._cdn(method, path[len("/cdn-lfs/") :], query, wanted)
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
            return self._resolve(repo, parts[3], "/".join(parts[4:]), base_url, method, wanted)
        if len(parts) < 4:
            return None
        repo = self.repos.get(f"{parts[0]}/{parts[1]}".casefold())
        if repo is None:
            return _error(404 if authorized else 401, "Repository not found", "RepoNotFound")
        action, rev, rest = parts[2], parts[3], "/".join(parts[4:])
        index = repo.index_of(rev)
        if index is None:
            return _error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        if action == "revision" and method == "GET":
            return self._info(repo, index)
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

    def _info(self, repo: DatasetRepo, index: int) -> Answer:
        commit = repo.commits[index]
        return _json(200, {"_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24], "id": repo.repo_id,  # noqa: S324
                           "author": repo.repo_id.split("/")[0], "sha": commit.sha, "private": False,
                           "gated": False, "disabled": False, "downloads": 0, "likes": 0, "tags": [],
                           "lastModified": commit.date.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                           "siblings": [{"rfilename": p} for p in sorted(repo.tree(index))]})  # fmt: skip

    def _resolve(self, repo: DatasetRepo, rev: str, file_path: str, base_url: str, method: str,
                 wanted: str | None) -> Answer:  # fmt: skip
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
                                     "X-Linked-Etag": f'"{version.sha256}"', "X-Linked-Size": str(version.size),
                                     "ETag": f'"{version.blob_id}"'})  # fmt: skip
        return self._body(version, file_path, method, wanted, {"ETag": f'"{version.blob_id}"',
                                                               "X-Repo-Commit": commit})  # fmt: skip

    def _cdn(self, method: str, sha256: str, query: list[tuple[str, str]], wanted: str | None) -> Answer:
        version = self._lfs.get(sha256)
        if version is None:
            return _error(404, "Not found")
        return self._body(version, dict(query).get("path", ""), method, wanted, {"ETag": f'"{sha256}"'})

    def _body(self, version: FileVersion, file_path: str, method: str, wanted: str | None,
              headers: dict[str, str]) -> Answer:  # fmt: skip
        """A file's bytes: whole (200), one range (206) or none (416); HEAD: the size without a body sent."""
        size = version.size
        headers = {**headers, "Content-Type": "application/octet-stream"}
        if self.range_requests:
            headers["Accept-Ranges"] = "bytes"
        span = _range(wanted, size) if (self.range_requests and wanted and method == "GET") else None
        if span == "unsatisfiable":
            return Answer(416, b"", {**headers, "Content-Range": f"bytes */{size}"})
        if method != "GET":
            return Answer(200, version.content, headers)  # the handler sends Content-Length, no body, for HEAD
        if span is None:
            self._count(Served(version.sha256, file_path, 0, size, whole=True))
            return Answer(200, version.content, headers)
        start, end = span
        self._count(Served(version.sha256, file_path, start, end - start + 1, whole=start == 0 and end == size - 1))
        body = version.read(start, end - start + 1)
        return Answer(206, body, {**headers, "Content-Range": f"bytes {start}-{end}/{size}"})

    def _count(self, served: Served) -> None:
        with self._lock:
            self.served.append(served)
            if served.whole:
                self.downloads.append((served.sha256, served.path))


@dataclass(frozen=True)
class Served:
    """One file body the server sent: which file, from which byte, how many."""

    sha256: str
    path: str
    start: int
    length: int
    whole: bool


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    return headers.get(name) or headers.get(name.lower())


def _range(value: str, size: int) -> tuple[int, int] | str | None:
    """(first, last) byte of a single `bytes=` range, "unsatisfiable", or None to answer the whole file (a
    malformed or multi-part range may be ignored, RFC 9110 14.2)."""
    unit, _, spec = value.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if not first:  # the last N bytes
            n = int(last)
            return None if n <= 0 else (max(0, size - n), size - 1) if size else "unsatisfiable"
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size:
        return "unsatisfiable"
    if start < 0 or end < start:
        return None
    return start, min(end, size - 1)
