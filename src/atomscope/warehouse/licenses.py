"""A model's license as the warehouse knows it: one rule for the model page and `atomscope audit`.

The first source that names a license wins, in this order (`LICENSE_SOURCES`):

1. the `license:` tag of the latest Hub snapshot (`hf_snapshots`);
2. the `license:` tag of the Hub crawl (`hub_models`);
3. the Open LLM Leaderboard's `hub_license` (`leaderboard_v2`);
4. the European Open Source AI Index's end-model license of the system linked to the repository;
5. the Model Openness Framework's license of the final weights (`Model parameters (Final)`);
6. the LMArena license of the arena entry mapped to the repository (`arena_model_repos`, latest snapshot).

The raw string is classified by domain/licenses.py, the classifier every metric uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from atomscope.domain.licenses import LicenseClass, classify_license, is_open_license, is_open_weight, license_key

LICENSE_SOURCES = (
    "hub snapshot tag",
    "hub crawl tag",
    "Open LLM Leaderboard",
    "European Open Source AI Index",
    "Model Openness Framework (final weights)",
    "LMArena",
)
_HUB_URL = "https://huggingface.co/"


@dataclass(frozen=True)
class ModelLicense:
    raw: str
    source: str  # one of LICENSE_SOURCES

    @property
    def key(self) -> str:
        return license_key(self.raw)

    @property
    def license_class(self) -> LicenseClass:
        return classify_license(self.raw)

    @property
    def open_weight(self) -> bool:
        return is_open_weight(self.license_class)

    @property
    def open_license(self) -> bool:
        return is_open_license(self.raw)

    def as_dict(self) -> dict[str, object]:
        return {
            "raw": self.raw,
            "key": self.key,
            "class": str(self.license_class),
            "open_weight": self.open_weight,
            "source": self.source,
        }


def _license_tag(tags: Iterable | None) -> str | None:
    for tag in tags or []:
        if isinstance(tag, str) and tag.startswith("license:"):
            return tag.split(":", 1)[1] or None
    return None


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Older warehouses lack the tables of later migrations: their sources are skipped."""
    return {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _queries(tables: set[str]) -> list[tuple[str, str, bool]]:
    """(source, SQL returning (model_id, value), whether value is a tag list) in rule order; `?` is the id list."""
    found = [
        (
            LICENSE_SOURCES[0],
            "SELECT model_id, tags FROM hf_snapshots WHERE list_contains(?::VARCHAR[], model_id)"
            " QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY snapshot_date DESC) = 1",
            True,
        ),
        (LICENSE_SOURCES[1], "SELECT model_id, tags FROM hub_models WHERE list_contains(?::VARCHAR[], model_id)", True),
        (
            LICENSE_SOURCES[2],
            "SELECT model_name, min(hub_license) FROM leaderboard_v2"
            " WHERE list_contains(?::VARCHAR[], model_name) AND hub_license IS NOT NULL GROUP BY model_name",
            False,
        ),
        (
            LICENSE_SOURCES[3],
            "SELECT i.model_id, min(o.end_model_license) FROM osai_systems o"
            " JOIN unnest(?::VARCHAR[]) AS i(model_id) ON lower(o.link) = lower('"
            + _HUB_URL
            + "' || i.model_id) WHERE o.end_model_license IS NOT NULL GROUP BY i.model_id",
            False,
        ),
        (
            LICENSE_SOURCES[4],
            "SELECT i.model_id, arg_min(m.component_license, m.source_line) FROM mof_components m"
            " JOIN unnest(?::VARCHAR[]) AS i(model_id) ON lower(rtrim(m.huggingface, '/')) = lower('"
            + _HUB_URL
            + "' || i.model_id) WHERE m.component = 'Model parameters (Final)' AND m.component_license IS NOT NULL"
            " GROUP BY i.model_id",
            False,
        ),
    ]
    if "arena_model_repos" in tables:
        found.append(
            (
                LICENSE_SOURCES[5],
                "SELECT r.model_id, arg_max(s.license, s.snapshot_date) FROM arena_model_repos r"
                " JOIN arena_scores s ON s.model = r.arena_model"
                " WHERE list_contains(?::VARCHAR[], r.model_id) AND s.license IS NOT NULL GROUP BY r.model_id",
                False,
            )
        )
    return found


def model_licenses(con: duckdb.DuckDBPyConnection, model_ids: Iterable[str]) -> dict[str, ModelLicense]:
    """model id (as given, exact Hub spelling) -> its license by the rule above; ids with none are absent."""
    ids = sorted(set(model_ids))
    if not ids:
        return {}
    result: dict[str, ModelLicense] = {}
    for source, sql, tagged in _queries(_tables(con)):
        for model_id, value in con.execute(sql, [ids]).fetchall():
            raw = _license_tag(value) if tagged else value
            if raw and model_id not in result:
                result[model_id] = ModelLicense(raw, source)
    return result


def model_license(con: duckdb.DuckDBPyConnection, model_id: str) -> ModelLicense | None:
    return model_licenses(con, [model_id]).get(model_id)
