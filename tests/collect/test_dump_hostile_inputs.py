"""`import hub-dump` on hostile files: out-of-range counts, a CSV cut short, createdAt in the future, duplicate ids."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

HEADER = "id,author,createdAt,downloads,downloadsAllTime,likes,tags,pipeline_tag\n"


def _row(model_id: str, downloads: str = "5", all_time: str = "50", created: str = "2024-01-01T00:00:00Z") -> str:
    return f'{model_id},x,{created},{downloads},{all_time},0,"[""base_model:finetune:synth/parent""]",text\n'


def test_out_of_range_counts_skip_the_row_and_are_counted(cli, small_db, tmp_path):
    dump = tmp_path / "counts.csv"
    dump.write_text(HEADER + _row("synth/ok") + _row("synth/inf", downloads="inf")
                    + _row("synth/huge", all_time=str(2**63)) + _row("synth/neg", downloads="-3"))  # fmt: skip
    result = cli("import", "hub-dump", dump, "--date", "2025-06-01", "--db", small_db)
    assert result.code == 0, result.err
    assert "wrong_type:downloads" in result.err and "wrong_type:downloadsAllTime" in result.err
    assert "Traceback" not in result.err and "OverflowError" not in result.err
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("SELECT model_id FROM hub_models").fetchall() == [("synth/ok",)]


def test_uint64_parquet_above_2_63(cli, small_db, tmp_path):
    dump = tmp_path / "u64.parquet"
    pq.write_table(pa.table({
        "id": ["synth/a", "synth/b"], "createdAt": ["2024-01-01T00:00:00Z"] * 2,
        "downloads": pa.array([1, 2**64 - 1], pa.uint64()), "likes": [0, 0],
        "tags": [["base_model:finetune:synth/p"], ["base_model:finetune:synth/p"]],
    }), dump)  # fmt: skip
    result = cli("import", "hub-dump", dump, "--date", "2025-06-01", "--db", small_db)
    assert result.code == 0 and "wrong_type:downloads" in result.err


def test_a_csv_cut_in_its_last_row_is_refused_with_file_and_line(cli, small_db, tmp_path):
    dump = tmp_path / "cut.csv"
    dump.write_text(HEADER + _row("synth/ok") + 'synth/cut,x,2024-01-01T00:00:00Z,1,2,0,"[]",tex')
    result = cli("import", "hub-dump", dump, "--date", "2025-06-01", "--db", small_db)
    assert result.code == 2 and "cut.csv:3" in result.err and "truncated" in result.err
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM hub_models").fetchone()[0] == 0


def test_created_at_now_is_refused_for_that_row(cli, small_db, tmp_path):
    dump = tmp_path / "now.csv"
    dump.write_text(HEADER + _row("synth/ok") + _row("synth/now", created="now"))
    result = cli("import", "hub-dump", dump, "--date", "2025-06-01", "--db", small_db)
    assert result.code == 0 and "wrong_type:createdAt" in result.err
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("SELECT model_id FROM hub_models").fetchall() == [("synth/ok",)]


def test_duplicate_ids_one_rule_case_insensitive_and_counted(cli, small_db, tmp_path):
    dump = tmp_path / "dups.csv"
    dump.write_text(HEADER + _row("dup/model", downloads="7") + _row("DUP/model", downloads="8")
                    + _row("dup/MODEL", downloads="9"))  # fmt: skip
    result = cli("import", "hub-dump", dump, "--date", "2025-06-01", "--db", small_db)
    assert result.code == 0 and "duplicate_id" in result.err
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert con.execute("SELECT model_id, downloads_30d FROM hub_models").fetchall() == [("dup/model", 7)]


def test_rows_skipped_counts_rows_once_and_lineage_tags_apart(cli, small_db, tmp_path):
    """Issue 29 item 17: a 14-row file never reports 15 rows skipped (a bad lineage tag is not a row)."""
    bad_tags = '"[""base_model:finetune:synth/ok"", ""base_model:finetune:not an id""]"'
    good = f"synth/ok,x,2024-01-01T00:00:00Z,5,50,0,{bad_tags},text\n"
    dump = tmp_path / "fourteen.csv"
    dump.write_text(HEADER + good + "".join(_row(f"synth/inf{i}", downloads="inf") for i in range(13)))
    result = cli("import", "hub-dump", dump, "--date", "2025-06-01", "--db", small_db)
    assert result.code == 0, result.err
    lines = [line.strip() for line in result.err.splitlines()]
    assert "rows skipped: 13" in lines and "lineage tags skipped: 2" in lines
    assert any(line.split() == ["self_reference", "1"] for line in lines)
    assert any(line.split() == ["bad_parent_id", "1"] for line in lines)
