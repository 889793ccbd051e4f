"""SYNTHETIC monthly Hub dumps whose truth is known, for tests of the headline (issue 21). Tests only.

EVERY NUMBER HERE IS INVENTED. The files have the shape of the `cfahlgren1/hub-stats` dataset's monthly
revisions as `atomscope import hub-dump` reads them (id, author, createdAt, lastModified, downloads,
likes, tags; `downloadsAllTime` only from 2025-02-27, as in the real dataset), one per month end from
2024-10-31 to 2025-11-30 plus 2025-12-15. Each Parquet file carries `synthetic: atomscope test fixture`
in its key-value metadata and a `synthetic_` file name prefix.

Downloads come from a daily rate per model (seeded noise on a smooth growth curve, from the model's
release day), so the truth is exact: `truth()` gives each region's downloads per calendar month, and
`crossover_month()` the month from which China stays ahead of the US (2025-08 with the default models).
The models are tracked ids of the bundled ATOM list, so a warehouse built with `atomscope init` knows
their organizations and regions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ALL_TIME_FROM = date(2025, 2, 27)  # hub-stats files before this day have no downloadsAllTime
WINDOW_START = date(2024, 10, 1)


@dataclass(frozen=True)
class DumpModel:
    """A tracked model: its region, release day and daily downloads `rate * growth ** months` (months
    since WINDOW_START, fractional), times seeded day-to-day noise."""

    model_id: str
    region: str
    release: date
    rate: float
    growth: float


MODELS = (
    DumpModel("meta-llama/Llama-3.1-8B-Instruct", "us", date(2024, 7, 23), 2_000_000, 1.00),
    DumpModel("google/gemma-2-9b-it", "us", date(2024, 6, 27), 800_000, 1.01),
    DumpModel("meta-llama/Llama-3.2-1B", "us", date(2024, 9, 25), 600_000, 1.03),
    DumpModel("openai/gpt-oss-20b", "us", date(2025, 8, 5), 3_000, 1.3),
    DumpModel("Qwen/Qwen2.5-7B-Instruct", "china", date(2023, 9, 19), 900_000, 1.08),
    DumpModel("deepseek-ai/DeepSeek-R1", "china", date(2025, 1, 20), 80_000, 1.12),
    DumpModel("Qwen/Qwen3-8B", "china", date(2025, 4, 29), 16_000, 1.5),
    DumpModel("Qwen/Qwen3-4B", "china", date(2025, 4, 29), 9_000, 1.5),
)


def dump_days() -> list[date]:
    """Month ends 2024-10-31 .. 2025-11-30, then 2025-12-15 (15 days)."""
    days = []
    for i in range(14):
        first_next = date(2024 + (10 + i) // 12, (10 + i) % 12 + 1, 1)
        days.append(first_next - timedelta(days=1))
    return [*days, date(2025, 12, 15)]


class SyntheticDumps:
    """Daily SYNTHETIC downloads of `models` up to the last dump day, with a fixed seed."""

    def __init__(self, models: tuple[DumpModel, ...] = MODELS, seed: int = 21) -> None:
        self.models = models
        self.days = dump_days()
        rng = random.Random(seed)
        self._daily: dict[str, dict[date, int]] = {}
        last = self.days[-1]
        for m in models:
            series, day = {}, m.release
            while day < last:
                months = (day - WINDOW_START).days / 30.44
                series[day] = int(m.rate * m.growth**months * rng.uniform(0.9, 1.1))
                day += timedelta(days=1)
            self._daily[m.model_id] = series

    def total_before(self, model_id: str, day: date) -> int:
        """Downloads of all days before `day`: the all-time count a dump of `day` shows."""
        return sum(n for d, n in self._daily[model_id].items() if d < day)

    def thirty_days(self, model_id: str, day: date) -> int:
        return self.total_before(model_id, day) - self.total_before(model_id, day - timedelta(days=30))

    def truth(self) -> dict[tuple[str, str], int]:
        """(YYYY-MM, region) -> the region's downloads in that calendar month (every month with any)."""
        out: dict[tuple[str, str], int] = {}
        for m in self.models:
            for d, n in self._daily[m.model_id].items():
                key = (f"{d.year:04d}-{d.month:02d}", m.region)
                out[key] = out.get(key, 0) + n
        return out

    def crossover_month(self, a: str = "china", b: str = "us") -> str | None:
        """First finished month from which `a` has more downloads than `b` in every later finished month
        of the dumps' span (the month of the last dump is unfinished)."""
        truth = self.truth()
        first, last = self.days[0], self.days[-1]
        months = sorted({month for month, _ in truth if f"{first:%Y-%m}" <= month < f"{last:%Y-%m}"})
        found = None
        for month in months:
            ahead = truth.get((month, a), 0) > truth.get((month, b), 0)
            found = (found or month) if ahead else None
        return found

    def write(self, folder: Path) -> list[tuple[Path, date]]:
        """One Parquet file per dump day in `folder`; returns (path, day) pairs in day order."""
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for day in self.days:
            shown = [m for m in self.models if m.release <= day]
            created = [datetime.combine(m.release, datetime.min.time(), tzinfo=UTC) for m in shown]
            cols: dict[str, pa.Array] = {
                "id": pa.array([m.model_id for m in shown], pa.string()),
                "author": pa.array([m.model_id.split("/")[0] for m in shown], pa.string()),
                "createdAt": pa.array(created, pa.timestamp("us", tz="UTC")),
                "lastModified": pa.array(created, pa.timestamp("us", tz="UTC")),
                "downloads": pa.array([self.thirty_days(m.model_id, day) for m in shown], pa.int64()),
                "likes": pa.array([0] * len(shown), pa.int64()),
                "tags": pa.array([["text-generation"]] * len(shown), pa.list_(pa.string())),
            }
            if day >= ALL_TIME_FROM:
                cols["downloadsAllTime"] = pa.array([self.total_before(m.model_id, day) for m in shown], pa.int64())
            table = pa.table(cols).replace_schema_metadata({"synthetic": "atomscope test fixture"})
            path = folder / f"synthetic_models_{day.isoformat()}.parquet"
            pq.write_table(table, path)
            out.append((path, day))
        return out
