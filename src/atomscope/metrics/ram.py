"""`ram_v1` and `ram_v2`: the ATOM Project's Relative Adoption Metric, in both published versions.

Source: Nathan Lambert, "Relative Adoption Metric (RAM)", atomproject.ai/relative-adoption-metric, and
the ATOM Report (Lambert & Brand, arXiv:2604.07190). RAM puts a model's cumulative Hugging Face downloads
at a given age next to the models of its size class, so that a new model can be judged within 30-90
days, whatever its size ("a score over 1 means a model is tracking to be a top 10 downloaded model of
its size").

- v1 (January 12, 2026): RAM = model's downloads / median downloads of the top 10 models of its size
  category, both at the same days since release.
- v2 (May 25, 2026 revision, "RAM baseline 2026-Q2"): RAM_t = model's cumulative downloads at day t /
  the download count of the 10th-most-downloaded model of its size category at the same days-after-
  release checkpoint, with that top-10 cutoff made monotonic over t (running maximum over the
  checkpoints, as the published "monotonic top-10 cutoff" curves are). The running maximum always runs
  over ATOM's grid (7, 14, 30, 60, 90, 180, 365) plus any requested checkpoint, so asking for
  `checkpoints=30` alone gives the same reference at 30 days as the full grid does.

Inputs: `hf_snapshots.downloads_all_time`, `model_facts` (size_bucket, release_date), origins via
`tracked_models`. Release date R = model_facts.release_date, else the first snapshot's created_at.

Cumulative downloads C(t) at a checkpoint t (param `checkpoints`, default 7,14,30,60,90,180,365 days) are
downloads_all_time at R + t days, interpolated linearly between the snapshots that bracket that date;
when no snapshot lies on or before and on or after it, the model has no value at t (no extrapolation, no
first-snapshot estimate). The reference set at (size bucket, t) is every tracked model of the bucket with
a value at t, the model itself included, ranked by C(t) (ties: model_id).

Fewer than 10 models (param `top`, default 10): v1 takes the median of the k = available models; v2 takes
the last available one (rank k). Either way `reference_models` = k < top and `reduced_reference` is true.
The published quarterly freeze of the baseline ("2026-Q2") is not reproduced: references use every
snapshot in the warehouse.

Output columns: model_id, org_name, region, size_bucket, release_date, days_since_release,
cumulative_downloads, reference_downloads (v1: the top-k median; v2: the monotonic cutoff),
ram = cumulative_downloads / reference_downloads, reference_models (v1: models in the median; v2: rank
of the cutoff model), reduced_reference. --since/--until select models by release date; param `model`
keeps one model.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.errors import MetricRequestError
from atomscope.metrics.base import (
    Metric,
    MetricContext,
    MetricResult,
    NotesPlan,
    Param,
    ReportPart,
    planned_result,
    register,
)
from atomscope.metrics.common import SNAPSHOTS_HINT, listed_plan, tracked_models
from atomscope.metrics.download_months import first_snapshots, usable_snapshots
from atomscope.metrics.frames import MetricData, metric_frame
from atomscope.metrics.interpolate import bracket, days_between, point_rows, slots
from atomscope.present import charts
from atomscope.present.hints import ChartHint
from atomscope.present.layout import Chart, Section, Table, hub_missing, origin_caption
from atomscope.warehouse.provenance import HubStatus

DEFAULT_CHECKPOINTS = "7,14,30,60,90,180,365"
MAX_CHECKPOINT = 36_500  # a century: keeps release + t a valid date
SOURCE = "atomproject.ai/relative-adoption-metric (Lambert); The ATOM Report, arXiv:2604.07190"


def parse_checkpoints(text: str) -> list[int]:
    try:
        days = sorted({int(part) for part in str(text).split(",") if part.strip()})
    except ValueError:
        raise MetricRequestError(f"checkpoints must be comma-separated days, got {text!r}") from None
    if not days or days[0] < 0 or days[-1] > MAX_CHECKPOINT:
        raise MetricRequestError(f"checkpoints must be days between 0 and {MAX_CHECKPOINT}, got {text!r}")
    return days


def checkpoint_downloads(ctx: MetricContext, days_list: list[int]) -> ir.Table:
    """model_id, size_bucket, release_date, days_since_release, cumulative_downloads (bracketed only).

    The checkpoints cut each model's history into age segments, the slots of metrics/interpolate.py:
    slot 0 is age < t0, slot j (1..n) is t(j-1) <= age < t(j) (the last one open), so checkpoint t(j-1)
    starts slot j. One hash aggregation of hf_snapshots down to the first and last snapshot of each model
    and slot (`age_slots`) gives every checkpoint exactly the bracket the full history would, without
    sorting every snapshot; each checkpoint is read from the row of the last non-empty slot starting on or
    before it."""
    first = first_snapshots(ctx).select(model_id="model_id", release="release")
    facts = ctx.table("model_facts").select("model_id", "size_bucket")
    models = first.join(facts, "model_id")
    models = models.filter(models.release.notnull() & models.size_bucket.notnull())
    rows = age_slots(ctx, models.select("model_id", "release"), days_list).join(models, "model_id")
    end = rows.n_slot.fill_null(len(days_list) + 1)
    rows = rows.mutate(j=ibis.range(rows.slot, end).unnest())
    rows = rows.filter(rows.j >= 1)
    t = ibis.cases(*((rows.j == i + 1, days) for i, days in enumerate(days_list)))
    rows = rows.mutate(t=t, b=(rows.release + t.as_interval("D")).cast("date"))
    rows = rows.mutate(value=bracket(rows, rows.b).value(rows.b))
    rows = rows.filter(rows.value.notnull())
    return rows.select(
        model_id=rows.model_id,
        size_bucket=rows.size_bucket,
        release_date=rows.release,
        days_since_release=rows.t,
        cumulative_downloads=rows.value,
    )


def age_slots(ctx: MetricContext, releases: ir.Table, days_list: list[int]) -> ir.Table:
    """Per model of `releases` and age slot (`checkpoint_downloads`): the first and last snapshot (fd, fv,
    ld, lv) with its neighbours' (metrics/interpolate.py `slots`)."""
    snaps = usable_snapshots(ctx)  # without snapshots flagged by the source-quality checks
    snaps = snaps.filter(snaps.downloads_all_time.notnull())
    snaps = snaps.join(releases, "model_id")
    age = days_between(snaps.snapshot_date, snaps.release)
    slot = ibis.cases(*((age < t, i) for i, t in enumerate(days_list)), else_=len(days_list))
    points = snaps.select(
        model_id=snaps.model_id, d=snaps.snapshot_date, v=snaps.downloads_all_time.cast("float64"), slot=slot
    )
    return slots(point_rows(points, points.slot))


