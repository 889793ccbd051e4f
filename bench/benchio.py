"""Where benchmark results go: a JSON file in bench/results/ and one `## <section>` of BENCHMARKS.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"


def write_section(md_path: Path, section: str, body: str) -> None:
    """Replace `## <section>` (up to the next `## ` heading) in BENCHMARKS.md, keeping every other section."""
    text = md_path.read_text(encoding="utf-8") if md_path.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    head = f"## {section}"
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == head)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = body.rstrip("\n").splitlines() + [""]
    except StopIteration:
        lines += ["", *body.rstrip("\n").splitlines()]
    md_path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


def save(kind: str, report: dict, section: str, text: str) -> Path:
    """Keep the raw `report` as bench/results/<kind>-<UTC stamp>.json and update BENCHMARKS.md's section."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{kind}-{stamp}.json"
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    write_section(ROOT / "BENCHMARKS.md", section, text)
    return path
