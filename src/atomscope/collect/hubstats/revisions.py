"""Which revisions of the hub-stats dataset hold a new models snapshot, and which to import per period.

The dataset is one git repository; a commit uploads one file (`models.parquet`, `datasets.parquet`,
...). A revision holds a new models snapshot when the models file's git blob id differs from the one at
the previous commit (a commit that only uploaded `datasets.parquet` does not). The models file is
`models.parquet`, else `models.csv` (the dataset's first era). Blob ids come from the Hub's paths-info
endpoint (`HfApi.get_paths_info(revision=sha)`; where an endpoint lacks it, the root listing of
`HfApi.list_repo_tree(revision=sha)`), asked only for the commits a period needs and cached.

Per period (`day`, `week` from Monday, `month`) the chosen revision is the first one on or after the
period's start (UTC) that changed the models file; its snapshot day is the commit's UTC date.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError

MODEL_FILES = ("models.parquet", "models.csv")
EVERY = ("day", "week", "month")


@dataclass(frozen=True)
class Revision:
    sha: str
    committed_at: datetime  # UTC, naive
    title: str

    @property
    def day(self) -> date:
        return self.committed_at.date()


@dataclass(frozen=True)
class ModelsFile:
    path: str
    file_id: str  # git blob id at the revision
    lfs_sha256: str | None
    size: int | None


@dataclass(frozen=True)
class Choice:
    period: date  # first day of the period
    revision: Revision
    file: ModelsFile


def period_start(day: date, every: str) -> date:
    if every == "day":
        return day
    if every == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_period(start: date, every: str) -> date:
    if every == "day":
        return start + timedelta(days=1)
    if every == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


class History:
    """The dataset's commits (oldest first) and the models file at each, asked lazily."""

    def __init__(self, api: HfApi, repo: str, *, known: dict[str, ModelsFile] | None = None,
                 on_request: Callable[[], None] | None = None) -> None:  # fmt: skip
        self.api, self.repo = api, repo
        self._files: dict[str, ModelsFile | None] = dict(known or {})
        self._recorded = set(known or {})
        self._on_request = on_request or (lambda: None)
        self._on_request()
        commits = api.list_repo_commits(repo, repo_type="dataset")  # every page, newest first
        self.commits = [
            Revision(c.commit_id, c.created_at.astimezone(UTC).replace(tzinfo=None), c.title) for c in reversed(commits)
        ]

    def models_file(self, sha: str) -> ModelsFile | None:
        if sha not in self._files:
            try:
                entries = self._paths_info(sha)
            except RevisionNotFoundError:
                raise
            except HfHubHTTPError as exc:  # an endpoint without paths-info: the root tree says the same
                if exc.response is None or exc.response.status_code not in (404, 405, 501):
                    raise
                self._on_request()
                entries = [e for e in self.api.list_repo_tree(self.repo, repo_type="dataset", revision=sha)
                           if e.path in MODEL_FILES]  # fmt: skip
            found = {e.path: e for e in entries if getattr(e, "blob_id", None)}
            self._files[sha] = None
            for path in MODEL_FILES:
                if path in found:
                    e = found[path]
                    lfs = getattr(e, "lfs", None)
                    self._files[sha] = ModelsFile(path, e.blob_id, lfs.sha256 if lfs else None, e.size)
                    break
        return self._files[sha]

    def _paths_info(self, sha: str) -> list:
        """paths-info of the model files at `sha`; a 429 or 5xx is retried (paths-info is a plain POST that
        huggingface_hub does not retry), waiting Retry-After (at most 60 s) or 2, 4, 8 s."""
        for attempt in range(4):
            self._on_request()
            try:
                return self.api.get_paths_info(self.repo, list(MODEL_FILES), repo_type="dataset", revision=sha)
            except HfHubHTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                if attempt == 3 or not (status == 429 or (status or 0) >= 500):
                    raise
                retry_after = exc.response.headers.get("Retry-After", "")
                time.sleep(min(float(retry_after), 60.0) if retry_after.isdigit() else 2.0 ** (attempt + 1))
        raise AssertionError("unreachable")

    def changed_models(self, index: int) -> ModelsFile | None:
        """The models file of commit `index` when that commit changed it, else None."""
        sha = self.commits[index].sha
        here = self.models_file(sha)
        if sha in self._recorded and here is not None:
            return here  # chosen (and recorded) by an earlier run: it changed the file
        if here is None:
            return None
        if index == 0:
            return here
        before = self.models_file(self.commits[index - 1].sha)
        return here if before is None or (before.path, before.file_id) != (here.path, here.file_id) else None

    def choose(self, every: str, since: date | None, until: date | None) -> tuple[list[Choice], list[date]]:
        """(the revision chosen per period, the periods without any new models snapshot)."""
        if not self.commits:
            return [], []
        first_day = self.commits[0].day
        start = period_start(max(since or first_day, first_day), every)
        last = min(until or self.commits[-1].day, self.commits[-1].day)
        chosen, empty = [], []
        position = 0
        while start <= last:
            end = next_period(start, every)
            lo = max(start, since or start)
            found = None
            while position < len(self.commits) and self.commits[position].day < end:
                commit = self.commits[position]
                position += 1
                if found is None and lo <= commit.day <= last and (file := self.changed_models(position - 1)):
                    found = Choice(start, commit, file)
            if found is not None:
                chosen.append(found)
            else:
                empty.append(start)
            start = end
        return chosen, empty
