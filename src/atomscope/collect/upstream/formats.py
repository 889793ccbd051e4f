"""Reading upstream files (CSV, YAML) with the line each value came from, and writing the bundled format.

A transform turns upstream files into a table in its bundled contract's format (`Transformed`), keeping for
every output row where it came from (`Origin`), so that a value the contract refuses is reported at the
upstream file and line (`file:line`), not at a line of an intermediate file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from atomscope.domain import safeparse
from atomscope.domain.errors import DataValidationError
from atomscope.sources.csvtable import TableContract


@dataclass(frozen=True)
class Origin:
    file: str
    line: int | None
    column_lines: dict[str, int] = field(default_factory=dict)  # contract column -> line, when finer

    def line_of(self, column: str | None) -> int | None:
        return self.column_lines.get(column, self.line) if column else self.line


@dataclass(frozen=True)
class Transformed:
    """One bundled table made from upstream files: CSV text in the contract's format, one origin per row."""

    source_key: str
    text: str
    origins: tuple[Origin, ...]
    header: Origin
    # columns the upstream's schema era does not have (MOF before 2025-04-18: no release-wide licences), so
    # their being empty is not a lost field
    era_absent: frozenset[str] = frozenset()

    def upstream_error(self, error: DataValidationError) -> DataValidationError:
        """Re-point a contract violation found in `text` to the upstream file and line."""
        if error.line is None or error.line <= 1:
            return DataValidationError(self.header.file, self.header.line, error.message)
        index = error.line - 2
        if index >= len(self.origins):
            return error
        origin = self.origins[index]
        column = re.search(r"column '([^']+)'", error.message)
        return DataValidationError(origin.file, origin.line_of(column.group(1) if column else None), error.message)


def _one_line(value: Any) -> str:
    """A cell as text on one line (the bundled files hold no line breaks inside values)."""
    if value is None:
        return ""
    text = str(value)
    if "\n" in text or "\r" in text:
        text = re.sub(r"\s*[\r\n]+\s*", " ", text.strip())
    return text


def write_table(
    source_key: str, contract: TableContract, rows: list[tuple[dict[str, Any], Origin]], header: Origin
) -> Transformed:
    """Rows (values by contract column name; extra keys ignored, missing ones empty) as bundled-format CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [c.name for c in contract.columns]
    writer.writerow(names)
    for values, _ in rows:
        writer.writerow([_one_line(values.get(name)) for name in names])
    return Transformed(source_key, out.getvalue(), tuple(origin for _, origin in rows), header)


def read_csv(path: str, text: str, required: tuple[str, ...], comment: str | None = None):
    """Upstream CSV rows as (dict, line). Lines starting with `comment` before the header are skipped (ATOM's
    release_date_corrections.csv opens with '#' notes). A missing column is an error at the header line;
    parsing is bounded (domain/safeparse.py)."""
    lines = text.splitlines(keepends=True)
    skipped = 0
    while comment and skipped < len(lines) and lines[skipped].lstrip().startswith(comment):
        skipped += 1
    header, records = safeparse.read_csv("".join(lines[skipped:]), path, first_line=skipped + 1)
    missing = [c for c in required if c not in header]
    if missing:
        raise DataValidationError(path, skipped + 1, f"missing column(s): {', '.join(missing)}")
    return [(raw, line) for line, raw in records], skipped + 1


class LinedDict(dict):
    """A YAML mapping that remembers the line of each key (1-based) and its own first line."""

    line: int = 0
    lines: dict[str, int]


class _LineLoader(safeparse.SafeYamlLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LinedDict:
    loader.flatten_mapping(node)
    mapping = LinedDict()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[str(key)] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: str, text: str) -> Any:
    """A YAML document whose mappings are `LinedDict`s; a syntax error or a refused bomb names file and line."""
    return safeparse.load_yaml(text, path, _LineLoader)


def text_of(value: Any) -> str:
    """A YAML scalar as the bundled files hold it (None -> empty)."""
    return "" if value is None else str(value)


def mapping(value: Any, path: str, line: int | None, what: str) -> LinedDict:
    if value is None:
        empty = LinedDict()
        empty.line, empty.lines = line or 0, {}
        return empty
    if not isinstance(value, dict):
        raise DataValidationError(path, line, f"{what} must be a mapping, got {type(value).__name__}")
    return value  # type: ignore[return-value]
