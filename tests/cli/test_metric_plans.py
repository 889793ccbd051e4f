"""Kept plans (warehouse/plans.py): `atomscope metric` runs a kept plan's SQL on DuckDB alone and prints exactly
what the computation through Ibis and pandas prints; the first run after a write runs the plan without importing
Ibis or pandas.

The cell conversion is checked for every metric's default grouping (not only those that keep a plan today):
the compiled SQL run on DuckDB alone, converted per column, equals `to_pandas()` then `plain_rows`.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import duckdb
from test_metric_answers import HEAVY, PROBE

from atomscope import metrics
from atomscope.cli import metric as metric_cli
from atomscope.cli.output import plain, plain_rows
from atomscope.metrics import compiled
from atomscope.warehouse import answers, plans


def test_a_plans_cells_are_what_ibis_and_pandas_give_for_every_metric(bundled_db):
    import ibis

    from atomscope.warehouse import db

    con = db.connect(bundled_db, read_only=True)
    backend = ibis.duckdb.from_connection(con)
    try:
        for name, spec in sorted(metrics.REGISTRY.items()):
            ctx = metrics.MetricContext(backend=backend)
            table = metrics.run(spec, ctx).table
            sql = compiled.compiled_sql(backend, table, compiled.request_key(name, ctx))
            if sql is None:
                continue  # an in-memory table (crossover): never kept
            columns, expected = plain_rows(table.to_pandas())
            kinds = [plans.kind_of(t) for t in table.schema().types]
            got = plans.rows(con, sql, kinds, plain)
            assert columns == list(table.schema().names)
            assert _close(got, expected), f"{name}: the plan's cells differ from Ibis and pandas"
    finally:
        con.close()


def _close(a, b) -> bool:
    """Equal, floats to 1e-12 relative (and of the same type: an int is not a float)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _planned() -> list[tuple[str, str]]:
    return [
        (name, by)
        for name, spec in sorted(metrics.REGISTRY.items())
        if not spec.sql_reads_data
        for by in spec.by_choices or (spec.default_by,)
    ]


def test_a_kept_plan_answers_what_ibis_and_pandas_answered(served_db):
    """For every grouping of every metric that keeps a plan: the answer through Ibis and pandas (as before plans),
    the plan made from the same computation and run at once, and that plan kept in its file, read back and run
    (as after a write) are the same columns, cells, notes and title. Every output format prints an answer with
    the same function (cli.output.emit_plain), so one comparison of answers covers them all."""
    import ibis

    from atomscope.metrics.compiled import fetch

    assert _planned(), "no metric keeps a plan"
    with duckdb.connect(str(served_db), read_only=True) as con:
        backend = ibis.duckdb.from_connection(con)
        for name, by in _planned():
            case = f"{name} --by {by}"
            request = metric_cli._request(name, by, None, None, {})
            spec, result, key, ctx = metric_cli._planned(backend, name, by, None, None, {})
            plan = metric_cli._plan(spec, result, key)
            assert plan is not None, f"{case}: no plan"
            result.notes = result.plan.notes(ctx)  # what _compute_duckdb does without a plan
            through_ibis = metric_cli._answer(spec, result, fetch(result.table, key, "pandas"))
            assert plans.save(con, served_db, request, plan), f"{case}: plan not kept"
            kept = plans.load(con, served_db, request)
            for how, answer in (("run at once", plans.run(con, plan, plain)), ("kept", plans.run(con, kept, plain))):
                # DuckDB's parallel float sums may differ in the last bit from one run to the next
                assert answer.columns == through_ibis.columns, f"{case}, {how}: columns"
                assert _close(answer.rows, through_ibis.rows), f"{case}, {how}: cells"
                assert answer.notes == through_ibis.notes, f"{case}, {how}: notes"
                assert answer.extra == through_ibis.extra, f"{case}, {how}: title"
    assert list(plans.PLANS.folder(served_db).glob("*.plan"))


def test_a_kept_plan_prints_what_the_computation_printed(cli, served_db, monkeypatch):
    """Through the CLI, as a user runs it: a grouping's table, then its kept plan's (answer deleted)."""
    monkeypatch.setenv("COLUMNS", "160")
    args = ("metric", "derivatives", "--by", "org", "--db", served_db)
    through_ibis = cli(*args, "--no-cache")
    first = cli(*args)
    shutil.rmtree(answers.answers_dir(served_db))
    kept = cli(*args)
    assert through_ibis.code == first.code == kept.code == 0, through_ibis.err
    assert (first.out, first.err) == (kept.out, kept.err) == (through_ibis.out, through_ibis.err)


def test_after_a_write_the_kept_plan_runs_without_ibis_or_pandas(cli, served_db):
    args = ["metric", "arena", "--db", str(served_db), "-f", "csv"]
    first = cli(*args)
    con = duckdb.connect(str(served_db))
    con.execute("DELETE FROM arena_scores WHERE snapshot_date = (SELECT max(snapshot_date) FROM arena_scores)")
    con.close()
    expected = cli(*args, "--no-cache")
    assert expected.out != first.out, "the write changed the answer"
    probe = [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args]
    out = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stderr.strip().splitlines()[-1]) == ["duckdb"], "only DuckDB runs the kept plan"
    assert out.stdout == expected.out


def test_a_damaged_or_foreign_plan_is_computed_again(cli, served_db):
    args = ("metric", "arena", "--db", served_db, "-f", "csv")
    first = cli(*args)
    (file,) = plans.PLANS.folder(served_db).glob("*.plan")
    key = file.read_text().partition("\n")[0]
    plan = json.loads(file.read_text().partition("\n")[2])
    foreign = json.dumps({**plan, "formatter": "os:system"})
    short = json.dumps({**plan, "kinds": plan["kinds"][1:]})
    for body in (file.read_text()[:-100], key + "\n[]", key + "\n{}", f"{key}\n{foreign}", f"{key}\n{short}"):
        file.write_text(body)
        shutil.rmtree(answers.answers_dir(served_db))
        assert cli(*args).out == first.out


def test_the_main_job_keeps_the_default_plans_so_nothing_is_compiled_after_it(cli, served_db, monkeypatch):
    expected = cli("metric", "arena", "--db", served_db, "--no-cache")
    shutil.rmtree(plans.PLANS.folder(served_db), ignore_errors=True)
    assert metric_cli.keep_default_plans(served_db) == len({name for name, _ in _planned()})
    assert metric_cli.keep_default_plans(served_db) == 0, "kept already"

    def no_compile(*args):
        raise AssertionError("computed through Ibis although a plan was kept")

    monkeypatch.setattr(metric_cli, "_planned", no_compile)
    kept = cli("metric", "arena", "--db", served_db)
    assert kept.code == 0 and (kept.out, kept.err) == (expected.out, expected.err)


def test_with_nothing_kept_a_metric_that_keeps_a_plan_is_computed_without_pandas(cli, served_db):
    """Its table and notes run as the plan it keeps: pandas (about half a second of imports) is not needed."""
    args = ["metric", "arena", "--db", str(served_db), "-f", "csv"]
    expected = cli(*args, "--no-cache")
    for folder in (answers.answers_dir(served_db), plans.PLANS.folder(served_db)):
        shutil.rmtree(folder, ignore_errors=True)
    probe = [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args]
    out = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "pandas" not in json.loads(out.stderr.strip().splitlines()[-1])
    assert out.stdout == expected.out
