"""Item checks and lineage-tag parsing of the Hub collector (pure functions, no Hub)."""

from __future__ import annotations

import pytest

from atomscope.collect.hub.records import Skip, crawl_row, lineage, model_info, snapshot_row, valid_model_id

ITEM = {
    "_id": "x", "id": "Qwen/Qwen2.5-7B", "createdAt": "2024-09-16T11:55:40.000Z",
    "lastModified": "2024-09-25T12:32:50.000Z", "downloads": 10, "downloadsAllTime": 100, "likes": 3,
    "pipeline_tag": "text-generation", "library_name": "transformers", "gated": False,
    "safetensors": {"parameters": {"BF16": 7_615_616_512}, "total": 7_615_616_512}, "tags": ["a", "b"],
}  # fmt: skip


@pytest.mark.parametrize(("value", "ok"), [
    ("Qwen/Qwen2.5-7B", True), ("gpt2", True), ("a/b.c-d_e", True), ("https://huggingface.co/a/b", False),
    ("a/b/c", False), ("a/b c", False), ("", False), (None, False), (["a/b"], False), ("a/-b", False),
])  # fmt: skip
def test_valid_model_id(value, ok):
    assert valid_model_id(value) is ok


def test_a_well_formed_item_gives_a_snapshot_row():
    row = snapshot_row(model_info(ITEM))
    assert (row.downloads_30d, row.downloads_all_time, row.likes, row.gated) == (10, 100, 3, "false")
    assert row.safetensors_total == 7_615_616_512 and row.created_at.tzinfo is None
    assert crawl_row(model_info(ITEM)).downloads_30d == 10


@pytest.mark.parametrize(("change", "reason"), [
    ({"downloads": "10"}, "wrong_type:downloads"), ({"downloads": True}, "wrong_type:downloads"),
    ({"downloads": -1}, "wrong_type:downloads"), ({"downloadsAllTime": None}, "missing:downloadsAllTime"),
    ({"likes": 1.5}, "wrong_type:likes"), ({"gated": "yes"}, "wrong_type:gated"), ({"tags": "a,b"}, "wrong_type:tags"),
    ({"tags": [1]}, "wrong_type:tags"), ({"pipeline_tag": 3}, "wrong_type:pipeline_tag"),
    ({"safetensors": [1]}, "malformed_item:safetensors"), ({"createdAt": "not a date"}, "malformed_item:createdAt"),
    ({"id": "a b"}, "unexpected_id"),
])  # fmt: skip
def test_a_drifted_item_is_skipped_with_its_reason(change, reason):
    with pytest.raises(Skip) as caught:
        snapshot_row(model_info({**ITEM, **change}))
    assert caught.value.reason == reason


def test_missing_fields():
    for field, reason in (("likes", "missing:likes"), ("createdAt", "missing:createdAt"), ("id", "missing:id")):
        item = {k: v for k, v in ITEM.items() if k != field}
        with pytest.raises(Skip, match=reason):
            snapshot_row(model_info(item))
    with pytest.raises(Skip, match="malformed_item"):
        model_info(["not", "an", "object"])


def test_lineage_tags():
    tags = [
        "base_model:Qwen/A", "base_model:finetune:Qwen/A", "base_model:merge:a/b", "base_model:merge:c/d",
        "base_model:merge:a/b", "base_model:", "base_model:distill:Qwen/A", "base_model:adapter:",
        "base_model:quantized:https://huggingface.co/Qwen/A", "base_model:finetune:x/self", "base_model:adapter:gpt2",
        "license:mit",
    ]  # fmt: skip
    edges, problems = lineage("x/self", tags)
    assert edges == [("Qwen/A", "finetune"), ("a/b", "merge"), ("c/d", "merge"), ("gpt2", "adapter")]
    assert problems == ["empty_base_model", "unknown_relation:distill", "empty_base_model", "bad_parent_id",
                        "self_reference"]  # fmt: skip
