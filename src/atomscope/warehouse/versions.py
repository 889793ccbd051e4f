"""Versions of the reference sources: which content of each bundled table the warehouse holds, and every
earlier one (`source_versions`, migration 005).

A version is the table's full content in the bundled file's format (gzip in `content`), recorded once per
distinct content: loading the same content again reuses its version. `source_files.version_id` names the
version each reference table now holds; `sources diff` compares two versions; `init` keeps a fetched version
rather than going back to the older bundled copy.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime

import duckdb

from atomscope.domain.policy import POLICY_FILE, TrackingPolicy


@dataclass(frozen=True)
class SourceContent:
    """One table's content in the bundled format, and where it came from."""

    source_key: str
    text: str
    upstream: str  # the upstream's name, e.g. 'atom'
    origin: str  # 'github.com/owner/repo: path' or a URL
    kind: str  # 'bundled' or 'fetched'
    upstream_version: str | None = None  # commit id or ETag
    upstream_date: datetime | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SourceVersion:
    version_id: int
    source_key: str
    upstream: str
    origin: str
    upstream_version: str | None
    upstream_date: datetime | None
    kind: str
    sha256: str
    row_count: int
    created_at: datetime

    @property
    def label(self) -> str:
        """How the report and `sources list` name it: 'v3 fetched @ 3cd80206db5e'."""
        ref = plain_validator(self.upstream_version) or self.sha256[:12]
        if ref and len(ref) == 40 and all(c in "0123456789abcdef" for c in ref):
            ref = ref[:12]
        return f"v{self.version_id} {self.kind} @ {ref}"


def plain_validator(value: str | None) -> str | None:
    """An ETag as people read it: without the quotes and weak prefix HTTP wraps it in."""
    return value.removeprefix("W/").strip('"') if value else value


_COLUMNS = (
    "version_id, source_key, upstream, origin, upstream_version, upstream_date, kind, sha256, row_count, created_at"
)


def record_version(
    con: duckdb.DuckDBPyConnection, content: SourceContent, row_count: int, run_id: int, now: datetime
) -> int:
    """The version holding exactly this content: an existing one with the same key, kind and checksum, else a
    new one. Runs inside the caller's transaction."""
    found = con.execute(
        "SELECT max(version_id) FROM source_versions WHERE source_key = ? AND sha256 = ? AND kind = ?"
        " AND coalesce(upstream_version, '') = coalesce(?, '')",
        [content.source_key, content.sha256, content.kind, content.upstream_version],
    ).fetchone()[0]
    if found is not None:
        return int(found)
    version_id = int(con.execute("SELECT nextval('source_version_ids')").fetchone()[0])
    con.execute(
        f"INSERT INTO source_versions ({_COLUMNS}, run_id, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            version_id,
            content.source_key,
            content.upstream,
            content.origin,
            content.upstream_version,
            content.upstream_date,
            content.kind,
            content.sha256,
            row_count,
            now,
            run_id,
            gzip.compress(content.text.encode("utf-8"), mtime=0),
        ],
    )
    return version_id


def _version(row) -> SourceVersion:
    return SourceVersion(*row)


def current_versions(con: duckdb.DuckDBPyConnection) -> dict[str, SourceVersion]:
    """source key -> the version the reference table holds now."""
    rows = con.execute(
        f"SELECT {', '.join('v.' + c.strip() for c in _COLUMNS.split(','))} FROM source_files f"
        " JOIN source_versions v ON v.version_id = f.version_id"
    ).fetchall()
    return {row[1]: _version(row) for row in rows}


def versions_of(con: duckdb.DuckDBPyConnection, source_key: str) -> list[SourceVersion]:
    """Every version of one table, oldest first."""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM source_versions WHERE source_key = ? ORDER BY version_id", [source_key]
    ).fetchall()
    return [_version(row) for row in rows]


def version_text(con: duckdb.DuckDBPyConnection, version_id: int) -> str:
    blob = con.execute("SELECT content FROM source_versions WHERE version_id = ?", [version_id]).fetchone()[0]
    return gzip.decompress(blob).decode("utf-8")


def current_fetched(con: duckdb.DuckDBPyConnection) -> dict[str, SourceContent]:
    """The fetched versions the warehouse holds now, as contents `load_bundled` loads instead of the
    bundled files (so that `init` never goes back to an older bundled copy)."""
    out = {}
    for key, version in current_versions(con).items():
        if version.kind != "fetched":
            continue
        out[key] = SourceContent(
            source_key=key,
            text=version_text(con, version.version_id),
            upstream=version.upstream,
            origin=version.origin,
            kind="fetched",
            upstream_version=version.upstream_version,
            upstream_date=version.upstream_date,
        )
    return out


def current_document(con: duckdb.DuckDBPyConnection, source_key: str) -> str | None:
    """The text of a versioned document (ATOM's policy) the warehouse holds, None before its first load."""
    version = current_versions(con).get(source_key)
    return version_text(con, version.version_id) if version else None


def current_policy(con: duckdb.DuckDBPyConnection) -> TrackingPolicy:
    """ATOM's tracking policy the warehouse holds (a version `sources update` fetched), else the bundled file."""
    text = current_document(con, "atom_tracking_policy")
    return TrackingPolicy.load() if text is None else TrackingPolicy.from_text(text, f"(warehouse) {POLICY_FILE}")
