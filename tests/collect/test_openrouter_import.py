"""`import openrouter`: usage files (CSV, JSON, JSON Lines) validated with file:line errors, one transaction.

Token counts here are SYNTHETIC test values."""

from __future__ import annotations

import json

import pytest
from hub_helpers import CLI, cli_env, run_cli

from atomscope.collect.openrouter_usage import import_usage
from atomscope.domain.errors import DataValidationError
from atomscope.warehouse import db


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def usage(con) -> list[tuple]:
    return con.execute(
        "SELECT period_date::VARCHAR, model_slug, base_slug, provider, tokens, prompt_tokens, completion_tokens,"
        " source_line FROM openrouter_usage ORDER BY ALL"
    ).fetchall()


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_tokens_and_variants_kept_under_one_base_slug(con, tmp_path):
    path = write(tmp_path, "usage.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-235b-a22b,100\n"
                 "2025-06-02,Qwen/Qwen3-235B-A22B:free,50\n2025-06-09,openai/gpt-4o,300\n")  # fmt: skip
    summary = import_usage(con, path)
    assert (summary.rows_read, summary.inserted, summary.models) == (3, 3, 2)
    assert usage(con) == [
        ("2025-06-02", "qwen/qwen3-235b-a22b", "qwen/qwen3-235b-a22b", "", 100, None, None, 2),
        ("2025-06-02", "qwen/qwen3-235b-a22b:free", "qwen/qwen3-235b-a22b", "", 50, None, None, 3),
        ("2025-06-09", "openai/gpt-4o", "openai/gpt-4o", "", 300, None, None, 4),
    ]


def test_json_activity_shape_with_prompt_and_completion_tokens(con, tmp_path):
    payload = {"data": [
        {"date": "2025-08-24", "model": "openai/gpt-4.1", "endpoint_id": "e1", "prompt_tokens": 50,
         "completion_tokens": 125, "requests": 5},
        {"date": "2025-08-24", "model": "openai/gpt-4.1", "endpoint_id": "e2", "promptTokens": 10,
         "completionTokens": 5},
    ]}  # fmt: skip
    path = write(tmp_path, "activity.json", json.dumps(payload, indent=2))
    import_usage(con, path)
    assert usage(con) == [
        ("2025-08-24", "openai/gpt-4.1", "openai/gpt-4.1", "e1", 175, 50, 125, 3),
        ("2025-08-24", "openai/gpt-4.1", "openai/gpt-4.1", "e2", 15, 10, 5, 11),
    ]


def test_json_array_and_jsonl(con, tmp_path):
    import_usage(con, write(tmp_path, "a.json", '[\n {"date": "2025-06-02", "model": "z-ai/glm-4.5", "tokens": 7}\n]'))
    lines = '{"date": "2025-06-02T00:00:00Z", "model": "x-ai/grok-4", "tokens": "8"}\n\n'
    lines += '{"date": "2025-06-09", "model": "x-ai/grok-4", "tokens": 9}\n'
    import_usage(con, write(tmp_path, "b.jsonl", lines))
    assert [(r[0], r[1], r[4], r[7]) for r in usage(con)] == [
        ("2025-06-02", "x-ai/grok-4", 8, 1), ("2025-06-02", "z-ai/glm-4.5", 7, 2), ("2025-06-09", "x-ai/grok-4", 9, 3),
    ]  # fmt: skip


def test_rerun_adds_nothing_and_a_conflicting_rerun_changes_nothing(con, tmp_path):
    path = write(tmp_path, "usage.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-32b,100\n")
    import_usage(con, path)
    again = import_usage(con, path)
    assert (again.inserted, again.already_stored) == (0, 1)
    changed = write(tmp_path, "changed.csv", "date,model,tokens\n2025-06-09,qwen/qwen3-32b,1\n"
                    "2025-06-02,qwen/qwen3-32b,999\n")  # fmt: skip
    with pytest.raises(DataValidationError, match=r"changed\.csv:3: .*already stored with 100 tokens \(from usage"):
        import_usage(con, changed)
    assert [r[4] for r in usage(con)] == [100]  # the new 2025-06-09 row was rolled back too
    runs = con.execute("SELECT status FROM load_runs WHERE kind = 'import_openrouter' ORDER BY run_id").fetchall()
    assert [r[0] for r in runs] == ["ok", "ok", "failed"]


