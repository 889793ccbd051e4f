"""`ram_v1` / `ram_v2` on a hand-built size bucket; every reference value is worked out in the comments.

Bucket 7-9B, released 2025-01-01 and snapshotted on day 0 (0 downloads), day 10 and day 30:

    model   day 10   day 30  ->  C(7) = 0.7 * d10   C(14) = d10 + (d30 - d10) * 4/20   C(30) = d30
    A        1000     3000           700                1400                              3000
    B         500     2500           350                 900                              2500
    C         200      400           140                 240                               400
    D         100     1000            70                 280                              1000
    F released 2025-01-05, snapshots day 0 (0) and day 10 (10000) only -> C(7) = 7000, nothing later
    E (bucket 1-5B, alone): day 10 = 10, day 30 = 20 -> C(7) = 7, C(14) = 12, C(30) = 20
No model has a snapshot after day 30, so no checkpoint beyond 30 days has a value.
"""

from __future__ import annotations

from datetime import date

import pytest
from metric_harness import MetricWarehouse, spark_sql

from atomscope.domain.errors import MetricRequestError
from atomscope.metrics.ram import ram_table

RELEASE = date(2025, 1, 1)


@pytest.fixture
def bucket(tmp_path):
    w = MetricWarehouse(tmp_path).org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    for name, d10, d30 in [("A", 1000, 3000), ("B", 500, 2500), ("C", 200, 400), ("D", 100, 1000)]:
        w.model(f"Qwen/{name}", size_bucket="7-9B", release=RELEASE)
        w.snapshot(f"Qwen/{name}", RELEASE, 0)
        w.snapshot(f"Qwen/{name}", date(2025, 1, 11), d10)
        w.snapshot(f"Qwen/{name}", date(2025, 1, 31), d30)
    w.model("meta-llama/F", size_bucket="7-9B", release=date(2025, 1, 5))
    w.snapshot("meta-llama/F", date(2025, 1, 5), 0).snapshot("meta-llama/F", date(2025, 1, 15), 10000)
    w.model("Qwen/E", size_bucket="1-5B", release=RELEASE)
    w.snapshot("Qwen/E", RELEASE, 0).snapshot("Qwen/E", date(2025, 1, 11), 10).snapshot("Qwen/E", date(2025, 1, 31), 20)
    return w


def cells(frame):
    return {(r.model_id, r.days_since_release): r for r in frame.itertuples()}


def test_cumulative_downloads_only_where_bracketed(bucket):
    out = cells(bucket.metric("ram_v2"))
    assert out[("Qwen/A", 7)].cumulative_downloads == pytest.approx(700)
    assert out[("Qwen/D", 14)].cumulative_downloads == pytest.approx(280)
    assert out[("meta-llama/F", 7)].cumulative_downloads == pytest.approx(7000)
    assert ("meta-llama/F", 14) not in out  # no snapshot on or after 01-19
    assert not any(t > 30 for _m, t in out)
    assert out[("meta-llama/F", 7)].region == "us" and out[("Qwen/A", 7)].org_name == "Alibaba"


def test_v1_median_of_top_k(bucket):
    out = cells(bucket.metric("ram_v1", top=3))
    # t = 7: top 3 are F 7000, A 700, B 350 -> median 700
    assert out[("Qwen/B", 7)].reference_downloads == pytest.approx(700)
    assert out[("Qwen/B", 7)].ram == pytest.approx(0.5)
    # t = 14 (F has no value): A 1400, B 900, D 280 -> median 900; D: 280/900
    assert out[("Qwen/D", 14)].ram == pytest.approx(280 / 900)
    # t = 30: A 3000, B 2500, D 1000 -> median 2500; C: 400/2500
    assert out[("Qwen/C", 30)].ram == pytest.approx(0.16)
    assert out[("Qwen/C", 30)].reference_models == 3 and not out[("Qwen/C", 30)].reduced_reference


