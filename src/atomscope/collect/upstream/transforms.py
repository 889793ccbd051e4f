"""Upstream formats -> bundled contracts. Each function reproduces how the bundled file was derived (see
data/SOURCES.md; tests/sources check it against upstream-format files), and keeps every row's upstream line.

- ATOM: `models.csv` / `extra_models.csv` (`org,model,modelId`) -> `model_id,hf_org,list`; the metadata
  CSVs keep their columns minus `notes` (release_date_corrections.csv opens with `#` comment lines).
- Epoch: the published CSV's title-case headers -> snake_case, whitespace runs -> one space, stripped.
- OSAI: one YAML per system (`system`, `org`, one `{class: open|partial|closed}` per dimension); national
  origin and contributor type are in the file's `# - National origin:` / `# - Contributor type:` comments;
  a file whose `system.name` is empty (the submission template) is skipped.
- MOF: `models/*.yml`, one row per `release.components[]`, plus the release-wide licenses
  (`release.license.{distribution,code,data,document}.name`) as `global_license_*` where the contract has them.
  Both schema eras are read (`MOF_ERAS`): before the tool's 2025-04-18 change a component names its licence
  `license_name`; a licence key of neither era is refused at its file:line.
- LMArena: one snapshot per leaderboard version of `csv/lmarena_text.csv` (dated by the version its commit
  names, else the commit's UTC date: `fetch.version_day`), `arena_score` (older files: `arena_elo`) and
  `95_pct_ci` -> `ci_95`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from atomscope.collect.upstream.formats import (
    Origin,
    Transformed,
    mapping,
    read_csv,
    read_yaml,
    text_of,
    write_table,
)
from atomscope.domain.errors import DataValidationError
from atomscope.sources import atom, epoch, lmarena, mof, osai


def atom_tables(files: Mapping[str, str]) -> list[Transformed]:
    out = []
    rows = []
    for path, list_name in (("models.csv", "primary"), ("extra_models.csv", "extra")):
        records, _ = read_csv(path, files[path], ("org", "modelId"))
        for raw, line in records:
            values = {"model_id": raw["modelId"], "hf_org": raw["org"], "list": list_name}
            rows.append((values, Origin(path, line)))
    out.append(write_table("atom_tracked_models", atom.TRACKED_MODELS, rows, Origin("models.csv", 1)))
    for key, contract, path, comment in (
        ("atom_organization_regions", atom.ORGANIZATION_REGIONS, "metadata/organization_regions.csv", None),
        ("atom_model_parameters", atom.MODEL_PARAMETERS, "metadata/model_parameters.csv", None),
        ("atom_release_date_corrections", atom.RELEASE_DATE_CORRECTIONS, "metadata/release_date_corrections.csv", "#"),
    ):
        names = tuple(c.name for c in contract.columns)
        records, header_line = read_csv(path, files[path], names, comment=comment)
        rows = [(raw, Origin(path, line)) for raw, line in records]
        out.append(write_table(key, contract, rows, Origin(path, header_line)))
    return out


EPOCH_COLUMNS = {
    "model": "Model",
    "organization": "Organization",
    "publication_date": "Publication date",
    "domain": "Domain",
    "task": "Task",
    "parameters": "Parameters",
    "training_compute_flop": "Training compute (FLOP)",
    "training_dataset_size_gradients": "Training dataset size (gradients)",
    "organization_categorization": "Organization categorization",
    "country_of_organization": "Country (of organization)",
    "base_model": "Base model",
    "model_accessibility": "Model accessibility",
    "training_code_accessibility": "Training code accessibility",
    "inference_code_accessibility": "Inference code accessibility",
    "frontier_model": "Frontier model",
}


def _squeeze(value: str | None) -> str:
    """Epoch's cells carry stray line breaks, no-break spaces and edge blanks; the bundled file has none."""
    return " ".join((value or "").split())


