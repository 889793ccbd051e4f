"""The HTTP side of `sources update`: GitHub's REST API and raw files for repositories, conditional GETs for
a publisher's URL. One `httpx.Client`, configurable bases (a local stand-in in tests), a request count.

Requests, as GitHub documents them:

- `GET {api}/repos/{owner}/{repo}/commits/{branch}` (with `If-None-Match` when an ETag is known): the head
  commit's `sha`, `commit.committer.date` and `commit.tree.sha`; a 304, an already-loaded sha or the tree
  already loaded means nothing changed, so an unchanged repository costs this one request.
- `GET {api}/repos/{owner}/{repo}/git/trees/{sha}?recursive=1`: the files and their blob ids.
- `GET {api}/repos/{owner}/{repo}/commits?sha={branch}&path={path}&per_page=100&page=N`: the commits that
  touched one file, newest first (the LMArena history: one snapshot per commit).
- `GET {raw}/{owner}/{repo}/{sha}/{path}`: a file at a commit.
- a plain URL with `If-None-Match: {etag}` (or `If-Modified-Since` when it sent no ETag): 304 when unchanged.

Every request goes through `atomscope.remote` (deadline per request, streamed size cap, an HTML page where
data was expected is "unreachable"), and every JSON answer's shape is checked before use: a commit has a
40-hex `sha`, a tree is an object with a list of entries that have a path. A wrong shape is one
`UpstreamError` line for that source, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from urllib.parse import quote

from atomscope.domain.errors import AtomscopeError
from atomscope.remote.checks import UnsafeAnswerError, revision_id
from atomscope.remote.fetch import Answer, BadAnswerError, Kind, UnreachableError, request
from atomscope.remote.guard import Limits, RemoteError, http_client

GITHUB_API_ENV = "ATOMSCOPE_GITHUB_API"
GITHUB_RAW_ENV = "ATOMSCOPE_GITHUB_RAW"
DEFAULT_GITHUB_API = "https://api.github.com"
DEFAULT_GITHUB_RAW = "https://raw.githubusercontent.com"
LAST_MODIFIED_PREFIX = "modified:"  # a stored validator that is a Last-Modified date, not an ETag


class UpstreamError(AtomscopeError):
    """An upstream could not be reached or answered something unusable."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status, when the server answered one


class UpstreamUnreachableError(UpstreamError):
    """No connection to the upstream at all (offline, DNS, refused, timed out)."""


@dataclass(frozen=True)
class Commit:
    sha: str
    date: datetime | None
    etag: str | None = None
    tree: str | None = None  # the commit's tree id: an identical tree means identical files
    message: str = ""


@dataclass(frozen=True)
class UrlResponse:
    text: str | None  # None when 304 Not Modified
    etag: str | None
    last_modified: datetime | None


@dataclass(frozen=True)
class Endpoints:
    github_api: str = DEFAULT_GITHUB_API
    github_raw: str = DEFAULT_GITHUB_RAW
    urls: tuple[tuple[str, str], ...] = ()  # upstream name -> URL overriding the catalog's

    @classmethod
    def from_env(cls, github_api: str | None = None, github_raw: str | None = None, urls=()) -> Endpoints:
        return cls(
            github_api=(github_api or os.environ.get(GITHUB_API_ENV) or DEFAULT_GITHUB_API).rstrip("/"),
            github_raw=(github_raw or os.environ.get(GITHUB_RAW_ENV) or DEFAULT_GITHUB_RAW).rstrip("/"),
            urls=tuple(urls),
        )

    def url_for(self, name: str, default: str) -> str:
        env = os.environ.get(f"ATOMSCOPE_{name.upper()}_URL")
        return dict(self.urls).get(name) or env or default


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


