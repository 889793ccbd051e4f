"""Origin regions: their order, labels and colours, defined once for every layer.

The ATOM Project buckets an organization into one of five regions (`us`, `china`, `eu`, `other`,
`unknown`; the column contract of atom_organization_regions.csv allows exactly these). atomscope adds
`unresolved` for an organization its registry does not know (metrics keep it as its own group), and
`closed` for the closed-weight models that inference share counts beside the open ones.

The report (present/charts.py, present/wording.py) reads this module directly; the dashboard receives
`styles()` from the server as a JSON data block in every page (web/pages.py, templates/base.html) and
common.js reads it from there, so there is no second hand-written copy in JavaScript.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

FALLBACK_COLOR = "#a3a3a3"  # a region this module does not know (should not happen; kept visible, grey)


@dataclass(frozen=True)
class Region:
    key: str  # the value stored in the warehouse and returned by the API
    label: str  # legend and axis label
    color: str  # chart colour (hex)
    noun: str  # in a sentence: "downloads of models from {noun}"
    adjective: str  # in a sentence: "{adjective} organizations"


REGIONS: tuple[Region, ...] = (
    Region("us", "US", "#2563eb", "the US", "US"),
    Region("china", "China", "#dc2626", "China", "Chinese"),
    Region("eu", "Europe", "#d99a00", "Europe", "European"),
    Region("other", "Other", "#7c3aed", "other countries", "other"),
    Region("unknown", "Unknown", "#94a3b8", "unknown origins", "unknown-origin"),
    Region("unresolved", "Unresolved", "#475569", "unresolved organizations", "unresolved"),
    Region("closed", "Closed models", "#1f2937", "closed-weight models", "closed-weight"),
)
UNRESOLVED = "unresolved"
CLOSED = "closed"
BY_KEY: dict[str, Region] = {r.key: r for r in REGIONS}
ORDER: tuple[str, ...] = tuple(r.key for r in REGIONS)
# the buckets ATOM's own files may hold (everything but atomscope's `unresolved` and `closed`)
ATOM_BUCKETS: frozenset[str] = frozenset(ORDER) - {UNRESOLVED, CLOSED}
LABELS: dict[str, str] = {r.key: r.label for r in REGIONS}
COLORS: dict[str, str] = {r.key: r.color for r in REGIONS}
# Colours for series that are not regions (organizations, models, quantizations, ...): hues chosen far
# from every region colour above (CIELAB distance >= 30, checked by tests/domain/test_regions.py), so an
# organization's line never looks like a region's.
SERIES_PALETTE: tuple[str, ...] = (
    "#0d9488", "#db2777", "#16a34a", "#f97316", "#78350f",
    "#22d3ee", "#84cc16", "#9d174d", "#4d7c0f", "#f472b6",
)  # fmt: skip


def label(key: str) -> str:
    """'eu' -> 'Europe'; an unknown key is shown as it is."""
    return LABELS.get(key, key)


def color(key: str) -> str:
    return COLORS.get(key, FALLBACK_COLOR)


def rank(key: str) -> int:
    """Position in the fixed order; unknown keys after every known one."""
    return ORDER.index(key) if key in BY_KEY else len(ORDER)


def ordered(keys) -> list[str]:
    """The distinct keys in the fixed order, unknown ones last (alphabetically)."""
    present = {str(k) for k in keys}
    return [k for k in ORDER if k in present] + sorted(present - set(ORDER))


def styles() -> dict:
    """What the dashboard needs, as JSON: {"order": [...], "regions": {key: {label, color, ...}},
    "fallback_color": ..., "series_palette": [...]}."""
    return {
        "order": list(ORDER),
        "regions": {r.key: asdict(r) for r in REGIONS},
        "fallback_color": FALLBACK_COLOR,
        "series_palette": list(SERIES_PALETTE),
    }
