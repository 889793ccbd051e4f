"""Region order, labels and colours: one definition (domain/regions.py) that the report and the dashboard
both read. The report's Altair encodings and the JSON the dashboard pages carry must agree with it, and
the dashboard's JavaScript must hold no copy of its own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from atomscope.domain import regions
from atomscope.present import charts
from atomscope.sources import atom
from atomscope.web.app import create_app

STATIC = Path(charts.__file__).resolve().parents[1] / "web" / "static"


@pytest.fixture(scope="module")
def page_styles(bundled_db):
    """The region styles the dashboard page hands to its JavaScript (the JSON data block of base.html)."""
    html = TestClient(create_app(bundled_db)).get("/").text
    match = re.search(r'<script type="application/json" id="region-styles">(.*?)</script>', html, re.S)
    assert match, "the dashboard page carries no region-styles data block"
    return json.loads(match.group(1)), html


def _report_scale(keys: list[str]) -> tuple[list[str], list[str], str]:
    frame = pd.DataFrame({"region": keys, "n": range(len(keys))})
    enc = charts.region_color(frame).to_dict()
    return enc["scale"]["domain"], enc["scale"]["range"], enc["legend"]["labelExpr"]


def test_keys_cover_atom_buckets_unresolved_and_closed():
    assert regions.ORDER == ("us", "china", "eu", "other", "unknown", "unresolved", "closed")
    assert atom.REGIONS == regions.ATOM_BUCKETS == frozenset(regions.ORDER) - {"unresolved", "closed"}
    assert len(set(regions.COLORS.values())) == len(regions.ORDER), "two regions share a colour"


def test_report_and_dashboard_agree(page_styles):
    styles, _ = page_styles
    shuffled = ["closed", "unresolved", "other", "us", "unknown", "eu", "china"]
    domain, palette, label_expr = _report_scale(shuffled)
    # the same order, the same colour for each key
    assert styles["order"] == domain == list(regions.ORDER)
    assert [styles["regions"][k]["color"] for k in domain] == palette
    # the report's legend label for every key is the dashboard's label
    for key in regions.ORDER:
        assert f"'{key}': '{styles['regions'][key]['label']}'" in label_expr


def test_dashboard_shows_labels_not_keys(page_styles):
    _, html = page_styles
    options = dict(re.findall(r'<option value="([a-z]+)">([^<]+)</option>', html))
    assert options["eu"] == "Europe" and options["us"] == "US" and options["other"] == "Other"


def test_no_hand_written_region_palette_in_javascript():
    keys = "|".join(regions.ORDER)
    mapping = re.compile(rf"""["']?\b({keys})\b["']?\s*:\s*["']#[0-9a-f]{{3,8}}""", re.I)
    for script in ("common.js", "dashboard.js", "model.js"):
        text = (STATIC / script).read_text(encoding="utf-8")
        assert not mapping.search(text), f"{script} maps a region to a colour: read it from the page's region-styles"
        assert "region-styles" in text or script != "common.js"


def test_unknown_key_is_shown_and_coloured_visibly():
    assert regions.label("mars") == "mars"
    assert regions.color("mars") == regions.FALLBACK_COLOR
    assert regions.ordered(["mars", "us", "china", "atlantis"]) == ["us", "china", "atlantis", "mars"]


def _lab(hex_color: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB hex colour: distances in it follow what the eye sees."""
    rgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in rgb)
    xyz = ((r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047, r * 0.2126 + g * 0.7152 + b * 0.0722,
           (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883)  # fmt: skip
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _distance(a: str, b: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5


def test_series_that_are_not_regions_never_take_a_region_colour(page_styles):
    """An organization's or a model's line must not look like the US or China: the non-region palette keeps
    its distance from every region colour, and the dashboard uses it instead of a palette of its own."""
    palette = regions.SERIES_PALETTE
    assert len(set(palette)) == len(palette) >= 8
    for series in palette:
        nearest = min(regions.COLORS.values(), key=lambda region: _distance(series, region))
        assert _distance(series, nearest) >= 30, f"{series} is too close to the region colour {nearest}"
    styles, _ = page_styles
    assert styles["series_palette"] == list(palette)
    # the regions with a hue (the greys of unknown/unresolved are also ordinary axis and text colours)
    region_hex = {regions.color(k).lower() for k in ("us", "china", "eu", "other")}
    for script in ("common.js", "dashboard.js", "model.js", "runnable.js"):
        source = (STATIC / script).read_text(encoding="utf-8").lower()
        assert not region_hex & set(re.findall(r"#[0-9a-f]{6}", source)), f"{script} hard-codes a region colour"
    assert "category: REGION_STYLES.series_palette" in (STATIC / "common.js").read_text(encoding="utf-8")
