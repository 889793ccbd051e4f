"""How the findings write numbers, regions and days, shared by every module that writes a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from atomscope.domain import regions

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
    return pd.Timestamp(value).strftime("%Y-%m-%d")
