"""`import hub-dump`: history you did not collect, from a dump of Hub model metadata (parquet or CSV).

Schema (documented in docs/imports.md): one row per model with `id`, `author`, `createdAt`, `downloads`,
`downloadsAllTime`, `likes`, `tags`, `pipeline_tag`; optional `lastModified`, `library_name`, `gated`,
`safetensors_total`. Tracked models become `hf_snapshots` rows for the dump's date with
source='import:<file name>' (a row already stored for that model and day, e.g. from the API, wins: nothing
is overwritten). Other models with a namespaced id become `hub_models` rows if not yet known, and their
`base_model:<relation>:<parent>` tags become `derivative_edges` (unless `tracked_only`). Dumps of
different dates accumulate as history; importing the same dump again adds nothing.
A bad row (missing or mistyped field, unparseable id or date) is skipped and counted by reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from atomscope.collect.hub import store
from atomscope.collect.hub.records import CrawlRow, SkipCounter, SnapshotRow, lineage, valid_model_id
from atomscope.domain.errors import DataValidationError
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow
from atomscope.warehouse.facts import refresh_model_facts

REQUIRED = ("id", "author", "createdAt", "downloads", "downloadsAllTime", "likes", "tags", "pipeline_tag")
OPTIONAL = ("lastModified", "library_name", "gated", "safetensors_total")


@dataclass
class ImportSummary:
    file: str
    snapshot_date: date
    rows_read: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    skipped: SkipCounter = field(default_factory=SkipCounter)
    respelled: int = 0  # parent ids stored with the known model's spelling (case differs)


class _Bad(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def read_dump(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".csv", ".gz") or path.name.lower().endswith(".csv.gz"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        else:
            raise DataValidationError(str(path), None, "unknown format: use .parquet or .csv")
    except (OSError, ValueError) as exc:
        raise DataValidationError(str(path), None, f"cannot read the dump: {exc}") from exc
    if missing := [c for c in REQUIRED if c not in frame.columns]:
        raise DataValidationError(str(path), None, f"missing column(s): {', '.join(missing)}")
    return frame


def _none(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _int(value: Any, name: str, required: bool = True) -> int | None:
    if _none(value):
        if required:
            raise _Bad(f"missing:{name}")
        return None
    if isinstance(value, bool):
        raise _Bad(f"wrong_type:{name}")
    try:
        number = float(value) if isinstance(value, str) else value
        if number != int(number) or number < 0:
            raise ValueError
        return int(number)
    except (TypeError, ValueError):
        raise _Bad(f"wrong_type:{name}") from None


def _ts(value: Any, name: str, required: bool = True) -> datetime | None:
    if _none(value) or value == "":
        if required:
            raise _Bad(f"missing:{name}")
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise _Bad(f"wrong_type:{name}") from None
    if ts is pd.NaT:
        raise _Bad(f"wrong_type:{name}")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(UTC).tz_localize(None)
    return ts.to_pydatetime()


def _text(value: Any, name: str) -> str | None:
    if _none(value) or value == "":
        return None
    if not isinstance(value, str):
        raise _Bad(f"wrong_type:{name}")
    return value


def _tags(value: Any) -> list[str]:
    if _none(value):
        raise _Bad("missing:tags")
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            raise _Bad("wrong_type:tags") from None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise _Bad("wrong_type:tags")
    return value


def _gated(value: Any) -> str:
    if _none(value) or value == "":
        return "false"
    text = str(value).strip().lower()
    if text in ("false", "0", "auto", "manual"):
        return "false" if text in ("false", "0") else text
    if text in ("true", "1"):
        return "true"  # gated, mode not given by the dump
    raise _Bad("wrong_type:gated")


def _row(rec: dict) -> tuple[SnapshotRow, str | None]:
    model_id = rec.get("id")
    if _none(model_id) or not valid_model_id(model_id):
        raise _Bad("unexpected_id")
    return SnapshotRow(
        model_id=model_id,
        downloads_30d=_int(rec.get("downloads"), "downloads"),
        downloads_all_time=_int(rec.get("downloadsAllTime"), "downloadsAllTime"),
        likes=_int(rec.get("likes"), "likes"),
        created_at=_ts(rec.get("createdAt"), "createdAt"),
        last_modified=_ts(rec.get("lastModified"), "lastModified", required=False),
        pipeline_tag=_text(rec.get("pipeline_tag"), "pipeline_tag"),
        library_name=_text(rec.get("library_name"), "library_name"),
        gated=_gated(rec.get("gated")),
        safetensors_total=_int(rec.get("safetensors_total"), "safetensors_total", required=False),
        tags=_tags(rec.get("tags")),
    ), _text(rec.get("author"), "author")


def import_hub_dump(con: duckdb.DuckDBPyConnection, path: Path, snapshot_date: date, *,
                    tracked_only: bool = False, batch: int = 50_000) -> ImportSummary:  # fmt: skip
    """Import one dump for `snapshot_date` in one transaction (see the module docstring)."""
    path = Path(path)
    frame = read_dump(path)
    summary = ImportSummary(file=path.name, snapshot_date=snapshot_date, rows_read=len(frame))
    tracked = store.load_tracked(con)
    source = f"import:{path.name}"
    seen_at = datetime.combine(snapshot_date, datetime.min.time())
    run_id = start_run(con, "import_dump")
    counts = {"hf_snapshots": 0, "hub_models": 0, "derivative_edges": 0}
    try:
        with transaction(con):
            columns = [c for c in (*REQUIRED, *OPTIONAL) if c in frame.columns]
            for start in range(0, len(frame), batch):
                chunk = frame.iloc[start:start + batch][columns].to_dict(orient="records")
                snaps, hubs, edges = [], [], []
                for rec in chunk:
                    try:
                        row, author = _row(rec)
                    except _Bad as bad:
                        summary.skipped.add(bad.reason)
                        continue
                    tracked_id = tracked.resolve(row.model_id)
                    if tracked_id is not None:
                        snaps.append((tracked_id, row))
                    elif not tracked_only:
                        hubs.append(CrawlRow(row.model_id, author, row.created_at, row.downloads_30d, row.likes,
                                             row.pipeline_tag, row.tags))  # fmt: skip
                    if not tracked_only:
                        found, problems = lineage(row.model_id, row.tags)
                        for reason in problems:
                            summary.skipped.add(f"edge {reason}")
                        edges.extend((row.model_id, p, r) for p, r in found)
                counts["hf_snapshots"] += store.insert_snapshots(
                    con, snaps, day=snapshot_date, collected_at=utcnow(), endpoint=None, source=source, run_id=run_id
                )
                counts["hub_models"] += store.insert_hub_models_if_absent(con, hubs, seen_at=seen_at, run_id=run_id)
                edges, respelled = store.canonical_edges(con, edges, [h.model_id for h in hubs])
                summary.respelled += respelled
                counts["derivative_edges"] += store.insert_edges(con, edges, now=seen_at, run_id=run_id)
            if counts["hf_snapshots"]:
                refresh_model_facts(con)
    except BaseException as exc:
        finish_run(con, run_id, "failed", {"file": path.name, "error": str(exc)[:500]})
        raise
    summary.rows = counts
    finish_run(con, run_id, "ok", {"file": path.name, "snapshot_date": snapshot_date.isoformat(),
                                   "rows_read": summary.rows_read, "rows": counts,
                                   "skipped": dict(summary.skipped)})  # fmt: skip
    return summary
