"""OpenRouter: the curated slug -> Hub repository mapping (bundled) and slug rules shared by the collector,
the usage import and the `inference_share` metric.

An OpenRouter model id is `author/name`, optionally with a variant suffix (`:free`, `:thinking`,
`:extended`, ...) that names another price or routing of the same model: the base slug drops it.
"""

from __future__ import annotations

from atomscope.sources.atom import HF_ID
from atomscope.sources.csvtable import Column, TableContract

SLUG = r"[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*"
SLUG_WITH_VARIANT = SLUG + r"(:[a-z0-9][a-z0-9._-]*)?"


def base_slug(model_id: str) -> str:
    """`qwen/qwen3-235b-a22b:free` -> `qwen/qwen3-235b-a22b` (lowercased; slugs are lowercase on OpenRouter)."""
    return model_id.strip().lower().split(":", 1)[0]


def author_of(model_id: str) -> str:
    return base_slug(model_id).split("/", 1)[0]


MODEL_REPOS = TableContract(
    file_name="openrouter_model_repos.csv",
    description=(
        "Curated OpenRouter base slug -> Hub repository, for open-weight models whose listing entry has no "
        "hugging_face_id. Only mappings with stated evidence; the listing's own hugging_face_id wins."
    ),
    columns=(
        Column("slug", required=True, pattern=SLUG, description="OpenRouter base slug (no ':variant')."),
        Column("model_id", required=True, pattern=HF_ID, description="Exact Hub repository id."),
        Column("reason", required=True, description="Evidence that the slug serves these weights."),
    ),
    key=("slug",),
)
