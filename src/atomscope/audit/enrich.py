"""What the warehouse knows about each model id found by the scanner.

An id is *known* when any warehouse table names it (case-insensitively, as the Hub resolves ids):
tracked `models`, crawled `hub_models`, `derivative_edges`, `candidates`, `hf_snapshots`, the Open LLM
Leaderboard's `leaderboard_v2`, the arena mapping `arena_model_repos`, or a rename target in
`availability_events`. An unknown id gets kind `unknown` and no other field: nothing is guessed.

For a known id:
* organization, region, country: its namespace through the curated registry (`org_aliases` source `hf`);
  a namespace the registry does not know keeps its name and region `unresolved` (as in every metric);
* root: for a derivative, the tracked models it descends from (`lineage.derivative_roots`) and their
  regions; `effective_region` is the root's region for a derivative, else the id's own region;
* license: the one rule of warehouse/licenses.py, shared with the model page (Hub snapshot tag, crawl tag,
  Open LLM Leaderboard, OSAI, MOF final weights, LMArena), with the source it came from; `license_class`
  through domain/licenses.py and `open_license` by its `is_open_license`, the one definition of an open
  license shared with the openness and MOF metrics;
* openness: the European Open Source AI Index openness (metric `openness`) of the system whose link is
  this repository, where there is one;
* status and last_seen: the latest `availability_events` status, else `seen` when a snapshot or the crawl
  saw it; last_seen the newest snapshot day or crawl sighting;
* parameters (model_facts for tracked models, else the name, else the single root's) and the smallest
  hardware class at q4 (metric `runnability`);
* alternatives: up to three tracked models of the same size bucket from other resolved regions than the
  effective region, not removed, ranked by latest 30-day downloads, else best LMArena score (through
  `arena_model_repos`), else Open LLM Leaderboard v2 average score; a model with none is not suggested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from atomscope.domain.params import parse_size_from_name, size_bucket
from atomscope.metrics.base import MetricContext
from atomscope.metrics.common import UNRESOLVED, attribute, tracked_models
from atomscope.metrics.openness import systems
from atomscope.metrics.runnability import BEST_QUANTIZATION, bits_of, memory_gb, smallest_class
from atomscope.warehouse.licenses import ModelLicense, model_licenses
from atomscope.warehouse.lineage import derivative_roots

MAX_ALTERNATIVES = 3
NOT_COMPARABLE_REGIONS = ("unknown", UNRESOLVED)


@dataclass
class Alternative:
    model_id: str
    org_name: str
    region: str
    basis: str  # why it ranks: downloads_30d=..., arena_score=... or open_llm_leaderboard=...


@dataclass
class ModelInfo:
    model_id: str  # canonical spelling when known, else as written
    known: bool
    kind: str  # tracked, derivative, hub, unknown
    organization: str | None = None
    region: str | None = None
    country: str | None = None
    root_models: list[str] = field(default_factory=list)
    root_regions: list[str] = field(default_factory=list)
    effective_region: str | None = None
    license: str | None = None
    license_source: str | None = None
    license_class: str | None = None
    open_license: bool | None = None  # domain/licenses.py is_open_license: the one definition of "open"
    openness_pct: float | None = None
    truly_open: bool | None = None
    status: str | None = None
    renamed_to: str | None = None
    last_seen: str | None = None
    total_params_b: float | None = None
    params_source: str | None = None
    size_bucket: str | None = None
    q4_memory_gb: float | None = None
    q4_class: str | None = None
    alternatives: list[Alternative] = field(default_factory=list)


def _only(table, column: str, ids, *, lower: bool = False):
    """Rows of `table` whose `column` is one of `ids` (a join on a memtable: a long IN list compiles slowly)."""
    keys = ibis.memtable(pd.DataFrame({"_key": sorted(set(ids))}, dtype="string"))
    value = table[column].lower() if lower else table[column]
    return table.semi_join(keys, value == keys["_key"])


def _frame(expr) -> pd.DataFrame:
    return expr.to_pandas()


def _has(backend: Any, name: str) -> bool:
    """Whether the warehouse has the table (older schemas lack the tables of later migrations)."""
    try:
        backend.table(name)
    except Exception:  # each engine raises its own "table not found"
        return False
    return True


def _known_ids(ctx: MetricContext, lowered: list[str]) -> dict[str, tuple[str, str]]:
    """lower(id) -> (canonical id, table that knows it), the most specific table first."""
    sources = [
        ("models", "model_id"),
        ("hub_models", "model_id"),
        ("derivative_edges", "child_id"),
        ("derivative_edges", "parent_id"),
        ("candidates", "model_id"),
        ("hf_snapshots", "model_id"),
        ("leaderboard_v2", "model_name"),
        ("arena_model_repos", "model_id"),
        ("availability_events", "new_model_id"),
    ]
    known: dict[str, tuple[str, str]] = {}
    for table_name, column in sources:
        if not _has(ctx.backend, table_name):
            continue
        table = ctx.table(table_name)
        hits = _frame(_only(table, column, lowered, lower=True).select(found=table[column]).distinct())
        for found in hits["found"]:
            known.setdefault(found.lower(), (found, table_name))
    return known


def _origin(ctx: MetricContext, namespaces: list[str]) -> dict[str, tuple[str, str, str | None]]:
    """namespace -> (organization, region, country) by the registry's rule (`common.attribute`, source hf)."""
    if not namespaces:
        return {}
    names = ibis.memtable(pd.DataFrame({"namespace": sorted(set(namespaces))}, dtype="string"))
    rows = _frame(attribute(names, "namespace", ctx, "hf"))
    return {
        r.namespace: (r.org_name, r.region, r.country if isinstance(r.country, str) else None)
        for r in rows.itertuples()
    }


