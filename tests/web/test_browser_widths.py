"""The dashboard and the model page at a phone (390 px), a tablet (768 px) and a laptop (1,280 px) width, in
Debian's Chromium (issue 26): nothing overflows the page or its card, every chart keeps a plot area a reader
can read, the sticky header and filters leave the screen to the content, and a screenshot of each width lands
in test-artifacts/ (look at them). The servers are shared with test_browser.py (tests/web/conftest.py)."""

from __future__ import annotations

import pytest
from test_browser import ARTIFACTS, SETTLED, Page, browser  # noqa: F401
from web_fixtures import ROOT

WIDTHS = (390, 768, 1280)

# Elements sticking out of their card (more than 1 px) or of the page; scroll containers may hold wider content.
OVERFLOW = """() => {
  const out = [];
  const page = document.documentElement.clientWidth;
  for (const card of document.querySelectorAll('.card')) {
    const box = card.getBoundingClientRect();
    if (box.right > page + 1) out.push(`card ${card.dataset.metric || card.id} ends at ${box.right} > ${page}`);
    for (const node of card.querySelectorAll('*')) {
      if (node.closest('.data-table-wrap') && !node.classList.contains('data-table-wrap')) continue;
      if (node.closest('details:not([open])') || !node.getClientRects().length) continue;
      const r = node.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) {
        const what = `${node.tagName.toLowerCase()}.${node.className.baseVal ?? node.className}`;
        out.push(`${card.dataset.metric || card.id}: ${what} ${r.left}..${r.right} outside ${box.left}..${box.right}`);
        break;
      }
    }
  }
  const scroll = document.documentElement.scrollWidth;
  if (scroll > page + 1) out.push(`page scrolls sideways: ${scroll} > ${page}`);
  return out;
}"""

# Plot area (Vega's width and height signals under autosize fit-x) of every drawn chart, with its card's width.
PLOTS = """() => [...document.querySelectorAll('.vis')].filter(v => v._view).map(v => ({
  card: (v.closest('.card') || {}).dataset?.metric || v.id || v.closest('.card')?.id,
  width: v._view.width(), height: v._view.height(), cardWidth: v.getBoundingClientRect().width }))"""


@pytest.fixture(params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def sized(request, browser):  # noqa: F811
    page = Page(browser, width=request.param, height=844 if request.param < 500 else 900)
    yield request.param, page
    page.close()


def _check_plots(page, width: int) -> list[dict]:
    plots = page.evaluate(PLOTS)
    for plot in plots:
        assert plot["height"] >= 100, plot
        assert plot["width"] >= min(0.6 * plot["cardWidth"], 600) - 60, plot  # the legend never eats the plot
    return plots


@pytest.mark.parametrize("which", ["dashboard", "dashboard-history"])
def test_dashboard_reads_at_every_width(which, sized, server, dumps_server):
    width, tab = sized
    page = tab.page
    page.goto((server if which == "dashboard" else dumps_server) + "/")
    page.wait_for_function(SETTLED, timeout=120_000)
    page.wait_for_timeout(300)  # vega's resize after the last card settles
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{which}-{width}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    plots = _check_plots(page, width)
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
