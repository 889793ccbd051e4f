"""Metric benchmark over SYNTHETIC snapshot histories (atomscope.testing.synthetic_history).

    .venv/bin/python bench/bench_metrics.py --rows 1e6 --rows 1e7 --rows 1e8 [--write]

For each size: generate (or reuse) a synthetic warehouse in bench/.data/, then in separate processes (one
per measurement, so that peak RSS is that process's own: VmHWM from /proc/self/status):

* every registered metric through Ibis on DuckDB (what `atomscope metric NAME` runs: build + notes + table);
* for `downloads --by region` and `concentration --by all`: the Ibis metric's table alone (as committed;
  `ibis-sql`: its compiled SQL alone, compiled before timing), hand-written DuckDB SQL (bench/impls.py)
  and pandas (load + compute; skipped above --pandas-max-rows, see the note it prints).

Every implementation's result is compared with the Ibis metric's (rows in any order, floats 1e-9) and a
mismatch is reported. Times are the best of --repeat runs inside one process. Ratios in the output are
from the same run. With --write the tables go to BENCHMARKS.md under `## Metrics` (other sections kept)
and the raw JSON to bench/results/. --before bench/results/metrics-<stamp>.json adds that earlier run's
sizes that this run does not measure, under a heading that says they were measured before (what the
metric then was is given with --before-label).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchio import save, write_section

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
COMPARED = [("downloads", "region"), ("concentration", "all")]
IMPLS = ("ibis", "ibis-sql", "sql", "pandas")


# ------------------------------------------------------------------------------------------- machine


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    import duckdb
    import ibis

    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(mem / 2**30, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


# ---------------------------------------------------------------------------------------------- data


def warehouse_for(rows: int, days: int) -> tuple[Path, dict]:
    """bench/.data/synthetic-<rows>.duckdb, generated once per (rows, days)."""
    import duckdb

    from atomscope.testing.synthetic_history import HistorySpec, generate_history
    from atomscope.warehouse import db

    spec = HistorySpec.for_rows(rows, days=days)
    path = DATA / f"synthetic-{rows:.0e}.duckdb".replace("+", "")
    if path.exists():
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                row = con.execute(
                    "SELECT details FROM load_runs WHERE kind = 'synthetic' AND status = 'ok' ORDER BY run_id DESC"
                ).fetchone()
            details = json.loads(row[0]) if row else {}
            if details.get("spec", {}).get("models") == spec.models and details["spec"]["days"] == days:
                return path, {**details, "generated_s": None}
        except duckdb.Error:
            pass
        path.unlink()
    DATA.mkdir(parents=True, exist_ok=True)
    con = db.connect(path)
    started = time.perf_counter()
    details = generate_history(con, spec)
    con.close()
    return path, {**details, "generated_s": round(time.perf_counter() - started, 1)}


# --------------------------------------------------------------------------------------------- child


def child(args) -> None:
    """One measurement in this process; prints a JSON line."""
    import duckdb
    import ibis

    sys.path.insert(0, str(HERE))
    from atomscope import metrics

    con = duckdb.connect(str(args.db), read_only=True)
    out: dict = {"impl": args.impl, "metric": args.metric, "by": args.by}
    times, frame, compiled = [], None, None
    if args.impl == "ibis-sql":  # compiled once, untimed: what `atomscope metric` runs from its compiled-SQL cache
        backend = ibis.duckdb.from_connection(con)
        ctx = metrics.MetricContext(backend=backend, by=args.by or metrics.get(args.metric).default_by)
        compiled = backend.compile(_table_only(args.metric, ctx))
    for _ in range(args.repeat):
        started = time.perf_counter()
        if args.impl in ("ibis", "ibis-full"):
            backend = ibis.duckdb.from_connection(con)
            spec = metrics.get(args.metric)
            ctx = metrics.MetricContext(backend=backend, by=args.by or None)
            if args.impl == "ibis-full":  # what the CLI does: build, notes, table
                result = metrics.run(spec, ctx)
                frame = result.table.to_pandas()
            else:  # the table alone (no notes), comparable with the SQL and pandas versions
                ctx.by = ctx.by or spec.default_by
                frame = _table_only(args.metric, ctx).to_pandas()
        elif args.impl == "ibis-sql":
            frame = con.execute(compiled).df()
        elif args.impl == "sql":
            import impls

            frame = impls.run_sql(con, args.metric, args.by)
        elif args.impl == "pandas":
            import impls

            loaded = time.perf_counter()
            data = impls.load_pandas(con)
            out["load_s"] = round(time.perf_counter() - loaded, 3)
            frame = impls.PANDAS[(args.metric, args.by)](data)
            del data
        times.append(time.perf_counter() - started)
    out["times"] = [round(t, 3) for t in times]
    out["best_s"] = round(min(times), 3)
    out["rows_out"] = len(frame)
    out["vmhwm_mib"] = _vmhwm_mib()
    if args.save:
        frame.to_pickle(args.save)
    print(json.dumps(out))


def _vmhwm_mib() -> float | None:
    """This process's peak resident set (VmHWM: since exec, so not inflated by the parent at fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _table_only(metric: str, ctx):
    """The metric's output table without its notes."""
    if metric == "downloads":
        from atomscope.metrics.downloads import grouped_downloads

        return grouped_downloads(ctx, ctx.by)
    if metric == "derivatives":
        from atomscope.metrics import derivatives

        ctx.params = {name: p.default for name, p in derivatives.METRIC.params.items()} | ctx.params
        return derivatives.derivatives_table(ctx, ctx.by)
    if metric == "concentration":
        from atomscope.metrics.concentration import concentration_table

        return concentration_table(ctx, ctx.by)
    from atomscope import metrics

    return metrics.run(metrics.get(metric), ctx).table


