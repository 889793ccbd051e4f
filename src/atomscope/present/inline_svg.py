"""A rendered chart's SVG made safe to inline in the report's HTML page (report/build.py): its ids namespaced,
its content checked. Kept apart from present/charts.py, which builds and renders the charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_FORBIDDEN_TAGS = {"script", "foreignobject", "iframe", "object", "embed"}


def inline_svg(svg: str, prefix: str, title_id: str | None = None) -> str:
    """The SVG made safe to paste into the HTML page: ids namespaced per chart (several inline SVGs share one
    document) and checked to hold no script, foreign content or event handler. Text from external data
    is already XML-escaped by the renderer; the check refuses the SVG rather than trusting that. The SVG is
    labelled by the element `title_id` (by default `{prefix}-title`), the chart's heading."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{prefix}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    root = ET.fromstring(svg)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in _FORBIDDEN_TAGS:
            raise ValueError(f"chart {prefix}: SVG holds a <{tag}> element")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (local == "href" and not value.startswith("#")):
                raise ValueError(f"chart {prefix}: SVG attribute {local}={value!r} refused")
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{title_id or prefix + "-title"}" ', 1)
