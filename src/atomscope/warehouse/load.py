"""Load the bundled datasets into the warehouse: validated, transactional and idempotent.

`load_bundled(con)` validates every bundled table against its contract (and the cross-file rules
below) BEFORE touching the warehouse, then replaces the reference tables in one transaction. A bad
file raises `DataValidationError` naming file and line, and the warehouse stays as it was. Running it
twice leaves the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from atomscope.config import data_dir as bundled_data_dir
from atomscope.domain.errors import DataValidationError
from atomscope.domain.policy import POLICY_FILE, TrackingPolicy
from atomscope.sources import atom, epoch, leaderboard, lmarena, modelscope, mof, openrouter, osai, registry
from atomscope.sources.csvtable import TableContract, read_table, read_table_text
from atomscope.sources.origins import upstream_origins
from atomscope.sources.registry_sync import align_registry_with_atom
from atomscope.sources.upstream_catalog import upstream_of
from atomscope.warehouse.db import finish_run, start_run, transaction, utcnow
from atomscope.warehouse.facts import refresh_model_facts
from atomscope.warehouse.versions import SourceContent, current_fetched, record_version


@dataclass(frozen=True)
class BundledTable:
    source_key: str
    contract: TableContract
    table: str  # warehouse table, or '' for a file used only for validation


BUNDLED: tuple[BundledTable, ...] = (
    BundledTable("organizations", registry.ORGANIZATIONS, "organizations"),
    BundledTable("organization_aliases", registry.ORGANIZATION_ALIASES, "org_aliases"),
    BundledTable("atom_organization_regions", atom.ORGANIZATION_REGIONS, ""),
    BundledTable("atom_tracked_models", atom.TRACKED_MODELS, "models"),
    BundledTable("atom_model_parameters", atom.MODEL_PARAMETERS, "model_parameters"),
    BundledTable("atom_release_date_corrections", atom.RELEASE_DATE_CORRECTIONS, "release_date_corrections"),
    BundledTable("lmarena_text_history", lmarena.ARENA_HISTORY, "arena_scores"),
    BundledTable("arena_open_weight_corrections", lmarena.OPEN_WEIGHT_CORRECTIONS, "arena_open_weight_corrections"),
    BundledTable("arena_model_repos", lmarena.MODEL_REPOS, "arena_model_repos"),
    BundledTable("epoch_notable_models", epoch.NOTABLE_MODELS, "epoch_models"),
    BundledTable("osai_openness", osai.OPENNESS, "osai_systems"),
    BundledTable("mof_components", mof.COMPONENTS, "mof_components"),
    BundledTable("open_llm_leaderboard_v2", leaderboard.OPEN_LLM_LEADERBOARD, "leaderboard_v2"),
    BundledTable("openrouter_model_repos", openrouter.MODEL_REPOS, "openrouter_model_repos"),
    BundledTable("modelscope_model_repos", modelscope.MODEL_REPOS, "modelscope_model_repos"),
)


@dataclass(frozen=True)
class BundledDocument:
    """A bundled file that is not a table (ATOM's policy): versioned like the tables, checked by its parser."""

    source_key: str
    file_name: str

    def check(self, text: str, label: str) -> None:
        TrackingPolicy.from_text(text, label)


DOCUMENTS: tuple[BundledDocument, ...] = (BundledDocument("atom_tracking_policy", POLICY_FILE),)


def read_documents(folder: Path, contents: dict[str, SourceContent]) -> dict[str, SourceContent]:
    """Each document (fetched, else bundled), checked before anything is written."""
    found = {}
    for doc in DOCUMENTS:
        content = contents.get(doc.source_key) or _bundled_content(folder, doc.source_key, doc.file_name)
        label = doc.file_name if content.kind == "bundled" else f"{content.origin} -> {doc.file_name}"
        doc.check(content.text, label)
        found[doc.source_key] = content
    return found


@dataclass
class LoadSummary:
    run_id: int
    rows: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)  # source key -> source_versions.version_id
    registry_changes: list[str] = field(default_factory=list)
    stale_curation: list[str] = field(default_factory=list)  # curated rows left out (see check_arena_curation)


