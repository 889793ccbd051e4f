"""ATOM's tracking policy fetched from upstream must parse with the same code that applies it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from atomscope.collect.upstream.formats import read_yaml
from atomscope.domain.errors import DataValidationError
from atomscope.domain.policy import TrackingPolicy


def check_policy(path: str, text: str) -> None:
    """Raise DataValidationError (naming the upstream path) when `TrackingPolicy` cannot load `text`."""
    read_yaml(path, text)  # syntax errors with the upstream line
    with tempfile.TemporaryDirectory() as folder:
        local = Path(folder) / "policy.yml"
        local.write_text(text, encoding="utf-8")
        try:
            TrackingPolicy.load(local)
        except DataValidationError as exc:
            raise DataValidationError(path, exc.line, exc.message) from None
