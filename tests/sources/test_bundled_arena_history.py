"""The bundled LMArena history and a refresh date the same commits the same way: the bundled file is built by
the refresh's own code (`collect/upstream/lmarena_build.py`), so refreshing it with the real upstream's last
versions adds no snapshot, and the build of a git directory matches a refresh of the same commits."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from datetime import date

import pytest
from upstream_helpers import LEADERBOARD_COMMITS, LMARENA, LMARENA_PATH, TEXT_COMMITS, RealCommit

from atomscope.collect.upstream import lmarena_build
from atomscope.collect.upstream.fetch import Fetched, Known, fetch_upstream, version_day
from atomscope.collect.upstream.http import Commit, Endpoints, UpstreamClient
from atomscope.collect.upstream.update import update_sources
from atomscope.config import data_dir
from atomscope.sources.upstream_catalog import UPSTREAMS
from atomscope.testing.upstream import UpstreamStandIn

VERSIONS = tuple(date.fromisoformat(d) for d in ("2025-07-27", "2025-07-28", "2025-08-01", "2025-08-04"))
UPSTREAM = next(u for u in UPSTREAMS if u.name == "lmarena")


@pytest.fixture
def real_client():
    """A stand-in serving csv/lmarena_text.csv's real commits: their dates, messages and (first lines of) files."""
    server = UpstreamStandIn()
    for commit in TEXT_COMMITS:
        server.commit(LMARENA, {LMARENA_PATH: commit.text()}, when=commit.moment, message=commit.message)
    with server, UpstreamClient(Endpoints(server.github_api, server.github_raw, ()), timeout=10.0, token="") as c:
        yield c


def _days(text: str) -> list[date]:
    return sorted({date.fromisoformat(r["snapshot_date"]) for r in csv.DictReader(io.StringIO(text))})


def _rows(text: str, day: date) -> list[tuple[str, str]]:
    return [(r["model"], r["arena_score"]) for r in csv.DictReader(io.StringIO(text)) if r["snapshot_date"] == str(day)]


def test_each_bundled_version_is_the_file_of_the_commit_naming_it():
    bundled = (data_dir() / "lmarena_text_history.csv").read_text("utf-8")
    assert max(_days(bundled)) == VERSIONS[-1]  # not 2025-08-06, the day they were committed
    for commit in TEXT_COMMITS:
        upstream = [(r["model"], r["arena_score"]) for r in csv.DictReader(io.StringIO(commit.text()))]
        day = version_day(Commit(commit.sha, commit.moment, message=commit.message))
        assert _rows(bundled, day)[: len(upstream)] == upstream, day


def test_refreshing_the_bundled_history_with_the_real_last_versions_adds_no_snapshot(loaded, real_client):
    def days():
        return [d for (d,) in loaded.execute("SELECT DISTINCT snapshot_date FROM arena_scores ORDER BY 1").fetchall()]

    bundled = days()
    assert set(VERSIONS) <= set(bundled)
    (result,) = update_sources(loaded, real_client, ["lmarena"])
    assert result.status == "updated", result.message  # the last version is read again (here, its first lines)
    assert days() == bundled  # no 2025-08-06 beside 2025-08-04: the same dates
    latest = loaded.execute("SELECT count(*) FROM arena_scores WHERE snapshot_date = ?", [VERSIONS[-1]]).fetchone()
    assert latest == (12,)  # 2025.08.04 replaced by the refreshed file, not doubled


def _in_memory(commits: tuple[RealCommit, ...]):
    def commits_of(path: str) -> list[Commit]:
        return [Commit(c.sha, c.moment, message=c.message) for c in reversed(commits) if c.path == path]

    texts = {(c.sha, c.path): c.text() for c in commits}
    head = Commit(commits[-1].sha, commits[-1].moment, message=commits[-1].message)
    return lmarena_build.build_history(commits_of, lambda sha, path: texts.get((sha, path)), head)


def test_the_build_dates_every_commit_as_a_refresh_of_the_same_commits(real_client):
    built = _in_memory(LEADERBOARD_COMMITS)
    assert built.days == (date(2024, 6, 19), *VERSIONS)  # the lmsys.csv deletion (2025-08-06) is no version
    from_empty = fetch_upstream(UPSTREAM, real_client, Known(None, None, {}))
    assert isinstance(from_empty, Fetched)
    assert _days(from_empty.tables[0].text) == list(VERSIONS)
    over_built = fetch_upstream(UPSTREAM, real_client, Known(None, None, {"lmarena_text_history": built.text}))
    assert isinstance(over_built, Fetched)
    assert over_built.tables[0].text == built.text  # same dates, same rows: nothing to add


def _git(repo, *args, when: str | None = None):
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    if when:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    user = ["-c", "user.name=fixture", "-c", "user.email=fixture@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "-C", str(repo), *user, *args], check=True, capture_output=True, env=env)  # noqa: S603, S607


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")
def test_the_build_reads_a_git_directory_as_the_commits_it_holds(tmp_path, capsys):
    repo = tmp_path / "leaderboard"
    repo.mkdir()
    _git(repo, "init", "-q")
    for commit in LEADERBOARD_COMMITS:
        text = commit.text()
        if text is None:
            _git(repo, "rm", "-q", commit.path)
        else:
            (repo / commit.path).parent.mkdir(exist_ok=True)  # `git rm` of a folder's last file removes it
            (repo / commit.path).write_bytes(text.encode("utf-8"))
            _git(repo, "add", commit.path)
        _git(repo, "commit", "-q", "-m", commit.message, when=commit.committed)
    out = tmp_path / "history.csv"
    assert lmarena_build.main([str(repo / ".git"), "--out", str(out)]) == 0
    expected = _in_memory(LEADERBOARD_COMMITS)
    assert out.read_text("utf-8") == expected.text
    assert f"5 snapshot dates 2024-06-19 -> 2025-08-04, {expected.rows} rows" in capsys.readouterr().err

    assert lmarena_build.main([str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'nowhere'}: git log")
