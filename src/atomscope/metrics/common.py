"""Shared Ibis building blocks: origin attribution, size buckets and month keys.

Origins follow the one rule of warehouse/origin.py (the curated registry, never a base model). Metrics
group a name the registry does not know under its own name, in region `UNRESOLVED`, so no metric drops
it silently.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.regions import UNRESOLVED
from atomscope.metrics.base import MetricContext, NotesPlan
from atomscope.warehouse.origin import org_lookup as org_lookup  # re-exported for metrics
from atomscope.warehouse.origin import resolve_origin

LISTED = "atomscope.present.notes:listed"


def attribute(table: ir.Table, name_column: str, ctx: MetricContext, source: str) -> ir.Table:
    """Left-join origin columns (org_key, org_name, region, country) onto `table` by `name_column`.

    Names the registry does not resolve get org_key/org_name = the raw name and region = 'unresolved'.
    """
    resolved = resolve_origin(table, name_column, ctx, source)
    raw = resolved[name_column].cast("string")
    return resolved.mutate(org_key=resolved.org_key.fill_null(raw), org_name=resolved.org_name.fill_null(raw))


def tracked_models(ctx: MetricContext) -> ir.Table:
    """Tracked models with origin and facts: model_id, hf_org, list, org_key, org_name, region, country,
    total_params_b, active_params_b, size_bucket, release_date."""
    models = ctx.table("models")
    facts = ctx.table("model_facts")
    base = models.left_join(facts, models.model_id == facts.model_id).select(
        models.model_id,
        models.hf_org,
        models["list"],
        facts.total_params_b,
        facts.active_params_b,
        facts.size_bucket,
        facts.release_date,
    )
    return attribute(base, "hf_org", ctx, "hf")


def hub_namespace(model_id: ir.StringValue) -> ir.StringValue:
    """The namespace (org or user) part of a Hub model id."""
    return model_id.split("/")[0]


def month_of(value: ir.Value) -> ir.StringValue:
    """YYYY-MM of a date or timestamp."""
    return value.cast("date").strftime("%Y-%m")


def within(table: ir.Table, column: str, ctx: MetricContext) -> ir.Table:
    """Apply --since/--until (inclusive) to a date or timestamp column."""
    col = table[column].cast("date")
    if ctx.since is not None:
        table = table.filter(col >= ibis.literal(ctx.since, type="date"))
    if ctx.until is not None:
        table = table.filter(col <= ibis.literal(ctx.until, type="date"))
    return table


def count_true(flag: ir.BooleanValue) -> ir.IntegerValue:
    """Number of rows where `flag` holds, as an aggregate (NULL counts as false)."""
    return ibis.ifelse(flag, 1, 0).sum().cast("int64")


Count = tuple[str, ir.Table, str, str]  # (query name, table whose rows are counted, template with {n}, when)
Shown = tuple[str, str, str, str]  # (query name, column of its one row, template with {n}, when)


def listed_notes(
    notes: list[str], queries: dict[str, ir.Table], shown: list[Shown], after: list[str] | None = None
) -> NotesPlan:
    """Notes: `notes`, then per shown (query, column, template, when) the template with `{n}` the value of
    `column` in the query's one row, shown when that value is nonzero, zero or always (present/notes.py
    `listed`), then `after`."""
    return NotesPlan(queries, LISTED, {"notes": notes, "counts": [list(s) for s in shown], "after": after or []})


def listed_plan(notes: list[str], counts: list[Count] | None = None, after: list[str] | None = None) -> NotesPlan:
    """Notes: `notes`, then per count the template with `{n}` the number of rows of its table, shown when that
    number is nonzero, zero or always, then `after` (`listed_notes`)."""
    counts = counts or []
    queries = {name: table.aggregate(n=table.count()) for name, table, _template, _when in counts}
    return listed_notes(notes, queries, [(name, "n", template, when) for name, _table, template, when in counts], after)


def unresolved_plan(table: ir.Table, what: str, notes: list[str], after: list[str] | None = None) -> NotesPlan:
    """Notes: `notes`, then the note for the rows of `table` whose organization the registry does not resolve
    (none when there are none; `what` names them), then `after`."""
    unresolved = table.filter(table.region == UNRESOLVED)
    note = f"{{n}} {what} from organizations not in the registry: 'unresolved'"
    return listed_plan(notes, [("unresolved", unresolved, note, "nonzero")], after)


# The commands that fill a table a metric found empty (its `empty_hints`, shown instead of an empty chart).
SNAPSHOTS_HINT = {
    "hf_snapshots": "no Hugging Face download snapshots yet: run `atomscope collect hf` (or `atomscope run`) "
    "with the Hub reachable; each run adds one snapshot day",
}
CRAWL_HINTS = {
    "hub_models": "no Hub crawl yet: run `atomscope collect hf` with the Hub reachable to crawl new models",
    "derivative_edges": "no derivative edges yet: run `atomscope collect hf` with the Hub reachable to crawl "
    "derivatives of the tracked models",
}
AVAILABILITY_HINT = {
    "availability_events": "no availability checks yet: run `atomscope collect hf` with the Hub reachable",
}
OPENROUTER_HINTS = {
    "openrouter_models": "no OpenRouter models listing yet: run `atomscope collect openrouter`",
    "openrouter_usage": "no OpenRouter token usage imported: run `atomscope import openrouter FILE` "
    "(format and where to obtain it: docs/imports.md)",
}
