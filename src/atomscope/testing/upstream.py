"""A local stand-in for the upstreams of `atomscope sources update`, on 127.0.0.1 (tests only).

It serves, like GitHub and a publisher's web server:

- ``GET /repos/{owner}/{repo}/commits/{ref}``: ``{"sha", "commit": {"author": {"date"}, "committer": {"date"},
  "message", "tree": {"sha"}}}`` with ``ETag: "<sha>"``; ``If-None-Match`` with the current ETag answers ``304``.
  ``ref`` is a branch, ``HEAD`` (the default branch) or a commit id.
- ``GET /repos/{owner}/{repo}/commits?sha=&path=&per_page=&page=``: commits reachable from ``sha`` (following
  first parents) that changed ``path``, newest first, paginated.
- ``GET /repos/{owner}/{repo}/git/trees/{sha}?recursive=1``: ``{"sha", "tree": [{"path", "type": "blob",
  "sha"}], "truncated": false}``. Blob and tree ids are git's own (``blob <size>\0...`` and nested tree
  objects), so a history replayed from a real repository serves its real ids.
- ``GET /raw/{owner}/{repo}/{sha}/{path}``: a file at a commit (``github_raw`` base = ``{url}/raw``).
- ``GET /repos/{owner}/{repo}/contents/{path}?ref=``: a folder listing, or a file (raw with
  ``Accept: application/vnd.github.raw+json``, else base64 JSON), for clients when trees or raw files are
  switched off (``serve_trees`` / ``serve_raw``).
- ``GET /files/{name}``: a published file with ``ETag`` / ``Last-Modified``; ``If-None-Match`` or
  ``If-Modified-Since`` (the exact date) -> ``304``.

Anything else answers 404. `requests` logs (method, path, status) of every request. Repositories are built
with `commit(repo, {path: text or None}, branch=..., message=...)` (None deletes; a repository's first branch
is its default, `main` unless named), published files with `publish(name, text)`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from atomscope.testing._serving import serving_thread


@dataclass
class _Commit:
    sha: str
    date: datetime
    files: dict[str, bytes]
    changed: frozenset[str]
    parent: int | None = None  # index of the parent in the repository's commit list
    message: str = "update"

    @property
    def tree(self) -> str:
        return _tree_id(self.files)


def blob_id(content: bytes) -> str:
    """git's blob id of a file's content."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()  # noqa: S324 - git's id


def _tree_id(files: dict[str, bytes]) -> str:
    """git's tree id of a set of files (nested trees, entries in git's order)."""
    here: dict[str, bytes] = {}
    folders: dict[str, dict[str, bytes]] = {}
    for path, content in files.items():
        head, sep, rest = path.partition("/")
        if sep:
            folders.setdefault(head, {})[rest] = content
        else:
            here[head] = content
    entries = [(name, b"100644", bytes.fromhex(blob_id(c))) for name, c in here.items()]
    entries += [(name, b"40000", bytes.fromhex(_tree_id(sub))) for name, sub in folders.items()]
    entries.sort(key=lambda e: e[0] + ("/" if e[1] == b"40000" else ""))
    body = b"".join(mode + b" " + name.encode() + b"\0" + sha for name, mode, sha in entries)
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()  # noqa: S324 - git's id


@dataclass
class _Published:
    body: bytes
    etag: str
    modified: datetime


@dataclass
class RequestRecord:
    method: str
    path: str
    status: int


