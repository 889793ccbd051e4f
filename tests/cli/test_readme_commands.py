"""README's command table and the CLI agree: every command and visible option is documented (README or
docs/*.md), and every option the table names exists on that command."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from atomscope.cli import app

ROOT = Path(__file__).resolve().parents[2]
ALWAYS = {"--help", "--db", "--format", "--columns", "--progress", "--no-progress"}  # shared options, described once


def _commands() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        options = set()
        for param in command.params:
            if not getattr(param, "hidden", False):
                options.update(o for o in (*param.opts, *param.secondary_opts) if o.startswith("--"))
        found[" ".join(path)] = options

    walk(typer.main.get_command(app), [])
    return found


def _table_rows(readme: str) -> dict[str, str]:
    """{command name: its table row}; `catalog orgs\\|models` names several commands in one row."""
    rows = {}
    for line in readme.splitlines():
        match = re.match(r"\| `atomscope ([^`]+)` \|", line)
        if match:
            words = []
            for word in match.group(1).split():
                if not re.fullmatch(r"[a-z][a-z-]*(\\\|[a-z][a-z-]*)*", word):
                    break
                words.append(word.replace("\\", ""))
            rows[" ".join(words)] = line
    return rows


def test_every_command_is_in_the_readme_table_and_every_named_option_exists():
    commands = _commands()
    rows = _table_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    covered = set()
    for name, line in rows.items():
        group, _, rest = name.partition(" ")
        names = [f"{group} {alt}".strip() for alt in rest.split("|")] if "|" in rest else [name]
        assert all(n in commands for n in names), f"README names a command the CLI lacks: {name}"
        covered.update(names)
        options = set().union(*(commands[n] for n in names)) | {"--"}
        named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line))
        assert named <= options, f"README's row for {name} names options it lacks: {sorted(named - options)}"
    assert set(commands) <= covered, f"commands missing from README's table: {sorted(set(commands) - covered)}"


def test_every_visible_option_is_documented():
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))
    )
    missing = {
        name: sorted(o for o in options - ALWAYS if o not in docs and "--no-" + o[2:] not in docs)
        for name, options in _commands().items()
    }
    assert not {k: v for k, v in missing.items() if v}, missing