def test_v1_with_fewer_than_ten_models_takes_the_median_of_those_available(bucket):
    out = cells(bucket.metric("ram_v1"))
    # t = 7: 5 models 7000, 700, 350, 140, 70 -> the 3rd, 350
    assert out[("Qwen/A", 7)].reference_downloads == pytest.approx(350)
    assert out[("Qwen/A", 7)].reference_models == 5 and out[("Qwen/A", 7)].reduced_reference
    # t = 14: 4 models 1400, 900, 280, 240 -> mean of the 2nd and 3rd, (900 + 280) / 2 = 590
    assert out[("Qwen/B", 14)].reference_downloads == pytest.approx(590)
    assert out[("Qwen/B", 14)].ram == pytest.approx(900 / 590)
    # E is alone in 1-5B: its own value is the reference
    assert out[("Qwen/E", 14)].ram == pytest.approx(1.0) and out[("Qwen/E", 14)].reference_models == 1


def test_v2_cutoff_is_the_kth_model_made_monotonic(bucket):
    out = cells(bucket.metric("ram_v2", top=3))
    # t = 7: 3rd of 7000, 700, 350, ... = 350
    assert out[("Qwen/D", 7)].reference_downloads == pytest.approx(350)
    # t = 14: raw 3rd of 1400, 900, 280, 240 = 280, below 350 -> running max keeps 350
    assert out[("Qwen/D", 14)].reference_downloads == pytest.approx(350)
    assert out[("Qwen/D", 14)].ram == pytest.approx(0.8)
    # t = 30: 3rd of 3000, 2500, 1000, 400 = 1000
    assert out[("Qwen/D", 30)].ram == pytest.approx(1.0)
    assert out[("Qwen/A", 30)].ram == pytest.approx(3.0)


def test_v2_with_fewer_than_ten_models_uses_the_last_available(bucket):
    result = bucket.result("ram_v2")
    out = cells(result.table.to_pandas())
    # t = 7: 5 models -> the 5th, 70; t = 14: 4 models -> the 4th, 240 (> 70); t = 30: 4th = 400
    assert [out[("Qwen/C", t)].reference_downloads for t in (7, 14, 30)] == pytest.approx([70, 240, 400])
    assert [out[("Qwen/C", t)].reference_models for t in (7, 14, 30)] == [5, 4, 4]
    assert out[("Qwen/C", 14)].reduced_reference
    # (7-9B and 1-5B) x (7, 14, 30) = 6 reduced references
    assert any(n.startswith("6 (size bucket, checkpoint) reference(s) rest on fewer than 10") for n in result.notes)


def test_release_window_model_filter_and_checkpoints(bucket):
    out = bucket.metric("ram_v2", since=date(2025, 1, 2), checkpoints="7")
    assert list(out.model_id) == ["meta-llama/F"]  # the only release after 01-02
    # the reference still uses every model of the bucket: 5th of 5 at t = 7 is D's 70
    assert out.reference_downloads[0] == pytest.approx(70)
    one = bucket.metric("ram_v1", model="Qwen/A")
    assert set(one.model_id) == {"Qwen/A"} and list(one.days_since_release) == [7, 14, 30]


def test_compiles_for_spark(bucket):
    ctx = bucket.context(checkpoints="7,14,30", top=10)
    assert "EXPLODE" in spark_sql(ram_table(ctx, "v1")) and "MAX" in spark_sql(ram_table(ctx, "v2"))


def test_v2_reference_at_one_checkpoint_does_not_depend_on_the_others_requested(bucket):
    # top = 3: raw cutoffs 350 (t = 7), 280 (t = 14): the running max over ATOM's grid keeps 350 at 14
    # even when only 14 is asked for
    alone = cells(bucket.metric("ram_v2", top=3, checkpoints="14"))
    assert {t for _m, t in alone} == {14}
    assert alone[("Qwen/D", 14)].reference_downloads == pytest.approx(350)


@pytest.mark.parametrize(
    "params", [{"checkpoints": "7,x"}, {"checkpoints": "-1"}, {"checkpoints": "99999"}, {"top": 0}]
)
def test_bad_parameters_are_refused(bucket, params):
    with pytest.raises(MetricRequestError):
        bucket.metric("ram_v2", **params)
