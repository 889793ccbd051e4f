"""The window of days a snapshot may describe: 2015-01-01 (before the Hub held models) to tomorrow (UTC).

A day outside it is a typo (0202, 2100) that would otherwise make every time series span centuries
(`metric downloads` and `report` build one row per day or month from the first snapshot on).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from atomscope.domain.errors import AtomscopeError

EARLIEST_SNAPSHOT_DAY = date(2015, 1, 1)


class DateOutOfRangeError(AtomscopeError):
    """A day given by a user that lies outside the window a snapshot may describe."""


def latest_snapshot_day() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


def in_window(day: date) -> bool:
    """Whether `day` lies in the window: the one rule for days that come from users, files and servers."""
    return EARLIEST_SNAPSHOT_DAY <= day <= latest_snapshot_day()


def check_snapshot_day(day: date | datetime | None, option: str) -> date | None:
    """`day` as a date when it lies in the window; None stays None; else a clear error naming `option`."""
    if day is None:
        return None
    if isinstance(day, datetime):
        day = day.date()
    latest = latest_snapshot_day()
    if not EARLIEST_SNAPSHOT_DAY <= day <= latest:
        raise DateOutOfRangeError(
            f"{option} {day.isoformat()} is outside {EARLIEST_SNAPSHOT_DAY.isoformat()} .. {latest.isoformat()}"
            " (a snapshot day lies between 2015 and tomorrow)"
        )
    return day


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class DateOrderError(AtomscopeError):
    """A window whose first day comes after its last."""


class DateFormatError(AtomscopeError):
    """A day not written as YYYY-MM-DD, or no such day."""


def parse_day(value: str, option: str) -> date:
    """A day given as YYYY-MM-DD (the only spelling the CLI and the API accept); a clear error naming `option`."""
    if not _ISO_DAY.fullmatch(value):
        raise DateFormatError(f"{option} must be a date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DateFormatError(f"{option} must be a date YYYY-MM-DD, got {value!r}") from None


def check_order(
    since: date | datetime | None, until: date | datetime | None, first: str = "--since", last: str = "--until"
) -> None:
    """Refuse a window whose first day comes after its last (it would select nothing, silently)."""
    since, until = (d.date() if isinstance(d, datetime) else d for d in (since, until))
    if since is not None and until is not None and since > until:
        raise DateOrderError(f"{first} {since.isoformat()} is after {last} {until.isoformat()}")
