"""`derivatives` over a SYNTHETIC deep lineage (atomscope.testing.synthetic_lineage) against a recursive CTE.

    .venv/bin/python bench/bench_derivatives.py --hub-models 1e6 --depth 10 [--repeat 2] [--write]

The warehouse is a copy of bench_metrics' 1M-row synthetic warehouse (its tracked models, organizations
and facts) whose hub_models / derivative_edges are replaced by `--hub-models` derivatives in `--depth`
generations (bench/.data/lineage-<n>-d<depth>.duckdb, generated once). Each measurement is its own
process (bench_metrics.measure): `ibis` = derivatives_table (the metric's table, no notes), `sql` = the
hand-written recursive CTE of bench/impls.py, `ibis-full` = what `atomscope metric derivatives` runs
(build, notes, table). Results are compared with the Ibis table (`=` same rows, floats within 1e-9).
--interleave N adds N alternating ibis/sql rounds in this process (same load for both: a steadier ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import bench_metrics
from benchio import save

HERE = Path(__file__).resolve().parent
IMPLS = ("ibis", "sql", "ibis-full")


def lineage_warehouse(hub_models: int, depth: int) -> tuple[Path, dict]:
    import duckdb

    from atomscope.testing.synthetic_lineage import LineageSpec, build_deep_lineage

    spec = LineageSpec(hub_models=hub_models, depth=depth)
    path = bench_metrics.DATA / f"lineage-{hub_models:.0e}-d{depth}.duckdb".replace("+", "")
    if path.exists():
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute(
                "SELECT details FROM load_runs WHERE kind = 'synthetic' AND details LIKE '%lineage_spec%'"
            ).fetchone()
        if row:
            return path, json.loads(row[0])
        path.unlink()
    base, _ = bench_metrics.warehouse_for(1_000_000, 730)
    shutil.copyfile(base, path)
    with duckdb.connect(str(path)) as con:
        counts = build_deep_lineage(con, spec)
    return path, counts


def run(args) -> dict:
    path, data = lineage_warehouse(int(args.hub_models), args.depth)
    command = shlex.join(["python", "bench/bench_derivatives.py", *sys.argv[1:]])
    report = {"machine": bench_metrics.machine(), "data": data, "load_before": os.getloadavg()[0],
              "command": command, "results": {}}  # fmt: skip
    print(f"== {data['hub_models']:,} hub models, {data['derivative_edges']:,} edges, levels {data['level_sizes']}")
    import pandas as pd

    from atomscope.testing.compare import frame_differences

    frames = {}
    with tempfile.TemporaryDirectory() as tmp:
        for impl in IMPLS:
            saved = Path(tmp) / f"{impl}.pkl"
            repeat = 1 if impl == "ibis-full" else args.repeat
            res = bench_metrics.measure(path, impl, "derivatives", "region", repeat, saved)
            res["load_avg"] = os.getloadavg()[0]
            report["results"][impl] = res
            if saved.exists():
                frames[impl] = pd.read_pickle(saved)
            print(f"  {impl:<9} best {res.get('best_s', res.get('error'))} s (runs {res.get('times')}) "
                  f"peak {res.get('peak_rss_mib')} MiB, load {res['load_avg']:.1f}", flush=True)  # fmt: skip
    for impl, frame in frames.items():
        diffs = frame_differences(frames["ibis"], frame)
        report["results"][impl]["matches_reference"] = not diffs
        if diffs:
            print(f"    MISMATCH {impl}: {diffs[:2]}")
    if args.interleave:
        load = os.getloadavg()[0]
        report["interleaved"] = {"load_before": load, "runs": interleaved(path, args.interleave),
                                 "load_after": os.getloadavg()[0]}  # fmt: skip
        print(f"  interleaved: {report['interleaved']['runs']}", flush=True)
    report["load_after"] = os.getloadavg()[0]
    return report


def interleaved(path: Path, rounds: int) -> dict:
    """`ibis` and `sql` alternately in this one process, `rounds` times each: both see the same load
    drift, so their ratio is steadier on a shared machine than across separate processes. Per impl:
    wall and process CPU seconds (user + system) of every run."""
    import resource
    import time

    import duckdb
    import ibis
    import impls

    from atomscope import metrics

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    con = duckdb.connect(str(path), read_only=True)
    runs: dict[str, dict[str, list[float]]] = {"ibis": {"wall": [], "cpu": []}, "sql": {"wall": [], "cpu": []}}
    for _ in range(rounds):
        for impl in runs:
            c0, t0 = cpu(), time.perf_counter()
            if impl == "sql":
                impls.run_sql(con, "derivatives", "region")
            else:
                ctx = metrics.MetricContext(backend=ibis.duckdb.from_connection(con), by="region")
                bench_metrics._table_only("derivatives", ctx).to_pandas()
            runs[impl]["wall"].append(round(time.perf_counter() - t0, 3))
            runs[impl]["cpu"].append(round(cpu() - c0, 3))
    con.close()
    return runs


def markdown(report: dict) -> str:
    m, data, res = report["machine"], report["data"], report["results"]
    sql_s = res.get("sql", {}).get("best_s")
    lines = [
        "## Derivatives (deep lineage)",
        "",
        f"Command: `` {report['command']} ``  ",
        f"Machine: {m['nproc']} vCPU ({m['cpu']}), {m['ram_gib']} GiB RAM; Python {m['python']}, DuckDB {m['duckdb']}, "
        f"Ibis {m['ibis']}; run on {m['date']}; load average {report['load_before']:.1f} before, "
        f"{report['load_after']:.1f} after (machine shared with other work).",
        "",
        f"Data: SYNTHETIC lineage (atomscope.testing.synthetic_lineage): {data['hub_models']:,} hub models, "
        f"{data['derivative_edges']:,} derivative edges in {len(data['level_sizes'])} generations below the "
        f"tracked models of the 1M-row synthetic warehouse (models per level: "
        f"{', '.join(f'{n:,}' for n in data['level_sizes'])}; 5% merges with a second parent, 2% of level 1 "
        "below untracked bases). `ibis` = `derivatives --by region` table (no notes; the lineage unrolled "
        "into 10 join levels, as Spark needs); `sql` = hand-written DuckDB recursive CTE (bench/impls.py); "
        "`ibis-full` = build + notes + table, as `atomscope metric derivatives` runs it. Each its own process; "
        "best of the repeated runs; ratios from this run.",
        "",
        "| impl | best s | runs (s) | peak MiB | vs sql | same result |",
        "|---|---:|---|---:|---:|:-:|",
    ]
    for impl in IMPLS:
        r = res.get(impl, {})
        if "error" in r:
            lines.append(f"| {impl} | error: {r['error']} | | | | |")
            continue
        ratio = f"{r['best_s'] / sql_s:.2f}x" if sql_s else "-"
        same = "=" if r.get("matches_reference") else "DIFFERS"
        lines.append(f"| {impl} | {r['best_s']} | {', '.join(map(str, r['times']))} | {r['peak_rss_mib']} | "
                     f"{ratio} | {same} |")  # fmt: skip
    inter = report.get("interleaved")
    if inter:
        import statistics

        ibis_runs, sql_runs = inter["runs"]["ibis"], inter["runs"]["sql"]
        med = {k: (statistics.median(ibis_runs[k]), statistics.median(sql_runs[k])) for k in ("wall", "cpu")}
        lines += [
            "",
            f"Interleaved in one process ({len(sql_runs['wall'])} rounds of `ibis` then `sql`, load average "
            f"{inter['load_before']:.1f} before, {inter['load_after']:.1f} after; the table query only, no "
            "process start): both see the same load, so this ratio is the steadier one on a shared machine.",
            "",
            "| impl | wall s (runs) | median wall s | median CPU s | vs sql (median wall) | vs sql (median CPU) |",
            "|---|---|---:|---:|---:|---:|",
            f"| ibis | {', '.join(map(str, ibis_runs['wall']))} | {med['wall'][0]} | {med['cpu'][0]} | "
            f"{med['wall'][0] / med['wall'][1]:.2f}x | {med['cpu'][0] / med['cpu'][1]:.2f}x |",
            f"| sql | {', '.join(map(str, sql_runs['wall']))} | {med['wall'][1]} | {med['cpu'][1]} | 1.00x | 1.00x |",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hub-models", type=float, default=1e6)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--interleave", type=int, default=0, help="also N rounds of ibis/sql in one process")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md and bench/results/")
    args = parser.parse_args()
    report = run(args)
    text = markdown(report)
    print(text)
    if args.write:
        save("derivatives", report, "Derivatives (deep lineage)", text)


if __name__ == "__main__":
    main()
