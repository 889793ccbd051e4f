"""`atomscope import hub-stats`: import revisions of the public `cfahlgren1/hub-stats` dataset as snapshots.

For each period the revision chosen by `revisions.History.choose` is read without downloading the whole
file: the Parquet footer, then only the column chunks needed, by HTTP range requests on the revision's
resolve URL (`ranged.py`, which says why pyarrow over `HfFileSystem`). Historical revisions bring counts
only (id, 30-day and all-time downloads); the newest revision chosen brings every column the warehouse
stores (model facts, lineage). Before anything is imported, the footers say what the run will read, and
the plan is printed: revisions, bytes to read, bytes the whole files hold (`--max-bytes` bounds it).

A CSV-era revision, or every revision of a server that ignores `Range`, is downloaded whole with
huggingface_hub (`hf_hub_download(repo_type="dataset", revision=sha)`) and read with the same columns,
so the warehouse gets the same rows either way. Files land in a scratch folder, are streamed into the
warehouse by the dump reader, and are deleted. One transaction per revision holds its rows, its quality
flags and its `hubstats_revisions` row (repo, revision, path, file id): a rerun skips what is recorded
(and reads nothing of it), and a kill -9 at any moment loses at most the revision in flight, which the
rerun imports again.

A file whose content is refused is recorded 'invalid' with the reason (the same blob is not read
again unless `retry_invalid`); a read that fails is recorded 'error' (retried by a rerun). An
interruption (Ctrl-C) is neither: the revision in flight rolls back and is left to be fetched again.
The others go on; the summary lists the failures and the command exits non-zero.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import httpx2
import pyarrow as pa
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import disable_progress_bars, enable_progress_bars
from rich.console import Console

from atomscope.collect.hub import quality, store
from atomscope.collect.hub.access import HubAccess
from atomscope.collect.hub.dump import import_rows, run_details
from atomscope.collect.hub.dumpfile import DumpFile
from atomscope.collect.hubstats.plan import Plan, Step, make_plan
from atomscope.collect.hubstats.progress import HubStatsProgress
from atomscope.collect.hubstats.ranged import RangedReader, RangeIgnored
from atomscope.collect.hubstats.remote import DatasetRemote
from atomscope.collect.hubstats.revisions import MODEL_FILES, Choice, History, ModelsFile
from atomscope.collect.synthetic_label import serves_synthetic
from atomscope.domain.errors import AtomscopeError, DataValidationError, HubUnreachableError
from atomscope.remote.checks import inside
from atomscope.remote.fetch import BadAnswerError, UnreachableError
from atomscope.remote.guard import Limits, RemoteError, byte_cap, deadline
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow
from atomscope.warehouse.facts import refresh_model_facts

DEFAULT_REPO = "cfahlgren1/hub-stats"
_NETWORK = (httpx2.HTTPError, httpx2.InvalidURL, OSError, RemoteError)


@dataclass(frozen=True)
class HubStatsOptions:
    repo: str = DEFAULT_REPO
    since: date | None = None
    until: date | None = None
    every: str = "month"
    endpoint: str | None = None
    token: str | None = None  # None: the ambient token, sent only where collect/hub/access.py allows
    max_files: int | None = None
    max_bytes: int | None = None  # stop before the revision that would read past this many bytes
    work_dir: Path | None = None  # scratch folder of downloads, emptied first (default: a new temporary folder)
    live: bool | None = None
    retry_invalid: bool = False  # fetch revisions recorded 'invalid' again (e.g. after a fix in atomscope)


@dataclass
class Outcome:
    period: date
    snapshot_date: date
    revision: str
    path: str
    status: str  # 'imported', 'done' (recorded earlier), 'invalid', 'error'
    reason: str | None = None
    rows_read: int = 0
    quality: list[str] = field(default_factory=list)


@dataclass
class HubStatsSummary:
    repo: str
    endpoint: str
    outcomes: list[Outcome] = field(default_factory=list)
    empty_periods: list[date] = field(default_factory=list)
    downloaded_bytes: int = 0  # bytes read: footers and column chunks, and whole files
    file_bytes: int = 0  # bytes the files of the revisions imported by this run hold
    whole_bytes: int = 0  # bytes of the files downloaded whole
    stopped: str | None = None  # '--max-files' or '--max-bytes' reached: a rerun continues
    refused: list[str] = field(default_factory=list)  # commits of the listing left out (bad id or date)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in ("invalid", "error")]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def _recorded(con: duckdb.DuckDBPyConnection, repo: str) -> dict[str, tuple[ModelsFile, str, str | None]]:
    rows = con.execute(
        "SELECT revision, path, file_id, lfs_sha256, size, status, reason FROM hubstats_revisions WHERE repo = ?",
        [repo],
    ).fetchall()
    return {r[0]: (ModelsFile(r[1], r[2], r[3], r[4]), r[5], r[6]) for r in rows}


def _record(con, repo: str, choice: Choice, status: str, reason: str | None, rows_read: int | None,
            details: dict | None, endpoint: str, run_id: int) -> None:  # fmt: skip
    import json

    f, rev = choice.file, choice.revision
    con.execute(
        """
        INSERT INTO hubstats_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (repo, revision, path, file_id) DO UPDATE SET status = excluded.status,
            reason = excluded.reason, rows_read = excluded.rows_read, details = excluded.details,
            run_id = excluded.run_id, finished_at = excluded.finished_at
        """,
        [repo, rev.sha, f.path, f.file_id, f.lfs_sha256, rev.committed_at, rev.day, f.size, status, reason,
         rows_read, json.dumps(details or {}, default=str), endpoint, run_id, utcnow()],
    )  # fmt: skip


def _scratch(work_dir: Path | None) -> Path:
    """The download folder: `work_dir` emptied first (what a killed run left there goes), else a new
    temporary folder."""
    if work_dir is None:
        return Path(tempfile.mkdtemp(prefix="atomscope-hubstats-"))
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    return work_dir


def scratch_for(db_path: Path) -> Path:
    """The download folder of a warehouse: beside it, hidden, emptied by every run."""
    return db_path.parent / f".{db_path.name}.hubstats-downloads"


def _probe(remote: DatasetRemote, endpoint: str) -> None:
    """One plain request (no retries) first: an unreachable Hub is told at once. Any HTTP answer but an HTML
    page means reachable."""
    try:
        remote.paths_info("main", MODEL_FILES)
    except BadAnswerError:
        pass
    except UnreachableError as exc:
        raise HubUnreachableError(f"cannot reach the Hub at {endpoint}: {exc}") from None


def _history(remote: DatasetRemote, options: HubStatsOptions, known: dict, endpoint: str) -> History:
    _probe(remote, endpoint)
    try:
        return History(remote, known={k: v[0] for k, v in known.items()})
    except BadAnswerError as exc:
        if exc.status in (401, 404):
            raise AtomscopeError(f"dataset {options.repo} not found at {endpoint}") from None
        raise HubUnreachableError(f"cannot list the commits of {options.repo} at {endpoint}: {exc}") from None
    except RemoteError as exc:
        raise HubUnreachableError(f"cannot list the commits of {options.repo} at {endpoint}: {exc}") from None


def import_hubstats(con: duckdb.DuckDBPyConnection, options: HubStatsOptions, console: Console) -> HubStatsSummary:
    """Import the chosen revisions of the dataset (see the module docstring)."""
    access = HubAccess.resolve(options.endpoint, token=options.token)
    endpoint = access.public
    remote = DatasetRemote(access.endpoint, options.repo, access.token)
    summary = HubStatsSummary(repo=options.repo, endpoint=endpoint)
    store.close_stale_runs(con)
    known = _recorded(con, options.repo)
    with HubStatsProgress(console, live=options.live) as progress:
        progress.stage(f"listing the commits of {options.repo}")
        remote.on_request = progress.request
        history = _history(remote, options, known, endpoint)
        summary.refused = list(remote.refused)
        try:
            choices, summary.empty_periods = history.choose(options.every, options.since, options.until)
        except (HfHubHTTPError, *_NETWORK) as exc:
            raise HubUnreachableError(f"cannot read the revisions of {options.repo} at {endpoint}: {exc}") from None
        settled = ("ok",) if options.retry_invalid else ("ok", "invalid")
        todo = [c for c in choices if known.get(c.revision.sha, (None, None))[1] not in settled]
        for c in choices:
            if c not in todo:
                _, status, reason = known[c.revision.sha]
                summary.outcomes.append(Outcome(c.period, c.revision.day, c.revision.sha, c.file.path,
                                                "done" if status == "ok" else "invalid", reason))  # fmt: skip
        if options.max_files is not None and len(todo) > options.max_files:
            todo, summary.stopped = todo[: options.max_files], "--max-files"
        if not todo:
            summary.outcomes.sort(key=lambda o: o.period)
            return summary
        run_id = start_run(con, "import_hubstats", endpoint=endpoint, synthetic=serves_synthetic(endpoint))
        scratch = _scratch(options.work_dir)
        reader = RangedReader(access, options.repo, on_bytes=progress.bytes, on_request=progress.request)
        imported = 0
        disable_progress_bars()
        try:
            progress.stage(f"reading the Parquet footers of {len(todo)} revision(s)")
            plan = make_plan(reader, todo, choices[-1].revision.sha, max_bytes=options.max_bytes,
                             on_error=_classify)  # fmt: skip
            for choice, status, reason in plan.failed:
                summary.outcomes.append(_failed(con, options.repo, choice, status, reason, endpoint, run_id))
            if plan.stopped:
                summary.stopped = "--max-bytes"
            summary.file_bytes = plan.file_bytes
            progress.plan(len(plan.steps), plan.read_bytes, plan.file_bytes)
            _say_whole(progress, plan, endpoint)
            for step in plan.steps:
                outcome = _one(con, access, reader, options, step, scratch, run_id, progress)
                summary.outcomes.append(outcome)
                if step.remote is None and outcome.status != "error":
                    summary.whole_bytes += step.file_bytes
                imported += outcome.status == "imported"
            if imported:
                with transaction(con):
                    refresh_model_facts(con)
        except BaseException as exc:
            finish_run(con, run_id, "failed", {"repo": options.repo, "error": str(exc)[:500]})
            raise
        finally:
            summary.downloaded_bytes = reader.bytes_read + summary.whole_bytes
            enable_progress_bars()
            shutil.rmtree(scratch, ignore_errors=True)
        summary.outcomes.sort(key=lambda o: o.period)
        finish_run(con, run_id, "ok" if not summary.failed else "failed", {
            "repo": options.repo, "imported": imported, "failed": len(summary.failed),
            "bytes": summary.downloaded_bytes, "file_bytes": summary.file_bytes, "stopped": summary.stopped,
        })  # fmt: skip
    return summary


def _classify(choice: Choice, exc: Exception) -> tuple[str, str]:
    """(status, reason) of a revision whose footer could not be read; anything else is raised."""
    if isinstance(exc, DataValidationError):
        return "invalid", f"{choice.file.path}: {exc.message}"[:500]
    if isinstance(exc, (HfHubHTTPError, *_NETWORK)):
        return "error", f"download failed: {str(exc).splitlines()[0][:300]}"
    raise exc


def _failed(con, repo: str, choice: Choice, status: str, reason: str, endpoint: str, run_id: int) -> Outcome:
    with transaction(con):
        _record(con, repo, choice, status, reason, None, None, endpoint, run_id)
    rev = choice.revision
    return Outcome(choice.period, rev.day, rev.sha, choice.file.path, status, reason)


def _say_whole(progress: HubStatsProgress, plan: Plan, endpoint: str) -> None:
    """One line when files are downloaded whole, and why."""
    whole = plan.whole
    if plan.range_ignored:
        progress.say(f"{endpoint} ignores HTTP Range requests: {len(whole)} file(s) downloaded whole instead")
    elif whole:
        progress.say(f"{len(whole)} CSV-era file(s) downloaded whole (CSV cannot be read by column)")


def _one(con, access: HubAccess, reader: RangedReader, options: HubStatsOptions, step: Step, scratch: Path,
         run_id: int, progress: HubStatsProgress) -> Outcome:  # fmt: skip
    endpoint, choice = access.public, step.choice
    rev, f = choice.revision, choice.file
    outcome = Outcome(choice.period, rev.day, rev.sha, f.path, "imported")
    progress.revision(f"{rev.day} {f.path} @ {rev.sha[:10]}")
    folder = inside(scratch, rev.sha)  # History accepts 40-hex ids only; this is the second lock on the door
    try:
        limits = Limits.from_env()
        with (
            deadline(limits.command_s, f"reading {f.path} @ {rev.sha[:12]}"),
            byte_cap(limits.max_download_bytes, f"{f.path} @ {rev.sha[:12]}"),
        ):
            if step.remote is not None:
                folder.mkdir(parents=True, exist_ok=True)
                local = folder / f.path
                reader.fetch(step.remote, local)
            else:
                progress.request()
                local = Path(hf_hub_download(options.repo, f.path, repo_type="dataset", revision=rev.sha,
                                             cache_dir=folder, endpoint=access.endpoint,
                                             token=access.token))  # fmt: skip
                progress.bytes(f.size or local.stat().st_size)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        outcome.status, outcome.reason = "invalid", f"{f.path}: cannot read the dump: {str(exc).splitlines()[0]}"
    except (HfHubHTTPError, RangeIgnored, *_NETWORK) as exc:
        outcome.status, outcome.reason = "error", f"download failed: {str(exc).splitlines()[0][:300]}"
    else:
        source = f"hubstats:{options.repo}@{rev.sha}"
        try:
            with DumpFile(local, rev.day, counts_only=not step.full) as dump, transaction(con):
                result = import_rows(con, dump, source=source, endpoint=endpoint, run_id=run_id,
                                     tracked_only=not step.full, on_rows=progress.rows)  # fmt: skip
                result.quality = quality.record_import(con, result, source=source, run_id=run_id)
                _record(con, options.repo, choice, "ok", None, result.rows_read, run_details(result), endpoint,
                        run_id)  # fmt: skip
            outcome.rows_read, outcome.quality = result.rows_read, result.quality
        except duckdb.InterruptException:  # Ctrl-C while DuckDB worked: an interruption, not a refusal of the file
            raise KeyboardInterrupt from None  # the transaction rolled back; nothing is recorded, a rerun fetches it
        except (DataValidationError, duckdb.Error) as exc:
            message = str(exc).replace(str(local), f.path).splitlines()[0]
            outcome.status, outcome.reason = "invalid", message[:500]
    if outcome.status != "imported":
        with transaction(con):
            _record(con, options.repo, choice, outcome.status, outcome.reason, None, None, endpoint, run_id)
    shutil.rmtree(folder, ignore_errors=True)
    progress.done_revision()
    return outcome
