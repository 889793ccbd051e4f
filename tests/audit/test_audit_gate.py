"""`atomscope audit` as a team lead's gate: publisher by namespace, repackagings, alternatives that fit,
`--fail-on` conditions, SARIF, pre-commit, and output that fits 80/120 columns (issue 25).

Warehouse (built here): Alibaba (china, namespace Qwen), BAAI (china), Meta (us, meta-llama), Google (us),
Mistral (eu, mistralai). Tracked: Qwen2.5-7B-Instruct (chat, 1000 downloads), Qwen2.5-Coder-7B-Instruct,
Llama-3.1-8B-Instruct (chat, 800), Llama-3.2-11B-Vision-Instruct (vision, 5000), Ministral-8B-Base (base,
9000), Ministral-8B-Instruct (chat, 300), gemma-2-27b-it (chat, 24gb class, 2000), gemma-2-9b-it (chat,
gated, 3000), google/closed-8b-it (chat, proprietary license, 7000). Crawled: TheBloke/Llama-3.1-8B-Instruct-GPTQ,
whose card says quantized from Llama-3.1-8B-Instruct.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import ibis
import jsonschema
import pytest
from metric_harness import MetricWarehouse
from typer.testing import CliRunner

from atomscope.audit.conditions import AuditConditionError, offending, parse_conditions
from atomscope.audit.run import audit
from atomscope.audit.sarif import to_sarif
from atomscope.cli import app

SEEN = datetime(2026, 1, 1)
SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")

TREE = {
    "app/serve.py": (
        "from transformers import AutoModelForCausalLM\n"
        "from sentence_transformers import SentenceTransformer\n"
        'chat = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\n'
        'llama = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B-Instruct")\n'
        'emb = SentenceTransformer("BAAI/bge-small-en-v1.5")\n'
        'new = AutoModelForCausalLM.from_pretrained("google/brand-new-model")\n'
        'mine = AutoModelForCausalLM.from_pretrained("someone/mystery-model")\n'
        "# AutoModelForCausalLM.from_pretrained('deepseek-ai/DeepSeek-V3') in a comment is ignored\n"
    ),
    "app/Modelfile": "FROM hf.co/Qwen/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M\n",
    "app/config.yaml": (
        "llm:\n  model: qwen/qwen2.5-7b-instruct-awq\n  fallback_model: TheBloke/Llama-3.1-8B-Instruct-GPTQ\n"
    ),
}
CHINESE = {
    "Qwen/Qwen2.5-7B-Instruct",
    "BAAI/bge-small-en-v1.5",
    "Qwen/Qwen2.5-Coder-7B-Instruct-GGUF",
    "qwen/qwen2.5-7b-instruct-awq",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("gate")


@pytest.fixture(scope="module")
def db(folder):
    """The warehouse above, shared by the module's tests: they only read it (the CLI opens it read-only)."""
    w = MetricWarehouse(folder)
    w.org("alibaba", "china", "Qwen").org("baai", "china", "BAAI").org("meta", "us", "meta-llama")
    w.org("google", "us").org("mistral", "eu", "mistralai")
    w.con.execute("UPDATE organizations SET country = CASE region WHEN 'china' THEN 'CN' WHEN 'us' THEN 'US' END")
    models = [  # id, params, 30-day downloads, extra tags
        ("Qwen/Qwen2.5-7B-Instruct", 7.6, 1000, ["license:apache-2.0", "conversational"]),
        ("Qwen/Qwen2.5-Coder-7B-Instruct", 7.6, 100, ["license:apache-2.0"]),
        ("meta-llama/Llama-3.1-8B-Instruct", 8.0, 800, ["license:llama3.1", "conversational"]),
        ("meta-llama/Llama-3.2-11B-Vision-Instruct", 10.6, 5000, ["conversational"]),
        ("mistralai/Ministral-8B-Base", 8.0, 9000, ["license:apache-2.0"]),
        ("mistralai/Ministral-8B-Instruct", 8.0, 300, ["license:apache-2.0", "conversational"]),
        ("google/gemma-2-27b-it", 27.2, 2000, ["license:gemma", "conversational"]),
        ("google/gemma-2-9b-it", 9.2, 3000, ["license:gemma", "conversational"]),
        ("google/closed-8b-it", 8.0, 7000, ["license:openai-proprietary", "conversational"]),
    ]
    for model_id, params, downloads, tags in models:
        w.model(model_id, params_b=params, size_bucket="x")
        w.snapshot(model_id, date(2026, 1, 1), 10 * downloads, downloads)
        w.con.execute("UPDATE hf_snapshots SET tags = ? WHERE model_id = ?", [tags, model_id])
    w.con.execute(
        "INSERT INTO availability_events VALUES ('google/gemma-2-9b-it', DATE '2026-01-02', 'gated', NULL, 403, ?, 1)",
        [SEEN],
    )
    w.hub_model("TheBloke/Llama-3.1-8B-Instruct-GPTQ", datetime(2025, 6, 1), 42)
    w.edge("TheBloke/Llama-3.1-8B-Instruct-GPTQ", "meta-llama/Llama-3.1-8B-Instruct", "quantized")
    w.con.close()
    return folder / "w.duckdb"


