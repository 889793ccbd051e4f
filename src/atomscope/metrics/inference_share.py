"""`inference_share`: who serves the tokens on OpenRouter - open models by origin region, and closed ones.

The ATOM Project measures use, not only downloads: the share of OpenRouter tokens (its top models by
weekly tokens) that open-weight models of each origin serve (Lambert & Brand, "The ATOM Report",
arXiv:2604.07190; OpenRouter rankings, https://openrouter.ai/rankings). atomscope ships no usage data:
`atomscope import openrouter FILE` loads it (docs/imports.md).

Source tables: `openrouter_usage` (imported tokens per period start and model slug), `openrouter_models`
(the listing `atomscope collect openrouter` stores per day: Hub repository and author of each slug),
`openrouter_model_repos` (curated slug -> Hub repository), `organizations` + `org_aliases` (source
`openrouter`: author slug -> organization and region, via metrics/common.py).

Formula, per period p (param `period`: `date` = the file's date as given, `week` = ISO week starting
Monday, `month`; rows outside --since/--until are dropped first):

    model m      = the slug without its ':variant' suffix (`x:free` and `x` are one model)
    tokens(p, m) = sum of imported tokens of m's slugs dated in p (every provider)
    listing(m)   = m's entries in the latest listing with an entry whose id is m (else whose
                   canonical_slug is m); hub_repo(m) = their hugging_face_id, else the curated mapping
                   (openrouter_model_repos); open(m) = hub_repo(m) is known
    group(m)     = 'unresolved' when neither a collected listing nor the curated mapping has m (neither
                   open nor closed is guessed);
                   'closed' when m is listed without a Hub repository;
                   else the region of m's organization (us, china, eu, other, unknown): its author
                   slug through the registry (source `openrouter`), else its Hub repository's namespace
                   (source `hf`), else 'unresolved' (the note names those authors)
    top N        (param `top`, 0 = all): only the N models with the most tokens in p (ties: slug order),
                   ATOM's top-10 view is `top=10`; shares are then of those N models' tokens
    share        = tokens of the row's group / tokens of all (kept) models in p

Output columns by `--by`: `region` (default): period, region, models, tokens, share; `org`: period,
region, org_key, org_name, models, tokens, share; `model`: period, rank, model, hub_repo, open_weights,
org_key, org_name, region, tokens, share. `region` holds the group above.
"""

from __future__ import annotations

from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir

from atomscope.domain.regions import CLOSED, UNRESOLVED
from atomscope.metrics.base import Metric, MetricContext, MetricResult, Param, ReportPart, register
from atomscope.metrics.common import OPENROUTER_HINTS, within
from atomscope.metrics.frames import MetricData, Unavailable
from atomscope.present import charts
from atomscope.present.hints import ChartHint
from atomscope.present.layout import Chart, Section, Table
from atomscope.warehouse.origin import openrouter_origin

PERIODS = ("date", "week", "month")
BY_CHOICES = ("region", "org", "model")


def _period(day: ir.DateValue, period: str) -> ir.StringValue:
    if period == "month":
        return day.strftime("%Y-%m")
    if period == "week":
        return day.truncate("W").strftime("%Y-%m-%d")
    return day.strftime("%Y-%m-%d")


def latest_listing(ctx: MetricContext, key: str) -> ir.Table:
    """map_key -> base slug, hub repo, author and date of the latest listing with an entry of that key.

    key `id`: the entry's id without its variant; key `canonical`: its canonical_slug (a usage file may name
    a model by its permanent slug, e.g. `qwen/qwen3-235b-a22b-04-28`)."""
    listed = ctx.table("openrouter_models")
    if key == "id":
        listed = listed.mutate(map_key=listed.base_slug)
    else:
        listed = listed.filter(listed.canonical_slug.notnull())
        listed = listed.mutate(map_key=listed.canonical_slug.lower().split(":")[0])
    latest = listed.group_by("map_key").aggregate(latest_date=listed.listing_date.max())
    rows = listed.join(latest, [listed.map_key == latest.map_key, listed.listing_date == latest.latest_date])
    return (
        rows.group_by("map_key")
        .aggregate(
            **{
                f"{key}_base": rows.base_slug.min(),
                f"{key}_repo": rows.hub_repo.max(),
                f"{key}_author": rows.author.max(),
                f"{key}_date": rows.listing_date.max(),
            }
        )
        .rename({f"{key}_key": "map_key"})
    )


