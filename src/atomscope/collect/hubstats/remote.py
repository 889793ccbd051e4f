"""The hub-stats dataset's git metadata, asked of the Hub through `atomscope.remote` (bounded, checked).

The same requests huggingface_hub's `list_repo_commits`, `get_paths_info` and `list_repo_tree` send, on its
shared session and headers, but: every answer's shape is checked before use (a commit id is 40 hex
characters and its date lies in the snapshot window, entries have a path and a blob id, a size is a whole
number); the listing follows next-page links only on the endpoint's own host and never twice; the token goes
only where `remote.checks.hub_token` allows. A commit the checks refuse is left out and named in `refused`;
an answer of the wrong shape is a `BadAnswerError` for the whole listing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from huggingface_hub.utils import build_hf_headers, get_session

from atomscope import __version__
from atomscope.domain.dates import DateOutOfRangeError, check_snapshot_day
from atomscope.remote.checks import UnsafeAnswerError, revision_id
from atomscope.remote.fetch import BadAnswerError, pages, request
from atomscope.remote.guard import Limits, deadline, install_hub_session


@dataclass(frozen=True)
class CommitItem:
    sha: str
    committed_at: datetime  # UTC, naive
    title: str


@dataclass(frozen=True)
class Entry:
    path: str
    blob_id: str
    lfs_sha256: str | None
    size: int | None


@dataclass
class DatasetRemote:
    """Metadata requests for one dataset repository at one endpoint."""

    endpoint: str
    repo: str
    token: str | bool | None
    limits: Limits = field(default_factory=Limits.from_env)
    on_request: Callable[[], None] = lambda: None
    refused: list[str] = field(default_factory=list)  # one line per commit left out

    def __post_init__(self) -> None:
        install_hub_session()
        self.endpoint = self.endpoint.rstrip("/")
        self._headers = build_hf_headers(token=self.token, library_name="atomscope", library_version=__version__)

    def _url(self, action: str, rev: str) -> str:
        return f"{self.endpoint}/api/datasets/{self.repo}/{action}/{quote(rev, safe='')}"

    def commits(self) -> list[CommitItem]:
        """Every commit of the main branch, newest first (the server's order)."""
        what = f"the commits of {self.repo}"
        found: list[CommitItem] = []
        with deadline(self.limits.command_s, what):  # the whole listing, every page included
            for page in pages(get_session(), self._url("commits", "main"), what=what, limits=self.limits,
                              headers=self._headers):  # fmt: skip
                self.on_request()
                for item in page:
                    commit = self._commit(item, what)
                    if commit is not None:
                        found.append(commit)
        return found

    def _commit(self, item: Any, what: str) -> CommitItem | None:
        if not isinstance(item, dict):
            raise BadAnswerError(f"{what}: a commit is {type(item).__name__}, not an object")
        try:
            sha = revision_id(item.get("id"), what)
        except UnsafeAnswerError as exc:
            self.refused.append(str(exc))
            return None
        raw = item.get("date")
        try:
            when = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if isinstance(raw, str) else None
            if when is None:
                raise ValueError("no date")
            when = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
            check_snapshot_day(when.date(), f"commit {sha[:12]} date")
        except (ValueError, OverflowError, DateOutOfRangeError) as exc:
            reason = str(exc) if isinstance(exc, DateOutOfRangeError) else f"commit {sha[:12]}: date {raw!r} unusable"
            self.refused.append(f"{what}: {reason}; left out")
            return None
        title = item.get("title")
        return CommitItem(sha, when, title if isinstance(title, str) else "")

    def paths_info(self, sha: str, paths: tuple[str, ...]) -> list[Entry]:
        """The entries of `paths` at `sha` (POST paths-info). A 404/405/501 is a BadAnswerError with its status."""
        self.on_request()
        what = f"paths-info of {self.repo} at {sha[:12]}"
        answer = request(get_session(), self._url("paths-info", sha), what=what, limits=self.limits, method="POST",
                         data={"paths": list(paths), "expand": False}, headers=self._headers)  # fmt: skip
        return _entries(answer.json(what), what)

    def root_tree(self, sha: str) -> list[Entry]:
        """The files at the root at `sha` (the tree listing, for an endpoint without paths-info)."""
        what = f"the tree of {self.repo} at {sha[:12]}"
        out: list[Entry] = []
        for page in pages(get_session(), self._url("tree", sha), what=what, limits=self.limits,
                          headers=self._headers):  # fmt: skip
            self.on_request()
            out += _entries(page, what)
        return out


def _entries(body: Any, what: str) -> list[Entry]:
    if not isinstance(body, list):
        raise BadAnswerError(f"{what}: expected a JSON list, got {type(body).__name__}")
    out = []
    for item in body:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise BadAnswerError(f"{what}: an entry without a path")
        if item.get("type", "file") != "file":
            continue
        oid, size, lfs = item.get("oid"), item.get("size"), item.get("lfs")
        if not isinstance(oid, str) or not oid:
            raise BadAnswerError(f"{what}: {item['path']}: no blob id")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise BadAnswerError(f"{what}: {item['path']}: size {str(size)[:40]!r} is not a whole number")
        sha256 = lfs.get("oid") if isinstance(lfs, dict) and isinstance(lfs.get("oid"), str) else None
        out.append(Entry(item["path"], oid, sha256, size))
    return out
