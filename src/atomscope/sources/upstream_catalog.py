"""Where each bundled table comes from: its upstream (a Git repository or a publisher's URL), the upstream
files it is derived from, and its license. `sources list` shows this; `sources update` fetches from it.

Repository paths may be globs (`models/*.yml`): the tree at the fetched commit is listed and every matching
file is read. A table whose upstream is retired or is atomscope's own curation has no refresh (`refresh`
False) and always comes from the package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Upstream:
    name: str
    description: str
    license: str
    produces: tuple[str, ...]  # the bundled tables (source keys) it yields
    repo: str | None = None  # 'owner/name' on GitHub
    branch: str = "main"  # the branch SOURCES.md names: the repository's default branch
    paths: tuple[str, ...] = ()  # files or globs inside the repository
    url: str | None = None  # a publisher's file, fetched with If-None-Match
    refresh: bool = True
    # source key -> the paths it is derived from, when not all of `paths`
    table_paths: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def origin(self) -> str:
        if self.repo:
            return f"github.com/{self.repo} ({self.branch}): {', '.join(self.paths)}"
        return self.url or "atomscope (this repository)"

    def origin_of(self, source_key: str) -> str:
        """Where one table comes from: the repository and its own paths, or the URL."""
        paths = dict(self.table_paths).get(source_key)
        if self.repo and paths:
            return f"github.com/{self.repo} ({self.branch}): {', '.join(paths)}"
        return self.origin


UPSTREAMS: tuple[Upstream, ...] = (
    Upstream(
        name="atom",
        description="ATOM Project's tracked models, region registry, parameters, release dates, policy",
        license="Apache-2.0",
        produces=(
            "atom_tracked_models",
            "atom_organization_regions",
            "atom_model_parameters",
            "atom_release_date_corrections",
            "atom_tracking_policy",
        ),
        repo="Interconnects-AI/tracked-models",
        paths=(
            "models.csv",
            "extra_models.csv",
            "metadata/organization_regions.csv",
            "metadata/model_parameters.csv",
            "metadata/release_date_corrections.csv",
            "policy/model_policy.yml",
        ),
        table_paths=(
            ("atom_tracked_models", ("models.csv", "extra_models.csv")),
            ("atom_organization_regions", ("metadata/organization_regions.csv",)),
            ("atom_model_parameters", ("metadata/model_parameters.csv",)),
            ("atom_release_date_corrections", ("metadata/release_date_corrections.csv",)),
            ("atom_tracking_policy", ("policy/model_policy.yml",)),
        ),
    ),
    Upstream(
        name="epoch",
        description="Epoch AI, 'Data on AI Models': notable models",
        license="CC BY 4.0 (credit Epoch AI, epoch.ai)",
        produces=("epoch_notable_models",),
        url="https://epoch.ai/data/notable_ai_models.csv",
    ),
    Upstream(
        name="osai",
        description="European Open Source AI Index, one YAML per system",
        license="CC BY 4.0 (credit osai-index.eu, Liesenfeld & Dingemanse 2024)",
        produces=("osai_openness",),
        repo="Language-Technology-Assessment/main-database",
        branch="preview",  # the repository's default branch; `main` lags it (2026-04-09 to 2026-06-12)
        paths=("*.yaml",),
    ),
    Upstream(
        name="mof",
        description="Model Openness Framework entries (lfai/model_openness_tool)",
        license="MIT",
        produces=("mof_components",),
        repo="lfai/model_openness_tool",
        paths=("models/*.yml",),
    ),
    Upstream(
        name="lmarena",
        description="LMArena text leaderboard, one snapshot per leaderboard version",
        license="MPL-2.0 (repository); scores are LMArena's public leaderboard",
        produces=("lmarena_text_history",),
        repo="fboulnois/llm-leaderboard-csv",
        paths=("csv/lmarena_text.csv",),
    ),
    Upstream(
        name="open_llm_leaderboard",
        description="Open LLM Leaderboard v2, final snapshot (the leaderboard is retired)",
        license="MPL-2.0 (repository)",
        produces=("open_llm_leaderboard_v2",),
        repo="fboulnois/llm-leaderboard-csv",
        paths=("csv/huggingface_v2.csv",),
        refresh=False,
    ),
    Upstream(
        name="atomscope",
        description="atomscope's organization registry (curated in this repository)",
        license="Apache-2.0",
        produces=("organizations", "organization_aliases"),
        refresh=False,
    ),
)

BY_NAME = {u.name: u for u in UPSTREAMS}


def upstream_of(source_key: str) -> Upstream:
    """The upstream a table comes from; a table no upstream names is atomscope's own."""
    for upstream in UPSTREAMS:
        if source_key in upstream.produces:
            return upstream
    return BY_NAME["atomscope"]