@pytest.mark.parametrize(
    ("name", "text", "where", "what"),
    [
        ("m.csv", "date,model\n2025-06-02,qwen/qwen3-32b\n", "m.csv:1", "missing column(s): tokens"),
        (
            "d.csv",
            "date,model,tokens\n2025-06-02,qwen/qwen3-32b,1\n2025-13-01,qwen/qwen3-32b,1\n",
            "d.csv:3",
            "date: '2025-13-01' is not a YYYY-MM-DD day",
        ),
        ("s.csv", "date,model,tokens\n2025-06-02,Qwen 3,1\n", "s.csv:2", "model: 'Qwen 3' is not an OpenRouter slug"),
        ("n.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-32b,1.5\n", "n.csv:2", "tokens: '1.5' is not a whole"),
        (
            "e.csv",
            "date,model,tokens,prompt_tokens,completion_tokens\n2025-06-02,qwen/qwen3-32b,,5,\n",
            "e.csv:2",
            "missing value(s): tokens (or prompt_tokens and completion_tokens)",
        ),
        (
            "u.csv",
            "date,model,tokens\n2025-06-02,qwen/qwen3-32b,1\n2025-06-02,qwen/qwen3-32b,2\n",
            "u.csv:3",
            "duplicate row for date 2025-06-02, model 'qwen/qwen3-32b', first at line 2",
        ),
        ("x.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-32b,1,extra\n", "x.csv:2", "more fields than the header"),
        (
            "j.json",
            '[\n{"date": "2025-06-02", "model": "qwen/qwen3-32b", "tokens": 1},\n'
            '{"date": "2025-06-02", "model": "qwen/qwen3-32b", "tokens": -4}\n]',
            "j.json:3",
            "tokens: -4",
        ),
        ("b.json", '[\n{"date": "2025-06-02",\n "model": }\n]', "b.json:3", "malformed JSON"),
        (
            "l.jsonl",
            '{"date": "2025-06-02", "model": "qwen/qwen3-32b", "tokens": 1}\n{"date": "2025-06-02"}\n',
            "l.jsonl:2",
            "missing value(s): model",
        ),
        ("t.txt", "date,model,tokens\n", "t.txt", "unknown format"),
    ],
)
def test_bad_files_fail_whole_with_file_and_line(con, tmp_path, name, text, where, what):
    path = write(tmp_path, name, text)
    with pytest.raises(DataValidationError) as caught:
        import_usage(con, path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}/{where}: ")
    assert what in message
    assert usage(con) == []


def test_cli_import_prints_a_summary_and_exits_2_on_a_bad_file(tmp_path):
    env = cli_env(tmp_path)
    path = tmp_path / "w.duckdb"
    good = write(tmp_path, "good.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-32b,100\n")
    done = run_cli([str(CLI), "import", "openrouter", str(good), "--db", str(path)], env)
    assert done.returncode == 0, done.stderr
    assert "1 rows, 2025-06-02 to 2025-06-02, 1 models; 1 written, 0 already stored" in done.stderr
    bad = write(tmp_path, "bad.csv", "date,model,tokens\n2025-06-02,qwen/qwen3-32b,lots\n")
    failed = run_cli([str(CLI), "import", "openrouter", str(bad), "--db", str(path)], env)
    assert failed.returncode == 2
    assert f"{bad}:2: tokens: 'lots' is not a whole number" in failed.stderr.replace("\n", "")


def test_thousands_separators_and_timestamps_with_a_space(con, tmp_path):
    path = write(tmp_path, "usage.csv", 'date,model,tokens\n2025-06-02 00:00:00,qwen/qwen3-32b,"1,250,000"\n')
    import_usage(con, path)
    assert [(r[0], r[4]) for r in usage(con)] == [("2025-06-02", 1_250_000)]
    bad = write(tmp_path, "bad.csv", 'date,model,tokens\n2025-06-02,qwen/qwen3-32b,"12,50"\n')
    with pytest.raises(DataValidationError, match=r"bad\.csv:2: tokens: '12,50' is not a whole number"):
        import_usage(con, bad)
