"""Parsers for files atomscope did not write (upstream repositories, downloads, files a user imports).

Each one is bounded so that a hostile file fails with `file:line: reason` (a `DataValidationError`)
instead of eating memory, overflowing the stack or leaking a parser's own exception:

- YAML (`load_yaml`): PyYAML's safe loader; nesting deeper than `max_depth` levels, and aliases that would
  add more than `max_alias_nodes` nodes beyond those written (billion laughs) or refer to themselves, are
  refused before anything is constructed.
- JSON (`load_json`): nesting deeper than `max_depth`, a number longer than `max_number_chars`, a number
  out of float range, NaN/Infinity and a key given twice in one object are refused. Whole numbers stay
  Python ints (9007199254740993 stays exact).
- CSV (`decode_text`, `read_csv`): bytes that are not UTF-8 are refused at their line; a field longer than
  `max_field_chars` and any malformed record are refused at their line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import AliasEvent

from atomscope.domain.errors import DataValidationError


@dataclass(frozen=True)
class Limits:
    max_depth: int = 64
    max_alias_nodes: int = 10_000
    max_number_chars: int = 100
    max_field_chars: int = 1 << 20


DEFAULT_LIMITS = Limits()


class _Refused(Exception):
    """A limit hit inside a parser's callback; `near` is text to find the line by."""

    def __init__(self, reason: str, near: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.near = reason, near


# ---- YAML ----------------------------------------------------------------------------------------------


# Scanning and parsing in C (libyaml: a MOF model file in 3.6 ms instead of 17.8 ms) when PyYAML has it;
# composing stays in PyYAML's Python Composer so that compose_node below bounds the nesting either way.
if yaml.__with_libyaml__:
    from yaml.cyaml import CParser as _Parser

    def _init_parser(loader: Any, stream: str) -> None:
        _Parser.__init__(loader, stream)
else:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser as _Parser

    def _init_parser(loader: Any, stream: str) -> None:
        yaml.reader.Reader.__init__(loader, stream)
        yaml.scanner.Scanner.__init__(loader)
        _Parser.__init__(loader)


class _ComposingLoader(yaml.composer.Composer, _Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    def __init__(self, stream: str) -> None:
        _init_parser(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


class SafeYamlLoader(_ComposingLoader):
    """A safe loader with bounded nesting and alias expansion; subclass it to add constructors."""

    limits: Limits = DEFAULT_LIMITS

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201 - PyYAML's signature
        if self.check_event(AliasEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > self.limits.max_depth:
                line = self.peek_event().start_mark.line + 1
                raise _YamlRefused(f"nested deeper than {self.limits.max_depth} levels", line)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _YamlRefused(Exception):
    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def _check_aliases(root: yaml.Node, limit: int) -> None:
    """Refuse a node graph whose aliases add more than `limit` nodes, or that contains itself.

    PyYAML shares an aliased node rather than copying it, but every consumer that walks the result
    (a transform, `str()`) expands it: the size that matters is the tree's, counted here per distinct node.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # nodes whose subtree is being counted: reaching one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children = _children(node)
        if done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
        elif id(node) in open_nodes:
            raise _YamlRefused("an alias refers to a node that contains it", node.start_mark.line + 1)
        elif id(node) not in sizes:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    if sizes[id(root)] - len(sizes) > limit:
        raise _YamlRefused(f"aliases expand to over {limit:,} more nodes than the file holds", root.start_mark.line + 1)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml(text: str, source: str, loader: type[SafeYamlLoader] = SafeYamlLoader) -> Any:
    """One YAML document from `text` (named `source` in errors), bounded as the module says."""
    instance = loader(text)
    try:
        node = instance.get_single_node()
        if node is None:
            return None
        _check_aliases(node, instance.limits.max_alias_nodes)
        return instance.construct_document(node)
    except _YamlRefused as exc:
        raise DataValidationError(source, exc.line, f"refused YAML: {exc.reason}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataValidationError(
            source, mark.line + 1 if mark else None, f"malformed YAML: {exc.problem or exc}"
        ) from None
    except yaml.YAMLError as exc:
        raise DataValidationError(source, None, f"malformed YAML: {exc}") from None
    except RecursionError:
        raise DataValidationError(source, None, "refused YAML: nested too deeply to read") from None
    finally:
        instance.dispose()


# ---- JSON ----------------------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_INNERMOST = re.compile(r"[\[{][^\[\]{}]*[\]}]")
_BRACKET_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def _check_json_depth(text: str, max_depth: int) -> int | None:
    """The offset where nesting first passes `max_depth`, or None (peels innermost pairs, C-speed passes)."""
    skeleton = _JSON_STRING.sub("", text)
    for _ in range(max_depth):
        skeleton, n = _INNERMOST.subn("", skeleton)
        if not n:
            return None
    if not any(c in skeleton for c in "[{"):
        return None
    depth = 0
    for match in _BRACKET_OR_STRING.finditer(text):  # only for a refused file: find where
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                return match.start()
        elif token in "]}":
            depth -= 1
    return None


def _json_hooks(limits: Limits) -> dict[str, Any]:
    def number(text: str, kind: type) -> int | float:
        if len(text) > limits.max_number_chars:
            raise _Refused(f"a number of {len(text):,} characters (at most {limits.max_number_chars})", text[:40])
        value = kind(text)
        if isinstance(value, float) and not math.isfinite(value):
            raise _Refused(f"number {text} is out of range", text)
        return value

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items):
            seen: set[str] = set()
            key = next(k for k, _ in items if k in seen or seen.add(k))
            raise _Refused(f"key {key!r} given twice in one object", json.dumps(key))
        return out

    def constant(text: str) -> float:
        raise _Refused(f"{text} is not a JSON number", text)

    return {
        "parse_int": lambda t: number(t, int),
        "parse_float": lambda t: number(t, float),
        "parse_constant": constant,
        "object_pairs_hook": pairs,
    }


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, max(offset, 0)) + 1


def load_json(data: str | bytes, source: str, *, limits: Limits = DEFAULT_LIMITS, first_line: int = 1) -> Any:
    """One JSON value from `data` (named `source` in errors; `first_line` is the line `data` starts on)."""
    text = decode_text(data, source) if isinstance(data, bytes) else data
    offset = first_line - 1
    deep = _check_json_depth(text, limits.max_depth)
    if deep is not None:
        line = _line_at(text, deep) + offset
        raise DataValidationError(source, line, f"refused JSON: nested deeper than {limits.max_depth} levels")
    try:
        return json.loads(text, **_json_hooks(limits))
    except _Refused as exc:
        found = text.find(exc.near) if exc.near else -1
        if exc.near and found >= 0 and "twice" in exc.reason:
            found = text.find(exc.near, found + 1)
        line = _line_at(text, found) + offset if found >= 0 else None
        raise DataValidationError(source, line, f"refused JSON: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise DataValidationError(source, exc.lineno + offset, f"malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise DataValidationError(source, None, "refused JSON: nested too deeply to read") from None


# ---- text and CSV --------------------------------------------------------------------------------------


def decode_text(data: bytes, source: str) -> str:
    """`data` as UTF-8 text (a byte-order mark is dropped); other bytes are refused at their line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataValidationError(
            source, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start:,}); save it as UTF-8"
        ) from None


def read_csv(
    text: str, source: str, *, first_line: int = 1, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[str], Iterator[tuple[int, dict[str, str | None]]]]:
    """The header and an iterator of (line, row) of CSV `text`; `first_line` is the header's line.

    A record's line is the line it ends on. A malformed record, a field over `max_field_chars` and a
    record with more fields than the header are refused with their line.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    offset = first_line - 1
    header = _guarded(reader, source, offset, limits, lambda: reader.fieldnames) or []

    def rows() -> Iterator[tuple[int, dict[str, str | None]]]:
        while True:
            row = _guarded(reader, source, offset, limits, lambda: next(reader, None))
            if row is None:
                return
            if None in row:
                raise DataValidationError(source, reader.line_num + offset, "more fields than the header has columns")
            yield reader.line_num + offset, row

    return list(header), rows()


def _guarded(reader: csv.DictReader, source: str, offset: int, limits: Limits, step):  # noqa: ANN001, ANN202
    previous = csv.field_size_limit(limits.max_field_chars)  # process-wide: set only around one read
    try:
        return step()
    except csv.Error as exc:
        line = reader.reader.line_num + offset  # DictReader's own count is only updated after a good record
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a field longer than {limits.max_field_chars:,} characters"
        raise DataValidationError(source, line, f"malformed CSV: {reason}") from None
    finally:
        csv.field_size_limit(previous)
