"""`atomscope report` on the bundled data: a parseable page whose charts all have data, findings that quote
the metric values, required attributions, the "how to collect" note without hub data, and escaping."""

from __future__ import annotations

import csv
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from report_parts import only_parts

from atomscope.config import data_dir
from atomscope.metrics import run
from atomscope.metrics.base import MetricContext, get
from atomscope.present.inline_svg import inline_svg
from atomscope.report.build import build_report
from atomscope.sources import osai
from atomscope.warehouse import db as warehouse

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_VOID_OK = {"path", "rect", "line", "circle", "ellipse", "polygon", "polyline", "use", "stop", "image"}


class Page(HTMLParser):
    """Collects what the tests look at and checks that every element is closed in order."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.figure_svgs: dict[str, int] = {}  # figure id -> inline <svg> elements inside
        self.texts: dict[str, str] = {}  # data-finding / data-missing key -> text
        self.section_figures: dict[str, list[str]] = {}
        self._figure: str | None = None
        self._section: str | None = None
        self._capture: list[tuple[str, int]] = []
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            if attrs["id"] in self.ids and not self.stack_has("svg"):
                self.errors.append(f"duplicate id {attrs['id']}")
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "section":
            self._section = attrs.get("id")
            self.section_figures[self._section] = []
        if tag == "figure":
            self._figure = attrs.get("id")
            self.figure_svgs[self._figure] = 0
            if self._section:
                self.section_figures[self._section].append(self._figure)
        if tag == "svg" and self._figure:
            self.figure_svgs[self._figure] += 1
        for key in ("data-finding", "data-missing"):
            if key in attrs:
                self._capture.append((f"{key}:{attrs[key]}", len(self.stack)))
                self.texts.setdefault(f"{key}:{attrs[key]}", "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in SVG_VOID_OK and tag not in VOID:
            self.errors.append(f"self-closed <{tag}/>")
        if tag != "svg":
            self.handle_starttag(tag, attrs)
            if tag not in VOID:
                self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "figure":
            self._figure = None
        if tag == "section":
            self._section = None
        self._capture = [(k, depth) for k, depth in self._capture if depth < len(self.stack)]

    def handle_data(self, data):
        for key, _depth in self._capture:
            self.texts[key] += data

    def stack_has(self, tag: str) -> bool:
        return tag in self.stack

    def finding(self, key: str) -> str:
        return " ".join(self.texts[f"data-finding:{key}"].split())


@pytest.fixture(scope="module")
def built(bundled_report):
    html = bundled_report.index.read_text(encoding="utf-8")
    return bundled_report, html, Page(html)


@pytest.fixture(scope="module")
def metric(bundled_backend):

    def compute(name: str, by: str | None = None, **params) -> pd.DataFrame:
        return run(get(name), MetricContext(bundled_backend, by=by, params=params)).table.to_pandas()

    return compute


def fmt(value: float) -> str:
    return f"{float(value):,.0f}"


def test_page_parses_and_is_self_contained(built):
    report, html, page = built
    assert report.problems == []
    assert page.errors == []
    assert "script" not in page.tags and "iframe" not in page.tags
    assert "http://" not in html.replace("http://www.w3.org/", "")  # no remote asset (only the SVG namespaces)
    assert not any(tag in page.tags for tag in ("link", "img"))  # CSS and charts are inline
    for href in page.hrefs:  # every in-page link lands on an element
        if href.startswith("#"):
            assert href[1:] in page.ids, href


def test_every_chart_has_data_svg_and_png(built):
    report, html, page = built
    names = [c.name for c in report.charts]
    assert {
        "arena_best_open",
        "arena_gap",
        "arena_top10",
        "releases_region",
        "openness_truly_open",
        "catalog_region",
        "catalog_size",
    } <= set(names)
    folder = report.out_dir / "charts"
    for chart in report.charts:
        frame = pd.read_csv(folder / f"{chart.name}.csv")
        assert len(frame) > 0, chart.name
        assert (folder / f"{chart.name}.svg").read_text().startswith("<svg"), chart.name
        assert (folder / f"{chart.name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", chart.name
        assert page.figure_svgs.get(chart.name) == 2, chart.name  # drawn inline, wide and narrow
        for suffix in ("svg", "png", "csv"):
            assert f"charts/{chart.name}.{suffix}" in page.hrefs
        # the CSV is exactly the data the spec plots
        (dataset,) = chart.spec.to_dict()["datasets"].values()
        assert len(dataset) == len(frame), chart.name
        assert list(dataset[0]) == list(frame.columns), chart.name
        assert chart.sources and chart.sources in " ".join(html.split()).replace("<code>", "`").replace("</code>", "`")
    for section in report.sections:
        for table in section.tables:
            assert len(pd.read_csv(folder / f"{table.name}.csv")) > 0, table.name


def test_arena_findings_quote_the_metric(built, metric):
    _, _, page = built
    df = metric("arena", "region")
    latest = df["snapshot_date"].max()
    now = df[df["snapshot_date"] == latest].set_index("region")
    lead = now["best_open_score"].idxmax()
    text = page.finding("arena_leader")
    assert str(latest)[:10] in text
    assert now.loc[lead, "best_open_model"] in text and fmt(now.loc[lead, "best_open_score"]) in text
    rival = "us" if lead == "china" else "china"
    assert now.loc[rival, "best_open_model"] in text and fmt(now.loc[rival, "best_open_score"]) in text
    margin = now.loc[lead, "best_open_score"] - now.loc[rival, "best_open_score"]
    assert f"{fmt(margin)} points above" in text

    leaders = df.loc[df.groupby("snapshot_date")["best_open_score"].idxmax()].sort_values("snapshot_date")
    regions = list(leaders["region"])
    run_length = next((i for i, r in enumerate(reversed(regions)) if r != regions[-1]), len(regions))
    since = leaders["snapshot_date"].iloc[-run_length]
    text = page.finding("arena_since")
    assert f"since {str(since)[:10]} ({run_length} in a row)" in text
    cross = metric("crossover", None, series="best_arena_score", a=lead, b=rival)
    assert f"first overtook the US on {cross['crossover_period'].iloc[0]}" in text

    top = now["top10_open_count"].astype(int)
    text = page.finding("arena_top10")
    assert f"holds {top.max()} of the {top.sum()} best open-weight models" in text
    assert f"holds {top[rival]}." in text

    first, last = df.loc[df["snapshot_date"].idxmin()], df.loc[df["snapshot_date"].idxmax()]
    text = page.finding("arena_gap")
    assert f"by {fmt(last['open_closed_gap'])} points" in text and f"from {fmt(first['open_closed_gap'])}" in text
    assert last["best_closed_model"] in text


def test_other_findings_quote_the_metrics(built, metric):
    _, _, page = built
    rel = metric("releases", "region", period="year")
    year = rel["period"].max()
    counts = rel[rel["period"] == year].set_index("region")["releases"]
    text = page.finding("releases_leader")
    assert text.startswith(f"In {year},")
    assert f"China with {counts['china']} open-weight releases" in text and f"the US with {counts['us']}" in text

    systems = metric("openness", "system")
    text = page.finding("openness_truly_open")
    assert f"Of the {len(systems)} systems" in text and f"{int(systems['truly_open'].sum())} are truly open" in text
    for region, name in (("us", "the US's"), ("china", "China's")):
        mine = systems[systems["region"] == region]
        assert f"{int(mine['truly_open'].sum())} of {name} {len(mine)}" in text

    with open(data_dir() / "atom_tracked_models.csv", newline="", encoding="utf-8") as handle:
        tracked = sum(1 for _ in csv.DictReader(handle))
    assert f"tracks {tracked:,} open models" in page.finding("catalog_regions")


def test_attributions(built):
    report, html, page = built
    flat = " ".join(html.split())
    for needed in (
        "Epoch AI",
        "Data on AI Models",
        "epoch.ai",
        "CC BY 4.0",
        "European Open Source AI Index",
        "Liesenfeld",
        "Dingemanse",
        "2024",
        "Rethinking open source generative AI",
    ):
        assert needed in flat, needed
    assert "https://osai-index.eu/" in page.hrefs
    summary = report.summary.read_text(encoding="utf-8")
    assert "Epoch AI" in summary and "https://osai-index.eu/" in summary and "Liesenfeld" in summary
    # the MOF chart is shown on the bundled data, so its source is credited
    assert "Model Openness Framework" in flat and "lfai/model_openness_tool" in summary
    assert "3cd80206db5e" in flat  # upstream commit of the ATOM tracked-models files (data/SOURCES.md)


def test_no_hub_data_shows_how_to_collect(built):
    report, _, page = built
    for key in ("downloads", "derivatives", "ram"):
        assert page.section_figures[key] == [], key
        assert "atomscope collect hf" in page.texts[f"data-missing:{key}"], key
    assert not any(c.name.startswith(("downloads", "derivatives", "ram", "concentration")) for c in report.charts)
    assert not list((report.out_dir / "charts").glob("downloads*"))


def test_summary_lists_findings_with_links(built):
    report, _, _ = built
    summary = report.summary.read_text(encoding="utf-8")
    for finding in report.findings:
        assert f"(index.html#{finding.anchor})" in summary
    assert summary.count("\n- ") >= len(report.findings)


def test_external_names_are_escaped_and_a_failed_run_that_stored_nothing_does_not_block(
    bundled_db, tmp_path, monkeypatch
):
    """Escaping, and (one report build for both) a failed local run that stored nothing: `atomscope run` with
    an unreachable (loopback) HF_ENDPOINT records a failed run but no data, and the report is still built.
    The report has the two parts that show the hostile names (arena: the leader finding; openness: the lists),
    with its page and summary as always; the whole report is built and checked by the tests above."""
    only_parts(monkeypatch, "arena", "openness")
    evil = "<script>alert(1)</script>"
    path = tmp_path / "evil.duckdb"
    shutil.copy(bundled_db, path)
    con = warehouse.connect(path)
    try:
        run_id = warehouse.start_run(con, "hf_snapshot", endpoint="http://127.0.0.1:9")
        warehouse.finish_run(con, run_id, "failed", {"error": "connection refused"})
        (latest,) = con.execute("SELECT max(snapshot_date) FROM arena_scores").fetchone()
        (org,) = con.execute("SELECT min(alias) FROM org_aliases WHERE source = 'lmarena'").fetchone()
        con.execute(
            "INSERT INTO arena_scores (snapshot_date, model, arena_score, organization, license, source_line)"
            " VALUES (?, ?, 9999, ?, 'MIT', 0)",
            [latest, evil, org],
        )
        dims = osai.DIMENSIONS
        con.execute(
            f"INSERT INTO osai_systems (system, organization, release_date, end_model_license, {', '.join(dims)},"
            f" source_line) VALUES (?, ?, '2025-01', 'Apache-2.0', {', '.join('?' for _ in dims)}, 0)",
            [evil, evil, *(["open"] * len(dims))],
        )
    finally:
        con.close()
    # through the command line, which this test also covers
    from typer.testing import CliRunner

    from atomscope.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--db", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output  # the failed run does not block it
    html = (out / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    assert page.errors == [] and "script" not in page.tags
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert evil in page.finding("arena_leader")  # the text reads as written, once unescaped
    assert "\\<script\\>" in (out / "summary.md").read_text(encoding="utf-8")
    assert evil in (out / "charts" / "truly_open_list.csv").read_text(encoding="utf-8")


def test_inline_svg_refuses_active_content():
    ok = '<svg xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="clip1"/></defs><g clip-path="url(#clip1)"/></svg>'
    assert 'id="c-clip1"' in inline_svg(ok, "c") and "url(#c-clip1)" in inline_svg(ok, "c")
    for bad in (
        '<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><g onload="x()"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
        '<a x:href="javascript:x()"/></svg>',
    ):
        with pytest.raises(ValueError):
            inline_svg(bad, "c")


# The hub sections cannot be drawn from the bundled data (no Hub snapshot can be fetched here, and synthetic
# data must never reach a report): check what they rely on instead.
HUB_COLUMNS = {
    "downloads": {"month", "region", "downloads", "share", "estimated"},
    "concentration": {"month", "hhi"},
    "derivatives": {"month", "region", "new_derivatives"},
    "ram_v2": {"model_id", "org_name", "region", "size_bucket", "release_date", "cumulative_downloads", "ram"},
    "crossover": {"crossover_period", "periods_ahead"},
}


@pytest.mark.parametrize("name", sorted(HUB_COLUMNS))
def test_hub_sections_use_documented_columns(name):
    assert HUB_COLUMNS[name] <= set(get(name).columns)


def test_monthly_charts_render(metric):
    """The month axis the hub charts use, drawn from real (Epoch, monthly) data."""
    from atomscope.present import charts

    monthly = metric("releases", "region", period="month")[["period", "region", "releases"]]
    for spec in (
        charts.stacked_bars(monthly, "period", "releases", y_title="n", x_kind="month"),
        charts.stacked_bars(monthly, "period", "releases", y_title="n", x_kind="month", normalize=True),
        charts.lines(
            monthly.groupby("period", as_index=False)["releases"].sum(),
            "period",
            "releases",
            y_title="n",
            color=None,
            x_kind="month",
        ),
    ):
        assert charts.render_svg(spec).startswith("<svg")


@pytest.mark.parametrize(("kind", "endpoint"), [("synthetic", None), ("hf_snapshot", "http://127.0.0.1:8123")])
def test_refuses_synthetic_or_emulated_warehouse(bundled_db, tmp_path, kind, endpoint):
    from atomscope.warehouse.provenance import NotPublishableError

    path = tmp_path / "marked.duckdb"
    shutil.copy(bundled_db, path)
    con = warehouse.connect(path)
    try:
        run_id = warehouse.start_run(con, kind, endpoint=endpoint, synthetic=endpoint is not None)
        if endpoint:  # a snapshot row collected from the emulator, which labels its answers synthetic
            con.execute(
                "INSERT INTO hf_snapshots (model_id, snapshot_date, downloads_all_time, collected_at, endpoint,"
                " source, run_id) SELECT model_id, DATE '2026-06-01', 10, now(), ?, 'api', ? FROM models LIMIT 1",
                [endpoint, run_id],
            )
    finally:
        con.close()
    with pytest.raises(NotPublishableError):
        build_report(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_hub_sections_without_rows_say_so(bundled_backend, bundled_db):
    """Hub sections wired to their metrics: with the Hub flagged as collected but no rows for the metrics,
    each says so in a note (no empty chart, no crash)."""
    import duckdb

    from atomscope.metrics import derivatives, downloads_report, ram
    from atomscope.metrics.frames import MetricData
    from atomscope.report import catalog
    from atomscope.warehouse.provenance import HubStatus

    hub = HubStatus(snapshot_rows=1, snapshot_days=1, derivative_edges=1)
    md = MetricData(bundled_backend)
    built = [downloads_report.adoption(md, hub), ram.section(md, hub), derivatives.section(md, hub)]
    for section in built:
        assert section.charts == [] and section.missing, section.key
        assert all("atomscope collect hf" not in note for note in section.missing)
    assert md.problems == []
    with duckdb.connect(str(bundled_db), read_only=True) as con:
        assert downloads_report.findings(md, hub) == [] and derivatives.findings(md, hub) == []
        assert catalog.findings(con)


def test_race_rests_on_released_models_only(built, metric):
    report, _, page = built
    # Llama-4-Maverick-03-26-Experimental was labelled "Llama" on 2025-04-06 but never released: it must
    # neither lead the race nor count in any chart's data.
    unreleased = "Llama-4-Maverick-03-26-Experimental"
    for chart in report.charts:
        assert unreleased not in (report.out_dir / "charts" / f"{chart.name}.csv").read_text(encoding="utf-8")
    assert "2025-04-06" not in page.finding("arena_since")
    df = metric("arena", "region")
    now = df[df["snapshot_date"] == df["snapshot_date"].max()]
    lead = now[now["leads_open"]].iloc[0]
    assert f"weights tracked at {lead['best_open_model_id']} on Hugging Face" in page.finding("arena_leader")


def test_restricted_systems_are_listed_apart_from_the_truly_open(built, metric):
    report, _, page = built
    folder = report.out_dir / "charts"
    truly = pd.read_csv(folder / "truly_open_list.csv")
    restricted = pd.read_csv(folder / "open_but_restricted_list.csv")
    # issue 17: non-commercial / research-only licenses are not open
    for system in ("Arabic StableLM", "AudioLDM", "Instella"):
        assert system not in set(truly["System"]) and system in set(restricted["System"]), system
    systems = metric("openness", "system")
    assert len(truly) == int(systems["truly_open"].sum())
    assert len(restricted) == int(systems["open_but_restricted"].sum())
    text = page.finding("openness_truly_open")
    assert f"{len(restricted)} more would be but for their license" in text