def model_tokens(ctx: MetricContext) -> ir.Table:
    """One row per period and model: tokens, listed (known to a listing or the curated mapping), hub_repo,
    open_weights, org and group."""
    usage = within(ctx.table("openrouter_usage"), "period_date", ctx)
    usage = usage.mutate(period=_period(usage.period_date.cast("date"), ctx.params["period"]))
    per_model = usage.group_by(["period", "base_slug"]).aggregate(tokens=usage.tokens.sum().cast("int64"))
    by_id, by_canonical = latest_listing(ctx, "id"), latest_listing(ctx, "canonical")
    joined = per_model.left_join(by_id, per_model.base_slug == by_id.id_key).left_join(
        by_canonical, per_model.base_slug == by_canonical.canonical_key
    )
    joined = joined.select(
        "period", "tokens", "id_base", "id_repo", "id_author", "id_date",
        "canonical_base", "canonical_repo", "canonical_author", "canonical_date", model=joined.base_slug,
    )  # fmt: skip
    by_id_slug = joined.id_date.notnull()  # the entry's id wins over another entry's canonical slug
    joined = joined.mutate(
        listing_date=ibis.ifelse(by_id_slug, joined.id_date, joined.canonical_date),
        listed_base=ibis.ifelse(by_id_slug, joined.id_base, joined.canonical_base),
        listed_repo=ibis.ifelse(by_id_slug, joined.id_repo, joined.canonical_repo),
        listed_author=ibis.ifelse(by_id_slug, joined.id_author, joined.canonical_author),
    )
    joined = joined.mutate(curated_key=joined.listed_base.fill_null(joined.model))
    curated = ctx.table("openrouter_model_repos")
    joined = joined.left_join(curated, joined.curated_key == curated.slug)
    joined = joined.select("period", "model", "tokens", "listing_date", "listed_repo", "listed_author", "model_id")
    joined = joined.mutate(
        listed=joined.listing_date.notnull() | joined.model_id.notnull(),
        hub_repo=joined.listed_repo.fill_null(joined.model_id),
        # the author of an unlisted slug is still its prefix: it names the organization, not the weights
        author=joined.listed_author.fill_null(joined.model.split("/")[0]),
    ).select("period", "model", "tokens", "listed", "hub_repo", "author")
    origin = openrouter_origin(joined, ctx)  # the collector's rule, applied to today's registry
    # an unresolved author is grouped under its own slug, as `attribute` does for the other metrics
    origin = origin.mutate(
        org_key=origin.org_key.fill_null(origin.author), org_name=origin.org_name.fill_null(origin.author)
    )
    group = ibis.cases(
        (~origin.listed, ibis.literal(UNRESOLVED)),
        (origin.hub_repo.isnull(), ibis.literal(CLOSED)),
        else_=origin.region,
    )
    return origin.mutate(
        open_weights=ibis.ifelse(origin.listed, origin.hub_repo.notnull(), ibis.null("boolean")),
        region=group,
        org_resolved=origin.region != UNRESOLVED,
    )


def _keep_top(models: ir.Table, top: int) -> ir.Table:
    order = ibis.window(group_by="period", order_by=[ibis.desc("tokens"), "model"])
    ranked = models.mutate(rank=(ibis.row_number().over(order) + 1).cast("int64"))
    return ranked.filter(ranked["rank"] <= top) if top else ranked


