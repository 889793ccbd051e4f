"""What the browser tests (tests/web/test_browser.py) use on a page: a page whose every request is checked,
card and legend look-ups, screenshots into test-artifacts/ (gitignored), and the overflow and plot-size probes
of the width checks. No Playwright import here: the test module skips itself when it is missing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
SETTLED = """() => [...document.querySelectorAll('article.metric')]
    .every(c => ['ready', 'empty', 'error'].includes(c.dataset.state))"""


class Page:
    """A page whose every request is checked: non-local requests are aborted and recorded."""

    def __init__(self, browser, width: int = 1400, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _console(self, message) -> None:
        # Chromium logs every 503 as a console error; the server answers 503 + Retry-After while it is busy
        # computing other answers and the dashboard waits and asks again (dashboard.js fetchWhenReady)
        if message.type == "error" and "status of 503" not in message.text:
            self.errors.append(message.text)

    def _route(self, route) -> None:
        url = route.request.url
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def card_of(page, metric: str):
    return page.locator(f'article.metric[data-metric="{metric}"]')


def legend(card) -> set[str]:
    texts = card.locator(".vis svg.marks .role-legend-label text")
    return set(texts.evaluate_all("nodes => nodes.map(n => n.textContent)"))


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


def check_plots(page, width: int) -> list[dict]:
    plots = page.evaluate(PLOTS)
    for plot in plots:
        assert plot["height"] >= 100, plot
        assert plot["width"] >= min(0.6 * plot["cardWidth"], 600) - 60, plot  # the legend never eats the plot
    return plots