def references(values: ir.Table, version: str, top: int) -> ir.Table:
    """size_bucket, days_since_release, reference_downloads, reference_models."""
    keys = ["size_bucket", "days_since_release"]
    ranked = values.mutate(
        rank=ibis.row_number().over(
            ibis.window(group_by=keys, order_by=[ibis.desc("cumulative_downloads"), "model_id"])
        )
        + 1,
        available=values.model_id.count().over(ibis.window(group_by=keys)),
    )
    ranked = ranked.mutate(k=ibis.least(ranked.available, top))
    if version == "v1":
        lo, hi = (ranked.k + 1) // 2, (ranked.k + 2) // 2  # the middle one or two of the top k
        ref = ranked.group_by(keys).aggregate(
            reference_downloads=ranked.cumulative_downloads.mean(where=(ranked.rank == lo) | (ranked.rank == hi)),
            reference_models=ranked.k.max(),
        )
        return ref
    cut = ranked.filter(ranked.rank == ranked.k)
    cut = cut.select(*keys, raw_cutoff=cut.cumulative_downloads, reference_models=cut.k)
    monotonic = ibis.window(group_by="size_bucket", order_by="days_since_release", preceding=None, following=0)
    return cut.select(
        *keys,
        reference_downloads=cut.raw_cutoff.max().over(monotonic),
        reference_models=cut.reference_models,
    )


