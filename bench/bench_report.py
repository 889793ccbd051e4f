"""Report benchmark: `atomscope init` and `atomscope report` on the bundled data, as a user runs them.

    .venv/bin/python bench/bench_report.py [--repeat 3] [--write]

Each command runs as its own process under /usr/bin/time (wall time and peak RSS of that process); the
report is rebuilt --repeat times into fresh folders over the same warehouse. With --write the table goes
to BENCHMARKS.md under `## Report` (other sections kept).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchio import save

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def timed(cmd: list[str]) -> dict:
    """Run `cmd`; wall seconds and peak RSS (MiB) of that process (GNU time when present)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        full = [gnu_time, "-f", "%M", "-o", rss.name, *cmd] if gnu_time else cmd
        started = time.perf_counter()
        proc = subprocess.run(full, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        peak = None
        if gnu_time:
            text = Path(rss.name).read_text().strip().splitlines()
            peak = round(int(text[-1]) / 1024, 1) if text and text[-1].isdigit() else None
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mib": peak, "stderr_tail": proc.stderr.strip().splitlines()[-3:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    from bench_metrics import machine

    exe = str(Path(sys.executable).with_name("atomscope"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "atomscope.duckdb"
        load_before = os.getloadavg()[0]
        init = timed([exe, "init", "--db", str(db)])
        builds = [timed([exe, "report", "--db", str(db), "--out", str(Path(tmp) / f"site{i}")])
                  for i in range(args.repeat)]  # fmt: skip
        site = Path(tmp) / "site0"
        files = [p for p in site.rglob("*") if p.is_file()]
        size_mib = round(sum(p.stat().st_size for p in files) / 2**20, 2)
    report = {
        "machine": machine(),
        "command": " ".join(["python", "bench/bench_report.py", *sys.argv[1:]]),
        "load_before": load_before,
        "init": init,
        "builds": builds,
        "site_files": len(files),
        "site_mib": size_mib,
    }
    text = markdown(report)
    print(text)
    if args.write:
        save("report", report, "Report", text)


def markdown(r: dict) -> str:
    m = r["machine"]
    walls = [b["wall_s"] for b in r["builds"]]
    lines = [
        "## Report",
        "",
        f"Command: `{r['command']}`  ",
        f"Machine: {m['nproc']} vCPU ({m['cpu']}), {m['ram_gib']} GiB RAM; Python {m['python']}, DuckDB "
        f"{m['duckdb']}; run on {m['date']}; load average {r['load_before']:.1f} at the start (machine shared "
        "with other work).",
        "",
        "Bundled data only (no Hub snapshots: the hub sections say so). Each command is its own process, timed "
        "end to end (interpreter start and imports included); peak = that process's max RSS (GNU time).",
        "",
        "| step | wall s | peak MiB |",
        "|---|---:|---:|",
        f"| `atomscope init` (validate + load the bundled data) | {r['init']['wall_s']} "
        f"| {r['init']['peak_rss_mib']} |",
    ]
    for i, b in enumerate(r["builds"], 1):
        lines.append(f"| `atomscope report` build {i} | {b['wall_s']} | {b['peak_rss_mib']} |")
    lines += [
        "",
        f"Report build: best {min(walls)} s, median {sorted(walls)[len(walls) // 2]} s over {len(walls)} builds; "
        f"the site is {r['site_files']} files, {r['site_mib']} MiB.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
