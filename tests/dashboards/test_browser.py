"""Each role's view: log in through the React form in headless Chromium as a rep, a squad lead
and the roster's sales director, open every board of the role, wait until every chart is drawn
with rows, keep a screenshot in artifacts/screenshots/ (and, with `make screenshots`, the README's
pictures in docs/screenshots/), and check that it shows data and Chinese text that really
renders (fonts-noto-cjk). Then, as the director, click through 业绩穿透: a region, one of its
top opportunities, down to the owner's last communications, each step checked against DuckDB."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import yaml
from playwright.sync_api import Browser, Page, sync_playwright

from tests.dashboards.helpers import (
    DASHBOARDS_DIR,
    REPO_ROOT,
    Bundle,
    SupersetServer,
    query_served_db,
)
from tooling.bench.superset import (
    CHART_STATES_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DRAW_TIMEOUT_MS,
    browser_log_in,
    role_login,
)

pytestmark = [pytest.mark.superset, pytest.mark.browser]

SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"

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


def _log_in(page: Page, server: SupersetServer, login: tuple[str, str]) -> None:
    # generous: the suite's first login follows the server's start, beside Spark on two cores
    browser_log_in(page, server.base_url, *login, timeout_ms=120_000)


def _titles_missing(page: Page, titles: list[str], timeout_ms: int = 15_000) -> list[str]:
    """The titles not in the page's text, polled for a while: Superset may re-render the grid
    once more after the charts drew (a busy machine widens that window)."""
    deadline = page.evaluate("Date.now()") + timeout_ms
    while True:
        text = page.inner_text("body")
        missing = [title for title in titles if title not in text]
        if not missing or page.evaluate("Date.now()") > deadline:
            return missing
        page.wait_for_timeout(500)


def _wait_until_drawn(page: Page, expected: int) -> list[dict]:
    """Poll until all `expected` charts are drawn; fail at once on an error box."""
    deadline = page.evaluate("Date.now()") + DRAW_TIMEOUT_MS
    while True:
        states = page.evaluate(CHART_STATES_JS)["charts"]
        errors = [state for state in states if state["state"] == "error"]
        assert not errors, f"charts show errors: {errors}"
        if len(states) >= expected and all(state["state"] == "drawn" for state in states):
            return states
        assert page.evaluate("Date.now()") < deadline, f"charts not drawn in time: {states}"
        page.wait_for_timeout(250)


# Per chart: how many data rows a table shows (its "no records" row not counted), whether an
# ECharts chart drew a canvas, the search box's placeholder, and the chart's text.
CHART_ROWS_JS = """
() => Array.from(document.querySelectorAll('[data-test="chart-grid-component"]')).map(chart => {
  const rows = Array.from(chart.querySelectorAll('table tbody tr'))
    .filter(tr => tr.querySelectorAll('td').length > 1);
  const search = chart.querySelector('.dt-global-filter input');
  return {
    name: chart.getAttribute('data-test-chart-name'),
    table: !!chart.querySelector('table'),
    rows: rows.length,
    canvas: !!chart.querySelector('canvas'),
    number: !!chart.querySelector('.header-line'),
    search: search ? search.getAttribute('placeholder') : null,
    text: chart.innerText,
  };
})
"""

# Shrink a PNG to at most `width` pixels wide and round its colours to steps of 32 (a picture
# for the README: ~130 KB instead of ~300 KB), in the browser (no imaging library needed).
SHRINK_PNG_JS = """
async ([dataUrl, width]) => {
  const image = new Image();
  image.src = dataUrl;
  await image.decode();
  const scale = Math.min(1, width / image.width);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(image.width * scale);
  canvas.height = Math.round(image.height * scale);
  const context = canvas.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < pixels.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      pixels.data[i + c] = Math.min(255, Math.round(pixels.data[i + c] / 32) * 32);
    }
  }
  context.putImageData(pixels, 0, 0);
  return canvas.toDataURL('image/png');
}
"""

# `make screenshots` sets this to docs/screenshots: the README shows those pictures
README_SCREENSHOTS = os.environ.get("LASTMILE_README_SCREENSHOTS")
README_WIDTH = 1000
# what each role's board is drawn as (the browser test per role): a rep, a squad lead, the
# roster's sales director
BROWSER_ROLES = ["Lastmile Rep", "Lastmile Squad Lead", "Lastmile Manager"]


def _role_boards(bundle: Bundle, role: str) -> list[dict]:
    config = yaml.safe_load((DASHBOARDS_DIR / "security.yaml").read_text(encoding="utf-8"))
    boards = config["roles"][role]["boards"]
    return sorted(
        (d for d in bundle.dashboards.values() if boards == "all" or d["slug"] in boards),
        key=lambda d: d["slug"],
    )


def _keep_screenshot(page: Page, png: bytes, slug: str) -> None:
    """The full page into artifacts/screenshots/, and shrunk into the README's pictures when
    `make screenshots` asks for them."""
    (SCREENSHOT_DIR / f"{slug}.png").write_bytes(png)
    if README_SCREENSHOTS:
        folder = REPO_ROOT / README_SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
        data_url = f"data:image/png;base64,{base64.b64encode(png).decode()}"
        small = page.evaluate(SHRINK_PNG_JS, [data_url, README_WIDTH])
        (folder / f"{slug}.png").write_bytes(base64.b64decode(small.split(",", 1)[1]))


def test_the_login_page_speaks_chinese_and_lets_the_director_in(
    browser: Browser, superset_server: SupersetServer, manager_login: tuple[str, str]
) -> None:
    """The first page a manager meets: titled 登录 with Chinese prompts (not Superset's English,
    which it drew when its language pack was refused to a browser not logged in, nor the zh
    pack's "Not In"); the right password then leaves it."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{superset_server.base_url}/login/")
        page.wait_for_selector("#username")
        missing = _titles_missing(page, ["登录", "请输入用户名和密码", "用户名", "密码"])
        text = page.inner_text("body")
        assert not missing, f"the login page lacks {missing}: {text[:300]!r}"
        for english in ("Not In", "Sign in", "Enter your login", "Username", "Password"):
            assert english not in text, f"{english!r} on the login page: {text[:300]!r}"
        _log_in(page, superset_server, manager_login)
    finally:
        context.close()


@pytest.mark.parametrize("role", BROWSER_ROLES)
def test_each_role_sees_every_chart_of_its_boards_drawn_with_rows(
    role: str, browser: Browser, superset_server: SupersetServer, bundle: Bundle
) -> None:
    """Log in as the role's login (a rep, a squad lead, the sales director), open every board
    of the role: every chart drawn, with rows (a table shows data rows, a chart its canvas), in
    Chinese that really renders (fonts-noto-cjk), tables saying how many rows they hold (共 N
    条, never Superset's "N 异常"); keep a screenshot of each board."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    username = role_login(superset_server.served_db, role)
    boards = _role_boards(bundle, role)
    assert boards, f"{role} has no board"
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        _log_in(page, superset_server, (username, superset_server.user_password(username)))
        for dashboard in boards:
            chart_names = [
                bundle.charts[uuid]["slice_name"] for uuid in bundle.chart_uuids(dashboard)
            ]
            slug = dashboard["slug"]
            page.goto(f"{superset_server.base_url}/superset/dashboard/{slug}/")
            states = _wait_until_drawn(page, len(chart_names))
            assert sorted(state["name"] for state in states) == sorted(chart_names), slug
            page.wait_for_timeout(1000)  # let ECharts finish its entry animation

            for chart in page.evaluate(CHART_ROWS_JS):
                where = f"{role} ({username}) {slug} / {chart['name']}"
                if chart["table"]:
                    assert chart["rows"] > 0, f"{where}: no rows"
                    assert chart["search"] and re.fullmatch(r"共 [\d,]+ 条", chart["search"]), (
                        f"{where}: search box says {chart['search']!r}"
                    )
                else:
                    assert chart["canvas"] or chart["number"], f"{where}: nothing drawn"
                assert "异常" not in chart["text"] and "N/A" not in chart["text"], where

            png = page.screenshot(full_page=True)
            colours = page.evaluate(
                DISTINCT_COLOURS_JS, f"data:image/png;base64,{base64.b64encode(png).decode()}"
            )
            assert colours > 200, f"{slug} looks blank ({colours} colours)"
            _keep_screenshot(page, png, slug)

            titles = [dashboard["dashboard_title"], *chart_names]
            missing = _titles_missing(page, titles)
            assert not missing, f"{missing} not on the page"
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


# --- 业绩穿透: region → top opportunities → communications ------------------------------------

DRILL_SLUG = "drill-through"
REGION_CHART = "区域业绩排行（点击区域穿透）"
TOP_CHART = "区域前三大在途商机（阶段与停留天数）"
COMMUNICATIONS_CHART = "负责人最近三次沟通"
OBJECTIONS_CHART = "异议与建议话术"
MONTH_FILTER = "业绩月份"
CONTRACT_COUNT = "赢单合同数"

# A table chart's rows as lists of cell texts, and its header texts.
TABLE_JS = """
(name) => {
  const chart = document.querySelector(`[data-test-chart-name="${name}"]`);
  const headers = Array.from(chart.querySelectorAll('table thead th'))
    .map(th => th.innerText.trim());
  const rows = Array.from(chart.querySelectorAll('table tbody tr')).map(
    tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()));
  return {headers, rows};
}
"""


def _column(page: Page, chart: str, header: str) -> list[str] | None:
    """The texts of one column, or None while the table is (re)loading."""
    table = page.evaluate(TABLE_JS, chart)
    if header not in table["headers"]:
        return None
    index = table["headers"].index(header)
    return [row[index] for row in table["rows"] if len(row) > index]


def _wait_for_column(page: Page, chart: str, header: str, wanted: list[str]) -> None:
    """Poll until the table's column holds exactly `wanted` (in any order)."""
    deadline = page.evaluate("Date.now()") + DRAW_TIMEOUT_MS
    while sorted(shown := _column(page, chart, header) or []) != sorted(wanted):
        assert page.evaluate("Date.now()") < deadline, f"{chart}: {header} = {shown}, want {wanted}"
        page.wait_for_timeout(250)


