"""Metric `arena` on a hand-built warehouse (expected values worked out by hand) and on the bundled data."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from importlib import resources

import pytest
from metric_harness import run_metric

from atomscope.domain.licenses import classify_license, is_open_weight

ORGS = [
    ("openai", "OpenAI", "us", "US"),
    ("meta", "Meta", "us", "US"),
    ("deepseek", "DeepSeek", "china", "CN"),
    ("mistral", "Mistral AI", "eu", "FR"),
]
ALIASES = [
    ("lmarena", "OpenAI", "openai"),
    ("lmarena", "Meta", "meta"),
    ("lmarena", "DeepSeek", "deepseek"),
    ("lmarena", "Mistral", "mistral"),
]

JAN = "2025-01-01"
# (snapshot, model, score, organization, license)
SCORES = [
    ("2024-12-01", "gpt", 1250, "OpenAI", "Proprietary"),
    ("2024-12-01", "u1", 1200, "Meta", "Llama 3.1 Community"),
    # January: closed leader has an empty license -> unknown -> closed, never open
    (JAN, "mystery", 1310, "OpenAI", ""),
    (JAN, "gpt", 1300, "OpenAI", "Proprietary"),
    (JAN, "gpt-typo", 1290, "OpenAI", "Propretary"),
    (JAN, "c1", 1280, "DeepSeek", "MIT"),
    (JAN, "c2", 1270, "DeepSeek", "DeepSeek License"),
    (JAN, "c3", 1260, "DeepSeek", "MIT"),
    (JAN, "c4", 1250, "DeepSeek", "MIT"),
    (JAN, "c5", 1240, "DeepSeek", "MIT"),
    (JAN, "c6", 1230, "DeepSeek", "MIT"),
    (JAN, "u1", 1275, "Meta", "Llama 3.1 Community"),
    (JAN, "u2", 1265, "Meta", "Llama-3.3"),
    (JAN, "u3", 1255, "Meta", "Llama 3.1"),
    (JAN, "u4", 1245, "Meta", "Llama 3.1"),
    (JAN, "u5", 1235, "Meta", "Llama 3.1"),
    (JAN, "e1", 1235, "Mistral", "Apache 2.0"),  # ties u5; 'e1' < 'u5' so e1 is 10th
    (JAN, "nc1", 1200, "Unknown Lab", "CC-BY-NC-4.0"),
    # February: no closed model on the board
    ("2025-02-01", "u1", 1300, "Meta", "Llama 3.1 Community"),
    ("2025-02-01", "c1", 1290, "DeepSeek", "MIT"),
]


@pytest.fixture
def arena_warehouse(metric_warehouse):
    con = metric_warehouse.con
    con.executemany("INSERT INTO organizations VALUES (?, ?, ?, ?)", ORGS)
    con.executemany("INSERT INTO org_aliases VALUES (?, ?, ?)", ALIASES)
    con.executemany(
        "INSERT INTO arena_scores VALUES (?, NULL, ?, ?, NULL, NULL, ?, ?, ?)",
        [(s, m, score, org, lic, i + 1) for i, (s, m, score, org, lic) in enumerate(SCORES)],
    )
    return metric_warehouse


def _rows(frame, key):
    return {(str(r.snapshot_date)[:10], getattr(r, key)): r for r in frame.itertuples(index=False)}


def test_by_region_hand_computed(arena_warehouse):
    _, frame = arena_warehouse.run("arena")
    rows = _rows(frame, "region")
    assert sorted(k for k in rows if k[0] == JAN) == [(JAN, "china"), (JAN, "eu"), (JAN, "unresolved"), (JAN, "us")]
    china, us, eu, unresolved = (rows[(JAN, r)] for r in ("china", "us", "eu", "unresolved"))
    # open order: c1 u1 c2 u2 c3 u3 c4 u4 c5 e1 | u5 c6 nc1
    assert (china.top10_open_count, us.top10_open_count, eu.top10_open_count, unresolved.top10_open_count) == (
        5,
        4,
        1,
        0,
    )
    assert (china.open_models, us.open_models, eu.open_models, unresolved.open_models) == (6, 5, 1, 1)
    assert (china.best_open_model, china.best_open_org, china.best_open_score) == ("c1", "DeepSeek", 1280)
    assert (us.best_open_model, us.best_open_score) == ("u1", 1275)
    assert (eu.best_open_model, unresolved.best_open_model, unresolved.best_open_org) == ("e1", "nc1", "Unknown Lab")
    assert [bool(r.leads_open) for r in (china, us, eu, unresolved)] == [True, False, False, False]
    for row in (china, us, eu, unresolved):
        assert row.best_closed_model == "mystery"
        assert row.best_closed_score == 1310
        assert row.open_closed_gap == 30  # 1310 - 1280
    feb_us, feb_china = rows[("2025-02-01", "us")], rows[("2025-02-01", "china")]
    assert bool(feb_us.leads_open) and not bool(feb_china.leads_open)
    assert frame[frame.snapshot_date.astype(str).str[:10] == "2025-02-01"].open_closed_gap.isna().all()
    dec = rows[("2024-12-01", "us")]
    assert dec.open_closed_gap == 50 and dec.top10_open_count == 1


def test_by_org_hand_computed(arena_warehouse):
    _, frame = arena_warehouse.run("arena", by="org")
    rows = _rows(frame, "org")
    assert {k[1] for k in rows if k[0] == JAN} == {"DeepSeek", "Meta", "Mistral AI", "Unknown Lab"}
    meta = rows[(JAN, "Meta")]
    assert (meta.region, meta.best_open_model, meta.top10_open_count, meta.open_models) == ("us", "u1", 4, 5)
    assert rows[(JAN, "Unknown Lab")].region == "unresolved"
    assert rows[(JAN, "Mistral AI")].top10_open_count == 1
    # OpenAI has no open model: no row
    assert not any(k[1] == "OpenAI" for k in rows)


def test_since_until(arena_warehouse):
    _, frame = arena_warehouse.run("arena", since=date(2025, 1, 1))
    assert sorted({str(d)[:10] for d in frame.snapshot_date}) == [JAN, "2025-02-01"]
    _, frame = arena_warehouse.run("arena", until=date(2024, 12, 31))
    assert list(frame.region) == ["us"] and list(frame.open_closed_gap) == [50]


def test_notes_name_unresolved(arena_warehouse):
    result, _ = arena_warehouse.run("arena")
    assert any("not in the registry" in note and note.startswith("1 score rows") for note in result.notes)


def test_one_status_per_model_latest_label_and_corrections(arena_warehouse):
    con = arena_warehouse.con
    flips = [
        ("2025-03-01", "flip-closed", 1400, "Meta", "Llama"),  # open label first, closed later: closed throughout
        ("2025-03-02", "flip-closed", 1400, "Meta", "N/A"),
        ("2025-03-01", "flip-open", 1390, "Mistral", "Proprietary"),  # closed first, open later: open throughout
        ("2025-03-02", "flip-open", 1390, "Mistral", "Mistral Research"),
        ("2025-03-01", "api-only", 1395, "DeepSeek", "DeepSeek"),  # labelled open, corrected to closed
        ("2025-03-02", "api-only", 1395, "DeepSeek", "DeepSeek"),
        ("2025-03-01", "c1", 1280, "DeepSeek", "MIT"),
        ("2025-03-02", "c1", 1280, "DeepSeek", "MIT"),
    ]
    con.executemany(
        "INSERT INTO arena_scores VALUES (?, NULL, ?, ?, NULL, NULL, ?, ?, ?)",
        [(s, m, score, org, lic, 100 + i) for i, (s, m, score, org, lic) in enumerate(flips)],
    )
    con.execute("INSERT INTO arena_open_weight_corrections VALUES ('api-only', false, 'never released', 'x', 2)")
    con.execute("INSERT INTO arena_model_repos VALUES ('flip-open', 'mistralai/Flip', 'same name', 'y', 2)")
    result, frame = arena_warehouse.run("arena", since=date(2025, 3, 1), until=date(2025, 3, 2))
    rows = _rows(frame, "region")
    for day in ("2025-03-01", "2025-03-02"):
        eu, china = rows[(day, "eu")], rows[(day, "china")]
        assert (eu.best_open_model, bool(eu.leads_open), eu.best_open_model_id) == ("flip-open", True, "mistralai/Flip")
        assert (china.best_open_model, china.open_models) == ("c1", 1)  # api-only is closed
        assert (day, "us") not in rows  # flip-closed is closed on both days
        assert eu.best_closed_model == "flip-closed" and eu.open_closed_gap == 10
    conflicts = [n for n in result.notes if n.startswith("label conflict")]
    assert len(conflicts) == 2
    assert "flip-closed" in conflicts[0] and "counted closed" in conflicts[0] and "'N/A'" in conflicts[0]
    assert "flip-open" in conflicts[1] and "counted open" in conflicts[1]
    assert any(n.startswith("corrected: api-only counted as closed") for n in result.notes)


def test_rejects_unknown_grouping(arena_warehouse):
    from atomscope.domain.errors import MetricRequestError

    with pytest.raises(MetricRequestError):
        arena_warehouse.run("arena", by="country")


# --- real data: expectations derived here from the bundled CSV files ---------------------------------

DATA = resources.files("atomscope") / "data"


def _read(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _lmarena_region():
    regions = {row["org_key"]: row["region"] for row in _read("organizations.csv")}
    return {
        row["alias"]: regions[row["org_key"]] for row in _read("organization_aliases.csv") if row["source"] == "lmarena"
    }


def _open_status():
    """model -> open weights: its correction, else its latest label (the rule of metrics/arena_status.py)."""
    latest = {}
    for row in sorted(_read("lmarena_text_history.csv"), key=lambda r: r["snapshot_date"]):
        latest[row["model"]] = is_open_weight(classify_license(row["license"]))
    for row in _read("arena_open_weight_corrections.csv"):
        latest[row["arena_model"]] = row["open_weights"] == "true"
    return latest


def _csv_expectations():
    """Per snapshot: (region of the best open model, its score, best closed score, {region: top-10 count})."""
    region_of = _lmarena_region()
    is_open = _open_status()
    by_date = defaultdict(list)
    for row in _read("lmarena_text_history.csv"):
        by_date[row["snapshot_date"]].append(row)
    expected = {}
    for day, rows in by_date.items():
        opened = sorted(
            (r for r in rows if is_open[r["model"]]),
            key=lambda r: (-float(r["arena_score"]), r["model"]),
        )
        closed = [float(r["arena_score"]) for r in rows if not is_open[r["model"]]]
        top = Counter(region_of.get(r["organization"], "unresolved") for r in opened[:10])
        best = opened[0]
        expected[day] = (
            region_of.get(best["organization"], "unresolved"),
            float(best["arena_score"]),
            max(closed),
            dict(top),
        )
    return expected


@pytest.fixture(scope="module")
def real(bundled_backend):
    return run_metric(bundled_backend, "arena")


def test_real_leader_region_score_and_gap_per_snapshot(real):
    _, frame = real
    expected = _csv_expectations()
    assert len(expected) == 92  # leaderboard versions in the bundled history (data/SOURCES.md)
    frame = frame.assign(day=frame.snapshot_date.astype(str).str[:10])
    assert set(frame.day) == set(expected)
    leaders = frame[frame.leads_open.astype(bool)]
    assert leaders.day.is_unique and len(leaders) == len(expected)
    for row in leaders.itertuples(index=False):
        region, score, closed, _ = expected[row.day]
        assert (row.region, row.best_open_score) == (region, score), row.day
        assert row.open_closed_gap == pytest.approx(closed - score), row.day
    # the race changes hands: both the US and China have led open models in this history
    assert {"us", "china"} <= set(leaders.region)


def test_real_unreleased_maverick_never_leads(real):
    result, frame = real
    frame = frame.assign(day=frame.snapshot_date.astype(str).str[:10])
    assert "Llama-4-Maverick-03-26-Experimental" not in set(frame.best_open_model)
    lead = frame[(frame.day == "2025-04-06") & frame.leads_open.astype(bool)].iloc[0]
    assert (lead.region, lead.best_open_model, lead.best_open_model_id) == (
        "china",
        "DeepSeek-V3-0324",
        "deepseek-ai/DeepSeek-V3-0324",
    )
    assert "Qwen-Max-0919" not in set(frame.best_open_model)
    conflicts = {n.split()[2] for n in result.notes if n.startswith("label conflict")}
    assert conflicts == {"Deepseek-v2-API-0628", "Llama-4-Maverick-03-26-Experimental", "Mistral-Large-2407"}


def test_real_top10_counts(real):
    _, frame = real
    expected = _csv_expectations()
    frame = frame.assign(day=frame.snapshot_date.astype(str).str[:10])
    for day, group in frame.groupby("day"):
        got = {r.region: r.top10_open_count for r in group.itertuples(index=False) if r.top10_open_count}
        assert got == expected[day][3], day
        assert group.top10_open_count.sum() == 10


def test_real_by_org_leader_matches_region_view(bundled_backend, real):
    _, by_region = real
    by_org = run_metric(bundled_backend, "arena", by="org")[1]
    lead_r = by_region[by_region.leads_open.astype(bool)].set_index("snapshot_date")
    lead_o = by_org[by_org.leads_open.astype(bool)].set_index("snapshot_date")
    assert (lead_r.best_open_model == lead_o.best_open_model).all()
    assert (lead_r.region == lead_o.region).all()