def measure(db: Path, impl: str, metric: str, by: str | None, repeat: int, save: Path | None) -> dict:
    cmd = [sys.executable, __file__, "--child", impl, "--db", str(db), "--metric", metric,
           "--by", by or "", "--repeat", str(repeat)]  # fmt: skip
    if save:
        cmd += ["--save", str(save)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        return {"impl": impl, "metric": metric, "by": by, "error": stderr.strip().splitlines()[-1:] or ["?"]}
    result = json.loads(stdout.strip().splitlines()[-1])
    result["process_s"] = round(wall, 2)
    result["peak_rss_mib"] = result.pop("vmhwm_mib", None)
    return result


# ----------------------------------------------------------------------------------------------- run


def run(args) -> dict:
    from atomscope import metrics
    from atomscope.testing.compare import frame_differences

    report = {"machine": machine(), "command": shlex.join(["python", "bench/bench_metrics.py", *sys.argv[1:]]),
              "sizes": []}  # fmt: skip
    names = sorted(metrics.REGISTRY)
    for rows in args.rows:
        path, gen = warehouse_for(int(rows), args.days)
        size = {"target_rows": int(rows), "snapshot_rows": gen.get("snapshot_rows"), "models": gen.get("models"),
                "days": args.days, "generated_s": gen.get("generated_s"), "load_before": os.getloadavg()[0],
                "all_metrics": [], "compared": []}  # fmt: skip
        print(f"== {size['snapshot_rows']:,} snapshot rows ({size['models']:,} models x {args.days} days)", flush=True)
        repeat = args.repeat if rows <= args.repeat_max_rows else 1
        size["repeat"] = repeat
        for metric, by in COMPARED:
            with tempfile.TemporaryDirectory() as tmp:
                frames, results = {}, {}
                for impl in IMPLS:
                    if impl == "pandas" and rows > args.pandas_max_rows:
                        results[impl] = {"impl": impl, "skipped": f"> --pandas-max-rows {args.pandas_max_rows:.0e}"}
                        continue
                    if impl == "ibis" and rows > args.ibis_max_rows:
                        results[impl] = {"impl": impl, "skipped": f"> --ibis-max-rows {args.ibis_max_rows:.0e}"}
                        continue
                    save = Path(tmp) / f"{impl}.pkl"
                    res = measure(path, impl, metric, by, repeat, save)
                    results[impl] = res
                    if save.exists():
                        import pandas as pd

                        frames[impl] = pd.read_pickle(save)
                    print(f"  {metric}/{by} {impl:<9} best {res.get('best_s', res.get('error'))} s "
                          f"(runs {res.get('times')}) peak {res.get('peak_rss_mib')} MiB", flush=True)  # fmt: skip
                reference = frames.get("ibis", frames.get("sql"))
                for impl, frame in frames.items():
                    diffs = frame_differences(reference, frame)
                    results[impl]["matches_reference"] = not diffs
                    if diffs:
                        print(f"    MISMATCH {impl}: {diffs[:2]}", flush=True)
                size["compared"].append({"metric": metric, "by": by, "results": results})
        if args.skip_all or rows > args.all_max_rows:
            size["all_skipped"] = f"every-metric pass skipped above --all-max-rows {args.all_max_rows:.0e}"
        else:
            for name in names:
                res = measure(path, "ibis-full", name, None, 1, None)
                size["all_metrics"].append(res)
                print(f"  all   {name:<14} {res.get('best_s', res.get('error'))} s  {res.get('peak_rss_mib')} MiB",
                      flush=True)  # fmt: skip
        size["load_after"] = os.getloadavg()[0]
        report["sizes"].append(size)
    return report


# -------------------------------------------------------------------------------------------- output


def _ratio(a, b) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "## Metrics",
        "",
        f"Command: `` {report['command']} ``  ",
        f"Machine: {m['nproc']} vCPU ({m['cpu']}), {m['ram_gib']} GiB RAM; Python {m['python']}, DuckDB "
        f"{m['duckdb']}, Ibis {m['ibis']}; run on {m['date']}. Data: SYNTHETIC histories "
        "(atomscope.testing.synthetic_history, seed 42, 730 days); DuckDB warehouse file, 2 threads.",
        "",
        "Best of the repeated runs inside one process; peak = that process's peak resident memory (VmHWM). Ratios are "
        "from the same run. `ibis` = the metric as committed (table only, no notes: build, compile, run); "
        "`ibis-sql` = its compiled SQL alone (compiled once before timing, as the compiled-SQL cache runs it); "
        "`sql` = hand-written DuckDB SQL (bench/impls.py); `pandas` = load + compute (bench/impls.py). Every result "
        "was compared with the metric's own output (`=` same rows, floats within 1e-9).",
        "",
        *summary(report),
    ]
    lines += sizes_markdown(report["sizes"])
    before = report.get("before")
    if before:
        done = {size["target_rows"] for size in report["sizes"]}
        older = [size for size in before["report"]["sizes"] if size["target_rows"] not in done]
        if older:
            m = before["report"]["machine"]
            lines += [
                "### Measured BEFORE this change (not re-run)",
                "",
                f"From {before['path']}: command `` {before['report']['command']} ``, run on {m['date']}; {m['nproc']} "
                f"vCPU, {m['ram_gib']} GiB RAM, DuckDB {m['duckdb']}, Ibis {m['ibis']}. {before.get('label', '')}",
                "",
                *summary({"sizes": older, "machine": m}, impls=_impls(older))[2:],
                *sizes_markdown(older, heading_note=" - measured BEFORE this change"),
            ]
    return "\n".join(lines)