def _cell(page: Page, chart: str, text: str):
    return (
        page.locator(f'[data-test-chart-name="{chart}"] table tbody td').filter(has_text=text).first
    )


@contextmanager
def _drill_board(
    browser: Browser, server: SupersetServer, bundle: Bundle, manager_login: tuple[str, str]
) -> Iterator[tuple[Page, int]]:
    """业绩穿透 opened as the manager and drawn: yields the page and its number of charts."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    try:
        _log_in(page, server, manager_login)
        page.goto(f"{server.base_url}/superset/dashboard/{DRILL_SLUG}/")
        drill = next(d for d in bundle.dashboards.values() if d.get("slug") == DRILL_SLUG)
        charts = len(bundle.chart_uuids(drill))
        _wait_until_drawn(page, charts)
        yield page, charts
    finally:
        context.close()


def _region_counts(page: Page) -> dict[str, int]:
    """The region ranking's won-contract count per region, as shown."""
    regions = _column(page, REGION_CHART, "区域名称") or []
    counts = _column(page, REGION_CHART, CONTRACT_COUNT) or []
    return {
        region: int(count.replace(",", "")) for region, count in zip(regions, counts, strict=True)
    }


def test_drill_through_region_to_opportunity_to_communications(
    browser: Browser,
    superset_server: SupersetServer,
    bundle: Bundle,
    manager_login: tuple[str, str],
) -> None:
    served_db = superset_server.served_db
    # an opportunity whose communications mention objections (the whole path has rows), else
    # the largest one; its region
    region, opportunity, customer = query_served_db(
        served_db,
        "select top.region_name, top.opportunity_id, top.customer_name "
        "from marts.fct_drill_top_opportunities as top left join ("
        "select opportunity_id, count(*) as mentions from marts.fct_drill_objections "
        "where has_objection group by 1"
        ") as objections on top.opportunity_id = objections.opportunity_id "
        "order by coalesce(objections.mentions, 0) desc, top.amount_cny desc limit 1",
    )[0]
    opportunities = query_served_db(
        served_db,
        "select opportunity_id from marts.fct_drill_top_opportunities "
        f"where region_name = '{region}'",
    )
    objections = query_served_db(
        served_db,
        f"select count(*) from marts.fct_drill_objections where opportunity_id = '{opportunity}'",
    )[0][0]
    communications = query_served_db(
        served_db,
        "select communication_id, customer_id, customer_name from marts.fct_drill_communications "
        f"where opportunity_id = '{opportunity}' order by communication_rank",
    )
    assert communications, f"{opportunity} has no communications"
    # the communications are the opportunity's customer's, and no more than the last 3
    assert {row[2] for row in communications} == {customer} and len(communications) <= 3
    other_regions = query_served_db(
        served_db,
        f"select count(*) from marts.fct_drill_top_opportunities where region_name <> '{region}'",
    )[0][0]
    assert other_regions, "one region only: clicking it would filter nothing"

    with _drill_board(browser, superset_server, bundle, manager_login) as (page, charts):
        assert len(set(_column(page, TOP_CHART, "区域名称") or [])) > 1, "starts unfiltered"

        # 1. a region: the top opportunities narrow to that region's, as in DuckDB
        _cell(page, REGION_CHART, region).click()
        _wait_for_column(page, TOP_CHART, "商机编号", [row[0] for row in opportunities])
        assert set(_column(page, TOP_CHART, "区域名称")) == {region}
        _wait_until_drawn(page, charts)
        page.screenshot(path=str(SCREENSHOT_DIR / "drill-through-1-region.png"), full_page=True)

        # 2. an opportunity: the communications narrow to its owner's last ones with its customer
        _cell(page, TOP_CHART, opportunity).click()
        _wait_for_column(
            page, COMMUNICATIONS_CHART, "商机编号", [opportunity] * len(communications)
        )
        assert set(_column(page, COMMUNICATIONS_CHART, "客户名称")) == {customer}
        assert [
            int(rank) for rank in _column(page, COMMUNICATIONS_CHART, "沟通顺序（1为最近）")
        ] == (list(range(1, len(communications) + 1)))
        if objections:
            _wait_for_column(page, OBJECTIONS_CHART, "商机编号", [opportunity] * objections)
        states = page.evaluate(CHART_STATES_JS)["charts"]
        assert not [state for state in states if state["state"] == "error"], states
        page.screenshot(
            path=str(SCREENSHOT_DIR / "drill-through-2-opportunity.png"), full_page=True
        )


