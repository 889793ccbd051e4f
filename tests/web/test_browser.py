"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against uvicorn servers on
127.0.0.1 in threads (tests/web/conftest.py): one over a copy of the bundled real data (the dashboard), one over a
copy with the web test-fixture rows (tests/web_fixtures.py: lineage and escaping on model pages), one over a copy
with SYNTHETIC monthly dumps and derivatives. The width checks (issue 26) are in this file too: with
`--dist loadfile` a second file would start and compute the same servers again on the other worker.

Checks: no request leaves localhost (every request is intercepted; a non-local one is aborted and
recorded), the charts render (an SVG inside each vega-embed container), a filter changes the chart data,
the model page shows the lineage up to the root, a script-tag model id stays text, pages read at every
width, and screenshots land in test-artifacts/ (gitignored). Skipped only when /usr/bin/chromium or the
playwright package is missing; `playwright install` is never used (no browser download).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from browser_page import ARTIFACTS, OVERFLOW, SETTLED, Page, card_of, check_plots, legend, screenshot
from web_fixtures import EVIL_ID, ROOT, SCRIPT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (/usr/bin/chromium): apt-get install -y chromium", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def tab(browser):
    page = Page(browser)
    yield page
    page.close()


def only_these_cards_refetch(page, keep: set[str], marker: str) -> None:
    """A filter change re-fetches every card the filter applies to, and the server computes each new view
    (about as long as warming the dashboard). A filter test reads the cards in `keep`: the others' requests
    carrying `marker` are answered here with an error (the card settles in its error state), not computed."""

    def other_card(url: str) -> bool:
        found = re.search(r"/api/metrics/(\w+)\?", url)
        return bool(found) and found[1] not in keep and marker in url

    page.route(other_card, lambda route: route.fulfill(status=404, json={"detail": "not read by this test"}))


def test_dashboard_renders_offline(server, tab):
    page = tab.page
    page.goto(server + "/")
    page.wait_for_function(SETTLED, timeout=90_000)
    states = page.eval_on_selector_all("article.metric", "cs => cs.map(c => [c.dataset.metric, c.dataset.state])")
    assert states and not [m for m, s in states if s == "error"], states
    for metric in ("arena", "releases", "openness"):
        assert card_of(page, metric).get_attribute("data-state") == "ready"
        assert card_of(page, metric).locator(".vis svg, .vis canvas").count() >= 1, metric
        assert card_of(page, metric).locator(".vis svg .mark-line path, .vis svg .mark-rect path").count() >= 1
    # a metric without data shows how to collect it instead of an empty chart
    downloads = card_of(page, "downloads")
    assert downloads.get_attribute("data-state") == "empty"
    assert "atomscope collect" in downloads.locator(".empty").inner_text()
    assert downloads.locator(".vis svg").count() == 0
    screenshot(page, "dashboard.png")
    assert tab.external == [], tab.external
    # the runnable card (runnable.js) lists the best models per hardware class, each linking to its page
    page.wait_for_selector("#runnable-card table", timeout=90_000)
    text = page.locator("#runnable-card").inner_text()
    assert "laptop (16 GB)" in text and "since 20" in text and "% (" in text
    assert page.locator("#runnable-card table a").count() >= 1
    assert tab.errors == [], tab.errors


def test_filter_changes_chart_data(server, tab):
    page = tab.page
    page.goto(server + "/")
    page.wait_for_function(SETTLED, timeout=90_000)
    card = card_of(page, "releases")
    before_rows = card.get_attribute("data-rows")
    before_svg = card.locator(".vis svg.marks").inner_html()
    legend_before = legend(card)
    assert {"China", "US"} <= legend_before

    only_these_cards_refetch(page, {"releases", "arena"}, "region=china")
    with page.expect_response(
        lambda r: "/api/metrics/releases" in r.url and "region=china" in r.url and r.status == 200
    ) as info:
        page.select_option("#filters select[name=region]", "china")
    rows = info.value.json()["rows"]
    assert rows and {r["region"] for r in rows} == {"china"}
    page.wait_for_function(
        """() => { const c = document.querySelector('article.metric[data-metric="releases"]');
                   return c.dataset.url.includes('region=china') && c.dataset.state === 'ready'; }"""
    )
    page.wait_for_function(SETTLED, timeout=90_000)
    assert card.get_attribute("data-rows") != before_rows
    assert card.locator(".vis svg.marks").inner_html() != before_svg
    assert legend(card) == {"China"}

    # grouping: the per-card selector re-fetches with by=
    with page.expect_response(lambda r: "/api/metrics/arena" in r.url and "by=org" in r.url):
        card_of(page, "arena").locator("select.by").select_option("org")
    assert tab.external == []


