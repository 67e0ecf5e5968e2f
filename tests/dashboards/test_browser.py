"""A manager's view: log in through the React form in headless Chromium, open each dashboard,
wait until every chart is drawn, keep a screenshot in artifacts/screenshots/, and check that
it shows data and Chinese text that really renders (fonts-noto-cjk)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.dashboards.helpers import REPO_ROOT, Bundle, SupersetServer

pytestmark = [pytest.mark.superset, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
DRAW_TIMEOUT_MS = 60_000

# Per chart on the page: "error" when Superset shows an error box, "drawn" when the chart body
# holds what its plugin draws (ECharts canvas, table rows, big-number text), else "waiting".
CHART_STATES_JS = """
() => Array.from(document.querySelectorAll('[data-test="chart-grid-component"]')).map(chart => {
  const name = chart.getAttribute('data-test-chart-name');
  if (chart.querySelector('.ant-alert-error, [role="alert"]')) {
    return {name, state: 'error', text: chart.innerText.slice(0, 500)};
  }
  const body = chart.querySelector('[data-test="slice-container"]');
  const drawn = body && !chart.querySelector('[data-test="loading-indicator"], .loading')
    && body.querySelector('canvas, table tbody tr, .header-line');
  return {name, state: drawn ? 'drawn' : 'waiting'};
})
"""

# A glyph no font has renders as the fallback box. Chinese characters drawn in the page's font
# must look different from that box and from each other, or the CJK font is missing.
GLYPHS_RENDER_JS = """
([characters, font]) => {
  const pixels = (text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const context = canvas.getContext('2d');
    context.font = font;
    context.fillText(text, 4, 48);
    return Array.from(context.getImageData(0, 0, 64, 64).data).join(',');
  };
  const drawn = [...characters, '\\u{10FFFD}'].map(pixels);
  return new Set(drawn).size === drawn.length;
}
"""

# Decode a PNG in the browser and count its distinct colours (no imaging library needed).
DISTINCT_COLOURS_JS = """
async (dataUrl) => {
  const image = new Image();
  image.src = dataUrl;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  const colours = new Set();
  for (let i = 0; i < data.length; i += 4) {
    colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
  }
  return colours.size;
}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} missing: apt-get install -y chromium fonts-noto-cjk (make system-deps)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(page: Page, server: SupersetServer) -> None:
    page.goto(f"{server.base_url}/login/")
    page.fill("#username", server.username)
    page.fill("#password", server.password)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)


def _wait_until_drawn(page: Page, expected: int) -> list[dict]:
    """Poll until all `expected` charts are drawn; fail at once on an error box."""
    deadline = page.evaluate("Date.now()") + DRAW_TIMEOUT_MS
    while True:
        states = page.evaluate(CHART_STATES_JS)
        errors = [state for state in states if state["state"] == "error"]
        assert not errors, f"charts show errors: {errors}"
        if len(states) >= expected and all(state["state"] == "drawn" for state in states):
            return states
        assert page.evaluate("Date.now()") < deadline, f"charts not drawn in time: {states}"
        page.wait_for_timeout(250)


def test_dashboards_draw_every_chart_in_chinese(
    browser: Browser, superset_server: SupersetServer, bundle: Bundle
) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        _log_in(page, superset_server)
        for dashboard in bundle.dashboards.values():
            chart_names = [
                bundle.charts[uuid]["slice_name"] for uuid in bundle.chart_uuids(dashboard)
            ]
            slug = dashboard.get("slug") or dashboard["uuid"]
            page.goto(f"{superset_server.base_url}/superset/dashboard/{slug}/")
            states = _wait_until_drawn(page, len(chart_names))
            assert sorted(state["name"] for state in states) == sorted(chart_names)
            page.wait_for_timeout(1000)  # let ECharts finish its entry animation

            screenshot = SCREENSHOT_DIR / f"{slug}.png"
            png = page.screenshot(path=str(screenshot), full_page=True)
            colours = page.evaluate(
                DISTINCT_COLOURS_JS, f"data:image/png;base64,{base64.b64encode(png).decode()}"
            )
            assert colours > 200, f"{screenshot} looks blank ({colours} colours)"

            text = page.inner_text("body")
            for title in [dashboard["dashboard_title"], *chart_names]:
                assert title in text, f"{title!r} not on the page"
            title_font = page.evaluate(
                "() => { const style = getComputedStyle(document.querySelector("
                "'[data-test=\"chart-grid-component\"] .editable-title'));"
                " return `${style.fontSize} ${style.fontFamily}`; }"
            )
            assert page.evaluate(GLYPHS_RENDER_JS, [["销", "售", "额"], title_font]), (
                f"Chinese glyphs render as boxes in {title_font!r}: install fonts-noto-cjk"
            )
    finally:
        context.close()
