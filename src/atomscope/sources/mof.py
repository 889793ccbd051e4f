"""Model Openness Framework entries (lfai/model_openness_tool, MIT)."""

from __future__ import annotations

from atomscope.sources.csvtable import Column, TableContract

COMPONENTS = TableContract(
    file_name="mof_components.csv",
    description="One row per MOF release and component, with the component's license.",
    columns=(
        Column("release", required=True, description="Release name."),
        Column("version", description="Release version."),
        Column("date", type="date", description="Date of the MOF entry."),
        Column("producer", description="Producer (see organization_aliases, source mof)."),
        Column("origin", description="Origin model."),
        Column("huggingface", description="Hub URL."),
        Column("type", description="language, vision, ..."),
        Column("component", required=True, description="One of the 17 MOF components."),
        Column("component_license", description="License of that component, empty when not released."),
    ),
    # No unique key: upstream keeps some releases in two YAML files (e.g. Meta-Llama-3-8B-Instruct, with and
    # without `origin`), so (release, version, date, component) repeats; metrics read them per release.
    key=(),
)
