"""What the warehouse knows about each model id found by the scanner.

An id is *known* when any warehouse table names it (case-insensitively, as the Hub resolves ids):
tracked `models`, crawled `hub_models`, `derivative_edges`, `candidates`, `hf_snapshots`, the Open LLM
Leaderboard's `leaderboard_v2`, the arena mapping `arena_model_repos`, or a rename target in
`availability_events`; `kind` says which (tracked, derivative, hub, unknown).

Publisher, for every id, known or not (`match` says how it was found):
* `tracked` - the id is on ATOM's lists; its root is itself;
* `derivative` - its `base_model` lineage reaches tracked models (`lineage.derivative_roots`), or it is a
  repackaging of a tracked model: a card edge of relation `quantized`, or, under a namespace the registry
  knows, the tracked id of the same namespace plus a repackaging suffix (`-GGUF`, `-AWQ`, `-GPTQ`, `-MLX`,
  `-FP8`, `-4bit`, ...; `REPACKAGING`); `repackaging_of` names the tracked model;
* `namespace` - not tracked and no lineage, but the registry (`org_aliases` source `hf`, matched
  case-insensitively) knows its namespace: organization, region and country are the namespace's;
* `unknown` - none of these: nothing is guessed from the name.
A known id under a namespace the registry does not know keeps the namespace as organization and region
`unresolved` (as in every metric); an unknown one has none. `--fail-on region=...` reads the region of
every match, namespace matches included.

For a known id (or a repackaging, through its tracked model):
* license: the one rule of warehouse/licenses.py, shared with the model page, with its source;
* openness: the European Open Source AI Index openness of the system whose link is this repository, else
  of the system whose end model has this repository's name and whose organization is the namespace's;
* status and last_seen: the latest `availability_events` status, else `seen` when a snapshot or the crawl
  saw it; last_seen the newest snapshot day or crawl sighting;
* parameters (model_facts for tracked models, else the name, else the single root's), the smallest
  hardware class at q4 (metric `runnability`), and the task (`domain/tasks.py`; a derivative that says
  nothing of its task takes its single root's);
* alternatives: audit/alternatives.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from atomscope.audit.alternatives import Alternative, Alternatives, q4_class, task_inputs, task_of
from atomscope.audit.tables import frame, has, only
from atomscope.domain.hardware import BEST_QUANTIZATION, bits_of, memory_gb
from atomscope.domain.params import parse_size_from_name, size_bucket
from atomscope.metrics.base import MetricContext
from atomscope.metrics.common import UNRESOLVED, attribute
from atomscope.metrics.openness import systems
from atomscope.warehouse.licenses import model_licenses
from atomscope.warehouse.lineage import derivative_roots

MATCHES = ("tracked", "derivative", "namespace", "unknown")
# a repackaging suffix at the end of a repository name (repeatable: `-Instruct-AWQ-4bit`)
REPACKAGING = re.compile(
    r"[-_.](gguf|ggml|awq|gptq|exl2|mlx|fp8|fp16|bf16|int4|int8|w4a16|w8a8|nf4|bnb|onnx|openvino"
    r"|[2-8]-?bits?|q[2-8](_k(_[msl])?|_[01])?)$",
    re.I,
)


@dataclass
class ModelInfo:
    model_id: str  # canonical spelling when known, else as written
    known: bool
    kind: str  # tracked, derivative, hub, unknown: what the warehouse knows of the exact id
    match: str = "unknown"  # tracked, derivative, namespace, unknown: how the publisher was found
    organization: str | None = None
    region: str | None = None
    country: str | None = None
    root_models: list[str] = field(default_factory=list)
    root_regions: list[str] = field(default_factory=list)
    repackaging_of: str | None = None
    effective_region: str | None = None
    task: str | None = None
    task_source: str | None = None
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
    alternatives_note: str | None = None


def _known_ids(ctx: MetricContext, lowered: list[str]) -> dict[str, str]:
    """lower(id) -> canonical id, the most specific table first."""
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
    known: dict[str, str] = {}
    for table_name, column in sources:
        if not has(ctx.backend, table_name):
            continue
        table = ctx.table(table_name)
        hits = frame(only(table, column, lowered, lower=True).select(found=table[column]).distinct())
        for found in hits["found"]:
            known.setdefault(found.lower(), found)
    return known


def _origin(ctx: MetricContext, namespaces: list[str]) -> dict[str, tuple[str, str, str, str | None]]:
    """lower(namespace) -> (org_key, organization, region, country) for the namespaces the registry knows,
    by its rule (`common.attribute`, source hf), matched case-insensitively as the Hub matches namespaces."""
    aliases = ctx.table("org_aliases")
    spelled = frame(aliases.filter(aliases.source == "hf").select("alias"))["alias"]
    by_lower = {a.lower(): a for a in spelled}
    wanted = sorted({by_lower[n.lower()] for n in namespaces if n.lower() in by_lower})
    if not wanted:
        return {}
    names = ibis.memtable(pd.DataFrame({"namespace": wanted}, dtype="string"))
    rows = frame(attribute(names, "namespace", ctx, "hf"))
    return {
        r.namespace.lower(): (r.org_key, r.org_name, r.region, r.country if isinstance(r.country, str) else None)
        for r in rows.itertuples()
        if r.region != UNRESOLVED
    }


def _latest_by(table: pd.DataFrame, key: str, order: str) -> pd.DataFrame:
    return table.sort_values(order).groupby(key).tail(1).set_index(key) if not table.empty else table


def _openness(ctx: MetricContext, ids: list[str], org_keys: dict[str, str]) -> dict[str, tuple[float, bool]]:
    """lower(id) -> (openness_pct, truly_open): the OSAI system linked to the repository, else the system whose
    end model is named like the repository and whose organization is the namespace's (`org_keys`)."""
    osai = ctx.table("osai_systems")
    repo = osai.link.re_extract(r"huggingface\.co/([^/?#\s]+/[^/?#\s]+)", 1).lower()
    named = attribute(osai.select("system", "end_model", "organization", repo=repo), "organization", ctx, "osai")
    scored = systems(MetricContext(ctx.backend))
    rows = frame(named.join(scored, "system").select("repo", "end_model", "org_key", "openness_pct", "truly_open"))
    found: dict[str, tuple[float, bool]] = {}
    by_link = {r.repo: r for r in rows.itertuples() if isinstance(r.repo, str)}
    by_name = {(str(r.end_model).lower(), r.org_key): r for r in rows.itertuples() if isinstance(r.end_model, str)}
    for model_id in ids:
        lower = model_id.lower()
        row = by_link.get(lower) or by_name.get((lower.rsplit("/", 1)[-1], org_keys.get(model_id)))
        if row is not None:
            found[lower] = (float(row.openness_pct), bool(row.truly_open))
    return found