def share_table(ctx: MetricContext, by: str) -> ir.Table:
    models = _keep_top(model_tokens(ctx), ctx.params["top"])
    if by == "model":
        total = models.tokens.sum().over(ibis.window(group_by="period"))
        out = models.mutate(share=models.tokens.cast("float64") / total.cast("float64"))
        columns = ["period", "rank", "model", "hub_repo", "open_weights", "org_key", "org_name", "region"]
        return out.select(*columns, "tokens", "share").order_by(["period", "rank"])
    keys = ["period", "region"] + (["org_key", "org_name"] if by == "org" else [])
    grouped = models.group_by(keys).aggregate(
        models=models.model.count().cast("int64"), tokens=models.tokens.sum().cast("int64")
    )
    total = grouped.tokens.sum().over(ibis.window(group_by="period"))
    out = grouped.mutate(share=grouped.tokens.cast("float64") / total.cast("float64"))
    return out.select(*keys, "models", "tokens", "share").order_by([ibis.asc("period"), ibis.desc("tokens"), *keys[1:]])


def notes(ctx: MetricContext) -> list[str]:
    """The footer notes, from two queries (one Spark job each): the tables' row counts, then the facts of the
    models shown (tokens, the unlisted models and the unresolved authors, collected as lists)."""
    usage, listing = ctx.table("openrouter_usage"), ctx.table("openrouter_models")
    counts = usage.aggregate(usage_rows=usage.count()).cross_join(listing.aggregate(listing_rows=listing.count()))
    counts = ctx.execute(counts).iloc[0]
    if counts["usage_rows"] == 0:
        return ["no OpenRouter usage imported: `atomscope import openrouter FILE` (format: docs/imports.md)"]
    out = []
    if counts["listing_rows"] == 0:
        out.append("no OpenRouter listing collected (`atomscope collect openrouter`): every model is 'unresolved'")
    models = _keep_top(model_tokens(ctx), ctx.params["top"])
    unknown = models.listed & models.hub_repo.notnull() & ~models.org_resolved
    facts = ctx.execute(
        models.aggregate(
            all_tokens=models.tokens.sum(),
            unlisted_tokens=models.tokens.sum(where=~models.listed),
            unlisted_models=models.model.collect(where=~models.listed, distinct=True),
            authors=models.author.collect(where=unknown, distinct=True),
        )
    ).iloc[0]
    total, unlisted = facts["all_tokens"], facts["unlisted_tokens"]
    unlisted_models = _sorted_list(facts["unlisted_models"])
    if unlisted_models and total:
        shown = ", ".join(unlisted_models[:10]) + (" ..." if len(unlisted_models) > 10 else "")
        out.append(
            f"{len(unlisted_models)} model(s) in no collected listing or curated mapping, "
            f"{float(unlisted) / float(total):.1%} of tokens: 'unresolved' (open or closed not guessed): {shown}"
        )
    authors = _sorted_list(facts["authors"])
    if authors:
        out.append(f"open models of authors not in the organization registry: 'unresolved': {', '.join(authors)}")
    if ctx.params["top"]:
        out.append(f"top {ctx.params['top']} models by tokens per period; shares are of their tokens")
    out.append("':free' and other ':variant' slugs are counted with their model; open weights = a Hub repo is known")
    return out


def _sorted_list(value: Any) -> list[str]:
    """A collected list as it comes back from DuckDB or Spark (a list, an array, or NULL when no row matched)."""
    if value is None or isinstance(value, float):  # NULL, or NaN in a pandas frame
        return []
    return sorted(str(item) for item in value)


def compute(ctx: MetricContext) -> MetricResult:
    return MetricResult(table=share_table(ctx, ctx.by), notes=notes(ctx))


TOP = 10  # ATOM's view: the top models by weekly tokens
MISSING = (
    "No OpenRouter token usage has been imported into this warehouse. Store the models listing with "
    "`atomscope collect openrouter` and import usage figures with `atomscope import openrouter FILE` (format "
    "and where to obtain them: docs/imports.md); this section fills in on the next `atomscope report`."
)


