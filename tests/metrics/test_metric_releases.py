"""Metric `releases` on hand-built warehouses (expected values worked out by hand) and on the bundled data,
and what a reader sees of it: its report section, its finding and its dashboard card's hint, all declared
in metrics/releases.py."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from importlib import resources

import pytest
from metric_harness import add_organizations, run_metric

from atomscope.domain.errors import MetricRequestError
from atomscope.metrics.base import get
from atomscope.metrics.frames import MetricData, ReportInputs
from atomscope.metrics.releases import country_region
from atomscope.present import hints
from atomscope.warehouse.provenance import hub_status

US, CN, UK, FR = "United States of America", "China", "United Kingdom of Great Britain and Northern Ireland", "France"
EPOCH = [
    # model, publication_date, country_of_organization, model_accessibility
    ("a", "2024-02-01", "China,China", "Open weights (unrestricted)"),
    ("b", "2024-05-01", f"{US},{CN}", "Open weights (restricted use)"),
    ("c", "2024-05-03", f"{US},{UK},{FR}", "Open weights (non-commercial)"),
    ("d", "2023-05-03", "", "Open weights (unrestricted)"),
    ("e", "2023-05-03", "Canada", "API access"),
    ("f", "2023-11-30", "Canada", "Open weights (unrestricted)"),
    ("g", "2023-12-01", None, "Unreleased"),
]
TRACKED = [
    # model_id, hf_org, release_date
    ("Qwen/a", "Qwen", "2025-01-10"),
    ("Qwen/b", "Qwen", "2025-01-20"),
    ("meta-llama/c", "meta-llama", "2025-01-05"),
    ("meta-llama/d", "meta-llama", "2025-03-01"),
    ("someone/e", "someone", "2025-03-02"),
    ("Qwen/f", "Qwen", None),
]


@pytest.fixture
def releases_warehouse(metric_warehouse):
    con = metric_warehouse.con
    con.executemany(
        "INSERT INTO epoch_models (model, publication_date, country_of_organization, model_accessibility,"
        " source_line) VALUES (?, ?, ?, ?, ?)",
        [(*row, i + 1) for i, row in enumerate(EPOCH)],
    )
    add_organizations(con, "hf", {"Qwen": ("qwen", "Qwen", "china", "CN"), "meta-llama": ("meta", "Meta", "us", "US")})
    con.executemany(
        "INSERT INTO models VALUES (?, ?, 'primary', 'atom', DATE '2025-06-01')", [(m, org) for m, org, _ in TRACKED]
    )
    con.executemany(
        "INSERT INTO model_facts (model_id, release_date) VALUES (?, ?)", [(m, day) for m, _, day in TRACKED]
    )
    return metric_warehouse


def test_by_region_per_year(releases_warehouse):
    result, frame = releases_warehouse.run("releases")
    got = {
        (r.period, r.region): (r.releases, r.unrestricted, r.restricted, r.non_commercial)
        for r in frame.itertuples(index=False)
    }
    # a: china once (China,China); b: us + china; c: us + eu (UK and France are one region: once);
    # d: empty country -> unknown; e: API only, g: unreleased -> out; f: Canada -> other
    assert got == {
        ("2023", "other"): (1, 1, 0, 0),
        ("2023", "unknown"): (1, 1, 0, 0),
        ("2024", "china"): (2, 1, 1, 0),
        ("2024", "eu"): (1, 0, 0, 1),
        ("2024", "us"): (2, 0, 1, 1),
    }
    assert "5 distinct open-weight models in the selection" in result.notes
    assert any("each distinct country" in note for note in result.notes)


def test_by_country_per_quarter(releases_warehouse):
    _, frame = releases_warehouse.run("releases", by="country", period="quarter")
    got = {(r.period, r.country): (r.region, r.releases) for r in frame.itertuples(index=False)}
    assert got == {
        ("2023-Q2", "unknown"): ("unknown", 1),
        ("2023-Q4", "Canada"): ("other", 1),
        ("2024-Q1", CN): ("china", 1),
        ("2024-Q2", CN): ("china", 1),
        ("2024-Q2", FR): ("eu", 1),
        ("2024-Q2", UK): ("eu", 1),
        ("2024-Q2", US): ("us", 2),
    }


def test_since_until_filter_publication_date(releases_warehouse):
    _, frame = releases_warehouse.run("releases", since=date(2023, 12, 1), until=date(2024, 3, 31), period="month")
    assert [(r.period, r.region, r.releases) for r in frame.itertuples(index=False)] == [("2024-02", "china", 1)]


def test_tracked_region_per_month(releases_warehouse):
    result, frame = releases_warehouse.run("releases", by="tracked_region")
    got = {(r.period, r.region): r.releases for r in frame.itertuples(index=False)}
    assert got == {("2025-01", "china"): 2, ("2025-01", "us"): 1, ("2025-03", "unresolved"): 1, ("2025-03", "us"): 1}
    assert "1 tracked models without a known release date are left out" in result.notes
    _, frame = releases_warehouse.run("releases", by="tracked_region", period="quarter", until=date(2025, 2, 1))
    assert {(r.period, r.region): r.releases for r in frame.itertuples(index=False)} == {
        ("2025-Q1", "china"): 2,
        ("2025-Q1", "us"): 1,
    }


# the US leads 2023 (2 against 1), China 2024 (2 against 1); one API-only model never counts
RACE = [
    ("p", "2023-03-01", US, "Open weights (unrestricted)"),
    ("q", "2023-06-01", US, "Open weights (restricted use)"),
    ("r", "2023-07-01", CN, "Open weights (unrestricted)"),
    ("s", "2024-01-01", CN, "Open weights (unrestricted)"),
    ("t", "2024-02-01", CN, "Open weights (non-commercial)"),
    ("u", "2024-03-01", US, "Open weights (unrestricted)"),
    ("v", "2024-04-01", US, "API access"),
]


def test_report_part_section_and_finding(metric_warehouse):
    con = metric_warehouse.con
    con.executemany(
        "INSERT INTO epoch_models (model, publication_date, country_of_organization, model_accessibility,"
        " source_line) VALUES (?, ?, ?, ?, ?)",
        [(*row, i + 1) for i, row in enumerate(RACE)],
    )
    part = get("releases").report
    inputs = ReportInputs(MetricData(metric_warehouse.backend), con, hub_status(con))
    (section,) = part.sections(inputs)
    assert section.key == "releases" and section.missing == []
    (chart,) = section.charts
    assert chart.name == "releases_region" and "`epoch_models`" in chart.sources
    got = {(r.period, r.region): r.releases for r in chart.data.itertuples(index=False)}
    assert got == {("2023", "us"): 2, ("2023", "china"): 1, ("2024", "china"): 2, ("2024", "us"): 1}
    (table,) = section.tables
    assert table.title == "Top countries, 2023–2024"
    rows = {(r["country"], r["region"], r["2023"], r["2024"], r["total"]) for r in table.data.to_dict("records")}
    assert rows == {(CN, "china", 1, 2, 3), (US, "us", 2, 1, 3)}

    (finding,) = part.findings(inputs)
    assert finding.anchor == "releases_region"
    assert finding.text == (
        "In 2024, Epoch AI's notable-models data credits China with 2 open-weight releases and the US with 1; "
        "in 2023, the US had the most (2, against 1 for China)."
    )
    assert finding.values["counts"] == {"china": 2, "us": 1} and finding.values["before"] == ("2023", "us")


def test_report_part_without_rows_says_so(metric_warehouse):
    con = metric_warehouse.con
    inputs = ReportInputs(MetricData(metric_warehouse.backend), con, hub_status(con))
    (section,) = get("releases").report.sections(inputs)
    assert section.charts == [] and section.missing == ["The `releases` metric has no rows in this warehouse."]
    assert get("releases").report.findings(inputs) == []


def test_dashboard_card_reads_releases_first():
    columns = [{"name": "period", "type": "string"}, {"name": "region", "type": "string"}]
    columns += [{"name": n, "type": "int64"} for n in ("unrestricted", "releases")]
    hint = hints.hint(get("releases").chart, "region", columns)
    assert (hint["x"], hint["y"], hint["color"], hint["mark"]) == ("period", "releases", "region", "line")
    assert hint["measures"] == ["releases", "unrestricted"] and hint["from_zero"]["releases"]


def test_bad_period(releases_warehouse):
    with pytest.raises(MetricRequestError):
        releases_warehouse.run("releases", period="week")


def test_country_region_table():
    assert country_region(US) == "us"
    assert country_region("Hong Kong") == "china"
    assert country_region(UK) == "eu" and country_region("Switzerland") == "eu" and country_region("Germany") == "eu"
    assert country_region("Korea (Republic of)") == "other" and country_region("Taiwan") == "other"
    assert country_region("") == "unknown" and country_region(None) == "unknown"


# --- real data: expectations derived here from the bundled CSV files ---------------------------------

DATA = resources.files("atomscope") / "data"


def _read(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _open_epoch():
    return [r for r in _read("epoch_notable_models.csv") if r["model_accessibility"].startswith("Open weights")]


def test_real_china_open_releases_per_year(bundled_backend):
    expected = Counter(
        r["publication_date"][:4]
        for r in _open_epoch()
        if "China" in {c.strip() for c in r["country_of_organization"].split(",")}
    )
    assert sum(expected.values()) > 20
    frame = run_metric(bundled_backend, "releases", by="country")[1]
    china = frame[frame.country == "China"]
    assert dict(zip(china.period, china.releases, strict=True)) == dict(expected)


def test_real_region_counts_per_quarter(bundled_backend):
    expected = Counter()
    for r in _open_epoch():
        regions = {country_region(c) for c in r["country_of_organization"].split(",")}
        day = date.fromisoformat(r["publication_date"])
        for region in regions:
            expected[(f"{day.year}-Q{(day.month - 1) // 3 + 1}", region)] += 1
    result, frame = run_metric(bundled_backend, "releases", period="quarter")
    assert {(r.period, r.region): r.releases for r in frame.itertuples(index=False)} == dict(expected)
    assert (frame.releases == frame.unrestricted + frame.restricted + frame.non_commercial).all()
    assert f"{len(_open_epoch())} distinct open-weight models in the selection" in result.notes


def test_real_tracked_releases_per_month(bundled_backend):
    regions = {row["org_key"]: row["region"] for row in _read("organizations.csv")}
    hf_region = {r["alias"]: regions[r["org_key"]] for r in _read("organization_aliases.csv") if r["source"] == "hf"}
    org_of = {r["model_id"]: r["hf_org"] for r in _read("atom_tracked_models.csv")}
    # without a Hub snapshot, the only release dates are ATOM's corrections of tracked models
    expected = Counter(
        (r["actual_release_date"][:7], hf_region.get(org_of[r["model_id"]], "unresolved"))
        for r in _read("atom_release_date_corrections.csv")
        if r["model_id"] in org_of
    )
    result, frame = run_metric(bundled_backend, "releases", by="tracked_region")
    assert {(r.period, r.region): r.releases for r in frame.itertuples(index=False)} == dict(expected)
    missing = len(org_of) - sum(expected.values())
    assert f"{missing} tracked models without a known release date are left out" in result.notes