def ram_rows(ctx: MetricContext, version: str) -> ir.Table:
    """The output rows, unordered (a DISTINCT over an ordered relation keeps the sort keys on Spark)."""
    top = ctx.params["top"]
    requested = parse_checkpoints(ctx.params["checkpoints"])
    grid = sorted(set(parse_checkpoints(DEFAULT_CHECKPOINTS)) | set(requested))
    values = checkpoint_downloads(ctx, grid)
    ref = references(values, version, top)
    out = values.join(ref, ["size_bucket", "days_since_release"])
    out = out.filter(out.days_since_release.isin(requested))
    origin = tracked_models(ctx).select("model_id", "org_name", "region")
    out = out.join(origin, "model_id")
    if ctx.since is not None:
        out = out.filter(out.release_date >= ibis.literal(ctx.since, type="date"))
    if ctx.until is not None:
        out = out.filter(out.release_date <= ibis.literal(ctx.until, type="date"))
    if ctx.params.get("model"):
        out = out.filter(out.model_id == ctx.params["model"])
    out = out.mutate(
        ram=out.cumulative_downloads / out.reference_downloads.nullif(0),
        reduced_reference=out.reference_models < top,
    )
    return out.select(
        "model_id",
        "org_name",
        "region",
        "size_bucket",
        "release_date",
        "days_since_release",
        "cumulative_downloads",
        "reference_downloads",
        "ram",
        "reference_models",
        "reduced_reference",
    )


def ram_table(ctx: MetricContext, version: str) -> ir.Table:
    return ram_rows(ctx, version).order_by(["size_bucket", "model_id", "days_since_release"])


def _notes(ctx: MetricContext, table: ir.Table, version: str) -> NotesPlan:
    top = ctx.params["top"]
    rule = f"the median of the top {top}" if version == "v1" else f"the monotonic cutoff at rank {top}"
    notes = [
        f"RAM {version}: cumulative downloads at each checkpoint over {rule} of the same size bucket at the "
        "same days since release; values exist only where snapshots bracket release + t days"
    ]
    reduced = table.filter(table.reduced_reference)
    groups = reduced.select("size_bucket", "days_since_release").distinct()
    facts = ctx.table("model_facts")
    tracked = ctx.table("models")
    no_bucket = tracked.anti_join(facts.filter(facts.size_bucket.notnull()), "model_id")
    reduced_note = (
        f"{{n}} (size bucket, checkpoint) reference(s) rest on fewer than {top} models "
        "(reduced_reference = true; reference_models says how many)"
    )
    counts = [
        ("groups", groups, reduced_note, "nonzero"),
        ("no_bucket", no_bucket, "{n} tracked model(s) without a size bucket are left out", "nonzero"),
    ]
    return listed_plan(notes, counts)


def _compute(version: str):
    def compute(ctx: MetricContext) -> MetricResult:
        rows = ram_rows(ctx, version)
        table = rows.order_by(["size_bucket", "model_id", "days_since_release"])
        return planned_result(ctx, table, _notes(ctx, rows, version))

    return compute


PARAMS = {
    "checkpoints": Param(str, DEFAULT_CHECKPOINTS, "days since release, comma-separated"),
    "top": Param(int, 10, "size of the top group (10 in both published versions)", min=1),
    "model": Param(str, None, "keep only this model id"),
}
COLUMNS = {
    "model_id": "tracked model",
    "org_name": "organization display name",
    "region": "origin region",
    "size_bucket": "ATOM size bucket",
    "release_date": "release date (model_facts, else the first snapshot's created_at)",
    "days_since_release": "checkpoint t",
    "cumulative_downloads": "downloads_all_time at release + t, interpolated between bracketing snapshots",
    "reference_downloads": "v1: median of the bucket's top-10 at t; v2: monotonic 10th-model cutoff at t",
    "ram": "cumulative_downloads / reference_downloads",
    "reference_models": "v1: models in the median; v2: rank of the cutoff model (< 10 when fewer exist)",
    "reduced_reference": "true when fewer than 10 models of the bucket have a value at t",
}

RAM_TABLE_COLUMNS = {
    "model_id": "Model",
    "org_name": "Organization",
    "region": "Region",
    "size_bucket": "Size",
    "release_date": "Released",
    "ram": "RAM v2",
}


RAM_CHECKPOINT = 30  # days since release: ATOM judges a new model within 30-90 days
RAM_TOP = 15