def test_search_box_finds_models(fixture_server, tab):
    """The search box is in every page's header (base.html): searched from a model page, because the dashboard
    would have this server compute every metric, which nothing here reads."""
    page = tab.page
    page.goto(fixture_server + "/models/test-fixture/Qwen3-8B-ft")
    page.fill("#model-search", "qwen3-8b")
    page.wait_for_selector("#search-results a")
    ids = page.locator("#search-results a .id").all_inner_texts()
    assert ROOT in ids
    page.locator("#search-results a", has_text=ROOT).first.click()
    page.wait_for_url("**/models/Qwen/Qwen3-8B")
    assert page.locator("h1").inner_text() == ROOT


def test_model_page_shows_lineage_and_downloads(fixture_server, tab):
    page = tab.page
    page.goto(fixture_server + "/models/test-fixture/Qwen3-8B-ft-GGUF")
    path = page.locator("#lineage .lineage-path").first
    nodes = path.locator(".node").all_inner_texts()
    assert nodes == ["test-fixture/Qwen3-8B-ft-GGUF", "test-fixture/Qwen3-8B-ft", ROOT]
    assert "root" in path.locator(".root-badge").inner_text()
    screenshot(page, "model-lineage.png")
    path.locator("a.root").click()
    page.wait_for_url("**/models/Qwen/Qwen3-8B")
    page.wait_for_selector("#downloads-chart[data-state=ready] svg")
    assert page.locator("#downloads-chart svg .mark-line path").count() >= 1
    screenshot(page, "model-root.png")
    assert tab.external == [] and tab.errors == []


def test_script_model_id_stays_text(fixture_server, tab):
    page = tab.page
    page.goto(fixture_server + "/models/" + EVIL_ID)
    assert page.locator("h1").inner_text() == EVIL_ID
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
    page.goto(fixture_server + "/models/" + ROOT)
    assert page.get_by_text(SCRIPT).first.is_visible()
    time.sleep(0.3)
    assert tab.dialogs == [] and tab.external == []


def test_api_docs_render_offline(server, tab):
    page = tab.page
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").evaluate_all("ns => ns.map(n => n.textContent.trim())")
    assert "/api/metrics/arena" in paths and "/api/models/{model_id}" in paths
    assert tab.external == [], tab.external


def test_date_filter_narrows_arena(server, tab):
    page = tab.page
    page.goto(server + "/")
    page.wait_for_function(SETTLED, timeout=90_000)
    only_these_cards_refetch(page, {"arena"}, "since=2025-03-01")
    with page.expect_response(
        lambda r: "/api/metrics/arena" in r.url and "since=2025-03-01" in r.url and r.status == 200
    ) as info:
        page.fill("#filters input[name=since]", "2025-03-01")
        page.dispatch_event("#filters input[name=since]", "change")
    rows = info.value.json()["rows"]
    assert rows and min(r["snapshot_date"] for r in rows) >= "2025-03-01"
    page.wait_for_function(SETTLED, timeout=90_000)
    assert card_of(page, "arena").get_attribute("data-state") == "ready"


