"""`import openrouter`: token usage per period and model from a file you obtained (atomscope ships none).

Formats (docs/imports.md): CSV with a header row; JSON as an array of objects or an object whose `data` is
that array (the shape of OpenRouter's `GET /api/v1/activity`); JSON Lines (`.jsonl`, one object a line).
Fields: `date` (the day, or the first day of the week, the row covers: YYYY-MM-DD), `model` (an OpenRouter
slug, `:free` and other variants allowed), and `tokens` or both `prompt_tokens` and `completion_tokens`
(then tokens = their sum). When present, `endpoint_id`, `provider_name` or `provider` (first found) tells
rows of one model and day served by different providers apart (the activity API's grain).

Every row is validated before anything is written; the first bad row fails the whole import with
`file:line: what is wrong`. All rows go in one transaction (load run `import_openrouter`). A row whose
(date, model, provider) is already stored with the same token counts is skipped, so importing a file
again adds nothing; one stored with different counts is an error (the import never overwrites).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from atomscope.domain import safeparse
from atomscope.domain.errors import DataValidationError, ImportInterruptedError
from atomscope.sources.openrouter import SLUG_WITH_VARIANT, base_slug
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow

ALIASES = {
    "promptTokens": "prompt_tokens",
    "completionTokens": "completion_tokens",
    "endpointId": "endpoint_id",
    "providerName": "provider_name",
    "total_tokens": "tokens",
}
PROVIDER_FIELDS = ("endpoint_id", "provider_name", "provider")
MAX_COUNT = 2**63 - 1  # BIGINT
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")  # "1,250,000" as a rankings page prints it


@dataclass(frozen=True)
class UsageRow:
    line: int
    period_date: date
    model_slug: str
    provider: str
    tokens: int
    prompt_tokens: int | None
    completion_tokens: int | None

    @property
    def key(self) -> tuple[date, str, str]:
        return (self.period_date, self.model_slug, self.provider)


@dataclass
class UsageImportSummary:
    file: str
    run_id: int
    rows_read: int
    inserted: int
    already_stored: int
    models: int  # distinct base slugs (variants counted once)
    first_date: date | None
    last_date: date | None


def read_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, record) pairs of a CSV, JSON or JSON Lines file."""
    label = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(label, None, f"cannot read: {exc}") from None
    text = safeparse.decode_text(data, label)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_records(label, text)
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl_records(label, text)
    if suffix == ".json":
        return _json_records(label, text)
    raise DataValidationError(label, None, "unknown format: use .csv, .json or .jsonl")


def _csv_records(label: str, text: str) -> list[tuple[int, dict[str, Any]]]:
    fields, records = safeparse.read_csv(text, label)
    header = [ALIASES.get(h.strip(), h.strip()) for h in fields]
    _check_fields(label, 1, set(header), "missing column(s)")
    return [(line, dict(zip(header, raw.values(), strict=True))) for line, raw in records]


def _jsonl_records(label: str, text: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (number, safeparse.load_json(line, label, first_line=number))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def _json_records(label: str, text: str) -> list[tuple[int, dict[str, Any]]]:
    """Objects of the top-level array (or of `data`), each with the line it starts on."""
    payload = safeparse.load_json(text, label)  # bounded: refuses what the walk below could trip on
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        start = _data_array_start(text)
    elif isinstance(payload, list):
        start = text.index("[")
    else:
        raise DataValidationError(label, 1, "expected an array of objects or an object with a `data` array")
    decoder = json.JSONDecoder()
    records, pos = [], start + 1
    while True:
        pos = _skip(text, pos, " \t\r\n,")
        if text[pos] == "]":
            return records
        value, end = decoder.raw_decode(text, pos)
        records.append((text.count("\n", 0, pos) + 1, value))
        pos = end


def _data_array_start(text: str) -> int:
    """Position of the `[` of the top-level `data` member (other members are skipped by decoding them)."""
    decoder = json.JSONDecoder()
    pos = _skip(text, text.index("{") + 1, " \t\r\n,")
    while True:
        key, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos, " \t\r\n:")
        if key == "data":
            return pos
        _value, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos, " \t\r\n,")


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _check_fields(label: str, line: int, fields: set[str], what: str) -> None:
    missing = [f for f in ("date", "model") if f not in fields]
    if "tokens" not in fields and not {"prompt_tokens", "completion_tokens"} <= fields:
        missing.append("tokens (or prompt_tokens and completion_tokens)")
    if missing:
        raise DataValidationError(label, line, f"{what}: {', '.join(missing)}")


def parse_rows(label: str, records: list[tuple[int, dict[str, Any]]]) -> list[UsageRow]:
    rows: list[UsageRow] = []
    seen: dict[tuple, int] = {}
    for line, record in records:
        if not isinstance(record, dict):
            raise DataValidationError(label, line, "expected an object")
        record = {ALIASES.get(k, k): v for k, v in record.items()}
        present = {k for k, v in record.items() if not _empty(v)}
        _check_fields(label, line, present, "missing value(s)")
        row = _parse(label, line, record)
        if row.key in seen:
            raise DataValidationError(
                label,
                line,
                f"duplicate row for date {row.period_date}, model {row.model_slug!r}"
                + (f", provider {row.provider!r}" if row.provider else "")
                + f", first at line {seen[row.key]}",
            )
        seen[row.key] = line
        rows.append(row)
    return rows


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(label: str, line: int, record: dict[str, Any]) -> UsageRow:
    raw_date = record["date"]
    try:
        if not isinstance(raw_date, str):
            raise ValueError
        day = datetime.fromisoformat(raw_date.strip()).date()
    except ValueError:
        raise DataValidationError(label, line, f"date: {raw_date!r} is not a YYYY-MM-DD day") from None
    model = record["model"]
    slug = model.strip().lower() if isinstance(model, str) else ""
    if not re.fullmatch(SLUG_WITH_VARIANT, slug):
        raise DataValidationError(label, line, f"model: {model!r} is not an OpenRouter slug such as 'qwen/qwen3-32b'")
    prompt = _count(label, line, record, "prompt_tokens")
    completion = _count(label, line, record, "completion_tokens")
    tokens = _count(label, line, record, "tokens")
    if tokens is None:
        if prompt is None or completion is None:
            raise DataValidationError(label, line, "tokens is empty and prompt_tokens + completion_tokens incomplete")
        tokens = prompt + completion
        if tokens > MAX_COUNT:
            raise DataValidationError(label, line, f"prompt_tokens + completion_tokens is larger than {MAX_COUNT}")
    provider = next((str(record[f]).strip() for f in PROVIDER_FIELDS if not _empty(record.get(f))), "")
    return UsageRow(line, day, slug, provider, tokens, prompt, completion)