def _impls(sizes: list[dict]) -> list[str]:
    """The implementations measured in these sizes, in the order they were run."""
    seen: list[str] = []
    for size in sizes:
        for comp in size["compared"]:
            seen += [impl for impl in comp["results"] if impl not in seen]
    return seen


def sizes_markdown(sizes: list[dict], heading_note: str = "") -> list[str]:
    lines: list[str] = []
    impls = _impls(sizes)
    for size in sizes:
        load = f"load average {size['load_before']:.1f} before, {size['load_after']:.1f} after"
        gen = f", generated in {size['generated_s']} s" if size.get("generated_s") else ""
        runs = f"; best of {size.get('repeat', 1)} run(s)"
        lines += [f"### {size['snapshot_rows']:,} snapshot rows ({size['models']:,} models x {size['days']} days)"
                  f"{heading_note}",
                  "", f"({load}{gen}{runs})", ""]  # fmt: skip
        lines += ["| metric | impl | best s | peak MiB | vs sql | pandas / impl | same result |",
                  "|---|---|---:|---:|---:|---:|:-:|"]  # fmt: skip
        for comp in size["compared"]:
            res = comp["results"]
            sql_s = res.get("sql", {}).get("best_s")
            pd_s = res.get("pandas", {}).get("best_s")
            for impl in impls:
                r = res.get(impl, {})
                if "skipped" in r:
                    lines.append(f"| {comp['metric']} --by {comp['by']} | {impl} | skipped: {r['skipped']} | | | | |")
                    continue
                if "error" in r:
                    lines.append(f"| {comp['metric']} --by {comp['by']} | {impl} | error: {r['error']} | | | | |")
                    continue
                extra = f" (load {r['load_s']} s)" if "load_s" in r else ""
                lines.append(
                    f"| {comp['metric']} --by {comp['by']} | {impl} | {r['best_s']}{extra} | {r['peak_rss_mib']} | "
                    f"{_ratio(r['best_s'], sql_s)} | {_ratio(pd_s, r['best_s'])} | "
                    f"{'=' if r.get('matches_reference') else 'DIFFERS'} |"
                )
        if size["all_metrics"]:
            lines += ["", "Every registered metric, as `atomscope metric NAME` runs it (build, notes, table):", "",
                      "| metric | seconds | peak MiB |", "|---|---:|---:|"]  # fmt: skip
            for r in size["all_metrics"]:
                lines.append(f"| {r['metric']} | {r.get('best_s', r.get('error'))} | {r.get('peak_rss_mib')} |")
        elif size.get("all_skipped"):
            lines += ["", f"({size['all_skipped']}.)"]
        lines.append("")
    return lines


