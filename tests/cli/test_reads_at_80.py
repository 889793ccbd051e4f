"""The CLI read at 80 columns: help without placeholders, tables that split no number and cut no id, long
listings one line per item, `--columns` and `-f csv/json` on every listing (issue 26)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import typer
from cli_runner import atomscope
from typer.testing import CliRunner

from atomscope.cli import app
from atomscope.cli.output import fit
from atomscope.metrics import REGISTRY

WIDTH = 80
PLACEHOLDERS = re.compile(r"\{\w+\}|<bool>|<str>|<int>|<path>|<list\[|<float>")


def run(*args, db, check=True):
    proc = atomscope(*args, env={"ATOMSCOPE_DB": str(db), "COLUMNS": str(WIDTH), "ATOMSCOPE_TABLE_ROWS": "60"})
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli80") / "w.duckdb"
    run("init", db=path)
    return path


def _commands(command, path: tuple[str, ...] = ()):
    """Every command under `command` (typer carries its own copy of click: read it by its attributes)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _body_rows(out: str) -> list[str]:
    """The table's data lines (between the header rule and the bottom border)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    return [line for line in lines[start + 1 :] if line.startswith("│")]


def test_every_help_renders_without_placeholders_within_80_columns():
    runner = CliRunner()
    commands = list(_commands(typer.main.get_command(app)))
    assert len(commands) > 20
    for path, command in commands:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": str(WIDTH)}, terminal_width=WIDTH)
        assert result.exit_code == 0, (path, result.output)
        assert not PLACEHOLDERS.findall(result.output), (path, PLACEHOLDERS.findall(result.output))
        assert max(len(line) for line in result.output.splitlines()) <= WIDTH, path
        assert "…" not in result.output, path  # nothing cut off
        for param in command.params:
            choices = getattr(param.type, "choices", None)
            if choices and param.param_type_name == "option":  # the choices are shown, whole
                listed = f"[{'|'.join(choices)}]" in result.output or all(c in result.output for c in choices)
                assert listed, (path, param.name)


def test_fit_leaves_out_what_does_not_fit_and_never_squeezes():
    headers = ["model_id", "downloads", "region", "summary"]
    cells = [["Qwen/Qwen3-235B-A22B-Instruct-2507", "1,271,825", "china", "a long text " * 6]]
    fitted = fit(headers, cells, 60)
    assert fitted.shown == [0, 1, 2]  # the prose needs its 24 characters: left out, not squeezed
    assert fitted.left_out == ["summary"]
    assert fitted.widths[0] == len(cells[0][0]) and fitted.widths[1] == len("downloads")
    assert fit(headers, cells, 60, priority=("summary",)).left_out == ["model_id"]  # 34 + 3 > 60 - 28 - 21
    one_line = fit(headers, cells, 80, one_line=True)
    assert 3 in one_line.shown and 1 + sum(one_line.widths.values()) + 3 * len(one_line.shown) <= 80


def test_catalog_models_at_80_columns_keeps_ids_whole(db):
    proc = run("catalog", "models", db=db)
    assert max(len(line) for line in proc.stdout.splitlines()) <= WIDTH
    rows = _body_rows(proc.stdout)
    ids = {line.split("│")[1].strip() for line in rows} - {"⋮"}
    every = {r["model_id"] for r in csv.DictReader(io.StringIO(run("catalog", "models", "-f", "csv", db=db).stdout))}
    assert len(ids) == 60 and ids <= every  # whole ids, one line per model
    assert len(rows) == 61
    header = next(line for line in proc.stdout.splitlines() if "┃ model_id" in line)
    shown = [c.strip() for c in header.split("┃")[1:-1]]
    assert shown[:2] == ["model_id", "region"] and "size_bucket" in shown  # the command's narrow choice
    assert "left out to fit 80 characters" in proc.stderr and "total_params_b" in proc.stderr


def test_columns_choose_what_every_format_prints(db):
    out = run("catalog", "models", "--columns", "model_id,total_params_b", "-f", "csv", db=db).stdout
    assert out.splitlines()[0] == "model_id,total_params_b"
    rows = json.loads(run("catalog", "orgs", "--columns", "region,org_key", "-f", "json", db=db).stdout)
    assert list(rows[0]) == ["region", "org_key"]
    bad = run("catalog", "orgs", "--columns", "region,nope", db=db, check=False)
    assert bad.returncode == 2 and "no column nope" in bad.stderr and "org_key" in bad.stderr


def test_metrics_is_one_line_per_metric_and_names_give_the_detail(db):
    proc = run("metrics", db=db)
    rows = _body_rows(proc.stdout)
    assert [line.split("│")[1].strip() for line in rows] == sorted(REGISTRY)
    assert max(len(line) for line in proc.stdout.splitlines()) <= WIDTH
    for line in rows:  # the full human title is shown
        assert REGISTRY[line.split("│")[1].strip()].title in line
    detail = run("metrics", "ram_v2", "-f", "json", db=db).stdout
    items = json.loads(detail)
    assert {r["name"] for r in items if r["item"] == "column"} == set(REGISTRY["ram_v2"].columns)
    assert any(r["item"] == "param" and "default 10" in r["meaning"] for r in items)
    unknown = run("metrics", "nope", db=db, check=False)
    assert unknown.returncode == 2 and "unknown metric" in unknown.stderr


def test_sources_list_is_one_line_per_source(db):
    proc = run("sources", "list", db=db)
    rows = _body_rows(proc.stdout)
    every = list(csv.DictReader(io.StringIO(run("sources", "list", "-f", "csv", db=db).stdout)))
    from atomscope.sources.upstream_catalog import UPSTREAMS
    from atomscope.warehouse.load import BUNDLED

    tables = {key for upstream in UPSTREAMS for key in upstream.produces} | {spec.source_key for spec in BUNDLED}
    assert len(rows) == len(every) == len(tables)  # one line per table an upstream produces or the repo bundles
    assert max(len(line) for line in proc.stdout.splitlines()) <= WIDTH


def test_runnability_best_shows_the_latest_snapshot_with_whole_numbers(db):
    cols = "hardware_class,region,arena_model,arena_score,memory_gb"
    proc = run("metric", "runnability", "--by", "best", "--columns", cols, db=db)
    rows = _body_rows(proc.stdout)
    classes = [line.split("│")[1].strip() for line in rows]
    assert classes[0] == "8gb" and "cluster" in classes
    every = json.loads(run("metric", "runnability", "--by", "best", "-f", "json", db=db).stdout)
    assert len({r["snapshot_date"] for r in every}) == 1 and len(rows) == len(every)
    for line, row in zip(rows, every, strict=True):
        assert f"{row['arena_score']:,.0f}" in line or f"{row['arena_score']:,.4g}" in line  # never split
