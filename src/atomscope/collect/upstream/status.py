"""What `atomscope sources list` shows: per table, its upstream, the version loaded, license and rows."""

from __future__ import annotations

import duckdb
import pandas as pd

from atomscope.sources.upstream_catalog import UPSTREAMS, upstream_of
from atomscope.warehouse.load import BUNDLED
from atomscope.warehouse.versions import current_versions, plain_validator


def _when(value) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else None


def sources_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per table of every upstream: where it comes from, the version the warehouse holds (commit or
    ETag, content hash, bundled or fetched, when), the last check of its upstream, license and rows."""
    versions = current_versions(con)
    checks = {
        row[0]: row[1:]
        for row in con.execute("SELECT upstream, checked_at, status, message FROM source_checks").fetchall()
    }
    records = []
    keys = [key for upstream in UPSTREAMS for key in upstream.produces]
    keys += [spec.source_key for spec in BUNDLED if spec.source_key not in keys]  # any table added later
    for key in keys:
        upstream = upstream_of(key)
        checked_at, status, message = checks.get(upstream.name, (None, None, None))
        version = versions.get(key)
        records.append(
            {
                "source": upstream.name,
                "table": key,
                # the origin the loaded version was fetched from (a `--url` override included)
                "origin": version.origin if version and version.kind == "fetched" else upstream.origin_of(key),
                "version": f"v{version.version_id}" if version else None,
                "kind": version.kind if version else "not loaded",
                "upstream_version": plain_validator(version.upstream_version) if version else None,
                "sha256": version.sha256[:12] if version else None,
                "loaded": _when(version.created_at) if version else None,
                "rows": version.row_count if version else None,
                "license": upstream.license,
                "refresh": "yes" if upstream.refresh else "no",
                "last_check": f"{status} {_when(checked_at)}" if status else None,
                "check_message": message,
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame["rows"] = frame["rows"].astype("Int64")
    return frame