class UpstreamClient:
    """GitHub and plain-URL requests over one connection pool; `requests` counts what was sent."""

    def __init__(self, endpoints: Endpoints, *, timeout: float = 20.0, token: str | None = None):
        self.endpoints = endpoints
        headers = {"User-Agent": "atomscope-sources", "Accept": "application/vnd.github+json"}
        token = token if token is not None else os.environ.get("GITHUB_TOKEN")
        self._api_headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.limits = replace(Limits.from_env(), read_s=timeout)
        self._http = http_client(self.limits, headers=headers)
        self.requests = 0
        self.on_request: Callable[[str], None] | None = None  # progress display: called with each URL

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> UpstreamClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _get(self, url: str, *, headers: dict | None = None, params: dict | None = None,
             kind: Kind = "text") -> Answer:  # fmt: skip
        self.requests += 1
        if self.on_request is not None:
            self.on_request(url)
        try:
            return request(self._http, url, what=url, limits=self.limits, kind=kind, params=params, headers=headers,
                           ok=(200, 304))  # fmt: skip
        except UnreachableError as exc:
            raise UpstreamUnreachableError(str(exc)) from None
        except BadAnswerError as exc:
            raise UpstreamError(str(exc), exc.status) from None
        except RemoteError as exc:
            raise UpstreamError(str(exc)) from None

    def _json(self, url: str, **kwargs):
        try:
            return self._get(url, headers=self._api_headers, kind="json", **kwargs).json(url)
        except BadAnswerError as exc:
            raise UpstreamError(str(exc)) from None

    def head_commit(self, repo: str, branch: str, etag: str | None) -> Commit | None:
        """The branch's head commit, or None when the server answers 304 to our ETag."""
        url = f"{self.endpoints.github_api}/repos/{repo}/commits/{quote(branch)}"
        headers = dict(self._api_headers)
        if etag:
            headers["If-None-Match"] = etag
        response = self._get(url, headers=headers, kind="json")
        if response.status == 304:
            return None
        try:
            body = response.json(url)
        except BadAnswerError as exc:
            raise UpstreamError(str(exc)) from None
        if not isinstance(body, dict):
            raise UpstreamError(f"{url}: expected a commit object, got {type(body).__name__}")
        sha, when, etag = _sha(body.get("sha"), url), _commit_date(body), response.headers.get("ETag")
        return Commit(sha=sha, date=when, etag=etag, tree=_commit_field(body, "tree", "sha"))

    def tree(self, repo: str, sha: str) -> dict[str, str | None]:
        """Every file path of the repository at `sha`, with its blob id."""
        url = f"{self.endpoints.github_api}/repos/{repo}/git/trees/{sha}"
        body = self._json(url, params={"recursive": "1"})
        if not isinstance(body, dict) or not isinstance(body.get("tree", []), list):
            raise UpstreamError(f"{url}: expected a tree object with a list of entries")
        if body.get("truncated"):
            raise UpstreamError(f"{url}: the tree listing is truncated")
        return {
            _path(e, url): _blob(e) for e in body.get("tree", []) if isinstance(e, dict) and e.get("type") == "blob"
        }

    def directory(self, repo: str, sha: str, folder: str) -> dict[str, str | None]:
        """File paths directly in `folder` at `sha` with their blob ids, through the contents API (when trees
        are not served)."""
        url = f"{self.endpoints.github_api}/repos/{repo}/contents/{quote(folder)}".rstrip("/")
        body = self._json(url, params={"ref": sha})
        if not isinstance(body, list):
            raise UpstreamError(f"{url}: expected a directory listing")
        return {_path(e, url): _blob(e) for e in body if isinstance(e, dict) and e.get("type") == "file"}

    def path_commits(self, repo: str, branch: str, path: str, stop_before: date | None) -> list[Commit]:
        """Commits that touched `path`, newest first, paging until one dated before `stop_before` (included)."""
        url = f"{self.endpoints.github_api}/repos/{repo}/commits"
        found: list[Commit] = []
        for page in range(1, 100):
            params = {"sha": branch, "path": path, "per_page": "100", "page": str(page)}
            body = self._json(url, params=params)
            if not isinstance(body, list):
                raise UpstreamError(f"{url}: expected a list of commits")
            for item in body:
                if not isinstance(item, dict):
                    raise UpstreamError(f"{url}: a commit is {type(item).__name__}, not an object")
                message = _commit_field(item, "message") or ""
                commit = Commit(sha=_sha(item.get("sha"), url), date=_commit_date(item), message=message)
                found.append(commit)
                if stop_before and commit.date and commit.date.date() < stop_before:
                    return found
            if len(body) < 100:
                break
        return found

    def raw(self, repo: str, sha: str, path: str) -> str:
        """A file at a commit from the raw host; where that answers 404, from the contents API (raw media type)."""
        url = f"{self.endpoints.github_raw}/{repo}/{sha}/{quote(path)}"
        try:
            return _text(url, self._get(url))
        except UpstreamError as exc:
            if exc.status != 404:
                raise
            api = f"{self.endpoints.github_api}/repos/{repo}/contents/{quote(path)}"
            headers = {**self._api_headers, "Accept": "application/vnd.github.raw+json"}
            try:
                response = self._get(api, headers=headers, params={"ref": sha})
            except UpstreamError:
                raise exc from None
            if response.headers.get("Content-Type", "").startswith("application/json"):
                return _base64_content(api, response)
            return _text(api, response)

    def conditional(self, url: str, validator: str | None) -> UrlResponse:
        """A plain URL, conditional on the last answer: If-None-Match with its ETag, or If-Modified-Since with
        its Last-Modified (kept as `modified:<date>` when the server sent no ETag). `text` is None on a 304."""
        headers = {}
        if validator and validator.startswith(LAST_MODIFIED_PREFIX):
            headers["If-Modified-Since"] = validator.removeprefix(LAST_MODIFIED_PREFIX)
        elif validator:
            headers["If-None-Match"] = validator
        response = self._get(url, headers=headers or None)
        last_modified = _parse_time(response.headers.get("Last-Modified"))
        if response.status == 304:
            return UrlResponse(None, validator, last_modified)
        etag = response.headers.get("ETag")
        if etag is None and response.headers.get("Last-Modified"):
            etag = LAST_MODIFIED_PREFIX + response.headers["Last-Modified"]
        return UrlResponse(_text(url, response), etag, last_modified)