@pytest.fixture(scope="module")
def tree(folder):
    for name, text in TREE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "app"


@pytest.fixture(scope="module")
def report(db, tree):
    """The audit of `tree` on `db`, computed once for the tests that read it (each audit costs ~1.5 s)."""
    return _report(db, tree)


def _report(db, *paths):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return audit(list(paths), ibis.duckdb.from_connection(con))
    finally:
        con.close()


def _cli(db, *args, columns: int = 120):
    env = {"ATOMSCOPE_DB": str(db), "COLUMNS": str(columns), "NO_COLOR": "1"}
    return CliRunner().invoke(app, ["audit", *args], env=env)


def test_publisher_by_namespace_and_repackaging_with_its_match(report):
    models = {m.model_id: m for m in report.models}
    seen = {k: (m.match, m.organization, m.region, m.repackaging_of) for k, m in models.items()}
    assert seen == {
        "Qwen/Qwen2.5-7B-Instruct": ("tracked", "Alibaba", "china", None),
        "meta-llama/Llama-3.1-8B-Instruct": ("tracked", "Meta", "us", None),
        "BAAI/bge-small-en-v1.5": ("namespace", "Baai", "china", None),
        "google/brand-new-model": ("namespace", "Google", "us", None),
        "Qwen/Qwen2.5-Coder-7B-Instruct-GGUF": ("derivative", "Alibaba", "china", "Qwen/Qwen2.5-Coder-7B-Instruct"),
        "qwen/qwen2.5-7b-instruct-awq": ("derivative", "Alibaba", "china", "Qwen/Qwen2.5-7B-Instruct"),
        "TheBloke/Llama-3.1-8B-Instruct-GPTQ": (
            "derivative",
            "TheBloke",
            "unresolved",
            "meta-llama/Llama-3.1-8B-Instruct",
        ),
        "someone/mystery-model": ("unknown", None, None, None),
    }
    gguf = models["Qwen/Qwen2.5-Coder-7B-Instruct-GGUF"]
    assert (gguf.known, gguf.root_models, gguf.root_regions, gguf.license_class) == (
        False,
        ["Qwen/Qwen2.5-Coder-7B-Instruct"],
        ["china"],
        "permissive",
    )
    assert models["Qwen/Qwen2.5-7B-Instruct"].root_models == ["Qwen/Qwen2.5-7B-Instruct"]  # a tracked model is a root
    mystery = models["someone/mystery-model"]
    assert (mystery.license, mystery.task, mystery.q4_class, mystery.alternatives) == (None, None, None, [])


def test_fail_on_region_china_lists_every_chinese_id_and_no_us_one(db, tree):
    result = _cli(db, str(tree), "--fail-on", "region=china", "-f", "json")
    assert result.exit_code == 1, result.output
    listed = {line.split()[0] for line in result.stderr.splitlines() if line.startswith("  ")}
    assert listed == CHINESE


