"""`atomscope run` against a hostile Hub, a hostile upstream and a captive portal (issue 29): it finishes with
a report and one line per skipped source, and no traceback."""

from __future__ import annotations

import os
import subprocess

from report_parts import only_parts_command

from atomscope.testing.hostile import HostileServer, Reply, Seen, json_reply, portal_reply


def _github(seen: Seen, server: HostileServer) -> Reply:
    """Malformed GitHub JSON: a head commit whose `commit` is a string and whose sha is a number."""
    if "/commits/" in seen.path:
        return json_reply({"sha": 5, "commit": "x"})
    return json_reply({"tree": "not a list"})


def test_run_finishes_with_a_report_against_hostile_servers(tmp_path):
    hub_routes = {
        "/api/datasets": json_reply({"not": "a list of commits"}),  # commits as an object
        "/api/models": portal_reply(),  # the listing behind a captive portal
    }
    with (
        HostileServer(hub_routes) as hub,
        HostileServer({"/repos": _github}) as github,
        HostileServer({"/": portal_reply()}) as portal,
    ):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "ATOMSCOPE_"))}
        env.update(HF_ENDPOINT=hub.url, HF_TOKEN="hf_secret_0123456789", HF_HOME=str(tmp_path / "hf"),
                   HF_HUB_DISABLE_TELEMETRY="1", ATOMSCOPE_DB=str(tmp_path / "w.duckdb"), COLUMNS="200",
                   ATOMSCOPE_GITHUB_API=github.url, ATOMSCOPE_GITHUB_RAW=portal.url,
                   ATOMSCOPE_EPOCH_URL=f"{portal.url}/epoch.csv", ATOMSCOPE_HTTP_REQUEST_S="20")  # fmt: skip
        # a new process: the Hub client reads HF_ENDPOINT once, at import. Its report has one part (page, summary
        # and chart files as always): every part on the bundled data is checked by the bundled_report tests
        command = only_parts_command(("releases",), "run", "--out", tmp_path / "report")
        proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=280)
    err = proc.stderr
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "history backfill" in err and "expected a JSON list" in err  # the hostile Hub: one line
    assert "skipped the Hub collection" in err and "HTML page" in err  # the captive portal: one line
    assert "is not a commit id" in err  # the hostile upstream: its sources fail, one line each
    assert (tmp_path / "report" / "index.html").exists() and (tmp_path / "report" / "summary.md").exists()
    assert "hf_secret_0123456789" not in err + proc.stdout
