"""Every CSV output neutralises cells a spreadsheet would run as a formula; a flag gives raw values."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from atomscope.domain.encode import to_csv
from atomscope.domain.spreadsheet import FORMULA_START, csv_line, frame_csv

HOSTILE = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@evil", "+SUM(1,2)", "-2+3", "\ttab", "\rcr"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _no_formula(rows: list[list[str]]) -> None:
    """No text cell starts like a formula (a negative number is a number, not text)."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or _is_number(cell), cell


def test_export_csv_neutralises_and_quotes_lists(cli, small_db, tmp_path):
    assert cli("export", "--db", small_db, "--csv", tmp_path / "safe").code == 0
    text = (tmp_path / "safe" / "evil.csv").read_text()
    rows = _cells(text)
    _no_formula(rows)
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["1"][1] == "'" + HOSTILE[0] and by_id["3"][1] == "'@evil" and by_id["8"][1] == "plain"
    assert by_id["1"][3] == "-1.5"  # numbers are not text: a negative number stays a number
    assert '"[a]"' in text  # a one-element list is quoted like any list
    assert cli("export", "--db", small_db, "--csv", tmp_path / "raw", "--raw-csv").code == 0
    raw = {r[0]: r for r in _cells((tmp_path / "raw" / "evil.csv").read_text())[1:]}
    assert raw["1"][1] == HOSTILE[0] and raw["4"][1] == "+SUM(1,2)"


@pytest.mark.parametrize("raw", [False, True])
def test_query_csv(cli, small_db, raw):
    args = ["query", "--db", small_db, "-f", "csv", "SELECT id, text, tags FROM evil ORDER BY id"]
    result = cli(*args, *(["--raw-csv"] if raw else []))
    assert result.code == 0, result.err
    rows = _cells(result.out)
    assert [r[1] for r in rows[1:8]] == (HOSTILE if raw else ["'" + h for h in HOSTILE])
    if not raw:
        _no_formula(rows)
    assert rows[1][2] == '["a"]' and rows[2][2] == '["=b", "c"]'  # lists as JSON text, in quotes
    assert '"[""a""]"' in result.out


def test_catalog_and_metric_csv_take_the_flag(cli, small_db):
    for args in (["catalog", "models"], ["metric", "releases"]):
        result = cli(*args, "--db", small_db, "-f", "csv", "--raw-csv")
        assert result.code == 0, result.err


def test_api_and_report_writers_neutralise():
    body = to_csv(["x", "tags"], [{"x": h, "tags": [h]} for h in HOSTILE]).decode()
    rows = _cells(body)
    _no_formula(rows)
    assert rows[1][1] == '["=HYPERLINK(\\"http://x\\",\\"y\\")"]'
    assert _cells(to_csv(["x"], [{"x": "=1"}], raw=True).decode())[1] == ["=1"]
    frame = pd.DataFrame({"org": HOSTILE, "n": range(len(HOSTILE)), "x": [None, 1.5, *[float("nan")] * 5]})
    rows = _cells(frame_csv(frame))
    _no_formula(rows)
    assert rows[1] == ["'" + HOSTILE[0], "0", ""] and rows[2][2] == "1.5" and rows[7][0] == "'\rcr"
    assert csv_line(["-", "", None, -1]) == "'-,,,-1\n"


def test_api_csv_neutralises_unless_raw(served_db):
    import duckdb
    from fastapi.testclient import TestClient

    from atomscope.web.app import create_app

    formula = '=HYPERLINK("http://x")'
    with duckdb.connect(str(served_db)) as con:  # a country name that is a formula (hostile source data)
        con.execute(
            "UPDATE epoch_models SET country_of_organization = ? WHERE country_of_organization = 'France'", [formula]
        )
    client = TestClient(create_app(served_db))
    base = "/api/metrics/releases?format=csv&by=country"
    safe, raw = client.get(base), client.get(base + "&raw=true")
    assert safe.status_code == raw.status_code == 200
    _no_formula(_cells(safe.text))
    assert any(row[1:2] == ["'" + formula] or "'" + formula in row for row in _cells(safe.text))
    assert any(formula in row for row in _cells(raw.text))


def test_audit_csv_neutralises_paths_and_ids(monkeypatch):
    from atomscope.audit import output

    row = dict.fromkeys(output.COLUMNS, None) | {"model_id": "=evil/model", "file": "@home/x.py", "line": 3}
    monkeypatch.setattr(output, "mention_rows", lambda _report: [row])
    rows = _cells(output.to_csv(None))
    _no_formula(rows)
    assert "'=evil/model" in rows[1] and "'@home/x.py" in rows[1]
