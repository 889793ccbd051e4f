"""Metric `runnability`: which tracked open models fit the memory of the hardware people have.

Inputs: `models` + `model_facts` (total parameters in ATOM's resolution order: curated table, Hub
safetensors total, model name; see domain/params.py) with their origin through the curated registry
(`common.tracked_models`); for `--by best` also `arena_scores` (LMArena text leaderboard history) and
`arena_model_repos` (the bundled arena-name -> Hub-repository mapping).

Formula, per model with known parameters and per quantization q in bf16 (16 bits), int8 (8), q4 (4):

    memory_gb = total_params_b × bits(q) / 8 × 1.2          (GB = 10^9 bytes)

The weights take total_params_b × 10^9 parameters × bits / 8 bytes; the factor 1.2 adds 20 % for the
KV cache, activations and the runtime at a modest context (a few thousand tokens), the rule of thumb
of the EleutherAI "Transformer Math 101" inference estimate (weights × ~1.2) and of llama.cpp / Ollama
sizing guides. A mixture-of-experts model needs ALL its parameters in memory (every expert is loaded;
only the compute is sparse), so total, not active, parameters count. q4 is taken as exactly 4 bits per
weight; real 4-bit formats (GGUF Q4_K_M ≈ 4.8 bits, GPTQ/AWQ with group scales ≈ 4.15) are slightly
larger, so q4 figures are a lower bound.

Hardware classes, by memory (the model fits a class when memory_gb ≤ its capacity; `smallest_class`
is the first class it fits, else `cluster`):

    8gb   phone, small laptop            48gb   workstation (2 × 24 GB, or one 48 GB card)
    16gb  laptop                         80gb   one datacenter GPU (A100/H100 80 GB)
    24gb  consumer GPU (RTX 3090/4090)   640gb  an 8-GPU node (8 × 80 GB)
                                         cluster  more than one node

Groupings:

* `--by model` (default): one row per tracked model with known parameters and quantization.
* `--by region`: per region, quantization and class, `models_fit` (models whose memory_gb fits the
  class: cumulative, a model fitting 8gb fits 16gb too), `models_known` (the region's tracked models with
  known parameters), `share_fit` = models_fit / models_known, and `models_tracked` (all the region's
  tracked models; models_tracked − models_known have no known size and are left out of the share).
* `--by best`: per LMArena snapshot date (--since/--until), class and region, the best-scoring
  open-weight model whose q4 memory fits the class. Open weights and the Hub repository come from
  `arena_status.model_status`, as in the `arena` metric (curated corrections, else the model's latest
  license label classed by domain/licenses.py; the curated `arena_model_repos` mapping); an arena entry
  counts only when it maps to a repository whose parameters the warehouse knows (`model_facts`); the
  region is that of the arena
  organization (`attribute(..., "lmarena")`). `leading_since` is the first snapshot date of the
  unbroken run of snapshots in which that model has been the class's best for the region. Only the
  latest snapshot in the window is returned unless `--param snapshots=all` (then newest first): a reader
  asks what is best now, and the run is computed over the whole window either way.

Sources: the memory rule of thumb of EleutherAI, "Transformer Math 101" (blog.eleuther.ai, 2023) and
the llama.cpp/Ollama model-size guidance; hardware capacities as sold (NVIDIA A100/H100 80 GB, RTX
4090 24 GB); sizes from ATOM's tracked-models metadata (Interconnects-AI/tracked-models).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.errors import MetricRequestError
from atomscope.domain.hardware import BEST_QUANTIZATION, CLASS_ORDER, CLASSES, CLUSTER, OVERHEAD, QUANTIZATIONS, bits_of
from atomscope.metrics.arena_status import model_status
from atomscope.metrics.base import Metric, MetricContext, MetricResult, Param, ReportPart, planned_result, register
from atomscope.metrics.common import attribute, count_true, listed_plan, tracked_models, unresolved_plan, within
from atomscope.metrics.runnability_report import findings, section
from atomscope.present.hints import ChartHint

BY_CHOICES = ("model", "region", "best")


def class_expr(memory: ir.FloatingValue) -> ir.StringValue:
    """Ibis: the smallest class of a memory_gb column (same rule as `smallest_class`)."""
    return ibis.cases(*((memory <= capacity, name) for name, capacity in CLASSES), else_=CLUSTER)


def _capacity(name: str) -> float | None:
    return dict(CLASSES).get(name)


def model_memory(ctx: MetricContext) -> ir.Table:
    """One row per tracked model with known parameters and quantization, with memory_gb and smallest_class."""
    models = tracked_models(ctx)
    models = models.filter(models.total_params_b.notnull() & (models.total_params_b > 0))
    parts = []
    for name, bits in QUANTIZATIONS:
        memory = models.total_params_b.cast("float64") * (bits / 8 * OVERHEAD)
        parts.append(
            models.select(
                model_id=models.model_id,
                org_name=models.org_name,
                region=models.region,
                total_params_b=models.total_params_b.cast("float64"),
                quantization=ibis.literal(name),
                memory_gb=memory,
                smallest_class=class_expr(memory),
            )
        )
    return ibis.union(*parts)


def _by_model(ctx: MetricContext) -> ir.Table:
    table = model_memory(ctx)
    order = ibis.cases(*((table.quantization == name, i) for i, (name, _) in enumerate(QUANTIZATIONS)))
    return table.order_by([table.total_params_b, table.model_id, order])


def _by_region(ctx: MetricContext) -> ir.Table:
    tracked = tracked_models(ctx)
    per_region = tracked.group_by("region").aggregate(
        models_tracked=tracked.count().cast("int64"),
        models_known=count_true(tracked.total_params_b.notnull() & (tracked.total_params_b > 0)),
    )
    table = model_memory(ctx)
    fits = {
        f"fit_{name}": count_true(table.memory_gb <= capacity) if capacity is not None else table.count().cast("int64")
        for name, capacity in ((n, _capacity(n)) for n in CLASS_ORDER)
    }
    counts = table.group_by(["region", "quantization"]).aggregate(**fits)
    counts = counts.join(per_region, "region")
    parts = [
        counts.select(
            region=counts.region,
            quantization=counts.quantization,
            hardware_class=ibis.literal(name),
            class_order=ibis.literal(i),
            models_fit=counts[f"fit_{name}"],
            models_known=counts.models_known,
            share_fit=counts[f"fit_{name}"] / counts.models_known,
            models_tracked=counts.models_tracked,
        )
        for i, name in enumerate(CLASS_ORDER)
    ]
    result = ibis.union(*parts)
    quant_order = ibis.cases(*((result.quantization == name, i) for i, (name, _) in enumerate(QUANTIZATIONS)))
    return result.order_by([quant_order, result.class_order, result.region]).drop("class_order")


def _mapped_arena(ctx: MetricContext) -> ir.Table:
    """Open-weight arena entries mapped to a Hub repository with known parameters, with q4 memory."""
    try:
        status = model_status(ctx)
    except Exception as exc:  # the backend's own "table not found" type differs between engines
        raise MetricRequestError(
            "runnability --by best needs tables `arena_model_repos` and `arena_open_weight_corrections`; "
            "run `atomscope init` to upgrade the warehouse"
        ) from exc
    repos = status.filter(status.is_open & status.repo_model_id.notnull())
    repos = repos.select(arena_model=repos.model, model_id=repos.repo_model_id)
    facts = ctx.table("model_facts")
    facts = facts.filter(facts.total_params_b.notnull() & (facts.total_params_b > 0))
    scores = within(ctx.table("arena_scores"), "snapshot_date", ctx)
    scores = attribute(scores, "organization", ctx, "lmarena")
    joined = scores.join(repos, scores.model == repos.arena_model)
    joined = joined.join(facts, joined.model_id == facts.model_id)
    memory = joined.total_params_b.cast("float64") * (bits_of(BEST_QUANTIZATION) / 8 * OVERHEAD)
    return joined.select(
        snapshot_date=joined.snapshot_date.cast("date"),
        region=joined.region,
        arena_model=joined.model,
        model_id=joined.model_id,
        org_name=joined.org_name,
        arena_score=joined.arena_score.cast("float64"),
        total_params_b=joined.total_params_b.cast("float64"),
        memory_gb=memory,
    )


def _by_best(ctx: MetricContext) -> ir.Table:
    entries = _mapped_arena(ctx)
    parts = []
    for i, name in enumerate(CLASS_ORDER):
        capacity = _capacity(name)
        fitting = entries if capacity is None else entries.filter(entries.memory_gb <= capacity)
        window = ibis.window(
            group_by=[fitting.snapshot_date, fitting.region],
            order_by=[fitting.arena_score.desc(), fitting.arena_model],
        )
        ranked = fitting.mutate(_pos=ibis.row_number().over(window))
        best = ranked.filter(ranked._pos == 0).drop("_pos")
        parts.append(best.mutate(hardware_class=ibis.literal(name), class_order=ibis.literal(i)))
    best = ibis.union(*parts)
    # leading_since: start of the unbroken run of snapshots with the same leader (gaps and islands)
    run_window = ibis.window(group_by=[best.hardware_class, best.region], order_by=best.snapshot_date)
    changed = (best.arena_model.lag().over(run_window) != best.arena_model).fill_null(True)
    best = best.mutate(_changed=ibis.ifelse(changed, 1, 0))
    cumulative = ibis.window(
        group_by=[best.hardware_class, best.region], order_by=best.snapshot_date, preceding=None, following=0
    )
    best = best.mutate(_run=best._changed.sum().over(cumulative))
    run_start = ibis.window(group_by=[best.hardware_class, best.region, best._run])
    best = best.mutate(leading_since=best.snapshot_date.min().over(run_start))
    result = best.select(
        "snapshot_date",
        "hardware_class",
        "region",
        "arena_model",
        "model_id",
        "org_name",
        "arena_score",
        "total_params_b",
        "memory_gb",
        "leading_since",
        "class_order",
    )
    if ctx.params.get("snapshots", "latest") == "latest":  # computed over the history: leading_since needs it
        result = result.filter(result.snapshot_date == result.snapshot_date.max())
    return result.order_by([result.snapshot_date.desc(), "class_order", "region"]).drop("class_order")


def compute(ctx: MetricContext) -> MetricResult:
    by = ctx.by
    notes = [
        "memory_gb = total_params_b × bits / 8 × 1.2 (GB = 10^9 bytes; +20 % for KV cache and runtime; "
        "MoE models count all parameters)",
    ]
    if by == "model":
        table = _by_model(ctx)
        plan = unresolved_plan(table.filter(table.quantization == BEST_QUANTIZATION), "models", notes)
    elif by == "region":
        table = _by_region(ctx)
        plan = listed_plan(
            [*notes, "share_fit = models_fit / models_known; models without known parameters are left out"]
        )
    else:
        table = _by_best(ctx)
        plan = listed_plan(
            [
                *notes,
                f"best open-weight LMArena model whose {BEST_QUANTIZATION} memory fits each class; only arena entries "
                "mapped to a Hub repository (arena_model_repos) with known parameters",
            ]
        )
    return planned_result(ctx, table, plan)


METRIC = register(
    Metric(
        name="runnability",
        title="What runs on your hardware",
        summary="Memory each tracked model needs at bf16/int8/q4 and the hardware class it fits, by region",
        source="memory = params × bits/8 × 1.2 (EleutherAI Transformer Math 101; llama.cpp/Ollama sizing)",
        columns={
            "model_id": "Hub repository (--by model, --by best)",
            "org_name": "organization, resolved through the registry (--by model, --by best)",
            "region": "region of the organization (us, china, eu, other, unknown, unresolved)",
            "total_params_b": "total parameters, billions (all experts of an MoE) (--by model, --by best)",
            "quantization": "bf16 (16 bits), int8 (8) or q4 (4) (--by model, --by region)",
            "memory_gb": "total_params_b × bits / 8 × 1.2, GB = 10^9 bytes (--by model; q4 for --by best)",
            "smallest_class": "smallest hardware class the model fits (--by model)",
            "hardware_class": "8gb, 16gb, 24gb, 48gb, 80gb, 640gb or cluster (--by region, --by best)",
            "models_fit": "the region's models whose memory fits the class (--by region)",
            "models_known": "the region's tracked models with known parameters (--by region)",
            "share_fit": "models_fit / models_known (--by region)",
            "models_tracked": "all the region's tracked models (--by region)",
            "snapshot_date": "LMArena snapshot date (--by best)",
            "arena_model": "the best fitting open-weight model's LMArena name (--by best)",
            "arena_score": "its Arena score (--by best)",
            "leading_since": "first snapshot of its unbroken lead for the class and region (--by best)",
        },
        compute=compute,
        by_choices=BY_CHOICES,
        default_by="model",
        params={
            "snapshots": Param(
                str,
                "latest",
                "--by best: the latest LMArena snapshot in the window, or all (newest first)",
                choices=("latest", "all"),
            )
        },
        report=ReportPart(100, lambda inputs: [section(inputs.md)], lambda inputs: findings(inputs.md)),
        chart=ChartHint(
            ("share_fit", "memory_gb", "arena_score", "models_fit"),
            # one row per model x quantization, or per class x region: tables (the "What you can run" card charts)
            by={
                "model": {"x": "model_id", "x_type": "nominal", "mark": "table"},
                "region": {"x": "hardware_class", "x_type": "nominal", "mark": "table"},
                "best": {"x": "hardware_class", "x_type": "nominal", "mark": "table"},
            },
        ),
        sql_reads_data=False,
    )
)
