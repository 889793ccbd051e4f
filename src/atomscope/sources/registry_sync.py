"""Keep atomscope's organization registry in step with a refreshed ATOM region registry.

The bundled `organizations.csv` / `organization_aliases.csv` reproduce ATOM's namespace regions exactly (a
load check). When `sources update` brings a newer `metadata/organization_regions.csv`, ATOM is the
authority on namespace regions, so before that check the registry follows it:

- a namespace whose organization has another region: the organization takes ATOM's region when every one
  of its Hub namespaces now agrees; otherwise the namespace gets an organization of its own. The country
  is cleared when the region changes (the curated one no longer follows from ATOM's bucket).
- a namespace new to ATOM: a new organization (key from the namespace, display name = namespace).
- an `hf` alias whose namespace left ATOM's registry: the alias is dropped.

Every metric resolves regions through these tables at query time, so the whole history of the affected
models (earlier snapshots included) is attributed to the new region at once: no figure keeps the old one.
"""

from __future__ import annotations

import re
from typing import Any

Rows = list[dict[str, Any]]


def _new_key(namespace: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "-", namespace.lower()).strip("-._") or "org"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def align_registry_with_atom(tables: dict[str, Rows]) -> list[str]:
    """Adjust `tables['organizations']` and `tables['organization_aliases']` in place to ATOM's regions;
    returns one line per change."""
    orgs = {r["org_key"]: r for r in tables["organizations"]}
    aliases = tables["organization_aliases"]
    atom_regions = {r["hf_org"]: r["region"] for r in tables["atom_organization_regions"]}
    hf_alias = {a["alias"]: a for a in aliases if a["source"] == "hf"}
    changes: list[str] = []

    dropped = {ns for ns in hf_alias if ns not in atom_regions}
    for namespace in sorted(dropped):
        changes.append(f"hf namespace {namespace!r} left ATOM's region registry: alias dropped")
    if dropped:
        aliases[:] = [a for a in aliases if not (a["source"] == "hf" and a["alias"] in dropped)]

    namespaces_of: dict[str, list[str]] = {}
    for namespace, alias in hf_alias.items():
        if namespace not in dropped:
            namespaces_of.setdefault(alias["org_key"], []).append(namespace)

    for namespace, region in sorted(atom_regions.items()):
        alias = hf_alias.get(namespace)
        if alias is None:
            key = _new_key(namespace, set(orgs))
            orgs[key] = {"org_key": key, "display_name": namespace, "region": region, "country": None, "_line": 0}
            tables["organizations"].append(orgs[key])
            aliases.append({"source": "hf", "alias": namespace, "org_key": key, "_line": 0})
            changes.append(f"new organization {key!r} for hf namespace {namespace!r}, region {region!r}")
            continue
        org = orgs[alias["org_key"]]
        if org["region"] == region:
            continue
        siblings = namespaces_of.get(org["org_key"], [])
        if all(atom_regions.get(ns) == region for ns in siblings):
            changes.append(f"organization {org['org_key']!r} region {org['region']!r} -> {region!r}")
            org["region"], org["country"] = region, None
            continue
        key = _new_key(namespace, set(orgs))
        orgs[key] = {"org_key": key, "display_name": namespace, "region": region, "country": None, "_line": 0}
        tables["organizations"].append(orgs[key])
        alias["org_key"] = key
        changes.append(
            f"hf namespace {namespace!r} moved from organization {org['org_key']!r} ({org['region']!r}) "
            f"to new organization {key!r} ({region!r})"
        )
    return changes
