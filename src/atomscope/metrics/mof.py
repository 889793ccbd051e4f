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

Each component's license is resolved as the tool's ModelEvaluator::resolveLicense does: the component's own
license when the entry gives one ('unlicensed' stays unlicensed), else the release's global license for the
component's content type (`global_license_code` / `_data` / `_document`; content types from
mof.settings.yml, sources/mof.py CONTENT_TYPE), else the distribution-wide `global_license_distribution`,
else none (unlicensed).

A required component counts as met when its resolved license is an open license - one definition for all of
atomscope, domain/licenses.py `is_open_license` (OSI-approved code licenses, open data / content licenses,
OpenMDW; spelling variants such as "Apache 2.0" are normalised). As in the tool, an open license that is
not type-appropriate (a content license on code, an OSI code license on data or documents) still meets the
component; the tool then shows a conditional pass - `conditional` here. Type-appropriateness is read from
the license's kind (code licenses fit code, open data / content licenses fit data and documents, OpenMDW
fits all), an approximation of the tool's per-license content types (mof-licenses.json, which also lists
Apache-2.0 for documents); it does not change any class. A release (name + version) listed by
more than one YAML file is pooled: a component is met when any of its entries meets it. A component that is
missing, unlicensed, "Component not included", proprietary, non-commercial or otherwise restricted (Llama,
Gemma, OpenRAIL ...) is not met. The Technical report may be omitted when the Research paper is met
(ModelEvaluator::handleTechnicalReportOmission): its slot then counts as met in every class.

Source followed: White et al. (2024), "The Model Openness Framework", LF AI & Data (MOF 1.0); the Model
Openness Tool, github.com/lfai/model_openness_tool (MIT).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.licenses import license_class_expr, license_kind_expr, open_license_expr, open_weight_expr
from atomscope.metrics.base import Metric, MetricContext, MetricResult, planned_result, register
from atomscope.metrics.common import attribute, count_true, unresolved_plan, within
from atomscope.present.hints import ChartHint
from atomscope.sources.mof import CONTENT_TYPE

# the MOF class that requires each component (None: optional), from mof.settings.yml
REQUIRED_BY: dict[str, int | None] = {
    "Model architecture": 3,
    "Model parameters (Final)": 3,
    "Technical report": 3,
    "Evaluation results": 3,
    "Model card": 3,
    "Data card": 3,
    "Sample model outputs": None,
    "Training code": 2,
    "Inference code": 2,
    "Evaluation code": 2,
    "Evaluation data": 2,
    "Supporting libraries and tools": None,
    "Datasets": 1,
    "Data preprocessing code": 1,
    "Model parameters (Intermediate)": 1,
    "Research paper": 1,
    "Model metadata": None,
}
REQUIRED = {cls: [c for c, k in REQUIRED_BY.items() if k == cls] for cls in (3, 2, 1)}
COMPONENTS_REQUIRED = sum(len(components) for components in REQUIRED.values())  # 14 in MOF 1.0
TECHNICAL_REPORT, RESEARCH_PAPER = "Technical report", "Research paper"
WEIGHTS = "Model parameters (Final)"
CLASS_ORDER = ("I", "II", "III", "none")
# license kind (domain/licenses.py) -> content types it is written for
KIND_TYPES = {"code": ("code",), "content": ("data", "document"), "any": ("code", "data", "document")}


def resolved_license(comp: ir.Table) -> ir.StringValue:
    """Ibis: the component's own license, else the release's global for its content type, else distribution."""
    content_type = comp.component.cases(*CONTENT_TYPE.items(), else_=None)
    by_type = content_type.cases(
        ("code", comp.global_license_code),
        ("data", comp.global_license_data),
        ("document", comp.global_license_document),
        else_=ibis.null("string"),
    )

    def given(col: ir.StringValue) -> ir.StringValue:
        return ibis.ifelse(col.strip() == "", ibis.null("string"), col)

    return ibis.coalesce(given(comp.component_license), given(by_type), given(comp.global_license_distribution))


