"""Helpers of the collector tests: a small SYNTHETIC hub, a warehouse tracking exactly its models, and
collection runs in-process (fast policy, no real waits) or as a subprocess of the real CLI.

All numbers served by the emulator are SYNTHETIC (atomscope.testing.synthetic_hub).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from cli_runner import atomscope
from rich.console import Console

from atomscope.collect.hub.client import RetryPolicy
from atomscope.collect.hub.collect import CollectOptions, collect_hf
from atomscope.testing.hub import DEFAULT_TOKEN
from atomscope.testing.synthetic_hub import SyntheticHub
from atomscope.warehouse import db

ORGS = ("Qwen", "allenai")
FAST = RetryPolicy(max_retries=4, base_wait=0.001, max_wait=0.01, rate_limit_margin=0.0, timeout=10.0)
CLI = Path(sys.executable).parent / "atomscope"


def small_hub(orgs=ORGS, per_org: int = 6, **kwargs) -> SyntheticHub:
    return SyntheticHub.from_catalog(seed=0, orgs=list(orgs), max_models_per_org=per_org, **kwargs)


def tracked_hub_warehouse(bundled_db: Path, folder: Path, hub: SyntheticHub, name: str = "w.duckdb"):
    """A copy of the bundled warehouse whose `models` are exactly the hub's tracked models."""
    path = folder / name
    shutil.copy(bundled_db, path)
    con = db.connect(path)
    keep = hub.tracked_ids()
    con.execute("DELETE FROM models WHERE model_id NOT IN (SELECT unnest(?))", [keep])
    assert con.execute("SELECT count(*) FROM models").fetchall()[0][0] == len(keep)
    return con


def collect(con, emu, hub: SyntheticHub, *, day: date | None = None, since: date = date(2023, 1, 1), **options):
    """One in-process collection against the emulator (token accepted, waits ~0, day = the hub's day)."""
    options.setdefault("policy", FAST)
    options.setdefault("token", DEFAULT_TOKEN)
    return collect_hf(
        con,
        CollectOptions(endpoint=emu.url, since=since, day=day or hub.today, live=False, **options),
        console=Console(stderr=True, quiet=True),
    )


def rows(con, table: str, drop: tuple[str, ...] = (), where: str = "") -> list[tuple]:
    """Sorted rows of `table` without the `drop` columns (timestamps and run ids of the writing run)."""
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in drop]
    sql = f"SELECT {', '.join(cols)} FROM {table} {where} ORDER BY ALL"
    return [tuple(r) for r in con.execute(sql).fetchall()]


#: What differs between two correct runs: when and by which run a row was written.
VOLATILE = {
    "hf_snapshots": ("collected_at", "run_id"),
    "availability_events": ("collected_at", "run_id"),
    "hub_models": ("first_seen_at", "last_seen_at", "run_id"),
    "derivative_edges": ("first_seen_at", "run_id"),
    "candidates": ("discovered_at",),
    "hf_probes": ("probed_at", "run_id"),
}


def contents(con, *, endpoint: bool = True) -> dict[str, list[tuple]]:
    """Every table the collector writes, without what differs between two correct runs (and without the
    endpoint when two emulators on different ports are compared)."""
    out = {t: rows(con, t, drop + (() if endpoint or t != "hf_snapshots" else ("endpoint",)))
           for t, drop in VOLATILE.items()}  # fmt: skip
    out["crawl_state"] = rows(con, "crawl_state", ("updated_at",))
    return out


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(HF_TOKEN=DEFAULT_TOKEN, HF_HOME=str(tmp_path / "hf_home"), HF_HUB_DISABLE_TELEMETRY="1",
               NO_COLOR="1", COLUMNS="200", **extra)  # fmt: skip
    return env


def fast_cli_args(emu, hub: SyntheticHub, db_path: Path, *more: str) -> list[str]:
    return [str(CLI), "collect", "hf", "--db", str(db_path), "--endpoint", emu.url, "--since", "2023-01-01",
            "--snapshot-date", hub.today.isoformat(), "--backoff-base", "0.001", "--rate-limit-margin", "0",
            "--no-progress", *more]  # fmt: skip


def run_cli(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)


def run_main_in_process(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`run_cli` without a new interpreter: `atomscope.cli.main` (the entry point, with its error handling) runs
    in this process with `env` as the whole environment (cli_runner.atomscope). For tests about the command's
    answer, not about the process (signals, the real console)."""
    done = atomscope(*(a for a in args if a != str(CLI)), env=env, whole_env=True)
    return subprocess.CompletedProcess(args, done.returncode, done.stdout, done.stderr)
