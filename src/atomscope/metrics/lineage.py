"""Derivative lineage up to the tracked root models, as engine-neutral Ibis expressions.

`derivative_roots(ctx)` gives, for every Hub model reachable as a derivative, the tracked models (rows of
`models`) it descends from, following `derivative_edges` child -> parent transitively (derivatives of
derivatives, several parents for merges). Used by the `derivatives` metric and reusable by the report
and the web app ("lineage up to the root").

Rules:
- The walk stops at the first tracked model on each path: a tracked model is a root, even when it is
  itself built on another tracked model (the derivatives of DeepSeek-R1-Distill-Llama-8B belong to
  DeepSeek, not Meta). This is the registry's rule that an origin is never inherited from a base model.
  Tracked models are never derivatives themselves: edges whose child is tracked are not walked.
- A derivative may reach several roots (a merge of two families, or one family through two paths); each
  distinct root appears once, with the shortest depth (edges from the derivative to the root).
- The transitive closure is unrolled into `max_depth` join levels (default 10) rather than a recursive
  query, which Spark lacks; `lineage_cut(ctx, max_depth)` lists the derivatives whose walk was still
  open at the cut, so a caller can say how many were truncated (cycles end there too).
"""

from __future__ import annotations

import ibis.expr.types as ir

from atomscope.metrics.base import MetricContext

DEFAULT_MAX_DEPTH = 10


def _walkable_edges(ctx: MetricContext) -> ir.Table:
    """child_id, parent_id of every edge whose child is not a tracked model (distinct over relations)."""
    edges = ctx.table("derivative_edges")
    tracked = ctx.table("models")
    edges = edges.anti_join(tracked, edges.child_id == tracked.model_id)
    return edges.select("child_id", "parent_id").distinct()


def _levels(ctx: MetricContext, max_depth: int) -> tuple[list[ir.Table], ir.Table]:
    """Roots found at each depth 1..max_depth, and the frontier still open after the last level."""
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    edges = _walkable_edges(ctx)
    tracked = ctx.table("models").select(root_key="model_id")
    frontier = edges.select(child_id=edges.child_id, node=edges.parent_id)
    found = []
    for depth in range(1, max_depth + 1):
        at_root = frontier.semi_join(tracked, frontier.node == tracked.root_key)
        found.append(at_root.select(child_id=at_root.child_id, root_id=at_root.node, depth=depth))
        open_ = frontier.anti_join(tracked, frontier.node == tracked.root_key)
        if depth == max_depth:
            return found, open_
        step = open_.join(edges, open_.node == edges.child_id)
        frontier = step.select(child_id=step.child_id, node=step.parent_id).distinct()
    raise AssertionError("unreachable")


def derivative_roots(ctx: MetricContext, max_depth: int = DEFAULT_MAX_DEPTH) -> ir.Table:
    """child_id, root_id, depth: each derivative's distinct tracked roots with the shortest depth."""
    found, _open = _levels(ctx, max_depth)
    union = found[0]
    for level in found[1:]:
        union = union.union(level)
    return union.group_by(["child_id", "root_id"]).aggregate(depth=union.depth.min())


def lineage_cut(ctx: MetricContext, max_depth: int = DEFAULT_MAX_DEPTH) -> ir.Table:
    """child_id of derivatives whose walk still had untracked ancestors with parents at `max_depth`."""
    _found, open_ = _levels(ctx, max_depth)
    edges = _walkable_edges(ctx)
    cut = open_.semi_join(edges, open_.node == edges.child_id)
    return cut.select("child_id").distinct()
