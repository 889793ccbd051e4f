"""A SYNTHETIC hub-stats dataset repository served by the Hub emulator, and importer helpers.

The scenario spans 25 months with one models upload a day, each followed by a datasets-only upload:
CSV era until 2025-01-15, no all-time counts before 2025-02-27, a rollback on 2025-08-01, a stall on
2025-10-02, a partial snapshot on 2025-12-01, a corrupt file on 2026-02-01, schema drift (no
safetensors total in 2025-05, flat safetensors_total in 2025-06).
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.console import Console

from atomscope.collect.hubstats.importer import HubStatsOptions, import_hubstats
from atomscope.testing.hub import DEFAULT_TOKEN
from atomscope.testing.hub_datasets import DatasetHost
from atomscope.testing.synthetic_hubstats import HubStatsScenario, hubstats_repo

START, END = date(2024, 11, 1), date(2026, 11, 30)


def month(y: int, m: int) -> tuple[date, ...]:
    first = date(y, m, 1)
    return tuple(first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == m)


SCENARIO = HubStatsScenario(
    start=START, end=END, rollback=(date(2025, 8, 1),), stall=(date(2025, 10, 2),), partial=(date(2025, 12, 1),),
    corrupt=(date(2026, 2, 1),), no_total=month(2025, 5), flat_total=month(2025, 6),
)  # fmt: skip


def dataset_host(hub, scenario: HubStatsScenario = SCENARIO, page_size: int = 100) -> DatasetHost:
    return DatasetHost(hubstats_repo(hub, scenario), commits_page_size=page_size)


def run_import(con, emu, console: Console | None = None, **options):
    options.setdefault("token", DEFAULT_TOKEN)
    options.setdefault("live", False)
    console = console or Console(stderr=True, quiet=True)
    return import_hubstats(con, HubStatsOptions(endpoint=emu.url, **options), console)


def whole_bytes(host: DatasetHost, revisions) -> int:
    """Bytes the models files of `revisions` (shas) hold, as the repository stores them."""
    repo = next(iter(host.repos.values()))
    total = 0
    for sha in revisions:
        tree = repo.tree(repo.index_of(sha))
        total += len((tree.get("models.parquet") or tree["models.csv"]).content)
    return total
