"""The SYNTHETIC history spec shared by the generator's tests, export tests and the publication guard.

Lives outside conftest.py: tests must not import from `conftest` (several conftest.py files exist, and
which one `import conftest` finds depends on collection order).
"""

from __future__ import annotations

from datetime import date

from atomscope.testing.synthetic_history import HistorySpec

SYNTHETIC_SPEC = HistorySpec(models=60, days=50, start=date(2025, 3, 1), real_ids=False, seed=3)
