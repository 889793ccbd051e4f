"""Rebuild the bundled LMArena history (`data/lmarena_text_history.csv`) from a local git directory of
github.com/fboulnois/llm-leaderboard-csv, dating every version the way `atomscope sources update` does:

    git clone --bare https://github.com/fboulnois/llm-leaderboard-csv.git leaderboard.git
    python -m atomscope.collect.upstream.lmarena_build leaderboard.git --out src/atomscope/data/lmarena_text_history.csv

The leaderboard lived in `csv/lmsys.csv` until 2025-08-06, then in `csv/lmarena_text.csv` (the file the
refresh follows). Each file's commits are read newest first, as the GitHub commits listing gives them; the
version of each commit and the commit kept for a version come from `fetch.leaderboard_versions`, the rows
from `transforms.lmarena_tables`, the checks from the bundled contract: the refresh's own code, so a refresh
of the same commits dates them as the bundled file does. A version whose commit deleted the file is skipped,
as the refresh skips its 404. Nothing is written unless the whole history is valid.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from atomscope.collect.upstream import transforms
from atomscope.collect.upstream.fetch import leaderboard_versions
from atomscope.collect.upstream.http import Commit, UpstreamError
from atomscope.domain.errors import AtomscopeError, DataValidationError
from atomscope.sources.csvtable import read_table_text
from atomscope.sources.lmarena import ARENA_HISTORY

REPO = "fboulnois/llm-leaderboard-csv"
# oldest first: where one day has a version in two files, the later file's wins
LEADERBOARD_PATHS = ("csv/lmsys.csv", "csv/lmarena_text.csv")


class GitReadError(AtomscopeError):
    """The local git directory could not be read (not a repository, an unknown ref, git missing)."""


@dataclass(frozen=True)
class History:
    text: str  # the table in the bundled format
    head: Commit  # the commit it was built at
    days: tuple[date, ...]  # snapshot dates, oldest first
    rows: int


def build_history(
    commits_of: Callable[[str], list[Commit]], read: Callable[[str, str], str | None], head: Commit
) -> History:
    """The history from `commits_of(path)` (newest first) and `read(sha, path)` (None: no such file there)."""
    by_day: dict[date, transforms.Snapshot] = {}
    for path in LEADERBOARD_PATHS:
        for day, commit in leaderboard_versions(REPO, commits_of(path)).items():
            text = read(commit.sha, path)
            if text is not None:
                by_day[day] = transforms.Snapshot(day, commit.sha, path, text)
    if not by_day:
        raise UpstreamError(f"github.com/{REPO}@{head.sha[:12]}: no version of {' or '.join(LEADERBOARD_PATHS)}")
    (table,) = transforms.lmarena_tables(list(by_day.values()), None)
    try:
        rows = read_table_text(table.text, ARENA_HISTORY, ARENA_HISTORY.file_name)
    except DataValidationError as exc:
        raise table.upstream_error(exc) from None
    return History(table.text, head, tuple(sorted(by_day)), len(rows))


class GitDir:
    """A local git directory (bare or not), read with the git command."""

    def __init__(self, path: Path):
        self.path = path

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        try:
            done = subprocess.run(["git", f"--git-dir={self.path}", *args], capture_output=True, check=False)  # noqa: S603, S607
        except FileNotFoundError:
            raise GitReadError("the git command is not installed") from None
        if check and done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitReadError(f"{self.path}: git {' '.join(args)}: {message[-1] if message else 'failed'}")
        return done

    def commits(self, ref: str, path: str | None = None) -> list[Commit]:
        """Commits of `ref` (that touched `path`), newest first, with their committer date in UTC and message."""
        spec = ["--", path] if path else ["-1"]
        out = self._git("log", "--format=%H%x00%T%x00%cI%x00%B%x1e", ref, *spec).stdout.decode("utf-8")
        commits = []
        for record in out.split("\x1e"):
            if not record.strip():
                continue
            sha, tree, when, message = record.lstrip("\n").split("\x00", 3)
            moment = datetime.fromisoformat(when).astimezone(UTC)
            commits.append(Commit(sha, moment, tree=tree, message=message.strip()))
        return commits

    def read(self, sha: str, path: str) -> str | None:
        if self._git("cat-file", "-e", f"{sha}:{path}", check=False).returncode != 0:
            return None
        return self._git("cat-file", "blob", f"{sha}:{path}").stdout.decode("utf-8")


def build_from_git(git_dir: Path, ref: str = "HEAD") -> History:
    repo = GitDir(git_dir)
    heads = repo.commits(ref)
    if not heads:
        raise GitReadError(f"{git_dir}: {ref} has no commits")
    head = heads[0]
    return build_history(lambda path: repo.commits(head.sha, path), repo.read, head)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("git_dir", type=Path, help="a local git directory of fboulnois/llm-leaderboard-csv")
    parser.add_argument("--ref", default="HEAD", help="the commit or branch to build at (default: HEAD)")
    parser.add_argument("--out", type=Path, help="the CSV to write (default: standard output)")
    args = parser.parse_args(argv)
    try:
        history = build_from_git(args.git_dir, args.ref)
    except AtomscopeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.out:
        args.out.write_text(history.text, encoding="utf-8")
    else:
        sys.stdout.write(history.text)
    when = history.head.date.date() if history.head.date else "?"
    print(
        f"github.com/{REPO} @ {history.head.sha[:12]} ({when}): {len(history.days)} snapshot dates "
        f"{history.days[0]} -> {history.days[-1]}, {history.rows:,} rows",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
