"""The SYNTHETIC history spec shared by the generator's tests, export tests and the publication guard.

Lives outside conftest.py: tests must not import from `conftest` (several conftest.py files exist, and
which one `import conftest` finds depends on collection order).
"""

from __future__ import annotations

from datetime import date

from atomscope.testing.synthetic_history import HistorySpec

SYNTHETIC_SPEC = HistorySpec(models=60, days=50, start=date(2025, 3, 1), real_ids=False, seed=3)


def _synthetic_availability(con) -> None:
    """SYNTHETIC availability events (every status) for ten of the synthetic models, in the generator's run."""
    run_id = con.execute("SELECT max(run_id) FROM load_runs WHERE kind = 'synthetic'").fetchone()[0]
    con.execute(
        """
        INSERT INTO availability_events (model_id, observed_on, status, new_model_id, http_status, collected_at, run_id)
        SELECT model_id, DATE '2025-02-01' + 7 * i,
               ['gated', 'removed', 'renamed', 'disabled', 'available'][1 + i % 5],
               CASE WHEN i % 5 = 2 THEN model_id || '-renamed' END, [401, 404, 307, 403, 200][1 + i % 5], now(), ?
        FROM (SELECT model_id, (row_number() OVER (ORDER BY model_id))::INT AS i
              FROM (SELECT DISTINCT s.model_id FROM hf_snapshots s JOIN models m USING (model_id)) LIMIT 10)
        """,
        [run_id],
    )


def fill_parity_warehouse(con) -> None:
    """The engine-parity data: the bundled data plus a SYNTHETIC hub history (120 models x 75 days),
    OpenRouter usage and availability events, so every metric and grouping has rows."""
    from atomscope.testing.synthetic_history import generate_history
    from atomscope.testing.synthetic_openrouter import generate_openrouter_usage
    from atomscope.warehouse.load import load_bundled

    load_bundled(con)
    generate_history(con, HistorySpec(models=120, days=75, start=date(2025, 1, 10), real_ids=False, seed=7))
    generate_openrouter_usage(con, start=date(2025, 1, 13), weeks=10, seed=7)
    _synthetic_availability(con)
