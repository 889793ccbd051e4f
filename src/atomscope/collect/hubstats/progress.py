"""Live progress of `import hub-stats` (Rich, on stderr, only on a terminal): revisions, bytes read, rows;
the plan and the one-line notices are printed whatever the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


class HubStatsProgress:
    def __init__(self, console: Console, *, live: bool | None = None) -> None:
        enabled = console.is_terminal if live is None else live
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=console, disable=not enabled,
        )  # fmt: skip
        self.bytes_progress = Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=console, disable=not enabled
        )
        self.requests = 0
        self._revisions = self.progress.add_task("revisions", total=None, info="")
        self._rows = self.progress.add_task("rows kept", total=None, info="")
        self._bytes = self.bytes_progress.add_task("read", total=None)

    def __enter__(self) -> HubStatsProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def stage(self, text: str) -> None:
        self.progress.update(self._revisions, info=text)

    def request(self) -> None:
        self.requests += 1

    def plan(self, revisions: int, read_bytes: int, file_bytes: int) -> None:
        self.progress.update(self._revisions, total=revisions, info=f"{revisions} to import")
        self.bytes_progress.update(self._bytes, total=read_bytes or None)
        share = f" ({100 * read_bytes / file_bytes:.1f} %)" if file_bytes else ""
        self.say(f"{revisions} revision(s) to import: {_mb(read_bytes)} to read of the {_mb(file_bytes)} "
                 f"the whole files hold{share}")  # fmt: skip

    def say(self, text: str) -> None:
        self.progress.console.print(text, highlight=False)

    def revision(self, text: str) -> None:
        self.progress.update(self._revisions, info=text)

    def bytes(self, n: int) -> None:
        self.bytes_progress.advance(self._bytes, n)
        done = self.bytes_progress.tasks[0].completed
        self.progress.update(self._rows, info=f"{_mb(done)} read")

    def rows(self, n: int) -> None:
        self.progress.advance(self._rows, n)

    def done_revision(self) -> None:
        self.progress.advance(self._revisions, 1)


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"