def provenance(con: duckdb.DuckDBPyConnection) -> str:
    """Which usage files and which listings the figures come from."""
    files = con.execute(
        "SELECT source_file, min(run_id), count(*) FROM openrouter_usage GROUP BY 1 ORDER BY 2"
    ).fetchall()
    listings = con.execute(
        "SELECT listing_date, endpoint, count(*) FROM openrouter_models GROUP BY 1, 2 ORDER BY 1 DESC LIMIT 3"
    ).fetchall()
    used = "; ".join(f"{name} ({rows} rows, import run {run})" for name, run, rows in files)
    listed = "; ".join(f"{day} from {endpoint} ({n} entries)" for day, endpoint, n in listings) or "none collected"
    return (
        f"metric `inference_share` over table `openrouter_usage` (imported: {used}), `openrouter_models` "
        f"(listings: {listed}), `openrouter_model_repos`, `org_aliases` (source openrouter), `organizations`"
    )


def section(md: MetricData, con: duckdb.DuckDBPyConnection) -> Section:
    section = Section(
        "inference",
        "Who serves the tokens: OpenRouter inference share",
        "Share of the tokens OpenRouter served in each period by open-weight models of each origin region, "
        "with closed models as their own group (open weights = the listing names a Hub repository).",
    )
    try:
        all_models = md.get("inference_share", "region")
    except Unavailable as exc:
        section.missing.append(f"{str(exc)[0].upper()}{str(exc)[1:]}.")
        return section
    if all_models.frame.empty:
        section.missing.append(MISSING)
        return section
    section.notes.extend(all_models.notes)
    sources = provenance(con)
    data = all_models.frame[["period", "region", "tokens", "share"]].reset_index(drop=True)
    section.charts.append(
        Chart(
            "inference_share",
            "Share of OpenRouter tokens, by origin of the open model (closed models apart)",
            "Each bar is one period of the imported usage (100% = all its tokens); 'unresolved' holds models in no "
            "collected listing or from organizations the registry does not know.",
            sources,
            data,
            charts.stacked_bars(data, "period", "tokens", y_title="Share of tokens", x_kind="month", normalize=True),
        )
    )
    top = md.get("inference_share", "model", top=TOP).frame
    if not top.empty:
        latest = top[top["period"] == top["period"].max()]
        table = latest[["period", "rank", "model", "region", "org_name", "hub_repo", "tokens", "share"]]
        section.tables.append(
            Table(
                "inference_top",
                f"Top {TOP} models by tokens, latest period",
                f"Shares are of these {TOP} models' tokens (ATOM's top-{TOP} view); ':free' variants count with "
                "their model.",
                sources,
                table.assign(share=table["share"].round(4)).reset_index(drop=True),
            )
        )
    return section


METRIC = register(
    Metric(
        name="inference_share",
        title="Inference share (OpenRouter)",
        summary="Share of OpenRouter tokens served by open models of each origin region, and by closed models",
        source="The ATOM Report (arXiv:2604.07190): OpenRouter token share of open models by origin",
        columns={
            "period": "period start (YYYY-MM-DD; YYYY-MM with period=month)",
            "rank": "--by model: the model's rank by tokens in the period",
            "model": "--by model: OpenRouter slug without ':variant'",
            "hub_repo": "--by model: Hub repository (listing's hugging_face_id or curated), null when closed",
            "open_weights": "--by model: a Hub repository is known (null: in no collected listing or curated mapping)",
            "region": "open models' origin region, 'closed', or 'unresolved' (not in a listing or registry)",
            "org_key": "--by org/model: organization of the author slug (the raw author when unresolved)",
            "org_name": "--by org/model: its display name",
            "models": "--by region/org: models with tokens in the period",
            "tokens": "tokens served in the period",
            "share": "tokens / all (kept) tokens of the period",
        },
        compute=compute,
        by_choices=BY_CHOICES,
        default_by="region",
        params={
            "top": Param(int, 0, "only the N models with the most tokens per period (0 = all; ATOM: 10)", 0, 1000),
            "period": Param(str, "date", "date (as imported), week (ISO, from Monday) or month", choices=PERIODS),
        },
        report=ReportPart(90, lambda inputs: [section(inputs.md, inputs.con)]),
        chart=ChartHint(("share", "tokens")),
        empty_hints=OPENROUTER_HINTS,
    )
)
