"""Upstream-format files rebuilt from the bundled tables, for the stand-in of `testing.upstream` (tests only).

Each function writes what the upstream publishes (ATOM's CSVs and policy, one OSAI YAML per system, one MOF
YAML per release, Epoch's title-case CSV, an LMArena leaderboard CSV) holding the bundled rows, so a test can
serve them, change one thing (an added model, a region change, a malformed value) and check what
`sources update` makes of it. The data are the real bundled rows, not synthetic ones.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import yaml

from atomscope.collect.upstream.transforms import EPOCH_COLUMNS
from atomscope.config import data_dir
from atomscope.sources.osai import DIMENSIONS


def _rows(name: str, folder: Path | None = None) -> list[dict[str, str]]:
    with ((folder or data_dir()) / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(header))
    writer.writerows(rows)
    return out.getvalue()


def atom_files(folder: Path | None = None) -> dict[str, str]:
    """ATOM's repository files: models.csv, extra_models.csv, metadata/*.csv (with `notes`), the policy."""
    models = _rows("atom_tracked_models.csv", folder)
    files = {}
    for path, list_name in (("models.csv", "primary"), ("extra_models.csv", "extra")):
        rows = [(m["hf_org"], m["model_id"].split("/", 1)[1], m["model_id"]) for m in models if m["list"] == list_name]
        files[path] = csv_text(("org", "model", "modelId"), rows)
    regions = _rows("atom_organization_regions.csv", folder)
    files["metadata/organization_regions.csv"] = csv_text(
        ("hf_org", "region", "notes"), ((r["hf_org"], r["region"], "") for r in regions)
    )
    params = _rows("atom_model_parameters.csv", folder)
    files["metadata/model_parameters.csv"] = csv_text(
        ("model_id", "total_params_b", "active_params_b", "is_moe", "notes"),
        ((p["model_id"], p["total_params_b"], p["active_params_b"], p["is_moe"], "") for p in params),
    )
    dates = _rows("atom_release_date_corrections.csv", folder)
    files["metadata/release_date_corrections.csv"] = (
        "# Manual release date corrections\n# Format: model_id,hf_created_at,actual_release_date,notes\n"
        + csv_text(
            ("model_id", "hf_created_at", "actual_release_date", "notes"),
            ((d["model_id"], d["hf_created_at"], d["actual_release_date"], "") for d in dates),
        )
    )
    files["policy/model_policy.yml"] = ((folder or data_dir()) / "atom_tracking_policy.yml").read_text("utf-8")
    return files


def epoch_csv(folder: Path | None = None) -> str:
    rows = _rows("epoch_notable_models.csv", folder)
    header = list(EPOCH_COLUMNS.values()) + ["Abstract"]
    return csv_text(header, ([r[k] for k in EPOCH_COLUMNS] + [""] for r in rows))


def osai_files(folder: Path | None = None) -> dict[str, str]:
    """One `<system>.yaml` per OSAI system, with the origin comments the index writes."""
    files = {}
    for row in _rows("osai_openness.csv", folder):
        doc = {
            "system": {
                "name": row["system"],
                "link": row["link"] or None,
                "type": row["type"] or None,
                "basemodelname": row["base_model"] or None,
                "endmodelname": row["end_model"] or None,
                "endmodellicense": row["end_model_license"] or None,
                "releasedate": row["release_date"] or None,
            },
            "org": {"name": row["organization"] or None},
            **{d: {"class": row[d], "link": None, "notes": None} for d in DIMENSIONS},
        }
        comments = (
            f"# Organization tags:\n# - National origin: {row['national_origin']}\n"
            f"# - Contributor type: {row['contributor_type']}\n\n"
        )
        name = row["system"].replace("/", "-")
        files[f"{name}.yaml"] = "---\n" + comments + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    files["a_submission_template.yaml"] = "---\nsystem:\n    name:\n    link:\norg:\n    name:\n"
    return files


def _component(row: dict[str, str]) -> dict[str, str]:
    component = {"name": row["component"], "description": ""}
    if row["component_license"]:
        component["license"] = row["component_license"]
    return component


def mof_files(folder: Path | None = None) -> dict[str, str]:
    """One `models/<release>.yml` per MOF release (file), components in order."""
    groups: dict[tuple, list[dict[str, str]]] = {}
    for row in _rows("mof_components.csv", folder):
        key = tuple(row[k] for k in ("release", "version", "date", "producer", "origin", "huggingface", "type"))
        key += tuple(row.get(f"global_license_{s}", "") for s in ("distribution", "code", "data", "document"))
        groups.setdefault(key, []).append(row)
    files = {}
    for n, (key, rows) in enumerate(groups.items()):
        release = dict(
            zip(("name", "version", "date", "producer", "origin", "huggingface", "type"), key[:7], strict=True)
        )
        first = rows[0]
        release["license"] = {
            scope: {"name": first[f"global_license_{scope}"], "path": ""}
            for scope in ("distribution", "code", "data", "document")
            if first.get(f"global_license_{scope}")
        }
        release["components"] = [_component(r) for r in rows]
        doc = {"framework": {"name": "Model Openness Framework", "version": "1.0"}, "release": release}
        path = f"models/{n:04d}-{key[0].replace('/', '-')}.yml"
        files[path] = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    return files


def lmarena_csv(rows: Iterable[dict[str, str]]) -> str:
    """A `csv/lmarena_text.csv` as the repository commits it, from bundled-format rows of one snapshot."""
    header = ("rank", "rank_stylectrl", "model", "arena_score", "95_pct_ci", "votes", "organization", "license",
              "knowledge_cutoff", "url")  # fmt: skip
    return csv_text(
        header,
        ((r["rank"], r["rank"], r["model"], r["arena_score"], r["ci_95"], r["votes"], r["organization"], r["license"],
          "", "") for r in rows),
    )  # fmt: skip


def lmarena_snapshots(folder: Path | None = None) -> dict[str, str]:
    """snapshot date -> leaderboard CSV of that day, from the bundled history."""
    days: dict[str, list[dict[str, str]]] = {}
    for row in _rows("lmarena_text_history.csv", folder):
        days.setdefault(row["snapshot_date"], []).append(row)
    return {day: lmarena_csv(rows) for day, rows in days.items()}
