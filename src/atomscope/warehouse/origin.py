"""A model's origin, defined once: an organization name -> the curated registry -> region and country.

The rule: a name (a Hub namespace, an LMArena organization, ...) resolves through `org_aliases` (per alias
source) to one row of `organizations`; a name the registry does not know keeps region `UNRESOLVED` (and no
org_key), so no reader drops it silently. An origin is never inherited from a base model (lineage does not
change it; see warehouse/lineage.py).

The rule is written once, as Ibis expressions over warehouse tables, so it runs on DuckDB and on Spark
(metrics, through `ctx`), and compiles to DuckDB SQL for the readers that query with SQL
(warehouse/queries.py, web/modelinfo.py, the CLI): `origin_sql()` returns a query they embed as a CTE.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Protocol

from atomscope.domain.regions import UNRESOLVED

if TYPE_CHECKING:
    import ibis.expr.types as ir


class TableSource(Protocol):
    """Anything that hands out warehouse tables by name: an Ibis backend, a MetricContext, `UNBOUND`."""

    def table(self, name: str) -> ir.Table: ...


ORIGIN_COLUMNS = ("org_key", "org_name", "region", "country")


def org_lookup(tables: TableSource, source: str) -> ir.Table:
    """alias -> org_key, org_name, region, country for one alias source ('hf', 'lmarena', ...)."""
    aliases = tables.table("org_aliases")
    orgs = tables.table("organizations")
    aliases = aliases.filter(aliases["source"] == source)
    joined = aliases.join(orgs, aliases.org_key == orgs.org_key)
    # bracket access: `alias` is also an Ibis Table method
    return joined.select(
        alias=joined["alias"],
        org_key=joined["org_key"],
        org_name=joined["display_name"],
        region=joined["region"],
        country=joined["country"],
    )


def resolve_origin(table: ir.Table, name_column: str, tables: TableSource, source: str) -> ir.Table:
    """`table` with org_key, org_name, region, country of `name_column` left-joined on; region is
    UNRESOLVED (org_key, org_name, country null) for a name the registry does not know."""
    lookup = org_lookup(tables, source)
    joined = table.left_join(lookup, table[name_column] == lookup["alias"])
    return joined.mutate(region=joined.region.fill_null(UNRESOLVED)).drop("alias")


def model_origins(tables: TableSource, models: ir.Table | None = None) -> ir.Table:
    """model_id, hf_org, org_key, org_name, region, country of the tracked models (or of `models`, any table
    with those two columns): the Hub namespace resolved through the registry's 'hf' aliases."""
    models = tables.table("models") if models is None else models
    return resolve_origin(models.select("model_id", "hf_org"), "hf_org", tables, "hf")


def openrouter_origin(table: ir.Table, tables: TableSource) -> ir.Table:
    """`table` (columns `author`, an OpenRouter author slug, and `hub_repo`, a Hub repository or null) with
    org_key, org_name, region, country left-joined on: the author slug through the registry's 'openrouter'
    aliases, else the namespace of hub_repo through its 'hf' aliases (the Hub attribution every other reader
    uses), else UNRESOLVED. The collector stores its org_key; `inference_share` applies it again at query
    time, because the registry is reloaded with each bundle while a stored listing day is never rewritten,
    and usage may name slugs no listing has."""
    import ibis

    by_author = resolve_origin(table, "author", tables, "openrouter")
    hub = org_lookup(tables, "hf")
    hub = hub.select(**{f"hub_{c}": hub[c] for c in ("alias", *ORIGIN_COLUMNS)})
    by_author = by_author.mutate(hub_namespace=by_author.hub_repo.split("/")[0])
    joined = by_author.left_join(hub, by_author.hub_namespace == hub.hub_alias)
    use_hub = (joined.region == UNRESOLVED) & joined.hub_org_key.notnull()
    return joined.mutate(**{c: ibis.ifelse(use_hub, joined[f"hub_{c}"], joined[c]) for c in ORIGIN_COLUMNS}).drop(
        "hub_namespace", *(f"hub_{c}" for c in ("alias", *ORIGIN_COLUMNS))
    )


# -- for SQL readers ------------------------------------------------------------------------------------

# The columns the rules read, enough to compile them without a connection.
_SCHEMAS = {
    "models": {"model_id": "string", "hf_org": "string"},
    "org_aliases": {"source": "string", "alias": "string", "org_key": "string"},
    "organizations": {"org_key": "string", "display_name": "string", "region": "string", "country": "string"},
    "openrouter_listed": {"author": "string", "hub_repo": "string"},
    "derivative_edges": {"child_id": "string", "parent_id": "string", "relation": "string"},
}


class _Unbound:
    """Table source of unbound tables named as in the warehouse: compiled SQL refers to them by name."""

    def table(self, name: str, schema: dict[str, str] | None = None) -> ir.Table:
        import ibis

        return ibis.table(schema or _SCHEMAS[name], name=name)


UNBOUND = _Unbound()


def to_duckdb_sql(expr: ir.Table) -> str:
    import ibis

    return ibis.to_sql(expr, dialect="duckdb")


@cache
def origin_sql(models_table: str = "models") -> str:
    """DuckDB SQL of `model_origins` over the table named `models_table` (model_id, hf_org): the tracked
    models, or a CTE a reader defines under that name (e.g. one Hub namespace of an untracked model)."""
    models = UNBOUND.table(models_table, _SCHEMAS["models"])
    return to_duckdb_sql(model_origins(UNBOUND, models))


@cache
def openrouter_origin_sql(listed_table: str = "openrouter_listed") -> str:
    """DuckDB SQL of `openrouter_origin` over the table named `listed_table` (author, hub_repo)."""
    listed = UNBOUND.table(listed_table, _SCHEMAS["openrouter_listed"])
    return to_duckdb_sql(openrouter_origin(listed, UNBOUND))
