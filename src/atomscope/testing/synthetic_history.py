"""SYNTHETIC snapshot histories at scale, for BENCHMARKS AND TESTS ONLY.

EVERY NUMBER THIS MODULE WRITES IS SYNTHETIC: download counts, likes, creation dates, sizes, gating,
derivative trees. They are seeded pseudo-random draws (DuckDB `hash()` of the seed and a key), so the
same arguments always give the same rows. Only organization names (and, for the first models, the
tracked model ids) come from the real bundled catalog, so that origins and regions are realistic.

Everything is labelled: `hf_snapshots.source = 'synthetic'`, a `load_runs` row of kind 'synthetic',
the tag 'synthetic' on every snapshot and hub model, synthetic model ids `<org>/synthetic-NNNNNNN`,
third-party accounts `synth-*`, and a `_SYNTHETIC` marker file at the root of a Parquet lake.
The report and the web app refuse such a warehouse (`warehouse.provenance.refuse_unpublishable`, which
reads these markers, defined there).

Model of the history (N models x D days from `start`):

* each model has a creation day (60 % before `start`, up to two years; the rest released during the
  window, rows only from their creation day), an organization drawn from the catalog's distribution
  (about 2 % from unregistered `synth-lab-*` namespaces, which resolve to region 'unresolved');
* daily downloads r(a) at age a days: P * (h*exp(-a/tau) + (1-h)) * (1 + g*a/365) plus a weekly
  wave on the baseline, with P lognormal (median 40/day, sigma 2.2: a heavy tail of models with
  1e5+/day), a launch hype h, its decay tau and a long-run growth g. downloads_all_time is the
  closed-form integral floor(C(a)), so it grows by exactly the daily downloads; downloads_30d is
  C(a) - C(a-30). About 0.3 % of models get a Hub recount (-5 % on one day, kept afterwards);
* about 1 % of days are collector outages (no row for any model that day);
* derivative trees in `hub_models` + `derivative_edges`: per tracked model a Pareto-distributed
  number of children (more for popular models; finetune/quantized/adapter/merge), and a second
  generation below some finetunes.

100M rows (e.g. 137,000 models x 730 days) are generated in DuckDB SQL in day chunks; writing to
a Parquet lake (`write_parquet_lake`) streams straight to `snapshot_date=YYYY-MM-DD/` partitions.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from atomscope.warehouse.db import finish_run, start_run, transaction
from atomscope.warehouse.provenance import (
    SYNTHETIC_ENDPOINT,
    SYNTHETIC_LAKE_MARKER,
    SYNTHETIC_RUN_KIND,
    SYNTHETIC_SOURCE,
)

SOURCE = SYNTHETIC_SOURCE
RUN_KIND = SYNTHETIC_RUN_KIND
ENDPOINT = SYNTHETIC_ENDPOINT
LAKE_MARKER = SYNTHETIC_LAKE_MARKER
DEFAULT_START = date(2024, 1, 1)
#: rows per INSERT / COPY statement (bounds memory of one statement)
CHUNK_ROWS = 20_000_000


@dataclass(frozen=True)
class HistorySpec:
    """What to generate. `models` x `days` is an upper bound on the rows (late releases, outages)."""

    models: int = 500
    days: int = 120
    start: date = DEFAULT_START
    seed: int = 42
    real_ids: bool = True  # use the bundled tracked-model ids first (numbers stay synthetic)
    derivatives: bool = True
    outage_share: float = 0.01
    recount_share: float = 0.003
    unregistered_share: float = 0.02

    @classmethod
    def for_rows(cls, rows: int, days: int = 730, **kw) -> HistorySpec:
        """A spec of about `rows` snapshot rows over `days` days (accounts for late releases/outages)."""
        fill = _expected_fill(days, kw.get("outage_share", cls.outage_share))
        return cls(models=max(1, math.ceil(rows / (days * fill))), days=days, **kw)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)


def _expected_fill(days: int, outage_share: float) -> float:
    # 60 % of models exist the whole window; 40 % are released uniformly in it (on average half present)
    return (0.6 + 0.4 * 0.5) * (1 - outage_share) if days > 1 else 1.0


def _u(seed: int, key: str, salt: int) -> str:
    """SQL for a uniform draw in (0, 1) from 53 bits of a hash of (seed, integer key, salt).

    One integer argument: DuckDB's multi-argument hash(a, b, c) gives strongly correlated draws."""
    return f"(({_hash(seed, key, salt)} >> 11)::DOUBLE + 0.5) / 9007199254740992.0"


