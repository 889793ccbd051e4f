"""ATOM's tracking policy on real tracked-list names, and parameter resolution."""

from __future__ import annotations

import csv

import pytest

from atomscope.config import data_dir
from atomscope.domain.params import BUCKET_ORDER, parse_size_from_name, size_bucket
from atomscope.domain.policy import TrackingPolicy


@pytest.fixture(scope="module")
def policy():
    return TrackingPolicy.load()


@pytest.fixture(scope="module")
def tracked():
    with (data_dir() / "atom_tracked_models.csv").open(newline="") as handle:
        return {r["model_id"]: r for r in csv.DictReader(handle)}


@pytest.mark.parametrize(
    "model_id",
    ["Qwen/Qwen3-235B-A22B", "deepseek-ai/DeepSeek-R1", "meta-llama/Llama-3.1-8B-Instruct", "openai/gpt-oss-120b"],
)
def test_flagship_tracked_models_are_kept_as_primary(policy, tracked, model_id):
    assert tracked[model_id]["list"] == "primary"
    decision = policy.classify(model_id, "text-generation", 2_000_000)
    assert decision.list == "primary"
    assert "primary_family_patterns" in decision.rule or "primary_min_downloads" in decision.rule


def test_family_pattern_admits_new_models_without_downloads(policy):
    decision = policy.classify("google/gemma-4-31B-it", "image-text-to-text", 0)
    assert decision.list == "primary"
    assert decision.rule.startswith("google primary_family_patterns")
    # any-to-any is only conditionally allowed: a family match is needed.
    assert policy.classify("Qwen/Qwen3-Omni-30B-A3B-Instruct", "any-to-any", 10).list == "primary"
    assert policy.classify("someorg/omni-thing", "any-to-any", 10**7).list == "rejected"


def test_extra_family_beats_primary(policy):
    decision = policy.classify("nvidia/Nemotron-Labs-Diffusion-8B", "text-generation", 10**7)
    assert decision.list == "extra"


def test_below_min_downloads_goes_to_extra(policy):
    decision = policy.classify("ai21labs/AI21-Jamba2-3B", "text-generation", 99_999)
    assert decision.list == "extra"
    assert "below primary_min_downloads" in decision.rule


@pytest.mark.parametrize(
    ("model_id", "pipeline_tag", "rule_part"),
    [
        # real tracked-list names the current policy would no longer admit (quantized builds, embeddings)
        ("arcee-ai/Trinity-Mini-GGUF", "text-generation", "gguf"),
        ("ibm-granite/granite-embedding-278m-multilingual", "text-generation", "embedding"),
        ("internlm/internlm2-1_8b-reward", "text-generation", "reward"),
        # the per-org exclusions the policy names
        ("nvidia/MambaVision-L-1K", "image-classification", "reject_pipeline_tags"),
        ("nvidia/MambaVision-L-1K", "text-generation", "nvidia reject_name_patterns"),
        ("nvidia/gpt-oss-puzzle-88B", "text-generation", "nvidia reject_name_patterns: (?i)^gpt-oss-"),
        ("Qwen/Qwen3Guard-Gen-8B", "text-generation", "reject_name_patterns"),
        ("openai/whisper-large-v3", "automatic-speech-recognition", "reject_pipeline_tags"),
        ("someorg/Llama-3-8B-mlx-4bit", "text-generation", "mlx"),
    ],
)
def test_rejections_name_their_rule(policy, tracked, model_id, pipeline_tag, rule_part):
    decision = policy.classify(model_id, pipeline_tag, 10**7)
    assert decision.list == "rejected"
    assert rule_part in decision.rule


def test_official_precision_suffix_is_not_a_rejection(policy):
    assert policy.classify("zai-org/GLM-4.6-FP8", "text-generation", 10**6).list == "primary"


def test_format_tags_reject(policy):
    decision = policy.classify("someorg/Model-7B", "text-generation", 10**6, tags=["gguf", "llama"])
    assert decision.list == "rejected" and "reject_format_patterns" in decision.rule


