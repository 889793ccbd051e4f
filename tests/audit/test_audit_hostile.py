"""Hostile trees through `atomscope audit` (issue 29 item 13): a symlink loop, a notebook nested a million
levels deep, a notebook cell whose `source` is a number, a file name holding raw ANSI escapes. Each is
skipped or read, counted, and never kills the scan."""

from __future__ import annotations

import json

import pytest
from metric_harness import MetricWarehouse
from typer.testing import CliRunner

from atomscope.audit.python_ids import MAX_JSON_DEPTH
from atomscope.cli import app

LOADS = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("acme/fine-model")\n'


@pytest.fixture
def db(tmp_path):
    w = MetricWarehouse(tmp_path)
    w.org("acme", "us")
    w.con.close()
    return tmp_path / "w.duckdb"


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "ok.py").write_text(LOADS, encoding="utf-8")
    return root


def _audit(db, *args):
    return CliRunner().invoke(app, ["audit", *args], env={"ATOMSCOPE_DB": str(db), "COLUMNS": "120"})


def test_a_symlink_loop_is_skipped_and_counted(db, tree):
    (tree / "a").symlink_to(tree / "b")
    (tree / "b").symlink_to(tree / "a")
    (tree / "self").symlink_to(tree / "self")
    result = _audit(db, str(tree), "-f", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["skipped_by_reason"] == {"symlink loop or dangling link": 3}
    assert summary["files_scanned"] == 1 and summary["models"] == 1


def test_a_deeply_nested_notebook_is_bounded(db, tree):
    (tree / "deep.ipynb").write_text("[" * 1_000_000 + "]" * 1_000_000, encoding="utf-8")
    shallow = {"cells": [{"cell_type": "code", "source": LOADS, "metadata": {"x": [[[[1]]]]}}]}
    (tree / "fine.ipynb").write_text(json.dumps(shallow), encoding="utf-8")
    result = _audit(db, str(tree), "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"]["skipped_by_reason"] == {f"nested deeper than {MAX_JSON_DEPTH} levels": 1}
    files = {loc["file"].rsplit("/", 1)[-1] for m in data["models"] for loc in m["locations"]}
    assert files == {"ok.py", "fine.ipynb"}


def test_a_notebook_cell_of_any_shape_is_tolerated(db, tree):
    cells = [
        {"cell_type": "code", "source": 5},
        {"cell_type": "code", "source": [5, None, {"a": 1}]},
        {"cell_type": "code", "source": None},
        {"cell_type": "code"},
        "not a cell",
        {"cell_type": "code", "source": ['m = AutoModel.from_pretrained("acme/in-notebook")\n']},
    ]
    (tree / "odd.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    result = _audit(db, str(tree), "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {m["model_id"] for m in data["models"]} == {"acme/fine-model", "acme/in-notebook"}
    assert data["summary"]["files_scanned"] == 2


def test_ansi_escapes_in_file_names_are_printed_escaped(db, tree):
    name = "evil\x1b[2J\x1b[31mred\x07.py"
    (tree / name).write_text(LOADS.replace("fine-model", "other-model"), encoding="utf-8")
    for args in (["--fail-on", "org=acme"], ["--fail-on", "org=acme", "-f", "csv"]):
        result = _audit(db, str(tree), *args)
        assert result.exit_code == 1
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream and "\x07" not in stream
        assert "evil\\x1b[2J\\x1b[31mred\\x07.py" in result.stdout + result.stderr
