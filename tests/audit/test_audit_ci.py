"""The audit where teams run it: the pre-commit hook of this repository run by `pre-commit` from a local
repo (no network: `language: system`), and the HTML page at 1280 and 390 px in Debian's chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import ibis
import pytest
from metric_harness import MetricWarehouse

from atomscope.audit.output import to_html
from atomscope.audit.run import audit

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
CHROMIUM = Path("/usr/bin/chromium")
CODE = (
    "from transformers import AutoModelForCausalLM\n"
    'a = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\n'
    'b = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")\n'
    'c = AutoModelForCausalLM.from_pretrained("someone/a-model-with-a-rather-long-name-for-a-narrow-phone-v2")\n'
)


@pytest.fixture
def db(tmp_path):
    w = MetricWarehouse(tmp_path)
    w.org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama")
    for model_id in ("Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"):
        w.model(model_id, params_b=7.6)
    w.con.close()
    return tmp_path / "w.duckdb"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _pre_commit(cwd: Path, db: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ATOMSCOPE_DB": str(db),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_runs_the_hook_from_a_local_repo(db, tmp_path):
    hooks = tmp_path / "hooks"  # a local repository holding this project's hook definition
    hooks.mkdir()
    shutil.copy(HOOKS, hooks / ".pre-commit-hooks.yaml")
    _git(hooks, "init", "-q")
    _git(hooks, "add", ".")
    _git(hooks, "commit", "-q", "-m", "hooks")
    code = tmp_path / "code"
    code.mkdir()
    (code / "serve.py").write_text(CODE, encoding="utf-8")
    _git(code, "init", "-q")
    _git(code, "add", ".")

    tried = _pre_commit(code, db, tmp_path, "try-repo", str(hooks), "atomscope-audit", "--all-files")
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "atomscope audit" in tried.stdout and "Passed" in tried.stdout

    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks, capture_output=True, text=True).stdout.strip()
    (code / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: atomscope-audit\n"
        "    args: [--fail-on, region=china]\n",
        encoding="utf-8",
    )
    _git(code, "add", ".")
    gated = _pre_commit(code, db, tmp_path, "run", "--all-files")
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert "Failed" in gated.stdout and "Qwen/Qwen2.5-7B-Instruct (tracked) [region=china]" in gated.stdout
    assert "meta-llama/Llama-3.1-8B-Instruct (tracked) [" not in gated.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)")
def test_html_page_fits_the_window(db, tmp_path):
    """At 1280 and 390 px: one audit and one browser for both widths, a fresh page for each."""
    sync_api = pytest.importorskip("playwright.sync_api")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "serve.py").write_text(CODE, encoding="utf-8")
    con = duckdb.connect(str(db), read_only=True)
    try:
        report = audit([tmp_path / "app"], ibis.duckdb.from_connection(con))
    finally:
        con.close()
    page_file = tmp_path / "audit.html"
    page_file.write_text(to_html(report), encoding="utf-8")
    seen = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(page_file.as_uri())
                seen[width] = page.evaluate("document.documentElement.scrollWidth"), page.inner_text("body")
                page.close()
        finally:
            browser.close()
    for width, (scroll, text) in seen.items():
        assert scroll <= width, f"page is {scroll} px wide in a {width} px window"
        assert "Qwen/Qwen2.5-7B-Instruct" in text and "someone/a-model-with-a-rather-long-name" in text, width