def read_bundled(
    folder: Path,
    contents: dict[str, SourceContent] | None = None,
    registry_changes: list[str] | None = None,
    stale_curation: list[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Validate every bundled table and the rules that span them; returns typed rows per source key.

    `contents` replaces some bundled files by fetched versions (validated with the same contracts). When
    ATOM's region registry is a fetched one, the organization registry follows it first (see
    `align_registry_with_atom`; what changed is appended to `registry_changes`). With fetched contents, a row
    of atomscope's arena curation that no longer matches them is left out and described in `stale_curation`
    (see `check_arena_curation`)."""
    contents = contents or {}
    tables = {}
    for spec in BUNDLED:
        content = contents.get(spec.source_key)
        if content is None:
            tables[spec.source_key] = read_table(folder / spec.contract.file_name, spec.contract)
        else:
            label = f"{content.origin} -> {spec.contract.file_name}"
            tables[spec.source_key] = read_table_text(content.text, spec.contract, label)
    if "atom_organization_regions" in contents:
        changes = align_registry_with_atom(tables)
        if registry_changes is not None:
            registry_changes.extend(changes)
    check_registry(folder, tables)
    stale: list[str] | None = [] if any(c.kind == "fetched" for c in contents.values()) else None
    check_arena_curation(folder, tables, stale)
    if stale_curation is not None and stale:
        stale_curation.extend(stale)
    return tables


def check_registry(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    """The organization registry must reproduce ATOM's namespace regions exactly and cover the lists."""
    orgs = {r["org_key"]: r for r in tables["organizations"]}
    aliases_file = str(folder / registry.ORGANIZATION_ALIASES.file_name)
    hf_aliases = {}
    for row in tables["organization_aliases"]:
        if row["org_key"] not in orgs:
            raise DataValidationError(aliases_file, row["_line"], f"unknown org_key {row['org_key']!r}")
        if row["source"] == "hf":
            hf_aliases[row["alias"]] = row
    regions_file = str(folder / atom.ORGANIZATION_REGIONS.file_name)
    atom_regions = {r["hf_org"]: r for r in tables["atom_organization_regions"]}
    for namespace, row in atom_regions.items():
        alias = hf_aliases.get(namespace)
        if alias is None:
            raise DataValidationError(regions_file, row["_line"], f"namespace {namespace!r} has no hf alias")
        org_region = orgs[alias["org_key"]]["region"]
        if org_region != row["region"]:
            raise DataValidationError(
                aliases_file,
                alias["_line"],
                f"hf alias {namespace!r} -> {alias['org_key']!r} has region {org_region!r}, "
                f"ATOM says {row['region']!r}",
            )
    for namespace, alias in hf_aliases.items():
        if namespace not in atom_regions:
            raise DataValidationError(aliases_file, alias["_line"], f"hf alias {namespace!r} is not in ATOM's regions")
    models_file = str(folder / atom.TRACKED_MODELS.file_name)
    for row in tables["atom_tracked_models"]:
        if row["hf_org"] not in atom_regions:
            raise DataValidationError(models_file, row["_line"], f"namespace {row['hf_org']!r} has no ATOM region")


def check_arena_curation(folder: Path, tables: dict[str, list[dict[str, Any]]], stale: list[str] | None = None) -> None:
    """Arena corrections and repository mappings name real board entries and tracked repositories, and a
    mapped (open) model is never corrected to closed.

    With `stale` (the upstream tables are fetched ones), a curated row that no longer matches them is left out
    and described in `stale` instead: the package's curation must never block an upstream, and the user cannot
    edit the installed files. Against the bundled tables every row must match."""
    on_board = {r["model"] for r in tables["lmarena_text_history"]}
    tracked = {r["model_id"] for r in tables["atom_tracked_models"]}

    def keep(file: str, row: dict[str, Any], problem: str | None) -> bool:
        if problem is None:
            return True
        if stale is None:
            raise DataValidationError(file, row["_line"], problem)
        stale.append(f"{Path(file).name}:{row['_line']}: {problem}; row left out")
        return False

    corrections_file = str(folder / lmarena.OPEN_WEIGHT_CORRECTIONS.file_name)
    tables["arena_open_weight_corrections"] = [
        row
        for row in tables["arena_open_weight_corrections"]
        if keep(corrections_file, row, None if row["arena_model"] in on_board else
                f"{row['arena_model']!r} is not in the arena history")
    ]  # fmt: skip
    closed = {r["arena_model"] for r in tables["arena_open_weight_corrections"] if not r["open_weights"]}
    repos_file = str(folder / lmarena.MODEL_REPOS.file_name)
    for row in tables["arena_model_repos"]:
        if row["arena_model"] in closed:
            raise DataValidationError(
                repos_file, row["_line"], f"{row['arena_model']!r} is corrected to closed weights in {corrections_file}"
            )
    tables["arena_model_repos"] = [
        row
        for row in tables["arena_model_repos"]
        if keep(repos_file, row, f"{row['arena_model']!r} is not in the arena history"
                if row["arena_model"] not in on_board else
                f"{row['model_id']!r} is not a tracked model id" if row["model_id"] not in tracked else None)
    ]  # fmt: skip


def _frame(rows: list[dict[str, Any]], contract: TableContract) -> pd.DataFrame:
    columns = {c.name: (c.rename or c.name) for c in contract.columns}
    frame = (
        pd.DataFrame.from_records(rows, columns=[*columns, "_line"])
        if rows
        else pd.DataFrame(columns=[*columns, "_line"])
    )
    return frame.rename(columns={**columns, "_line": "source_line"})


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    target_cols = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    cols = [c for c in frame.columns if c in target_cols]
    con.register("_incoming", frame[cols])
    try:
        quoted = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM _incoming")
    finally:
        con.unregister("_incoming")


def load_bundled(
    con: duckdb.DuckDBPyConnection,
    folder: Path | None = None,
    contents: dict[str, SourceContent] | None = None,
    kind: str = "bundled",
) -> LoadSummary:
    """Validate, then replace the reference tables in one transaction, recording the version of each.

    Tables come from the bundled files, except those in `contents` (default: the fetched versions the
    warehouse already holds, so `init` keeps what `sources update` loaded)."""
    folder = Path(folder) if folder else bundled_data_dir()
    if contents is None:
        contents = current_fetched(con)
    changes: list[str] = []
    stale: list[str] = []
    tables = read_bundled(folder, contents, changes, stale)
    documents = read_documents(folder, contents)
    run_id = start_run(con, kind)
    summary = LoadSummary(run_id=run_id, registry_changes=changes, stale_curation=stale)
    try:
        with transaction(con):
            now = utcnow()
            for spec in BUNDLED:
                rows = tables[spec.source_key]
                summary.rows[spec.source_key] = len(rows)
                file_name = spec.contract.file_name
                content = contents.get(spec.source_key) or _bundled_content(folder, spec.source_key, file_name)
                version_id = record_version(con, content, len(rows), run_id, now)
                summary.versions[spec.source_key] = version_id
                _record_source_file(con, spec.source_key, file_name, content, len(rows), run_id, version_id, now)
                if not spec.table:
                    continue
                frame = _frame(rows, spec.contract)
                if spec.table == "models":
                    _load_models(con, frame)
                else:
                    con.execute(f"DELETE FROM {spec.table}")
                    _insert(con, spec.table, frame)
            for doc in DOCUMENTS:
                content = documents[doc.source_key]
                version_id = record_version(con, content, 1, run_id, now)
                summary.versions[doc.source_key] = version_id
                _record_source_file(con, doc.source_key, doc.file_name, content, 1, run_id, version_id, now)
            refresh_model_facts(con)
    except Exception as exc:
        finish_run(con, run_id, "failed", {"error": str(exc)})
        raise
    details = {"rows": summary.rows, "versions": summary.versions, "registry_changes": changes}
    if stale:
        details["stale_curation"] = stale
    finish_run(con, run_id, "ok", details)
    return summary


def _load_models(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    """ATOM's lists replace earlier ATOM rows (keeping the day each was first added); models accepted
    through discovery are kept."""
    con.execute("CREATE OR REPLACE TEMP TABLE _prev_models AS SELECT model_id, added_on FROM models")
    con.execute("DELETE FROM models WHERE added_by = 'atom'")
    con.register("_incoming", frame[["model_id", "hf_org", "list"]])
    try:
        con.execute(
            "INSERT INTO models SELECT i.model_id, i.hf_org, i.list, 'atom', coalesce(p.added_on, ?)"
            " FROM _incoming i LEFT JOIN _prev_models p USING (model_id)"
            " WHERE i.model_id NOT IN (SELECT model_id FROM models)",
            [date.today()],
        )
    finally:
        con.unregister("_incoming")
        con.execute("DROP TABLE _prev_models")


def _bundled_content(folder: Path, source_key: str, file_name: str) -> SourceContent:
    """The packaged file as a version: its upstream and commit as SOURCES.md names them."""
    upstream = upstream_of(source_key)
    origin = upstream_origins().get(file_name, {})
    text = (folder / file_name).read_bytes().decode("utf-8")
    return SourceContent(
        source_key=source_key,
        text=text,
        upstream=upstream.name,
        origin=upstream.origin_of(source_key),
        kind="bundled",
        upstream_version=origin.get("commit"),
    )


def _record_source_file(
    con, source_key: str, file_name: str, content: SourceContent, rows: int, run_id: int, version_id: int, now
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO source_files (source_key, file_name, sha256, row_count, loaded_at, run_id, version_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [source_key, file_name, content.sha256, rows, now, run_id, version_id],
    )
