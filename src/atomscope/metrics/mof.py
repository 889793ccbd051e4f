"""Metric `mof`: the Model Openness Framework 1.0 class (I, II, III or none) of each MOF release.

Input: `mof_components` (the lfai/model_openness_tool `models/*.yml` entries: one row per release and
component with the component's license). Origins: `producer` resolved through the curated registry
(`attribute(..., "mof")`). --since/--until filter the entry's `date`.

MOF 1.0 rules, as configured in the Model Openness Tool (web/modules/mof/config/install/mof.settings.yml
and src/ModelEvaluator.php of lfai/model_openness_tool). Classes are cumulative: Class II needs every
Class III component too, Class I every Class II and III component.

* Class III - Open Model: Model architecture, Model parameters (Final), Technical report, Evaluation
  results, Model card, Data card (Sample model outputs optional).
* Class II - Open Tooling: + Training code, Inference code, Evaluation code, Evaluation data
  (Supporting libraries and tools optional).
* Class I - Open Science: + Datasets, Data preprocessing code, Model parameters (Intermediate),
  Research paper (Model metadata optional).

A required component counts as met when the release lists it with an open license acceptable for its
content type (COMPONENT_TYPES below, from mof.settings.yml). Licenses are normalised by
domain/licenses.py: an OSI-approved license (kind `code`) meets any component - the tool accepts it and
only warns that a type-appropriate license should be used; an open data / content license (kind
`content`: CC-BY, CC-BY-SA, CC0, CDLA-Permissive, ODC-By, PDDL) meets components whose content type
includes data or documentation, not pure code; OpenMDW meets any. A release (name + version) listed
by more than one YAML file is pooled: a component is met when any of its entries meets it. A component
that is missing, has no license, is "unlicensed", "Component not included", proprietary,
non-commercial or otherwise restricted (Llama, Gemma, OpenRAIL ...) is not met.

`conditional_iii` reports the tool's conditional Class III pass (any of Model parameters (Final),
Technical report, Evaluation results, Model card, Data card under an OSI-approved license); it is shown
but does not change `mof_class`, which follows the framework's rule that every component be met.

Limitation: the bundled `mof_components` keeps component-level licenses only. Release-wide licenses of
the YAML files (`license.distribution`, per-type globals), which the tool falls back on for components
without their own license, are not in it, so such components count as unlicensed here and classes can
be lower than the tool's.

Source followed: White et al. (2024), "The Model Openness Framework", LF AI & Data (MOF 1.0); the Model
Openness Tool, github.com/lfai/model_openness_tool (MIT).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.licenses import license_class_expr, license_kind_expr, open_weight_expr
from atomscope.metrics.base import Metric, MetricContext, MetricResult, register
from atomscope.metrics.common import attribute, count_true, unresolved_note, within

# component -> (MOF class that requires it, or None when optional; content types)
COMPONENT_TYPES: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "Model architecture": (3, ("code",)),
    "Model parameters (Final)": (3, ("data", "code")),
    "Technical report": (3, ("document", "code")),
    "Evaluation results": (3, ("document", "code")),
    "Model card": (3, ("document", "code")),
    "Data card": (3, ("document", "code")),
    "Sample model outputs": (None, ("data", "code", "document")),
    "Training code": (2, ("code",)),
    "Inference code": (2, ("code",)),
    "Evaluation code": (2, ("code",)),
    "Evaluation data": (2, ("data",)),
    "Supporting libraries and tools": (None, ("code",)),
    "Datasets": (1, ("data", "code", "document")),
    "Data preprocessing code": (1, ("code",)),
    "Model parameters (Intermediate)": (1, ("data",)),
    "Research paper": (1, ("document",)),
    "Model metadata": (None, ("data",)),
}
REQUIRED = {cls: [c for c, (k, _) in COMPONENT_TYPES.items() if k == cls] for cls in (3, 2, 1)}
CONTENT_OK = [c for c, (_, types) in COMPONENT_TYPES.items() if {"data", "document"} & set(types)]
CONDITIONAL_III = ["Model parameters (Final)", "Technical report", "Evaluation results", "Model card", "Data card"]
WEIGHTS = "Model parameters (Final)"
CLASS_ORDER = ("I", "II", "III", "none")


def component_met(component: ir.StringValue, license_col: ir.StringValue) -> ir.BooleanValue:
    """Ibis: the component's license is open and fits the component's content type."""
    kind = license_kind_expr(license_col)
    content_fits = (kind == "content") & component.isin(CONTENT_OK)
    return ((kind == "code") | (kind == "any") | content_fits).fill_null(False)


def releases(ctx: MetricContext) -> ir.Table:
    """One row per MOF release with met-component counts, class and weights license."""
    comp = within(ctx.table("mof_components"), "date", ctx)
    comp = comp.mutate(
        met=component_met(comp.component, comp.component_license),
        osi=(license_kind_expr(comp.component_license) == "code").fill_null(False),
    )
    met = {
        f"met_{label}": comp.component.nunique(where=comp.met & comp.component.isin(REQUIRED[cls]))
        for cls, label in ((3, "iii"), (2, "ii"), (1, "i"))
    }
    weights = comp.component == WEIGHTS
    # a release (name + version) listed by two YAML files is one release: its rows are pooled
    per_release = comp.group_by([comp["release"], comp["version"]]).aggregate(
        date=comp["date"].max(),
        producer=comp.producer.max(),
        type=comp["type"].max(),
        **met,
        weights_license=comp.component_license.max(where=weights),
        conditional_iii=comp.component.nunique(where=comp.osi & comp.component.isin(CONDITIONAL_III)) > 0,
    )
    n3, n2, n1 = (len(REQUIRED[c]) for c in (3, 2, 1))
    class_iii = per_release.met_iii == n3
    class_ii = class_iii & (per_release.met_ii == n2)
    class_i = class_ii & (per_release.met_i == n1)
    per_release = per_release.mutate(
        mof_class=ibis.cases((class_i, "I"), (class_ii, "II"), (class_iii, "III"), else_="none"),
        weights_license_class=license_class_expr(per_release.weights_license),
    )
    per_release = per_release.mutate(open_weights=open_weight_expr(per_release.weights_license_class))
    per_release = attribute(per_release, "producer", ctx, "mof")
    return per_release.select(
        release=per_release["release"],
        version=per_release["version"],
        date=per_release["date"],
        producer=per_release.producer,
        org=per_release.org_name,
        region=per_release.region,
        type=per_release["type"],
        mof_class=per_release.mof_class,
        class_iii_met=per_release.met_iii.cast("int64"),
        class_ii_met=per_release.met_ii.cast("int64"),
        class_i_met=per_release.met_i.cast("int64"),
        progress_pct=(per_release.met_iii + per_release.met_ii + per_release.met_i).cast("float64") * 100.0
        / (n3 + n2 + n1),
        weights_license=per_release.weights_license,
        weights_license_class=per_release.weights_license_class,
        open_weights=per_release.open_weights,
        conditional_iii=per_release.conditional_iii,
    )


def compute(ctx: MetricContext) -> MetricResult:
    table = releases(ctx)
    notes = [
        "MOF 1.0 classes are cumulative (I needs II and III); a component counts when its own license is "
        "open and fits its content type",
        "release-wide licenses of the MOF YAML files are not in the bundled data: components relying on them "
        "count as unlicensed, so classes can be lower than on mot.isitopen.ai",
    ]
    notes += unresolved_note(ctx, table, "releases")
    if (ctx.by or "release") == "release":
        rank = table.mof_class.cases(*((name, i) for i, name in enumerate(CLASS_ORDER)), else_=len(CLASS_ORDER))
        return MetricResult(table.order_by([rank, table.progress_pct.desc(), table["release"]]), notes)
    summary = table.group_by("region").aggregate(
        releases=table.count(),
        class_i=count_true(table.mof_class == "I"),
        class_ii=count_true(table.mof_class == "II"),
        class_iii=count_true(table.mof_class == "III"),
        unclassified=count_true(table.mof_class == "none"),
        open_weights=count_true(table.open_weights),
        conditional_iii=count_true(table.conditional_iii),
        mean_progress_pct=table.progress_pct.mean(),
    )
    return MetricResult(summary.order_by([ibis.desc("releases"), "region"]), notes)


METRIC = register(
    Metric(
        name="mof",
        summary="Model Openness Framework 1.0 class (I/II/III/none) per release, and counts by region",
        source="Model Openness Framework 1.0 (LF AI & Data); Model Openness Tool, lfai/model_openness_tool",
        columns={
            "release": "MOF release name (--by release)",
            "version": "release version, e.g. parameter count (--by release)",
            "date": "date of the MOF entry (--by release)",
            "producer": "producer as the MOF entry spells it (--by release)",
            "org": "producer resolved through the registry (--by release)",
            "region": "region of the producer (us, china, eu, other, unknown, unresolved)",
            "type": "language, code, multimodal ... (--by release)",
            "mof_class": "I (open science), II (open tooling), III (open model) or none (--by release)",
            "class_iii_met": f"Class III components met, of {len(REQUIRED[3])} (--by release)",
            "class_ii_met": f"further Class II components met, of {len(REQUIRED[2])} (--by release)",
            "class_i_met": f"further Class I components met, of {len(REQUIRED[1])} (--by release)",
            "progress_pct": "required components met, % of all 14 (--by release)",
            "weights_license": "license of Model parameters (Final) as published (--by release)",
            "weights_license_class": "its class (domain/licenses.py) (--by release)",
            "open_weights": "weights license is an open-weight class (--by release)",
            "conditional_iii": "the tool's conditional Class III pass (OSI license on a Class III artifact)",
            "releases": "releases in the region (--by region)",
            "class_i": "Class I releases (--by region)",
            "class_ii": "Class II releases (--by region)",
            "class_iii": "Class III releases (--by region)",
            "unclassified": "releases meeting no class (--by region)",
            "mean_progress_pct": "mean progress_pct (--by region)",
        },
        compute=compute,
        by_choices=("release", "region"),
        default_by="release",
    )
)
