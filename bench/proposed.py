"""A proposed, engine-neutral speed-up of `metrics/downloads.py`, measured by bench_metrics.py as `ibis-ends`.

Two observations, same numbers (checked by the bench against the metric, hand-written SQL and pandas):

1. Interpolating at month starts only ever reads, for each model, the last point on or before a boundary
   and the first point on or after it; both are the first or the last point of some (model, month). So
   reduce the observed snapshots to the first and last point of each model and month with ONE hash
   aggregation (no sort) and run `interpolate_at` (its window passes and joins) over ~2 rows per
   model-month instead of one row per snapshot day.
2. `first_snapshots` (S0, A0, D30, created_at at S0) can come from that same aggregation (argmin over the
   months), instead of a second scan of hf_snapshots joined back on (model_id, s0). With one scan, DuckDB
   no longer materializes the filtered hf_snapshots as a CTE (Ibis names it once, DuckDB then buffers all
   of it because it is read twice: 490 MB at 10M rows).

`argmin`/`argmax` compile to FIRST(x ORDER BY d) (DuckDB rewrites it to arg_min_null) and to MIN_BY/MAX_BY
on Spark: both keep a NULL x, like the join they replace.

The metric code is its author's; `patched()` swaps these in for the benchmark process only.
"""

from __future__ import annotations

from contextlib import contextmanager

import ibis
import ibis.expr.types as ir


def observed_ends(ctx) -> ir.Table:
    """Per model and month of hf_snapshots (non-null all-time counts): first point (fd, fv) with its
    30-day count and created_at, last point (ld, lv). The only scan of hf_snapshots."""
    snaps = ctx.table("hf_snapshots")
    snaps = snaps.filter(snaps.downloads_all_time.notnull())
    d = snaps.snapshot_date
    return snaps.group_by([snaps.model_id, d.truncate("M").name("m")]).aggregate(
        fd=d.min(),
        fv=snaps.downloads_all_time.cast("float64").argmin(d),
        ld=d.max(),
        lv=snaps.downloads_all_time.cast("float64").argmax(d),
        d30=snaps.downloads_30d.cast("float64").argmin(d),
        created=snaps.created_at.cast("date").argmin(d),
    )


def first_snapshots(ctx) -> ir.Table:
    """Same columns as downloads.first_snapshots: model_id, s0, a0, d30, release."""
    ends = observed_ends(ctx)
    first = ends.group_by("model_id").aggregate(
        s0=ends.fd.min(), a0=ends.fv.argmin(ends.fd), d30=ends.d30.argmin(ends.fd), created=ends.created.argmin(ends.fd)
    )
    facts = ctx.table("model_facts")
    joined = first.left_join(facts, first.model_id == facts.model_id)
    return joined.select("model_id", "s0", "a0", "d30", release=ibis.coalesce(joined.release_date, joined.created))


def points(ctx) -> ir.Table:
    """Same contract as downloads._points, reduced to the first/last observed point per model-month."""
    from atomscope.metrics import downloads as dl

    ends = observed_ends(ctx)
    first_pt = ends.select(model_id=ends.model_id, d=ends.fd, v=ends.fv, virtual=ibis.literal(False))
    last_pt = ends.filter(ends.ld != ends.fd).select(
        model_id=ends.model_id, d=ends.ld, v=ends.lv, virtual=ibis.literal(False)
    )
    first = first_snapshots(ctx)
    at_release = first.filter(first.release.notnull() & (first.release < first.s0)).select(
        model_id=first.model_id, d=first.release, v=ibis.literal(0.0), virtual=ibis.literal(True)
    )
    window_start = (first.s0 - ibis.interval(days=dl.ESTIMATE_WINDOW_DAYS)).cast("date")
    month_back = first.filter(first.release.notnull() & first.d30.notnull() & (first.release < window_start))
    month_back = month_back.select(
        model_id=month_back.model_id,
        d=(month_back.s0 - ibis.interval(days=dl.ESTIMATE_WINDOW_DAYS)).cast("date"),
        v=ibis.greatest(month_back.a0 - month_back.d30, ibis.literal(0.0)),
        virtual=ibis.literal(True),
    )
    parts = [first_pt, last_pt, at_release, month_back]
    out = dl._nullable(parts[0], dl.POINTS)
    for part in parts[1:]:
        out = out.union(dl._nullable(part, dl.POINTS))
    return out


@contextmanager
def patched():
    """Run downloads/concentration (and ram's first_snapshots) with the reduced points."""
    from atomscope.metrics import downloads

    modules = [downloads]
    try:
        from atomscope.metrics import ram

        modules.append(ram)
    except ImportError:  # pragma: no cover
        pass
    saved = [
        (m, name, getattr(m, name)) for m in modules for name in ("first_snapshots", "_points") if hasattr(m, name)
    ]
    downloads.first_snapshots = first_snapshots
    downloads._points = points
    for m in modules[1:]:
        if hasattr(m, "first_snapshots"):
            m.first_snapshots = first_snapshots
    try:
        yield
    finally:
        for m, name, value in saved:
            setattr(m, name, value)