def test_alternatives_do_the_same_task_on_the_same_or_smaller_class_and_are_available(report):
    models = {m.model_id: m for m in report.models}
    qwen = models["Qwen/Qwen2.5-7B-Instruct"]
    assert qwen.task == "chat"
    got = [(a.model_id, a.region, a.task, a.q4_class, a.license_class, a.signal) for a in qwen.alternatives]
    # not the vision model (task), not the base model (task), not gemma-27b (24gb class), not gemma-9b (gated),
    # not the proprietary one (closed); ranked by downloads, the first signal of the one order
    assert got == [
        ("meta-llama/Llama-3.1-8B-Instruct", "us", "chat", "8gb", "open_weight_restricted", "downloads_30d=800"),
        ("mistralai/Ministral-8B-Instruct", "eu", "chat", "8gb", "permissive", "downloads_30d=300"),
    ]
    for info in models.values():
        assert all(a.task == info.task for a in info.alternatives)
    awq = models["qwen/qwen2.5-7b-instruct-awq"]  # a repackaging does its model's job
    assert [a.model_id for a in awq.alternatives] == [a[0] for a in got]
    bge = models["BAAI/bge-small-en-v1.5"]
    assert bge.task == "embedding" and not bge.alternatives
    assert bge.alternatives_note.startswith("nothing fits")


def test_fail_on_takes_several_conditions(report):
    models = report.models

    def hits(*options):
        return {m.model_id for m, _ in offending(models, parse_conditions(list(options)))}

    assert hits("match=unknown") == {"someone/mystery-model"}
    assert hits("region=eu,match=unknown") == {"someone/mystery-model"}
    assert hits("license=open-weight-restricted", "task=embedding") == {
        "meta-llama/Llama-3.1-8B-Instruct",
        "TheBloke/Llama-3.1-8B-Instruct-GPTQ",
        "BAAI/bge-small-en-v1.5",
    }
    # a repackaging outside the warehouse is judged by its model's license; an unknown id by nothing
    assert hits("open=true") == {
        "Qwen/Qwen2.5-7B-Instruct",
        "Qwen/Qwen2.5-Coder-7B-Instruct-GGUF",
        "qwen/qwen2.5-7b-instruct-awq",
    }
    assert hits("openness<50") == set()  # no OSAI entry: openness unknown, never below
    for bad in ("openness<lots", "openness<101", "colour=red", "region"):
        with pytest.raises(AuditConditionError):
            parse_conditions([bad])


def test_sarif_validates_against_the_2_1_0_schema_one_result_per_id_and_location(db, tree, report, monkeypatch):
    monkeypatch.chdir(tree.parent)  # the SARIF names paths relative to the current directory when it writes them
    conditions = parse_conditions(["region=china", "match=unknown"])
    document = json.loads(to_sarif(report, conditions))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(document)
    run = document["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "hub-model",
        "fail-on/region=china",
        "fail-on/match=unknown",
    ]
    located = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    }
    assert ("fail-on/region=china", "app/Modelfile", 1) in located
    assert ("fail-on/match=unknown", "app/serve.py", 7) in located
    assert ("hub-model", "app/serve.py", 4) in located  # Llama: no condition, a note
    assert len(run["results"]) == len(report.found)  # one condition at most per id here: one result a mention
    assert {r["level"] for r in run["results"] if r["ruleId"] != "hub-model"} == {"error"}
    cli = _cli(db, "app", "--fail-on", "region=china", "--format", "sarif")
    assert cli.exit_code == 1
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(json.loads(cli.stdout))


@pytest.mark.parametrize("columns", [80, 120])
def test_table_fits_the_terminal_and_never_cuts_an_id(db, tree, report, columns):
    result = _cli(db, str(tree), columns=columns)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    for model_id in [m.model_id for m in report.models]:
        assert any(model_id in line for line in lines), model_id
    for alternative in ("meta-llama/Llama-3.1-8B-Instruct", "mistralai/Ministral-8B-Instruct"):
        assert any(alternative in line for line in lines)
