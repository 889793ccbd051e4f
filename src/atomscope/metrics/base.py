"""The metric contract: every metric is one module that registers a `Metric`.

A metric's `compute(ctx)` builds an Ibis expression from warehouse tables obtained with
`ctx.table(name)` only (never a DuckDB-specific call), so the same code runs on DuckDB and on Spark
(`--engine spark`, over the Parquet lake that `atomscope export --parquet` writes). It returns a
`MetricResult`: the expression plus notes for the output footer (unresolved organizations' share,
"single snapshot" caveats, ...).

A metric declares its options (`by_choices`, `params` as `Param`s with type, default, bounds and
choices); `run` checks a request against them and raises `MetricRequestError` before computing. Metric
modules register themselves when imported, and importing `atomscope.metrics` imports them all.

A metric also carries what a reader sees of it: its report sections and headline findings (`report`, a
`ReportPart`: the report iterates the registry), how the dashboard charts it (`chart`, a `ChartHint`) and,
per warehouse table it reads, the command that fills that table when it is empty (`empty_hints`, shown by
the API and the dashboard instead of an empty chart).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from atomscope.domain.dates import DateOrderError, check_order
from atomscope.domain.errors import MetricRequestError, UnknownMetricError
from atomscope.metrics import compiled
from atomscope.present.hints import ChartHint
from atomscope.present.layout import Section
from atomscope.present.wording import Finding


@dataclass(frozen=True)
class Param:
    """One metric parameter: its type, default and help, and the values it accepts (bounds for numbers,
    choices for strings). The CLI, the API's query models and the report all read this declaration."""

    type: type
    default: Any = None
    help: str = ""
    min: int | float | None = None
    max: int | float | None = None
    choices: tuple[str, ...] = ()

    def check(self, metric: str, name: str, value: Any) -> Any:
        """`value` converted to the parameter's type; MetricRequestError when it is not acceptable."""
        if value is None:
            return None
        if self.type is bool:
            return _to_bool(metric, name, value)
        try:
            value = self.type(value)
        except (TypeError, ValueError):
            raise MetricRequestError(f"parameter {name!r} of {metric!r} must be {self.type.__name__}") from None
        if self.choices and value not in self.choices:
            raise MetricRequestError(f"{name} must be one of: {', '.join(self.choices)} (got {value!r})")
        too_low = self.min is not None and value < self.min
        too_high = self.max is not None and value > self.max
        if too_low or too_high:
            raise MetricRequestError(f"parameter {name!r} must be {self.bounds_text()} (got {value})")
        return value

    def bounds_text(self) -> str:
        if self.min is not None and self.max is not None:
            return f"between {self.min} and {self.max}"
        return f"at least {self.min}" if self.min is not None else f"at most {self.max}"


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _to_bool(metric: str, name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise MetricRequestError(f"parameter {name!r} of {metric!r} must be true or false (got {value!r})")


Fetch = Literal["pyarrow", "pandas"]


class SharedQueries:
    """Answers to the queries metrics run while they build (notes, counts), shared by every metric run over
    one backend whose data does not change meanwhile: a report's metrics, the groupings of one metric.

    `downloads` and `concentration` read the same notes, and a metric's notes rarely depend on its grouping,
    so a query that is structurally the same Ibis expression on the same backend runs once. Only for a scope
    in which the warehouse is not written (a report build, a test over a fixed warehouse, a server's requests
    at one warehouse version). `executed` and `reused` count the queries run and answered from memory.

    `backend=None` makes a scope for the requests of a server over one warehouse at one version: each request
    has its own connection and backend, and Ibis compares the tables of two DuckDB backends by their schema, not
    their connection, so only the queries metrics run while they build are shared (each through its own
    expression's backend), never a metric's table. Beyond `limit` answers the scope starts afresh.
    """

    def __init__(self, backend: Any, limit: int | None = None) -> None:
        self.backend = backend
        self.limit = limit
        self.executed = 0
        self.reused = 0
        self._answers: dict[Any, Any] = {}
        self._lock = threading.Lock()
        # metric requests (metrics.compiled.request_key) computed in this scope, and their fetched tables
        self.computed = 0
        self._results: dict[tuple, MetricResult] = {}
        self._tables: dict[tuple, Any] = {}

    def execute(self, expr: ir.Expr) -> Any:
        key = expr.op()
        with self._lock:
            found = key in self._answers
            answer = self._answers.get(key)
            self.reused += found
        if not found:
            answer = expr.execute() if self.backend is None else self.backend.execute(expr)
            with self._lock:
                if self.limit is not None and len(self._answers) >= self.limit:
                    self._answers.clear()
                self._answers[key] = answer
                self.executed += 1
        # a frame is mutable: each caller gets its own copy
        return answer.copy() if hasattr(answer, "copy") else answer

    def metric(self, request: tuple, how: Fetch, compute: Callable[[], MetricResult]) -> tuple[Any, list[str]]:
        """A metric request's table (fetched `how`) and notes: computed, compiled and run once per scope (a
        report's sections and crossover's source series ask for the same requests)."""
        with self._lock:
            result = self._results.get(request)
            table = self._tables.get((request, how))
        if result is None:
            result = compute()
            with self._lock:
                self._results[request] = result
                self.computed += 1
        if table is None:
            table = compiled.fetch(result.table, request, how)
            with self._lock:
                self._tables[(request, how)] = table
        return (table.copy() if hasattr(table, "copy") else table), list(result.notes)


@dataclass
class MetricContext:
    """What a metric is computed over and with which options. `shared`: answers to queries shared with the
    other metric runs of the same scope (SharedQueries), or None."""

    backend: Any  # an Ibis backend (duckdb or pyspark)
    by: str | None = None
    since: date | None = None
    until: date | None = None
    params: dict[str, Any] = field(default_factory=dict)
    shared: SharedQueries | None = None
    defer_notes: bool = False  # notes with a NotesPlan are left to the caller (the CLI runs the plan's SQL itself)
    _tables: dict[str, tuple[Any, ir.Table]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def table(self, name: str) -> ir.Table:
        """The warehouse table `name`; looked up once per context and backend (each lookup is a DESCRIBE query,
        and one metric's expression reads the same tables several times)."""
        found = self._tables.get(name)
        if found is None or found[0] is not self.backend:
            found = self._tables[name] = (self.backend, self.backend.table(name))
        return found[1]

    def execute(self, expr: ir.Expr) -> Any:
        """Run a query the metric needs while it builds (a note, a bound): once per `shared` scope."""
        if self.shared is not None and (self.shared.backend is None or self.shared.backend is self.backend):
            return self.shared.execute(expr)
        return self.backend.execute(expr)


@dataclass(frozen=True)
class NotesPlan:
    """A metric's notes as queries plus a formatter: `formatter` ("module:function", a module that imports neither
    Ibis nor pandas) turns each query's rows (plain dicts, `domain.encode` values) into the notes, called with
    `args` (JSON-able: what the notes say that depends on the request, not on the data) as keywords. The CLI keeps
    the queries' SQL and runs them on DuckDB alone (warehouse/plans.py); every other caller runs them through
    the context (`ctx.execute`), so both give the same notes."""

    queries: dict[str, ir.Table]
    formatter: str
    args: dict[str, Any] = field(default_factory=dict)

    def notes(self, ctx: MetricContext) -> list[str]:
        from atomscope.domain.encode import frame_rows
        from atomscope.warehouse.plans import format_notes

        results = {name: frame_rows(ctx.execute(q)) for name, q in self.queries.items()}
        return format_notes(self.formatter, results, self.args)


@dataclass
class MetricResult:
    table: ir.Table
    notes: list[str] = field(default_factory=list)
    plan: NotesPlan | None = None  # the notes' queries and formatter, when the notes come from one


def planned_result(ctx: MetricContext, table: ir.Table, plan: NotesPlan) -> MetricResult:
    """A result whose notes all come from `plan`: run now, unless the context defers them (`defer_notes`)."""
    return MetricResult(table, [] if ctx.defer_notes else plan.notes(ctx), plan)


def no_findings(inputs: Any) -> list[Finding]:
    return []


@dataclass(frozen=True)
class ReportPart:
    """A metric's part of the static report. `sections` and `findings` are called with the report's inputs
    (`metrics.frames.ReportInputs`: metric frames, the read-only connection, the Hub data status); `place`
    orders the parts in the report, lower first."""

    place: int
    sections: Callable[..., list[Section]]
    findings: Callable[..., list[Finding]] = no_findings


@dataclass(frozen=True)
class Metric:
    """A registered metric. `name` is its id (CLI argument, API path, file names); `title` is what a reader
    sees wherever the metric is shown (dashboard card, CLI listing, API listing): the one place it is set."""

    name: str
    title: str  # human title, sentence case, no trailing period
    summary: str
    source: str  # the published method it follows
    columns: dict[str, str]  # output column -> meaning (the documented column list)
    compute: Callable[[MetricContext], MetricResult]
    by_choices: tuple[str, ...] = ()
    default_by: str | None = None
    params: dict[str, Param] = field(default_factory=dict)
    report: ReportPart | None = None  # its sections and findings in the static report
    chart: ChartHint = ChartHint()  # how the dashboard charts it
    empty_hints: dict[str, str] = field(default_factory=dict)  # table it reads -> the command that fills it
    # False: `compute` reads no data to build its table's expression (only notes), so its compiled SQL depends on
    # the request, schema and code alone and stays valid after a write (metrics/compiled.py; checked by
    # tests/metrics/test_sql_data_independent.py)
    sql_reads_data: bool = True


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.name in REGISTRY:
        raise ValueError(f"metric {metric.name!r} registered twice")
    REGISTRY[metric.name] = metric
    if not metric.sql_reads_data:
        compiled.DATA_INDEPENDENT.add(metric.name)
    return metric


def get(name: str) -> Metric:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownMetricError(f"unknown metric {name!r}; known metrics: {known}") from None


def run(metric: Metric, ctx: MetricContext) -> MetricResult:
    """Validate the context against the metric's declared options, then compute it."""
    check(metric, ctx)
    return metric.compute(ctx)


def answer(metric: Metric, ctx: MetricContext, how: Fetch = "pandas") -> tuple[Any, list[str]]:
    """The metric's table, fetched as a pandas frame or (`how="pyarrow"`) an Arrow table, and its notes: checked,
    computed and run with its SQL compiled once per request key (metrics/compiled.py), and within a `shared`
    scope computed once per request."""
    check(metric, ctx)
    request = compiled.request_key(metric.name, ctx)
    if ctx.shared is not None and ctx.shared.backend is ctx.backend:
        return ctx.shared.metric(request, how, lambda: metric.compute(ctx))
    result = metric.compute(ctx)
    return compiled.fetch(result.table, request, how), list(result.notes)


def check(metric: Metric, ctx: MetricContext) -> None:
    """Check the context against the metric's declared options, filling in its default grouping and parameters;
    MetricRequestError when a request is not acceptable."""
    try:
        check_order(ctx.since, ctx.until, "since", "until")
    except DateOrderError as exc:
        raise MetricRequestError(str(exc)) from None
    if ctx.by is None:
        ctx.by = metric.default_by
    if metric.by_choices and ctx.by not in metric.by_choices:
        raise MetricRequestError(
            f"metric {metric.name!r} cannot be grouped by {ctx.by!r}; choose one of: {', '.join(metric.by_choices)}"
        )
    unknown = set(ctx.params) - set(metric.params)
    if unknown:
        raise MetricRequestError(f"metric {metric.name!r} has no parameter {', '.join(sorted(unknown))}")
    for name, param in metric.params.items():
        ctx.params[name] = param.check(metric.name, name, ctx.params.get(name, param.default))


def literal_date(value: date) -> ir.Scalar:
    return ibis.literal(value, type="date")