def _sha(value: object, url: str) -> str:
    try:
        return revision_id(value, url)
    except UnsafeAnswerError as exc:
        raise UpstreamError(str(exc)) from None


def _commit_date(item: dict) -> datetime | None:
    info = item.get("commit")
    info = info if isinstance(info, dict) else {}
    dates = [who.get("date") for who in (info.get("committer"), info.get("author")) if isinstance(who, dict)]
    return _parse_time(next((d for d in dates if isinstance(d, str) and d), None))


def _commit_field(item: dict, *keys: str) -> str | None:
    """`commit.tree.sha` or `commit.message` of a commit object, when it is a string."""
    value: object = item.get("commit")
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


def _blob(entry: dict) -> str | None:
    """A listing entry's blob id, when it gives one."""
    sha = entry.get("sha")
    return sha if isinstance(sha, str) and sha else None


def _path(entry: dict, url: str) -> str:
    path = entry.get("path")
    if not isinstance(path, str) or not path:
        raise UpstreamError(f"{url}: a listing entry without a path")
    return path


def _text(url: str, response: Answer) -> str:
    try:
        return response.text(url)
    except BadAnswerError as exc:
        raise UpstreamError(str(exc)) from None


def _base64_content(url: str, response: Answer) -> str:
    """A contents-API answer in JSON (a server that ignores the raw media type): base64 `content`."""
    import base64
    import binascii

    try:
        body = response.json(url)
        data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else body["content"].encode()
        return data.decode("utf-8-sig")
    except (BadAnswerError, KeyError, TypeError, AttributeError, binascii.Error, UnicodeDecodeError) as exc:
        raise UpstreamError(f"{url}: no file content in the answer ({exc})") from exc