def _count(label: str, line: int, record: dict[str, Any], name: str) -> int | None:
    value = record.get(name)
    if _empty(value):
        return None
    number = _whole_number(value)
    if number is None or number < 0:
        raise DataValidationError(label, line, f"{name}: {value!r} is not a whole number >= 0")
    if number > MAX_COUNT:
        raise DataValidationError(label, line, f"{name}: {value!r} is larger than the warehouse stores ({MAX_COUNT})")
    return number


def _whole_number(value: Any) -> int | None:
    """A count as an exact int (9007199254740993 stays so: never through a float unless written as one)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if re.fullmatch(r"\d{1,30}", text):
        return int(text)
    try:
        number = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def read_usage(path: str | Path) -> list[UsageRow]:
    """Every row of the file, validated (no warehouse needed: read it before taking the write lock)."""
    return parse_rows(str(path), read_records(Path(path)))


def import_usage(
    con: duckdb.DuckDBPyConnection, path: str | Path, rows: list[UsageRow] | None = None
) -> UsageImportSummary:
    """Validate the whole file (or take `rows` from `read_usage`), then write it in one transaction."""
    path = Path(path)
    label = str(path)
    rows = read_usage(path) if rows is None else rows
    run_id = start_run(con, "import_openrouter")
    try:
        with transaction(con):
            inserted, already = _store(con, label, path.name, rows, run_id)
    except (KeyboardInterrupt, duckdb.InterruptException):
        finish_run(con, run_id, "interrupted", {"file": path.name})
        raise ImportInterruptedError(f"{label}: interrupted (Ctrl-C); nothing was imported") from None
    except Exception as exc:
        finish_run(con, run_id, "failed", {"file": path.name, "error": str(exc)})
        raise
    dates = [r.period_date for r in rows]
    summary = UsageImportSummary(
        file=path.name,
        run_id=run_id,
        rows_read=len(rows),
        inserted=inserted,
        already_stored=already,
        models=len({base_slug(r.model_slug) for r in rows}),
        first_date=min(dates, default=None),
        last_date=max(dates, default=None),
    )
    finish_run(
        con, run_id, "ok", {"file": path.name, "rows_read": len(rows), "inserted": inserted, "already_stored": already}
    )
    return summary


def _store(con, label: str, file_name: str, rows: list[UsageRow], run_id: int) -> tuple[int, int]:
    """Set-based: the rows go to DuckDB as one Arrow table; conflicts and new rows are two joins."""
    import pyarrow as pa

    fresh = pa.table(
        {
            "period_date": pa.array([r.period_date for r in rows], pa.date32()),
            "model_slug": pa.array([r.model_slug for r in rows], pa.string()),
            "base_slug": pa.array([base_slug(r.model_slug) for r in rows], pa.string()),
            "provider": pa.array([r.provider for r in rows], pa.string()),
            "tokens": pa.array([r.tokens for r in rows], pa.int64()),
            "prompt_tokens": pa.array([r.prompt_tokens for r in rows], pa.int64()),
            "completion_tokens": pa.array([r.completion_tokens for r in rows], pa.int64()),
            "source_line": pa.array([r.line for r in rows], pa.int32()),
        }
    )
    con.register("_usage_fresh", fresh)
    try:
        clash = con.execute(
            "SELECT f.source_line, f.model_slug, f.period_date, u.tokens, u.source_file, u.source_line, f.tokens"
            " FROM _usage_fresh f JOIN openrouter_usage u USING (period_date, model_slug, provider)"
            " WHERE (u.tokens, u.prompt_tokens, u.completion_tokens)"
            " IS DISTINCT FROM (f.tokens, f.prompt_tokens, f.completion_tokens) ORDER BY f.source_line LIMIT 1"
        ).fetchall()
        if clash:
            line, slug, day, tokens, where, at, says = clash[0]
            raise DataValidationError(
                label,
                line,
                f"{slug} on {day} is already stored with {tokens} tokens "
                f"(from {where}:{at}); this file says {says}: nothing was imported",
            )
        inserted = con.execute(
            "INSERT INTO openrouter_usage (period_date, model_slug, base_slug, provider, tokens, prompt_tokens,"
            " completion_tokens, source_file, source_line, imported_at, run_id)"
            " SELECT f.period_date, f.model_slug, f.base_slug, f.provider, f.tokens, f.prompt_tokens,"
            " f.completion_tokens, ?, f.source_line, ?, ? FROM _usage_fresh f"
            " ANTI JOIN openrouter_usage u USING (period_date, model_slug, provider)",
            [file_name, utcnow(), run_id],
        ).fetchall()[0][0]
    finally:
        con.unregister("_usage_fresh")
    return int(inserted), len(rows) - int(inserted)
