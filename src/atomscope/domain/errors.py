"""Precise exceptions. The CLI turns each into one clear line and a non-zero exit."""

from __future__ import annotations

from dataclasses import dataclass


class AtomscopeError(Exception):
    """Base class of every error atomscope reports to a user without a traceback."""


@dataclass
class DataValidationError(AtomscopeError):
    """A table (bundled or user-supplied) breaks its data contract at a given line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class ImportInterruptedError(AtomscopeError):
    """An import stopped by Ctrl-C: its transaction was rolled back, so running it again is safe."""


class WarehouseError(AtomscopeError):
    """The warehouse cannot be opened, created, migrated or written."""


class ReadOnlyQueryError(AtomscopeError):
    """A statement given to `atomscope query` would modify the warehouse."""


class MetricRequestError(AtomscopeError, ValueError):
    """A metric request that cannot be answered as asked: a bad date, grouping, parameter or filter, or a
    missing input (e.g. `--engine spark` without `--lake`). Also a ValueError, so callers that treat bad
    values generically catch it."""


class UnknownMetricError(MetricRequestError):
    """A metric name that is not registered."""


class HubUnreachableError(AtomscopeError):
    """The Hugging Face Hub endpoint could not be reached."""


class OpenRouterUnreachableError(AtomscopeError):
    """The OpenRouter models listing could not be fetched (network error, timeout or an HTTP error)."""


class OpenRouterListingError(AtomscopeError):
    """The OpenRouter models listing was fetched but is not the documented shape (`{"data": [...]}`)."""


class ModelScopeUnreachableError(AtomscopeError):
    """The ModelScope endpoint could not be reached (network error, timeout, or server errors past the retries)."""


class ModelScopeAnswerError(AtomscopeError):
    """ModelScope answered, but not with what its client's contract describes (a refused page, a bad payload)."""
