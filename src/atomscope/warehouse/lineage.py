"""Derivative lineage up to the tracked root models, defined once, as engine-neutral Ibis expressions.

`derivative_roots(tables)` gives, for every Hub model reachable as a derivative, the tracked models (rows of
`models`) it descends from, following `derivative_edges` child -> parent transitively (derivatives of
derivatives, several parents for merges). Read by the `derivatives` metric (DuckDB and Spark), the audit,
and the web app's model page, which runs the same rule compiled to SQL (`roots_sql`, and `edges_sql` for
the edges it shows: `lineage_edges`).

Rules:
- The walk stops at the first tracked model on each path: a tracked model is a root, even when it is
  itself built on another tracked model (the derivatives of DeepSeek-R1-Distill-Llama-8B belong to
  DeepSeek, not Meta). This is the registry's rule that an origin is never inherited from a base model.
  Tracked models are never derivatives themselves: edges whose child is tracked are not walked.
- A derivative may reach several roots (a merge of two families, or one family through two paths); each
  distinct root appears once, with the shortest depth (edges from the derivative to the root).
- The transitive closure is unrolled into `max_depth` join levels (default 10) rather than a recursive
  query, which Spark lacks; `lineage_cut(tables, max_depth)` lists the derivatives whose walk was still
  open at the cut, so a caller can say how many were truncated (cycles end there too).
- Over the whole graph the walk runs down from the roots: level k joins the edges to the (child, root)
  pairs of level k - 1, so it carries one row per derivative and root. Walking up from every derivative
  would carry one row per derivative and ancestor (every untracked one on the way), which at depth 10
  over a million Hub models is ~9x slower on DuckDB (bench/bench_derivatives.py). For a given start set
  (`start`, the web app's model page: a handful of derivatives) the walk runs up from those only.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from atomscope.warehouse.origin import UNBOUND, TableSource, to_duckdb_sql

if TYPE_CHECKING:
    import ibis.expr.types as ir

DEFAULT_MAX_DEPTH = 10
START_TABLE = "lineage_start"  # the table (child_id) `roots_sql` starts from; a reader defines it as a CTE


def _walkable_edges(tables: TableSource) -> ir.Table:
    """child_id, parent_id of every edge whose child is not a tracked model (distinct over relations)."""
    edges = tables.table("derivative_edges")
    tracked = tables.table("models")
    edges = edges.anti_join(tracked, edges.child_id == tracked.model_id)
    return edges.select("child_id", "parent_id").distinct()


def _levels(tables: TableSource, max_depth: int, start: ir.Table | None) -> tuple[list[ir.Table], ir.Table]:
    """Roots found at each depth 1..max_depth, and the frontier still open after the last level."""
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    edges = _walkable_edges(tables)
    tracked = tables.table("models").select(root_key="model_id")
    first = edges
    if start is not None:  # a copy of the edges (a view), so the walk's joins below stay unambiguous
        start = start.select(start_id=start.child_id)
        copy = edges.view()
        first = copy.semi_join(start, copy.child_id == start.start_id)
    frontier = first.select(child_id=first.child_id, node=first.parent_id)
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


def _levels_down(tables: TableSource, max_depth: int) -> list[ir.Table]:
    """Roots found at each depth 1..max_depth, walking down from the tracked models: (child_id, root_id)
    pairs at depth k are the children, through a walkable edge, of the pairs at depth k - 1."""
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    edges = _walkable_edges(tables)
    tracked = tables.table("models").select(root_key="model_id")
    top = edges.semi_join(tracked, edges.parent_id == tracked.root_key)
    level = top.select(child_id=top.child_id, root_id=top.parent_id)
    found = [level.mutate(depth=1)]
    for depth in range(2, max_depth + 1):
        step = edges.join(level, edges.parent_id == level.child_id)
        level = step.select(child_id=step.child_id, root_id=step.root_id).distinct()
        found.append(level.mutate(depth=depth))
    return found


def derivative_roots(
    tables: TableSource, max_depth: int = DEFAULT_MAX_DEPTH, start: ir.Table | None = None
) -> ir.Table:
    """child_id, root_id, depth: each derivative's distinct tracked roots with the shortest depth (only
    for the derivatives listed in `start`, a table with a child_id column, when given)."""
    found = _levels_down(tables, max_depth) if start is None else _levels(tables, max_depth, start)[0]
    union = found[0]
    for level in found[1:]:
        union = union.union(level)
    return union.group_by(["child_id", "root_id"]).aggregate(depth=union.depth.min())


def lineage_cut(tables: TableSource, max_depth: int = DEFAULT_MAX_DEPTH) -> ir.Table:
    """child_id of derivatives whose walk still had untracked ancestors with parents at `max_depth`.

    That is a chain of max_depth + 1 walkable edges up from the derivative (the children of walkable edges
    are untracked, so the walk never stops inside such a chain). Found as node sets, without pairs:
    the nodes with a chain of k + 1 edges above them are the children of edges whose parent has k."""
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    edges = _walkable_edges(tables)
    chained = edges.select(child_id=edges.child_id).distinct()  # a chain of 1 edge
    for _ in range(max_depth):
        above = chained.select(node=chained.child_id)
        longer = edges.semi_join(above, edges.parent_id == above.node)
        chained = longer.select(child_id=longer.child_id).distinct()
    return chained


def lineage_edges(tables: TableSource, start: ir.Table, max_depth: int = DEFAULT_MAX_DEPTH) -> ir.Table:
    """child_id, parent_id, relation, depth, parent_tracked: every edge the walk of `derivative_roots` follows
    up from the derivatives in `start` (a table with a child_id column), each with the shortest depth at
    which the walk reaches it (1 = an edge of a start model). The walk is the one above: it goes on from an
    untracked parent only, stops at `max_depth` (cycles end there too) and never walks an edge whose child is
    tracked; an edge is listed once per relation."""
    import ibis

    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    edges = tables.table("derivative_edges")
    tracked = tables.table("models").select(tracked_id="model_id")
    walkable = edges.anti_join(tracked, edges.child_id == tracked.tracked_id)
    walkable = walkable.select("child_id", "parent_id", "relation").distinct()
    nodes = start.select(node=start.child_id).distinct()
    found = []
    for depth in range(1, max_depth + 1):
        level = walkable.view()
        level = level.semi_join(nodes, level.child_id == nodes.node).mutate(depth=ibis.literal(depth, "int64"))
        found.append(level)
        untracked = level.anti_join(tracked, level.parent_id == tracked.tracked_id)
        nodes = untracked.select(node=untracked.parent_id).distinct()
    union = found[0]
    for level in found[1:]:
        union = union.union(level)
    walked = union.group_by(["child_id", "parent_id", "relation"]).aggregate(depth=union.depth.min())
    marked = walked.left_join(tracked, walked.parent_id == tracked.tracked_id)
    return marked.mutate(parent_tracked=marked.tracked_id.notnull()).drop("tracked_id")


@cache
def edges_sql(max_depth: int = DEFAULT_MAX_DEPTH) -> str:
    """DuckDB SQL of `lineage_edges` for the derivatives in a table named `START_TABLE` (child_id)."""
    start = UNBOUND.table(START_TABLE, {"child_id": "string"})
    return to_duckdb_sql(lineage_edges(UNBOUND, start, max_depth))


@cache
def roots_sql(max_depth: int = DEFAULT_MAX_DEPTH) -> str:
    """DuckDB SQL of `derivative_roots` for the derivatives in a table named `START_TABLE` (child_id)."""
    start = UNBOUND.table(START_TABLE, {"child_id": "string"})
    return to_duckdb_sql(derivative_roots(UNBOUND, max_depth, start))
