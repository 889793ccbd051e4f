"""Walk the given paths and collect the Hub model ids mentioned in the files that can name one.

Safety rules: nothing is executed or imported. Inside the given paths, a symbolic link is followed only
when its target stays inside one of them (a link out of them is skipped and counted), and a linked
directory is not descended (its target is walked as itself when it is inside); a file reached twice is
read once; version-control, virtual-environment and cache folders (`SKIPPED_DIRS`) are not walked. A file
is skipped and counted, never fatal, when it is larger than `max_bytes`, looks binary (a NUL byte in its
first 8 KiB), cannot be read, is not valid UTF-8, or exceeds a parser bound (a notebook nested deeper than
`python_ids.MAX_JSON_DEPTH`); a symbolic link that loops or dangles is skipped and counted. A path that
does not exist is an `AuditPathError` (exit code 2).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from atomscope.audit.extract import Mention, SkipFile, config_mentions, list_mentions, looks_local, modelfile_mentions
from atomscope.audit.python_ids import notebook_mentions, python_mentions
from atomscope.domain.errors import AtomscopeError

DEFAULT_MAX_BYTES = 2_000_000
SNIFF_BYTES = 8192
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
    }
)
CONFIG_SUFFIXES = frozenset(
    {".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".conf", ".env", ".sh", ".bash", ".properties"}
)


class AuditPathError(AtomscopeError):
    """A path given to `atomscope audit` does not exist."""


@dataclass(frozen=True)
class Found:
    """A mention in a file: the id as written, where, and how it was recognised."""

    model_id: str
    path: str
    line: int
    via: str
    explicit: bool


@dataclass
class ScanResult:
    found: list[Found] = field(default_factory=list)
    files_scanned: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> files

    @property
    def files_skipped(self) -> int:
        return sum(self.skipped.values())


def reader_for(path: Path) -> Callable[[str], list[Mention]] | None:
    """The extractor for a file name, or None when atomscope does not read that kind of file."""
    name = path.name
    lower = name.lower()
    suffix = path.suffix.lower()
    if suffix in (".py", ".pyi"):
        return _python
    if lower == "modelfile" or lower.startswith("modelfile.") or suffix == ".modelfile":
        return modelfile_mentions
    if suffix == ".ipynb":
        return notebook_mentions
    if suffix in (".txt", ".lst", ".list"):
        return list_mentions
    if suffix in CONFIG_SUFFIXES or lower.startswith(".env") or lower in ("dockerfile", "makefile"):
        return config_mentions
    return None


def _python(text: str) -> list[Mention]:
    found = python_mentions(text)
    return found if found is not None else config_mentions(text)


def _inside(target: Path, roots: list[Path]) -> bool:
    return any(target == root or target.is_relative_to(root) for root in roots)


def _files(paths: list[Path], roots: list[Path], result: ScanResult) -> Iterator[Path]:
    """Every regular file under the given paths, links checked against the roots."""
    for given in paths:  # a path named on the command line is read even when it is a link: the user chose it
        if given.is_file():
            yield given
            continue
        stack = [given]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                result.skipped["unreadable directory"] += 1
                continue
            for entry in entries:
                path = Path(entry.path)
                if entry.is_symlink():
                    target = _resolved(path)
                    if target is None:
                        result.skipped["symlink loop or dangling link"] += 1
                    elif not _inside(target, roots):
                        result.skipped["symlink out of the given paths"] += 1
                    elif target.is_file():
                        yield path
                    else:
                        result.skipped["symlinked directory"] += 1
                elif entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS:
                        stack.append(path)
                elif entry.is_file(follow_symlinks=False):
                    yield path


def _resolved(path: Path) -> Path | None:
    """The link's real target, or None when it loops (Python raises RuntimeError or OSError by version)."""
    try:
        target = path.resolve(strict=True)
    except (RuntimeError, OSError):
        return None
    return target


def _read(path: Path, max_bytes: int, result: ScanResult) -> str | None:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            result.skipped["oversized"] += 1
            return None
        data = path.read_bytes()
    except OSError:
        result.skipped["unreadable"] += 1
        return None
    if b"\x00" in data[:SNIFF_BYTES]:
        result.skipped["binary"] += 1
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.skipped["not UTF-8"] += 1
        return None


def scan(paths: list[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES, progress=None) -> ScanResult:
    """Scan files and directory trees for model ids. `progress(path)` is called per file considered."""
    given = [Path(p) for p in paths]
    missing = [str(p) for p in given if not p.exists()]
    if missing:
        raise AuditPathError(f"no such file or directory: {', '.join(missing)}")
    roots = [p.resolve() for p in given]
    result = ScanResult()
    read: set[Path] = set()  # a file reached twice (overlapping paths, a link inside the tree) is read once
    for path in _files(given, roots, result):
        real = _resolved(path)
        if real is None:
            result.skipped["symlink loop or dangling link"] += 1
            continue
        if real in read:
            continue
        read.add(real)
        if progress is not None:
            progress(path)
        extractor = reader_for(path)
        if extractor is None:
            continue
        text = _read(path, max_bytes, result)
        if text is None:
            continue
        try:
            mentions = extractor(text)
        except (SkipFile, RecursionError) as error:  # a bound the file exceeds: counted, never fatal
            result.skipped[error.reason if isinstance(error, SkipFile) else "too deeply nested"] += 1
            continue
        result.files_scanned += 1
        seen = set()
        for mention in mentions:
            key = (mention.model_id, mention.line)
            if key not in seen:
                seen.add(key)
                explicit = mention.explicit and not looks_local(mention.model_id)
                result.found.append(Found(mention.model_id, str(path), mention.line, mention.via, explicit))
    return result