def type_appropriate(component: ir.StringValue, license_col: ir.StringValue) -> ir.BooleanValue:
    """Ibis: the license is written for the component's content type (the tool's isTypeAppropriate)."""
    kind = license_kind_expr(license_col)
    fits = [
        (kind == k) & component.isin([c for c, t in CONTENT_TYPE.items() if t in types])
        for k, types in KIND_TYPES.items()
    ]
    return ibis.or_(*fits).fill_null(False)


def releases(ctx: MetricContext) -> ir.Table:
    """One row per MOF release with met-component counts, class and weights license."""
    comp = within(ctx.table("mof_components"), "date", ctx)
    comp = comp.mutate(license=resolved_license(comp))
    comp = comp.mutate(met=open_license_expr(license_class_expr(comp.license)))
    comp = comp.mutate(off_type=comp.met & ~type_appropriate(comp.component, comp.license))
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
        report_met=count_true(comp.met & (comp.component == TECHNICAL_REPORT)) > 0,
        paper_met=count_true(comp.met & (comp.component == RESEARCH_PAPER)) > 0,
        weights_license=comp.license.max(where=weights),
        conditional=count_true(comp.off_type) > 0,
    )
    # the Research paper stands in for a Technical report that is not met
    stand_in = (~per_release.report_met & per_release.paper_met).cast("int64")
    per_release = per_release.mutate(met_iii=per_release.met_iii + stand_in)
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
        progress_pct=(per_release.met_iii + per_release.met_ii + per_release.met_i).cast("float64")
        * 100.0
        / COMPONENTS_REQUIRED,
        weights_license=per_release.weights_license,
        weights_license_class=per_release.weights_license_class,
        open_weights=per_release.open_weights,
        open_license_weights=open_license_expr(per_release.weights_license_class),
        conditional=per_release.conditional & (per_release.mof_class != "none"),
    )


def compute(ctx: MetricContext) -> MetricResult:
    table = releases(ctx)
    notes = [
        "MOF 1.0 classes are cumulative (I needs II and III); a component counts when its resolved license "
        "(its own, else the release's global for its content type, else the distribution-wide one) is an open "
        "license (domain/licenses.py is_open_license)",
        "conditional: the class is met but some component's open license is not written for its content type "
        "(the tool's conditional pass)",
    ]
    plan = unresolved_plan(table, "releases", notes)
    if ctx.by == "release":
        rank = table.mof_class.cases(*((name, i) for i, name in enumerate(CLASS_ORDER)), else_=len(CLASS_ORDER))
        return planned_result(ctx, table.order_by([rank, table.progress_pct.desc(), table["release"]]), plan)
    summary = table.group_by("region").aggregate(
        releases=table.count(),
        class_i=count_true(table.mof_class == "I"),
        class_ii=count_true(table.mof_class == "II"),
        class_iii=count_true(table.mof_class == "III"),
        unclassified=count_true(table.mof_class == "none"),
        open_weights=count_true(table.open_weights),
        open_license_weights=count_true(table.open_license_weights),
        conditional=count_true(table.conditional),
        # the components met, summed as integers and divided once: the same bits on every run (a mean of the
        # float percentages depends on DuckDB's parallel summation order in its last digit)
        mean_progress_pct=(table.class_iii_met + table.class_ii_met + table.class_i_met).sum().cast("float64")
        * 100.0
        / (table.count() * COMPONENTS_REQUIRED),
    )
    return planned_result(ctx, summary.order_by([ibis.desc("releases"), "region"]), plan)


METRIC = register(
    Metric(
        name="mof",
        title="Model Openness Framework classes",
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
            "weights_license": "resolved license of Model parameters (Final) (--by release)",
            "weights_license_class": "its class (domain/licenses.py) (--by release)",
            "open_weights": "weights license is an open-weight class (releases with it, --by region)",
            "open_license_weights": "weights under an open license (is_open_license) (releases with it, --by region)",
            "conditional": "class met with an open license not written for a component's content type",
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
        chart=ChartHint(
            ("progress_pct", "releases", "class_i", "class_ii", "class_iii"),
            place=4,
            by={"release": {"x": "release", "x_type": "nominal", "mark": "bar", "color": "region"}},
        ),
        sql_reads_data=False,
    )
)
