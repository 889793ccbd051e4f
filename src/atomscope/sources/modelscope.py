"""ModelScope: the curated ModelScope repository -> Hugging Face twin mapping (bundled), and the name rule.

A ModelScope repository is `namespace/name`, like a Hub id. Its Hub twin is found in one of two ways:

* **curated**: a row of `modelscope_model_repos.csv` (for twins whose names differ across the hubs);
* **name**: the namespace resolves through the organization registry (alias source `modelscope`) to an
  organization, and a tracked Hub model of that same organization has the same name, case aside
  (`Qwen/Qwen3-8B` on ModelScope <-> `Qwen/Qwen3-8B`; `ZhipuAI/GLM-4.5` <-> `zai-org/GLM-4.5`).

Anything else stays unmapped: listed by the collector, never merged.
"""

from __future__ import annotations

from atomscope.sources.atom import HF_ID
from atomscope.sources.csvtable import Column, TableContract

MODELSCOPE_ID = HF_ID

MODEL_REPOS = TableContract(
    file_name="modelscope_model_repos.csv",
    description=(
        "Curated ModelScope repository -> Hugging Face twin, for twins whose names differ across the hubs. "
        "Only mappings with stated evidence; where names match under a known organization alias no row is needed."
    ),
    columns=(
        Column("modelscope_id", required=True, pattern=MODELSCOPE_ID, description="ModelScope `namespace/name`."),
        Column("model_id", required=True, pattern=HF_ID, description="Exact Hub repository id of the same weights."),
        Column("reason", required=True, description="Evidence that both repositories hold the same weights."),
    ),
    key=("modelscope_id",),
)


def name_key(repo_id: str) -> str:
    """The part after the namespace, case-folded: what a name match compares."""
    return repo_id.split("/", 1)[1].casefold()
