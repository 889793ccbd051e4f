"""Metric `openness`: how open each generative AI system is, from the European Open Source AI Index.

Input: `osai_systems` (osai-index.eu, one row per system, with `open` / `partial` / `closed` on 12
dimensions). Origins: `organization` resolved through the curated registry (`attribute(..., "osai")`),
unresolved names form the group `unresolved`. --since/--until filter the published release month.

Formula, per system:

* each dimension scores open = 1, partial = 0.5, closed = 0 (a missing or other rating scores NULL and
  counts 0 in the total): datasources_basemodel, datasources_endmodel, weights_basemodel,
  weights_endmodel, trainingcode, code, hardware_architecture, preprint, paper, modelcard, datasheet,
  licenses;
* openness_total = the sum of the 12 scores (0..12); openness_pct = 100 * openness_total / 12;
  open_dimensions = how many of the 12 are rated open;
* open_materials - the ATOM Project's "truly open model" materials (weights, data and code), read on the
  OSAI ratings as ALL of: open weights (weights_endmodel = open), open training data
  (datasources_endmodel = open AND datasources_basemodel = open: the data of every training stage, so a
  fine-tune of a closed-data base model does not qualify) and open training code (trainingcode = open).
  A `partial` rating on any of the four is not enough;
* open_license - the index's own `licenses` dimension is rated open AND the end model's license is an
  open license: class permissive (OSI-approved code licenses, permissive or copyleft; open data / content
  licenses) by domain/licenses.py `is_open_license`, the one definition atomscope uses wherever "open" is
  decided from a license. Non-commercial, research-only and use-restricted (RAIL, community) licenses fail;
* truly_open = open_materials AND open_license: anyone may download, study, adapt and run the system for
  any purpose - the Open Source Initiative's Open Source AI Definition 1.0 (opensource.org/ai: the
  freedoms to use, study, modify and share "for any purpose without having to ask for permission") and the
  ATOM Project's argument (anyone can download, adapt and run it);
* open_but_restricted = open_materials AND NOT open_license: would be truly open but for its license
  (e.g. Arabic StableLM, non-commercial research license; AudioLDM, CC-BY-NC-SA-4.0; Instella,
  research-only RAIL);
* license_class: the end model's license through domain/licenses.py.

`--by region` summarizes per region: systems, truly_open_systems and their share, open_but_restricted_systems,
mean openness_pct,
and how many systems have open weights / open training data (both stages) / open training code.

Source followed: Liesenfeld & Dingemanse (2024), "Rethinking open source generative AI: open-washing and
the EU AI Act", ACM FAccT 2024 (the index's 0/0.5/1 scoring, osai-index.eu, CC BY 4.0); the "truly
open" definition of The ATOM Project (atomproject.ai: open weights, data and training code).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.licenses import license_class_expr, open_license_expr
from atomscope.metrics.base import Metric, MetricContext, MetricResult, ReportPart, planned_result, register
from atomscope.metrics.common import attribute, count_true, unresolved_plan, within
from atomscope.metrics.frames import MetricData, Unavailable, metric_frame
from atomscope.present import charts
from atomscope.present.hints import ChartHint
from atomscope.present.layout import Chart, Section, Table
from atomscope.present.wording import RIVALS, Finding, noun, percent
from atomscope.sources.osai import DIMENSIONS

SCORES = {"open": 1.0, "partial": 0.5, "closed": 0.0}
TRULY_OPEN_REQUIRES = ("weights_endmodel", "datasources_endmodel", "datasources_basemodel", "trainingcode")


def _score(rating: ir.StringValue) -> ir.FloatingValue:
    text = rating.strip().lower()
    null = ibis.null("float64")
    return ibis.cases(*((text == name, ibis.literal(value)) for name, value in SCORES.items()), else_=null)


def _is_open(rating: ir.StringValue) -> ir.BooleanValue:
    return (rating.strip().lower() == "open").fill_null(False)


def systems(ctx: MetricContext) -> ir.Table:
    """One row per OSAI system with its scores, total, truly_open flag and origin."""
    osai = ctx.table("osai_systems")
    osai = osai.mutate(release_month_start=(osai["release_date"] + "-01").cast("date"))
    osai = within(osai, "release_month_start", ctx)
    osai = attribute(osai, "organization", ctx, "osai")
    scores = {name: _score(osai[name]) for name in DIMENSIONS}
    total = sum((value.fill_null(0.0) for value in scores.values()), ibis.literal(0.0))
    open_dims = sum((_is_open(osai[name]).cast("int64") for name in DIMENSIONS), ibis.literal(0))
    open_materials = _is_open(osai[TRULY_OPEN_REQUIRES[0]])
    for name in TRULY_OPEN_REQUIRES[1:]:
        open_materials = open_materials & _is_open(osai[name])
    license_class = license_class_expr(osai.end_model_license)
    open_license = _is_open(osai.licenses) & open_license_expr(license_class)
    return osai.select(
        system=osai.system,
        org=osai.org_name,
        region=osai.region,
        national_origin=osai.national_origin,
        type=osai["type"],
        release_date=osai["release_date"],
        end_model_license=osai.end_model_license,
        license_class=license_class,
        **scores,
        openness_total=total,
        openness_pct=total * 100.0 / len(DIMENSIONS),
        open_dimensions=open_dims,
        open_license=open_license,
        truly_open=open_materials & open_license,
        open_but_restricted=open_materials & ~open_license,
        open_weights=_is_open(osai.weights_endmodel),
        open_data=_is_open(osai.datasources_endmodel) & _is_open(osai.datasources_basemodel),
        open_training_code=_is_open(osai.trainingcode),
    )


def compute(ctx: MetricContext) -> MetricResult:
    table = systems(ctx)
    notes = [
        "truly_open = open weights (end model) AND open training data (end model AND base model) "
        "AND open training code AND an open license (the index's licensing dimension open and the end model's "
        "license permissive or copyleft, domain/licenses.py); partial ratings do not count",
        "open_but_restricted = the weights, data and code are open but the license is not (non-commercial, "
        "research-only, use-restricted)",
    ]
    plan = unresolved_plan(table, "systems", notes)
    if ctx.by == "system":
        ordered = table.order_by(
            [table.truly_open.desc(), table.open_but_restricted.desc(), table.openness_total.desc(), table.system]
        )
        return planned_result(ctx, ordered.drop("open_weights", "open_data", "open_training_code"), plan)
    summary = table.group_by("region").aggregate(
        systems=table.count(),
        truly_open_systems=count_true(table.truly_open),
        open_but_restricted_systems=count_true(table.open_but_restricted),
        mean_openness_pct=table.openness_pct.mean(),
        open_weights_systems=count_true(table.open_weights),
        open_data_systems=count_true(table.open_data),
        open_training_code_systems=count_true(table.open_training_code),
    )
    summary = summary.mutate(truly_open_share=summary.truly_open_systems / summary.systems)
    summary = summary.select(
        "region",
        "systems",
        "truly_open_systems",
        "truly_open_share",
        "open_but_restricted_systems",
        "mean_openness_pct",
        "open_weights_systems",
        "open_data_systems",
        "open_training_code_systems",
    ).order_by([ibis.desc("systems"), "region"])
    return planned_result(ctx, summary, plan)


_DIMENSION_DOCS = {name: f"OSAI rating of {name}: open 1, partial 0.5, closed 0 (--by system)" for name in DIMENSIONS}

SRC_OSAI = (
    "metric `openness --by region` over table `osai_systems` (osai_openness.csv: European Open Source AI "
    "Index, CC BY 4.0)"
)


TRULY_OPEN_COLUMNS = {
    "system": "System",
    "org": "Organization",
    "region": "Region",
    "type": "Type",
    "release_date": "Released",
    "end_model_license": "License",
    "openness_pct": "Openness %",
}

RESTRICTED_COLUMNS = {
    **TRULY_OPEN_COLUMNS,
    "license_class": "License class",
    "index_licensing": "Index: licensing",
}


RATING_OF_SCORE = {1.0: "open", 0.5: "partial", 0.0: "closed"}


def section(md: MetricData) -> Section:
    section = Section(
        "openness",
        "How open are open models?",
        "Ratings of the European Open Source AI Index on 12 dimensions (open 1, partial ½, closed 0). Truly "
        "open, as the ATOM Project uses it: open weights, open training data and open training code, under an "
        "open license (the index's licensing dimension open and a permissive or copyleft end-model license, "
        "as the OSI's Open Source AI Definition requires: use for any purpose).",
    )
    df = metric_frame(section, md, "openness", "region")
    if df is None:
        return section
    truly = df[["region", "systems", "truly_open_systems", "open_but_restricted_systems"]]
    section.charts.append(
        Chart(
            "openness_truly_open",
            "Truly open systems by region",
            "Systems rated open on end-model weights, training data of base and end model, and training code, "
            "under an open license; labels give truly open / all systems rated. The data's "
            "open_but_restricted_systems column counts those open in all but their license.",
            SRC_OSAI,
            truly,
            charts.region_bars(
                truly,
                "truly_open_systems",
                x_title="Truly open systems",
                label="datum.truly_open_systems + ' of ' + datum.systems",
            ),
        )
    )
    pct = df[["region", "mean_openness_pct"]]
    section.charts.append(
        Chart(
            "openness_region",
            "Mean openness score by region (% of the 12 dimensions)",
            "Average over the region's systems of the index's 0–12 score, as a percentage.",
            SRC_OSAI,
            pct,
            charts.region_bars(pct, "mean_openness_pct", x_title="Mean openness (%)", value_format=".1f"),
        )
    )
    systems = metric_frame(section, md, "openness", "system")
    if systems is not None:
        listed = systems[systems["truly_open"]]
        listed = listed[["system", "org", "region", "type", "release_date", "end_model_license", "openness_pct"]]
        listed = listed.assign(openness_pct=listed["openness_pct"].round(1)).rename(columns=TRULY_OPEN_COLUMNS)
        section.tables.append(
            Table(
                "truly_open_list",
                f"The truly open systems ({len(listed)})",
                "Ordered by openness score; organization as resolved through the atomscope registry.",
                SRC_OSAI.replace("--by region", "--by system"),
                listed.reset_index(drop=True),
            )
        )
        restricted = systems[systems["open_but_restricted"]]
        restricted = restricted.assign(
            index_licensing=restricted["licenses"].map(RATING_OF_SCORE),
            openness_pct=restricted["openness_pct"].round(1),
        )
        restricted = restricted[
            ["system", "org", "region", "type", "end_model_license", "license_class", "index_licensing", "openness_pct"]
        ].rename(columns=RESTRICTED_COLUMNS)
        section.tables.append(
            Table(
                "open_but_restricted_list",
                f"Open but restricted: excluded for their license ({len(restricted)})",
                "Open weights, training data and training code, but the end-model license is not open (non-commercial, "
                "research-only or use-restricted, by domain/licenses.py) or the index does not rate licensing open.",
                SRC_OSAI.replace("--by region", "--by system"),
                restricted.reset_index(drop=True),
            )
        )
    mof = metric_frame(section, md, "mof", "region")
    if mof is not None:
        data = mof[["region", "releases", "mean_progress_pct"]]
        section.charts.append(
            Chart(
                "mof_progress",
                "Model Openness Framework: share of required components openly licensed",
                "Mean over each region's MOF entries of the 14 components MOF 1.0 requires for Class I that carry a "
                "fitting open license; labels give the number of entries.",
                "metric `mof --by region` over table `mof_components` (mof_components.csv: lfai/model_openness_tool)",
                data,
                charts.region_bars(
                    data,
                    "mean_progress_pct",
                    x_title="Required components met (%)",
                    label="format(datum.mean_progress_pct, '.1f') + '% of ' + datum.releases + ' entries'",
                ),
            )
        )
    return section


def findings(md: MetricData) -> list[Finding]:
    try:
        df = md.get("openness", "region").frame
    except Unavailable:
        return []
    if df.empty:
        return []
    systems, truly = int(df["systems"].sum()), int(df["truly_open_systems"].sum())
    restricted = int(df["open_but_restricted_systems"].sum())
    text = (
        f"Of the {systems} systems rated by the European Open Source AI Index, {truly} are truly open "
        f"(open weights, training data and training code, under an open license)"
    )
    values = {"systems": systems, "truly_open": truly, "open_but_restricted": restricted}
    rows = df.set_index("region")
    parts = []
    for region in RIVALS[::-1]:
        if region in rows.index:
            r = rows.loc[region]
            parts.append(
                f"{int(r['truly_open_systems'])} of {noun(region)}'s {int(r['systems'])} "
                f"({percent(r['truly_open_share'])})"
            )
            values[region] = {
                "truly_open": int(r["truly_open_systems"]),
                "systems": int(r["systems"]),
                "share": float(r["truly_open_share"]),
            }
    if parts:
        text += ": " + " and ".join(parts)
    if restricted:
        text += f". {restricted} more would be but for their license (non-commercial, research-only or use-restricted)"
    return [Finding("openness_truly_open", text + ".", "openness_truly_open", values)]


METRIC = register(
    Metric(
        name="openness",
        title="Openness index (OSAI)",
        summary="European Open Source AI Index openness per system (12 dimensions) and truly-open systems by region",
        source="Liesenfeld & Dingemanse (2024), FAccT; osai-index.eu; ATOM Project 'truly open' definition",
        columns={
            "system": "OSAI system name (--by system)",
            "org": "organization, resolved through the registry (--by system)",
            "region": "region of the organization (us, china, eu, other, unknown, unresolved)",
            "national_origin": "national origin as OSAI publishes it (--by system)",
            "type": "modality (--by system)",
            "release_date": "release month YYYY-MM (--by system)",
            "end_model_license": "end model license as published (--by system)",
            "license_class": "its class (domain/licenses.py) (--by system)",
            **_DIMENSION_DOCS,
            "openness_total": "sum of the 12 dimension scores, 0..12 (--by system)",
            "openness_pct": "100 * openness_total / 12 (--by system)",
            "open_dimensions": "number of dimensions rated open (--by system)",
            "open_license": "index's licensing dimension open and end-model license open (--by system)",
            "truly_open": "open weights, training data (end and base model), training code, and an open license",
            "open_but_restricted": "open weights, data and code, but not an open license (--by system)",
            "systems": "systems in the region (--by region)",
            "truly_open_systems": "truly open systems in the region (--by region)",
            "truly_open_share": "truly_open_systems / systems (--by region)",
            "open_but_restricted_systems": "systems open but for their license (--by region)",
            "mean_openness_pct": "mean openness_pct (--by region)",
            "open_weights_systems": "systems with open end-model weights (--by region)",
            "open_data_systems": "systems with open training data, end and base model (--by region)",
            "open_training_code_systems": "systems with open training code (--by region)",
        },
        compute=compute,
        by_choices=("system", "region"),
        default_by="system",
        report=ReportPart(30, lambda inputs: [section(inputs.md)], lambda inputs: findings(inputs.md)),
        chart=ChartHint(
            ("openness_pct", "truly_open_share", "open_but_restricted_systems", "mean_openness_pct"), place=3
        ),
        sql_reads_data=False,
    )
)