@dataclass
class UpstreamStandIn:
    repos: dict[str, list[_Commit]] = field(default_factory=dict)  # every commit, in the order made
    branches: dict[str, dict[str, int]] = field(default_factory=dict)  # repo -> branch -> head's index
    default_branch: dict[str, str] = field(default_factory=dict)
    published: dict[str, _Published] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    _clock: datetime = field(default_factory=lambda: datetime(2026, 9, 1, 12, 0, tzinfo=UTC))
    serve_trees: bool = True  # False: /git/trees answers 404 (clients list folders through /contents)
    serve_raw: bool = True  # False: /raw answers 404 (clients read files through /contents)
    send_etags: bool = True  # False: published files carry Last-Modified only (clients use If-Modified-Since)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- content -------------------------------------------------------------------------------------
    def commit(
        self,
        repo: str,
        changes: dict[str, str | bytes | None],
        when: datetime | None = None,
        *,
        branch: str | None = None,
        message: str = "update",
        start: str | None = None,
    ) -> str:
        """A new head commit of `branch` (default: the repository's default branch; a new branch starts from
        the head of `start`, else from the default branch): its tree with `changes` applied (None deletes)."""
        with self._lock:
            history = self.repos.setdefault(repo, [])
            heads = self.branches.setdefault(repo, {})
            branch = branch or self.default_branch.get(repo, "main")
            self.default_branch.setdefault(repo, branch)
            parent = heads.get(branch, heads.get(start or self.default_branch[repo]))
            files = dict(history[parent].files) if parent is not None else {}
            for path, content in changes.items():
                if content is None:
                    files.pop(path, None)
                else:
                    files[path] = content.encode("utf-8") if isinstance(content, str) else content
            self._clock = when or self._clock + timedelta(days=1)
            seed = f"{repo}|{len(history)}|{self._clock.isoformat()}|{sorted(changes)}|{message}"
            sha = hashlib.sha1(seed.encode()).hexdigest()  # noqa: S324 - an id, like git's
            history.append(_Commit(sha, self._clock, files, frozenset(changes), parent, message))
            heads[branch] = len(history) - 1
            return sha

    def head(self, repo: str, branch: str | None = None) -> str:
        return self.repos[repo][self.branches[repo][branch or self.default_branch[repo]]].sha

    def publish(self, name: str, content: str | bytes) -> str:
        """Publish (or replace) `/files/{name}`; returns its new ETag."""
        body = content.encode("utf-8") if isinstance(content, str) else content
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self._clock += timedelta(hours=1)
        self.published[name] = _Published(body, etag, self._clock)
        return etag

    # -- server --------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def github_api(self) -> str:
        return self.url

    @property
    def github_raw(self) -> str:
        return f"{self.url}/raw"

    def file_url(self, name: str) -> str:
        return f"{self.url}/files/{name}"

    def __enter__(self) -> UpstreamStandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.stand_in = self  # type: ignore[attr-defined]
        serving_thread(self._server).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- answers -------------------------------------------------------------------------------------
    def answer(self, path: str, query: dict[str, list[str]], headers) -> tuple[int, dict[str, str], bytes]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if len(parts) >= 2 and parts[0] == "files":
            return self._file("/".join(parts[1:]), headers)
        if len(parts) >= 4 and parts[0] == "raw" and self.serve_raw:
            return self._raw(f"{parts[1]}/{parts[2]}", parts[3], "/".join(parts[4:]))
        if len(parts) >= 4 and parts[0] == "repos":
            repo, rest = f"{parts[1]}/{parts[2]}", parts[3:]
            if repo not in self.repos:
                return _json(404, {"message": "Not Found"})
            if rest == ["commits"]:
                return self._path_commits(repo, query)
            if len(rest) == 2 and rest[0] == "commits":
                return self._commit(repo, rest[1], headers)
            if len(rest) == 3 and rest[:2] == ["git", "trees"] and self.serve_trees:
                return self._tree(repo, rest[2])
            if rest and rest[0] == "contents":
                return self._contents(repo, "/".join(rest[1:]), query.get("ref", ["HEAD"])[0], headers)
        return _json(404, {"message": "Not Found"})

    def _resolve(self, repo: str, ref: str) -> int | None:
        heads = self.branches.get(repo, {})
        if ref == "HEAD" and repo in self.default_branch:
            ref = self.default_branch[repo]
        if ref in heads:
            return heads[ref]
        return next((i for i, c in enumerate(self.repos.get(repo, [])) if c.sha == ref), None)

    def _line(self, repo: str, index: int) -> list[_Commit]:
        """The commit at `index` and its first-parent ancestors, newest first."""
        found = []
        at: int | None = index
        while at is not None:
            found.append(self.repos[repo][at])
            at = self.repos[repo][at].parent
        return found

    def _commit(self, repo: str, ref: str, headers) -> tuple[int, dict[str, str], bytes]:
        index = self._resolve(repo, ref)
        if index is None:
            return _json(422, {"message": f"No commit found for SHA: {ref}"})
        commit = self.repos[repo][index]
        etag = f'"{commit.sha}"'
        if headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return _json(200, _commit_json(commit), {"ETag": etag})

    def _path_commits(self, repo: str, query) -> tuple[int, dict[str, str], bytes]:
        index = self._resolve(repo, query.get("sha", ["HEAD"])[0])
        if index is None:
            return _json(404, {"message": "Not Found"})
        path = query.get("path", [None])[0]
        line = self._line(repo, index)
        touched = [
            c for i, c in enumerate(line)
            if path is None or c.files.get(path) != (line[i + 1].files.get(path) if i + 1 < len(line) else None)
        ]  # fmt: skip
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        chunk = touched[(page - 1) * per_page : page * per_page]
        return _json(200, [_commit_json(c) for c in chunk])

    def _tree(self, repo: str, ref: str) -> tuple[int, dict[str, str], bytes]:
        index = self._resolve(repo, ref)
        if index is None:
            return _json(404, {"message": "Not Found"})
        commit = self.repos[repo][index]
        tree = [
            {"path": p, "mode": "100644", "type": "blob", "sha": blob_id(b)} for p, b in sorted(commit.files.items())
        ]
        return _json(200, {"sha": commit.tree, "tree": tree, "truncated": False})

    def _contents(self, repo: str, path: str, ref: str, headers) -> tuple[int, dict[str, str], bytes]:
        """GitHub's contents API: a folder's entries, or a file (raw with the raw media type, else base64 JSON)."""
        index = self._resolve(repo, ref)
        if index is None:
            return _json(404, {"message": "Not Found"})
        files = self.repos[repo][index].files
        if path in files:
            if "raw" in headers.get("Accept", ""):
                return 200, {"Content-Type": "application/vnd.github.raw; charset=utf-8"}, files[path]
            encoded = base64.b64encode(files[path]).decode()
            return _json(200, {"type": "file", "path": path, "encoding": "base64", "content": encoded})
        prefix = f"{path}/" if path else ""
        entries = sorted({p[len(prefix) :].split("/")[0] for p in files if p.startswith(prefix)})
        if not entries:
            return _json(404, {"message": "Not Found"})
        listing = [
            {"name": e, "path": prefix + e, "type": "file", "sha": blob_id(files[prefix + e])}
            if prefix + e in files else {"name": e, "path": prefix + e, "type": "dir"}
            for e in entries
        ]  # fmt: skip
        return _json(200, listing)

    def _raw(self, repo: str, ref: str, path: str) -> tuple[int, dict[str, str], bytes]:
        index = self._resolve(repo, ref)
        if index is None or path not in self.repos[repo][index].files:
            return 404, {"Content-Type": "text/plain"}, b"404: Not Found"
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, self.repos[repo][index].files[path]

    def _file(self, name: str, headers) -> tuple[int, dict[str, str], bytes]:
        item = self.published.get(name)
        if item is None:
            return 404, {"Content-Type": "text/plain"}, b"Not Found"
        meta = {"ETag": item.etag, "Last-Modified": format_datetime(item.modified, usegmt=True)}
        if not self.send_etags:
            meta.pop("ETag")
        if headers.get("If-None-Match") == item.etag or headers.get("If-Modified-Since") == meta["Last-Modified"]:
            return 304, meta, b""
        return 200, {**meta, "Content-Type": "text/csv; charset=utf-8"}, item.body


def _commit_json(commit: _Commit) -> dict[str, Any]:
    when = commit.date.strftime("%Y-%m-%dT%H:%M:%SZ")
    person = {"name": "stand-in", "email": "stand-in@example.invalid", "date": when}
    info = {"author": person, "committer": person, "message": commit.message, "tree": {"sha": commit.tree}}
    return {"sha": commit.sha, "commit": info}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms ACK stalls

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        stand_in: UpstreamStandIn = self.server.stand_in  # type: ignore[attr-defined]
        split = urlsplit(self.path)
        with stand_in._lock:
            status, headers, body = stand_in.answer(split.path, parse_qs(split.query), self.headers)
            stand_in.requests.append(RequestRecord("GET", self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)
