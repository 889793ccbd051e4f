"""Answers kept beside the warehouse (warehouse/answers.py, warehouse/sidecar.py): found again only for the same
request at the same warehouse and code version, never half-read, bounded, and skipped where they cannot be
written."""

from __future__ import annotations

import os
import tempfile

import duckdb
import pytest

from atomscope.warehouse import answers
from atomscope.warehouse.sidecar import KeyedFiles, data_version

REQUEST = {"caller": "test", "metric": "releases", "by": None, "params": [["top", "10"]]}
ANSWER = answers.Answer(["a", "b"], [[1, "x"], [2.5, None], [float("nan"), [1, {"k": "v"}]]], ["a note"], {"t": "T"})


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INTEGER)")
    con.close()
    return path


def _kept_file(warehouse):
    (file,) = answers.answers_dir(warehouse).glob("*.json")
    return file


def _same(found: answers.Answer, expected: answers.Answer) -> None:
    assert found.columns == expected.columns and found.notes == expected.notes and found.extra == expected.extra
    assert repr(found.rows) == repr(expected.rows)  # NaN is not equal to itself; its text is


def test_a_kept_answer_comes_back_for_the_same_request_only(warehouse):
    assert answers.load(warehouse, REQUEST) is None
    assert answers.save(warehouse, REQUEST, ANSWER, data_version(warehouse))
    _same(answers.load(warehouse, REQUEST), ANSWER)
    assert answers.load(warehouse, {**REQUEST, "by": "org"}) is None
    assert answers.load(warehouse.with_name("other.duckdb"), REQUEST) is None


def test_a_write_to_the_warehouse_makes_every_kept_answer_a_miss(warehouse):
    answers.save(warehouse, REQUEST, ANSWER, data_version(warehouse))
    con = duckdb.connect(str(warehouse))
    con.execute("INSERT INTO t VALUES (1)")
    con.close()
    assert answers.load(warehouse, REQUEST) is None


def test_an_answer_computed_while_the_warehouse_was_written_is_not_kept(warehouse):
    before = data_version(warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("INSERT INTO t VALUES (1)")
    con.close()
    assert not answers.save(warehouse, REQUEST, ANSWER, before)
    assert not answers.answers_dir(warehouse).exists()


def test_another_code_version_is_a_miss(warehouse, monkeypatch):
    answers.save(warehouse, REQUEST, ANSWER, data_version(warehouse))
    monkeypatch.setattr(answers, "code_version", lambda: "an edited checkout")
    assert answers.load(warehouse, REQUEST) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: text.split("\n", 1)[0] + "\n{not json",  # right key, damaged body
        lambda text: text.split("\n", 1)[0] + '\n{"columns": 1, "rows": [], "notes": [], "extra": {}}',  # wrong shape
        lambda text: "",
    ],
    ids=["truncated", "damaged", "wrong-shape", "empty"],
)
def test_a_damaged_file_is_a_miss_and_is_rewritten(warehouse, damage):
    answers.save(warehouse, REQUEST, ANSWER, data_version(warehouse))
    file = _kept_file(warehouse)
    file.write_text(damage(file.read_text(encoding="utf-8")), encoding="utf-8")
    assert answers.load(warehouse, REQUEST) is None
    assert answers.save(warehouse, REQUEST, ANSWER, data_version(warehouse))
    _same(answers.load(warehouse, REQUEST), ANSWER)


def test_a_folder_that_cannot_be_written_is_skipped_and_still_read(warehouse, monkeypatch):
    answers.save(warehouse, REQUEST, ANSWER, data_version(warehouse))
    folder = answers.answers_dir(warehouse)
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root writes anywhere: fail the way a read-only folder does
            monkeypatch.setattr(tempfile, "mkstemp", lambda **kw: (_ for _ in ()).throw(PermissionError(13, "ro")))
        other = {**REQUEST, "by": "org"}
        assert not answers.save(warehouse, other, ANSWER, data_version(warehouse))
        assert answers.load(warehouse, other) is None
        _same(answers.load(warehouse, REQUEST), ANSWER)
    finally:
        folder.chmod(0o755)


def test_text_that_utf8_cannot_hold_is_answered_not_kept(warehouse):
    odd = answers.Answer(["a"], [["\ud800"]], [], {})  # a lone surrogate
    assert not answers.save(warehouse, REQUEST, odd, data_version(warehouse))
    assert answers.load(warehouse, REQUEST) is None
    assert [p.name for p in answers.answers_dir(warehouse).iterdir()] == [], "no temporary file left behind"


def test_a_place_taken_by_a_file_is_skipped(warehouse):
    answers.answers_dir(warehouse).write_text("not a folder", encoding="utf-8")
    assert not answers.save(warehouse, REQUEST, ANSWER, data_version(warehouse))
    assert answers.load(warehouse, REQUEST) is None


def test_the_folder_keeps_the_newest_files_within_its_bound(tmp_path):
    files = KeyedFiles(".kept", ".txt", max_files=3, max_bytes=10_000)
    warehouse = tmp_path / "w.duckdb"
    for i in range(5):
        files.write(warehouse, f"f{i}", "key", "x" * 100)
        os.utime(files.folder(warehouse) / f"f{i}.txt", ns=(i * 10**9, i * 10**9))  # f4 the newest
    files.write(warehouse, "f5", "key", "x" * 100)
    assert sorted(p.name for p in files.folder(warehouse).iterdir()) == ["f3.txt", "f4.txt", "f5.txt"]
    by_bytes = KeyedFiles(".kept", ".txt", max_files=100, max_bytes=250)  # each file is 104 bytes
    by_bytes.write(warehouse, "f6", "key", "x" * 100)
    assert sorted(p.name for p in files.folder(warehouse).iterdir()) == ["f5.txt", "f6.txt"]
    assert files.read(warehouse, "f6", "key") == "x" * 100
    assert files.read(warehouse, "f6", "another key") is None
