"""Stream a dump of Hub model metadata (Parquet or CSV) with bounded memory, validated in DuckDB.

The file is read by an in-memory DuckDB connection (memory-capped) with column projection: only the
columns atomscope uses are read, every value is normalised and checked in SQL, and rows are streamed
to Python in Arrow batches. Only the rows a caller may store leave DuckDB: rows of the `keep` ids
(tracked models), rows with lineage (`base_model:*` tags or `baseModels`), rows whose id occurs more
than once (case-insensitively) and bad rows (so that they are counted). The whole file is never held
in memory, in pandas or otherwise.

Every shape the public `cfahlgren1/hub-stats` dataset has had is read:

- `id` (else `modelId`); `createdAt`/`lastModified` as timestamps or ISO 8601 text (strict: `now` or
  `yesterday` is refused, a zone-less value is UTC; `createdAt` must lie in 2000-01-01 .. tomorrow
  (UTC), else `out_of_range:createdAt`);
- counts (`downloads`, `downloadsAllTime`, `likes`) as any integer, float or text type: a count must be
  a whole number in 0 .. 2^63-1 (inf, NaN, 1.5, -1, a uint64 above 2^63-1 are `wrong_type:<column>`);
- `downloadsAllTime` absent (files before 2025-02-27): 30-day counts only, all-time stored as NULL;
- `safetensors` as a struct (`total`, else the sum of the `parameters` map or struct of dtype counts),
  as text (CSV: a JSON object or a Python dict literal), or a flat `safetensors_total` column;
- `baseModels` as a struct (`models` list of {`_id`, `id`}, `relation`) or text: lineage beside the
  `base_model:<relation>:<id>` tags (turned into the same tags for the lineage parser);
- `gated` absent (stored as unknown, NULL); `tags` as a list or, in CSV, a JSON array or a Python list
  literal (parsed in Python for the rows that leave DuckDB).

With `counts_only=True` only the counts are read (`COUNT_COLUMNS`: id, 30-day and all-time downloads):
the other fields of the stored rows are NULL and no lineage is read. `import hub-stats` reads its
historical revisions so (model facts come from its newest revision), whether the file was fetched
whole or by column (`FULL_COLUMNS` lists every column read in the full mode).

A CSV cut off in the middle of a row (its last byte is not a line break) or that DuckDB cannot parse is
refused whole with file:line, before anything is written.
"""

from __future__ import annotations

import ast
import csv
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from atomscope.domain.errors import DataValidationError

REQUIRED = ("id", "createdAt", "downloads", "likes", "tags")
COUNT_COLUMNS = ("id", "modelId", "downloads", "downloadsAllTime")
FULL_COLUMNS = (*COUNT_COLUMNS, "author", "createdAt", "lastModified", "likes", "tags", "pipeline_tag",
                "library_name", "safetensors", "safetensors_total", "baseModels", "gated")  # fmt: skip
BATCH_ROWS = 100_000
LINEAGE_COLUMNS = ["model_id", "author", "created_at", "downloads_30d", "likes", "pipeline_tag", "tags", "lineage"]
MEMORY_LIMIT = "1GB"
_ID_RE = r"^(\w[\w.\-]{0,94}\w/|\w/)?(\w[\w.\-]{0,94}\w|\w)$"
_TS_RE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
_INTS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
         "UHUGEINT")  # fmt: skip
_FLOATS = ("FLOAT", "DOUBLE")


@dataclass(frozen=True)
class DumpRow:
    """One row that left DuckDB: normalised values, or the reason it is skipped."""

    model_id: str
    reason: str | None
    keep: bool
    dup: bool = False
    author: str | None = None
    created_at: Any = None
    last_modified: Any = None
    downloads_30d: int | None = None
    downloads_all_time: int | None = None
    likes: int | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    gated: str | None = None
    safetensors_total: int | None = None
    tags: list[str] | None = None
    lineage_tags: tuple[str, ...] = ()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_csv_complete(path: Path) -> None:
    """Refuse a CSV whose last row is cut off: a complete CSV ends with a line break."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    lines, last = 0, b""
    with opener(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last and last not in (b"\n", b"\r"):
        raise DataValidationError(str(path), lines + 1,
                                  "the file ends in the middle of a row (no final line break): truncated?")  # fmt: skip


def id_ok_sql(expr: str) -> str:
    """SQL: `expr` is a Hub model id as huggingface_hub's validate_repo_id accepts it (see records.valid_model_id)."""
    return (f"coalesce(regexp_full_match({expr}, '{_ID_RE}') AND NOT contains({expr}, '--')"
            f" AND NOT contains({expr}, '..') AND NOT suffix({expr}, '.git'), false)")  # fmt: skip


