"""Where each bundled file comes from: its upstream repository, commit, commit date and license, as the
bundled `data/SOURCES.md` states them (read by the loader, which records them as the bundled version, and by
the provenance the report and API show)."""

from __future__ import annotations

import re
from importlib import resources

_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*?)\|(.*?)\|")
_ORIGIN = re.compile(r"((?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+)\s*@\s*([0-9a-f]{7,40})\s*(?:\(([^)]*)\))?")
_COMMIT = re.compile(r"@\s*([0-9a-f]{7,40})\s*(?:\(([^)]*)\))?")


def upstream_origins() -> dict[str, dict[str, str | None]]:
    """file name -> repository, commit, commit date and license, read from the bundled SOURCES.md
    ("same" in the origin column repeats the previous row's repository and commit)."""
    text = (resources.files("atomscope") / "data" / "SOURCES.md").read_text(encoding="utf-8")
    found: dict[str, dict[str, str | None]] = {}
    previous: dict[str, str | None] = {}
    for line in text.splitlines():
        row = _ROW.match(line)
        if not row:
            continue
        name, origin, license_ = row.group(1), row.group(2).strip(), row.group(3).strip()
        match = _ORIGIN.search(origin)
        if match:
            previous = {"repository": match.group(1), "commit": match.group(2), "commit_date": match.group(3)}
        elif not origin.lower().startswith("same"):
            previous = {}
        elif commit := _COMMIT.search(origin):  # "same repository @ <another commit>"
            previous = {**previous, "commit": commit.group(1), "commit_date": commit.group(2)}
        found[name] = {**previous, "license": license_.split("—")[0].strip() or None}
    return found
