"""Metric `openness` on a hand-built warehouse (expected values worked out by hand) and on the bundled data."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from importlib import resources

import pytest
from metric_harness import LABS, add_organizations, run_metric

from atomscope.domain.licenses import is_open_license
from atomscope.metrics.openness import DIMENSIONS

OP, PA, CL = "open", "partial", "closed"
# system, organization, release month, license, ratings in DIMENSIONS order:
# datasources_base, datasources_end, weights_base, weights_end, trainingcode, code, hardware, preprint,
# paper, modelcard, datasheet, licenses
SYSTEMS = [
    ("Full", "Lab US", "2024-03", "Apache-2.0", [OP] * 12),  # total 12, truly open
    ("FineTune", "Lab US", "2024-06", "MIT", [CL, OP, OP, OP, OP, OP, PA, PA, CL, OP, CL, OP]),  # base data closed
    ("PartialData", "Lab CN", "2025-01", "Qwen", [PA, OP, OP, OP, OP, CL, CL, CL, CL, PA, CL, PA]),
    # weights, data and code open, but no license given and the index rates licensing closed: restricted
    ("DataOpen", "Lab CN", "2025-02", "", [OP, OP, OP, OP, OP, CL, CL, CL, CL, CL, CL, CL]),
    ("Nobody", "Who?", "2023-01", "Proprietary", [CL] * 12),
    # every dimension open, even the index's licensing, but the license forbids commercial use: restricted
    ("NonCommercial", "Lab US", "2024-04", "CC-BY-NC-SA-4.0", [OP] * 12),
]
# FineTune: 0+1+1+1+1+1+.5+.5+0+1+0+1 = 8 (7 open); PartialData: .5+1+1+1+1+0+0+0+0+.5+0+.5 = 5.5
EXPECTED_TOTAL = {
    "Full": 12.0,
    "FineTune": 8.0,
    "PartialData": 5.5,
    "DataOpen": 5.0,
    "Nobody": 0.0,
    "NonCommercial": 12.0,
}


@pytest.fixture
def osai_warehouse(metric_warehouse):
    con = metric_warehouse.con
    add_organizations(con, "osai", LABS)
    names = ", ".join(DIMENSIONS)
    marks = ", ".join("?" for _ in DIMENSIONS)
    con.executemany(
        f"INSERT INTO osai_systems (system, organization, release_date, end_model_license, {names}, source_line)"
        f" VALUES (?, ?, ?, ?, {marks}, ?)",
        [(s, org, month, lic, *ratings, i + 1) for i, (s, org, month, lic, ratings) in enumerate(SYSTEMS)],
    )
    return metric_warehouse


def test_by_system_hand_computed(osai_warehouse):
    result, frame = osai_warehouse.run("openness")
    rows = {r.system: r for r in frame.itertuples(index=False)}
    assert {s: r.openness_total for s, r in rows.items()} == EXPECTED_TOTAL
    assert rows["Full"].openness_pct == 100 and rows["FineTune"].openness_pct == pytest.approx(800 / 12)
    assert {s for s, r in rows.items() if r.truly_open} == {"Full"}
    assert {s for s, r in rows.items() if r.open_but_restricted} == {"DataOpen", "NonCommercial"}
    assert {s for s, r in rows.items() if r.open_license} == {"Full", "FineTune"}
    assert (rows["PartialData"].datasources_basemodel, rows["FineTune"].hardware_architecture) == (0.5, 0.5)
    assert rows["DataOpen"].open_dimensions == 5 and rows["FineTune"].open_dimensions == 7
    assert (rows["Full"].region, rows["DataOpen"].region, rows["Nobody"].region) == ("us", "china", "unresolved")
    assert (rows["FineTune"].license_class, rows["PartialData"].license_class, rows["DataOpen"].license_class) == (
        "permissive",
        "open_weight_restricted",
        "unknown",
    )
    # truly open first, then open but restricted, then by total
    assert list(frame.system) == ["Full", "NonCommercial", "DataOpen", "FineTune", "PartialData", "Nobody"]
    assert "1 systems from organizations not in the registry: 'unresolved'" in result.notes


def test_by_region_hand_computed(osai_warehouse):
    _, frame = osai_warehouse.run("openness", by="region")
    rows = {r.region: r for r in frame.itertuples(index=False)}
    us, cn, unresolved = rows["us"], rows["china"], rows["unresolved"]
    assert (us.systems, us.truly_open_systems, us.truly_open_share, us.open_but_restricted_systems) == (3, 1, 1 / 3, 1)
    assert us.mean_openness_pct == pytest.approx((12 + 8 + 12) / 3 / 12 * 100)
    assert (us.open_weights_systems, us.open_data_systems, us.open_training_code_systems) == (3, 2, 3)
    assert (cn.systems, cn.truly_open_systems, cn.open_but_restricted_systems, cn.open_data_systems) == (2, 0, 1, 1)
    assert cn.mean_openness_pct == pytest.approx((5.5 + 5) / 2 / 12 * 100)
    assert (unresolved.systems, unresolved.truly_open_systems, unresolved.mean_openness_pct) == (1, 0, 0)


def test_since_until_on_release_month(osai_warehouse):
    _, frame = osai_warehouse.run("openness", since=date(2024, 6, 1), until=date(2025, 1, 31))
    assert sorted(frame.system) == ["FineTune", "PartialData"]


# --- real data: expectations derived here from the bundled CSV files ---------------------------------

DATA = resources.files("atomscope") / "data"


def _read(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _osai_region():
    regions = {row["org_key"]: row["region"] for row in _read("organizations.csv")}
    return {r["alias"]: regions[r["org_key"]] for r in _read("organization_aliases.csv") if r["source"] == "osai"}


def _open_materials(row):
    return all(
        row[d] == "open" for d in ("weights_endmodel", "datasources_endmodel", "datasources_basemodel", "trainingcode")
    )


def _truly_open(row):
    return _open_materials(row) and row["licenses"] == "open" and is_open_license(row["end_model_license"])


def test_real_restricted_licenses_are_not_truly_open(bundled_backend):
    frame = run_metric(bundled_backend, "openness")[1].set_index("system")
    # issue 17: non-commercial / research-only systems listed as truly open before the license rule
    for system in ("Arabic StableLM", "AudioLDM", "Instella"):
        assert not frame.loc[system, "truly_open"], system
        assert frame.loc[system, "open_but_restricted"], system
    for system in ("OLMo", "Pythia", "SmolLM"):  # Apache-2.0, licensing rated open
        assert frame.loc[system, "truly_open"], system
    truly = frame[frame.truly_open.astype(bool)]
    assert set(truly.license_class) == {"permissive"}


def test_real_per_system_totals_and_truly_open(bundled_backend):
    rows = _read("osai_openness.csv")
    score = {"open": 1.0, "partial": 0.5, "closed": 0.0}
    expected_total = {r["system"]: sum(score.get(r[d], 0.0) for d in DIMENSIONS) for r in rows}
    expected_truly = {r["system"] for r in rows if _truly_open(r)}
    frame = run_metric(bundled_backend, "openness")[1]
    assert len(frame) == len(rows)
    assert dict(zip(frame.system, frame.openness_total, strict=True)) == pytest.approx(expected_total)
    assert set(frame.system[frame.truly_open.astype(bool)]) == expected_truly
    assert 5 < len(expected_truly) < len(rows) / 2
    expected_restricted = {r["system"] for r in rows if _open_materials(r) and not _truly_open(r)}
    assert set(frame.system[frame.open_but_restricted.astype(bool)]) == expected_restricted


def test_real_truly_open_by_region(bundled_backend):
    region_of = _osai_region()
    rows = _read("osai_openness.csv")
    systems = Counter(region_of.get(r["organization"], "unresolved") for r in rows)
    truly = Counter(region_of.get(r["organization"], "unresolved") for r in rows if _truly_open(r))
    frame = run_metric(bundled_backend, "openness", by="region")[1]
    assert dict(zip(frame.region, frame.systems, strict=True)) == dict(systems)
    assert {r: n for r, n in zip(frame.region, frame.truly_open_systems, strict=True) if n} == dict(truly)
    assert frame.systems.sum() == len(rows)
