"""Report section "The tracked catalog" and its finding: the curated list itself (tables `models`,
`model_facts`), not a metric, so the report adds this part to the metrics' own."""

from __future__ import annotations

import duckdb

from atomscope.domain.params import BUCKET_ORDER
from atomscope.metrics.base import ReportPart
from atomscope.present import charts
from atomscope.present.layout import Chart, Section
from atomscope.present.wording import Finding, adjective, percent
from atomscope.warehouse import queries

SRC_CATALOG = (
    "tables `models`, `model_facts`, `org_aliases`, `organizations` (atom_tracked_models.csv, "
    "atom_model_parameters.csv, organizations.csv, organization_aliases.csv)"
)
UNKNOWN_SIZE = "unknown"


def section(con: duckdb.DuckDBPyConnection) -> Section:
    section = Section(
        "catalog",
        "The tracked catalog",
        "The open models the ATOM Project tracks on Hugging Face, by region of the organization and by size.",
    )
    models = queries.models(con)
    if models.empty:
        section.missing.append("No tracked models in this warehouse; run `atomscope init`.")
        return section
    by_region = models.groupby("region").size().rename("models").reset_index()
    section.charts.append(
        Chart(
            "catalog_region",
            "Tracked models by region",
            "ATOM's primary and extra lists together; region of the Hugging Face organization.",
            SRC_CATALOG,
            by_region,
            charts.region_bars(by_region, "models", x_title="Tracked models"),
        )
    )
    sized = models.assign(size_bucket=models["size_bucket"].fillna(UNKNOWN_SIZE))
    by_size = sized.groupby(["size_bucket", "region"]).size().rename("models").reset_index()
    sort = [b for b in (*BUCKET_ORDER, UNKNOWN_SIZE) if b in set(by_size["size_bucket"])]
    section.charts.append(
        Chart(
            "catalog_size",
            "Tracked models by size (total parameters) and region",
            "ATOM's size buckets on total parameters; 'unknown' when no parameter count could be resolved.",
            SRC_CATALOG,
            by_size,
            charts.stacked_bars(
                by_size,
                "size_bucket",
                "models",
                y_title="Tracked models",
                x_title="Size",
                x_kind="category",
                x_sort=sort,
            ),
        )
    )
    return section


def findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    models = queries.models(con)
    if models.empty:
        return []
    counts = models.groupby("region").size().sort_values(ascending=False)
    total = int(counts.sum())
    top = list(counts.index[:2])
    parts = [f"{int(counts[r]):,} ({percent(counts[r] / total)}) from {adjective(r)} organizations" for r in top]
    text = f"The ATOM Project tracks {total:,} open models on Hugging Face: " + " and ".join(parts) + "."
    values = {"total": total, **{r: int(counts[r]) for r in top}}
    return [Finding("catalog_regions", text, "catalog_region", values)]


CATALOG = ReportPart(40, lambda inputs: [section(inputs.con)], lambda inputs: findings(inputs.con))
