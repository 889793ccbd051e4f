"""Every shape and era of a Hub dump (the public `cfahlgren1/hub-stats` files), and hostile values.

Files here are SYNTHETIC: a handful of rows written by the test in the real column layout.
"""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hub_helpers import small_hub, tracked_hub_warehouse

from atomscope.collect.hub.dump import import_hub_dump
from atomscope.domain.errors import DataValidationError

DAY = date(2025, 6, 1)


@pytest.fixture
def hub():
    return small_hub(per_org=2)


def _base(model_id: str, **extra) -> dict:
    row = {
        "id": model_id,
        "author": model_id.split("/")[0],
        "createdAt": "2024-05-01T10:00:00.000Z",
        "downloads": 10,
        "downloadsAllTime": 100,
        "likes": 1,
        "tags": ["transformers"],
        "pipeline_tag": "text",
    }
    row.update(extra)
    return row


def _snap(con, model_id):
    return con.execute(
        "SELECT downloads_30d, downloads_all_time, safetensors_total, gated, created_at FROM hf_snapshots"
        " WHERE model_id = ?",
        [model_id],
    ).fetchall()


def test_parquet_structs_of_the_real_schema(con, hub, tmp_path):
    a, b = hub.tracked_ids()[:2]
    params_type = pa.struct([("parameters", pa.map_(pa.string(), pa.int64())), ("total", pa.int64())])
    base_type = pa.struct([("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
                           ("relation", pa.string())])  # fmt: skip
    rows = [_base(a), _base(b), _base("synth-child/ft-model", tags=["transformers"])]
    table = pa.Table.from_pylist(rows).append_column(
        "safetensors", pa.array([{"parameters": [("BF16", 7_000), ("F32", 5)], "total": 7_005},
                                 {"parameters": [("BF16", 300), ("F32", 2)], "total": None}, None], params_type)
    ).append_column(
        "baseModels", pa.array([None, None, {"models": [{"_id": "x1", "id": a}], "relation": "finetune"}], base_type)
    )  # fmt: skip
    path = tmp_path / "models.parquet"
    pq.write_table(table, path)
    summary = import_hub_dump(con, path, DAY)
    assert sum(summary.skipped.values()) == 0
    assert _snap(con, a)[0][2] == 7_005
    assert _snap(con, b)[0][2] == 302  # no total: the sum of the parameters map
    assert _snap(con, a)[0][3] is None  # no `gated` column: unknown, not "false"
    edges = con.execute("SELECT child_id, parent_id, relation FROM derivative_edges").fetchall()
    assert ("synth-child/ft-model", a, "finetune") in edges


def test_csv_without_all_time_counts_and_python_list_tags(con, hub, tmp_path):
    a = hub.tracked_ids()[0]
    path = tmp_path / "models.csv"
    path.write_text(
        "id,author,createdAt,downloads,likes,tags,pipeline_tag,safetensors\n"
        f"{a},x,2024-05-01T10:00:00.000Z,42,3,\"['transformers', 'base_model:finetune:synth/p']\",text,"
        "\"{'parameters': {'BF16': 12}, 'total': 12}\"\n"
        'synth-c/child,synth-c,2024-05-02 00:00:00,7,0,"[""base_model:adapter:synth/p""]",,\n',
        encoding="utf-8",
    )
    summary = import_hub_dump(con, path, DAY)
    assert not summary.all_time_counts and sum(summary.skipped.values()) == 0
    assert _snap(con, a)[0][:3] == (42, None, 12)
    edges = set(con.execute("SELECT child_id, parent_id, relation FROM derivative_edges").fetchall())
    assert {(a, "synth/p", "finetune"), ("synth-c/child", "synth/p", "adapter")} <= edges


def test_hostile_counts_and_timestamps_skip_the_row_only(con, hub, tmp_path):
    a, b = hub.tracked_ids()[:2]
    rows = [
        _base(a),
        _base(b, createdAt="now"),
        _base("synth/inf", downloads=float("inf")),
        _base("synth/big", downloadsAllTime=2**63),
        _base("synth/neg", likes=-1),
        _base("synth/frac", downloads=1.5),
    ]
    csv = tmp_path / "hostile.csv"
    lines = ["id,author,createdAt,downloads,downloadsAllTime,likes,tags,pipeline_tag"]
    for r in rows:
        lines.append(",".join([r["id"], r["author"], r["createdAt"], str(r["downloads"]), str(r["downloadsAllTime"]),
                               str(r["likes"]), '"[]"', r["pipeline_tag"]]))  # fmt: skip
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_hub_dump(con, csv, DAY)
    assert summary.skipped == {"wrong_type:createdAt": 1, "wrong_type:downloads": 2,
                               "wrong_type:downloadsAllTime": 1, "wrong_type:likes": 1}  # fmt: skip
    assert summary.rows["hf_snapshots"] == 1 and _snap(con, b) == []


def test_uint64_parquet_counts_above_2_63_are_skipped_and_counted(con, hub, tmp_path):
    a, b = hub.tracked_ids()[:2]
    table = pa.table({"id": [a, b], "author": ["x", "x"], "createdAt": ["2024-01-01T00:00:00Z"] * 2,
                      "downloads": pa.array([5, 2**64 - 1], pa.uint64()),
                      "downloadsAllTime": pa.array([9, 9], pa.uint64()), "likes": [0, 0],
                      "tags": [["t"], ["t"]], "pipeline_tag": [None, None]})  # fmt: skip
    path = tmp_path / "u64.parquet"
    pq.write_table(table, path)
    summary = import_hub_dump(con, path, DAY)
    assert summary.skipped == {"wrong_type:downloads": 1} and summary.rows["hf_snapshots"] == 1


def test_duplicate_ids_first_valid_row_wins_case_insensitively(con, hub, tmp_path):
    a = hub.tracked_ids()[0]
    rows = [_base(a, downloads=-5), _base(a.upper(), downloads=11), _base(a.lower(), downloads=12),
            _base("synth/dup", tags=["base_model:finetune:synth/p"]),
            _base("SYNTH/DUP", tags=["base_model:finetune:synth/q"])]  # fmt: skip
    path = tmp_path / "dups.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    summary = import_hub_dump(con, path, DAY)
    assert summary.skipped == {"wrong_type:downloads": 1, "duplicate_id": 2}
    assert _snap(con, a)[0][0] == 11
    assert con.execute("SELECT model_id FROM hub_models WHERE lower(model_id) = 'synth/dup'").fetchall() == [
        ("synth/dup",)
    ]


def test_a_csv_cut_in_its_last_row_is_refused_with_file_and_line(con, hub, tmp_path):
    a = hub.tracked_ids()[0]
    path = tmp_path / "cut.csv"
    path.write_text("id,author,createdAt,downloads,downloadsAllTime,likes,tags,pipeline_tag\n"
                    f"{a},x,2024-01-01T00:00:00Z,1,2,0,\"[]\",text-generation\n"
                    f"{a}2,x,2024-01-01T00:00:00Z,1,2,0,\"[]\",tex", encoding="utf-8")  # fmt: skip
    with pytest.raises(DataValidationError) as err:
        import_hub_dump(con, path, DAY)
    assert err.value.line == 3 and "truncated" in str(err.value)
    assert con.execute("SELECT count(*) FROM hf_snapshots").fetchall() == [(0,)]


def test_a_csv_with_a_short_row_is_refused_with_a_line(con, hub, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("id,author,createdAt,downloads,downloadsAllTime,likes,tags,pipeline_tag\n"
                    "synth/a,x,2024-01-01T00:00:00Z,1,2,0,\"[]\",text\nsynth/b,x,2024\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(DataValidationError, match="cannot read the dump"):
        import_hub_dump(con, path, DAY)


def test_the_skip_summary_is_recorded_in_the_load_run(con, hub, tmp_path):
    path = tmp_path / "one.parquet"
    pq.write_table(pa.Table.from_pylist([_base(hub.tracked_ids()[0]), _base("bad id")]), path)
    import_hub_dump(con, path, DAY)
    details = json.loads(con.execute("SELECT details FROM load_runs WHERE kind = 'import_dump'").fetchall()[0][0])
    assert details["skipped"] == {"unexpected_id": 1} and details["rows_read"] == 2


def test_lineage_rows_written_from_arrow_equal_the_row_by_row_path(bundled_db, tmp_path, hub):
    """A Parquet file's lineage-only rows are written set-based; the same rows as CSV go row by row."""
    import pandas as pd
    from hub_helpers import rows

    records = [{"id": m.id, "author": m.author, "createdAt": m.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "downloads": m.downloads_30d(DAY), "downloadsAllTime": m.downloads_all_time(DAY), "likes": m.likes,
                "tags": m.tags, "pipeline_tag": m.pipeline_tag} for m in hub.iter_public(authorized=True)]  # fmt: skip
    frame = pd.DataFrame(records)
    frame.to_parquet(tmp_path / "d.parquet")
    frame.assign(tags=frame["tags"].map(lambda t: json.dumps(list(t)))).to_csv(tmp_path / "d.csv", index=False)
    got = {}
    for name in ("d.parquet", "d.csv"):
        con = tracked_hub_warehouse(bundled_db, tmp_path, hub, name=f"{name}.duckdb")
        summary = import_hub_dump(con, tmp_path / name, DAY)
        got[name] = (summary.rows, dict(summary.skipped), summary.respelled,
                     rows(con, "hub_models", ("first_seen_at", "last_seen_at", "run_id")),
                     rows(con, "derivative_edges", ("first_seen_at", "run_id")))  # fmt: skip
        con.close()
    assert got["d.parquet"] == got["d.csv"]
    assert got["d.csv"][0]["derivative_edges"] > 0 and got["d.csv"][2] == 1
    assert {"edge empty_base_model", "edge bad_parent_id"} <= set(got["d.csv"][1])
