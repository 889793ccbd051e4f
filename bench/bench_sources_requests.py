"""Requests `atomscope sources update` sends per upstream, for each kind of upstream change.

Counts, not timings: the real HTTP client against the loopback stand-in (`atomscope.testing.upstream`) serving
upstream-format files rebuilt from the bundled tables (the real rows: 1,958 ATOM models, 196 OSAI systems,
275 MOF releases, the LMArena history). Each scenario starts from a warehouse that has read every upstream
once, then changes the upstreams and counts the requests of the next update.

    python bench/bench_sources_requests.py [--write]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchio import save

from atomscope.collect.upstream.http import Endpoints, UpstreamClient
from atomscope.collect.upstream.update import update_sources
from atomscope.testing import upstream_files
from atomscope.testing.upstream import UpstreamStandIn
from atomscope.warehouse import db
from atomscope.warehouse.load import load_bundled

REPOS = {
    "atom": "Interconnects-AI/tracked-models",
    "osai": "Language-Technology-Assessment/main-database",
    "mof": "lfai/model_openness_tool",
    "lmarena": "fboulnois/llm-leaderboard-csv",
}


def _stand_in() -> UpstreamStandIn:
    server = UpstreamStandIn()
    server.commit(REPOS["atom"], upstream_files.atom_files())
    server.commit(REPOS["osai"], upstream_files.osai_files(), branch="preview")
    server.commit(REPOS["mof"], upstream_files.mof_files())
    snapshots = upstream_files.lmarena_snapshots()
    last = sorted(snapshots)[-1]
    when = datetime.fromisoformat(last).replace(hour=23, tzinfo=UTC)  # committed on its own day
    server.commit(REPOS["lmarena"], {"csv/lmarena_text.csv": snapshots[last]}, when=when)
    server.publish("notable_ai_models.csv", upstream_files.epoch_csv())
    return server


def _edit_one_file(server: UpstreamStandIn, repo: str) -> None:
    files = server.repos[repo][-1].files
    path = next(p for p in sorted(files) if p.endswith((".yml", ".yaml")) and not p.startswith("a_"))
    server.commit(repo, {path: files[path] + b"\n# edited\n"})


SECTION = "Sources update: requests per upstream (issue 24)"

SCENARIOS = {
    "first read (from the bundled copies)": None,
    "nothing changed (304)": lambda server: None,
    "new head, identical tree (a merge, a workflow-only commit)": lambda server: [
        server.commit(REPOS[name], {}) for name in ("atom", "osai", "mof", "lmarena")
    ],
    "new head, one file changed": lambda server: (
        [_edit_one_file(server, REPOS[n]) for n in ("osai", "mof")] + [_edit_notes(server)]
    ),
}


def _edit_notes(server: UpstreamStandIn) -> None:
    """ATOM's parameters file with one `notes` cell edited (a column atomscope drops: same rows)."""
    path = "metadata/model_parameters.csv"
    text = server.repos[REPOS["atom"]][-1].files[path].decode()
    server.commit(REPOS["atom"], {path: text.rstrip("\n") + "edited\n"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="save the counts under bench/results/")
    args = parser.parse_args()
    counts: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as folder, _stand_in() as server:
        con = db.connect(Path(folder) / "w.duckdb")
        load_bundled(con)
        endpoints = Endpoints(
            server.github_api, server.github_raw, (("epoch", server.file_url("notable_ai_models.csv")),)
        )
        with UpstreamClient(endpoints, timeout=30.0, token="") as client:
            for scenario, change in SCENARIOS.items():
                if change is not None:
                    change(server)
                results = update_sources(con, client)
                counts[scenario] = {r.name: r.requests for r in results if r.requests}
                statuses = ", ".join(f"{r.name} {r.status}" for r in results if r.requests)
                print(f"{scenario}: {counts[scenario]} ({statuses})")
        con.close()
    if args.write:
        names = ("atom", "epoch", "osai", "mof", "lmarena")
        rows = [
            f"| {scenario} | " + " | ".join(str(c.get(n, 0)) for n in names) + " |" for scenario, c in counts.items()
        ]
        text = "\n".join([
            f"## {SECTION}", "",
            "`python bench/bench_sources_requests.py --write` (counts, not timings; see the script).", "",
            "| upstream change | " + " | ".join(names) + " |", "|---|" + "--:|" * len(names), *rows, "",
            "A new head with the tree already loaded ends at the head request (its `commit.tree.sha`); before this,",
            "it re-read every file (OSAI 196 requests, MOF 275). A moved head costs the head, one tree request and",
            "one request per file whose blob id changed; the files of the last read are kept by blob id in the",
            "warehouse (`upstream_files`). LMArena lists the commits of its one file instead of the tree.",
        ])  # fmt: skip
        print(save("sources-requests", {"requests": counts}, SECTION, text))


if __name__ == "__main__":
    sys.exit(main())
