"""Read queries over the catalog tables, shared by the CLI, the report and the web API.

Origins come from the one rule of warehouse/origin.py, embedded as the CTE `origin`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from atomscope.warehouse.origin import origin_sql

# Where each alias source keeps its organization names: (source, table, column, how to count).
ORG_NAME_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("hf", "models", "hf_org"),
    ("lmarena", "arena_scores", "organization"),
    ("epoch", "epoch_models", "organization"),
    ("osai", "osai_systems", "organization"),
    ("mof", "mof_components", "producer"),
)


def organizations(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    return con.execute(
        f"""
        WITH origin AS ({origin_sql()})
        SELECT o.org_key, o.display_name, o.region, o.country,
               string_agg(a.alias, ', ' ORDER BY a.alias) FILTER (WHERE a.source = 'hf') AS hf_namespaces,
               count(DISTINCT a.alias) FILTER (WHERE a.source <> 'hf') AS other_aliases,
               (SELECT count(*) FROM origin m WHERE m.org_key = o.org_key) AS tracked_models
        FROM organizations o LEFT JOIN org_aliases a USING (org_key)
        WHERE ? IS NULL OR o.region = ?
        GROUP BY ALL ORDER BY tracked_models DESC, o.org_key
        """,
        [region, region],
    ).df()


def models(
    con: duckdb.DuckDBPyConnection, list_name: str | None = None, region: str | None = None, org: str | None = None
) -> pd.DataFrame:
    return con.execute(
        f"""
        WITH origin AS ({origin_sql()})
        SELECT m.model_id, m.hf_org, m.list, o.region, o.country,
               o.org_key, f.total_params_b, f.active_params_b, f.is_moe, f.params_source, f.size_bucket,
               f.release_date, f.release_date_source, m.added_by, m.added_on
        FROM models m
        JOIN origin o ON o.model_id = m.model_id
        LEFT JOIN model_facts f ON f.model_id = m.model_id
        WHERE (? IS NULL OR m.list = ?)
          AND (? IS NULL OR o.region = ?)
          AND (? IS NULL OR m.hf_org = ? OR o.org_key = ?)
        ORDER BY m.model_id
        """,
        [list_name, list_name, region, region, org, org, org],
    ).df()


def unresolved(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    parts = [
        f"""SELECT '{source}' AS source, t.{column} AS name, count(*) AS rows
            FROM {table} t
            WHERE t.{column} IS NOT NULL AND t.{column} <> ''
              AND t.{column} NOT IN (SELECT alias FROM org_aliases WHERE source = '{source}')
            GROUP BY 1, 2"""
        for source, table, column in ORG_NAME_COLUMNS
    ]
    return con.execute(" UNION ALL ".join(parts) + " ORDER BY source, rows DESC, name").df()


def models_by_region(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(region, primary models, extra models, Hub namespaces) of the tracked models, most primary first."""
    return con.execute(
        f"""
        WITH origin AS ({origin_sql()})
        SELECT o.region,
               count(*) FILTER (WHERE m.list = 'primary') AS primary_models,
               count(*) FILTER (WHERE m.list = 'extra') AS extra_models,
               count(DISTINCT m.hf_org) AS namespaces
        FROM models m JOIN origin o ON o.model_id = m.model_id
        GROUP BY 1 ORDER BY primary_models DESC, 1
        """
    ).fetchall()


def namespace_origin(con: duckdb.DuckDBPyConnection, model_id: str) -> dict:
    """hf_org, org_key, org_name, region, country of any Hub model id, from its namespace."""
    cursor = con.execute(
        f"WITH namespace AS (SELECT ? AS model_id, ? AS hf_org) SELECT * FROM ({origin_sql('namespace')})",
        [model_id, model_id.split("/", 1)[0]],
    )
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))
