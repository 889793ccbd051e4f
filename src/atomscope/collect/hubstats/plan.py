"""What an `import hub-stats` run will read, before it reads it: one step per revision to import.

A Parquet revision is read by column (`ranged.RangedReader`): its footer is read here, which says to the
byte what the rest costs. The newest revision chosen brings every column the warehouse stores (the
model facts); the others bring counts only (dumpfile.COUNT_COLUMNS). A CSV-era revision, or every
revision once the server is found to ignore `Range`, is downloaded whole. `--max-bytes` ends the plan
before the first revision that would pass it: everything the run reads, footers included, stays within it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from atomscope.collect.hub.dumpfile import COUNT_COLUMNS, FULL_COLUMNS
from atomscope.collect.hubstats.ranged import OverBudget, RangedReader, RangeIgnored, RemoteParquet
from atomscope.collect.hubstats.revisions import Choice


@dataclass
class Step:
    choice: Choice
    full: bool  # every column the warehouse stores (the newest revision), else counts only
    remote: RemoteParquet | None  # None: the whole file is downloaded
    read_bytes: int  # bytes this step reads (footer included when ranged)

    @property
    def file_bytes(self) -> int:
        return self.choice.file.size or 0


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    failed: list[tuple[Choice, str, str]] = field(default_factory=list)  # (choice, status, reason)
    range_ignored: bool = False  # the server answered a ranged request with the whole file
    stopped: bool = False  # --max-bytes reached before the last revision

    @property
    def read_bytes(self) -> int:
        return sum(s.read_bytes for s in self.steps)

    @property
    def file_bytes(self) -> int:
        return sum(s.file_bytes for s in self.steps)

    @property
    def whole(self) -> list[Step]:
        return [s for s in self.steps if s.remote is None]


def make_plan(reader: RangedReader, todo: list[Choice], newest: str, *, max_bytes: int | None,
              on_error: Callable[[Choice, Exception], tuple[str, str]]) -> Plan:  # fmt: skip
    """Read the footer of every Parquet revision of `todo` (in order) and decide how each is read.

    `on_error` turns a failure to read a footer into (status, reason): 'invalid' for a file that is not
    Parquet, 'error' for a request that failed (retried by the next run)."""
    plan, spent = Plan(), 0  # spent: bytes the planned steps read, and footers read in vain
    for choice in todo:
        f, full = choice.file, choice.revision.sha == newest
        left = None if max_bytes is None else max_bytes - spent
        remote = None
        if f.path.endswith(".parquet") and not plan.range_ignored and f.size:
            try:
                wanted = FULL_COLUMNS if full else COUNT_COLUMNS
                remote = reader.open(choice.revision.sha, f.path, f.size, wanted, budget=left)
            except RangeIgnored:
                plan.range_ignored = True
            except OverBudget:
                plan.stopped = True
                break
            except Exception as exc:  # noqa: BLE001 - classified by the caller, who knows the network errors
                status, reason = on_error(choice, exc)
                plan.failed.append((choice, status, reason))
                continue
        step = Step(choice, full, remote, remote.read_bytes if remote is not None else f.size or 0)
        if left is not None and step.read_bytes > left:
            plan.stopped = True
            break
        spent += step.read_bytes
        plan.steps.append(step)
    return plan