@pytest.mark.parametrize(
    ("model_id", "total", "active", "moe"),
    [
        ("Qwen/Qwen2.5-72B-Instruct", 72, None, None),
        ("Qwen/Qwen3-235B-A22B", 235, 22, True),
        ("Qwen/Qwen3-30B-A3B-Instruct-2507", 30, 3, True),
        ("mistralai/Mixtral-8x7B-v0.1", 56, None, True),
        ("HuggingFaceTB/SmolLM2-135M", 0.135, None, None),
        ("inclusionAI/Ling-1T", 1000, None, None),
        ("google/gemma-2b", 2, None, None),
        ("Qwen/Qwen2.5-0.5B", 0.5, None, None),
        ("deepseek-ai/DeepSeek-V3", None, None, None),
    ],
)
def test_parse_size_from_name(model_id, total, active, moe):
    parsed = parse_size_from_name(model_id)
    assert parsed.total_b == (pytest.approx(total) if total is not None else None)
    assert parsed.active_b == active
    assert parsed.is_moe == moe


@pytest.mark.parametrize(
    ("total", "bucket"),
    [
        (0.5, "<1B"),
        (1, "1-5B"),
        (4.99, "1-5B"),
        (5, "7-9B"),
        (9.9, "7-9B"),
        (10, "10-50B"),
        (72, "50-100B"),
        (100, "100-250B"),
        (250, "250B+"),
        (1000, "250B+"),
        (None, None),
        (0, None),
    ],
)
def test_size_buckets_use_atom_edges(total, bucket):
    assert size_bucket(total) == bucket
    assert bucket is None or bucket in BUCKET_ORDER


def test_resolution_order_curated_then_safetensors_then_name(empty_warehouse):
    from atomscope.warehouse.facts import refresh_model_facts

    empty_warehouse.execute("""
        INSERT INTO models VALUES ('a/Curated-7B', 'a', 'primary', 'atom', DATE '2025-01-01'),
            ('a/Safe-7B', 'a', 'primary', 'atom', DATE '2025-01-01'),
            ('a/Named-7B', 'a', 'primary', 'atom', DATE '2025-01-01'),
            ('a/Old', 'a', 'primary', 'atom', DATE '2025-01-01');
        INSERT INTO model_parameters VALUES ('a/Curated-7B', 6.5, NULL, false);
        INSERT INTO release_date_corrections VALUES ('a/Named-7B', DATE '2025-02-01', DATE '2025-02-10');
    """)
    for model_id, created, safetensors in [
        ("a/Safe-7B", "2025-03-01 10:00:00", 7_610_000_000),
        ("a/Named-7B", "2025-02-01 00:00:00", None),
        ("a/Old", "2022-03-02 23:29:04", None),
    ]:
        empty_warehouse.execute(
            "INSERT INTO hf_snapshots (model_id, snapshot_date, created_at, safetensors_total, collected_at, source,"
            " run_id) VALUES (?, DATE '2025-06-01', ?, ?, now(), 'api', 1)",
            [model_id, created, safetensors],
        )
    refresh_model_facts(empty_warehouse)
    facts = {
        r[0]: r[1:]
        for r in empty_warehouse.execute(
            "SELECT model_id, total_params_b, params_source, size_bucket, release_date::VARCHAR, release_date_source,"
            " created_at_placeholder FROM model_facts"
        ).fetchall()
    }
    assert facts["a/Curated-7B"][:3] == (6.5, "curated", "7-9B")
    assert facts["a/Safe-7B"][:3] == (pytest.approx(7.61), "safetensors", "7-9B")
    assert facts["a/Safe-7B"][3:5] == ("2025-03-01", "hf_created_at")
    assert facts["a/Named-7B"][:5] == (7.0, "name", "7-9B", "2025-02-10", "correction")
    assert facts["a/Old"] == (None, None, None, None, None, True)
