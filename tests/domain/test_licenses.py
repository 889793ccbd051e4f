"""The license classifier: named cases, and Python == Ibis on every license string of the bundled sources."""

from __future__ import annotations

import csv
from importlib import resources

import ibis
import pytest

from atomscope.domain.licenses import (
    RULES,
    LicenseClass,
    classify_license,
    is_open_weight,
    license_class_expr,
    license_key,
    license_key_expr,
    license_kind_expr,
    license_rule,
    open_weight_expr,
)

P = LicenseClass.PERMISSIVE
R = LicenseClass.OPEN_WEIGHT_RESTRICTED
NC = LicenseClass.NON_COMMERCIAL
PROP = LicenseClass.PROPRIETARY
U = LicenseClass.UNKNOWN

SOURCE_COLUMNS = {
    "lmarena_text_history.csv": "license",
    "osai_openness.csv": "end_model_license",
    "mof_components.csv": "component_license",
    "open_llm_leaderboard_v2.csv": "metadata_hub_license",
}


def _distinct_source_licenses() -> list[str]:
    folder = resources.files("atomscope") / "data"
    found: set[str] = set()
    for name, column in SOURCE_COLUMNS.items():
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            found.update(row[column] for row in csv.DictReader(handle))
    return sorted(found)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Apache 2.0", P),
        ("Apache-2.0", P),
        ("apache-2.0", P),
        ("MIT License", P),
        ("BSD 3-Clause", P),
        ("GNU General Public License v3.0", P),
        ("CC-BY-4.0", P),
        ("CDLA-Permissive-2.0", P),
        ("Llama 3.1 Community", R),
        ("Llama-3.3", R),
        ("llama3.1", R),
        ("Gemma license", R),
        ("Qianwen LICENSE", R),
        ("tongyi-qianwen-license-agreement", R),
        ("DeepSeek License", R),
        ("Yi License", R),
        ("NVIDIA Open Model", R),
        ("Jamba Open", R),
        ("AI2 ImpACT Low-risk", R),
        ("Falcon-180B TII License", R),
        ("DBRX LICENSE", R),
        ("creativeml-openrail-m", R),
        ("Modified MIT", R),
        ("CC-BY-NC-4.0", NC),
        ("CC-BY-NC-SA-4.0", NC),
        ("Non-commercial", NC),
        ("Mistral Research", NC),
        ("MRL", NC),
        ("tongyi-qianwen-research", NC),
        ("Apache-2.0 and CC-BY-NC-4.0 and additional terms", NC),
        ("Proprietary", PROP),
        ("Propretary", PROP),
        ("", U),
        ("   ", U),
        (None, U),
        ("N/A", U),
        ("Other", U),
        ("other", U),
        ("Unknown (Apache-2.0?)", U),
        ("unlicensed", U),
        ("Component not included", U),
        ("something nobody has heard of", U),
    ],
)
def test_named_cases(raw, expected):
    assert classify_license(raw) is expected


def test_spelling_variants_share_a_key():
    assert license_key("Apache 2.0") == license_key("Apache-2.0") == license_key("apache-2.0") == "Apache-2.0"
    assert license_key("Nvidia Open") == license_key("NVIDIA Open Model") == "NVIDIA Open Model"


def test_unlicense_is_not_unlicensed():
    assert classify_license("Unlicense") is P
    assert classify_license("unlicensed") is U


def test_is_open_weight():
    assert is_open_weight(P) and is_open_weight(R) and is_open_weight(NC)
    assert not is_open_weight(PROP) and not is_open_weight(U)
    assert is_open_weight("non_commercial")
    assert not is_open_weight(classify_license("N/A"))


def test_open_licenses_have_a_kind_and_others_none():
    for rule in RULES:
        assert (rule.kind is not None) == (rule.cls is P), rule
    assert license_rule("MIT").kind == "code"
    assert license_rule("CC-BY-SA-4.0").kind == "content"


def test_python_and_ibis_agree_on_every_source_license():
    strings = _distinct_source_licenses()
    assert len(strings) > 150  # the four files really were read
    con = ibis.duckdb.connect()
    table = ibis.memtable({"lic": [*strings, None]})
    result = (
        con.execute(
            table.select(
                table.lic,
                cls=license_class_expr(table.lic),
                key=license_key_expr(table.lic),
                kind=license_kind_expr(table.lic),
                open=open_weight_expr(license_class_expr(table.lic)),
            )
        )
        .astype(object)
        .where(lambda frame: frame.notna(), None)
    )
    assert len(result) == len(strings) + 1
    disagreements = []
    for row in result.itertuples(index=False):
        rule = license_rule(row.lic)
        expected = (rule.cls.value, rule.key, rule.kind, is_open_weight(rule.cls))
        if (row.cls, row.key, row.kind, bool(row.open)) != expected:
            disagreements.append((row.lic, (row.cls, row.key, row.kind, row.open), expected))
    assert disagreements == []


def test_every_source_string_is_classified_sensibly():
    strings = _distinct_source_licenses()
    classes = {s: classify_license(s) for s in strings}
    # every class occurs in the real data
    assert set(classes.values()) == set(LicenseClass)
    # no string naming Apache / MIT without restriction words ends up unknown
    for s, cls in classes.items():
        low = s.lower()
        if low in {"apache-2.0", "apache 2.0", "mit", "mit license"}:
            assert cls is P, s
        if "llama" in low and low != "llama license agreement":  # LLaMA-1: research-only, still open weight
            assert is_open_weight(cls), s


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("arena_scores", "license"),
        ("osai_systems", "end_model_license"),
        ("mof_components", "component_license"),
        ("leaderboard_v2", "hub_license"),
    ],
)
def test_python_and_ibis_agree_inside_the_bundled_warehouse(bundled_backend, table, column):
    t = bundled_backend.table(table)
    distinct = t.select(lic=t[column]).distinct()
    frame = bundled_backend.execute(distinct.mutate(cls=license_class_expr(distinct.lic)))
    assert len(frame) > 1
    for row in frame.itertuples(index=False):
        raw = row.lic if isinstance(row.lic, str) else None
        assert row.cls == classify_license(raw).value, raw
