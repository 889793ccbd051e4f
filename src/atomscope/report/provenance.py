"""Where the report's data comes from: bundled files (checksums, load time, upstream commit, license),
Hugging Face collection runs, and the attributions the CC BY sources require."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import urlparse

import duckdb

from atomscope.domain.errors import AtomscopeError

# Required credits (data/SOURCES.md). Shown on every report: both sources are part of the bundled data.
ATTRIBUTIONS: tuple[dict[str, str], ...] = (
    {
        "source": "Epoch AI, “Data on AI Models”",
        "url": "https://epoch.ai/data/ai-models",
        "text": "Release counts by country use Epoch AI, “Data on AI Models” (epoch.ai), "
        "licensed CC BY 4.0. Reduced to identifiers, dates, numbers and categories.",
        "license": "CC BY 4.0",
    },
    {
        "source": "European Open Source AI Index",
        "url": "https://osai-index.eu/",
        "text": "Openness ratings come from the European Open Source AI Index (https://osai-index.eu/), "
        "licensed CC BY 4.0. Liesenfeld, A. & Dingemanse, M. (2024). Rethinking open source generative "
        "AI: open-washing and the EU AI Act. ACM FAccT 2024, pp. 1774–1787.",
        "license": "CC BY 4.0",
    },
)

HUB_RUN_KINDS = ("hf_snapshot", "hf_crawl", "hf_discovery", "import_dump")
COLLECT_HINT = "atomscope collect hf"

_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*?)\|(.*?)\|")
_ORIGIN = re.compile(r"((?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+)\s*@\s*([0-9a-f]{7,40})\s*(?:\(([^)]*)\))?")
_COMMIT = re.compile(r"@\s*([0-9a-f]{7,40})\s*(?:\(([^)]*)\))?")


class NotPublishableError(AtomscopeError):
    """The warehouse holds data a report must never show (synthetic, or collected from a local emulator)."""


def _loopback(endpoint: str) -> bool:
    host = urlparse(endpoint if "//" in endpoint else f"//{endpoint}").hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_unpublishable(con: duckdb.DuckDBPyConnection) -> None:
    """Raise NotPublishableError before anything is rendered when the warehouse holds synthetic data
    (the labelled benchmark generator, `testing.synthetic_history`) or Hub data collected from a loopback
    endpoint (where the test emulator of `testing.hub` serves a synthetic hub)."""
    from atomscope.testing.synthetic_history import is_synthetic_warehouse

    if is_synthetic_warehouse(con):
        raise NotPublishableError(
            "this warehouse contains SYNTHETIC benchmark/test data; refusing to build a report from it"
        )
    # Only runs that stored something count: a run that failed to reach a local endpoint wrote no data.
    endpoints = con.execute(
        "SELECT DISTINCT endpoint FROM hf_snapshots WHERE endpoint IS NOT NULL"
        " UNION SELECT r.endpoint FROM load_runs r WHERE r.endpoint IS NOT NULL AND ("
        "   r.run_id IN (SELECT run_id FROM hub_models) OR r.run_id IN (SELECT run_id FROM derivative_edges)"
        "   OR r.run_id IN (SELECT run_id FROM availability_events))"
    ).fetchall()
    local = sorted({e for (e,) in endpoints if _loopback(e)})
    if local:
        raise NotPublishableError(
            f"this warehouse holds Hub data collected from a local endpoint ({', '.join(local)}), where the "
            "test emulator serves a synthetic hub; refusing to build a report from it"
        )


@dataclass
class SourceFile:
    source_key: str
    file_name: str
    sha256: str
    row_count: int
    loaded_at: str
    repository: str | None = None
    commit: str | None = None
    commit_date: str | None = None
    license: str | None = None


@dataclass
class HubStatus:
    snapshot_rows: int = 0
    snapshot_days: int = 0
    first_snapshot: str | None = None
    last_snapshot: str | None = None
    last_collected_at: str | None = None
    hub_models: int = 0
    derivative_edges: int = 0
    runs: list[dict] = field(default_factory=list)

    @property
    def has_snapshots(self) -> bool:
        return self.snapshot_rows > 0

    @property
    def has_derivatives(self) -> bool:
        return self.derivative_edges > 0


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


def source_files(con: duckdb.DuckDBPyConnection) -> list[SourceFile]:
    origins = upstream_origins()
    rows = con.execute(
        "SELECT source_key, file_name, sha256, row_count, strftime(loaded_at, '%Y-%m-%d %H:%M UTC')"
        " FROM source_files ORDER BY source_key"
    ).fetchall()
    out = []
    for key, file_name, sha, count, loaded in rows:
        origin = origins.get(file_name, {})
        out.append(SourceFile(key, file_name, sha, int(count), loaded, **origin))
    return out


def hub_status(con: duckdb.DuckDBPyConnection) -> HubStatus:
    rows, days, first, last, collected = con.execute(
        "SELECT count(*), count(DISTINCT snapshot_date), min(snapshot_date)::VARCHAR, max(snapshot_date)::VARCHAR,"
        " strftime(max(collected_at), '%Y-%m-%d %H:%M UTC') FROM hf_snapshots"
    ).fetchone()
    status = HubStatus(int(rows), int(days), first, last, collected)
    status.hub_models = int(con.execute("SELECT count(*) FROM hub_models").fetchone()[0])
    status.derivative_edges = int(con.execute("SELECT count(*) FROM derivative_edges").fetchone()[0])
    placeholders = ", ".join("?" for _ in HUB_RUN_KINDS)
    runs = con.execute(
        f"""SELECT kind, count(*) AS runs,
                   strftime(max(finished_at) FILTER (WHERE status = 'ok'), '%Y-%m-%d %H:%M UTC') AS last_ok,
                   arg_max(status, started_at) AS last_status, arg_max(endpoint, started_at) AS endpoint
            FROM load_runs WHERE kind IN ({placeholders}) GROUP BY kind ORDER BY kind""",
        list(HUB_RUN_KINDS),
    ).fetchall()
    status.runs = [
        {"kind": k, "runs": int(n), "last_ok": ok, "last_status": st, "endpoint": ep} for k, n, ok, st, ep in runs
    ]
    return status


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
