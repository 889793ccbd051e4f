"""Linear interpolation of a cumulative count at target dates, over slots (shared by the month engine,
metrics/download_months.py, and RAM's checkpoints, metrics/ram.py).

Each model's points (d, v) fall into consecutive slots: calendar months for the month engine, age
segments between checkpoints for RAM. A target b is read only at the start of a slot or in an empty slot,
so of all the points it needs only the first and the last of each non-empty slot (`fd, fv, ld, lv`): the
last point on or before b is the first point of b's slot when it lies on b, else the last point of the
non-empty slot before; the first point on or after b is the first point of b's slot, or of the next
non-empty one. So the points are reduced to one row per non-empty slot (one hash aggregation), one window
pass over those rows brings each its neighbours' points (`lag`/`lead`: `p_ld, p_lv, n_slot, n_fd, n_fv`),
and every target is read from the row of the last non-empty slot that starts on or before it (`bracket`):
no window over the targets, no join back to the points, and no `IGNORE NULLS` (which Ibis compiles as
`FIRST_VALUE` without it on DuckDB and with it on Spark). Same values as reading every point.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir


def days_between(later: ir.Value, earlier: ir.Value) -> ir.IntegerValue:
    """Whole days from `earlier` to `later` (dates); DATEDIFF on every backend."""
    return later.cast("date").delta(earlier.cast("date"), unit="day")


def point_rows(points: ir.Table, slot: ir.Value) -> ir.Table:
    """Points (model_id, d, v) as slot rows (model_id, slot, fd, fv, ld, lv), one per point, for `slots`."""
    return points.select(model_id=points.model_id, slot=slot, fd=points.d, fv=points.v, ld=points.d, lv=points.v)


def slots(rows: ir.Table) -> ir.Table:
    """One row per model and non-empty slot from slot rows that may repeat a slot: first point (fd, fv),
    last point (ld, lv), with each row's neighbours (`neighbours`)."""
    merged = rows.group_by(["model_id", "slot"]).aggregate(
        fd=rows.fd.min(), fv=rows.fv.argmin(rows.fd), ld=rows.ld.max(), lv=rows.lv.argmax(rows.ld)
    )
    return neighbours(merged)


def neighbours(table: ir.Table) -> ir.Table:
    """Slot rows (one per model and non-empty slot) with the previous one's last point (p_ld, p_lv) and the
    next one's slot and first point (n_slot, n_fd, n_fv); null at a model's first or last slot."""
    w = ibis.window(group_by="model_id", order_by="slot")
    return table.mutate(
        p_ld=table.ld.lag().over(w),
        p_lv=table.lv.lag().over(w),
        n_slot=table.slot.lead().over(w),
        n_fd=table.fd.lead().over(w),
        n_fv=table.fv.lead().over(w),
    )


@dataclass(frozen=True)
class Bracket:
    """The last point on or before a target (prev_d, prev_v) and the first on or after it (next_d,
    next_v); null where there is none."""

    prev_d: ir.DateValue
    prev_v: ir.FloatingValue
    next_d: ir.DateValue
    next_v: ir.FloatingValue

    def value(self, b: ir.DateValue) -> ir.FloatingValue:
        """The interpolated value at b; null where b is not bracketed (before the first or after the last
        point)."""
        span = days_between(self.next_d, self.prev_d)
        frac = days_between(b, self.prev_d).cast("float64") / span.nullif(0).cast("float64")
        return ibis.cases(
            (self.prev_d.isnull() | self.next_d.isnull(), ibis.null().cast("float64")),
            (span == 0, self.prev_v),
            else_=self.prev_v + (self.next_v - self.prev_v) * frac,
        )

    def clipped(self, b: ir.DateValue) -> ir.FloatingValue:
        """The value at b, outside the points the nearest one's: the first point's before them, the last
        point's after them."""
        return ibis.cases((self.prev_d.isnull(), self.next_v), (self.next_d.isnull(), self.prev_v), else_=self.value(b))


def bracket(row: ir.Table, b: ir.DateValue) -> Bracket:
    """The bracket of a target b read from the row (`slots`) of the last non-empty slot starting on or
    before b. b either starts that slot (b <= fd) or lies after its points and on or before the next
    non-empty slot's first point (ld < b <= n_fd)."""
    on_next, after_last, on_first = row.n_fd == b, row.ld <= b, row.fd == b
    ahead = row.fd >= b
    return Bracket(
        prev_d=ibis.cases((on_next, row.n_fd), (after_last, row.ld), (on_first, row.fd), else_=row.p_ld),
        prev_v=ibis.cases((on_next, row.n_fv), (after_last, row.lv), (on_first, row.fv), else_=row.p_lv),
        next_d=ibis.cases((ahead, row.fd), else_=row.n_fd),
        next_v=ibis.cases((ahead, row.fv), else_=row.n_fv),
    )
