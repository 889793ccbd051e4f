"""How the findings write numbers, regions, days and months, and whom they compare, shared by every metric
module that writes a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from atomscope.domain import regions
from atomscope.present.periods import finished_mask

if TYPE_CHECKING:
    import pandas as pd

RIVALS = ("china", "us")  # the comparison the ATOM Project is about


@dataclass
class Finding:
    key: str
    text: str
    anchor: str  # chart (or table) name on the page
    values: dict[str, Any] = field(default_factory=dict)


def noun(region: str, capital: bool = False) -> str:
    text = regions.BY_KEY[region].noun if region in regions.BY_KEY else region
    return text[0].upper() + text[1:] if capital else text


def adjective(region: str) -> str:
    return regions.BY_KEY[region].adjective if region in regions.BY_KEY else region


def number(value: float) -> str:
    """1434 -> '1,434'; 12.5 -> '12.5'."""
    value = float(value)
    return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"


def percent(share: float) -> str:
    return f"{100 * float(share):.1f}%"


def day(value: Any) -> str:
    import pandas as pd

    return pd.Timestamp(value).strftime("%Y-%m-%d")


def rival_of(region: str, ranked: list[str]) -> str | None:
    """Whom to compare a leader with: China <-> US, otherwise the runner-up."""
    if region in RIVALS:
        other = RIVALS[1 - RIVALS.index(region)]
        if other in ranked:
            return other
    rest = [r for r in ranked if r != region]
    return rest[0] if rest else None


def leader_streak(leaders: list[tuple[Any, str]]) -> tuple[Any, int, tuple[Any, str] | None]:
    """Given (period, leading region) in time order: the first period of the final unbroken run of the
    last leader, its length, and the (period, region) just before the run (None when the run is all)."""
    last = leaders[-1][1]
    i = len(leaders) - 1
    while i > 0 and leaders[i - 1][1] == last:
        i -= 1
    before = leaders[i - 1] if i > 0 else None
    return leaders[i][0], len(leaders) - i, before


@dataclass(frozen=True)
class QuotedMonth:
    """The month a finding quotes, and how it must be qualified: the latest finished month (the metric's
    `complete` column), preferring one measured from snapshots over an estimated one; the unfinished
    month only when no other exists, quoted as "to date"."""

    month: str
    estimated: bool
    to_date: bool

    def phrase(self) -> str:
        return f"In {self.month} (to date)" if self.to_date else f"In {self.month}"

    def qualifier(self, what: str) -> str:
        """The sentence's closing qualification (empty for a finished, measured month)."""
        if self.estimated:
            return f" (estimated: no snapshot measured all {what} of that month; see the method notes)"
        if self.to_date:
            return " (the month is unfinished: counted up to the latest collection)"
        return ""


def quoted_month(df: pd.DataFrame) -> QuotedMonth:
    import pandas as pd

    complete = finished_mask(df)
    estimated = df["estimated"].fillna(False).astype(bool) if "estimated" in df else pd.Series(False, index=df.index)
    months = df.assign(_complete=complete, _estimated=estimated).groupby("month")[["_complete", "_estimated"]].any()
    finished = months[months["_complete"]]
    measured = finished[~finished["_estimated"]]
    if not measured.empty:
        return QuotedMonth(str(measured.index.max()), False, False)
    if not finished.empty:
        return QuotedMonth(str(finished.index.max()), True, False)
    latest = str(months.index.max())
    return QuotedMonth(latest, bool(months.loc[latest, "_estimated"]), True)


def estimated_run(cross: dict[str, Any]) -> str:
    return " (part of that run is estimated, not measured)" if cross.get("estimated") else ""
