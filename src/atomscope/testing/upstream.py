"""A local stand-in for the upstreams of `atomscope sources update`, on 127.0.0.1 (tests only).

It serves, like GitHub and a publisher's web server:

- ``GET /repos/{owner}/{repo}/commits/{ref}``: ``{"sha", "commit": {"author": {"date"}, "committer": {"date"}}}``
  with ``ETag: "<sha>"``; ``If-None-Match`` with the current ETag answers ``304``.
- ``GET /repos/{owner}/{repo}/commits?sha=&path=&per_page=&page=``: commits reachable from ``sha`` that
  changed ``path``, newest first, paginated.
- ``GET /repos/{owner}/{repo}/git/trees/{sha}?recursive=1``: ``{"sha", "tree": [{"path", "type": "blob",
  "sha"}], "truncated": false}``.
- ``GET /raw/{owner}/{repo}/{sha}/{path}``: a file at a commit (``github_raw`` base = ``{url}/raw``).
- ``GET /repos/{owner}/{repo}/contents/{path}?ref=``: a folder listing, or a file (raw with
  ``Accept: application/vnd.github.raw+json``, else base64 JSON), for clients when trees or raw files are
  switched off (``serve_trees`` / ``serve_raw``).
- ``GET /files/{name}``: a published file with ``ETag`` / ``Last-Modified``; ``If-None-Match`` or
  ``If-Modified-Since`` (the exact date) -> ``304``.

Anything else answers 404. `requests` logs (method, path, status) of every request. Repositories are built
with `commit(repo, {path: text or None})` (None deletes), published files with `publish(name, text)`.
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


@dataclass
class _Commit:
    sha: str
    date: datetime
    files: dict[str, bytes]
    changed: frozenset[str]


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
    repos: dict[str, list[_Commit]] = field(default_factory=dict)
    published: dict[str, _Published] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    _clock: datetime = field(default_factory=lambda: datetime(2026, 9, 1, 12, 0, tzinfo=UTC))
    serve_trees: bool = True  # False: /git/trees answers 404 (clients list folders through /contents)
    serve_raw: bool = True  # False: /raw answers 404 (clients read files through /contents)
    send_etags: bool = True  # False: published files carry Last-Modified only (clients use If-Modified-Since)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- content -------------------------------------------------------------------------------------
    def commit(self, repo: str, changes: dict[str, str | bytes | None], when: datetime | None = None) -> str:
        """A new head commit of `repo`: the previous tree with `changes` applied (None deletes a file)."""
        with self._lock:
            history = self.repos.setdefault(repo, [])
            files = dict(history[-1].files) if history else {}
            for path, content in changes.items():
                if content is None:
                    files.pop(path, None)
                else:
                    files[path] = content.encode("utf-8") if isinstance(content, str) else content
            self._clock = when or self._clock + timedelta(days=1)
            seed = f"{repo}|{len(history)}|{self._clock.isoformat()}|{sorted(changes)}"
            sha = hashlib.sha1(seed.encode()).hexdigest()  # noqa: S324 - an id, like git's
            history.append(_Commit(sha, self._clock, files, frozenset(changes)))
            return sha

    def head(self, repo: str) -> str:
        return self.repos[repo][-1].sha

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
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
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
                return self._contents(repo, "/".join(rest[1:]), query.get("ref", ["main"])[0], headers)
        return _json(404, {"message": "Not Found"})

    def _resolve(self, repo: str, ref: str) -> int | None:
        history = self.repos.get(repo, [])
        if ref in ("main", "HEAD", "master") and history:
            return len(history) - 1
        return next((i for i, c in enumerate(history) if c.sha == ref), None)

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
        index = self._resolve(repo, query.get("sha", ["main"])[0])
        if index is None:
            return _json(404, {"message": "Not Found"})
        path = query.get("path", [None])[0]
        history = self.repos[repo][: index + 1]
        touched = [
            c for i, c in enumerate(history)
            if path is None or c.files.get(path) != (history[i - 1].files.get(path) if i else None)
        ]  # fmt: skip
        touched.reverse()
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
            {"path": p, "mode": "100644", "type": "blob", "sha": hashlib.sha1(b).hexdigest()}  # noqa: S324
            for p, b in sorted(commit.files.items())
        ]
        return _json(200, {"sha": commit.sha, "tree": tree, "truncated": False})

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
        listing = [{"name": e, "path": prefix + e, "type": "file" if prefix + e in files else "dir"} for e in entries]
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
    return {"sha": commit.sha, "commit": {"author": person, "committer": person, "message": "update"}}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

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
