"""`atomscope sources update`: fetch each upstream, transform, validate with the bundled contracts, load.

Each upstream is tried on its own: a fetch or validation failure (with the upstream file:line) leaves that
source at its previous version, and the others still update. Tables of every upstream that passed are
validated together with the cross-file rules, then loaded as new versions in ONE transaction
(`load_bundled`). An upstream whose commit or ETag has not changed costs one request and loads nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from atomscope.collect.upstream.fetch import Fetched, Known, Unchanged, fetch_upstream
from atomscope.collect.upstream.formats import Transformed
from atomscope.collect.upstream.http import (
    LAST_MODIFIED_PREFIX,
    UpstreamClient,
    UpstreamError,
    UpstreamUnreachableError,
)
from atomscope.config import data_dir as bundled_data_dir
from atomscope.domain.errors import AtomscopeError, DataValidationError
from atomscope.sources.csvtable import TableContract, read_table_text
from atomscope.sources.upstream_catalog import BY_NAME, UPSTREAMS, Upstream
from atomscope.warehouse.db import transaction, utcnow
from atomscope.warehouse.load import BUNDLED, load_bundled, read_bundled
from atomscope.warehouse.versions import SourceContent, current_fetched, current_versions, version_text

CONTRACTS: dict[str, TableContract] = {spec.source_key: spec.contract for spec in BUNDLED}


class UnknownSourceError(AtomscopeError):
    """A source name `sources update/diff` does not know."""


@dataclass
class UpstreamResult:
    name: str
    # 'updated', 'unchanged', 'failed', 'unreachable', 'not tried', 'would update' (dry run), 'not refreshable'
    status: str
    message: str = ""
    requests: int = 0
    version: str | None = None  # commit id or ETag fetched
    tables: dict[str, int] = field(default_factory=dict)  # source key -> rows, of what was (or would be) loaded
    # dry run: source key -> (text loaded now, text that would be loaded), for `sources update --dry-run`'s diff
    pending: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    # curated rows of the package this version no longer matches: left out of the load, reported
    warnings: list[str] = field(default_factory=list)
    registry_changes: list[str] = field(default_factory=list)  # the organization registry following ATOM

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "unreachable")


def select(names: list[str] | None) -> list[Upstream]:
    """The upstreams named (an upstream name or one of its tables), or every refreshable one."""
    if not names:
        return [u for u in UPSTREAMS if u.refresh]
    chosen: list[Upstream] = []
    for name in names:
        upstream = BY_NAME.get(name) or next((u for u in UPSTREAMS if name in u.produces), None)
        if upstream is None:
            known = ", ".join(u.name for u in UPSTREAMS)
            raise UnknownSourceError(f"unknown source {name!r}; known: {known} (or one of their tables)")
        if upstream not in chosen:
            chosen.append(upstream)
    return chosen


def _known(con: duckdb.DuckDBPyConnection, upstream: Upstream) -> Known:
    check = con.execute(
        "SELECT upstream_version, etag, tree_sha FROM source_checks WHERE upstream = ?", [upstream.name]
    ).fetchone()
    versions = current_versions(con)
    texts = {key: version_text(con, versions[key].version_id) for key in upstream.produces if key in versions}
    if check and check[0]:
        blobs = {
            path: (blob, gzip.decompress(content).decode("utf-8"))
            for path, blob, content in con.execute(
                "SELECT path, blob_sha, content FROM upstream_files WHERE upstream = ?", [upstream.name]
            ).fetchall()
        }
        return Known(check[0], check[1], texts, tree=check[2], blobs=blobs)
    if upstream.url:
        return Known(None, None, texts)  # the bundled copy has no ETag: the first check downloads the file
    loaded = [versions[k].upstream_version for k in upstream.produces if k in versions]
    version = loaded[0] if loaded and all(v == loaded[0] for v in loaded) else None
    return Known(version, None, texts)  # the bundled commit (SOURCES.md)


def _same_rows(contract: TableContract, old: str | None, new: list[dict]) -> bool:
    """Whether the `old` text holds the same rows as `new` (the new version's rows, as `_validate` parsed them)."""
    if old is None:
        return False

    def rows(parsed: list[dict]) -> Counter:  # order-insensitive: upstream file order is not data
        return Counter(tuple((k, v) for k, v in r.items() if k != "_line") for r in parsed)

    return rows(read_table_text(old, contract, "-")) == rows(new)


def _filled(text: str) -> Counter:
    """Non-empty values per column of a table in its bundled format."""
    counts: Counter = Counter()
    for row in csv.DictReader(io.StringIO(text)):
        counts.update(k for k, v in row.items() if k is not None and v not in (None, ""))
    return counts


def _refuse_emptied_columns(where: str, table: Transformed, old: str | None) -> None:
    """A contract column the loaded version fills and the new one leaves empty in every row is a contract
    change upstream (a renamed field reads as nulls), not data: refused, naming the upstream and the column."""
    if old is None:
        return
    before, after = _filled(old), _filled(table.text)
    columns = [c.name for c in CONTRACTS[table.source_key].columns]
    emptied = [c for c in columns if before[c] and not after[c] and c not in table.era_absent]
    if emptied:
        column = emptied[0]
        raise DataValidationError(
            where, None,
            f"column {column!r} of {table.source_key} would be emptied (the loaded version has {before[column]:,} "
            f"values, this one none): a renamed or dropped upstream field? refused",
        )  # fmt: skip


def _validate(tables: list[Transformed]) -> dict[str, list]:
    """Each table against its contract; a violation is reported at the upstream file and line."""
    parsed = {}
    for table in tables:
        try:
            parsed[table.source_key] = read_table_text(table.text, CONTRACTS[table.source_key], table.source_key)
        except DataValidationError as exc:
            raise table.upstream_error(exc) from None
    return parsed


def _contents(
    upstream: Upstream, fetched: Fetched, tables: list[Transformed], documents: dict[str, str]
) -> dict[str, SourceContent]:
    texts = {t.source_key: t.text for t in tables} | documents
    return {
        key: SourceContent(
            source_key=key,
            text=text,
            upstream=upstream.name,
            origin=fetched.origin or upstream.origin_of(key),
            kind="fetched",
            upstream_version=fetched.version,
            upstream_date=fetched.date,
        )
        for key, text in texts.items()
    }


def _record_check(
    con, upstream: str, result: UpstreamResult, etag: str | None, run_id: int | None, read: _Read | None
) -> None:
    """Remember the answer; a failed check keeps the last good commit/ETag/tree so the next run tries again.
    The files read (by blob id) replace the upstream's kept files, for the next moved head."""
    keep = result.failed
    tree = None if keep or read is None else read.tree
    con.execute(
        "INSERT INTO source_checks (upstream, checked_at, status, upstream_version, etag, message, run_id, tree_sha)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (upstream) DO UPDATE SET checked_at = excluded.checked_at,"
        " status = excluded.status, message = excluded.message, run_id = excluded.run_id"
        + ("" if keep else ", upstream_version = excluded.upstream_version, etag = excluded.etag,"
           " tree_sha = coalesce(excluded.tree_sha, source_checks.tree_sha)"),
        [upstream, utcnow(), result.status, None if keep else result.version, None if keep else etag, result.message,
         run_id or 0, tree],
    )  # fmt: skip
    if keep or read is None or not read.blobs:
        return
    with transaction(con):
        con.execute("DELETE FROM upstream_files WHERE upstream = ?", [upstream])
        con.executemany(
            "INSERT INTO upstream_files VALUES (?, ?, ?, ?)",
            [[upstream, path, blob, gzip.compress(text.encode("utf-8"), mtime=0)]
             for path, (blob, text) in read.blobs.items()],
        )  # fmt: skip


@dataclass(frozen=True)
class _Read:
    """What a check read of a repository: the head's tree id and the files by blob id."""

    tree: str | None
    blobs: dict[str, tuple[str, str]]


def update_sources(
    con: duckdb.DuckDBPyConnection,
    client: UpstreamClient,
    names: list[str] | None = None,
    *,
    dry_run: bool = False,
    folder: Path | None = None,
    deadline: float | None = None,  # time.monotonic() after which no further upstream is started
    stop_when_unreachable: bool = False,  # offline: do not wait for every other upstream's timeout too
    on_progress=None,
) -> list[UpstreamResult]:
    folder = Path(folder) if folder else bundled_data_dir()
    accepted: dict[str, SourceContent] = {}
    etags: dict[str, str | None] = {}
    reads: dict[str, _Read] = {}
    results: list[UpstreamResult] = []
    base = current_fetched(con)
    for upstream in select(names):
        if on_progress:
            on_progress(upstream.name)
        result = UpstreamResult(upstream.name, "unchanged")
        results.append(result)
        if not upstream.refresh:
            result.status, result.message = "not refreshable", "comes with atomscope (no upstream to refresh)"
            continue
        if deadline is not None and time.monotonic() > deadline:
            result.status, result.message = "not tried", "the time budget ran out"
            continue
        if stop_when_unreachable and any(r.status == "unreachable" for r in results):
            result.status, result.message = "not tried", "an upstream was unreachable (offline?)"
            continue
        before = client.requests
        known = _known(con, upstream)
        try:
            fetched = fetch_upstream(upstream, client, known)
            if isinstance(fetched, Unchanged):
                result.version, etags[upstream.name] = fetched.version, fetched.etag
                reads[upstream.name] = _Read(fetched.tree, {})
                result.message = f"upstream unchanged ({_short(fetched.version) or 'same ETag'})"
                continue
            result.version, etags[upstream.name] = fetched.version, fetched.etag
            reads[upstream.name] = _Read(fetched.tree, fetched.blobs)
            parsed = _validate(fetched.tables)
            changed = [t for t in fetched.tables if not _same_rows(CONTRACTS[t.source_key],
                                                                    known.texts.get(t.source_key),
                                                                    parsed[t.source_key])]  # fmt: skip
            for table in changed:
                where = f"{fetched.origin or upstream.origin_of(table.source_key)} @ {_short(fetched.version)}"
                _refuse_emptied_columns(where, table, known.texts.get(table.source_key))
            documents = {k: t for k, t in fetched.documents.items() if t != known.texts.get(k)}
            if not changed and not documents:
                result.message = f"new upstream version {_short(fetched.version)}, same rows"
                continue
            contents = _contents(upstream, fetched, changed, documents)
            registry_changes: list[str] = []
            stale: list[str] = []
            try:  # the cross-file rules
                read_bundled(folder, {**base, **accepted, **contents}, registry_changes, stale)
            except DataValidationError as exc:
                raise _cross_file_error(exc, changed) from None
            reported = {w for r in results for w in r.warnings}
            result.warnings = [w for w in stale if w not in reported]
            if "atom_organization_regions" in contents:
                result.registry_changes = registry_changes
            accepted.update(contents)
            if dry_run:
                result.pending = {k: (known.texts.get(k), c.text) for k, c in contents.items()}
            result.tables = {t.source_key: len(parsed[t.source_key]) for t in changed} | dict.fromkeys(documents, 1)
            result.status = "would update" if dry_run else "updated"
            result.message = ", ".join(f"{k} {n} rows" for k, n in result.tables.items())
            if result.warnings:
                result.message += f"; {len(result.warnings)} curated row(s) no longer match and were left out"
        except UpstreamUnreachableError as exc:
            result.status, result.message = "unreachable", str(exc)
        except (UpstreamError, DataValidationError) as exc:
            result.status, result.message = "failed", str(exc)
        finally:
            result.requests = client.requests - before
    if dry_run:
        return results
    run_id = None
    if accepted:
        summary = load_bundled(con, folder, contents={**base, **accepted}, kind="sources")
        run_id = summary.run_id
    for result in results:
        if result.status not in ("not refreshable", "not tried"):
            _record_check(con, result.name, result, etags.get(result.name), run_id, reads.get(result.name))
    return results


def _short(version: str | None) -> str:
    """A commit id or ETag as people read it: 12 characters, without the ETag's quotes."""
    text = (version or "").removeprefix("W/").strip('"')
    if text.startswith(LAST_MODIFIED_PREFIX):
        return "Last-Modified " + text.removeprefix(LAST_MODIFIED_PREFIX)
    return text[:12]


def _cross_file_error(exc: DataValidationError, tables: list[Transformed]) -> DataValidationError:
    for table in tables:
        if exc.file.endswith(f"-> {CONTRACTS[table.source_key].file_name}"):
            return table.upstream_error(exc)
    return exc
