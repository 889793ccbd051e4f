"""Dump import benchmark: a SYNTHETIC 2.2M-row file in the real hub-stats `models.parquet` schema.

    .venv/bin/python bench/bench_hubstats.py [--rows 2200000] [--keep FILE] [--write]

The file is SYNTHETIC (generated here in a temporary folder, labelled `synthetic` in its Parquet
metadata, deleted afterwards): one row per model with `_id`, `id`, `author`, `createdAt`, `lastModified`,
`downloads`, `downloadsAllTime`, `likes`, `trendingScore`, `tags` (list), `pipeline_tag`, `library_name`,
`safetensors` (struct: `parameters` map, `total`), `baseModels` (struct), `gated`, `cardData` (text).
About 35% of the rows carry lineage (`base_model:<relation>:<parent>` tags and `baseModels`), the tracked
models of the bundled catalog are among the rows, and 1 in 10,000 ids is repeated in another case.

Measured, each as its own process: `atomscope import hub-dump FILE --date D` into a fresh warehouse of the
bundled data (wall time and peak RSS of the process), and a bare DuckDB scan of the same file reading the
same columns (`SELECT count(*), sum(...), ... FROM read_parquet(...)`), whose time is the ratio's
denominator. With --write the table goes to BENCHMARKS.md under `## Hub dump import`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from benchio import save, write_section  # noqa: E402

CLI = Path(sys.executable).parent / "atomscope"
DAY = date(2025, 6, 1)
CHUNK = 100_000
PIPELINES = ["text-generation", "text-classification", "image-classification", "automatic-speech-recognition",
             "feature-extraction", None]  # fmt: skip
LIBRARIES = ["transformers", "gguf", "peft", "diffusers", "sentence-transformers", None]
RELATIONS = ["finetune", "adapter", "quantized", "merge"]


def tracked_ids() -> list[str]:
    path = ROOT / "src" / "atomscope" / "data" / "atom_tracked_models.csv"
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        column = next(c for c in reader.fieldnames or [] if c in ("model_id", "hf_id", "repo_id", "model"))
        return [row[column] for row in reader if row[column]]


def chunk_table(rng: np.random.Generator, start: int, n: int, tracked: list[str]) -> pa.Table:
    idx = np.arange(start, start + n)
    ids = [f"synth-org-{i % 50_000}/synthetic-model-{i}" for i in idx]
    for k, i in enumerate(idx):
        if i < len(tracked):
            ids[k] = tracked[i]
        elif i % 10_000 == 7:
            ids[k] = f"SYNTH-ORG-{(i - 1) % 50_000}/SYNTHETIC-MODEL-{i - 1}"  # a case-insensitive duplicate
    lineage = rng.random(n) < 0.35
    parents = [f"synth-org-{p % 50_000}/synthetic-model-{p}" for p in rng.integers(0, 2_200_000, n)]
    relations = rng.choice(RELATIONS, n)
    tags, base = [], []
    for k in range(n):
        t = ["transformers", "safetensors", "text-generation", "license:apache-2.0", "region:us"]
        if lineage[k]:
            t += [f"base_model:{parents[k]}", f"base_model:{relations[k]}:{parents[k]}"]
            base.append({"models": [{"_id": f"synthetic{k}", "id": parents[k]}], "relation": str(relations[k])})
        else:
            base.append(None)
        tags.append(t)
    created = rng.integers(1_577_836_800_000_000, 1_748_736_000_000_000, n)
    d30 = rng.zipf(1.6, n).astype(np.int64) % 10_000_000
    params = rng.integers(100_000_000, 80_000_000_000, n)
    has_params = rng.random(n) < 0.6
    safetensors_type = pa.struct([("parameters", pa.map_(pa.string(), pa.int64())), ("total", pa.int64())])
    base_type = pa.struct([("models", pa.list_(pa.struct([("_id", pa.string()), ("id", pa.string())]))),
                           ("relation", pa.string())])  # fmt: skip
    return pa.table({
        "_id": pa.array([f"synthetic{i:020x}" for i in idx]),
        "id": pa.array(ids),
        "author": pa.array([i.split("/")[0] for i in ids]),
        "createdAt": pa.array(created, pa.timestamp("us", tz="UTC")),
        "lastModified": pa.array(created + 86_400_000_000, pa.timestamp("us", tz="UTC")),
        "downloads": pa.array(d30, pa.int64()),
        "downloadsAllTime": pa.array(d30 * rng.integers(1, 40, n), pa.int64()),
        "likes": pa.array(rng.zipf(2.0, n) % 100_000, pa.int64()),
        "trendingScore": pa.array(rng.integers(0, 100, n), pa.int64()),
        "tags": pa.array(tags, pa.list_(pa.string())),
        "pipeline_tag": pa.array(rng.choice(np.array(PIPELINES, dtype=object), n), pa.string()),
        "library_name": pa.array(rng.choice(np.array(LIBRARIES, dtype=object), n), pa.string()),
        "safetensors": pa.array([{"parameters": [("BF16", int(p))], "total": int(p)} if h else None
                                 for p, h in zip(params, has_params, strict=True)], safetensors_type),  # fmt: skip
        "baseModels": pa.array(base, base_type),
        "gated": pa.array(rng.choice(np.array(["False", "auto", "manual"], dtype=object), n, p=[0.97, 0.02, 0.01])),
        "cardData": pa.array([f'{{"license": "apache-2.0", "synthetic": true, "n": {i}}}' for i in idx]),
    })  # fmt: skip


def generate(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    tracked = tracked_ids()
    writer = None
    for start in range(0, rows, CHUNK):
        table = chunk_table(rng, start, min(CHUNK, rows - start), tracked)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema.with_metadata({"synthetic": "atomscope benchmark"}))
        writer.write_table(table, row_group_size=CHUNK)
    writer.close()


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, peak RSS MiB of the child, result) of one command run as its own process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode != 0:
        raise SystemExit(f"{args[:3]} failed:\n{result.stdout}\n{result.stderr}")
    return wall, max(peak, before) / 1024, result


SCAN = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads = 2")
print(con.execute(
    "SELECT count(*), sum(downloads), sum(downloadsAllTime), sum(likes), count(createdAt), count(lastModified),"
    " count(pipeline_tag), count(library_name), count(gated), sum(len(tags)), sum(safetensors.total),"
    " sum(len(baseModels.models)), count(author), count(DISTINCT lower(id)) FROM read_parquet(?)",
    [sys.argv[1]]).fetchall())
"""