def epoch_tables(path: str, text: str) -> list[Transformed]:
    required = tuple(EPOCH_COLUMNS[c.name] for c in epoch.NOTABLE_MODELS.columns)
    records, header_line = read_csv(path, text, required)
    rows = [({ours: _squeeze(raw.get(theirs)) for ours, theirs in EPOCH_COLUMNS.items()}, Origin(path, line))
            for raw, line in records]  # fmt: skip
    return [write_table("epoch_notable_models", epoch.NOTABLE_MODELS, rows, Origin(path, header_line))]


def _comment(text: str, label: str) -> str:
    found = re.search(rf"^#[ \t]*-[ \t]*{label}:[ \t]*(.*)$", text, flags=re.MULTILINE)
    return found.group(1).strip() if found else ""


def osai_tables(files: Mapping[str, str]) -> list[Transformed]:
    rows = []
    for path in sorted(files):
        text = files[path]
        doc = mapping(read_yaml(path, text), path, 1, "the file")
        system = mapping(doc.get("system"), path, doc.lines.get("system"), "system")
        if not text_of(system.get("name")).strip():
            continue  # the submission template
        org = mapping(doc.get("org"), path, doc.lines.get("org"), "org")
        values = {
            "system": text_of(system.get("name")).strip(),
            "organization": text_of(org.get("name")).strip(),
            "national_origin": _comment(text, "National origin"),
            "contributor_type": _comment(text, "Contributor type"),
            "type": text_of(system.get("type")).strip(),
            "base_model": text_of(system.get("basemodelname")).strip(),
            "end_model": text_of(system.get("endmodelname")).strip(),
            "end_model_license": text_of(system.get("endmodellicense")).strip(),
            "release_date": text_of(system.get("releasedate")).strip(),
            "link": text_of(system.get("link")).strip(),
        }
        lines = {
            "system": system.lines.get("name", system.line),
            "type": system.lines.get("type", system.line),
            "release_date": system.lines.get("releasedate", system.line),
            "organization": org.lines.get("name", org.line),
        }
        for dimension in osai.DIMENSIONS:
            block = mapping(doc.get(dimension), path, doc.lines.get(dimension), dimension)
            values[dimension] = text_of(block.get("class")).strip()
            lines[dimension] = block.lines.get("class", doc.lines.get(dimension, system.line))
        rows.append((values, Origin(path, system.line, lines)))
    return [write_table("osai_openness", osai.OPENNESS, rows, Origin("(repository root)", None))]


LICENSE_KINDS = ("distribution", "code", "data", "document")


@dataclass(frozen=True)
class SchemaEra:
    """One era of an upstream's schema: the key that holds a value, and how that era's values read today."""

    name: str
    key: str
    values: Mapping[str, str | None]  # lower-cased upstream value -> today's value; None: no such component


# The Model Openness Tool's component licence, in both eras (its own evaluator reads the current one; the
# 2025-04-18 schema change, upstream commit a074588, rewrote every file): before it, `license_name`, with
# 'Component not included' / 'Pending evaluation' for components the current files leave out, and 'License
# not specified' where they now write 'unlicensed'.
MOF_ERAS = (
    SchemaEra("since 2025-04-18", "license", {}),
    SchemaEra(
        "before 2025-04-18",
        "license_name",
        {"component not included": None, "pending evaluation": None, "license not specified": "unlicensed"},
    ),
)
_KNOWN_COMPONENT_KEYS = frozenset({"name", "description", "location", "license_path", "component_path"})


def _component_license(component, path: str) -> tuple[bool, str, int]:
    """(listed, licence, line) of one MOF component in whichever era its file is written."""
    for era in MOF_ERAS:
        if era.key in component:
            raw = text_of(component.get(era.key)).strip()
            value = era.values.get(raw.lower(), raw)
            return value is not None, value or "", component.lines.get(era.key, component.line)
    unknown = [k for k in component if str(k) not in _KNOWN_COMPONENT_KEYS and "licen" in str(k).lower()]
    if unknown:
        known = " or ".join(f"'{era.key}' ({era.name})" for era in MOF_ERAS)
        raise DataValidationError(
            path, component.lines.get(str(unknown[0]), component.line),
            f"component licence key {unknown[0]!r} is in no known schema era (expected {known})",
        )  # fmt: skip
    return True, "", component.line


