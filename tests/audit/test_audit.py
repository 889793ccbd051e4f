"""`atomscope audit` over a sample tree written here, against a hand-built warehouse.

Warehouse: Qwen/Qwen3-8B (china, 8B, 1000 downloads, apache-2.0), meta-llama/Llama-3.1-8B (us, 8B, 500),
mistralai/Ministral-8B (eu, 8B, 300), meta-llama/Llama-3.1-70B (us, 70B), Qwen/Old-7B (china, removed),
crawled derivative someone/qwen-ft (fine-tune of Qwen3-8B, cc-by-nc-4.0). Everything else is unknown.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import ibis
import pytest
from cli_runner import atomscope
from metric_harness import MetricWarehouse

from atomscope.audit.conditions import offending, parse_condition
from atomscope.audit.output import to_csv, to_html, to_json
from atomscope.audit.run import audit
from atomscope.audit.scanner import AuditPathError, scan

SEEN = datetime(2026, 1, 1)

FILES = {
    "src/app.py": (
        "from transformers import AutoModel, pipeline\n"
        "from huggingface_hub import hf_hub_download, snapshot_download\n"
        'model = AutoModel.from_pretrained("Qwen/Qwen3-8B")\n'
        'gen = pipeline("text-generation", model="meta-llama/Llama-3.1-70B")\n'
        'cfg = hf_hub_download(repo_id="acme/secret-model", filename="config.json")\n'
        'data = hf_hub_download(repo_id="acme/some-dataset", repo_type="dataset")\n'
        'snapshot_download("Qwen/Old-7B")\n'
        'FALLBACKS = {"default": "someone/qwen-ft"}\n'  # implicit, but the warehouse knows it
        'path = "data/train"\n'  # implicit and unknown: not a model
        "import os; os.system('rm -rf /')  # never executed\n"
        'local = AutoModel.from_pretrained("checkpoints/run-1")\n'  # a local folder, not a Hub id
    ),
    "deploy/compose.yml": (
        "services:\n  llm:\n    command: vllm serve --model meta-llama/Llama-3.1-70B --port 8000\n"
        "    volumes:\n      - models/cache:/root/.cache\n"
    ),
    "conf/min.json": '{"model": "acme/another", "dataset": "squad/v2"}\n',
    "deploy/k8s.yaml": "env:\n  - name: MODEL_ID\n    value: Qwen/Qwen3-8B\n  - name: PORT\n    value: 'a/b'\n",
    "Dockerfile": "FROM python:3.11-slim\nENV HF_MODEL=acme/secret-model\n",
    "notebooks/demo.ipynb": json.dumps(
        {
            "cells": [
                {"cell_type": "markdown", "source": ["# Trying mistralai/Ministral-8B\n"]},
                {
                    "cell_type": "code",
                    "source": [
                        "from transformers import AutoModel\n",
                        'm = AutoModel.from_pretrained("meta-llama/Llama-3.1-8B")\n',
                    ],
                },
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    ),
    "conf/serve.yaml": "server:\n  port: 80\nmodels:\n  - meta-llama/Llama-3.1-8B\n  - name: x\n",
    "conf/eval.json": '{\n  "model_id": "acme/another"\n}\n',
    "pyproject.toml": '[tool.app]\nbase_model = "Qwen/Qwen3-8B"\n',
    ".env": "HF_MODEL=someone/qwen-ft\nPORT=8000\n",
    "models.txt": "# the models we pin\nmeta-llama/Llama-3.1-8B@main\ntorch==2.4\n",
    "ollama/Modelfile": "FROM hf.co/someone/qwen-ft:Q4_K_M\nPARAMETER temperature 0.2\n",
}
EXPECTED = {  # (id, file, line)
    ("Qwen/Qwen3-8B", "src/app.py", 3),
    ("meta-llama/Llama-3.1-70B", "src/app.py", 4),
    ("acme/secret-model", "src/app.py", 5),
    ("Qwen/Old-7B", "src/app.py", 7),
    ("someone/qwen-ft", "src/app.py", 8),
    ("meta-llama/Llama-3.1-8B", "conf/serve.yaml", 4),
    ("acme/another", "conf/eval.json", 2),
    ("meta-llama/Llama-3.1-70B", "deploy/compose.yml", 3),
    ("acme/another", "conf/min.json", 1),
    ("Qwen/Qwen3-8B", "deploy/k8s.yaml", 3),
    ("acme/secret-model", "Dockerfile", 2),
    # the notebook line that holds the call (computed from the file the test writes)
    (
        "meta-llama/Llama-3.1-8B",
        "notebooks/demo.ipynb",
        next(i for i, line in enumerate(FILES["notebooks/demo.ipynb"].splitlines(), 1) if "from_pretrained" in line),
    ),
    ("Qwen/Qwen3-8B", "pyproject.toml", 2),
    ("someone/qwen-ft", ".env", 1),
    ("meta-llama/Llama-3.1-8B", "models.txt", 2),
    ("someone/qwen-ft", "ollama/Modelfile", 1),
}


def _warehouse(folder: Path) -> Path:
    w = MetricWarehouse(folder)
    w.org("alibaba", "china", "Qwen").org("meta", "us", "meta-llama").org("mistral", "eu", "mistralai")
    w.con.execute("UPDATE organizations SET country = 'CN' WHERE org_key = 'alibaba'")
    for model_id, size in [
        ("Qwen/Qwen3-8B", 8.2),
        ("meta-llama/Llama-3.1-8B", 8.0),
        ("mistralai/Ministral-8B", 8.0),
        ("meta-llama/Llama-3.1-70B", 70.6),
        ("Qwen/Old-7B", 7.0),
    ]:
        w.model(model_id, params_b=size, size_bucket="7-9B" if size < 10 else "50-100B")
    for model_id, downloads in [
        ("Qwen/Qwen3-8B", 1000),
        ("meta-llama/Llama-3.1-8B", 500),
        ("mistralai/Ministral-8B", 300),
        ("Qwen/Old-7B", 9000),
    ]:
        w.snapshot(model_id, date(2026, 1, 1), 10 * downloads, downloads)
    w.con.execute("UPDATE hf_snapshots SET tags = ['conversational']")  # chat models (domain/tasks.py)
    w.con.execute(
        "UPDATE hf_snapshots SET tags = ['license:apache-2.0', 'conversational'] WHERE model_id = 'Qwen/Qwen3-8B'"
    )
    w.con.execute(
        "INSERT INTO availability_events VALUES ('Qwen/Old-7B', DATE '2026-01-02', 'removed', NULL, 404, ?, 1)", [SEEN]
    )
    w.hub_model("someone/qwen-ft", datetime(2025, 6, 1), 42)
    w.con.execute("UPDATE hub_models SET tags = ['license:cc-by-nc-4.0'] WHERE model_id = 'someone/qwen-ft'")
    w.edge("someone/qwen-ft", "Qwen/Qwen3-8B", "finetune")
    w.con.close()
    return folder / "w.duckdb"


def _tree(folder: Path) -> Path:
    root = folder / "project"
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def db(tmp_path):
    return _warehouse(tmp_path)


@pytest.fixture
def tree(tmp_path):
    return _tree(tmp_path)


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """(report, tree): the audit of the sample tree, shared by the tests that only read it."""
    tree = _tree(tmp_path_factory.mktemp("tree"))
    return _audit(_warehouse(tmp_path_factory.mktemp("db")), tree), tree


def _audit(db, *paths, **kwargs):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return audit(list(paths), ibis.duckdb.from_connection(con), **kwargs)
    finally:
        con.close()


def _found(report, root):
    return {(f.model_id, Path(f.path).relative_to(root).as_posix(), f.line) for f in report.found}


def test_every_syntax_is_found_with_file_and_line(audited):
    report, tree = audited
    assert _found(report, tree) == EXPECTED
    assert report.scan.files_scanned == len(FILES)


def test_roots_origin_license_status_and_unknown_ids(audited):
    models = {m.model_id: m for m in audited[0].models}
    ft = models["someone/qwen-ft"]
    assert (ft.kind, ft.root_models, ft.root_regions, ft.effective_region) == (
        "derivative",
        ["Qwen/Qwen3-8B"],
        ["china"],
        "china",
    )
    assert (ft.region, ft.license_class, ft.status, ft.last_seen) == (
        "unresolved",
        "non_commercial",
        "seen",
        "2026-01-01",
    )
    qwen = models["Qwen/Qwen3-8B"]
    assert (qwen.kind, qwen.organization, qwen.region, qwen.country) == ("tracked", "Alibaba", "china", "CN")
    assert (qwen.license, qwen.license_class, qwen.q4_class) == ("apache-2.0", "permissive", "8gb")
    assert qwen.q4_memory_gb == pytest.approx(8.2 * 0.5 * 1.2, abs=0.01)
    assert models["meta-llama/Llama-3.1-70B"].q4_class == "48gb"
    assert models["Qwen/Old-7B"].status == "removed"
    secret = models["acme/secret-model"]
    assert (secret.known, secret.kind, secret.region, secret.organization, secret.q4_class) == (
        False,
        "unknown",
        None,
        None,
        None,
    )
    for not_a_model in ("acme/some-dataset", "data/train", "checkpoints/run-1", "models/cache", "squad/v2"):
        assert not_a_model not in models


def test_alternatives_come_from_other_regions_of_the_same_bucket_by_downloads(audited):
    models = {m.model_id: m for m in audited[0].models}
    qwen = [(a.model_id, a.region, a.basis) for a in models["Qwen/Qwen3-8B"].alternatives]
    assert qwen == [
        ("meta-llama/Llama-3.1-8B", "us", "downloads_30d=500"),
        ("mistralai/Ministral-8B", "eu", "downloads_30d=300"),
    ]
    # the Chinese-rooted fine-tune gets the same non-Chinese alternatives; the removed model is never offered
    assert [a.model_id for a in models["someone/qwen-ft"].alternatives] == [a[0] for a in qwen]
    llama = [a.model_id for a in models["meta-llama/Llama-3.1-8B"].alternatives]
    assert llama == ["Qwen/Qwen3-8B", "mistralai/Ministral-8B"]


def test_fail_on_conditions_match_own_and_root_region(audited):
    models = audited[0].models
    china = {m.model_id for m, _ in offending(models, [parse_condition("region=china")])}
    assert china == {"Qwen/Qwen3-8B", "Qwen/Old-7B", "someone/qwen-ft"}
    nc = {m.model_id for m, _ in offending(models, [parse_condition("license=non-commercial")])}
    assert nc == {"someone/qwen-ft"}
    assert not offending(models, [parse_condition("region=eu")])
    not_open = {m.model_id for m, _ in offending(models, [parse_condition("open=false")])}
    assert "someone/qwen-ft" in not_open and "Qwen/Qwen3-8B" not in not_open  # is_open_license: one definition
    assert "acme/secret-model" not in not_open  # unknown ids match nothing


def test_outputs_csv_json_and_escaped_offline_html(db, tree):
    (tree / "conf" / "x<b>.yaml").write_text("model: acme/<script>\nmodel_id: acme/odd\n", encoding="utf-8")
    report = _audit(db, tree)
    rows = to_csv(report).splitlines()
    assert rows[0].startswith("model_id,file,line,via,kind")
    assert len(rows) == 1 + len(EXPECTED) + 1
    data = json.loads(to_json(report))
    assert data["summary"]["unknown_models"] == 3
    page = to_html(report)
    assert "x&lt;b&gt;.yaml" in page and "<b>" not in page
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


def test_symlinks_binary_encoding_and_size_are_skipped_and_counted(db, tree, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("model: meta-llama/Llama-3.1-70B\n", encoding="utf-8")
    (tree / "link-out.yaml").symlink_to(outside)
    (tree / "link-in.yaml").symlink_to(tree / "conf" / "serve.yaml")
    (tree / "linkdir").symlink_to(tree / "conf", target_is_directory=True)  # walked as conf/ itself
    (tree / "loop").symlink_to(tmp_path, target_is_directory=True)  # out of the tree
    (tree / "blob.json").write_bytes(b'{"model": "Qwen/Qwen3-8B"}\x00\x01')
    (tree / "latin.yaml").write_bytes("model: Qwen/Qwen3-8B # caf\xe9\n".encode("latin-1"))
    (tree / "big.txt").write_text("Qwen/Qwen3-8B\n" * 2000, encoding="utf-8")
    result = scan([tree], max_bytes=10_000)
    assert result.skipped == {
        "symlink out of the given paths": 2,
        "symlinked directory": 1,
        "binary": 1,
        "not UTF-8": 1,
        "oversized": 1,
    }
    files = {Path(f.path).name for f in result.found}
    assert not files & {"link-out.yaml", "blob.json", "latin.yaml", "big.txt"}
    # the link inside the tree and its target are one file: read once
    serve = [f for f in result.found if f.model_id == "meta-llama/Llama-3.1-8B" and f.line == 4]
    assert len(serve) == 1 and Path(serve[0].path).name in ("serve.yaml", "link-in.yaml")
    assert result.files_scanned == len(FILES)


def test_a_linked_path_given_on_the_command_line_is_read(tree, tmp_path):
    link = tmp_path / "via-link"
    link.symlink_to(tree, target_is_directory=True)
    result = scan([link, tree / "models.txt"])  # models.txt reached twice: read once
    assert result.files_scanned == len(FILES)
    assert {(f.model_id, f.line) for f in result.found if f.path.endswith("models.txt")} == {
        ("meta-llama/Llama-3.1-8B", 2)
    }


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(AuditPathError, match="no-such"):
        scan([tmp_path / "no-such"])


def _cli(db, *args):
    return atomscope("audit", *args, env={"ATOMSCOPE_DB": str(db)})


def test_cli_exit_codes(db, tree):
    ok = _cli(db, str(tree), "--fail-on", "region=eu", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert {m["model_id"] for m in json.loads(ok.stdout)["models"]} >= {"Qwen/Qwen3-8B", "acme/secret-model"}
    failed = _cli(db, str(tree), "--fail-on", "status=removed", "--fail-on", "license=non-commercial", "-f", "csv")
    assert failed.returncode == 1
    assert "Qwen/Old-7B" in failed.stderr and "someone/qwen-ft" in failed.stderr
    assert "Qwen/Qwen3-8B [" not in failed.stderr
    missing = _cli(db, str(tree / "nope"))
    assert missing.returncode == 2 and "nope" in missing.stderr
    bad = _cli(db, str(tree), "--fail-on", "colour=red")
    assert bad.returncode == 2 and "colour" in bad.stderr


def test_unreadable_file_is_skipped_and_counted(tree, monkeypatch):
    real_read = Path.read_bytes

    def read_bytes(self):
        if self.name == "serve.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)  # root reads any file: simulate the refusal
    result = scan([tree])
    assert result.skipped == {"unreadable": 1}
    assert result.files_scanned == len(FILES) - 1
    assert not [f for f in result.found if f.path.endswith("serve.yaml")]
