"""The CLI end to end through its entry point (in-process, `cli_runner`): init, catalog filters and formats,
read-only query, clear errors; `python -m atomscope` itself in a subprocess once."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from cli_runner import atomscope
from report_parts import only_parts

from atomscope.config import data_dir


def run(*args, db=None, check=True):
    proc = atomscope(*args, env={"ATOMSCOPE_DB": str(db)} if db else None)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "w.duckdb"
    run("init", db=path)
    return path


def test_catalog_models_csv_counts_per_region(db):
    out = run("catalog", "models", "--list", "primary", "--format", "csv", db=db).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"model_id", "hf_org", "list", "region", "total_params_b", "size_bucket"} <= set(rows[0])
    with (data_dir() / "atom_organization_regions.csv").open() as handle:
        regions = {r["hf_org"]: r["region"] for r in csv.DictReader(handle)}
    with (data_dir() / "atom_tracked_models.csv").open() as handle:
        expected = Counter(regions[r["hf_org"]] for r in csv.DictReader(handle) if r["list"] == "primary")
    assert Counter(r["region"] for r in rows) == expected


def test_catalog_filters_and_json(db):
    rows = json.loads(run("catalog", "models", "--region", "china", "--org", "Qwen", "--format", "json", db=db).stdout)
    assert rows and all(r["region"] == "china" and r["hf_org"] == "Qwen" for r in rows)
    orgs = json.loads(run("catalog", "orgs", "--region", "eu", "--format", "json", db=db).stdout)
    assert orgs and all(o["region"] == "eu" for o in orgs)
    assert any(o["org_key"] == "mistral" for o in orgs)


def test_catalog_unresolved_lists_names_with_counts(db):
    rows = list(csv.DictReader(io.StringIO(run("catalog", "unresolved", "--format", "csv", db=db).stdout)))
    assert rows, "the bundled sources have names the registry leaves unresolved (e.g. collaborations)"
    assert {r["source"] for r in rows} <= {"hf", "lmarena", "epoch", "osai", "mof"}
    with (data_dir() / "epoch_notable_models.csv").open() as handle:
        epoch = Counter(r["organization"] for r in csv.DictReader(handle))
    for row in rows:
        if row["source"] == "epoch":
            assert int(row["rows"]) == epoch[row["name"]]


def test_query_reads_and_refuses_writes(db):
    out = run("query", "SELECT count(*) AS n FROM models", "--format", "json", db=db).stdout
    with (data_dir() / "atom_tracked_models.csv").open() as handle:
        assert json.loads(out) == [{"n": sum(1 for _ in csv.DictReader(handle))}]
    for sql in (
        "DELETE FROM models",
        "CREATE TABLE x (a INT)",
        "COPY models TO '/tmp/leak.csv'",
        "SELECT 1; DROP TABLE models",
    ):
        proc = run("query", sql, db=db, check=False)
        assert proc.returncode == 2
        assert "read-only" in proc.stderr and "Traceback" not in proc.stderr
    assert run("query", "SELECT count(*) FROM models", db=db).returncode == 0


def test_unwritable_db_path_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = run("init", "--db", str(blocker / "sub" / "w.duckdb"), check=False)
    assert proc.returncode == 2
    assert "cannot open the warehouse for writing" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_warehouse_is_a_clear_error(tmp_path):
    proc = run("catalog", "models", "--db", str(tmp_path / "none.duckdb"), check=False)
    assert proc.returncode == 2 and "run `atomscope init` first" in proc.stderr


def test_main_job_skips_an_unreachable_hub_and_builds_the_report(tmp_path, monkeypatch):
    # the report of the run with one part (its page and summary as always): every part on the bundled data is
    # built and checked by the `bundled_report` fixture's tests (tests/report/test_report.py); the default plans
    # the run keeps are kept for real by `atomscope run` in tests/cli/test_run_hostile.py and checked by
    # tests/cli/test_metric_plans.py: here, that the run asks for them
    from atomscope.cli import metric

    only_parts(monkeypatch, "releases")
    kept = []
    monkeypatch.setattr(metric, "keep_default_plans", kept.append)
    env_endpoint = os.environ["HF_ENDPOINT"]
    assert env_endpoint.startswith("http://127.0.0.1:"), "conftest points the Hub at a closed loopback port"
    out = tmp_path / ("report-in-a-folder-whose-name-is-long-enough-to-pass-eighty-columns-" + "x" * 20)
    proc = run("run", "--out", str(out), db=tmp_path / "w.duckdb")
    assert "skipped the Hub collection" in proc.stderr
    assert "sources not refreshed" in proc.stderr  # offline: one line, the run goes on with the bundled data
    assert "Traceback" not in proc.stderr
    assert "backfilling" not in proc.stderr and "no history backfill" in proc.stderr  # no claim, then a skip
    lines = proc.stderr.splitlines()
    ending = lines[lines.index("next:") :]  # the run ends with what to do next, each command whole on its line
    commands = {line.strip() for line in ending if line.startswith("    ")}
    assert str((out / "index.html").resolve()) in commands  # wider than the terminal, yet neither cut nor wrapped
    assert f"atomscope serve --db {tmp_path / 'w.duckdb'}" in commands
    for command in ("atomscope collect hf", "atomscope import hub-stats", "atomscope import hub-dump FILE --date D"):
        assert command in commands, command  # offline: how to add the history
    prose = [line for line in lines if line.strip() not in commands]
    assert max(len(line.rstrip()) for line in prose) <= int(os.environ.get("COLUMNS", 80))  # wrapped between words
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "State of the open-model ecosystem" in index
    assert (out / "summary.md").exists()
    assert kept == [tmp_path / "w.duckdb"]


def test_help_paragraphs_flow_with_the_terminal_not_with_the_source_lines():
    """A command's docstring is wrapped at 110 columns in the source; `--help` must reflow each paragraph to
    the terminal instead of breaking sentences where the source lines end ("can\\n write beside ...")."""
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "atomscope", "serve", "--help"], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = [" ".join(line.split()) for line in proc.stdout.splitlines()]
    assert any("so atomscope collect can write beside a running server; while a writer" in line for line in lines)
