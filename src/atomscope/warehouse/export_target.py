"""Where an export may write: a new or empty folder, or (with `overwrite`) over its own previous export.

An export never deletes or replaces a file it did not write. The files it writes are listed in the
folder's manifest (`_MANIFEST.json`, key `files`); `overwrite` replaces exactly those and leaves every
other file alone. A target that is an existing file, a non-empty folder without `overwrite`, a folder
without a manifest, a folder holding the warehouse, a new file that would land on a file the previous
export did not write, or a file or folder on the way that is a symlink (an export creates none, so it
never writes through one) is refused before anything is changed.

Writing: everything goes into a hidden staging folder inside the target first (same file system, so the
final moves are renames). Before the first move the manifest lists the old and the new files together,
so a crash half-way leaves a manifest that still covers every file an export wrote; the final manifest
lists the new files only.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from atomscope.domain.errors import AtomscopeError

MANIFEST = "_MANIFEST.json"
STAGING_PREFIX = ".atomscope-staging-"


class ExportTargetError(AtomscopeError):
    """An export target that could lose someone's files (or cannot be written)."""


def write_export(
    target: str | Path,
    write_all: Callable[[Path], dict[str, int]],
    manifest_of: Callable[[dict[str, int]], dict],
    *,
    overwrite: bool = False,
    protect: tuple[Path, ...] = (),
) -> dict[str, int]:
    """Run `write_all(staging)` and move its files into `target`; returns its counts.

    `manifest_of(counts)` gives the manifest's content (the `files` key is added here); `protect` are
    files the target may not contain (the warehouse being exported).
    """
    root = Path(target).expanduser().absolute()
    old_files = _check_target(root, overwrite, protect)
    created = not root.exists()
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}"
        staging.mkdir()
    except OSError as exc:
        raise ExportTargetError(f"{root}: cannot create the export folder: {exc}") from exc
    try:
        counts = write_all(staging)
        new_files = _files_under(staging)
        _check_conflicts(root, new_files, old_files)
        manifest = manifest_of(counts)
        _write_manifest(root, staging, {**manifest, "complete": False, "files": sorted(old_files | set(new_files))})
        for rel in new_files:
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, dest)
        for rel in sorted(old_files - set(new_files)):
            _remove_own_file(root, rel)
        _write_manifest(root, staging, {**manifest, "complete": True, "files": new_files})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and root.is_dir() and not any(root.iterdir()):
            root.rmdir()
    return counts


def _check_target(root: Path, overwrite: bool, protect: tuple[Path, ...]) -> set[str]:
    """The files of the previous export that may be replaced; raises when the target is unsafe."""
    if os.path.lexists(root) and not root.is_dir():
        raise ExportTargetError(f"{root}: a file exists there; give a folder (new or empty) for the export")
    real = root.resolve()
    for path in protect:
        held = Path(path).resolve()
        if held == real or real in held.parents:
            raise ExportTargetError(f"{root}: holds the warehouse {held}; export to another folder")
    if not root.exists():
        return set()
    entries = [e.name for e in root.iterdir()]
    if not entries:
        return set()
    if not overwrite:
        raise ExportTargetError(
            f"{root}: folder is not empty; export writes into a new or empty folder, or give --overwrite to "
            "replace a previous export there (only the files its manifest lists)"
        )
    manifest = root / MANIFEST
    if not manifest.is_file() or manifest.is_symlink():
        raise ExportTargetError(
            f"{root}: no {MANIFEST} of a previous atomscope export here; --overwrite only replaces files an "
            "export wrote, so use a new or empty folder"
        )
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError) as exc:
        raise ExportTargetError(f"{manifest}: unreadable manifest ({exc}); use a new or empty folder") from exc
    if not isinstance(listed, list) or not all(isinstance(f, str) and _safe_relative(f) for f in listed):
        raise ExportTargetError(f"{manifest}: no valid list of written files; use a new or empty folder")
    return set(listed) | {MANIFEST}


def _safe_relative(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    return bool(parts) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts) and "\\" not in rel


def _files_under(folder: Path) -> list[str]:
    found = []
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            found.append((Path(dirpath) / name).relative_to(folder).as_posix())
    return sorted(found)


def _check_conflicts(root: Path, new_files: list[str], old_files: set[str]) -> None:
    """Refuse before any move: a new file on someone else's file, or any path through a symlink.

    An export never creates symlinks, so a link at a file it writes or at a folder on the way (say
    `hf_snapshots -> elsewhere/`) was put there by someone else; writing through it would replace a
    file outside the export, and replacing the link would drop what its owner set up.
    """
    for rel in [*new_files, MANIFEST]:
        dest = root / rel
        for parent in reversed(dest.relative_to(root).parents):
            here = root / parent
            if str(parent) == "." or not os.path.lexists(here):
                continue
            if here.is_symlink():
                raise ExportTargetError(
                    f"{here}: is a symlink; an export never writes through a link it did not create "
                    "(remove it or export to another folder); nothing was changed"
                )
            if not here.is_dir():
                raise ExportTargetError(f"{here}: is not a folder the export can write into; nothing was changed")
        if dest.is_symlink():
            raise ExportTargetError(
                f"{dest}: is a symlink; an export never replaces a link it did not create "
                "(remove it or export to another folder); nothing was changed"
            )
        if rel not in old_files and os.path.lexists(dest):
            raise ExportTargetError(f"{dest}: exists and was not written by an export here; nothing was changed")


def _remove_own_file(root: Path, rel: str) -> None:
    """Delete a file the previous export wrote (never through a symlink), then its emptied folders."""
    dest = root / rel
    for parent in list(reversed(dest.relative_to(root).parents))[1:]:
        if (root / parent).is_symlink():
            return
    if dest.is_symlink() or not dest.is_file():
        return
    dest.unlink()
    folder = dest.parent
    while folder != root:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _write_manifest(root: Path, staging: Path, manifest: dict) -> None:
    tmp = staging / (MANIFEST + ".part")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, root / MANIFEST)
