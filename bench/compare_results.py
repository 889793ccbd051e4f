"""Same answers before and after a change to the month engine: dump every grouping of the metrics built on
monthly downloads and on interpolation, then compare two dumps.

    .venv/bin/python bench/compare_results.py build DIR          # the warehouses below, into DIR
    PYTHONPATH=/path/to/old/src .venv/bin/python bench/compare_results.py dump DIR before.pkl
    .venv/bin/python bench/compare_results.py dump DIR after.pkl
    .venv/bin/python bench/compare_results.py compare before.pkl after.pkl

Warehouses (`build`): `bundled` (`atomscope init`: the bundled data), `dumps` (the bundled warehouse after
importing the SYNTHETIC monthly hub-stats-shaped dumps of atomscope.testing.synthetic_dumps, as
tests/report/test_headline_history.py does) and `history` (a SYNTHETIC daily history,
atomscope.testing.synthetic_history, plus SYNTHETIC ModelScope cumulative counts for some of its models so
that `--by hub` reads ModelScope's raw points). `dump` runs every metric of METRICS for every grouping and
parameter set (table and notes, through `metrics.run`, no compiled-SQL cache) on each warehouse of DIR.
`compare` prints, per case, `=` (identical: same rows, floats equal), `~` (floats equal to 12 significant
digits: summation order) or the differences, and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from pathlib import Path

METRICS: dict[str, list[dict]] = {
    "downloads": [{}, {"hubs": "both"}, {"backcast": True}],
    "concentration": [{}, {"backcast": True}],
    "crossover": [{}],
    "ram_v1": [{}, {"checkpoints": "0,1,29,30,31,45,400"}],
    "ram_v2": [{}, {"checkpoints": "0,1,29,30,31,45,400"}],
}
WAREHOUSES = ("bundled", "dumps", "history")


def _cli(*args) -> None:
    from atomscope.cli import main

    argv, sys.argv = sys.argv, ["atomscope", *map(str, args)]
    try:
        main()
    except SystemExit as exc:
        if exc.code:
            raise RuntimeError(f"atomscope {' '.join(map(str, args))} exited {exc.code}") from None
    finally:
        sys.argv = argv


def _modelscope_history(path: Path) -> None:
    """SYNTHETIC ModelScope cumulative counts for every 7th tracked model of the history (some unmapped):
    raw daily points with a gap, so that months_from_points reads points that are not month ends."""
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("""
            INSERT INTO modelscope_snapshots (snapshot_date, modelscope_id, namespace, downloads, created_at,
                                              org_key, model_id, match, collected_at, endpoint, run_id)
            SELECT s.snapshot_date, 'ms/' || s.model_id, 'ms', (s.downloads_all_time / 3)::BIGINT,
                   s.created_at, NULL, CASE WHEN hash(s.model_id) % 3 = 0 THEN NULL ELSE s.model_id END,
                   CASE WHEN hash(s.model_id) % 3 = 0 THEN NULL ELSE 'curated' END,
                   now(), 'synthetic://modelscope', 0
            FROM hf_snapshots s JOIN (SELECT model_id, row_number() OVER (ORDER BY model_id) AS k FROM models) m
              USING (model_id)
            WHERE m.k % 7 = 0 AND s.downloads_all_time IS NOT NULL AND day(s.snapshot_date) % 5 <> 0
              AND NOT (s.snapshot_date BETWEEN DATE '2025-03-10' AND DATE '2025-05-20')
        """)


def build(folder: Path) -> None:
    import shutil

    from atomscope.testing.synthetic_dumps import SyntheticDumps
    from atomscope.testing.synthetic_history import HistorySpec, generate_history
    from atomscope.warehouse import db

    folder.mkdir(parents=True, exist_ok=True)
    bundled = folder / "bundled.duckdb"
    _cli("init", "--db", bundled)
    dumps = folder / "dumps.duckdb"
    shutil.copy(bundled, dumps)
    for dump, day in SyntheticDumps().write(folder / "dump-files"):
        _cli("import", "hub-dump", dump, "--date", day.isoformat(), "--db", dumps)
    history = folder / "history.duckdb"
    con = db.connect(history)
    generate_history(con, HistorySpec.for_rows(60_000, days=730))
    con.close()
    _modelscope_history(history)


def dump(folder: Path, out: Path) -> None:
    import duckdb
    import ibis

    from atomscope import metrics

    results: dict[tuple, tuple] = {}
    for warehouse in WAREHOUSES:
        con = duckdb.connect(str(folder / f"{warehouse}.duckdb"), read_only=True)
        backend = ibis.duckdb.from_connection(con)
        for name, param_sets in METRICS.items():
            spec = metrics.get(name)
            for params in param_sets:
                for by in spec.by_choices or (None,):
                    ctx = metrics.MetricContext(backend, by=by, params=dict(params))
                    try:
                        result = metrics.run(spec, ctx)
                        value = (result.table.to_pandas(), list(result.notes))
                    except Exception as exc:  # noqa: BLE001 - a refusal is an answer to compare too
                        value = (None, [f"{type(exc).__name__}: {exc}"])
                    key = (warehouse, name, by, tuple(sorted(params.items())))
                    results[key] = value
                    rows = "-" if value[0] is None else len(value[0])
                    print(f"{warehouse:8} {name:14} {by or '-':12} {params or ''} rows={rows}", flush=True)
        con.close()
    out.write_bytes(pickle.dumps(results))


def _same(a, b) -> str:
    """'=' identical, '~' floats equal to 12 significant digits, '' different."""
    if a == b or (a is None and b is None):
        return "="
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return "="
        return "~" if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9) else ""
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        marks = [_same(x, y) for x, y in zip(a, b, strict=True)]
        return "" if "" in marks else ("~" if "~" in marks else "=")
    return ""


def compare(before: Path, after: Path) -> int:
    from atomscope.testing.compare import normalized_rows

    old, new = pickle.loads(before.read_bytes()), pickle.loads(after.read_bytes())
    failures = 0
    for key in sorted(set(old) | set(new), key=str):
        if key not in old or key not in new:
            print(f"!  {key}: only in {'after' if key in new else 'before'}")
            failures += 1
            continue
        (fa, na), (fb, nb) = old[key], new[key]
        problems = [] if na == nb else [f"notes differ: {na} vs {nb}"]
        mark = "="
        if (fa is None) != (fb is None):
            problems.append("one side failed")
        elif fa is not None:
            if list(fa.columns) != list(fb.columns) or len(fa) != len(fb):
                problems.append(f"shape differs: {list(fa.columns)} {len(fa)} vs {list(fb.columns)} {len(fb)}")
            else:
                for i, (x, y) in enumerate(zip(normalized_rows(fa, 10), normalized_rows(fb, 10), strict=True)):
                    same = _same(x, y)
                    if not same:
                        problems.append(f"row {i}: {x} vs {y}")
                        break
                    mark = "~" if same == "~" else mark
        rows = "-" if fa is None else len(fa)
        print(f"{'!' if problems else mark}  {key} rows={rows}" + "".join(f"\n     {p}" for p in problems))
        failures += bool(problems)
    print(f"{len(set(old) | set(new))} cases, {failures} different")
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build").add_argument("folder", type=Path)
    d = sub.add_parser("dump")
    d.add_argument("folder", type=Path)
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "build":
        build(args.folder)
    elif args.command == "dump":
        dump(args.folder, args.out)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
