"""Metric `mof` on a hand-built warehouse (expected classes worked out by hand) and on the bundled data."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from importlib import resources

import ibis
import pytest

from atomscope.domain.licenses import license_rule
from atomscope.metrics import mof, run
from atomscope.metrics.base import MetricContext
from atomscope.metrics.mof import COMPONENT_TYPES, REQUIRED
from atomscope.warehouse.db import connect

C3 = {
    "Model architecture": "Apache-2.0",
    "Model parameters (Final)": "Apache 2.0",
    "Technical report": "CC-BY-4.0",
    "Evaluation results": "CC-BY-4.0",
    "Model card": "CC-BY-4.0",
    "Data card": "CC-BY-SA-4.0",
}
C2 = {
    "Training code": "MIT",
    "Inference code": "Apache-2.0",
    "Evaluation code": "BSD-3",
    "Evaluation data": "CDLA-Permissive-2.0",
}
C1 = {"Datasets": "ODC-By-1.0", "Data preprocessing code": "MIT", "Model parameters (Intermediate)": "apache-2.0",
     "Research paper": "CC-BY-4.0"}  # fmt: skip

RELEASES = {
    # name: (producer, date, components)
    "A": ("Lab US", "2025-01-01", {**C3, **C2, **C1}),  # Class I
    "B": (
        "Lab US",
        "2025-02-01",
        {**C3, **C2, **C1, "Research paper": "arXiv.org perpetual non-exclusive license 1.0"},
    ),
    "C": ("Lab CN", "2025-03-01", {**C3, **C2, "Training code": "CC-BY-4.0"}),  # content license on pure code
    "D": (
        "Lab CN",
        "2025-04-01",
        {**C3, "Model parameters (Final)": "Llama 3 Community License", "Technical report": "MIT"},
    ),
    "E": ("Somebody", "2025-05-01", {"Model architecture": "", "Model parameters (Final)": "unlicensed"}),
}
# F: one release in two YAML entries: the first lacks the Data card, the second has it
F_ROWS = [("2025-06-01", c, lic) for c, lic in C3.items() if c != "Data card"] + [
    ("2025-06-15", "Data card", "CC-BY-4.0"),
    ("2025-06-15", "Model card", "Component not included"),
]


@pytest.fixture
def backend(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    con.executemany(
        "INSERT INTO organizations VALUES (?, ?, ?, ?)",
        [("lab-us", "Lab US", "us", "US"), ("lab-cn", "Lab CN", "china", "CN")],
    )
    con.executemany("INSERT INTO org_aliases VALUES ('mof', ?, ?)", [("Lab US", "lab-us"), ("Lab CN", "lab-cn")])
    rows = [
        (name, producer, day, comp, lic or None)
        for name, (producer, day, comps) in RELEASES.items()
        for comp, lic in comps.items()
    ]
    rows += [("F", "Lab US", day, comp, lic) for day, comp, lic in F_ROWS]
    con.executemany(
        "INSERT INTO mof_components (release, version, date, producer, type, component, component_license,"
        " source_line) VALUES (?, '1B', ?, ?, 'language', ?, ?, ?)",
        [(name, day, producer, comp, lic, i + 2) for i, (name, producer, day, comp, lic) in enumerate(rows)],
    )
    yield ibis.duckdb.from_connection(con)
    con.close()


def _run(backend, **kwargs):
    result = run(mof.METRIC, MetricContext(backend, **kwargs))
    return result, backend.execute(result.table)


def test_component_table_matches_the_framework():
    assert [len(REQUIRED[c]) for c in (3, 2, 1)] == [6, 4, 4]
    assert len(COMPONENT_TYPES) == 17 and sum(k is None for k, _ in COMPONENT_TYPES.values()) == 3


def test_by_release_hand_computed(backend):
    result, frame = _run(backend)
    rows = {r.release: r for r in frame.itertuples(index=False)}
    assert {k: r.mof_class for k, r in rows.items()} == {
        "A": "I",
        "B": "II",
        "C": "III",
        "D": "none",
        "E": "none",
        "F": "III",
    }
    assert (rows["A"].class_iii_met, rows["A"].class_ii_met, rows["A"].class_i_met, rows["A"].progress_pct) == (
        6,
        4,
        4,
        100,
    )
    assert (rows["B"].class_i_met, rows["C"].class_ii_met, rows["D"].class_iii_met) == (3, 3, 5)
    assert rows["C"].progress_pct == pytest.approx(9 / 14 * 100)
    d, e = rows["D"], rows["E"]
    assert (d.weights_license_class, bool(d.open_weights), bool(d.conditional_iii)) == (
        "open_weight_restricted",
        True,
        True,
    )
    assert (e.weights_license_class, bool(e.open_weights), bool(e.conditional_iii), e.class_iii_met) == (
        "unknown",
        False,
        False,
        0,
    )
    assert (e.region, d.region, rows["A"].region) == ("unresolved", "china", "us")
    assert str(rows["F"].date)[:10] == "2025-06-15" and rows["F"].class_iii_met == 6
    assert list(frame.release[:4]) == ["A", "B", "C", "F"]  # best class first
    assert any("release-wide licenses" in note for note in result.notes)


def test_by_region_hand_computed(backend):
    _, frame = _run(backend, by="region")
    rows = {r.region: r for r in frame.itertuples(index=False)}
    us, cn, unresolved = rows["us"], rows["china"], rows["unresolved"]
    assert (us.releases, us.class_i, us.class_ii, us.class_iii, us.unclassified, us.open_weights) == (3, 1, 1, 1, 0, 3)
    assert (cn.releases, cn.class_iii, cn.unclassified, cn.open_weights, cn.conditional_iii) == (2, 1, 1, 2, 2)
    assert (unresolved.releases, unresolved.unclassified, unresolved.open_weights) == (1, 1, 0)


def test_since_until_on_entry_date(backend):
    _, frame = _run(backend, since=date(2025, 2, 1), until=date(2025, 4, 30))
    assert sorted(frame.release) == ["B", "C", "D"]


# --- real data: expectations derived here from the bundled CSV file ----------------------------------


def _expected_classes():
    """Class per release computed row by row from mof_components.csv."""
    with (resources.files("atomscope") / "data" / "mof_components.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    met = defaultdict(set)
    releases = set()
    for row in rows:
        key = (row["release"].strip(), row["version"].strip())  # the loader trims cells
        releases.add(key)
        comp = row["component"]
        kind = license_rule(row["component_license"]).kind
        types = COMPONENT_TYPES.get(comp, (None, ()))[1]
        if kind in ("code", "any") or (kind == "content" and {"data", "document"} & set(types)):
            met[key].add(comp)
    expected = {}
    for key in releases:
        levels = [all(c in met[key] for c in REQUIRED[n]) for n in (3, 2, 1)]
        expected[key] = "I" if all(levels) else "II" if all(levels[:2]) else "III" if levels[0] else "none"
    return expected


def test_real_classes_match_row_by_row_computation(bundled_backend):
    expected = _expected_classes()
    result, frame = _run(bundled_backend)
    got = {
        (r.release, r.version if isinstance(r.version, str) else ""): r.mof_class for r in frame.itertuples(index=False)
    }
    assert got == expected
    assert len(got) > 250
    summary = bundled_backend.execute(run(mof.METRIC, MetricContext(bundled_backend, by="region")).table)
    assert summary.releases.sum() == len(expected)
    assert summary.class_i.sum() == sum(c == "I" for c in expected.values())
