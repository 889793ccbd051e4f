"""Test-only download history for the honest-chart tests (issue 18): monthly "dump" snapshots of four real
tracked models, written into a copy of the bundled warehouse.

SYNTHETIC: the download counts are invented for tests (source 'test-fixture'); they are not Hub figures
and must never reach a published report. Each model was created on 2025-01-01 and is first seen in the
2025-04-01 dump, so January to March are first-snapshot estimates; the last dump is on 2025-09-01, so
September is month-to-date (unfinished).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb

SOURCE = "test-fixture"
CREATED = datetime(2025, 1, 1)
DUMP_DAYS = tuple(date(2025, m, 1) for m in range(4, 10))  # 2025-04-01 .. 2025-09-01
MONTHLY = {  # model -> downloads in its first month; each later month grows by `GROWTH` of it
    "Qwen/Qwen3-8B": 300_000,
    "Qwen/Qwen2.5-7B-Instruct": 200_000,
    "meta-llama/Llama-3.1-8B-Instruct": 250_000,
    "mistralai/Mistral-7B-Instruct-v0.3": 80_000,
}
GROWTH = 0.1


def monthly_downloads(first_month: int, index: int) -> float:
    """Downloads of month number `index` (0 = January 2025) for a model with `first_month` downloads."""
    return first_month * (1 + GROWTH * index)


def add_monthly_dumps(path: Path, days: tuple[date, ...] = DUMP_DAYS) -> None:
    """Insert one snapshot per model and day in `days` (all-time total and last-30-day count)."""
    con = duckdb.connect(str(path))
    for model_id, first in MONTHLY.items():
        for day in days:
            months_before = (day.year - 2025) * 12 + day.month - 1  # whole months since 2025-01-01
            total = sum(monthly_downloads(first, i) for i in range(months_before))
            total += monthly_downloads(first, months_before) * (day.day - 1) / 30
            last_30 = monthly_downloads(first, max(months_before - 1, 0))
            con.execute(
                "INSERT INTO hf_snapshots (model_id, snapshot_date, downloads_30d, downloads_all_time, created_at,"
                " collected_at, source, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                [
                    model_id,
                    day,
                    round(last_30),
                    round(total),
                    CREATED,
                    datetime.combine(day, datetime.min.time()),
                    SOURCE,
                ],
            )
    con.close()


def dumps_copy(bundled_db: Path, folder: Path, days: tuple[date, ...] = DUMP_DAYS) -> Path:
    """A copy of the bundled warehouse in `folder` with the test-only monthly dumps added."""
    path = Path(folder) / "dumps.duckdb"
    shutil.copy(bundled_db, path)
    add_monthly_dumps(path, days)
    return path