def test_drill_month_filter_narrows_region_revenue(
    browser: Browser,
    superset_server: SupersetServer,
    bundle: Bundle,
    manager_login: tuple[str, str],
) -> None:
    """Pick a month in 业绩穿透's 业绩月份 filter and apply it: the region ranking then counts only
    that month's won contracts, region by region as in DuckDB (a month that leaves some region
    out and differs from the unfiltered counts, so a filter that does nothing fails)."""
    counts = query_served_db(
        superset_server.served_db,
        "select won_month, region_name, count(*) from marts.fct_drill_region_revenue group by 1, 2",
    )
    totals: dict[str, int] = {}
    by_month: dict[str, dict[str, int]] = {}
    for won_month, region, count in counts:
        totals[region] = totals.get(region, 0) + count
        by_month.setdefault(won_month, {})[region] = count
    # the busiest month (as the filter lists it, YYYY-MM) whose counts differ from the year's
    busiest = sorted(by_month, key=lambda m: (sum(by_month[m].values()), m), reverse=True)
    month = next((m for m in busiest if by_month[m] != totals), None)
    assert month is not None, "every month has the whole year's counts: nothing to filter"

    with _drill_board(browser, superset_server, bundle, manager_login) as (page, _):
        assert _region_counts(page) == totals

        # the filter bar: open 业绩月份 (the dashboard's only native filter), choose the month,
        # apply
        assert page.get_by_text(MONTH_FILTER).first.is_visible(), f"{MONTH_FILTER} not shown"
        page.locator('[data-test="form-item-value"]').first.click()
        page.locator(".ant-select-item-option").filter(has_text=month).first.click()
        page.keyboard.press("Escape")
        page.locator('[data-test="filter-bar__apply-button"]').click()

        _wait_for_column(page, REGION_CHART, "区域名称", sorted(by_month[month]))
        assert _region_counts(page) == by_month[month]
        page.screenshot(path=str(SCREENSHOT_DIR / "drill-through-month.png"), full_page=True)


