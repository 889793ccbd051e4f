"""Folders of files kept beside the warehouse (`<warehouse>.compiled/`, `<warehouse>.answers/`): one file per
request, checked against the versions it was made under, written atomically, bounded.

Only the standard library: `atomscope metric` reads a kept answer before it imports DuckDB or Ibis.

* Versions. `data_version(warehouse)` is the size and mtime (ns) of the warehouse file and of its
  write-ahead log: every committed write changes one of them, migrations included, so it stands for the
  schema version too. `code_version()` is atomscope's version, the size and mtime of every module of the
  installed package (an edited checkout is a new version) and the installed DuckDB and Ibis versions
  (their `*.dist-info` folder names, found without importing them).
* Files. `KeyedFiles.read(warehouse, name, full)` returns a file's text when its first line is `full` (the
  complete key); anything else (another version, a truncated or foreign file, an unreadable folder) is a
  miss. `write` goes through a temporary file and `os.replace`, so a reader never sees half a file; a folder
  that cannot be written is skipped silently.
* Bound. After each write, the folder keeps its newest files (by mtime) within `max_files` files and
  `max_bytes` bytes; the oldest go first. Every sidecar folder follows this one rule.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import atomscope

MAX_FILES = 2000
MAX_BYTES = 256 * 2**20
_ENGINES = ("duckdb", "ibis_framework")


def data_version(warehouse: Path) -> tuple[int, ...]:
    """(size, mtime_ns) of the warehouse file and of its WAL, -1s for a missing one."""
    parts: list[int] = []
    for file in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        try:
            st = file.stat()
        except FileNotFoundError:
            parts += [-1, -1]
        else:
            parts += [st.st_size, st.st_mtime_ns]
    return tuple(parts)


def _modules(folder: str, found: list) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    _modules(entry.path, found)
            elif entry.name.endswith(".py"):
                st = entry.stat()
                found.append((entry.path, st.st_size, st.st_mtime_ns))


def _engine_versions() -> list[str]:
    """The `*.dist-info` names of DuckDB and Ibis (they carry the version), read from the folders Python
    imports from, without importing either."""
    found = []
    for folder in dict.fromkeys(p for p in sys.path if p.endswith("-packages")):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += sorted(n for n in names if n.endswith(".dist-info") and n.lower().startswith(_ENGINES))
    return found


@functools.cache
def code_version() -> str:
    """What the code that computes an answer is: atomscope's version and modules, DuckDB's and Ibis's versions."""
    modules: list = []
    _modules(os.path.dirname(os.path.abspath(atomscope.__file__)), modules)
    digest = hashlib.sha256(json.dumps([atomscope.__version__, sorted(modules), _engine_versions()]).encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class KeyedFiles:
    """One file per key in `<warehouse><suffix>/`, named `<name><ext>`, its first line the full key."""

    suffix: str
    ext: str
    max_files: int = MAX_FILES
    max_bytes: int = MAX_BYTES

    def folder(self, warehouse: Path) -> Path:
        return warehouse.with_name(warehouse.name + self.suffix)

    def read(self, warehouse: Path, name: str, full: str) -> str | None:
        try:
            text = (self.folder(warehouse) / f"{name}{self.ext}").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        key, newline, body = text.partition("\n")
        return body if newline and key == full and body else None

    def write(self, warehouse: Path, name: str, full: str, body: str) -> bool:
        """Store `body` under `full`; whether it was written."""
        folder = self.folder(warehouse)
        try:
            folder.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(f"{full}\n{body}")
                os.replace(tmp, folder / f"{name}{self.ext}")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except (OSError, UnicodeError):
            return False  # a read-only place, a full disk, text UTF-8 cannot hold: simply not kept
        self.trim(folder)
        return True

    def trim(self, folder: Path) -> None:
        """Keep the newest files within `max_files` and `max_bytes` (the newest always); the oldest go first."""
        files = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_file(follow_symlinks=False):
                            st = entry.stat(follow_symlinks=False)
                            files.append((st.st_mtime_ns, st.st_size, entry.path))
                    except FileNotFoundError:
                        continue  # removed meanwhile by another process
        except OSError:
            return
        files.sort(reverse=True)
        count, total = 0, 0
        for _mtime, size, path in files:
            count += 1
            total += size
            if count > 1 and (count > self.max_files or total > self.max_bytes):
                try:
                    os.unlink(path)
                except OSError:
                    pass  # gone already, or not ours to remove


def file_name(identity: str) -> str:
    """The file of a request: a newer version of the same request overwrites it."""
    return hashlib.sha256(identity.encode()).hexdigest()[:32]