def _latest_by(frame: pd.DataFrame, key: str, order: str) -> pd.DataFrame:
    return frame.sort_values(order).groupby(key).tail(1).set_index(key) if not frame.empty else frame


def _licenses(ctx: MetricContext, ids: list[str]) -> dict[str, ModelLicense]:
    """The warehouse's one license rule (warehouse/licenses.py, shared with the model page)."""
    return model_licenses(ctx.backend.con, ids)


def _openness(ctx: MetricContext, ids: list[str]) -> dict[str, tuple[float, bool]]:
    osai = ctx.table("osai_systems")
    repo = osai.link.re_extract(r"huggingface\.co/([^/?#\s]+/[^/?#\s]+)", 1).lower()
    links = osai.select(system=osai.system, repo=repo)
    links = _only(links, "repo", ids)
    scored = systems(MetricContext(ctx.backend))
    joined = links.join(scored, "system")
    rows = _frame(joined.select("repo", "openness_pct", "truly_open"))
    return {r.repo: (float(r.openness_pct), bool(r.truly_open)) for r in rows.itertuples()}


def _availability(ctx: MetricContext, ids: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    events = ctx.table("availability_events")
    events = _frame(_only(events, "model_id", ids).select("model_id", "observed_on", "status", "new_model_id"))
    seen: dict[str, str] = {}
    snaps = ctx.table("hf_snapshots")
    snaps = _only(snaps, "model_id", ids).group_by("model_id").aggregate(day=snaps.snapshot_date.max())
    hub = ctx.table("hub_models")
    hub = _only(hub, "model_id", ids).select("model_id", day=hub.last_seen_at.cast("date"))
    for row in pd.concat([_frame(snaps), _frame(hub)]).itertuples():
        day = pd.Timestamp(row.day).date().isoformat()
        seen[row.model_id] = max(seen.get(row.model_id, day), day)
    return _latest_by(events, "model_id", "observed_on"), seen


def _pool(ctx: MetricContext) -> pd.DataFrame:
    """Tracked models with size bucket, region, latest downloads, best arena score, release, status."""
    models = tracked_models(ctx)
    models = models.filter(models.size_bucket.notnull() & ~models.region.isin(NOT_COMPARABLE_REGIONS))
    pool = _frame(models.select("model_id", "org_name", "region", "size_bucket", "release_date"))
    snaps = ctx.table("hf_snapshots")
    latest = _frame(snaps.filter(snaps.downloads_30d.notnull()).select("model_id", "snapshot_date", "downloads_30d"))
    downloads = _latest_by(latest, "model_id", "snapshot_date").get("downloads_30d", pd.Series(dtype="float64"))
    pool["downloads_30d"] = pool.model_id.map(downloads)
    if _has(ctx.backend, "arena_model_repos"):
        repos, scores = ctx.table("arena_model_repos"), ctx.table("arena_scores")
        joined = repos.join(scores, repos.arena_model == scores.model)
        best = _frame(joined.group_by(joined.model_id).aggregate(score=joined.arena_score.max()))
        pool["arena_score"] = pool.model_id.map(best.set_index("model_id")["score"])
    else:
        pool["arena_score"] = float("nan")
    board = ctx.table("leaderboard_v2")
    board = _frame(board.group_by(board.model_name).aggregate(score=board.average_score.max()))
    pool["leaderboard_score"] = pool.model_id.map(board.set_index("model_name")["score"])
    events = ctx.table("availability_events")
    removed = _latest_by(_frame(events.select("model_id", "observed_on", "status")), "model_id", "observed_on")
    gone = set(removed.index[removed["status"].isin(["removed", "disabled"])]) if not removed.empty else set()
    return pool[~pool.model_id.isin(gone)]


def _basis(row) -> str:
    if pd.notna(row.downloads_30d):
        return f"downloads_30d={int(row.downloads_30d)}"
    if pd.notna(row.arena_score):
        return f"arena_score={row.arena_score:.0f}"
    return f"open_llm_leaderboard={row.leaderboard_score:.1f}"


class _Alternatives:
    """Up to MAX_ALTERNATIVES ranked tracked models per (size bucket, region to avoid), computed once each."""

    def __init__(self, pool: pd.DataFrame) -> None:
        signals = ["downloads_30d", "arena_score", "leaderboard_score"]
        ranked = pool[pool[signals].notna().any(axis=1)]  # no ranking signal: not suggested
        ranked = ranked.assign(**{f"_{s}": ranked[s].fillna(-1) for s in signals})
        order = [f"_{s}" for s in signals]
        self.ranked = ranked.sort_values([*order, "model_id"], ascending=[False] * len(order) + [True])
        self.cache: dict[tuple[str, str], list[Alternative]] = {}

    def _top(self, bucket: str, region: str) -> list[Alternative]:
        key = (bucket, region)
        if key not in self.cache:
            same = self.ranked[(self.ranked.size_bucket == bucket) & (self.ranked.region != region)]
            self.cache[key] = [
                Alternative(
                    row.model_id,
                    row.org_name,
                    row.region,
                    _basis(row),
                )
                for row in same.head(MAX_ALTERNATIVES + 1).itertuples()
            ]
        return self.cache[key]

    def for_model(self, info: ModelInfo) -> list[Alternative]:
        if info.size_bucket is None or info.effective_region is None:
            return []
        others = [a for a in self._top(info.size_bucket, info.effective_region) if a.model_id != info.model_id]
        return others[:MAX_ALTERNATIVES]


def enrich(backend: Any, model_ids: list[str]) -> dict[str, ModelInfo]:
    """ModelInfo for each id as written (keys are the ids as written)."""
    ctx = MetricContext(backend)
    lowered = sorted({m.lower() for m in model_ids})
    known = _known_ids(ctx, lowered) if lowered else {}
    canonical = sorted({known[m.lower()][0] for m in model_ids if m.lower() in known})
    facts_table = ctx.table("model_facts")
    params = _frame(_only(facts_table, "model_id", sorted(set(canonical)))).set_index("model_id")["total_params_b"]
    tracked = set(_frame(ctx.table("models").select("model_id"))["model_id"])
    roots = _frame(_only(derivative_roots(ctx), "child_id", canonical)).sort_values(["child_id", "depth", "root_id"])
    roots_of = roots.groupby("child_id")["root_id"].apply(list).to_dict() if not roots.empty else {}
    root_ids = sorted(set(roots.root_id))
    all_ids = sorted(set(canonical) | set(root_ids))
    origins = _origin(ctx, sorted({m.split("/")[0] for m in all_ids if "/" in m}))
    root_params = _frame(_only(facts_table, "model_id", root_ids)).set_index("model_id")["total_params_b"]
    known_params = {k: float(v) for k, v in pd.concat([params, root_params]).dropna().items()}
    licenses = _licenses(ctx, canonical)
    openness = _openness(ctx, [m.lower() for m in canonical])
    events, seen = _availability(ctx, canonical)
    status_of = {k: (row["status"], row["new_model_id"]) for k, row in events.iterrows()} if not events.empty else {}
    alternatives = _Alternatives(_pool(ctx))

    result: dict[str, ModelInfo] = {}
    for written in sorted(set(model_ids)):
        if written.lower() not in known:
            result[written] = ModelInfo(written, False, "unknown")
            continue
        model_id = known[written.lower()][0]
        org = origins.get(model_id.split("/")[0]) if "/" in model_id else None
        root_models = [] if model_id in tracked else roots_of.get(model_id, [])
        root_regions = sorted({(origins.get(r.split("/")[0]) or (None, UNRESOLVED))[1] for r in root_models})
        region = org[1] if org else UNRESOLVED
        kind = "tracked" if model_id in tracked else ("derivative" if root_models else "hub")
        info = ModelInfo(
            model_id,
            True,
            kind,
            organization=org[0] if org else model_id.split("/")[0],
            region=region,
            country=org[2] if org else None,
            root_models=root_models,
            root_regions=root_regions,
            effective_region=root_regions[0] if len(root_regions) == 1 else (region if not root_regions else None),
        )
        if (license := licenses.get(model_id)) is not None:
            info.license, info.license_source = license.raw, license.source
            info.license_class = license.license_class.value
            info.open_license = license.open_license
        if model_id.lower() in openness:
            info.openness_pct, info.truly_open = openness[model_id.lower()]
        if model_id in status_of:
            info.status, renamed = status_of[model_id]
            info.renamed_to = renamed if isinstance(renamed, str) else None
        info.last_seen = seen.get(model_id)
        if info.status is None and info.last_seen:
            info.status = "seen"
        _size(info, known_params, tracked)
        info.alternatives = alternatives.for_model(info)
        result[written] = info
    return result


def _size(info: ModelInfo, known_params: dict[str, float], tracked: set[str]) -> None:
    total, source = None, None
    if info.model_id in tracked and info.model_id in known_params:
        total, source = known_params[info.model_id], "model_facts"
    elif (parsed := parse_size_from_name(info.model_id)).total_b is not None:
        total, source = parsed.total_b, "name"
    elif len(info.root_models) == 1 and info.root_models[0] in known_params:
        total, source = known_params[info.root_models[0]], "root model"
    if total is None:
        return
    info.total_params_b, info.params_source, info.size_bucket = total, source, size_bucket(total)
    info.q4_memory_gb = round(memory_gb(total, bits_of(BEST_QUANTIZATION)), 2)
    info.q4_class = smallest_class(info.q4_memory_gb)