def _hash(seed: int, key: str, salt: int) -> str:
    return f"hash(({key})::BIGINT * 1000003 + {int(salt) + int(seed) * 1000000007})"


def _normal(seed: int, key: str, salt: int) -> str:
    """SQL for a standard normal draw (Box-Muller over two uniforms)."""
    return f"(sqrt(-2 * ln({_u(seed, key, salt)})) * cos(2 * pi() * {_u(seed, key, salt + 1)}))"


# ------------------------------------------------------------------------------------------ generation


def generate_history(con: duckdb.DuckDBPyConnection, spec: HistorySpec | None = None, **kw) -> dict:
    """Write a synthetic history into the (migrated) warehouse `con`; returns counters.

    Loads the bundled reference data first when `organizations` is empty. Adds the synthetic models to
    `models`, snapshots to `hf_snapshots`, derivative trees to `hub_models`/`derivative_edges`, and
    refreshes `model_facts`. Pass a `HistorySpec` or its fields as keywords.
    """
    spec = spec or HistorySpec(**kw)
    _ensure_reference(con)
    run_id = start_run(con, RUN_KIND, endpoint=ENDPOINT)
    try:
        with transaction(con):
            n_models = _build_models(con, spec, run_id)
        rows = 0
        for lo, hi in _day_chunks(spec):
            with transaction(con):
                con.execute(f"INSERT INTO hf_snapshots {_snapshot_sql(spec, run_id, lo, hi)}")
        rows = con.execute("SELECT count(*) FROM hf_snapshots WHERE run_id = ?", [run_id]).fetchone()[0]
        with transaction(con):
            derivs = _build_derivatives(con, spec, run_id) if spec.derivatives else 0
            from atomscope.warehouse.facts import refresh_model_facts

            refresh_model_facts(con)
    except BaseException as exc:
        finish_run(con, run_id, "failed", {"error": str(exc), "spec": _spec_json(spec)})
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _synth_models")
    details = {
        "spec": _spec_json(spec),
        "models": n_models,
        "snapshot_rows": rows,
        "derivatives": derivs,
        "synthetic": True,
    }
    finish_run(con, run_id, "ok", details)
    return {"run_id": run_id, **details}


def write_parquet_lake(lake_dir: str | Path, spec: HistorySpec | None = None, **kw) -> dict:
    """Generate a synthetic history straight into a Parquet lake (the layout `atomscope export --parquet`
    writes): reference tables as `<table>.parquet`, `hf_snapshots/snapshot_date=YYYY-MM-DD/*.parquet`.

    The snapshots never pass through a DuckDB table (streamed by COPY in day chunks), so 100M+ rows
    need little memory. A `_SYNTHETIC` marker file labels the lake.
    """
    from atomscope.warehouse import db
    from atomscope.warehouse.export import export_parquet

    spec = spec or HistorySpec(**kw)
    lake = Path(lake_dir)
    con = db.connect(":memory:")
    try:
        spec_small = spec
        _ensure_reference(con)
        run_id = start_run(con, RUN_KIND, endpoint=ENDPOINT)
        _build_models(con, spec_small, run_id)
        derivs = _build_derivatives(con, spec, run_id) if spec.derivatives else 0
        # model_facts needs each model's first created_at: insert only the first day's rows per model
        con.execute(
            f"INSERT INTO hf_snapshots SELECT * FROM ({_snapshot_sql(spec, run_id, 0, spec.days)}) s "
            "QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY snapshot_date) = 1"
        )
        from atomscope.warehouse.facts import refresh_model_facts

        refresh_model_facts(con)
        con.execute("DELETE FROM hf_snapshots")
        finish_run(con, run_id, "ok", {"spec": _spec_json(spec), "derivatives": derivs, "synthetic": True})

        def snapshots(tmp: Path) -> int:
            out = tmp / "hf_snapshots"
            rows = 0
            for i, (lo, hi) in enumerate(_day_chunks(spec)):
                res = con.execute(
                    f"COPY ({_snapshot_sql(spec, run_id, lo, hi)}) TO '{out}' (FORMAT parquet, "
                    f"PARTITION_BY (snapshot_date), FILENAME_PATTERN 'part_{i}_{{i}}', OVERWRITE_OR_IGNORE)"
                ).fetchone()
                rows += int(res[0]) if res else 0
            (tmp / LAKE_MARKER).write_text(  # inside the export, so its manifest lists the marker
                "SYNTHETIC benchmark/test data from atomscope.testing.synthetic_history; never publish.\n"
                + json.dumps(_spec_json(spec))
                + "\n",
                encoding="utf-8",
            )
            return rows

        counts = export_parquet(con, lake, hf_snapshots_writer=snapshots, overwrite=True)
    finally:
        con.close()
    return {
        "run_id": run_id,
        "models": spec.models,
        "snapshot_rows": counts.get("hf_snapshots", 0),
        "derivatives": derivs,
        "tables": counts,
    }


