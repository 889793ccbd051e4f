"""European Open Source AI Index (CC BY 4.0 — https://osai-index.eu/, Liesenfeld & Dingemanse 2024)."""

from __future__ import annotations

from atomscope.sources.csvtable import Column, TableContract

LEVELS = frozenset({"open", "partial", "closed"})
DIMENSIONS = (
    "datasources_basemodel",
    "datasources_endmodel",
    "weights_basemodel",
    "weights_endmodel",
    "trainingcode",
    "code",
    "hardware_architecture",
    "preprint",
    "paper",
    "modelcard",
    "datasheet",
    "licenses",
)

OPENNESS = TableContract(
    file_name="osai_openness.csv",
    description="Per system: origin, licenses and open/partial/closed on 12 openness dimensions.",
    columns=(
        Column("system", required=True, description="System name."),
        Column("organization", description="Organization (see organization_aliases, source osai)."),
        Column("national_origin", description="Country as the index states it."),
        Column("contributor_type", description="Kind of contributor."),
        Column("type", description="text, code, image, ..."),
        Column("base_model", description="Base model name."),
        Column("end_model", description="End model name."),
        Column("end_model_license", description="License of the end model."),
        Column("release_date", pattern=r"\d{4}-\d{2}", description="Release month YYYY-MM."),
        Column("link", description="Link to the model."),
        *(Column(d, required=True, allowed=LEVELS, description="open, partial or closed.") for d in DIMENSIONS),
    ),
    key=("system",),
)
