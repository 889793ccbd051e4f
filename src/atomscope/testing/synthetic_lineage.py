"""SYNTHETIC deep derivative lineage for benchmarks: `hub_models` + `derivative_edges` of many levels.

`build_deep_lineage(con, spec)` replaces the Hub crawl tables of a warehouse that already holds tracked
`models` (e.g. a bench/ copy of a synthetic-history warehouse) with `spec.hub_models` derivatives in
`spec.depth` generations: level 1 hangs below tracked models, level L below level L - 1, each level
`spec.decay` times the size of the one above (so every level up to `depth` is populated). About
`merge_share` of the models at level >= 2 are merges with a second parent from the level above (often
in another tree: two roots, half a derivative each), and `untracked_share` of level 1 descends from
untracked bases (their trees reach no tracked model). Ids are `synth-user-N/dL-K`; everything is labelled
synthetic (hub_models.tags, a `load_runs` row of kind 'synthetic'). Never for reports or the dashboard.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import duckdb

from atomscope.testing.synthetic_history import _hash, _u


@dataclass(frozen=True)
class LineageSpec:
    hub_models: int = 1_000_000
    depth: int = 10
    decay: float = 0.7
    merge_share: float = 0.05
    untracked_share: float = 0.02
    seed: int = 42
    start: str = "2024-01-01"
    end: str = "2025-12-31"

    def level_sizes(self) -> list[int]:
        weights = [self.decay**level for level in range(self.depth)]
        sizes = [max(1, int(self.hub_models * w / sum(weights))) for w in weights]
        sizes[0] += self.hub_models - sum(sizes)
        return sizes


def _node_id(level: str, index: str, seed: int) -> str:
    """SQL for the id of node `index` of `level` (the author part is a hash, so a parent's id can be
    recomputed from its level and index)."""
    author = f"{_hash(seed, f'({level}) * 100000000 + ({index})', 60)} % 5000"
    return f"'synth-user-' || ({author}) || '/d' || {level} || '-' || {index}"


def build_deep_lineage(con: duckdb.DuckDBPyConnection, spec: LineageSpec) -> dict:
    """Replace hub_models and derivative_edges with the synthetic lineage; returns counts."""
    s = spec.seed
    sizes = spec.level_sizes()
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM load_runs").fetchone()[0]
    levels = ", ".join(f"({level}, {n})" for level, n in enumerate(sizes, start=1))
    key, edge_key = "level * 100000000 + k", "e.level * 100000000 + e.k"
    con.execute("BEGIN")
    con.execute("DELETE FROM derivative_edges")
    con.execute("DELETE FROM hub_models")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lineage AS
        WITH sizes(level, n) AS (VALUES {levels}),
        tracked AS (SELECT model_id, row_number() OVER (ORDER BY model_id) - 1 AS rn,
                           count(*) OVER () AS n_tracked FROM models),
        nodes AS (
            SELECT sizes.level, unnest(range(sizes.n)) AS k FROM sizes
        ), with_prev AS (
            SELECT nodes.level, nodes.k, prev.n AS n_prev
            FROM nodes LEFT JOIN sizes prev ON prev.level = nodes.level - 1
        ), drawn AS (
            SELECT *,
                   {_u(s, key, 61)} AS u_merge, {_u(s, key, 62)} AS u_rel, {_u(s, key, 63)} AS u_base,
                   {_hash(s, key, 64)} AS h1, {_hash(s, key, 65)} AS h2
            FROM with_prev
        ), edges AS (
            SELECT level, k, 1 AS parent_no, h1 % n_prev AS parent_k, u_merge, u_rel FROM drawn WHERE level > 1
            UNION ALL
            SELECT level, k, 2, h2 % n_prev, u_merge, u_rel FROM drawn
            WHERE level > 1 AND u_merge < {spec.merge_share} AND h2 % n_prev <> h1 % n_prev
            UNION ALL
            SELECT level, k, 1, NULL, u_merge, u_base FROM drawn WHERE level = 1
        )
        SELECT {_node_id("e.level", "e.k", s)} AS child_id,
               CASE WHEN e.level > 1 THEN {_node_id("e.level - 1", "e.parent_k", s)}
                    WHEN e.u_rel < {spec.untracked_share} THEN 'synth-base/untracked-' || (e.k % 100)
                    ELSE t.model_id END AS parent_id,
               CASE WHEN e.level > 1 AND e.u_merge < {spec.merge_share} THEN 'merge'
                    ELSE ['finetune', 'quantized', 'adapter'][1 + floor({_u(s, edge_key, 66)} * 3)::INT]
               END AS relation,
               e.level, e.k
        FROM edges e
        LEFT JOIN tracked t ON e.level = 1 AND t.rn = {_hash(s, "e.k", 67)} % t.n_tracked
        """
    )
    start, days = spec.start, "730"
    con.execute(
        f"""
        INSERT INTO hub_models
        SELECT child_id, split_part(child_id, '/', 1),
               TIMESTAMP '{start}' + to_days((level * 20 + {_hash(s, key, 68)} % ({days} - 220))::INT),
               ({_hash(s, key, 69)} % 60)::BIGINT, 0, 'text-generation',
               ['base_model:' || relation || ':' || parent_id, 'synthetic'],
               TIMESTAMP '{spec.end}', TIMESTAMP '{spec.end}', {run_id}
        FROM (SELECT DISTINCT ON (child_id) * FROM _lineage ORDER BY child_id)
        """
    )
    con.execute(
        f"""
        INSERT INTO derivative_edges
        SELECT DISTINCT child_id, parent_id, relation, TIMESTAMP '{spec.end}', {run_id} FROM _lineage
        """
    )
    counts = {
        "hub_models": con.execute("SELECT count(*) FROM hub_models").fetchone()[0],
        "derivative_edges": con.execute("SELECT count(*) FROM derivative_edges").fetchone()[0],
        "level_sizes": sizes,
    }
    details = json.dumps({"lineage_spec": asdict(spec), **counts})
    con.execute(
        "INSERT INTO load_runs (run_id, kind, started_at, finished_at, status, details, synthetic) "
        "VALUES (?, 'synthetic', now(), now(), 'ok', ?, true)",
        [run_id, details],
    )
    con.execute("DROP TABLE _lineage")
    con.execute("COMMIT")
    return counts
