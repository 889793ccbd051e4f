"""`query` prints lists, structs, intervals, NaN and infinities in every format; JSON stays valid."""

from __future__ import annotations

import csv
import io
import json

import pytest

NASTY = (
    "SELECT [1, 2] AS l2, [3] AS l1, {'x': 1, 'y': [2.5, 'nan'::DOUBLE]} AS s, INTERVAL 90 MINUTE AS i,"
    " 'nan'::DOUBLE AS n, 'inf'::DOUBLE AS p, '-inf'::DOUBLE AS m, 1.50::DECIMAL(10, 2) AS d, MAP {'k': 1} AS mp,"
    " NULL::INTEGER AS z, DATE '2025-01-02' AS day, 170141183460469231731687303715884105727::HUGEINT AS h,"
    " 1 AS a, 2 AS a"
)


def test_json_is_valid_and_keeps_shapes(cli, small_db):
    result = cli("query", "--db", small_db, "-f", "json", NASTY)
    assert result.code == 0, result.err

    def no_constants(name):
        raise AssertionError(f"invalid JSON constant {name}")

    [row] = json.loads(result.out, parse_constant=no_constants)
    assert row["l2"] == [1, 2] and row["l1"] == [3]  # a one-element list stays a list
    assert row["s"] == {"x": 1, "y": [2.5, None]} and row["mp"] == {"k": 1}
    assert row["i"] == 5400.0 and row["d"] == 1.5 and row["day"] == "2025-01-02"
    assert row["n"] is None and row["p"] is None and row["m"] is None and row["z"] is None
    assert row["h"] == 2**127 - 1 and row["a"] == 1 and row["a_2"] == 2


def test_csv_and_table_print_every_type(cli, small_db, monkeypatch):
    result = cli("query", "--db", small_db, "-f", "csv", NASTY)
    assert result.code == 0, result.err
    header, row = list(csv.reader(io.StringIO(result.out)))
    values = dict(zip(header, row, strict=True))
    assert values["l1"] == "[3]" and values["n"] == "NaN" and values["p"] == "inf" and values["m"] == "-inf"
    assert json.loads(values["s"]) == {"x": 1, "y": [2.5, None]} and values["z"] == ""
    monkeypatch.setenv("COLUMNS", "400")  # a wide terminal: no cell folded over lines
    table = cli("query", "--db", small_db, NASTY)
    assert table.code == 0, table.err
    for shown in ("[1, 2]", "[3]", "NaN", "-inf", "5,400"):
        assert shown in table.out


def test_rich_markup_in_values_and_errors_is_printed_as_text(cli, small_db):
    result = cli("query", "--db", small_db, "SELECT '[/x] [bold]b[/bold]' AS \"[red]c\"")
    assert result.code == 0 and "[/x] [bold]b[/bold]" in result.out and "[red]c" in result.out
    error = cli("query", "--db", small_db, 'SELECT * FROM "[/x]"')
    assert error.code == 2 and "[/x]" in error.err and "Traceback" not in error.err


def test_sql_starting_with_dashes_after_end_of_options(cli, small_db):
    result = cli("query", "--db", small_db, "-f", "json", "--", "-- a comment\nSELECT 42 AS answer")
    assert result.code == 0, result.err
    assert json.loads(result.out) == [{"answer": 42}]
    direct = cli("query", "--db", small_db, "-f", "json", "-- a comment\nSELECT 43 AS answer")
    assert direct.code == 0, direct.err
    assert json.loads(direct.out) == [{"answer": 43}]


@pytest.mark.parametrize(
    "sql",
    [
        "PIVOT evil ON id IN (1, 2) USING count(*)",
        "PIVOT evil ON text USING count(*)",
        "UNPIVOT (SELECT 1 AS a, 2 AS b) ON a, b INTO NAME k VALUE v",
        "DESCRIBE evil",
        "SUMMARIZE evil",
        "SHOW TABLES",
        "FROM evil LIMIT 1",
        "CALL pragma_table_info('evil')",
        "WITH x AS (SELECT 1 AS v) SELECT * FROM x",
    ],
)
def test_read_only_statements_are_accepted(cli, small_db, sql):
    result = cli("query", "--db", small_db, "-f", "json", sql)
    assert result.code == 0, result.err
    assert isinstance(json.loads(result.out), list)


@pytest.mark.parametrize(
    "sql",
    [
        "SET enable_external_access = true; SELECT * FROM read_csv('/etc/hostname')",
        "CREATE TABLE x AS SELECT 1",
        "COPY evil TO '/tmp/atomscope-evil.csv'",
        "SELECT * FROM read_csv('/etc/hostname')",
        "ATTACH '/tmp/other.duckdb' AS o",
    ],
)
def test_writes_and_file_access_are_refused(cli, small_db, sql):
    result = cli("query", "--db", small_db, sql)
    assert result.code == 2 and result.err.startswith("error:")


def test_table_format_shows_first_and_last_rows_of_a_long_result(monkeypatch, capsys):
    import pandas as pd

    from atomscope.cli.output import OutputFormat, emit

    frame = pd.DataFrame({"n": range(1000)})
    monkeypatch.setenv("COLUMNS", "80")
    emit(frame, OutputFormat.table)
    out, err = capsys.readouterr()
    shown = [int(cell) for cell in (line.strip("│ ") for line in out.splitlines()) if cell.isdigit()]
    assert shown == [*range(30), *range(970, 1000)] and "⋮" in out
    assert "1000 rows, 60 shown" in " ".join(err.split())
    monkeypatch.setenv("ATOMSCOPE_TABLE_ROWS", "0")
    emit(frame, OutputFormat.table)
    out, _ = capsys.readouterr()
    assert "⋮" not in out and "999" in out


def test_a_missing_text_value_is_null_not_nan_in_every_format(monkeypatch, capsys):
    """A metric frame's text column holds a NULL as pandas' float NaN (availability's `new_model_id` of a model
    that was not renamed): it prints empty in the table and CSV and `null` in JSON, never as the text NaN."""
    import pandas as pd

    from atomscope.cli.output import OutputFormat, emit

    frame = pd.DataFrame({"model_id": ["a/x", "a/y"], "new_model_id": ["a/x-2", None], "score": [1.5, float("nan")]})
    assert isinstance(frame["new_model_id"].iloc[1], float)  # how pandas holds it
    monkeypatch.setenv("COLUMNS", "120")
    emit(frame, OutputFormat.csv)
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1:] == [["a/x", "a/x-2", "1.5"], ["a/y", "", "NaN"]]  # a real NaN number stays NaN
    emit(frame, OutputFormat.json)
    assert json.loads(capsys.readouterr().out)[1] == {"model_id": "a/y", "new_model_id": None, "score": None}
    emit(frame, OutputFormat.table)
    table = capsys.readouterr().out
    y_row = next(line for line in table.splitlines() if "a/y" in line)
    assert y_row.count("NaN") == 1  # the number only