def section(md: MetricData, hub: HubStatus) -> Section:
    import pandas as pd

    section = Section(
        "ram",
        "Relative Adoption Metric (RAM)",
        f"Each model's downloads {RAM_CHECKPOINT} days after release against the top models of its size "
        "(ATOM's RAM: above 1 means tracking to be a top-10 model of its size).",
    )
    if not hub.has_snapshots:
        section.missing.append(hub_missing("download data"))
        return section
    v2 = metric_frame(section, md, "ram_v2", checkpoints=str(RAM_CHECKPOINT))
    if v2 is None:
        return section
    v2 = v2.dropna(subset=["ram"])
    if v2.empty:
        section.missing.append(
            f"No tracked model has snapshots bracketing {RAM_CHECKPOINT} days after its release yet; RAM needs "
            "repeated `atomscope collect hf` runs."
        )
        return section
    leaders = v2[v2["ram"] >= 1].groupby("region").size().rename("models_ram_above_1").reset_index()
    if not leaders.empty:
        section.charts.append(
            Chart(
                "ram_region",
                f"Models with RAM v2 ≥ 1 at {RAM_CHECKPOINT} days, by region",
                "Models whose downloads at that age reach the 10th-most-downloaded model of their size bucket. "
                f"{origin_caption(hub)}".strip(),
                f"metric `ram_v2` (checkpoints={RAM_CHECKPOINT}) over tables `hf_snapshots` ({hub.origin}), "
                "`model_facts`",
                leaders,
                charts.region_bars(leaders, "models_ram_above_1", x_title="Models with RAM ≥ 1"),
            )
        )
    top = v2.sort_values(["ram", "model_id"], ascending=[False, True]).head(RAM_TOP)
    top = top[["model_id", "org_name", "region", "size_bucket", "release_date", "cumulative_downloads", "ram"]]
    # dates as dates, counts as whole numbers, headers a reader understands
    top = top.assign(
        release_date=pd.to_datetime(top["release_date"]).dt.strftime("%Y-%m-%d"),
        cumulative_downloads=top["cumulative_downloads"].round().astype("Int64"),
        ram=top["ram"].round(2),
    ).rename(columns=RAM_TABLE_COLUMNS | {"cumulative_downloads": f"Downloads by day {RAM_CHECKPOINT}"})
    section.tables.append(
        Table(
            "ram_top",
            f"Highest RAM v2 at {RAM_CHECKPOINT} days",
            "Cumulative downloads at the checkpoint over the monotonic cutoff of the size bucket's 10th model. "
            f"{origin_caption(hub)}".strip(),
            f"metric `ram_v2` (checkpoints={RAM_CHECKPOINT}) over tables `hf_snapshots` ({hub.origin}), `model_facts`",
            top.reset_index(drop=True),
        )
    )
    return section


# scale_from: the dashboard sets the y scale from that x on (dashboard.js): the first days after release (ATOM's
# day-7 checkpoint) would otherwise flatten every other model's line
RAM_HINT = {"x": "days_since_release", "x_type": "quantitative", "mark": "line", "color": "model_id", "scale_from": 30}
RAM_V1 = register(
    Metric(
        name="ram_v1",
        title="Relative adoption v1 (Jan 2026)",
        summary="Relative Adoption Metric v1 (Jan 2026): downloads / median of the size bucket's top 10",
        source=SOURCE + " (version of January 12, 2026)",
        columns=COLUMNS,
        compute=_compute("v1"),
        params=dict(PARAMS),
        chart=ChartHint(("ram", "cumulative_downloads"), place=9, by={None: RAM_HINT}),
        empty_hints=SNAPSHOTS_HINT,
        sql_reads_data=False,
    )
)
RAM_V2 = register(
    Metric(
        name="ram_v2",
        title="Relative adoption v2 (May 2026)",
        summary="Relative Adoption Metric v2 (May 2026): downloads / monotonic 10th-most-downloaded cutoff",
        source=SOURCE + " (revision of May 25, 2026, baseline 2026-Q2)",
        columns=COLUMNS,
        compute=_compute("v2"),
        params=dict(PARAMS),
        report=ReportPart(60, lambda inputs: [section(inputs.md, inputs.hub)]),
        chart=ChartHint(("ram", "cumulative_downloads"), place=10, by={None: RAM_HINT}),
        empty_hints=SNAPSHOTS_HINT,
        sql_reads_data=False,
    )
)
