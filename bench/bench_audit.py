"""Audit benchmark: `atomscope audit` over a synthetic 10,000-file code tree.

    .venv/bin/python bench/bench_audit.py [--files 10000] [--db PATH] [--write]

The tree is SYNTHETIC (written to a temporary folder, deleted afterwards): Python modules that load models
with `from_pretrained` / `pipeline` / `hf_hub_download` and carry ordinary code, YAML / JSON / TOML
configurations, `.env` files, model lists, Ollama Modelfiles, Markdown files (not read) and a few binary
files; model ids are drawn from the bundled tracked list plus ids no warehouse knows. Without --db, a
fresh warehouse of the bundled data is built (`atomscope init`). The command runs as its own process,
timed end to end (interpreter start and imports included), best of --repeat runs.
With --write the table goes to BENCHMARKS.md under `## Audit` (other sections kept).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from benchio import save  # noqa: E402

UTIL = '''"""Synthetic utility module {i}: ordinary code, no model."""
import math
from pathlib import Path

ROOT = Path(__file__).parent


def scale(values, factor={i}):
    return [v * factor / max(1, len(values)) for v in values]


def norm(values):
    return math.sqrt(sum(v * v for v in values))
''' + "\n".join(f"def util_{{i}}_{k}(x):\n    return x * {k} + {k} / 2\n" for k in range(20))

PY = '''"""Synthetic module {i}."""
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

MODEL_ID = "{a}"


def load(device="cpu"):
    tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
    model = AutoModelForCausalLM.from_pretrained("{b}", torch_dtype="auto")
    return tokenizer, model.to(device)


def classify(texts):
    clf = pipeline("text-classification", model="{c}")
    return [clf(t) for t in texts if t and not t.startswith("data/")]
''' + "\n".join(f"def helper_{{i}}_{k}(x):\n    return x * {k} + len('data/{k}')\n" for k in range(20))


def model_ids() -> list[str]:
    path = ROOT / "src" / "atomscope" / "data" / "atom_tracked_models.csv"
    with path.open(encoding="utf-8") as handle:
        tracked = [row["model_id"] for row in csv.DictReader(handle)]
    return tracked + [f"synthetic-org-{k}/unknown-model-{k}" for k in range(200)]


def write_tree(root: Path, files: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    ids = model_ids()
    kinds: dict[str, int] = {}
    for i in range(files):
        folder = root / f"pkg{i % 100}" / f"sub{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        a, b, c = rng.choice(ids), rng.choice(ids), rng.choice(ids)
        roll = i % 100
        if roll < 10:
            name, text = f"mod_{i}.py", PY.format(i=i, a=a, b=b, c=c)
        elif roll < 60:
            name, text = f"util_{i}.py", UTIL.format(i=i)
        elif roll < 72:
            name, text = f"conf_{i}.yaml", f"service: s{i}\nmodel: {a}\nmodels:\n  - {b}\n  - {c}\nreplicas: 2\n"
        elif roll < 80:
            name, text = f"conf_{i}.json", json.dumps({"model_id": a, "fallback": {"base_model": b}}, indent=1)
        elif roll < 85:
            name, text = f"conf_{i}.toml", f'[serve]\nmodel = "{a}"\nport = {8000 + i}\n'
        elif roll < 88:
            name, text = f"{i}.env", f"HF_MODEL={a}\nPORT={i}\n"
        elif roll < 91:
            name, text = f"models_{i}.txt", f"# pinned\n{a}\n{b}@main\ntorch==2.4\n"
        elif roll < 93:
            name, text = f"{i}.Modelfile", f"FROM hf.co/{a}:Q4_K_M\nPARAMETER temperature 0.2\n"
        elif roll < 98:
            name, text = f"notes_{i}.md", f"We tried {a} and {b}.\n" * 20
        else:
            (folder / f"blob_{i}.json").write_bytes(b"\x00\x01" * 2048)
            kinds["binary"] = kinds.get("binary", 0) + 1
            continue
        (folder / name).write_text(text, encoding="utf-8")
        kind = "python (loads models)" if name.startswith("mod_") else Path(name).suffix or name.split(".")[0]
        kind = "python (no model)" if name.startswith("util_") else kind
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def bundled_warehouse(folder: Path) -> Path:
    path = folder / "atomscope.duckdb"
    subprocess.run([sys.executable, "-m", "atomscope", "init", "--db", str(path)], check=True, capture_output=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atomscope-bench-audit-") as tmp:
        tmp_path = Path(tmp)
        db = args.db or bundled_warehouse(tmp_path)
        tree = tmp_path / "tree"
        kinds = write_tree(tree, args.files)
        out = tmp_path / "audit.json"
        timings, cpu = [], []
        for _ in range(args.repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "atomscope", "audit", str(tree), "--db", str(db), "-f", "json", "-o", str(out)],
                capture_output=True,
                text=True,
            )
            timings.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if proc.returncode != 0:
                raise SystemExit(f"audit failed ({proc.returncode}): {proc.stderr}")
        summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    report = {
        "files": args.files,
        "kinds": kinds,
        "timings_s": timings,
        "cpu_s": cpu,
        "summary": summary,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
    }
    text = (
        "## Audit\n\n"
        f"Command: `python bench/bench_audit.py --files {args.files} --repeat {args.repeat} --write`  \n"
        f"Machine: {os.cpu_count()} vCPU, Python {platform.python_version()}; load average "
        f"{report['load_average']:.1f} at the end (machine shared with other work).\n\n"
        f"A SYNTHETIC tree of {args.files:,} files (kinds: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + "), bundled-data warehouse. `atomscope audit TREE -f json` as its own process, end to end (interpreter "
        "start and imports included). CPU s = the process's user + system time, which other work on the machine "
        "inflates far less than wall time.\n\n"
        "| files scanned | files skipped | models found | unknown | mentions | best wall s | runs wall (s) "
        "| runs CPU (s) |\n"
        "|---:|---:|---:|---:|---:|---:|---|---|\n"
        f"| {summary['files_scanned']:,} | {summary['files_skipped']:,} | {summary['models']:,} | "
        f"{summary['unknown_models']:,} | {summary['mentions']:,} | {min(timings):.2f} | "
        + ", ".join(f"{t:.2f}" for t in timings)
        + " | "
        + ", ".join(f"{t:.2f}" for t in cpu)
        + " |\n"
    )
    print(text)
    if args.write:
        print("raw results:", save("audit", report, "Audit", text))


if __name__ == "__main__":
    main()
