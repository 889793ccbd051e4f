"""The `runnability` metric's report section "What you can run yourself" and its findings (kept apart from
runnability.py, the query, for length; runnability.py registers them).

Per hardware class, the best open-weight LMArena model of each region that fits it at q4 on the latest
snapshot, and since when it has led; and the share of each region's tracked models that fit a laptop
(16 GB) or one GPU (24 GB consumer, 80 GB datacenter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atomscope.domain import regions
from atomscope.domain.hardware import BEST_QUANTIZATION, CLASS_LABELS, CLASS_ORDER
from atomscope.metrics.frames import MetricData, Unavailable, metric_frame
from atomscope.present import charts
from atomscope.present.layout import Chart, Section, Table
from atomscope.present.wording import RIVALS, Finding, day, noun, percent

if TYPE_CHECKING:
    import pandas as pd

SRC_FIT = (
    "metric `runnability --by region` over tables `models`, `model_facts` (atom_tracked_models.csv, "
    "atom_model_parameters.csv, Hub safetensors totals)"
)
SRC_BEST = (
    "metric `runnability --by best` over tables `arena_scores` (lmarena_text_history.csv), `arena_model_repos`, "
    "`arena_open_weight_corrections`, `model_facts`"
)
LAPTOP_LABEL = "format(datum.share_fit, '.0%') + ' (' + datum.models_fit + ' of ' + datum.models_known + ')'"
FIT_CLASSES = {"16gb": "laptop (16 GB)", "24gb": "consumer GPU (24 GB)", "80gb": "one datacenter GPU (80 GB)"}


def _day(value) -> str:
    import pandas as pd

    return pd.Timestamp(value).date().isoformat()


def best_table(best: pd.DataFrame) -> pd.DataFrame:
    """One row per hardware class of the latest snapshot: each region's best fitting model and its lead."""
    import pandas as pd

    latest = best[best["snapshot_date"] == best["snapshot_date"].max()]
    rows = []
    for hardware in CLASS_ORDER:
        picks = latest[latest["hardware_class"] == hardware]
        if picks.empty:
            continue
        row = {"hardware": CLASS_LABELS[hardware]}
        for pick in picks.sort_values("arena_score", ascending=False).itertuples():
            row[pick.region] = (
                f"{pick.arena_model} ({pick.arena_score:.0f}; {pick.memory_gb:.0f} GB; "
                f"since {_day(pick.leading_since)})"
            )
        rows.append(row)
    frame = pd.DataFrame(rows)
    present = [r for r in regions.ordered(latest["region"].dropna()) if r in frame.columns]
    return frame[["hardware", *present]].fillna("–").rename(columns=regions.LABELS)


def fit_table(fit: pd.DataFrame) -> pd.DataFrame:
    q4 = fit[(fit["quantization"] == BEST_QUANTIZATION) & fit["hardware_class"].isin(FIT_CLASSES)]
    table = q4.pivot_table(index="region", columns="hardware_class", values="share_fit", aggfunc="first")
    table = table.reindex(columns=list(FIT_CLASSES)).rename(columns={k: f"fits {v}" for k, v in FIT_CLASSES.items()})
    known = q4.drop_duplicates("region").set_index("region")["models_known"]
    table = (table * 100).round(1).assign(models_with_known_size=known)
    order = [r for r in regions.ordered(table.index) if r in table.index]
    table = table.loc[order].rename_axis(columns=None).reset_index()
    return table.replace({"region": regions.LABELS})


