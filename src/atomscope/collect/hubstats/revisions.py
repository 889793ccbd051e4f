"""Which revisions of the hub-stats dataset hold a new models snapshot, and which to import per period.

The dataset is one git repository; a commit uploads one file (`models.parquet`, `datasets.parquet`,
...). A revision holds a new models snapshot when the models file's git blob id differs from the one at
the previous commit (a commit that only uploaded `datasets.parquet` does not). The models file is
`models.parquet`, else `models.csv` (the dataset's first era). Blob ids come from the Hub's paths-info
endpoint (paths-info at the revision; where an endpoint lacks it, the root tree listing), asked only for the
commits a period needs and cached. Requests and answer checks are in `remote.py`.

Per period (`day`, `week` from Monday, `month`) the chosen revision is the first one on or after the
period's start (UTC) that changed the models file; its snapshot day is the commit's UTC date.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from atomscope.collect.hubstats.remote import DatasetRemote
from atomscope.remote.fetch import BadAnswerError

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

    def __init__(self, remote: DatasetRemote, *, known: dict[str, ModelsFile] | None = None) -> None:
        self.remote = remote
        self._files: dict[str, ModelsFile | None] = dict(known or {})
        self._recorded = set(known or {})
        commits = remote.commits()  # every page, newest first
        self.commits = [Revision(c.sha, c.committed_at, c.title) for c in reversed(commits)]

    def models_file(self, sha: str) -> ModelsFile | None:
        if sha not in self._files:
            try:
                entries = self._paths_info(sha)
            except BadAnswerError as exc:  # an endpoint without paths-info: the root tree says the same
                if exc.status not in (404, 405, 501):
                    raise
                entries = [e for e in self.remote.root_tree(sha) if e.path in MODEL_FILES]
            found = {e.path: e for e in entries}
            self._files[sha] = None
            for path in MODEL_FILES:
                if path in found:
                    e = found[path]
                    self._files[sha] = ModelsFile(path, e.blob_id, e.lfs_sha256, e.size)
                    break
        return self._files[sha]

    def _paths_info(self, sha: str) -> list:
        """paths-info of the model files at `sha`; a 429 or 5xx is retried (paths-info is a plain POST that
        huggingface_hub does not retry), waiting 2, 4, 8 s."""
        for attempt in range(4):
            try:
                return self.remote.paths_info(sha, MODEL_FILES)
            except BadAnswerError as exc:
                status = exc.status or 0
                if attempt == 3 or not (status == 429 or status >= 500):
                    raise
                time.sleep(2.0 ** (attempt + 1))
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