@dataclass
class DumpBatch:
    """Rows that leave DuckDB: checked one by one in Python (`rows`: tracked, duplicate, bad rows, and all
    rows of CSV files), and lineage-only rows of a Parquet file left as Arrow for set-based writing.

    `lineage` holds the whole batch (LINEAGE_COLUMNS) with a `lineage_only` flag: the writer selects the
    flagged rows in SQL, which costs far less than copying ~100,000 rows of tag lists with an Arrow filter."""

    rows: list[DumpRow]
    lineage: pa.Table | None = None

    @property
    def size(self) -> int:
        """Rows of the batch (each counted once)."""
        return self.lineage.num_rows if self.lineage is not None else len(self.rows)


HEADER_LIMIT = 128 * 1024  # csv's field limit; no dump's header comes near it


def csv_header(path: Path) -> list[str]:
    """Column names of a CSV's header row (comma-separated, RFC 4180 quoting): UTF-8, at most 128 KiB."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.readline(HEADER_LIMIT + 1)
    except (OSError, EOFError) as exc:  # a broken .gz
        raise DataValidationError(str(path), 1, f"cannot read the file ({exc})") from None
    if len(raw) > HEADER_LIMIT:
        raise DataValidationError(str(path), 1, "the header row is over 128 KiB: not a dump's header")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataValidationError(str(path), 1, f"not UTF-8 text (byte {exc.start} of the header row)") from None
    header = next(csv.reader([text.rstrip("\r\n")]), None)
    if not header:
        raise DataValidationError(str(path), 1, "no header row")
    if len(set(header)) != len(header):
        raise DataValidationError(str(path), 1, "a column name appears twice in the header")
    return header


def _duckdb_error(path: Path, exc: duckdb.Error) -> DataValidationError:
    text = str(exc)
    match = re.search(r"[Ll]ine:? (\d+)", text)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return DataValidationError(str(path), int(match.group(1)) if match else None, f"cannot read the dump: {first}")


class DumpFile:
    """An open dump: its columns and the SQL that normalises them. Use as a context manager."""

    def __init__(self, path: Path, snapshot_date: date, *, counts_only: bool = False) -> None:
        self.path = Path(path)
        self.snapshot_date = snapshot_date
        self.counts_only = counts_only
        name = self.path.name.lower()
        if name.endswith((".parquet", ".pq")):
            source = f"read_parquet({_lit(str(self.path))})"
            self.format = "parquet"
        elif name.endswith((".csv", ".csv.gz")):
            check_csv_complete(self.path)
            columns = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in csv_header(self.path))
            source = (f"read_csv({_lit(str(self.path))}, header = true, auto_detect = false, delim = ',',"
                      f" quote = '\"', escape = '\"', strict_mode = true, null_padding = false,"
                      f" columns = {{{columns}}})")  # fmt: skip
            self.format = "csv"
        else:
            raise DataValidationError(str(self.path), None, "unknown format: use .parquet or .csv (.csv.gz)")
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET threads = 2; SET TimeZone = 'UTC';"
                         " SET preserve_insertion_order = true").fetchall()  # fmt: skip
        try:
            self.con.execute(f"CREATE VIEW raw AS SELECT * FROM {source}").fetchall()
            names = [r[0] for r in self.con.execute("DESCRIBE raw").fetchall()]
            kept = [n for n in names if n in COUNT_COLUMNS] if counts_only else names
            self.con.execute(f"CREATE VIEW src AS SELECT {', '.join(_q(n) for n in kept) or '*'} FROM raw").fetchall()
            self.types = {r[0]: r[1] for r in self.con.execute("DESCRIBE src").fetchall()}
        except duckdb.Error as exc:
            self.con.close()
            raise _duckdb_error(self.path, exc) from None
        if "id" not in self.types and "modelId" in self.types:
            self.id_column = "modelId"
        else:
            self.id_column = "id"
        required = ("id", "downloads") if counts_only else REQUIRED
        missing = [c for c in required if c not in self.types and not (c == "id" and self.id_column in self.types)]
        if missing:
            self.con.close()
            raise DataValidationError(str(self.path), None, f"missing column(s): {', '.join(missing)}")
        self.has_all_time = "downloadsAllTime" in self.types
        self.has_gated = "gated" in self.types

    def __enter__(self) -> DumpFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    # ------------------------------------------------------------------ SQL per column
    def _type(self, expr: str) -> str:
        return self.con.execute(f"DESCRIBE SELECT {expr} AS x FROM src").fetchall()[0][1]

    def _binds(self, expr: str) -> bool:
        try:
            self.con.execute(f"SELECT {expr} FROM src LIMIT 0").fetchall()
            return True
        except duckdb.Error:
            return False

    def _count(self, expr: str) -> tuple[str, str, str]:
        """(value, missing, ok) SQL of a count: a whole number in 0 .. 2^63-1."""
        kind = self._type(expr).split("(")[0]
        if kind in _INTS:
            value = f"TRY_CAST({expr} AS BIGINT)"
            return value, f"{expr} IS NULL", f"coalesce({value} >= 0, false)"
        if kind in _FLOATS or kind == "DECIMAL":
            value = f"TRY_CAST({expr} AS BIGINT)"
            ok = (f"coalesce(isfinite({expr}::DOUBLE) AND {expr} = floor({expr}) AND {expr} >= 0"
                  f" AND {value} IS NOT NULL, false)")  # fmt: skip
            return value, f"{expr} IS NULL", ok
        if kind == "VARCHAR":
            text = f"trim({expr})"
            value = f"TRY_CAST({text} AS BIGINT)"
            ok = f"coalesce(regexp_full_match({text}, '\\+?[0-9]+(\\.0*)?') AND {value} IS NOT NULL, false)"
            return value, f"({expr} IS NULL OR {text} = '')", ok
        return "NULL::BIGINT", f"{expr} IS NULL", "false"

    def _timestamp(self, expr: str) -> tuple[str, str, str]:
        """(value as UTC TIMESTAMP, missing, ok) SQL of a timestamp, strictly parsed."""
        kind = self._type(expr)
        if kind.startswith("TIMESTAMP WITH TIME ZONE"):
            value = f"timezone('UTC', {expr})"
        elif kind.startswith(("TIMESTAMP", "DATE")):
            value = f"{expr}::TIMESTAMP"
        elif kind == "VARCHAR":
            text = f"trim({expr})"
            value = (f"CASE WHEN regexp_full_match({text}, '{_TS_RE}')"
                     f" THEN timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ)) END")  # fmt: skip
            return value, f"({expr} IS NULL OR {text} = '')", f"({value}) IS NOT NULL"
        else:
            return "NULL::TIMESTAMP", f"{expr} IS NULL", "false"
        return value, f"{expr} IS NULL", f"({value}) IS NOT NULL"

    def _safetensors(self) -> tuple[str, str, str] | None:
        if "safetensors" in self.types:
            kind = self._type("safetensors")
            if kind.startswith("STRUCT"):
                parts = []
                if self._binds("safetensors.total"):
                    parts.append("safetensors.total")
                if self._binds("safetensors.parameters"):
                    params = self._type("safetensors.parameters")
                    if params.startswith("MAP"):
                        parts.append("list_sum(map_values(safetensors.parameters))")
                    elif params.startswith("STRUCT"):
                        fields = [r[0] for r in self.con.execute(
                            "DESCRIBE SELECT unnest(safetensors.parameters) FROM src").fetchall()]  # fmt: skip
                        items = ", ".join(f"safetensors.parameters.{_q(f)}::HUGEINT" for f in fields)
                        parts.append(f"list_sum([{items}])" if fields else "NULL::HUGEINT")
                if not parts:
                    return None
                return self._count(f"coalesce({', '.join(parts)})") if len(parts) > 1 else self._count(parts[0])
            if kind == "VARCHAR":
                text = "safetensors"
                total = f"regexp_extract({text}, '[\"'']total[\"'']\\s*:\\s*([0-9]+)', 1)"
                numbers = f"regexp_extract_all({text}, ':\\s*([0-9]+)', 1)"
                summed = f"list_sum(list_transform({numbers}, lambda x: x::HUGEINT))"
                expr = f"coalesce(nullif({total}, ''), {summed}::VARCHAR)"
                value, _, ok = self._count(f"CASE WHEN trim({text}) IN ('', 'None', 'null') THEN NULL ELSE {expr} END")
                return value, f"NOT ({ok})", ok
            return None
        if "safetensors_total" in self.types:
            return self._count("safetensors_total")
        return None

    def _lineage(self) -> tuple[str, str]:
        """(lineage tags SQL: list of `base_model:<relation>:<id>` or the raw text, has-lineage SQL)."""
        tag_kind = self.types.get("tags")
        if tag_kind is None:
            has = "false"
        elif tag_kind.endswith("[]"):
            has = "coalesce(len(list_filter(tags, lambda t: starts_with(t, 'base_model:'))) > 0, false)"
        else:
            has = "coalesce(contains(tags, 'base_model:'), false)"
        if "baseModels" not in self.types:
            return "NULL::VARCHAR[]", has
        kind = self.types["baseModels"]
        if kind == "VARCHAR":
            return "baseModels", f"({has} OR coalesce(contains(baseModels, 'id'), false))"
        if self._binds("baseModels.models") and self._binds("baseModels.relation"):
            tags = ("list_transform(baseModels.models, lambda m: 'base_model:'"
                    " || coalesce(baseModels.relation, '') || ':' || coalesce(m.id, ''))")  # fmt: skip
            return tags, f"({has} OR coalesce(len(baseModels.models) > 0, false))"
        return "NULL::VARCHAR[]", has

    def _select(self) -> str:
        idc = _q(self.id_column)
        model_id = f"CAST({idc} AS VARCHAR)"
        id_ok = id_ok_sql(model_id)
        checks = [(f"NOT {id_ok}", "'unexpected_id'")]
        values: dict[str, str] = {}
        for column, name in (("downloads", "downloads"), ("downloadsAllTime", "downloadsAllTime"), ("likes", "likes")):
            if column not in self.types:
                values[name] = "NULL::BIGINT"
                continue
            value, missing, ok = self._count(_q(column))
            checks += [(missing, f"'missing:{name}'"), (f"NOT {ok}", f"'wrong_type:{name}'")]
            values[name] = value
        for column, required in (("createdAt", True), ("lastModified", False)):
            if column not in self.types:
                values[column] = "NULL::TIMESTAMP"
                continue
            value, missing, ok = self._timestamp(_q(column))
            if required:
                checks.append((missing, f"'missing:{column}'"))
            checks.append((f"NOT ({missing}) AND NOT {ok}", f"'wrong_type:{column}'"))
            values[column] = value
        ceiling = _lit((datetime.now(UTC).date() + timedelta(days=2)).isoformat())
        checks.append((f"({values['createdAt']}) < TIMESTAMP '2000-01-01' OR ({values['createdAt']}) >= "
                       f"TIMESTAMP {ceiling}", "'out_of_range:createdAt'"))  # fmt: skip
        if safetensors := self._safetensors():
            value, missing, ok = safetensors
            checks.append((f"NOT ({missing}) AND NOT {ok}", "'wrong_type:safetensors'"))
            values["safetensors"] = value
        else:
            values["safetensors"] = "NULL::BIGINT"
        if self.has_gated:
            g = "lower(trim(CAST(gated AS VARCHAR)))"
            values["gated"] = (f"CASE WHEN gated IS NULL OR {g} IN ('', 'false', '0') THEN 'false' WHEN {g} IN "
                               f"('auto', 'manual') THEN {g} WHEN {g} IN ('true', '1') THEN 'true' END")  # fmt: skip
            checks.append((f"({values['gated']}) IS NULL", "'wrong_type:gated'"))
        else:
            values["gated"] = "NULL::VARCHAR"
        if "tags" not in self.types:  # counts only
            tags = "NULL::VARCHAR[]"
        elif self.types["tags"].endswith("[]"):
            checks.append(("tags IS NULL", "'missing:tags'"))
            tags = "CAST(tags AS VARCHAR[])"
        elif self.types["tags"] == "VARCHAR":
            checks += [("tags IS NULL", "'missing:tags'"),
                       ("NOT regexp_full_match(trim(tags), '\\[.*\\]', 's')", "'wrong_type:tags'")]  # fmt: skip
            tags = "tags"
        else:
            checks.append(("true", "'wrong_type:tags'"))
            tags = "NULL"
        lineage, has_lineage = self._lineage()
        reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r in checks) + " END"

        def text(column: str) -> str:
            return f"nullif(CAST({_q(column)} AS VARCHAR), '')" if column in self.types else "NULL::VARCHAR"

        return f"""
            SELECT * FROM (
                SELECT {model_id} AS model_id, {reason} AS reason,
                       lower({model_id}) IN (SELECT fold FROM keep_ids) AS keep,
                       {has_lineage} AS has_lineage,
                       lower({model_id}) IN (SELECT fold FROM dup_ids) AS dup,
                       {text("author")} AS author, {values["createdAt"]} AS created_at,
                       {values["lastModified"]} AS last_modified, {values["downloads"]} AS downloads_30d,
                       {values["downloadsAllTime"]} AS downloads_all_time, {values["likes"]} AS likes,
                       {text("pipeline_tag")} AS pipeline_tag, {text("library_name")} AS library_name,
                       {values["gated"]} AS gated, {values["safetensors"]} AS safetensors_total,
                       {tags} AS tags, {lineage} AS lineage
                FROM src
            ) WHERE reason IS NOT NULL OR keep OR has_lineage OR dup
        """

    # ------------------------------------------------------------------ streaming
    def count_rows(self) -> int:
        try:
            return int(self.con.execute("SELECT count(*) FROM src").fetchall()[0][0])
        except duckdb.Error as exc:
            raise _duckdb_error(self.path, exc) from None

    @property
    def arrow_lineage(self) -> bool:
        """Are `tags` and lineage list-typed (Parquet), so lineage-only rows can stay Arrow?"""
        return self.types.get("tags", "").endswith("[]") and self.types.get("baseModels", "STRUCT").startswith("STRUCT")

    def rows(self, keep_folds: set[str], *, batch_rows: int = BATCH_ROWS) -> Iterator[DumpBatch]:
        """Batches of the rows that leave DuckDB (see the module docstring), in file order."""
        try:
            self.con.register("keep_ids", pa.table({"fold": pa.array(sorted(keep_folds), pa.string())}))
            idc = _q(self.id_column)
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE dup_ids AS SELECT lower(CAST({idc} AS VARCHAR))"
                f" AS fold FROM src WHERE {idc} IS NOT NULL GROUP BY 1 HAVING count(*) > 1"
            ).fetchall()
            reader = self.con.sql(self._select()).to_arrow_reader(batch_rows)
            for batch in reader:
                table = pa.Table.from_batches([batch])
                if not self.arrow_lineage:
                    yield DumpBatch([self._row(r) for r in table.to_pylist()])
                    continue
                plain = pc.and_(pc.and_(pc.invert(table["keep"]), pc.invert(table["dup"])),
                                pc.is_null(table["reason"]))  # fmt: skip
                yield DumpBatch([self._row(r) for r in table.filter(pc.invert(plain)).to_pylist()],
                                table.select(LINEAGE_COLUMNS).append_column("lineage_only", plain))  # fmt: skip
        except duckdb.Error as exc:
            raise _duckdb_error(self.path, exc) from None

    def _row(self, r: dict) -> DumpRow:
        reason = r["reason"]
        tags = r["tags"]
        lineage: tuple[str, ...] = ()
        if reason is None and isinstance(tags, str):
            tags = parse_list(tags)
            if tags is None or not all(isinstance(t, str) for t in tags):
                reason, tags = "wrong_type:tags", None
        raw = r["lineage"]
        if isinstance(raw, list):
            lineage = tuple(t for t in raw if t)
        elif isinstance(raw, str) and reason is None:
            lineage = base_model_tags(raw)
        return DumpRow(
            model_id=r["model_id"], reason=reason, keep=bool(r["keep"]), dup=bool(r["dup"]), author=r["author"],
            created_at=r["created_at"], last_modified=r["last_modified"], downloads_30d=r["downloads_30d"],
            downloads_all_time=r["downloads_all_time"], likes=r["likes"], pipeline_tag=r["pipeline_tag"],
            library_name=r["library_name"], gated=r["gated"], safetensors_total=r["safetensors_total"],
            tags=tags, lineage_tags=lineage,
        )  # fmt: skip


def parse_list(text: str) -> list | None:
    """A CSV list cell: a JSON array or a Python list literal (None when it is neither)."""
    text = text.strip()
    if not text:
        return []
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
        return value if isinstance(value, list) else None
    return None


def base_model_tags(text: str) -> tuple[str, ...]:
    """`base_model:<relation>:<id>` tags from a `baseModels` cell written as JSON or a Python literal."""
    value: Any = None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
            break
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
    if not isinstance(value, dict) or not isinstance(value.get("models"), list):
        return ()
    relation = value.get("relation") or ""
    ids = [m.get("id") for m in value["models"] if isinstance(m, dict)]
    return tuple(f"base_model:{relation}:{i}" for i in ids if isinstance(i, str) and i)
