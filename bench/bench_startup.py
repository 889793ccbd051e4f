"""Start-up time of the CLI as a user meets it: `atomscope --help` and `atomscope metric arena`.

Each command runs as its own process, `--repeat` times; wall and CPU (user + sys of the child) seconds
are recorded, best and median, with the load average before and after (the machine may be shared).
The warehouse is the bundled data, initialised once into a temporary folder. `metric arena` runs cold
(its kept answer and compiled SQL deleted before every run: the first run after a write to the
warehouse) and warm (the answer kept by the previous run, `<warehouse>.answers/`).

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
    "atomscope metric arena, cold": ["metric", "arena"],
    "atomscope metric arena, warm": ["metric", "arena"],
}
TARGETS = {"atomscope --help": 0.25, "atomscope metric arena, cold": 0.5, "atomscope metric arena, warm": 0.5}


def _run(exe: str, args: list[str], env: dict, cold: Path | None = None) -> tuple[float, float]:
    if cold is not None:  # nothing kept: the run compiles and computes
        for suffix in (".answers", ".compiled"):
            shutil.rmtree(cold.with_name(cold.name + suffix), ignore_errors=True)
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
        cold = folder / "w.duckdb" if name.endswith("cold") else None
        _run(exe, args, env)  # warm the file cache
        runs = [_run(exe, args, env, cold) for _ in range(opts.repeat)]
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
            "Typer and Rich plus reading one JSON file; the cold run adds those imports, building the Ibis",
            "expression, its notes queries and compiling it.",
        ]
    )
    print(body)
    if opts.write:
        report = {"load_before": load_before, "load_after": load_after, "rows": rows}
        print("raw results:", save("startup", report, "Start-up", body))


if __name__ == "__main__":
    main()
