"""The `atomscope sources` commands end to end, and `atomscope run`'s refresh when offline."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console
from typer.testing import CliRunner
from upstream_helpers import ATOM, OSAI

from atomscope.cli import app
from atomscope.cli.sources import refresh_for_run
from atomscope.warehouse import db
from atomscope.warehouse.versions import current_versions, versions_of


def _versions(path, key):
    con = db.connect(path, read_only=True)
    try:
        return versions_of(con, key)
    finally:
        con.close()


def _args(stand_in, *names):
    return [
        "sources", "update", *names, "--github-api", stand_in.github_api, "--github-raw", stand_in.github_raw,
        "--url", f"epoch={stand_in.file_url('notable_ai_models.csv')}",
    ]  # fmt: skip


def test_update_refuses_a_malformed_file_exits_1_and_updates_the_others(stand_in, served_db):
    path = str(served_db)  # a copy of the bundled warehouse (tests/conftest.py)
    name = (
        "Falcon.yaml" if "Falcon.yaml" in stand_in.repos[OSAI][-1].files else sorted(stand_in.repos[OSAI][-1].files)[0]
    )
    text = stand_in.repos[OSAI][-1].files[name].decode()
    stand_in.commit(OSAI, {name: text.replace("system:\n", "system: [\n", 1)})  # a YAML syntax error
    models = stand_in.repos[ATOM][-1].files["models.csv"].decode()
    namespace = models.splitlines()[1].split(",")[0]
    stand_in.commit(ATOM, {"models.csv": models + f"{namespace},Added-2B,{namespace}/Added-2B\n"})

    result = CliRunner().invoke(app, [*_args(stand_in, "atom", "osai"), "--db", path])
    assert result.exit_code == 1, result.output
    assert f"{name}:" in result.output and "malformed YAML" in result.output
    assert "atom" in result.output and "updated" in result.output

    listed = CliRunner().invoke(app, ["sources", "list", "--db", path, "--format", "csv"])
    rows = {r["table"]: r for r in csv.DictReader(io.StringIO(listed.stdout))}
    assert rows["atom_tracked_models"]["kind"] == "fetched"
    assert rows["atom_tracked_models"]["upstream_version"] == stand_in.head(ATOM)
    assert rows["atom_tracked_models"]["rows"] == "1959"
    assert rows["osai_openness"]["kind"] == "bundled"
    assert rows["osai_openness"]["last_check"].startswith("failed")

    diff = CliRunner().invoke(app, ["sources", "diff", "atom", "--db", path])
    assert f"+ {namespace}/Added-2B" in diff.stdout

    bundled_v = rows["atom_tracked_models"]["version"]
    back = CliRunner().invoke(
        app, ["sources", "diff", "atom_tracked_models", "--from", rows["atom_tracked_models"]["version"], "--to",
              bundled_v, "--db", path, "--format", "json"],
    )  # fmt: skip
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["tables"][0]["added"] == []
    versions = {v.kind: v.version_id for v in _versions(path, "atom_tracked_models")}
    reverse = CliRunner().invoke(
        app, ["sources", "diff", "atom_tracked_models", "--from", f"v{versions['fetched']}", "--to",
              f"v{versions['bundled']}", "--db", path],
    )  # fmt: skip
    assert reverse.exit_code == 0, reverse.output
    assert f"- {namespace}/Added-2B" in reverse.stdout


def test_dry_run_shows_the_diff_and_unknown_source(stand_in, served_db):
    path = str(served_db)  # a copy of the bundled warehouse (tests/conftest.py)
    regions = stand_in.repos[ATOM][-1].files["metadata/organization_regions.csv"].decode()
    namespace, region = regions.splitlines()[1].split(",")[:2]
    other = "other" if region != "other" else "us"
    moved = regions.replace(f"\n{namespace},{region},", f"\n{namespace},{other},", 1)
    stand_in.commit(ATOM, {"metadata/organization_regions.csv": moved})
    result = CliRunner().invoke(app, [*_args(stand_in, "atom"), "--dry-run", "--db", path])
    assert result.exit_code == 0, result.output
    assert f"~ {namespace}: region: '{region}' -> '{other}'" in result.stdout
    assert "organization registry, aligned with ATOM's regions:" in result.stdout  # what `diff` shows after
    assert f"{namespace}" in result.stdout.split("organization registry, aligned", 1)[1]
    assert "dry run: nothing was loaded" in result.stdout
    con = db.connect(path, read_only=True)
    try:
        assert current_versions(con)["atom_organization_regions"].kind == "bundled"
    finally:
        con.close()
    unknown = CliRunner().invoke(app, [*_args(stand_in, "nope"), "--db", path])
    assert unknown.exit_code != 0 and "unknown source 'nope'" in str(unknown.exception or unknown.output)


def test_run_refresh_offline_is_one_line_and_keeps_the_bundled_data(served_db, monkeypatch):
    path = str(served_db)  # a copy of the bundled warehouse (tests/conftest.py)
    monkeypatch.setenv("ATOMSCOPE_GITHUB_API", "http://127.0.0.1:9")  # a closed port: nothing listens
    monkeypatch.setenv("ATOMSCOPE_GITHUB_RAW", "http://127.0.0.1:9")
    monkeypatch.setenv("ATOMSCOPE_EPOCH_URL", "http://127.0.0.1:9/notable_ai_models.csv")
    out = io.StringIO()
    refresh_for_run(path, Console(file=out, width=400))
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sources not refreshed"), lines
    con = db.connect(path, read_only=True)
    try:
        assert {v.kind for v in current_versions(con).values()} == {"bundled"}
    finally:
        con.close()


def test_list_as_a_table_fits_one_line_per_question(served_db):
    path = str(served_db)  # a copy of the bundled warehouse (tests/conftest.py)
    result = CliRunner().invoke(app, ["sources", "list", "--db", path], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "atom_organization_regions" in line)
    assert "v" in line and "bundled @ 3cd8020" in line and "118" in line and "never" in line


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def test_yaml_bombs_in_an_upstream_are_refused_at_their_line_and_the_others_update(stand_in, served_db):
    """Issue 29 item 11: a billion-laughs file and a deeply nested one fail the source with file:line."""
    path = str(served_db)  # a copy of the bundled warehouse (tests/conftest.py)
    names = sorted(stand_in.repos[OSAI][-1].files)
    deep = "system:\n" + "".join("  " * depth + f"level{depth}:\n" for depth in range(1, 3000))
    stand_in.commit(OSAI, {names[0]: BILLION_LAUGHS, names[1]: deep})
    models = stand_in.repos[ATOM][-1].files["models.csv"].decode()
    namespace = models.splitlines()[1].split(",")[0]
    stand_in.commit(ATOM, {"models.csv": models + f"{namespace},Added-2B,{namespace}/Added-2B\n"})

    result = CliRunner().invoke(app, [*_args(stand_in, "atom", "osai"), "--db", path])

    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "refused YAML" in output and ("aliases expand" in output or "nested deeper than 64" in output)
    assert "Traceback" not in output and "RecursionError" not in output
    assert "updated" in output
    assert _versions(path, "atom_tracked_models")[-1].kind == "fetched"
