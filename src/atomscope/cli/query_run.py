"""`atomscope query`'s execution: bounded in time and rows, stoppable with Ctrl-C, streamed in batches.

DuckDB runs the statements in a worker thread and hands the last statement's rows over in batches of
`BATCH_ROWS` (`fetchmany` on DuckDB's streaming result: nothing is materialised whole). The main thread
writes them out and watches the clock and Ctrl-C: when the time limit passes or Ctrl-C is pressed it
calls `con.interrupt()`, which stops DuckDB mid-query, even inside one long operator such as
`SELECT count(*) FROM range(1e12)` (the main thread never blocks in DuckDB, so Python sees the signal).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from atomscope.domain.errors import AtomscopeError, ReadOnlyQueryError

if TYPE_CHECKING:
    import duckdb

BATCH_ROWS = 10_000
_POLL_S = 0.1


class QueryStoppedError(AtomscopeError):
    """A query stopped at its time limit or by Ctrl-C (nothing was changed: queries are read-only)."""


@dataclass(frozen=True)
class QueryLimits:
    max_rows: int = 1_000_000  # 0: no limit
    timeout_s: float = 300.0  # 0: no limit


@dataclass
class QueryRun:
    """The rows of the last statement, as batches from `batches()`; `truncated` once the row limit cut them."""

    con: duckdb.DuckDBPyConnection
    statements: list
    limits: QueryLimits
    columns: list[str] = field(default_factory=list)
    truncated: bool = False
    _queue: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=4))
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _deadline: float | None = None

    def start(self) -> QueryRun:
        """Run the statements; returns once the last one's columns are known (or raises its error)."""
        self._deadline = time.monotonic() + self.limits.timeout_s if self.limits.timeout_s else None
        self._thread = threading.Thread(target=self._work, name="atomscope-query", daemon=True)
        self._thread.start()
        kind, value = self._next()
        if kind != "columns":
            raise AssertionError(kind)  # _next raised for an error; anything else is a bug
        self.columns = value
        return self

    def batches(self) -> Iterator[list[tuple]]:
        """Batches of rows up to the row limit; stops the query when the limit is reached."""
        wanted = self.limits.max_rows
        sent = 0
        try:
            while True:
                kind, rows = self._next()
                if kind == "end":
                    return
                if wanted and sent + len(rows) > wanted:
                    rows = rows[: wanted - sent]
                    self.truncated = True
                if rows:
                    sent += len(rows)
                    yield rows
                if self.truncated:
                    return
        finally:
            self._finish()

    # -- worker ------------------------------------------------------------------------------------
    def _work(self) -> None:
        try:
            cursor = None
            for statement in self.statements:
                cursor = self.con.execute(statement.query)
            names = [d[0] for d in cursor.description] if cursor is not None and cursor.description else []
            if not self._put(("columns", names)):
                return
            while not self._stop.is_set():
                rows = cursor.fetchmany(BATCH_ROWS) if names else []
                if not rows:
                    self._put(("end", None))
                    return
                if not self._put(("rows", rows)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            self._put(("error", exc))

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    # -- main thread -------------------------------------------------------------------------------
    def _next(self) -> tuple[str, Any]:
        try:
            while True:
                if self._deadline is not None and time.monotonic() > self._deadline:
                    self._finish()
                    raise QueryStoppedError(
                        f"the query ran past its time limit ({self.limits.timeout_s:g} s) and was stopped; "
                        "--timeout SECONDS gives it longer (0: no limit)"
                    )
                try:
                    kind, value = self._queue.get(timeout=_POLL_S)
                except queue.Empty:
                    continue
                if kind == "error":
                    import duckdb

                    self._finish()
                    if isinstance(value, duckdb.Error):
                        raise ReadOnlyQueryError(str(value).splitlines()[0]) from None
                    raise value
                return kind, value
        except KeyboardInterrupt:
            self._finish()
            raise QueryStoppedError("interrupted (Ctrl-C); the query was stopped") from None

    def _finish(self) -> None:
        """Stop the worker (interrupting DuckDB if it is still running) and wait for it."""
        if self._thread is None or not self._thread.is_alive():
            return
        self._stop.set()
        while self._thread.is_alive():
            self.con.interrupt()
            self._thread.join(timeout=_POLL_S)