def test_back_cast_and_unfinished_months_are_left_out_and_the_rows_origin_said(dumps_server, tab):
    """Issues 18 and 21 on the dashboard: months before the first dump (2025-04-01) are back-cast and not
    shown, every shown month lies between monthly all-time snapshots (measured: no estimate legend), the
    unfinished month is left out (no fall to zero in September); the caption says both where the rows came
    from and what was left out."""
    page = tab.page
    downloads_ok = lambda r: "/api/metrics/downloads" in r.url and r.status == 200  # noqa: E731
    with page.expect_response(downloads_ok, timeout=90_000) as info:
        page.goto(dumps_server + "/")
    api_rows = info.value.json()["rows"]
    assert {r["month"] for r in api_rows if not r["complete"]} == {"2025-09"}
    assert min(r["month"] for r in api_rows) == "2025-04" and not any(r["backcast"] for r in api_rows)
    page.wait_for_function(SETTLED, timeout=90_000)
    for metric in ("downloads", "concentration"):
        card = card_of(page, metric)
        assert card.get_attribute("data-state") == "ready", metric
        assert "estimated" not in legend(card), metric
        caption = card.locator(".chart-caption").inner_text()
        # the fixture's rows carry no load run: the caption says so rather than naming a collector
        assert "Rows from 1 source (no load run recorded, 2025-04-01 to 2025-09-01)" in caption, caption
    # the four models keep the same shares every month, so the HHI is one value up to float noise (1e-12):
    # drawn on an axis that does not start at zero, that noise must not become a cliff
    points = card_of(page, "concentration").locator(".vis svg .mark-symbol.role-mark path")
    heights = {t.split(",")[1] for t in points.evaluate_all("ns => ns.map(n => n.getAttribute('transform'))")}
    assert len(heights) == 1, heights
    downloads = card_of(page, "downloads")
    regions = {r["region"] for r in api_rows}
    assert downloads.get_attribute("data-rows") == str(5 * len(regions))  # April..August
    assert "2025-09 (to date) is left out" in downloads.locator(".chart-caption").inner_text()
    assert {"China", "US", "Europe"} <= legend(downloads)
    ARTIFACTS.mkdir(exist_ok=True)
    downloads.screenshot(path=str(ARTIFACTS / "dashboard-downloads-observed.png"))
    assert tab.external == [] and tab.errors == [], (tab.external, tab.errors)


def test_a_null_complete_is_left_out_as_the_report_leaves_it_out(dumps_server, tab):
    """present/periods.py: a NULL `complete` is unfinished. The downloads answer is rewritten on its way to
    the page so September's rows say NULL instead of false; `unfinished_rows` is recomputed by the Python
    rule, and the card leaves out exactly the rows the report's chart (finished_mask) leaves out."""
    import pandas as pd

    from atomscope.present.periods import finished_mask, unfinished_rows

    kept: list[int] = []

    def null_september(route) -> None:
        answer = route.fetch()
        doc = answer.json()
        for row in doc["rows"]:
            if row["complete"] is False:
                row["complete"] = None
        doc["unfinished_rows"] = unfinished_rows(doc["rows"])
        kept.append(int(finished_mask(pd.DataFrame(doc["rows"])).sum()))
        route.fulfill(response=answer, json=doc)

    page = tab.page
    page.route(re.compile(r"/api/metrics/downloads(\?|$)"), null_september)
    page.goto(dumps_server + "/")
    page.wait_for_function(SETTLED, timeout=90_000)
    downloads = card_of(page, "downloads")
    assert kept and downloads.get_attribute("data-state") == "ready"
    assert downloads.get_attribute("data-rows") == str(kept[-1])
    assert "2025-09 (to date) is left out" in downloads.locator(".chart-caption").inner_text()
    assert tab.errors == [], tab.errors


