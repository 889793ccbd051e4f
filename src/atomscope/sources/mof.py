"""Model Openness Framework entries (lfai/model_openness_tool, MIT)."""

from __future__ import annotations

from atomscope.sources.csvtable import Column, TableContract

# The 17 MOF 1.0 components and each one's content type, as mof.settings.yml of lfai/model_openness_tool
# (web/modules/mof/config/install) configures them; the content type picks the release-wide fallback license.
CONTENT_TYPE: dict[str, str] = {
    "Model architecture": "code",
    "Model parameters (Final)": "data",
    "Technical report": "document",
    "Evaluation results": "document",
    "Model card": "document",
    "Data card": "document",
    "Sample model outputs": "document",
    "Training code": "code",
    "Inference code": "code",
    "Evaluation code": "code",
    "Evaluation data": "data",
    "Supporting libraries and tools": "code",
    "Datasets": "data",
    "Data preprocessing code": "code",
    "Model parameters (Intermediate)": "data",
    "Research paper": "document",
    "Model metadata": "data",
}

# release.license.<scope> in the MOF YAML: the distribution-wide license and one per content type
GLOBAL_SCOPES = ("distribution", "code", "data", "document")

COMPONENTS = TableContract(
    file_name="mof_components.csv",
    description=(
        "One row per MOF release and component, with the component's license and the release-wide licenses the "
        "Model Openness Tool falls back on for a component without its own."
    ),
    columns=(
        Column("release", required=True, description="Release name."),
        Column("version", description="Release version."),
        Column("date", type="date", description="Date of the MOF entry."),
        Column("producer", description="Producer (see organization_aliases, source mof)."),
        Column("origin", description="Origin model."),
        Column("huggingface", description="Hub URL."),
        Column("type", description="language, vision, ..."),
        Column("component", required=True, allowed=frozenset(CONTENT_TYPE), description="A MOF 1.0 component."),
        Column(
            "component_license",
            description="The component's own license; 'unlicensed' when the entry says so; empty when the entry "
            "gives none (the release-wide licenses then apply).",
        ),
        *(
            Column(
                f"global_license_{scope}",
                description=f"Release-wide {scope} license (release.license.{scope}.name), empty when none.",
            )
            for scope in GLOBAL_SCOPES
        ),
    ),
    # No unique key: upstream keeps some releases in two YAML files (e.g. Meta-Llama-3-8B-Instruct, with and
    # without `origin`), so (release, version, date, component) repeats; metrics read them per release.
    key=(),
)
