"""The report's charts on a phone: every chart is drawn twice, wide (the chart files, the page on a screen) and
narrow (about 340 px, labels at least as large), and style.css shows one or the other by a media query.

A wide drawing scaled to a 390 px phone's column shrinks its 11 px labels to about 5 px; the narrow one is
shown at its own size instead."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from atomscope.present import charts
from atomscope.present.room import NARROW, WIDE

SVG_NS = "{http://www.w3.org/2000/svg}"
FORBIDDEN = {"script", "foreignobject", "iframe", "object", "embed"}
FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)px")


def inline_drawings(html: str, name: str) -> dict[str, str]:
    """The inline SVG of each drawing of the chart figure `name`, by its block's class (wide, narrow)."""
    figure = re.search(rf'<figure id="{name}" class="chart">(.*?)</figure>', html, re.S)
    assert figure, name
    found = re.findall(r'<div class="svg (\w+)">(<svg .*?</svg>)</div>', figure.group(1), re.S)
    return dict(found)


def label_sizes(root: ET.Element) -> list[float]:
    """Font sizes of the drawing's text (axis labels and titles, legends, bar labels), in px."""
    sizes = []
    for text in root.iter(f"{SVG_NS}text"):
        match = FONT_SIZE.search(text.get("style", "")) or re.match(r"([\d.]+)", text.get("font-size", ""))
        if match and (text.text or "").strip():
            sizes.append(float(match.group(1)))
    return sizes


def check_inlined(svg: str, prefix: str, page_ids: set[str]) -> ET.Element:
    """What present/inline_svg.py guarantees of an SVG in the page: no active content, its ids namespaced, and
    labelled by an element of the page."""
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") in page_ids, root.get("aria-labelledby")
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1].lower() not in FORBIDDEN
        for attr, value in element.attrib.items():
            local = attr.rsplit("}", 1)[-1].lower()
            assert not local.startswith("on"), (prefix, attr)
            assert local != "href" or value.startswith(f"#{prefix}-"), (prefix, attr, value)
        if "id" in element.attrib:
            assert element.get("id").startswith(f"{prefix}-"), (prefix, element.get("id"))
    return root


def test_every_chart_has_a_narrow_drawing_shown_on_narrow_screens(bundled_report):
    html = bundled_report.index.read_text(encoding="utf-8")
    page_ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert bundled_report.charts
    for chart in bundled_report.charts:
        drawings = inline_drawings(html, chart.name)
        assert set(drawings) == {"wide", "narrow"}, chart.name
        wide = check_inlined(drawings["wide"], chart.name, page_ids)
        narrow = check_inlined(drawings["narrow"], f"{chart.name}-narrow", page_ids)
        # both name the chart by its heading
        assert wide.get("aria-labelledby") == narrow.get("aria-labelledby") == f"{chart.name}-title"
        assert f'<h3 id="{chart.name}-title">' in html
        # the narrow drawing fits a phone's column as it is, the wide one is the chart files' 780 px plot
        assert float(narrow.get("width")) <= 360, chart.name
        assert float(wide.get("width")) > 780, chart.name
        assert wide.get("width") == ET.parse(bundled_report.out_dir / "charts" / f"{chart.name}.svg").getroot().get(
            "width"
        )
        # its labels are at least as large as the wide one's, and 12 px at least (the wide one's axis labels: 11)
        assert min(label_sizes(narrow)) >= max(12, min(label_sizes(wide))), chart.name
        # the two drawings share no id
        ids = [e.get("id") for root in (wide, narrow) for e in root.iter() if e.get("id")]
        assert len(ids) == len(set(ids)), chart.name


def test_the_stylesheet_shows_one_drawing_at_a_time(bundled_report):
    css = re.search(r"<style>(.*?)</style>", bundled_report.index.read_text(encoding="utf-8"), re.S).group(1)
    assert re.search(r"^\.chart \.svg\.narrow \{ display: none; \}", css, re.M)  # outside any media query
    query = re.search(r"@media \(max-width: (\d+)px\) \{\n(.*?)\n\}", css, re.S)
    assert query and int(query.group(1)) >= 390
    assert ".chart .svg.wide { display: none; }" in query.group(2)
    assert ".chart .svg.narrow { display: block; }" in query.group(2)


def months(n: int) -> list[str]:
    return [str(p) for p in pd.period_range("2024-01", periods=n, freq="M")]


@pytest.mark.parametrize("kind", ["bars", "lines"])
def test_a_long_monthly_series_labels_few_months_when_narrow(kind):
    """Two years of months, five regions: the narrow axis labels every third month and the latest, tilted; the
    region legend wraps; the wide drawing labels every month as before."""
    regions = ["us", "china", "eu", "other", "unknown"]
    df = pd.DataFrame([(m, r, 10.0) for m in months(24) for r in regions], columns=["month", "region", "downloads"])
    drawing = (charts.stacked_bars if kind == "bars" else charts.lines)(
        df, "month", "downloads", y_title="Downloads", x_kind="month"
    )
    wide, narrow = drawing.at(WIDE).to_dict(), drawing.at(NARROW).to_dict()
    layer = narrow.get("layer", [narrow])[0]
    axis = layer["encoding"]["x"]["axis"]
    assert axis["labelAngle"] == -45 and axis["values"] == months(24)[2::3]  # 8 labels, 2025-12 the last
    assert layer["encoding"]["color"]["legend"]["columns"] == NARROW.legend_columns
    assert narrow["autosize"] == {"type": "fit-x", "contains": "padding"} and narrow["width"] == NARROW.width
    wide_layer = wide.get("layer", [wide])[0]
    assert "values" not in wide_layer["encoding"]["x"]["axis"]
    assert "columns" not in wide_layer["encoding"]["color"]["legend"]
    assert "autosize" not in wide and wide["width"] == WIDE.width
    svg = ET.fromstring(charts.render_svg(drawing, NARROW))
    assert float(svg.get("width")) <= 360
    ticks = [t.text for t in svg.iter(f"{SVG_NS}text") if t.text in months(24)]
    assert ticks == months(24)[2::3]


def test_narrow_region_bars_put_the_label_above_the_bar():
    df = pd.DataFrame({"region": ["us", "china", "eu"], "models": [120, 95, 7]})
    drawing = charts.region_bars(df, "models", x_title="Tracked models", label="datum.models + ' of 222 models'")
    svg = ET.fromstring(charts.render_svg(drawing, NARROW))
    texts = [t.text for t in svg.iter(f"{SVG_NS}text")]
    assert "US: 120 of 222 models" in texts and "Europe: 7 of 222 models" in texts
    assert float(svg.get("width")) <= 360
    wide = ET.fromstring(charts.render_svg(drawing))
    assert "120 of 222 models" in [t.text for t in wide.iter(f"{SVG_NS}text")]
