"""EXPLAIN ANALYZE of a metric's compiled SQL against the hand-written SQL (bench/impls.py), on DuckDB.

    .venv/bin/python bench/explain_metrics.py bench/.data/synthetic-1e07.duckdb [--top 12] [--repeat 3]

For `downloads --by region` and `concentration --by all`: the metric's output table (as bench_metrics.py's
`ibis`, no notes) compiled to DuckDB SQL, and the hand-written SQL, each profiled by DuckDB (JSON profile of
the query's run: operator, time, rows out). Prints, per query, the wall time of the profiled run, the
operators' total and the heaviest operators, then the operators of each kind summed, side by side. Data:
the SYNTHETIC warehouses bench_metrics.py generates (bench/.data/).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from impls import SQL  # noqa: E402

CASES = [("downloads", "region"), ("concentration", "all")]


def _walk(node: dict, depth: int = 0):
    yield depth, node
    for child in node.get("children", []):
        yield from _walk(child, depth + 1)


def _name(node: dict) -> str:
    return str(node.get("name") or node.get("operator_name") or node.get("operator_type") or "?").strip()


def profile(con, sql: str, repeat: int) -> tuple[float, list[tuple[str, float, int]]]:
    """Best wall time of `repeat` profiled runs and that run's operators (name, seconds, rows out)."""
    best: tuple[float, list] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.json"
        con.execute("PRAGMA enable_profiling = 'json'")
        con.execute(f"PRAGMA profiling_output = '{out}'")
        for _ in range(repeat):
            started = time.perf_counter()
            con.execute(sql).fetchall()
            wall = time.perf_counter() - started
            tree = json.loads(out.read_text())
            roots = tree.get("operator") or tree.get("children") or []  # DuckDB 2 / 1.x profile layouts
            nodes = [n for root in roots for _d, n in _walk(root)]
            ops = [(_name(n), float(n.get("timing", n.get("operator_timing", 0))),
                    int(n.get("intermediate_rows", n.get("operator_cardinality", 0)))) for n in nodes]  # fmt: skip
            if best is None or wall < best[0]:
                best = (wall, ops)
        con.execute("PRAGMA disable_profiling")
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import duckdb
    import ibis

    from atomscope import metrics

    con = duckdb.connect(str(args.warehouse), read_only=True)
    con.execute("SET threads = 2")
    backend = ibis.duckdb.from_connection(con)
    for name, by in CASES:
        table = metrics.run(metrics.get(name), metrics.MetricContext(backend, by=by)).table
        queries = {"ibis": backend.compile(table), "sql": SQL[(name, by)]}
        kinds: dict[str, Counter] = {}
        print(f"== {name} --by {by}")
        for impl, sql in queries.items():
            wall, ops = profile(con, sql, args.repeat)
            total = sum(t for _n, t, _c in ops)
            print(f"-- {impl}: best wall {wall:.3f} s, operators {total:.3f} s CPU-summed, {len(ops)} operators")
            for op, seconds, rows in sorted(ops, key=lambda o: -o[1])[: args.top]:
                print(f"   {seconds:8.3f} s  {rows:>12,} rows  {op}")
            kinds[impl] = Counter()
            for op, seconds, _rows in ops:
                kinds[impl][op] += seconds
        print("-- by operator kind (seconds summed): ibis | sql")
        for op in sorted(set(kinds["ibis"]) | set(kinds["sql"]), key=lambda o: -(kinds["ibis"][o] + kinds["sql"][o])):
            print(f"   {op:<28} {kinds['ibis'][op]:8.3f} | {kinds['sql'][op]:8.3f}")
    con.close()


if __name__ == "__main__":
    main()
