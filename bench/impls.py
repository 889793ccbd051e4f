"""The implementations the metric benchmark compares, over one warehouse (SYNTHETIC data in benchmarks).

* `ibis`   - the registered metric (what `atomscope metric NAME` runs), on DuckDB through Ibis;
* `sql`    - hand-written DuckDB SQL computing the same numbers (the practical limit): one hash
             aggregation of hf_snapshots to first/last point per model and month, then interpolation at
             month boundaries on that small table (the month grid left-joined to it, IGNORE NULLS
             windows), the measured part, 30-day-only months, back-cast and complete months;
  For `derivatives`, a recursive CTE walking the lineage (DuckDB; Spark has none);
* `pandas` - a straightforward pandas version (load the columns, merge_asof at month boundaries, groupby).

Each `run_*` returns a pandas frame with the metric's documented columns (compared by bench_metrics.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# ------------------------------------------------------------------------------------------------ SQL

MODEL_MONTHS_SQL = """
WITH usable AS (   -- hf_snapshots without the days the source-quality checks flagged (same day and source)
    SELECT s.* FROM hf_snapshots s
    WHERE NOT EXISTS (SELECT 1 FROM snapshot_quality q
                      WHERE q.snapshot_date::DATE = s.snapshot_date AND q.source = s.source)
), obs AS (        -- the only pass over the all-time counts: first/last point per model and month
    SELECT model_id, date_trunc('month', snapshot_date)::DATE AS m,
           min(snapshot_date) AS fd, arg_min(downloads_all_time, snapshot_date)::DOUBLE AS fv,
           max(snapshot_date) AS ld, arg_max(downloads_all_time, snapshot_date)::DOUBLE AS lv,
           arg_min_null(downloads_30d, snapshot_date)::DOUBLE AS d30,
           arg_min_null(created_at, snapshot_date)::DATE AS created
    FROM usable WHERE downloads_all_time IS NOT NULL
    GROUP BY ALL
), first AS (
    SELECT o.model_id, min(fd) AS s0, arg_min(fv, fd) AS a0, arg_min_null(d30, fd) AS d30,
           arg_min_null(created, fd) AS created
    FROM obs o GROUP BY 1
), first2 AS (
    SELECT f.*, coalesce(mf.release_date, f.created) AS release
    FROM first f LEFT JOIN model_facts mf USING (model_id)
), virt AS (       -- first-snapshot estimate: (release, 0) and (S0 - 30, A0 - D30)
    SELECT model_id, release AS d, 0.0 AS v FROM first2 WHERE release IS NOT NULL AND release < s0
    UNION ALL
    SELECT model_id, (s0 - INTERVAL 30 DAY)::DATE, greatest(a0 - d30, 0.0) FROM first2
    WHERE release IS NOT NULL AND d30 IS NOT NULL AND release < (s0 - INTERVAL 30 DAY)::DATE
), pts AS (
    SELECT model_id, m, min(fd) AS fd, arg_min(fv, fd) AS fv, max(ld) AS ld, arg_max(lv, ld) AS lv
    FROM (SELECT model_id, m, fd, fv, ld, lv FROM obs
          UNION ALL SELECT model_id, date_trunc('month', d)::DATE, d, v, d, v FROM virt)
    GROUP BY ALL
), span AS (
    SELECT model_id, min(m) AS lo_m, max(m) AS hi_m, arg_min(fv, fd) AS first_v, arg_max(lv, ld) AS last_v
    FROM pts GROUP BY 1
), grid AS (
    SELECT model_id, first_v, last_v,
           unnest(generate_series(lo_m, hi_m + INTERVAL 1 MONTH, INTERVAL 1 MONTH))::DATE AS b
    FROM span
), g AS (
    SELECT grid.model_id, grid.b, grid.first_v, grid.last_v, p.fd, p.fv,
           last_value(p.ld IGNORE NULLS) OVER before AS before_d,
           last_value(p.lv IGNORE NULLS) OVER before AS before_v,
           first_value(p.fd IGNORE NULLS) OVER after AS after_d,
           first_value(p.fv IGNORE NULLS) OVER after AS after_v
    FROM grid LEFT JOIN pts p ON p.model_id = grid.model_id AND p.m = grid.b
    WINDOW before AS (PARTITION BY grid.model_id ORDER BY grid.b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           after AS (PARTITION BY grid.model_id ORDER BY grid.b ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
), iv AS (
    SELECT model_id, b, first_v, last_v,
           CASE WHEN fd = b THEN fd ELSE before_d END AS prev_d,
           CASE WHEN fd = b THEN fv ELSE before_v END AS prev_v,
           CASE WHEN fd IS NOT NULL THEN fd ELSE after_d END AS next_d,
           CASE WHEN fd IS NOT NULL THEN fv ELSE after_v END AS next_v
    FROM g
), val AS (
    SELECT model_id, b, prev_d, next_d,
           CASE WHEN prev_d IS NULL THEN first_v WHEN next_d IS NULL THEN last_v
                WHEN next_d = prev_d THEN prev_v
                ELSE prev_v + (next_v - prev_v)
                     * (datediff('day', prev_d, b)::DOUBLE / datediff('day', prev_d, next_d)::DOUBLE) END AS v
    FROM iv
), pt AS (         -- mv: the value read from all-time snapshots only; gap: snapshots over 45 days apart
    SELECT val.model_id, val.b, val.v, f.s0, f.release, CASE WHEN val.b < f.s0 THEN f.a0 ELSE val.v END AS mv,
           coalesce(val.b > f.s0 AND val.next_d IS NOT NULL AND datediff('day', val.prev_d, val.next_d) > 45,
                    false) AS gap
    FROM val JOIN first2 f USING (model_id)
), mon AS (
    SELECT *, lead(b) OVER w AS b_next, lead(v) OVER w AS v_next, lead(mv) OVER w AS mv_next,
           lead(gap) OVER w AS gap_next
    FROM pt WINDOW w AS (PARTITION BY model_id ORDER BY b)
), months AS (
    SELECT model_id, b AS month_start, v_next - v AS downloads,
           CASE WHEN gap OR gap_next THEN 0.0 ELSE mv_next - mv END AS measured,
           (release IS NOT NULL AND release < s0 AND b < s0 AND b_next > release) AS estimated
    FROM mon WHERE b_next IS NOT NULL
), d30 AS (        -- 30-day-only snapshots: the one nearest a month's end (within 15 days), scaled
    SELECT model_id, month_start,
           arg_min(downloads_30d, distance)::DOUBLE
               * datediff('day', month_start, (month_start + INTERVAL 1 MONTH)::DATE)::DOUBLE / 30.0 AS d30_downloads
    FROM (SELECT model_id, downloads_30d,
                 CASE WHEN snapshot_date - date_trunc('month', snapshot_date)::DATE
                           < (date_trunc('month', snapshot_date) + INTERVAL 1 MONTH)::DATE - snapshot_date
                      THEN (date_trunc('month', snapshot_date) - INTERVAL 1 MONTH)::DATE
                      ELSE date_trunc('month', snapshot_date)::DATE END AS month_start,
                 least(snapshot_date - date_trunc('month', snapshot_date)::DATE,
                       (date_trunc('month', snapshot_date) + INTERVAL 1 MONTH)::DATE - snapshot_date) AS distance
          FROM usable WHERE downloads_all_time IS NULL AND downloads_30d IS NOT NULL)
    WHERE distance <= 15 GROUP BY model_id, month_start
), mm0 AS (        -- estimated months take the 30-day count; models known only by 30-day counts added
    SELECT m.model_id, m.month_start,
           CASE WHEN m.estimated AND d.d30_downloads IS NOT NULL THEN d.d30_downloads ELSE m.downloads END
               AS downloads,
           CASE WHEN m.estimated AND d.d30_downloads IS NOT NULL THEN 0.0 ELSE m.measured END AS measured
    FROM months m LEFT JOIN d30 d USING (model_id, month_start)
    UNION ALL
    SELECT model_id, month_start, d30_downloads, 0.0 FROM d30 WHERE model_id NOT IN (SELECT model_id FROM obs)
), tracked AS (
    SELECT m.model_id, coalesce(l.org_key, m.hf_org) AS org_key, coalesce(l.region, 'unresolved') AS region
    FROM models m
    LEFT JOIN (SELECT a.alias, o.org_key, o.region FROM org_aliases a JOIN organizations o USING (org_key)
               WHERE a.source = 'hf') l ON l.alias = m.hf_org
), mm AS (
    SELECT mm0.*, t.org_key, t.region FROM mm0 JOIN tracked t USING (model_id)
), counted AS (    -- metrics/periods.py: complete months (latest snapshot) and back-cast months (earliest)
    SELECT snapshot_date FROM hf_snapshots WHERE downloads_all_time IS NOT NULL OR downloads_30d IS NOT NULL
), latest AS (
    SELECT date_trunc('month', max(snapshot_date) + INTERVAL 1 DAY)::DATE AS after_latest FROM counted
), earliest AS (
    SELECT date_trunc('month', min(snapshot_date))::DATE AS first_month FROM counted
)
"""

# measured_share and estimated as metrics/download_months.py `share_measured` / `estimated_flag`
MEASURED_SHARE = "coalesce(greatest(least(measured / nullif(downloads, 0), 1.0), 0.0), 1.0)"
OBSERVED = "NOT coalesce(month_start < (SELECT first_month FROM earliest), false)"

DOWNLOADS_BY_REGION_SQL = (
    MODEL_MONTHS_SQL
    + f"""
, grp AS (
    SELECT month_start, region, sum(downloads) AS downloads, sum(measured) AS measured,
           count(DISTINCT model_id) AS models
    FROM mm GROUP BY ALL
), run AS (        -- the running sum includes back-cast months
    SELECT *, sum(downloads) OVER (PARTITION BY region ORDER BY month_start
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative_downloads
    FROM grp
), kept AS (
    SELECT *, {MEASURED_SHARE} AS measured_share FROM run WHERE {OBSERVED}
)
SELECT strftime(month_start, '%Y-%m') AS month, region, downloads,
       downloads / nullif(sum(downloads) OVER (PARTITION BY month_start), 0) AS share,
       cumulative_downloads, measured_share, measured_share < 0.95 AS estimated, false AS backcast,
       coalesce(month_start < (SELECT after_latest FROM latest), false) AS complete, models
FROM kept ORDER BY month, downloads DESC
"""
)

CONCENTRATION_ALL_SQL = (
    MODEL_MONTHS_SQL
    + f"""
, orgs AS (
    SELECT month_start, org_key, sum(downloads) AS x, sum(measured) AS measured
    FROM mm GROUP BY ALL HAVING sum(downloads) > 0
), ranked AS (
    SELECT *, sum(x) OVER (PARTITION BY month_start) AS total, count(*) OVER (PARTITION BY month_start) AS n,
           row_number() OVER (PARTITION BY month_start ORDER BY x DESC, org_key) AS rank_desc,
           row_number() OVER (PARTITION BY month_start ORDER BY x, org_key) AS rank_asc
    FROM orgs WHERE {OBSERVED}
), out AS (
    SELECT month_start, count(*) AS organizations, sum(x) AS downloads,
           sum((x / total) * (x / total)) * 10000 AS hhi,
           sum((2 * rank_asc - n - 1)::DOUBLE * x) / (count(*)::DOUBLE * sum(x)) AS gini,
           max(org_key) FILTER (rank_desc = 1) AS top1_org, max(x / total) AS top1_share,
           sum(x / total) FILTER (rank_desc <= 5) AS top5_share, sum(measured) AS measured
    FROM ranked GROUP BY month_start
)
SELECT strftime(month_start, '%Y-%m') AS month, organizations, downloads, hhi, gini, top1_org, top1_share,
       top5_share, {MEASURED_SHARE} AS measured_share, {MEASURED_SHARE} < 0.95 AS estimated, false AS backcast,
       coalesce(month_start < (SELECT after_latest FROM latest), false) AS complete
FROM out ORDER BY month
"""
)

# `derivatives --by region` with the lineage walked by a recursive CTE (what Spark lacks, hence the
# metric's unrolled joins): the same rules as warehouse/lineage.py and metrics/derivatives.py.
DERIVATIVES_BY_REGION_SQL = """
WITH RECURSIVE edges AS (      -- walkable: the child is not a tracked model
    SELECT DISTINCT child_id, parent_id FROM derivative_edges
    WHERE child_id NOT IN (SELECT model_id FROM models)
), walk(child_id, root_id, depth) AS (   -- down from the tracked roots: one row per derivative and root
    SELECT child_id, parent_id, 1 FROM edges WHERE parent_id IN (SELECT model_id FROM models)
    UNION ALL          -- paths, not distinct rows (faster here than UNION); the depth bound ends cycles
    SELECT e.child_id, w.root_id, w.depth + 1
    FROM walk w JOIN edges e ON e.parent_id = w.child_id
    WHERE w.depth < 10
), roots AS (
    SELECT child_id, root_id, count(*) OVER (PARTITION BY child_id) AS n_roots
    FROM walk GROUP BY child_id, root_id
), relation AS (
    SELECT child_id, CASE min(CASE relation WHEN 'merge' THEN 0 WHEN 'adapter' THEN 1 WHEN 'quantized' THEN 2
                                            WHEN 'finetune' THEN 3 ELSE 4 END)
                     WHEN 0 THEN 'merge' WHEN 1 THEN 'adapter' WHEN 2 THEN 'quantized' WHEN 3 THEN 'finetune'
                     ELSE 'other' END AS relation
    FROM derivative_edges GROUP BY child_id
), derivs AS (
    SELECT model_id, date_trunc('month', created_at::DATE)::DATE AS month_start FROM hub_models
    WHERE model_id NOT IN (SELECT model_id FROM models) AND created_at IS NOT NULL AND downloads_30d > 5
), origin AS (
    SELECT m.model_id, coalesce(l.region, 'unresolved') AS region
    FROM models m
    LEFT JOIN (SELECT a.alias, o.region FROM org_aliases a JOIN organizations o USING (org_key)
               WHERE a.source = 'hf') l ON l.alias = m.hf_org
), grp AS (
    SELECT d.month_start, o.region, r.relation, sum(1.0 / ro.n_roots) AS new_derivatives
    FROM derivs d JOIN roots ro ON ro.child_id = d.model_id JOIN relation r ON r.child_id = d.model_id
    JOIN origin o ON o.model_id = ro.root_id
    GROUP BY ALL
)
SELECT strftime(month_start, '%Y-%m') AS month, region, relation, new_derivatives,
       new_derivatives / sum(new_derivatives) OVER (PARTITION BY month_start) AS share,
       coalesce(month_start < date_trunc('month', (SELECT max(last_seen_at)::DATE + 1 FROM hub_models)), false)
           AS complete
FROM grp ORDER BY month, new_derivatives DESC, region, relation
"""

SQL = {
    ("downloads", "region"): DOWNLOADS_BY_REGION_SQL,
    ("concentration", "all"): CONCENTRATION_ALL_SQL,
    ("derivatives", "region"): DERIVATIVES_BY_REGION_SQL,
}


def run_sql(con, metric: str, by: str) -> pd.DataFrame:
    return con.execute(SQL[(metric, by)]).df()


# --------------------------------------------------------------------------------------------- pandas


def load_pandas(con) -> dict[str, pd.DataFrame]:
    """What an analyst pulls out of the warehouse first."""
    return {
        "snaps": con.execute(
            "SELECT model_id, snapshot_date, downloads_all_time, downloads_30d, created_at FROM hf_snapshots"
        ).df(),
        "facts": con.execute("SELECT model_id, release_date FROM model_facts").df(),
        "models": con.execute("SELECT model_id, hf_org FROM models").df(),
        "aliases": con.execute("SELECT alias, org_key FROM org_aliases WHERE source = 'hf'").df(),
        "orgs": con.execute("SELECT org_key, region FROM organizations").df(),
    }


def pandas_model_months(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per model and month: downloads, estimated, org_key, region (the downloads metric's method)."""
    snaps = data["snaps"]
    snaps = snaps[snaps["downloads_all_time"].notna()]
    snaps = snaps.assign(d=pd.to_datetime(snaps["snapshot_date"]), v=snaps["downloads_all_time"].astype("float64"))
    # first snapshot per model (idxmin, not groupby.first(): that one skips nulls column by column)
    first = snaps.loc[snaps.groupby("model_id")["d"].idxmin()]
    first = first.assign(created=pd.to_datetime(first["created_at"]).dt.normalize())
    first = first.merge(data["facts"], on="model_id", how="left")
    first["release"] = pd.to_datetime(first["release_date"]).fillna(first["created"])
    first = first.rename(columns={"d": "s0", "v": "a0", "downloads_30d": "d30"})[
        ["model_id", "s0", "a0", "d30", "release"]
    ]
    at_release = first[first["release"].notna() & (first["release"] < first["s0"])]
    at_release = pd.DataFrame({"model_id": at_release["model_id"], "d": at_release["release"], "v": 0.0})
    back = first["s0"] - pd.Timedelta(days=30)
    mb = first[first["release"].notna() & first["d30"].notna() & (first["release"] < back)]
    month_back = pd.DataFrame(
        {
            "model_id": mb["model_id"],
            "d": mb["s0"] - pd.Timedelta(days=30),
            "v": (mb["a0"] - mb["d30"].astype("float64")).clip(lower=0.0),
        }
    )
    points = pd.concat([snaps[["model_id", "d", "v"]], at_release, month_back], ignore_index=True)
    points["d"] = points["d"].astype("datetime64[us]")

    # month boundaries per model: start of the first point's month .. start of the month after the last
    span = points.groupby("model_id")["d"].agg(lo="min", hi="max").reset_index()
    lo_m = span["lo"].to_numpy().astype("datetime64[M]")
    n = (span["hi"].to_numpy().astype("datetime64[M]") - lo_m).astype("int64") + 2
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    bounds = pd.DataFrame(
        {
            "model_id": np.repeat(span["model_id"].to_numpy(), n),
            "b": (np.repeat(lo_m, n) + offsets.astype("timedelta64[M]")).astype("datetime64[us]"),
        }
    )

    # interpolate: last point on or before b, first point on or after b
    pts = points.sort_values("d")
    bnd = bounds.sort_values("b")
    prev = pd.merge_asof(
        bnd,
        pts.rename(columns={"d": "prev_d", "v": "prev_v"}),
        left_on="b",
        right_on="prev_d",
        by="model_id",
        direction="backward",
    )
    nxt = pd.merge_asof(
        bnd,
        pts.rename(columns={"d": "next_d", "v": "next_v"}),
        left_on="b",
        right_on="next_d",
        by="model_id",
        direction="forward",
    )
    at = prev.merge(nxt, on=["model_id", "b"])
    ends = points.sort_values(["model_id", "d"]).groupby("model_id")["v"].agg(first_v="first", last_v="last")
    at = at.merge(ends, left_on="model_id", right_index=True)
    span_days = (at["next_d"] - at["prev_d"]).dt.days
    frac = (at["b"] - at["prev_d"]).dt.days / span_days.where(span_days != 0)
    value = at["prev_v"] + (at["next_v"] - at["prev_v"]) * frac
    value = value.where(span_days != 0, at["prev_v"])
    value = value.where(at["next_d"].notna(), at["last_v"])
    value = value.where(at["prev_d"].notna(), at["first_v"])
    at = at.assign(v=value).sort_values(["model_id", "b"])
    grouped = at.groupby("model_id")
    at["b_next"] = grouped["b"].shift(-1)
    at["v_next"] = grouped["v"].shift(-1)
    months = at[at["b_next"].notna()].merge(first, on="model_id")
    months["estimated"] = (
        months["release"].notna()
        & (months["release"] < months["s0"])
        & (months["b"] < months["s0"])
        & (months["b_next"] > months["release"])
    )
    months["downloads"] = months["v_next"] - months["v"]

    lookup = data["aliases"].merge(data["orgs"], on="org_key")
    tracked = data["models"].merge(lookup, left_on="hf_org", right_on="alias", how="left")
    tracked["org_key"] = tracked["org_key"].fillna(tracked["hf_org"])
    tracked["region"] = tracked["region"].fillna("unresolved")
    months = months.merge(tracked[["model_id", "org_key", "region"]], on="model_id")
    return months.rename(columns={"b": "month_start"})[
        ["model_id", "month_start", "downloads", "estimated", "org_key", "region"]
    ]


def pandas_downloads_by_region(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    mm = pandas_model_months(data)
    g = (
        mm.groupby(["month_start", "region"])
        .agg(downloads=("downloads", "sum"), estimated=("estimated", "any"), models=("model_id", "nunique"))
        .reset_index()
        .sort_values(["region", "month_start"])
    )
    g["cumulative_downloads"] = g.groupby("region")["downloads"].cumsum()
    total = g.groupby("month_start")["downloads"].transform("sum")
    g["share"] = g["downloads"] / total.where(total != 0)
    g["month"] = g["month_start"].dt.strftime("%Y-%m")
    g["complete"] = g["month_start"] < after_latest(data)
    g = g.sort_values(["month", "downloads"], ascending=[True, False])
    columns = ["month", "region", "downloads", "share", "cumulative_downloads", "estimated", "complete", "models"]
    return g[columns].reset_index(drop=True)


def after_latest(data: dict[str, pd.DataFrame]) -> pd.Timestamp:
    """metrics/periods.py: months starting before this one are complete (latest counted snapshot + 1 day)."""
    snaps = data["snaps"]
    counted = snaps[snaps["downloads_all_time"].notna() | snaps["downloads_30d"].notna()]
    latest = pd.Timestamp(counted["snapshot_date"].max()) + pd.Timedelta(days=1)
    return latest.to_period("M").to_timestamp()


def pandas_concentration_all(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    mm = pandas_model_months(data)
    orgs = mm.groupby(["month_start", "org_key"]).agg(x=("downloads", "sum"), estimated=("estimated", "any"))
    orgs = orgs[orgs["x"] > 0].reset_index()
    rows = []
    complete_before = after_latest(data)
    for month, grp in orgs.groupby("month_start"):
        x = grp.sort_values(["x", "org_key"], ascending=[True, True])
        total, n = x["x"].sum(), len(x)
        share = x["x"] / total
        ranks = np.arange(1, n + 1)
        desc = grp.sort_values(["x", "org_key"], ascending=[False, True])
        rows.append(
            {
                "month": month.strftime("%Y-%m"),
                "organizations": n,
                "downloads": total,
                "hhi": float((share * share).sum() * 10_000),
                "gini": float(((2 * ranks - n - 1) * x["x"].to_numpy()).sum() / (n * total)),
                "top1_org": desc["org_key"].iloc[0],
                "top1_share": float(share.max()),
                "top5_share": float((desc["x"].iloc[:5] / total).sum()),
                "estimated": bool(grp["estimated"].any()),
                "complete": bool(month < complete_before),
            }
        )
    return pd.DataFrame(rows)


PANDAS = {("downloads", "region"): pandas_downloads_by_region, ("concentration", "all"): pandas_concentration_all}
