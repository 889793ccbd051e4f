"""Issue 29 item 15: hostile OpenRouter usage files and listings, through `import openrouter` and
`collect openrouter`. Token counts and listings here are SYNTHETIC test values."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from atomscope.testing.openrouter import OpenRouterStandIn, listing_entry, sample_listing
from atomscope.warehouse import db


@pytest.fixture
def empty_db(tmp_path):
    path = tmp_path / "wh" / "w.duckdb"
    db.connect(path).close()
    return path


def _usage(path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT model_slug, tokens, prompt_tokens FROM openrouter_usage ORDER BY ALL").fetchall()


def _runs(path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        sql = "SELECT status FROM load_runs WHERE kind = 'import_openrouter' ORDER BY run_id"
        return [r[0] for r in con.execute(sql).fetchall()]


ROW = '{"date": "2025-06-02", "model": "qwen/qwen3-32b", "tokens": 5}'


@pytest.mark.parametrize(
    ("name", "text", "line", "reason"),
    [
        ("deep.json", "[" + ROW + ",\n" + '{"x": ' * 5000 + "1" + "}" * 5000 + "]", 2, "nested deeper than 64"),
        ("digits.json", "[\n" + ROW.replace("5}", "1" * 5000 + "}") + "]", 2, "a number of 5,000 characters"),
        ("dup.json", '[\n{"date": "2025-06-02", "model": "a/b",\n "tokens": 1, "tokens": 9}]', 3, "given twice"),
        ("lines.jsonl", ROW + "\n" + ROW.replace("5}", "5, " + '"a": [' * 200 + "]" * 200 + "}") + "\n", 2, "nested"),
        ("latin1.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-32b,5\n2025-06-03,caf\xe9/x,1\n", 3, "not UTF-8"),
        ("field.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-32b," + "9" * (2 << 20) + "\n", 2, "a field longer"),
    ],
)
def test_a_hostile_usage_file_is_one_error_at_its_line_and_nothing_is_written(
    cli, empty_db, tmp_path, name, text, line, reason
):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1" if name.startswith("latin1") else "utf-8"))
    result = cli("import", "openrouter", path, "--db", empty_db)
    assert result.code == 2, result.err
    message = result.err.replace("\n", "")
    assert f"{path}:{line}:" in message and reason in message
    assert "Traceback" not in result.err
    assert _usage(empty_db) == []


def test_big_counts_are_kept_exact(cli, empty_db, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"date": "2025-06-02", "model": "qwen/qwen3-32b", "tokens": 9007199254740993,
                                 "prompt_tokens": 9007199254740993, "completion_tokens": 0}]))  # fmt: skip
    assert cli("import", "openrouter", path, "--db", empty_db).code == 0
    assert _usage(empty_db) == [("qwen/qwen3-32b", 9007199254740993, 9007199254740993)]
    too_big = tmp_path / "huge.csv"
    too_big.write_text(f"date,model,tokens\n2025-06-09,qwen/qwen3-32b,{2**63}\n")
    result = cli("import", "openrouter", too_big, "--db", empty_db)
    assert result.code == 2 and f"{too_big}:2: tokens" in result.err.replace("\n", "")


def test_ctrl_c_during_the_write_rolls_back_and_prints_one_line(cli, empty_db, tmp_path, monkeypatch):
    from atomscope.collect import openrouter_usage

    path = tmp_path / "usage.jsonl"
    path.write_text(ROW + "\n")
    real_store = openrouter_usage._store

    def store_then_ctrl_c(con, *args):
        real_store(con, *args)  # rows written inside the transaction, then the user presses Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(openrouter_usage, "_store", store_then_ctrl_c)
    result = cli("import", "openrouter", path, "--db", empty_db)
    assert result.code == 2 and "interrupted" in result.err and "Traceback" not in result.err
    assert _usage(empty_db) == [] and _runs(empty_db) == ["interrupted"]
    monkeypatch.setattr(openrouter_usage, "_store", real_store)
    assert cli("import", "openrouter", path, "--db", empty_db).code == 0
    assert _usage(empty_db) == [("qwen/qwen3-32b", 5, None)]


def test_one_listing_entry_out_of_range_is_skipped_and_the_rest_stored(cli, bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    listing = [*sample_listing(), listing_entry("acme/huge-context", None, context_length=1e300)]
    with OpenRouterStandIn(listing) as stand_in:
        result = cli("collect", "openrouter", "--db", path, "--endpoint", stand_in.url)
    assert result.code == 0, result.err
    assert "skipped 1 entries: context_length_out_of_range" in result.err
    with duckdb.connect(str(path), read_only=True) as con:
        slugs = {r[0] for r in con.execute("SELECT model_slug FROM openrouter_models").fetchall()}
    assert len(slugs) == len(sample_listing()) and "acme/huge-context" not in slugs


def test_a_listing_nested_too_deep_is_one_line_and_writes_nothing(cli, bundled_db, tmp_path):
    path = tmp_path / "w.duckdb"
    shutil.copy(bundled_db, path)
    with OpenRouterStandIn(sample_listing()) as stand_in:
        stand_in.body = b'{"data": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
        result = cli("collect", "openrouter", "--db", path, "--endpoint", stand_in.url)
    assert result.code == 2
    assert "not JSON" in result.err and "nested deeper than 64" in result.err
    assert "Traceback" not in result.err
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM openrouter_models").fetchone()[0] == 0
