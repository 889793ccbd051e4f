"""The audit as SARIF 2.1.0, the format code-scanning tools read (GitHub code scanning, GitLab, Azure DevOps).

One result per model id and location (the file and line that name it):

* a model that matches `--fail-on` conditions gets one result per condition, under that condition's rule
  (`fail-on/<condition>`, level `error`): the policy the team set, shown inline on the line that loads it;
* every other model gets one result under the rule `hub-model` (level `note`): the dependency and its facts.

Paths are written relative to the current directory when they lie under it (`%SRCROOT%` base), so a CI job
that runs the audit from the repository root gets annotations on the right files. The document validates
against the OASIS SARIF 2.1.0 schema (tests/audit/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

from atomscope.audit.conditions import Condition
from atomscope.audit.enrich import ModelInfo
from atomscope.audit.run import AuditReport, location_key

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
DEPENDENCY_RULE = "hub-model"


def _version() -> str:
    try:
        return version("atomscope")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0"


def _uri(path: str) -> tuple[str, bool]:
    """(URI reference, relative to %SRCROOT%)."""
    given = Path(path)
    try:
        relative = given.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError, RuntimeError):
        return given.resolve().as_uri() if given.is_absolute() else quote(given.as_posix()), False
    return quote(relative.as_posix()), True


def _rule_id(condition: Condition) -> str:
    return f"fail-on/{condition}"


def _summary(info: ModelInfo) -> str:
    who = info.organization or "publisher unknown"
    region = f"{info.region} ({info.country})" if info.country else (info.region or "region unknown")
    parts = [f"{info.model_id}: {who}, {region}, matched by {info.match}"]
    if info.root_models and info.root_models != [info.model_id]:
        parts.append(f"root {', '.join(info.root_models)}")
    if info.license:
        parts.append(f"license {info.license} ({info.license_class})")
    if info.status:
        parts.append(f"status {info.status}")
    if info.alternatives:
        parts.append("alternatives " + ", ".join(f"{a.model_id} ({a.region})" for a in info.alternatives))
    elif info.alternatives_note:
        parts.append(info.alternatives_note)
    return "; ".join(parts) + "."


def _properties(info: ModelInfo) -> dict:
    keys = ("kind", "match", "organization", "region", "country", "license", "license_class", "status", "task")
    values = {k: getattr(info, k) for k in keys if getattr(info, k) is not None}
    values["root_models"] = info.root_models
    values["alternatives"] = [a.model_id for a in info.alternatives]
    return values


def to_sarif(report: AuditReport, conditions: list[Condition]) -> str:
    rules = [
        {
            "id": DEPENDENCY_RULE,
            "name": "HubModelDependency",
            "shortDescription": {"text": "The code loads a Hugging Face Hub model."},
            "fullDescription": {"text": "A model id the audit found, with its publisher, license and alternatives."},
            "defaultConfiguration": {"level": "note"},
        }
    ]
    for condition in conditions:
        rules.append(
            {
                "id": _rule_id(condition),
                "name": "FailOnCondition",
                "shortDescription": {"text": f"A loaded model matches the policy {condition}."},
                "defaultConfiguration": {"level": "error"},
            }
        )
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for info in report.models:
        matched = [c for c in conditions if c.matches(info)]
        for found in report.locations[location_key(info)]:
            uri, relative = _uri(found.path)
            artifact = {"uri": uri, **({"uriBaseId": "%SRCROOT%"} if relative else {})}
            location = {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": found.line}}}
            for rule_id, level, text in [
                *((_rule_id(c), "error", f"{info.model_id} matches --fail-on {c}. {_summary(info)}") for c in matched),
                *([(DEPENDENCY_RULE, "note", _summary(info))] if not matched else []),
            ]:
                results.append(
                    {
                        "ruleId": rule_id,
                        "ruleIndex": index[rule_id],
                        "level": level,
                        "message": {"text": text},
                        "locations": [location],
                        "partialFingerprints": {"modelId": info.model_id.lower()},
                        "properties": _properties(info),
                    }
                )
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "atomscope audit", "version": _version(), "rules": rules}},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=1) + "\n"