def summary(report: dict, impls: tuple | list = ("ibis",)) -> list[str]:
    """Targets (<= 1.25x SQL, >= 10x pandas, 100M rows < 60 s and < 8 GiB) checked against this run."""

    def get(size, metric, impl, key="best_s"):
        for comp in size["compared"]:
            if comp["metric"] == metric:
                return comp["results"].get(impl, {}).get(key)
        return None

    lines = ["Targets against this run (`downloads --by region`):", ""]
    for size in report["sizes"]:
        n = f"{size['snapshot_rows'] / 1e6:,.0f}M rows"
        parts = []
        for impl in impls:
            t, sql_s, pd_s = (
                get(size, "downloads", impl),
                get(size, "downloads", "sql"),
                get(size, "downloads", "pandas"),
            )
            mem = get(size, "downloads", impl, "peak_rss_mib")
            if t is None or impl not in ("ibis", "ibis-ends"):
                continue
            text = f"`{impl}` {t:.1f} s = {t / sql_s:.2f}x SQL" if sql_s else f"`{impl}` {t:.1f} s"
            text += f", {pd_s / t:.1f}x faster than pandas" if pd_s else ""
            text += f", peak {mem / 1024:.1f} GiB" if mem else ""
            parts.append(text)
        lines.append(f"* {n}: " + "; ".join(parts) + ".")
    measured = [s for s in report["sizes"] if get(s, "downloads", "pandas")]
    skipped = [s for s in report["sizes"] if not get(s, "downloads", "pandas")]
    if measured and skipped:
        big = measured[-1]
        peak = get(big, "downloads", "pandas", "peak_rss_mib") or 0
        scale = skipped[-1]["snapshot_rows"] / big["snapshot_rows"]
        lines.append(
            f"* pandas is not run at {skipped[-1]['snapshot_rows'] / 1e6:,.0f}M rows: it peaked at "
            f"{peak / 1024:.1f} GiB "
            f"for {big['snapshot_rows'] / 1e6:,.0f}M rows and grows linearly (about {peak * scale / 1024:.0f} GiB "
            f"needed; the machine has {report['machine']['ram_gib']} GiB), so it does not fit."
        )
    lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=float, action="append", help="snapshot rows (repeatable), e.g. 1e6")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pandas-max-rows", type=float, default=2e7)
    parser.add_argument("--ibis-max-rows", type=float, default=1e9)
    parser.add_argument("--repeat-max-rows", type=float, default=2e7, help="above this, run each once")
    parser.add_argument("--all-max-rows", type=float, default=2e7, help="every-metric pass up to this size")
    parser.add_argument("--skip-all", action="store_true", help="skip the every-metric pass")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md and bench/results/")
    parser.add_argument("--before", type=Path, help="an earlier bench/results/metrics-*.json to append")
    parser.add_argument("--before-label", default="", help="what the metric was in that earlier run")
    # child mode
    parser.add_argument("--render", type=Path, help="re-render a bench/results/metrics-*.json (no run)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--metric", help=argparse.SUPPRESS)
    parser.add_argument("--by", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.impl = args.child
        child(args)
        return
    if args.render:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        text = markdown(report)
        print(text)
        if args.write:
            write_section(ROOT / "BENCHMARKS.md", "Metrics", text)
        return
    args.rows = args.rows or [1e6]
    report = run(args)
    if args.before:
        earlier = json.loads(args.before.read_text(encoding="utf-8"))
        report["before"] = {"path": str(args.before.resolve().relative_to(ROOT)), "label": args.before_label,
                            "report": {k: earlier[k] for k in ("machine", "command", "sizes")}}  # fmt: skip
    text = markdown(report)
    print(text)
    if args.write:
        save("metrics", report, "Metrics", text)


if __name__ == "__main__":
    main()