# --- 数据质量: drawn for the director, its counts those of the ingestion's audit ---------------


def test_the_data_quality_board_draws_the_audit_for_the_director(
    browser: Browser,
    superset_server: SupersetServer,
    bundle: Bundle,
    manager_login: tuple[str, str],
    pipeline_run,
) -> None:
    """数据质量 as the sales director: every chart drawn with rows, and the tables say as many
    rows as ingest.file_audit holds files and ingest.quarantine refused rows (the build file)."""
    board = next(d for d in bundle.dashboards.values() if d["slug"] == "data-quality")
    build_db = pipeline_run.settings.build_db
    ((files,),) = query_served_db(build_db, "select count(*) from ingest.file_audit")
    ((quarantined,),) = query_served_db(build_db, "select count(*) from ingest.quarantine")
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    try:
        _log_in(page, superset_server, manager_login)
        page.goto(f"{superset_server.base_url}/superset/dashboard/data-quality/")
        _wait_until_drawn(page, len(bundle.chart_uuids(board)))
        page.wait_for_timeout(1000)
        charts = {chart["name"]: chart for chart in page.evaluate(CHART_ROWS_JS)}
        for name, chart in charts.items():
            assert chart["rows"] > 0 or chart["canvas"] or chart["number"], f"{name}: empty"
            assert "N/A" not in chart["text"], name
        assert (
            charts["接入文件明细（被拒收、有隔离行或警告的在前）"]["search"] == f"共 {files:,} 条"
        )
        assert charts["隔离行明细（原始值已脱敏）"]["search"] == f"共 {quarantined:,} 条"
        assert f"{files:,}" in charts["接入文件数"]["text"]
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        _keep_screenshot(page, page.screenshot(full_page=True), "data-quality")
    finally:
        context.close()
