"""Epoch AI "Notable AI Models" (CC BY 4.0 — credit Epoch AI, 'Data on AI Models', epoch.ai)."""

from __future__ import annotations

from atomscope.sources.csvtable import Column, TableContract

NOTABLE_MODELS = TableContract(
    file_name="epoch_notable_models.csv",
    description="Notable models with organization, date, parameters, compute, country and accessibility.",
    columns=(
        Column("model", required=True, description="Model name."),
        Column("organization", description="Organization(s), comma-separated when several."),
        Column("publication_date", type="date", description="Publication date."),
        Column("domain", description="Domain(s)."),
        Column("task", description="Task(s)."),
        Column("parameters", type="float", description="Parameter count."),
        Column("training_compute_flop", type="float", description="Training compute, FLOP."),
        Column("organization_categorization", description="Industry, Academia, ..."),
        Column("country_of_organization", description="Country(ies), comma-separated when several."),
        Column("base_model", description="Base model, when a fine-tune."),
        Column("model_accessibility", description="'Open weights (unrestricted)', 'API access', ..."),
        Column("training_code_accessibility", description="Training code availability."),
        Column("inference_code_accessibility", description="Inference code availability."),
        Column("frontier_model", description="Epoch's frontier flag."),
    ),
)
