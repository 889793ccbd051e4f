"""Live progress of a collection (Rich, on stderr) and the run summary.

The display shows organizations listed, pages, models, requests made and rate-limit waits; it is live
only on a terminal (a cron log gets the summary alone). It never shows a token: nothing here sees one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from atomscope.collect.hub.records import SkipCounter


@dataclass
class Summary:
    """Counters of one `collect hf` run (also stored in load_runs.details)."""

    endpoint: str = ""
    parts: list[str] = field(default_factory=list)
    requests: int = 0
    lower_bound: dict[str, int] = field(default_factory=dict)  # part -> minimum requests
    requests_by_part: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)  # table -> rows written
    skipped: Counter = field(default_factory=Counter)  # reason -> rows skipped
    retries: Counter = field(default_factory=Counter)
    rate_limit_waits: int = 0
    rate_limit_wait_s: float = 0.0
    stopped: str | None = None  # why the run stopped early (request cap), None when complete
    notes: list[str] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint, "parts": self.parts, "requests": self.requests,
            "lower_bound": dict(self.lower_bound), "requests_by_part": dict(self.requests_by_part),
            "rows": dict(self.rows), "skipped": dict(self.skipped), "retries": dict(self.retries),
            "rate_limit_waits": self.rate_limit_waits, "rate_limit_wait_s": round(self.rate_limit_wait_s, 3),
            "stopped": self.stopped, "notes": self.notes,
        }  # fmt: skip


class CollectProgress:
    """A Rich progress display that is also the client's Monitor (requests and waits)."""

    def __init__(self, console: Console | None = None, *, enabled: bool | None = None) -> None:
        self.console = console or Console(stderr=True)
        live = self.console.is_terminal if enabled is None else enabled
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
            console=self.console, disable=not live, transient=False,
        )  # fmt: skip
        self.requests = 0
        self.waits = 0
        self.wait_s = 0.0
        self._tasks: dict[str, Any] = {}
        self._status = ""

    def __enter__(self) -> CollectProgress:
        self.progress.start()
        self._stats = self.progress.add_task("requests", total=None, info="")
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    # Monitor protocol -------------------------------------------------------
    def request(self, url: str) -> None:
        self.requests += 1
        self._refresh()

    def wait(self, seconds: float, reason: str) -> None:
        if reason == "rate limit":
            self.waits += 1
            self.wait_s += seconds
        self._status = f"waiting {seconds:.1f}s ({reason})"
        self._refresh()

    # parts -------------------------------------------------------------------
    def part(self, key: str, description: str, total: int | None) -> None:
        self._tasks[key] = self.progress.add_task(description, total=total, info="")

    def advance(self, key: str, n: int = 1, info: str | None = None) -> None:
        task = self._tasks.get(key)
        if task is None:
            return
        self.progress.advance(task, n)
        if info is not None:
            self.progress.update(task, info=info)
        self._status = ""
        self._refresh()

    def info(self, key: str, info: str) -> None:
        task = self._tasks.get(key)
        if task is not None:
            self.progress.update(task, info=info)

    def _refresh(self) -> None:
        if hasattr(self, "_stats"):
            text = f"{self.requests} made, {self.waits} rate-limit waits ({self.wait_s:.0f}s)"
            if self._status:
                text += f" - {self._status}"
            self.progress.update(self._stats, info=text)


def render_skips(console: Console, skipped: Counter, indent: str = "") -> None:
    """`rows skipped: N` (each row once) and, apart, `lineage tags skipped: M`, each with its reasons."""
    counter = skipped if isinstance(skipped, SkipCounter) else SkipCounter(skipped)
    for what, counts in (("rows skipped", counter.rows()), ("lineage tags skipped", counter.edges())):
        if counts or what == "rows skipped":
            console.print(f"{indent}{what}: {sum(counts.values())}", highlight=False)
        for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            console.print(f"{indent}  {reason:<40} {n:>6}", highlight=False)


def render_summary(console: Console, summary: Summary) -> None:
    """The end-of-run report: requests vs the lower bound, rows written, rows skipped by reason."""
    state = f"[yellow]stopped early[/yellow]: {summary.stopped}" if summary.stopped else "[green]complete[/green]"
    console.print(f"collect hf from {summary.endpoint} ({', '.join(summary.parts)}): {state}", highlight=False)
    table = Table(title=None, show_header=True, box=None, pad_edge=False)
    table.add_column("requests")
    table.add_column("made", justify="right")
    table.add_column("lower bound", justify="right")
    table.add_column("ratio", justify="right")
    for part, made in sorted(summary.requests_by_part.items()):
        bound = summary.lower_bound.get(part)
        ratio = f"{made / bound:.2f}x" if bound else ""
        table.add_row(part, str(made), "" if bound is None else str(bound), ratio)
    total_bound = sum(summary.lower_bound.values())
    table.add_row("total", str(summary.requests), str(total_bound) if summary.lower_bound else "",
                  f"{summary.requests / total_bound:.2f}x" if total_bound else "")  # fmt: skip
    console.print(table)
    if summary.retries or summary.rate_limit_waits:
        retried = ", ".join(f"{k}: {v}" for k, v in sorted(summary.retries.items()))
        console.print(f"retries: {retried or 'none'}; rate-limit waits: {summary.rate_limit_waits} "
                      f"({summary.rate_limit_wait_s:.1f}s)", highlight=False)  # fmt: skip
    rows = ", ".join(f"{k} {v}" for k, v in sorted(summary.rows.items()) if v) or "none"
    console.print(f"rows written: {rows}", highlight=False)
    render_skips(console, summary.skipped)
    for note in summary.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
