"""The ATOM Project's curated files (Interconnects-AI/tracked-models, Apache-2.0).

Contracts for the tracked-model lists, the organization regions, curated parameters and release-date
corrections. Column meanings follow the upstream `metadata/README.md`.
"""

from __future__ import annotations

from atomscope.domain.regions import ATOM_BUCKETS
from atomscope.sources.csvtable import Column, TableContract

REGIONS = ATOM_BUCKETS
HF_ID = r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*"
HF_NAMESPACE = r"[A-Za-z0-9][A-Za-z0-9._-]*"


def _id_matches_org(row: dict) -> str | None:
    if row["model_id"].split("/")[0] != row["hf_org"]:
        return f"model_id {row['model_id']!r} is not in namespace {row['hf_org']!r}"
    return None


def _active_le_total(row: dict) -> str | None:
    total, active = row["total_params_b"], row["active_params_b"]
    if total is not None and total <= 0:
        return f"total_params_b must be positive, got {total}"
    if total is not None and active is not None and active > total:
        return f"active_params_b {active} exceeds total_params_b {total}"
    return None


TRACKED_MODELS = TableContract(
    file_name="atom_tracked_models.csv",
    description="ATOM's tracked open models: models.csv (list=primary) + extra_models.csv (list=extra).",
    columns=(
        Column("model_id", required=True, pattern=HF_ID, description="Exact, case-sensitive Hub id org/name."),
        Column("hf_org", required=True, pattern=HF_NAMESPACE, description="Hub namespace of the model."),
        Column("list", required=True, allowed=frozenset({"primary", "extra"}), description="ATOM list."),
    ),
    key=("model_id",),
    checks=(_id_matches_org,),
)

ORGANIZATION_REGIONS = TableContract(
    file_name="atom_organization_regions.csv",
    description="ATOM region bucket per exact Hub namespace (case-sensitive).",
    columns=(
        Column("hf_org", required=True, pattern=HF_NAMESPACE, description="Hub namespace."),
        Column("region", required=True, allowed=REGIONS, description="us, china, eu, other or unknown."),
    ),
    key=("hf_org",),
)

MODEL_PARAMETERS = TableContract(
    file_name="atom_model_parameters.csv",
    description="Curated total/active parameter counts (decimal billions) and MoE flag per checkpoint.",
    columns=(
        Column("model_id", required=True, pattern=HF_ID, description="Exact Hub id."),
        Column("total_params_b", type="float", description="Official total parameters, billions."),
        Column("active_params_b", type="float", description="Per-token active parameters, billions (MoE)."),
        Column("is_moe", type="bool", description="true/false when reviewed; empty when not."),
    ),
    key=("model_id",),
    checks=(_active_le_total,),
)

RELEASE_DATE_CORRECTIONS = TableContract(
    file_name="atom_release_date_corrections.csv",
    description="Public release dates where the Hub's createdAt differs.",
    columns=(
        Column("model_id", required=True, pattern=HF_ID, description="Exact Hub id."),
        Column("hf_created_at", type="date", description="The Hub's repository creation date."),
        Column("actual_release_date", type="date", required=True, description="Curated public release date."),
    ),
    key=("model_id",),
)
