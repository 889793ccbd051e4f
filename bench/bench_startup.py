"""Start-up time of the CLI as a user meets it: `atomscope --help` and `atomscope metric arena`.

Each command runs as its own process, `--repeat` times; wall and CPU (user + sys of the child) seconds
are recorded, best and median, with the load average before and after (the machine may be shared).
The warehouse is the bundled data, initialised once into a temporary folder. `metric arena` runs three ways:
after a write (a row written to the warehouse before every run, a real write: the kept answer no longer
matches its data version, while SQL compiled before it stays valid where it reads no data, the kept plan of
warehouse/plans.py included), with nothing kept (`<warehouse>.answers/` and `<warehouse>.compiled/` deleted
before every run: it compiles and computes), and warm (the answer kept by the previous run).

    python bench/bench_startup.py --repeat 7 [--write]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchio import save

COMMANDS = {
    "atomscope --help": ["--help"],
    "atomscope metric arena, first run after a write": ["metric", "arena"],
    "atomscope metric arena, nothing kept": ["metric", "arena"],
    "atomscope metric arena, warm": ["metric", "arena"],
}
TARGETS = dict.fromkeys(COMMANDS, 0.5) | {"atomscope --help": 0.25}
BEFORE = {"after a write": "write", "nothing kept": "delete"}  # what happens before each timed run


def _write(warehouse: Path) -> None:
    """One committed row, as any collector's write: the warehouse's data version changes."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("CREATE TABLE IF NOT EXISTS bench_writes (written TIMESTAMP)")
    con.execute("INSERT INTO bench_writes VALUES (now())")
    con.close()


def _run(exe: str, args: list[str], env: dict, before: str | None = None, db: Path | None = None) -> tuple:
    if before == "write":
        _write(db)
    elif before == "delete":  # nothing kept: the run compiles and computes
        for suffix in (".answers", ".compiled"):
            shutil.rmtree(db.with_name(db.name + suffix), ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([exe, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="update the Start-up section of BENCHMARKS.md")
    opts = parser.parse_args()
    exe = shutil.which("atomscope", path=str(Path(sys.executable).parent)) or "atomscope"
    folder = Path(tempfile.mkdtemp(prefix="atomscope-startup-"))
    env = {**os.environ, "ATOMSCOPE_DB": str(folder / "w.duckdb"), "COLUMNS": "120"}
    subprocess.run([exe, "init"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    load_before = os.getloadavg()[0]
    rows = []
    for name, args in COMMANDS.items():
        before = next((b for suffix, b in BEFORE.items() if name.endswith(suffix)), None)
        _run(exe, args, env)  # warm the file cache (and, once, keep what a first run keeps)
        runs = [_run(exe, args, env, before, folder / "w.duckdb") for _ in range(opts.repeat)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        met = "met" if min(walls) < TARGETS[name] else "NOT met"
        rows.append(
            f"| `{name}` | {min(walls):.2f} | {statistics.median(walls):.2f} | {min(cpus):.2f} | "
            f"{statistics.median(cpus):.2f} | {TARGETS[name]} s | {met} (best wall) |"
        )
    load_after = os.getloadavg()[0]
    shutil.rmtree(folder, ignore_errors=True)
    body = "\n".join(
        [
            "## Start-up",
            "",
            f"Command: `python bench/bench_startup.py --repeat {opts.repeat} --write`  ",
            f"Load average {load_before:.1f} before, {load_after:.1f} after (machine shared with other work); "
            f"each command its own process, {opts.repeat} runs after one warm-up, bundled warehouse.",
            "",
            "| command | best wall s | median wall s | best CPU s | median CPU s | target | |",
            "|---|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
            "cli/ imports no heavy library at start-up (tests/cli/test_startup_imports.py), and a kept answer is",
            "printed without Ibis, DuckDB or pandas (tests/cli/test_metric_answers.py): the warm run is Python,",
            "Typer and Rich plus reading one JSON file. After a write, the run finds the plan kept by an earlier",
            "run (warehouse/plans.py: arena's SQL reads no data while it is built) and runs its table and notes SQL",
            "on DuckDB alone, without Ibis or pandas (tests/cli/test_metric_plans.py). With nothing kept, the run",
            "imports Ibis (not pandas: tests/cli/test_metric_plans.py), builds the expression, compiles its table",
            "and notes SQL and runs them.",
        ]
    )
    print(body)
    if opts.write:
        report = {"load_before": load_before, "load_after": load_after, "rows": rows}
        print("raw results:", save("startup", report, "Start-up", body))


if __name__ == "__main__":
    main()