def section(report: dict) -> str:
    rows, size_mb = report["rows"], report["file_mib"]
    scan_s, scan_rss, import_s, import_rss = (report[k] for k in ("scan_s", "scan_peak_rss_mib", "import_s",
                                                                   "import_peak_rss_mib"))  # fmt: skip
    verdict = ("met" if import_s < 60 else "NOT met") + " for time, " + ("met" if import_rss < 2048 else "NOT met")
    summary = "; ".join(" ".join(line.split()) for line in report["import_summary"][:6])
    return f"""## Hub dump import

Command: `python bench/bench_hubstats.py --rows {rows} --write`<br>
Machine: {report["machine"]}; load average {report["load_average_end"]} at the end (machine shared with other work).

A SYNTHETIC {rows:,}-row file in the real hub-stats `models.parquet` schema ({size_mb:.0f} MiB; 35% of rows
with lineage; the bundled tracked ids among the rows; 1 in 10,000 ids repeated in another case), imported
with `atomscope import hub-dump` into a fresh warehouse of the bundled data, as its own process (interpreter
start, reading, validation, writing `hf_snapshots`, `hub_models`, `derivative_edges`, model facts). The
bare scan is one DuckDB query reading the same columns of the same file (2 threads), also its own process.
Peak RSS is the process's maximum resident set (`getrusage`). Target: under 60 s and 2 GiB.

| step | wall s | peak RSS MiB |
|---|---:|---:|
| bare DuckDB scan of the file | {scan_s:.2f} | {scan_rss:.0f} |
| `atomscope import hub-dump` | {import_s:.2f} | {import_rss:.0f} |

Import time / bare scan time: {import_s / scan_s:.1f}x. Target {verdict} for memory in this run. One run (not
best-of) on a shared machine: the load average and the bare scan's time say how much other work ran beside
it. Import summary: {summary}.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_200_000)
    parser.add_argument("--keep", type=Path, help="write the synthetic file here and keep it")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--from-json", type=Path, help="only rewrite the BENCHMARKS.md section from a results file")
    opts = parser.parse_args()
    if opts.from_json:
        write_section(ROOT / "BENCHMARKS.md", "Hub dump import", section(json.loads(opts.from_json.read_text())))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1", "COLUMNS": "200"}
    with tempfile.TemporaryDirectory(prefix="atomscope-bench-hubstats-") as tmp:
        path = opts.keep or Path(tmp) / "models.parquet"
        started = time.perf_counter()
        generate(path, opts.rows)
        generated = time.perf_counter() - started
        size_mb = path.stat().st_size / 2**20
        db = Path(tmp) / "bench.duckdb"
        subprocess.run([str(CLI), "init", "--db", str(db)], env=env, capture_output=True, check=True)
        scan_s, scan_rss, _ = timed([sys.executable, "-c", SCAN, str(path)], env)
        import_s, import_rss, result = timed(
            [str(CLI), "import", "hub-dump", str(path), "--date", DAY.isoformat(), "--db", str(db)], env
        )
    report = {
        "rows": opts.rows, "file_mib": round(size_mb, 1), "generate_s": round(generated, 1),
        "scan_s": round(scan_s, 2), "scan_peak_rss_mib": round(scan_rss), "import_s": round(import_s, 2),
        "import_peak_rss_mib": round(import_rss), "ratio": round(import_s / scan_s, 1),
        "import_summary": [line.strip() for line in result.stderr.splitlines() if line.strip()],
        "machine": f"{os.cpu_count()} vCPU, Python {platform.python_version()}",
        "load_average_end": round(os.getloadavg()[0], 1),
    }  # fmt: skip
    print(report)
    if opts.write:
        save("hubstats", report, "Hub dump import", section(report))


if __name__ == "__main__":
    main()
