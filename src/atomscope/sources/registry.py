"""atomscope's curated organization registry: canonical organizations and their aliases per source."""

from __future__ import annotations

from atomscope.sources.atom import REGIONS
from atomscope.sources.csvtable import Column, TableContract

ALIAS_SOURCES = frozenset({"hf", "lmarena", "epoch", "osai", "mof", "openrouter", "modelscope"})

ORGANIZATIONS = TableContract(
    file_name="organizations.csv",
    description="One row per organization: canonical key, display name, ATOM region bucket, ISO country.",
    columns=(
        Column("org_key", required=True, pattern=r"[a-z0-9][a-z0-9._-]*", description="Canonical lowercase key."),
        Column("display_name", required=True, description="Name shown to readers."),
        Column("region", required=True, allowed=REGIONS, description="Primary base of the organization."),
        Column("country", pattern=r"[A-Z]{2}", description="ISO 3166-1 alpha-2 code, empty if not defensible."),
    ),
    key=("org_key",),
)

ORGANIZATION_ALIASES = TableContract(
    file_name="organization_aliases.csv",
    description="How each source spells an organization (exact, case-sensitive).",
    columns=(
        Column(
            "source",
            required=True,
            allowed=ALIAS_SOURCES,
            description="hf, lmarena, epoch, osai, mof, openrouter (author slug of a model id) or modelscope "
            "(ModelScope namespace, matched case aside).",
        ),
        Column("alias", required=True, description="The exact string in that source."),
        Column("org_key", required=True, description="An org_key of organizations.csv."),
    ),
    key=("source", "alias"),
)