def mof_tables(files: Mapping[str, str]) -> list[Transformed]:
    rows = []
    release_wide = False  # any file with `release.license` (the current era; the old one has none)
    for path in sorted(files):
        doc = mapping(read_yaml(path, files[path]), path, 1, "the file")
        release = mapping(doc.get("release"), path, doc.lines.get("release"), "release")
        licenses = mapping(release.get("license"), path, release.lines.get("license"), "release.license")
        release_wide = release_wide or "license" in release
        base = {name: text_of(release.get(name)) for name in ("name", "version", "date", "producer", "origin")}
        base = {
            "release": base["name"],
            "version": base["version"],
            "date": base["date"],
            "producer": base["producer"],
            "origin": base["origin"],
            "huggingface": text_of(release.get("huggingface")),
            "type": text_of(release.get("type")),
        }
        for kind in LICENSE_KINDS:
            entry = licenses.get(kind)
            name = entry.get("name") if isinstance(entry, dict) else entry
            base[f"global_license_{kind}"] = text_of(name)
        components = release.get("components") or []
        if not isinstance(components, list):
            raise DataValidationError(path, release.lines.get("components"), "release.components must be a list")
        for component in components:
            component = mapping(component, path, release.lines.get("components"), "a component")
            listed, license_, license_line = _component_license(component, path)
            if not listed:
                continue
            values = {**base, "component": text_of(component.get("name")), "component_license": license_}
            lines = {"release": release.lines.get("name", release.line), "date": release.lines.get("date", 0)}
            lines["component_license"] = license_line
            rows.append((values, Origin(path, component.line, {k: v for k, v in lines.items() if v})))
    table = write_table("mof_components", mof.COMPONENTS, rows, Origin("models/", None))
    if release_wide:
        return [table]
    return [replace(table, era_absent=frozenset(f"global_license_{kind}" for kind in LICENSE_KINDS))]


@dataclass(frozen=True)
class Snapshot:
    """One committed version of the leaderboard file."""

    day: date
    commit: str
    path: str
    text: str


def lmarena_tables(snapshots: list[Snapshot], current_text: str | None) -> list[Transformed]:
    """The loaded history plus one snapshot per new day (a day already loaded is replaced by `snapshots`)."""
    contract = lmarena.ARENA_HISTORY
    new_days = {s.day for s in snapshots}
    rows = []
    if current_text:
        label = "(loaded history)"
        names = tuple(c.name for c in contract.columns)
        records, _ = read_csv(label, current_text, names)
        days = {d.isoformat() for d in new_days}
        rows.extend((raw, Origin(label, line)) for raw, line in records if raw["snapshot_date"] not in days)
    for snap in sorted(snapshots, key=lambda s: s.day):
        where = f"{snap.path}@{snap.commit[:12]}"
        records, _ = read_csv(where, snap.text, ("rank", "model", "95_pct_ci", "votes", "organization", "license"))
        for raw, line in records:
            score = raw.get("arena_score") if raw.get("arena_score") is not None else raw.get("arena_elo")
            if score is None:
                raise DataValidationError(where, 1, "missing column(s): arena_score")
            values = {
                "snapshot_date": snap.day.isoformat(),
                "rank": raw["rank"],
                "model": raw["model"],
                "arena_score": score,
                "ci_95": raw["95_pct_ci"],
                "votes": raw["votes"],
                "organization": raw["organization"],
                "license": raw["license"],
            }
            rows.append((values, Origin(where, line)))
    rows.sort(key=lambda item: item[0]["snapshot_date"])  # stable: each snapshot keeps its order
    return [write_table("lmarena_text_history", contract, rows, Origin("csv/lmarena_text.csv", 1))]
