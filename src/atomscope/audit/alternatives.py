"""Alternatives that fit: tracked models that do the same job on the same or smaller hardware, from elsewhere.

A candidate for a model must:

* do the same task (`domain/tasks.py`: chat, base, code, embedding, vision-language, speech, ...);
* run on the same or a smaller hardware class at q4 (metric `runnability`'s classes; when the model's own
  size is unknown, the class is not compared and the note says so);
* come from another resolved region than the model's (its roots' for a derivative or a repackaging);
* be available: not removed, disabled, renamed or gated away (latest availability event), and not closed
  (license class `proprietary`);
* have a ranking signal.

One signal order for all (`SIGNALS`): candidates are ranked first by hardware class, the closest to the
model's first, then by the latest Hub 30-day downloads, then by the best LMArena score, then by the best
Open LLM Leaderboard v2 average; each alternative says which signal ranked it and its license class.
When no candidate fits, `note` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from atomscope.audit.tables import frame, has, only
from atomscope.domain.hardware import BEST_QUANTIZATION, CLASS_ORDER, bits_of, memory_gb, smallest_class
from atomscope.domain.tasks import task_kind
from atomscope.metrics.base import MetricContext
from atomscope.metrics.common import UNRESOLVED, tracked_models
from atomscope.warehouse.licenses import model_licenses

MAX_ALTERNATIVES = 3
NOT_COMPARABLE_REGIONS = ("unknown", UNRESOLVED)
UNAVAILABLE = ("removed", "disabled", "renamed", "gated")
SIGNALS = ("downloads_30d", "arena_score", "open_llm_leaderboard")


@dataclass
class Alternative:
    model_id: str
    org_name: str
    region: str
    task: str
    q4_class: str
    license_class: str
    signal: str  # the first of SIGNALS it has: downloads_30d=..., arena_score=... or open_llm_leaderboard=...

    @property
    def basis(self) -> str:
        return self.signal


@dataclass(frozen=True)
class TaskInputs:
    pipeline_tag: str | None = None
    tags: tuple[str, ...] = ()
    in_arena: bool = False
    leaderboard_type: str | None = None


def task_inputs(ctx: MetricContext, ids: list[str]) -> dict[str, TaskInputs]:
    """model id -> what domain/tasks.py reads: the latest snapshot's (else the crawl's) pipeline tag and tags,
    whether LMArena rates it, and its Open LLM Leaderboard type."""
    hub: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    snaps = ctx.table("hf_snapshots")
    rows = frame(only(snaps, "model_id", ids).select("model_id", "snapshot_date", "pipeline_tag", "tags"))
    crawl = ctx.table("hub_models")
    crawled = frame(only(crawl, "model_id", ids).select("model_id", "pipeline_tag", "tags"))
    for row in pd.concat([rows.sort_values("snapshot_date", ascending=False), crawled]).itertuples():
        if row.model_id not in hub:
            listed = hasattr(row.tags, "__iter__") and not isinstance(row.tags, str)
            tag = row.pipeline_tag if isinstance(row.pipeline_tag, str) else None
            hub[row.model_id] = (tag, tuple(t for t in row.tags if isinstance(t, str)) if listed else ())
    arena = set()
    if has(ctx.backend, "arena_model_repos"):
        arena = set(frame(only(ctx.table("arena_model_repos"), "model_id", ids).select("model_id"))["model_id"])
    board = ctx.table("leaderboard_v2")
    types = frame(only(board, "model_name", ids).select("model_name", "model_type").distinct())
    board_type = dict(zip(types.model_name, types.model_type, strict=True))
    return {
        m: TaskInputs(*hub.get(m, (None, ())), in_arena=m in arena, leaderboard_type=board_type.get(m)) for m in ids
    }


def task_of(model_id: str, inputs: TaskInputs | None) -> tuple[str | None, str | None]:
    inputs = inputs or TaskInputs()
    return task_kind(
        model_id,
        inputs.pipeline_tag,
        inputs.tags,
        in_arena=inputs.in_arena,
        leaderboard_type=inputs.leaderboard_type,
    )


def q4_class(total_params_b: float | None) -> str | None:
    if total_params_b is None or total_params_b != total_params_b or total_params_b <= 0:
        return None
    return smallest_class(memory_gb(float(total_params_b), bits_of(BEST_QUANTIZATION)))


def _latest(frame: pd.DataFrame, key: str, order: str) -> pd.DataFrame:
    return frame.sort_values(order).groupby(key).tail(1).set_index(key) if not frame.empty else frame


class Alternatives:
    """The candidate pool, built once per audit; `for_model` filters and ranks it."""

    def __init__(self, ctx: MetricContext) -> None:
        models = tracked_models(ctx)
        models = models.filter(models.total_params_b.notnull() & ~models.region.isin(NOT_COMPARABLE_REGIONS))
        pool = frame(models.select("model_id", "org_name", "region", "total_params_b"))
        ids = sorted(pool.model_id)
        snaps = ctx.table("hf_snapshots")
        latest = frame(snaps.filter(snaps.downloads_30d.notnull()).select("model_id", "snapshot_date", "downloads_30d"))
        pool["downloads_30d"] = pool.model_id.map(_latest(latest, "model_id", "snapshot_date").get("downloads_30d"))
        pool["arena_score"] = float("nan")
        if has(ctx.backend, "arena_model_repos"):
            repos, scores = ctx.table("arena_model_repos"), ctx.table("arena_scores")
            joined = repos.join(scores, repos.arena_model == scores.model)
            best = frame(joined.group_by(joined.model_id).aggregate(score=joined.arena_score.max()))
            pool["arena_score"] = pool.model_id.map(best.set_index("model_id")["score"])
        board = ctx.table("leaderboard_v2")
        board = frame(board.group_by(board.model_name).aggregate(score=board.average_score.max()))
        pool["open_llm_leaderboard"] = pool.model_id.map(board.set_index("model_name")["score"])
        pool = pool[pool[list(SIGNALS)].notna().any(axis=1)]  # no ranking signal: not suggested
        events = ctx.table("availability_events")
        status = _latest(frame(events.select("model_id", "observed_on", "status")), "model_id", "observed_on")
        gone = set(status.index[status["status"].isin(UNAVAILABLE)]) if not status.empty else set()
        pool = pool[~pool.model_id.isin(gone)]
        licenses = model_licenses(ctx.backend.con, ids)
        pool["license_class"] = [licenses[m].license_class.value if m in licenses else "unknown" for m in pool.model_id]
        pool = pool[pool.license_class != "proprietary"]
        inputs = task_inputs(ctx, sorted(pool.model_id))
        pool["task"] = [task_of(m, inputs.get(m))[0] for m in pool.model_id]
        pool["q4_class"] = [q4_class(p) for p in pool.total_params_b]
        pool["class_rank"] = [CLASS_ORDER.index(c) for c in pool.q4_class]
        ranks = {f"_{s}": pool[s].fillna(-1) for s in SIGNALS}
        self.pool = pool.assign(**ranks)

    def for_model(
        self, model_id: str, task: str | None, q4: str | None, avoid_regions: list[str]
    ) -> tuple[list[Alternative], str | None]:
        """Up to MAX_ALTERNATIVES that fit, and a note when none does or when the class was not compared."""
        if task is None:
            return [], "nothing fits: the model's task is not known (no pipeline tag, leaderboard type or name says)"
        if not avoid_regions:
            return [], "nothing fits: the model's region is not known"
        fits = self.pool[(self.pool.task == task) & ~self.pool.region.isin(avoid_regions)]
        fits = fits[fits.model_id.str.lower() != model_id.lower()]
        note = None
        if q4 is None:
            note = "hardware class not compared: the model's size is not known"
        else:
            fits = fits[fits.class_rank <= CLASS_ORDER.index(q4)]
        order = ["class_rank", *(f"_{s}" for s in SIGNALS), "model_id"]
        fits = fits.sort_values(order, ascending=[False] * (len(order) - 1) + [True]).head(MAX_ALTERNATIVES)
        found = [
            Alternative(r.model_id, r.org_name, r.region, r.task, r.q4_class, r.license_class, _signal(r))
            for r in fits.itertuples()
        ]
        if not found:
            size = f", class {q4} or smaller" if q4 else ""
            note = f"nothing fits: no available {task} model{size} from outside {'/'.join(avoid_regions)}"
        return found, note


def _signal(row) -> str:
    if pd.notna(row.downloads_30d):
        return f"downloads_30d={int(row.downloads_30d)}"
    if pd.notna(row.arena_score):
        return f"arena_score={row.arena_score:.0f}"
    return f"open_llm_leaderboard={row.open_llm_leaderboard:.1f}"
