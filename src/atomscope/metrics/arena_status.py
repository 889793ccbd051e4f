"""One open-weight status per LMArena model, whatever the label of a single snapshot says.

Open weights are a property of a model, not of one leaderboard version: LMArena labelled
`Llama-4-Maverick-03-26-Experimental` "Llama" on 2025-04-06 and "N/A" from 2025-04-08, and the model was never
released. The status of a model (an exact LMArena name) is, in this order:

1. its row in `arena_open_weight_corrections` (curated; each row has a reason and a source), else
2. its LATEST label over the whole bundled history (not only the --since/--until window, so a period's
   answer does not change with the window): open-weight when the license classifies (domain/licenses.py)
   as permissive, open_weight_restricted or non_commercial. The latest label applies to all its snapshots.

`arena_model_repos` (curated) names the tracked Hub repository holding the weights of the open models that
reached an open top 10; `repo_model_id` is NULL for the others. The notes are formatted in
present/arena_notes.py from `status_queries`.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from atomscope.domain.licenses import license_class_expr, open_weight_expr
from atomscope.metrics.base import MetricContext


def _labels(ctx: MetricContext) -> ir.Table:
    """Every snapshot's label read on its own: model, snapshot_date, license, label_open."""
    scores = ctx.table("arena_scores")
    scores = scores.mutate(_label=scores.license.fill_null(""))  # a NULL label classifies as an empty one
    # each distinct label classified once (a few dozen), not each snapshot's row (tens of thousands)
    labels = scores.select("_label").distinct()
    labels = labels.select(_class_label="_label", label_open=open_weight_expr(license_class_expr(labels._label)))
    joined = scores.join(labels, scores._label == labels._class_label)
    return joined.select(
        model=joined.model,
        snapshot_date=joined.snapshot_date.cast("date"),
        license=joined.license,
        label_open=joined.label_open,
    )


def model_status(ctx: MetricContext) -> ir.Table:
    """One row per arena model: model, latest_license, license_class, is_open, corrected, repo_model_id."""
    labels = _labels(ctx)
    window = ibis.window(group_by=labels.model, order_by=labels.snapshot_date.desc())
    latest = labels.mutate(_pos=ibis.row_number().over(window))
    latest = latest.filter(latest._pos == 0).select("model", latest_license=latest.license)
    latest = latest.mutate(license_class=license_class_expr(latest.latest_license))

    fixes = ctx.table("arena_open_weight_corrections")
    fixes = fixes.select(fix_model=fixes.arena_model, fix_open=fixes.open_weights)
    repos = ctx.table("arena_model_repos")
    repos = repos.select(repo_model=repos.arena_model, repo_model_id=repos.model_id)

    joined = latest.left_join(fixes, latest.model == fixes.fix_model)
    joined = joined.left_join(repos, joined.model == repos.repo_model)
    return joined.select(
        "model",
        "latest_license",
        "license_class",
        is_open=joined.fix_open.fill_null(open_weight_expr(joined.license_class)),
        corrected=joined.fix_open.notnull(),
        repo_model_id=joined.repo_model_id,
    )


def status_queries(ctx: MetricContext) -> dict[str, ir.Table]:
    """The queries of the footer notes (formatted by present/arena_notes.py): `fixes`, the corrections applied,
    and `flips`, every model whose label flipped between open and closed."""
    fixes = ctx.table("arena_open_weight_corrections")
    fixes = fixes.select("arena_model", "open_weights", "reason").order_by("arena_model")
    labels = _labels(ctx)
    flips = labels.group_by("model").aggregate(
        kinds=labels.label_open.nunique(),
        first_date=labels.snapshot_date.min(),
        last_date=labels.snapshot_date.max(),
    )
    flips = flips.filter(flips.kinds > 1)
    status = model_status(ctx)
    flips = flips.join(status, "model").select(
        "model", "first_date", "last_date", "latest_license", "is_open", "corrected"
    )
    return {"fixes": fixes, "flips": flips.order_by("model")}
