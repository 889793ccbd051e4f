"""Build a report with only some of its parts: for a test that checks one section built on a warehouse of its
own, the other sections are computation it never reads (the whole report on the bundled data is built and
checked once per worker: the `bundled_report` fixture, tests/report/test_report.py)."""

from __future__ import annotations

import sys


def only_parts(monkeypatch, *metrics: str) -> None:
    """Make `build_report` assemble only the report parts of `metrics` (registry names), in report order.
    Everything else of the build runs as always: the page, the summary, the chart files, the credits."""
    from atomscope.metrics import REGISTRY
    from atomscope.report import build

    keep = [REGISTRY[name].report for name in metrics]
    assert all(keep), [name for name, part in zip(metrics, keep, strict=True) if part is None]
    monkeypatch.setattr(build, "report_parts", lambda: sorted(keep, key=lambda part: part.place))


_BOOT = """
import sys
from atomscope.metrics import REGISTRY
from atomscope.report import build
keep = sorted((REGISTRY[name].report for name in sys.argv[1].split(",")), key=lambda part: part.place)
build.report_parts = lambda: keep
sys.argv[:2] = ["atomscope"]
from atomscope.cli import main
main()
"""


def only_parts_command(metrics: tuple[str, ...], *args: object) -> list[str]:
    """The command line of `atomscope ARGS` (its real entry point, `atomscope.cli.main`) in a new Python process
    whose report assembles only the parts of `metrics`, as `only_parts` does in the test's own process."""
    return [sys.executable, "-c", _BOOT, ",".join(metrics), *map(str, args)]
