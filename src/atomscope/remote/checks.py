"""Validation of what a server sends before it touches the filesystem or a credential.

- A git revision id is exactly 40 lowercase hex characters; anything else (`../../x`, `/abs/dir`) is refused.
- A scratch path built from a server's value must resolve inside its scratch folder.
- A credential goes only to the origin it belongs to (`same_origin`; the Hub's rule is `collect/hub/access.py`'s
  `hub_token`). Pagination links to another origin are refused (`remote.fetch.pages`); httpx drops
  `Authorization` on a redirect to another origin.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from atomscope.domain.errors import AtomscopeError

_REVISION = re.compile(r"[0-9a-f]{40}")
OFFICIAL_HUB_ORIGINS = frozenset({("https", "huggingface.co", 443), ("https", "hf.co", 443)})


class UnsafeAnswerError(AtomscopeError):
    """A server sent a value atomscope refuses to use (an id that is not an id, a path outside its folder)."""


def revision_id(value: object, where: str) -> str:
    """`value` when it is a git commit id (40 lowercase hex characters), else UnsafeAnswerError."""
    if isinstance(value, str) and _REVISION.fullmatch(value):
        return value
    shown = repr(value)[:60]
    raise UnsafeAnswerError(f"{where}: {shown} is not a commit id (40 hex characters); refused")


def inside(folder: Path, name: str) -> Path:
    """`folder / name` resolved, when it lies strictly inside `folder`; else UnsafeAnswerError."""
    base = folder.resolve()
    path = (base / name).resolve()
    if path == base or base not in path.parents:
        raise UnsafeAnswerError(f"{name!r} would lie outside {base}; refused")
    return path


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    return origin(a) == origin(b)
