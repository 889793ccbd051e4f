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
from atomscope.report import charts
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