def _spec_json(spec: HistorySpec) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(spec).items()}


def _ensure_reference(con: duckdb.DuckDBPyConnection) -> None:
    if not con.execute("SELECT count(*) FROM organizations").fetchone()[0]:
        from atomscope.warehouse.load import load_bundled

        load_bundled(con)


def _day_chunks(spec: HistorySpec) -> list[tuple[int, int]]:
    per = max(1, CHUNK_ROWS // max(1, spec.models))
    return [(lo, min(lo + per, spec.days)) for lo in range(0, spec.days, per)]


_PIPELINES = (  # (upper bound of the uniform draw, pipeline_tag, library_name)
    (0.70, "text-generation", "transformers"),
    (0.82, "image-text-to-text", "transformers"),
    (0.90, "feature-extraction", "sentence-transformers"),
    (0.94, "text-to-image", "diffusers"),
    (0.97, "automatic-speech-recognition", "transformers"),
    (1.01, "text-ranking", "sentence-transformers"),
)
_LICENSES = ("apache-2.0", "mit", "llama3.1", "gemma", "other", "cc-by-nc-4.0")
_SIZES_B = (0.5, 1.5, 3, 7, 8, 14, 32, 70, 235, 671)


def _case(draw: str, options: tuple, pick) -> str:
    arms = " ".join(f"WHEN {draw} < {o[0]} THEN '{pick(o)}'" for o in options)
    return f"CASE {arms} END"


def _build_models(con: duckdb.DuckDBPyConnection, spec: HistorySpec, run_id: int) -> int:
    """`_synth_models` (one row per model with its synthetic parameters) and the new `models` rows."""
    s = spec.seed
    catalog = con.execute("SELECT count(*) FROM models WHERE added_by = 'atom'").fetchone()[0]
    unregistered = max(1, round(spec.unregistered_share * 50))
    pipeline = _case("u_pipe", _PIPELINES, lambda o: o[1])
    library = _case("u_pipe", _PIPELINES, lambda o: o[2])
    licenses = "[" + ", ".join(f"'{x}'" for x in _LICENSES) + "]"
    sizes = "[" + ", ".join(str(x) for x in _SIZES_B) + "]"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE _synth_models AS
        WITH catalog AS (
            SELECT model_id, hf_org, row_number() OVER (ORDER BY hash({s}, model_id), model_id) - 1 AS k
            FROM models WHERE added_by = 'atom'
        ), ids AS (
            SELECT i, {_u(s, "i", 1)} AS u_org FROM range({spec.models}) t(i)
        ), named AS (
            SELECT ids.i,
                   CASE WHEN {str(spec.real_ids).upper()} AND ids.i < {catalog} THEN c.model_id
                        WHEN ids.u_org < {spec.unregistered_share}
                            THEN 'synth-lab-' || (ids.i % {unregistered})
                                 || '/synthetic-' || lpad(ids.i::VARCHAR, 7, '0')
                        ELSE o.hf_org || '/synthetic-' || lpad(ids.i::VARCHAR, 7, '0') END AS model_id,
                   CASE WHEN {str(spec.real_ids).upper()} AND ids.i < {catalog} THEN c.hf_org
                        WHEN ids.u_org < {spec.unregistered_share} THEN 'synth-lab-' || (ids.i % {unregistered})
                        ELSE o.hf_org END AS hf_org,
                   ({str(spec.real_ids).upper()} AND ids.i < {catalog}) AS is_catalog
            FROM ids
            LEFT JOIN catalog c ON c.k = ids.i
            LEFT JOIN catalog o ON o.k = ids.i % {max(catalog, 1)}
        ), drawn AS (
            SELECT *,
                -- 60 % released before the window (up to 2 years), 40 % during it
                CASE WHEN {_u(s, "i", 2)} < 0.6 THEN -1 - floor({_u(s, "i", 3)} * 730)::INT
                     ELSE floor({_u(s, "i", 3)} * {spec.days})::INT END AS created_day,
                exp(ln(40) + 2.2 * {_normal(s, "i", 4)}) AS p,
                0.3 + 0.6 * {_u(s, "i", 6)} AS h,
                10 + 110 * {_u(s, "i", 7)} AS tau,
                -0.15 + 1.15 * {_u(s, "i", 8)} AS g,
                {_u(s, "i", 9)} AS u_pipe,
                {_u(s, "i", 10)} AS u_gate,
                {_u(s, "i", 11)} AS u_lic,
                {_u(s, "i", 12)} AS u_size,
                {_u(s, "i", 13)} AS u_recount,
                floor({_u(s, "i", 14)} * 86400)::INT AS created_sec,
                exp(ln(0.02) + 0.8 * {_normal(s, "i", 15)}) AS like_rate
            FROM named
        )
        SELECT i, model_id, hf_org, is_catalog, created_day, p, h, tau, g, like_rate,
               TIMESTAMP '{spec.start}' + to_days(created_day) + to_seconds(created_sec) AS created_at,
               {pipeline} AS pipeline_tag, {library} AS library_name,
               CASE WHEN u_gate < 0.85 THEN 'false' WHEN u_gate < 0.95 THEN 'auto' ELSE 'manual' END AS gated,
               ({sizes}[1 + floor(u_size * {len(_SIZES_B)})::INT] * 1e9)::BIGINT AS safetensors_total,
               [{pipeline}, {library}, 'license:' || {licenses}[1 + floor(u_lic * {len(_LICENSES)})::INT],
                'synthetic'] AS tags,
               CASE WHEN u_recount < {spec.recount_share}
                    THEN greatest(created_day, 0) + 1 + floor(u_recount / {max(spec.recount_share, 1e-9)}
                         * greatest({spec.days} - greatest(created_day, 0) - 1, 1))::INT END AS recount_day
        FROM drawn
        """
    )
    con.execute(
        """
        INSERT INTO models
        SELECT model_id, hf_org, 'primary', 'discovery', CAST(created_at AS DATE) FROM _synth_models
        WHERE NOT is_catalog AND model_id NOT IN (SELECT model_id FROM models)
        """
    )
    return con.execute("SELECT count(*) FROM _synth_models").fetchone()[0]


def _cumulative(age: str) -> str:
    """SQL of C(a), the closed-form integral of the daily rate over ages [0, a] (see module docstring)."""
    a = f"greatest({age}, 0)::DOUBLE"
    return (
        f"(m.p * (m.h * m.tau * (1 - exp(-{a} / m.tau))"
        f" + m.h * m.g / 365 * m.tau * m.tau * (1 - exp(-{a} / m.tau) * (1 + {a} / m.tau))"
        f" + (1 - m.h) * ({a} + m.g * {a} * {a} / 730)"
        f" + (1 - m.h) * 0.15 * 7 / (2 * pi()) * (1 - cos(2 * pi() * {a} / 7))))"
    )


def _snapshot_sql(spec: HistorySpec, run_id: int, lo: int, hi: int) -> str:
    """SELECT of the hf_snapshots rows for day offsets [lo, hi) (columns in table order)."""
    s = spec.seed
    recount = "CASE WHEN m.recount_day IS NOT NULL AND d.day >= m.recount_day THEN 0.95 ELSE 1.0 END"
    return f"""
        SELECT m.model_id,
               DATE '{spec.start}' + d.day::INTEGER AS snapshot_date,
               (floor({_cumulative("d.day - m.created_day")})
                - floor({_cumulative("d.day - m.created_day - 30")}))::BIGINT AS downloads_30d,
               floor({_cumulative("d.day - m.created_day")} * {recount})::BIGINT AS downloads_all_time,
               floor(m.p * m.like_rate * sqrt(greatest(d.day - m.created_day, 0) + 1))::BIGINT AS likes,
               m.created_at,
               m.created_at + to_days(floor((d.day - greatest(m.created_day, 0)) * 0.5)::INT) AS last_modified,
               m.pipeline_tag, m.library_name, m.gated, m.safetensors_total, m.tags,
               TIMESTAMP '{spec.start}' + to_days(d.day::INTEGER) + INTERVAL 6 HOUR
                   + to_seconds(floor({_u(s, "m.i", 30)} * 3600)::INT) AS collected_at,
               '{ENDPOINT}' AS endpoint, '{SOURCE}' AS source, {run_id}::BIGINT AS run_id
        FROM range({lo}, {hi}) d(day)
        JOIN _synth_models m ON m.created_day <= d.day
        WHERE {_u(s, "d.day", 31)} >= {spec.outage_share}
    """


def _build_derivatives(con: duckdb.DuckDBPyConnection, spec: HistorySpec, run_id: int) -> int:
    """Derivative trees below the synthetic models: `hub_models` rows and `derivative_edges`."""
    s = spec.seed
    end = spec.end
    relations = "['finetune', 'quantized', 'quantized', 'finetune', 'adapter', 'merge']"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _synth_children AS
        WITH parents AS (
            SELECT i, model_id, created_at, p,
                   -- Pareto(alpha 1.3) children, scaled by popularity, capped
                   least(floor(0.15 * pow(p, 0.35) * pow({_u(s, "i", 40)}, -1 / 1.3))::INT, 400) AS k
            FROM _synth_models
        ), gen1 AS (
            SELECT parents.i, parents.model_id AS parent_id, parents.created_at AS parent_created, parents.p,
                   unnest(range(parents.k)) AS j
            FROM parents WHERE k > 0
        ), gen1r AS (
            SELECT *, {relations}[1 + floor({_u(s, "i * 1000 + j", 41)} * 6)::INT] AS relation,
                   'synth-user-' || ({_hash(s, "i * 1000 + j", 42)} % 5000) AS author
            FROM gen1
        ), c1 AS (
            SELECT author || '/' || split_part(parent_id, '/', 2) || '-' || relation || '-' || j AS child_id,
                   parent_id, relation, author,
                   parent_created + to_days(1 + floor({_u(s, "i * 1000 + j", 43)} * 365)::INT) AS created_at,
                   p * 0.02 * exp(1.5 * {_normal(s, "i * 1000 + j", 44)}) AS p, 1 AS generation, i, j
            FROM gen1r
        ), c2 AS (  -- a second generation below some finetunes
            SELECT 'synth-user-' || ({_hash(s, "c1.i * 1000 + c1.j", 47)} % 5000) || '/'
                       || split_part(c1.child_id, '/', 2) || '-quantized' AS child_id,
                   c1.child_id AS parent_id, 'quantized' AS relation,
                   'synth-user-' || ({_hash(s, "c1.i * 1000 + c1.j", 47)} % 5000) AS author,
                   c1.created_at + to_days(1 + floor({_u(s, "c1.i * 1000 + c1.j", 45)} * 60)::INT) AS created_at,
                   c1.p * 0.3 AS p, 2 AS generation, c1.i, c1.j
            FROM c1 WHERE c1.relation = 'finetune' AND {_u(s, "c1.i * 1000 + c1.j", 46)} < 0.25
        )
        SELECT * FROM c1 UNION ALL SELECT * FROM c2
        """
    )
    con.execute(
        f"""
        INSERT INTO hub_models
        SELECT child_id, any_value(author), min(created_at),
               floor(any_value(p) * 30)::BIGINT, floor(any_value(p) * 0.01)::BIGINT, 'text-generation',
               ['base_model:' || any_value(relation) || ':' || any_value(parent_id), 'synthetic'],
               least(min(created_at) + INTERVAL 1 DAY, TIMESTAMP '{end}'), TIMESTAMP '{end}', {run_id}
        FROM _synth_children WHERE created_at <= TIMESTAMP '{end}'
          AND child_id NOT IN (SELECT model_id FROM hub_models)
        GROUP BY child_id
        """
    )
    con.execute(
        f"""
        INSERT INTO derivative_edges
        SELECT DISTINCT child_id, parent_id, relation,
               least(created_at + INTERVAL 1 DAY, TIMESTAMP '{end}'), {run_id}
        FROM _synth_children WHERE created_at <= TIMESTAMP '{end}'
        ON CONFLICT DO NOTHING
        """
    )
    n = con.execute("SELECT count(*) FROM derivative_edges WHERE run_id = ?", [run_id]).fetchone()[0]
    con.execute("DROP TABLE _synth_children")
    return int(n)