def test_a_line_has_one_point_per_period_and_series(dumps_server, tab):
    """`derivatives --by region` has a row per month, region and relation: drawn as they come, a region's line
    zigzags up and down inside one month. The dashboard sums the counts per month and region and says so."""
    with urlopen(dumps_server + "/api/metrics/derivatives?by=region", timeout=60) as resp:
        rows = [r for r in json.load(resp)["rows"] if r["complete"] is not False]
    points = {(r["month"], r["region"]) for r in rows}
    assert len(points) < len(rows) and len({r["month"] for r in rows}) > 2  # several relations, drawn as a line
    page = tab.page
    page.goto(dumps_server + "/")
    card = card_of(page, "derivatives")
    card.scroll_into_view_if_needed()
    page.wait_for_function(SETTLED, timeout=90_000)
    assert card.get_attribute("data-state") == "ready"
    assert card.locator(".vis svg .mark-symbol.role-mark path").count() == len(points)  # not legend symbols
    assert "new derivatives summed over relation for each month and region" in card.inner_text()
    assert tab.errors == [], tab.errors


# -- widths (issue 26) ----------------------------------------------------------------------------------
# The dashboard and the model page at a phone (390 px), a tablet (768 px) and a laptop (1,280 px) width: nothing
# overflows the page or its card, every chart keeps a plot area a reader can read, the sticky header and filters
# leave the screen to the content, and a screenshot of each width lands in test-artifacts/ (look at them).
WIDTHS = (390, 768, 1280)
# Vega follows its container's size through a ResizeObserver, whose callbacks run with the next frame; then the
# view re-runs asynchronously. Two frames, each followed by every view's pending run, instead of a fixed sleep.
CHARTS_RESIZED = """async () => {
  for (let i = 0; i < 2; i++) {
    await new Promise((done) => requestAnimationFrame(() => done()));
    await Promise.all([...document.querySelectorAll('.vis')].filter((v) => v._view).map((v) => v._view.runAsync()));
  }
}"""


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized(request, browser):
    page = Page(browser, width=request.param, height=844 if request.param < 500 else 900)
    yield request.param, page
    page.close()


@pytest.mark.parametrize("which", ["dashboard", "dashboard-history"])
def test_dashboard_reads_at_every_width(which, sized, server, dumps_server):
    width, tab = sized
    page = tab.page
    page.goto((server if which == "dashboard" else dumps_server) + "/")
    page.wait_for_function(SETTLED, timeout=120_000)
    page.evaluate(CHARTS_RESIZED)  # vega's resize after the last card settles
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{which}-{width}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    plots = check_plots(page, width)
    assert len(plots) >= 4  # the bundled data alone draws arena, releases, openness and mof
    # the sticky header and filters take at most a fifth of a phone's screen, and every filter stays usable
    sticky = page.evaluate("""() => [...document.querySelectorAll('.topbar, .filters')]
        .filter(e => getComputedStyle(e).position === 'sticky')
        .reduce((h, e) => h + e.getBoundingClientRect().height, 0)""")
    assert sticky <= 0.2 * page.viewport_size["height"], sticky
    region = page.locator("#filters select[name=region]")
    if not region.is_visible():
        page.locator("#filters summary").click()
    assert region.is_visible()
    titles = page.locator("article.metric h2").all_inner_texts()
    assert all("_" not in t.split("\n")[0].rsplit(" ", 1)[0] for t in titles), titles
    assert tab.external == [] and tab.errors == [], (tab.external, tab.errors)


def test_model_page_reads_at_every_width(sized, fixture_server):
    width, tab = sized
    page = tab.page
    page.goto(fixture_server + "/models/" + ROOT)
    page.wait_for_selector("#downloads-chart[data-state=ready] svg")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"model-{width}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    assert tab.external == [] and tab.errors == []


def test_report_reads_at_every_width(sized, bundled_report):
    width, tab = sized
    page = tab.page
    page.set_content(bundled_report.index.read_text(encoding="utf-8"))  # self-contained: CSS and charts inline
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{width}.png"), full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width + 1
    # the data-sources table shows its last column ("Loaded") without scrolling at a laptop width
    fits = page.evaluate("""() => { const wrap = document.querySelector('table.source-files').parentElement;
        return wrap.scrollWidth <= wrap.clientWidth + 1; }""")
    assert fits or width < 1000
    assert tab.errors == [] and tab.external == []