def section(md: MetricData) -> Section:
    section = Section(
        "runnability",
        "What you can run yourself",
        "Companies with confidential data need models that run on their own hardware. Memory = parameters × "
        "bits / 8 × 1.2 (a mixture-of-experts model needs all its parameters); at 4-bit quantization (q4), "
        "which open models fit a laptop, one GPU or one server, and whose are the best of them?",
    )
    best = metric_frame(section, md, "runnability", "best")
    if best is not None:
        day = _day(best["snapshot_date"].max())
        section.tables.append(
            Table(
                "runnability_best",
                f"Best open-weight model that fits each hardware class at q4, by region (LMArena {day})",
                "Arena score; q4 memory; 'since' = the first snapshot of its unbroken lead in that class and region. "
                "Only arena entries mapped to a Hub repository with known parameters count.",
                SRC_BEST,
                best_table(best),
            )
        )
    fit = metric_frame(section, md, "runnability", "region")
    if fit is not None:
        laptop = fit[(fit["quantization"] == BEST_QUANTIZATION) & (fit["hardware_class"] == "16gb")]
        laptop = laptop[["region", "models_fit", "models_known", "share_fit"]].reset_index(drop=True)
        section.charts.append(
            Chart(
                "runnability_laptop",
                "Share of each region's tracked models that run on a 16 GB laptop at q4",
                "Models whose q4 memory (parameters × 0.6 GB per billion) is at most 16 GB, over the region's tracked "
                "models with known parameters.",
                SRC_FIT,
                laptop,
                charts.region_bars(
                    laptop,
                    "share_fit",
                    x_title="Share of the region's models",
                    value_format=".0%",
                    axis_format=".0%",
                    label=LAPTOP_LABEL,
                ),
            )
        )
        section.tables.append(
            Table(
                "runnability_fit",
                "Percent of each region's tracked models that fit, at q4",
                "A model fitting a smaller class fits the larger ones too.",
                SRC_FIT,
                fit_table(fit),
            )
        )
    return section


GPU_CLASS = "24gb"
LAPTOP_CLASS = "16gb"


def findings(md: MetricData) -> list:
    """The best open model for a consumer GPU, with the rivals' best; laptop shares of China and the US."""

    out = []
    try:
        best = md.get("runnability", "best").frame
        fit = md.get("runnability", "region").frame
    except Unavailable:
        return []
    if not best.empty:
        latest = best[(best["snapshot_date"] == best["snapshot_date"].max()) & (best["hardware_class"] == GPU_CLASS)]
        if not latest.empty:
            ranked = latest.sort_values(["arena_score", "arena_model"], ascending=[False, True])
            top = ranked.iloc[0]
            text = (
                f"On a {CLASS_LABELS[GPU_CLASS]} at 4-bit, the best open-weight model on LMArena "
                f"({day(top.snapshot_date)}) is {top.arena_model} from {noun(top.region)} (score "
                f"{top.arena_score:.0f}, {top.memory_gb:.0f} GB), {noun(top.region)}'s best for that class since "
                f"{day(top.leading_since)}"
            )
            rival = next((r for r in RIVALS if r != top.region and r in set(ranked.region)), None)
            if rival is not None:
                other = ranked[ranked.region == rival].iloc[0]
                text += f"; {noun(rival)}'s best that fits is {other.arena_model} ({other.arena_score:.0f})"
            values = {
                "snapshot_date": day(top.snapshot_date),
                "model": top.arena_model,
                "region": top.region,
                "score": float(top.arena_score),
                "leading_since": day(top.leading_since),
            }
            out.append(Finding("runnability_gpu", text + ".", "runnability_best", values))
    laptop = fit[(fit["quantization"] == BEST_QUANTIZATION) & (fit["hardware_class"] == LAPTOP_CLASS)]
    shares = laptop.set_index("region")
    if all(r in shares.index for r in RIVALS):
        a, b = (shares.loc[r] for r in RIVALS)
        text = (
            f"At 4-bit, {percent(a.share_fit)} of {noun(RIVALS[0])}'s tracked models of known size fit a 16 GB laptop "
            f"({int(a.models_fit)} of {int(a.models_known)}), against {percent(b.share_fit)} of "
            f"{noun(RIVALS[1])}'s ({int(b.models_fit)} of {int(b.models_known)})."
        )
        values = {
            r: {"fit": int(shares.loc[r, "models_fit"]), "known": int(shares.loc[r, "models_known"])} for r in RIVALS
        }
        out.append(Finding("runnability_laptop", text, "runnability_laptop", values))
    return out