def _availability(ctx: MetricContext, ids: list[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    events = ctx.table("availability_events")
    events = frame(only(events, "model_id", ids).select("model_id", "observed_on", "status", "new_model_id"))
    seen: dict[str, str] = {}
    snaps = ctx.table("hf_snapshots")
    snaps = only(snaps, "model_id", ids).group_by("model_id").aggregate(day=snaps.snapshot_date.max())
    hub = ctx.table("hub_models")
    hub = only(hub, "model_id", ids).select("model_id", day=hub.last_seen_at.cast("date"))
    for row in pd.concat([frame(snaps), frame(hub)]).itertuples():
        day = pd.Timestamp(row.day).date().isoformat()
        seen[row.model_id] = max(seen.get(row.model_id, day), day)
    return _latest_by(events, "model_id", "observed_on"), seen


def repackaged_base(model_id: str) -> str | None:
    """`ns/name` without its repackaging suffixes (`Qwen/X-7B-Instruct-GGUF` -> `Qwen/X-7B-Instruct`), else None."""
    if "/" not in model_id:
        return None
    namespace, name = model_id.split("/", 1)
    stripped = name
    while (match := REPACKAGING.search(stripped)) and match.start() > 0:
        stripped = stripped[: match.start()]
    return f"{namespace}/{stripped}" if stripped != name else None


def _quantized_of(ctx: MetricContext, ids: list[str], tracked: set[str]) -> dict[str, str]:
    """id -> the tracked model its card names as base with relation `quantized`."""
    edges = ctx.table("derivative_edges")
    rows = frame(only(edges, "child_id", ids).filter(edges.relation == "quantized").select("child_id", "parent_id"))
    return {r.child_id: r.parent_id for r in rows.sort_values("parent_id").itertuples() if r.parent_id in tracked}


def enrich(backend: Any, model_ids: list[str]) -> dict[str, ModelInfo]:
    """ModelInfo for each id as written (keys are the ids as written)."""
    ctx = MetricContext(backend)
    lowered = sorted({m.lower() for m in model_ids})
    known = _known_ids(ctx, lowered) if lowered else {}
    canonical = sorted({known[m.lower()] for m in model_ids if m.lower() in known})
    facts_table = ctx.table("model_facts")
    tracked = set(frame(ctx.table("models").select("model_id"))["model_id"])
    tracked_lower = {m.lower(): m for m in tracked}
    roots = frame(only(derivative_roots(ctx), "child_id", canonical)).sort_values(["child_id", "depth", "root_id"])
    roots_of = roots.groupby("child_id")["root_id"].apply(list).to_dict() if not roots.empty else {}
    quantized = _quantized_of(ctx, canonical, tracked)
    spelled = {m: known.get(m.lower(), m) for m in model_ids}
    repackaged = {
        m: tracked_lower[base.lower()]
        for m in spelled.values()
        if m not in tracked and not roots_of.get(m) and (base := repackaged_base(m)) and base.lower() in tracked_lower
    }
    root_ids = sorted(set(roots.root_id) | set(repackaged.values()) | set(quantized.values()))
    all_ids = sorted(set(spelled.values()) | set(root_ids))
    origins = _origin(ctx, sorted({m.split("/")[0] for m in all_ids if "/" in m}))
    facts = frame(only(facts_table, "model_id", sorted(set(canonical) | set(root_ids))))
    known_params = {k: float(v) for k, v in facts.set_index("model_id")["total_params_b"].dropna().items()}
    with_facts = sorted(set(canonical) | set(root_ids))
    licenses = model_licenses(ctx.backend.con, with_facts)
    org_keys = {m: origins[m.split("/")[0].lower()][0] for m in all_ids if m.split("/")[0].lower() in origins}
    openness = _openness(ctx, with_facts, org_keys)
    events, seen = _availability(ctx, canonical)
    status_of = {k: (row["status"], row["new_model_id"]) for k, row in events.iterrows()} if not events.empty else {}
    tasks = task_inputs(ctx, with_facts)
    alternatives = Alternatives(ctx)

    result: dict[str, ModelInfo] = {}
    for written in sorted(set(model_ids)):
        model_id = spelled[written]
        is_known = written.lower() in known
        namespace = model_id.split("/")[0].lower() if "/" in model_id else None
        org = origins.get(namespace) if namespace else None
        package = quantized.get(model_id) or (repackaged.get(model_id) if org else None)
        root_models = [model_id] if model_id in tracked else ([package] if package else roots_of.get(model_id, []))
        match = "tracked" if model_id in tracked else "derivative" if root_models else "namespace" if org else "unknown"
        kind = "tracked" if model_id in tracked else ("derivative" if root_models and is_known else "hub")
        info = ModelInfo(model_id, is_known, kind if is_known else "unknown", match, repackaging_of=package)
        if org:
            info.organization, info.region, info.country = org[1], org[2], org[3]
        elif is_known:
            info.organization, info.region = model_id.split("/")[0], UNRESOLVED
        info.root_models = root_models
        info.root_regions = sorted(
            {(origins.get(r.split("/")[0].lower()) or (0, 0, UNRESOLVED))[2] for r in root_models}
        )
        if info.root_regions:
            info.effective_region = info.root_regions[0] if len(info.root_regions) == 1 else None
        else:
            info.effective_region = info.region
        if match != "unknown":
            _facts(info, package or model_id, licenses, openness, tasks)
        if model_id in status_of:
            info.status, renamed = status_of[model_id]
            info.renamed_to = renamed if isinstance(renamed, str) else None
        info.last_seen = seen.get(model_id)
        if info.status is None and info.last_seen:
            info.status = "seen"
        if match != "unknown":
            _size(info, known_params, tracked)
            avoid = info.root_regions or ([info.region] if info.region else [])
            info.alternatives, info.alternatives_note = alternatives.for_model(
                model_id, info.task, info.q4_class, avoid
            )
        result[written] = info
    return result


def _facts(info: ModelInfo, source_id: str, licenses, openness, tasks) -> None:
    """License, openness and task of the id, or of the tracked model it repackages (`source_id`)."""
    license = licenses.get(info.model_id) or licenses.get(source_id)
    if license is not None:
        info.license, info.license_source = license.raw, license.source
        info.license_class = license.license_class.value
        info.open_license = license.open_license
    opened = openness.get(info.model_id.lower()) or openness.get(source_id.lower())
    if opened:
        info.openness_pct, info.truly_open = opened
    info.task, info.task_source = task_of(source_id, tasks.get(source_id))
    if info.task is None and len(info.root_models) == 1 and info.root_models[0] != source_id:
        root = info.root_models[0]  # a fine-tune that says nothing of itself does its root's job
        task, source = task_of(root, tasks.get(root))
        info.task, info.task_source = task, (f"root model ({source})" if task else None)


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
    info.q4_class = q4_class(total)
