"""Set-based writing of a dump's lineage-only rows (models neither tracked nor duplicated nor bad).

A Parquet dump can hold hundreds of thousands of such rows; they are written from their Arrow batch by a
few SQL statements instead of one Python object per row. The rules are those of `records.lineage` and
`store.canonical_edges`, in SQL: `base_model:<relation>:<parent>` tags (and `baseModels`, already turned
into such tags by the reader) give edges; a bare `base_model:<parent>` is not an edge; a bad tag drops
that edge only and is counted (`empty_base_model`, `unknown_relation:<r>`, `bad_parent_id`,
`self_reference`); a parent differing only in case from a known model (tracked, crawled, or in this
batch) is stored with the known spelling. A model becomes a `hub_models` row (if not yet known) when it
has at least one valid edge.

Rows already stored are left out by anti-joins and the rest inserted plainly (cheaper than DuckDB's
ON CONFLICT path): lineage-only ids are unique in the file (ids seen twice leave through Python) and
edges are made DISTINCT, so nothing can conflict within one INSERT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from atomscope.collect.hub.dumpfile import id_ok_sql
from atomscope.collect.hub.records import EDGE_SKIP, RELATIONS

_BATCH = "_atomscope_lineage_batch"
_ROWS = f"(SELECT * EXCLUDE (lineage_only) FROM {_BATCH} WHERE lineage_only)"  # see dumpfile.DumpBatch


@dataclass
class LineageWrite:
    hub_models: int = 0
    edges: int = 0
    respelled: int = 0
    problems: dict[str, int] = field(default_factory=dict)


def write_lineage_batch(con: duckdb.DuckDBPyConnection, batch: pa.Table, *, seen_at: datetime,
                        run_id: int) -> LineageWrite:  # fmt: skip
    out = LineageWrite()
    if batch.num_rows == 0:
        return out
    relations = ", ".join(f"'{r}'" for r in sorted(RELATIONS))
    con.register(_BATCH, batch)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lineage_tags AS
            WITH t AS (
                SELECT model_id, unnest(list_concat(coalesce(tags, []), coalesce(lineage, []))) AS tag FROM {_ROWS}
            ), r AS (
                SELECT model_id, substr(tag, 12) AS rest FROM t WHERE starts_with(tag, 'base_model:')
            ), s AS (
                SELECT model_id, rest, strpos(rest, ':') AS colon FROM r
            ), p AS (
                SELECT model_id, CASE WHEN colon > 0 THEN substr(rest, 1, colon - 1) END AS relation,
                       CASE WHEN colon > 0 THEN substr(rest, colon + 1) END AS parent, trim(rest) = '' AS empty
                FROM s
            )
            SELECT model_id, relation, parent,
                   CASE WHEN empty THEN 'empty_base_model'
                        WHEN relation IS NULL THEN 'bare'
                        WHEN relation NOT IN ({relations}) THEN 'unknown_relation:' || left(relation, 40)
                        WHEN trim(parent) = '' THEN 'empty_base_model'
                        WHEN NOT {id_ok_sql('parent')} THEN 'bad_parent_id'
                        WHEN parent = model_id THEN 'self_reference'
                   END AS problem
            FROM p
        """).fetchall()  # fmt: skip
        problems = con.execute(
            "SELECT problem, count(*) FROM _lineage_tags WHERE problem IS NOT NULL AND problem <> 'bare' GROUP BY 1"
        ).fetchall()
        out.problems = {f"{EDGE_SKIP}{p}": int(n) for p, n in problems}
        out.hub_models = int(con.execute(f"""
            INSERT INTO hub_models (model_id, author, created_at, downloads_30d, likes, pipeline_tag, tags,
                                    first_seen_at, last_seen_at, run_id)
            SELECT model_id, coalesce(author, CASE WHEN contains(model_id, '/') THEN split_part(model_id, '/', 1) END),
                   created_at, downloads_30d, likes, pipeline_tag, tags, ?, ?, ?
            FROM {_ROWS}
            WHERE model_id IN (SELECT model_id FROM _lineage_tags WHERE problem IS NULL)
              AND model_id NOT IN (SELECT model_id FROM hub_models)
        """, [seen_at, seen_at, run_id]).fetchall()[0][0])  # fmt: skip
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lineage_edges AS
            WITH e AS (SELECT DISTINCT model_id, parent, relation FROM _lineage_tags WHERE problem IS NULL),
            own AS (SELECT lower(model_id) AS f, min(model_id) AS spelled FROM {_ROWS}
                    WHERE lower(model_id) IN (SELECT lower(parent) FROM e) GROUP BY 1),
            wanted AS (SELECT DISTINCT lower(parent) AS f FROM e),
            known AS (SELECT f, min(model_id) AS spelled FROM (
                          SELECT lower(model_id) AS f, model_id FROM models
                          SEMI JOIN wanted ON lower(model_id) = wanted.f
                          UNION ALL
                          SELECT lower(model_id) AS f, model_id FROM hub_models
                          SEMI JOIN wanted ON lower(model_id) = wanted.f
                      ) GROUP BY f)
            SELECT e.model_id AS child_id, coalesce(own.spelled, known.spelled, e.parent) AS parent_id, e.relation,
                   coalesce(own.spelled, known.spelled, e.parent) <> e.parent AS respelled
            FROM e LEFT JOIN own ON own.f = lower(e.parent) LEFT JOIN known ON known.f = lower(e.parent)
        """).fetchall()  # fmt: skip
        written = con.execute(
            "INSERT INTO derivative_edges SELECT DISTINCT child_id, parent_id, relation, ?::TIMESTAMP, ?::BIGINT"
            " FROM _lineage_edges e WHERE NOT EXISTS (SELECT 1 FROM derivative_edges d WHERE d.child_id = e.child_id"
            " AND d.parent_id = e.parent_id AND d.relation = e.relation)",
            [seen_at, run_id],
        ).fetchall()[0][0]
        respelled = con.execute("SELECT count(*) FILTER (WHERE respelled) FROM _lineage_edges").fetchall()
        rows = [(written, respelled[0][0])]
        out.edges, out.respelled = int(rows[0][0]), int(rows[0][1])
    finally:
        con.unregister(_BATCH)
        con.execute("DROP TABLE IF EXISTS _lineage_tags; DROP TABLE IF EXISTS _lineage_edges").fetchall()
    return out
