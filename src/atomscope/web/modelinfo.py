"""Catalog and per-model queries for the API and the model page (parameterised SQL only).

A model page covers any model the warehouse knows: tracked (`models`), crawled (`hub_models`) or seen in
a derivative edge. Its origin and its roots come from the rules of warehouse/origin.py and
warehouse/lineage.py (compiled to SQL): the walk stops at the first tracked model on each path (a tracked
model is a root, its origin is never inherited from its base) and at `MAX_DEPTH` edges (cycles end there
too); only tracked models are roots. The edges shown follow the same walk.

License: the one rule of warehouse/licenses.py (shared with `atomscope audit`).
"""

from __future__ import annotations

from typing import Any

import duckdb

from atomscope.domain.encode import cursor_rows, frame_rows
from atomscope.warehouse import queries
from atomscope.warehouse.licenses import model_license
from atomscope.warehouse.lineage import DEFAULT_MAX_DEPTH, START_TABLE, edges_sql, roots_sql
from atomscope.warehouse.origin import origin_sql

MAX_DEPTH = DEFAULT_MAX_DEPTH
CHILDREN_SHOWN = 20


def list_models(
    con: duckdb.DuckDBPyConnection,
    *,
    search: str | None,
    region: str | None,
    list_name: str | None,
    org: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    frame = queries.models(con, list_name=list_name, region=region, org=org)
    if search:
        frame = frame[frame["model_id"].str.contains(search, case=False, regex=False)]
    total = len(frame)
    page = frame.iloc[offset : offset + limit]
    return {"total": total, "limit": limit, "offset": offset, "models": frame_rows(page)}


def list_orgs(con: duckdb.DuckDBPyConnection, region: str | None) -> dict[str, Any]:
    rows = frame_rows(queries.organizations(con, region=region))
    return {"total": len(rows), "organizations": rows}


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = cursor_rows(con.execute(sql, params))
    return rows[0] if rows else None


def _all(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return cursor_rows(con.execute(sql, params))


def _openness(con, model_id: str) -> dict[str, Any] | None:
    url = "https://huggingface.co/" + model_id
    osai = _one(
        con,
        "SELECT system, organization, end_model, end_model_license, weights_basemodel, weights_endmodel,"
        " datasources_basemodel, datasources_endmodel, trainingcode, code, hardware_architecture, preprint,"
        " paper, modelcard, datasheet, licenses FROM osai_systems WHERE lower(link) = lower(?) LIMIT 1",
        [url],
    )
    mof = _all(
        con,
        "SELECT release, component, component_license FROM mof_components"
        " WHERE lower(rtrim(huggingface, '/')) = lower(?) ORDER BY source_line",
        [url],
    )
    if not osai and not mof:
        return None
    return {"osai": osai, "mof_components": mof}


def lineage(con, model_id: str, tracked: bool) -> dict[str, Any]:
    """Edges from the model up to its roots, the roots, and its direct derivatives."""
    if tracked:
        edges: list[dict[str, Any]] = []
        roots = [model_id]
        built_on = _all(
            con, "SELECT parent_id, relation FROM derivative_edges WHERE child_id = ? ORDER BY parent_id", [model_id]
        )
    else:
        start = f"WITH {START_TABLE} AS (SELECT ? AS child_id) "
        edges = _all(
            con,
            start + f"SELECT * FROM ({edges_sql(MAX_DEPTH)}) ORDER BY depth, child_id, parent_id, relation",
            [model_id],
        )
        found = con.execute(start + f"SELECT * FROM ({roots_sql(MAX_DEPTH)})", [model_id])
        roots = sorted(root for _child, root, _depth in found.fetchall())
        built_on = []
    kids = _all(
        con,
        "SELECT e.child_id, e.relation, h.downloads_30d FROM derivative_edges e"
        " LEFT JOIN hub_models h ON h.model_id = e.child_id WHERE e.parent_id = ?"
        " ORDER BY h.downloads_30d DESC NULLS LAST, e.child_id LIMIT ?",
        [model_id, CHILDREN_SHOWN],
    )
    counts = _all(
        con,
        "SELECT relation, count(DISTINCT child_id) AS children FROM derivative_edges WHERE parent_id = ?"
        " GROUP BY relation ORDER BY children DESC, relation",
        [model_id],
    )
    truncated = any(e["depth"] >= MAX_DEPTH for e in edges)
    return {
        "edges": edges,
        "roots": roots,
        "built_on": built_on,
        "children": kids,
        "children_by_relation": counts,
        "truncated_at_depth": MAX_DEPTH if truncated else None,
    }


def model_detail(con: duckdb.DuckDBPyConnection, model_id: str) -> dict[str, Any] | None:
    base = _one(
        con,
        f"""WITH origin AS ({origin_sql()})
           SELECT m.model_id, m.hf_org, m.list, m.added_by, m.added_on,
                  o.region, o.country, o.org_key, o.org_name,
                  f.total_params_b, f.active_params_b, f.is_moe, f.params_source, f.size_bucket,
                  f.release_date, f.release_date_source
           FROM models m
           JOIN origin o ON o.model_id = m.model_id
           LEFT JOIN model_facts f ON f.model_id = m.model_id
           WHERE m.model_id = ?""",
        [model_id],
    )
    hub = _one(
        con,
        "SELECT author, created_at, downloads_30d, likes, pipeline_tag, tags, first_seen_at, last_seen_at"
        " FROM hub_models WHERE model_id = ?",
        [model_id],
    )
    in_edges = con.execute(
        "SELECT count(*) FROM derivative_edges WHERE child_id = ? OR parent_id = ?", [model_id, model_id]
    ).fetchone()[0]
    if base is None and hub is None and not in_edges:
        return None
    tracked = base is not None
    if base is None:  # an untracked Hub model: origin from its namespace, when the registry knows it
        base = queries.namespace_origin(con, model_id)
    downloads = _all(
        con,
        "SELECT snapshot_date, downloads_30d, downloads_all_time, likes FROM hf_snapshots"
        " WHERE model_id = ? ORDER BY snapshot_date",
        [model_id],
    )
    latest = _one(
        con,
        "SELECT snapshot_date, pipeline_tag, library_name, gated, safetensors_total, tags, created_at, last_modified"
        " FROM hf_snapshots WHERE model_id = ? ORDER BY snapshot_date DESC LIMIT 1",
        [model_id],
    )
    availability = _all(
        con,
        "SELECT observed_on, status, new_model_id, http_status FROM availability_events"
        " WHERE model_id = ? ORDER BY observed_on",
        [model_id],
    )
    return {
        "model_id": model_id,
        "tracked": tracked,
        "origin": {k: base.get(k) for k in ("hf_org", "org_key", "org_name", "region", "country")},
        "catalog": {k: base.get(k) for k in ("list", "added_by", "added_on")} if tracked else None,
        "parameters": {
            k: base.get(k)
            for k in (
                "total_params_b",
                "active_params_b",
                "is_moe",
                "params_source",
                "size_bucket",
                "release_date",
                "release_date_source",
            )
        }
        if tracked
        else None,
        "hub": hub,
        "latest_snapshot": latest,
        "license": license.as_dict() if (license := model_license(con, model_id)) else None,
        "openness": _openness(con, model_id),
        "lineage": lineage(con, model_id, tracked),
        "downloads": downloads,
        "availability": availability,
        "runnability": runnability(base.get("total_params_b") if tracked else None),
    }


def runnability(total_params_b: float | None) -> list[dict[str, Any]] | None:
    """Memory and smallest hardware class per quantization (metric `runnability`'s formula), None when unknown."""
    from atomscope.domain.hardware import CLASS_LABELS, QUANTIZATIONS, memory_gb, smallest_class

    if total_params_b is None or total_params_b != total_params_b or total_params_b <= 0:
        return None
    rows = []
    for name, bits in QUANTIZATIONS:
        memory = memory_gb(float(total_params_b), bits)
        hardware = smallest_class(memory)
        rows.append(
            {
                "quantization": name,
                "bits": bits,
                "memory_gb": round(memory, 1),
                "smallest_class": hardware,
                "hardware": CLASS_LABELS[hardware],
            }
        )
    return rows
