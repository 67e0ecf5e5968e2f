"""Superset latency: drill-path chart data over the REST API and board draw time in Chromium.

Superset lives in its own environment (``.venv-superset``): this module never imports it. It runs
``dashboards/bootstrap.py`` into the dataset's ``LASTMILE_HOME``, serves it with
``dashboards/serve.py`` on a free 127.0.0.1 port in its own process group (stopped by that group),
then measures over HTTP, and drives Debian's headless Chromium with Playwright.

- Drill path (业绩穿透): every chart of the board, ``POST /api/v1/chart/data`` with the chart's
  saved query context and ``force: true`` (Superset skips its cache), as the admin; first as the
  board loads (no filter), then as after the drill clicks (the cross-filters on ``region_name``
  and ``opportunity_id`` that a click on an earlier chart sends to the charts showing those
  columns). One untimed warm-up request per variant, then ``repeats`` timed ones.
- Boards: log in through the form as the role that reads each board (dashboards/security.yaml:
  the reps' board as the rep who sees the most customers, the squad leads' as such a squad lead,
  the company boards as the roster's sales director; row-level security applied), open each
  dashboard, and time from navigation start (the page's ``performance.now()`` origin) until every
  chart is drawn (canvas, table rows or big number, no loading indicator); one untimed first
  visit per board, then ``repeats`` timed visits.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from dashboards.warm import login as api_login
from pipelines.config import REPO_ROOT
from tooling.bench.procmon import stop_tree
from tooling.bench.stats import summarize

DASHBOARDS_DIR = REPO_ROOT / "dashboards"
BUNDLE_DIR = DASHBOARDS_DIR / "bundle"
SECURITY_FILE = DASHBOARDS_DIR / "security.yaml"
SUPERSET_PYTHON = REPO_ROOT / ".venv-superset" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
DRILL_SLUG = "drill-through"
# the columns a click on the drill board passes down as a cross-filter, in click order
DRILL_COLUMNS = ("region_name", "opportunity_id")
HEALTH_TIMEOUT_S = 120
DRAW_TIMEOUT_MS = 60_000
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

# Per chart on the page: "error" when Superset shows an error box, "drawn" when the chart body
# holds what its plugin draws (ECharts canvas, table rows, big-number text), else "waiting".
# With the page's clock (the bench times draws from navigation start); the browser tests use it too.
CHART_STATES_JS = """
() => ({now: performance.now(), charts: Array.from(
  document.querySelectorAll('[data-test="chart-grid-component"]')).map(chart => {
  const name = chart.getAttribute('data-test-chart-name');
  if (chart.querySelector('.ant-alert-error, [role="alert"]')) {
    return {name, state: 'error', text: chart.innerText.slice(0, 300)};
  }
  const body = chart.querySelector('[data-test="slice-container"]');
  const drawn = body && !chart.querySelector('[data-test="loading-indicator"], .loading')
    && body.querySelector('canvas, table tbody tr, .header-line');
  return {name, state: drawn ? 'drawn' : 'waiting'};
})})
"""


# --- the bundle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardSpec:
    uuid: str
    title: str
    slug: str
    charts: list[dict[str, Any]]  # layout order: uuid, name, params, dataset_uuid


def load_boards(bundle_dir: Path = BUNDLE_DIR) -> list[BoardSpec]:
    """The bundle's dashboards with their charts in layout order."""
    charts = {}
    for path in sorted((bundle_dir / "charts").glob("*.yaml")):
        chart = yaml.safe_load(path.read_text(encoding="utf-8"))
        charts[str(chart["uuid"])] = chart
    boards = []
    for path in sorted((bundle_dir / "dashboards").glob("*.yaml")):
        board = yaml.safe_load(path.read_text(encoding="utf-8"))
        uuids = [
            node["meta"]["uuid"]
            for node in board["position"].values()
            if isinstance(node, dict) and node.get("type") == "CHART"
        ]
        boards.append(
            BoardSpec(
                uuid=str(board["uuid"]),
                title=board["dashboard_title"],
                slug=board.get("slug") or str(board["uuid"]),
                charts=[
                    {
                        "uuid": uuid,
                        "name": charts[uuid]["slice_name"],
                        "params": charts[uuid].get("params") or {},
                        "dataset_uuid": str(charts[uuid]["dataset_uuid"]),
                    }
                    for uuid in uuids
                ],
            )
        )
    return boards


def shown_columns(params: dict[str, Any]) -> set[str]:
    """Columns a chart shows, hence can be clicked to cross-filter on."""
    shown = set()
    for key in ("groupby", "all_columns", "columns"):
        shown.update(c for c in params.get(key) or [] if isinstance(c, str))
    if isinstance(params.get("x_axis"), str):
        shown.add(params["x_axis"])
    return shown


def drill_filters(
    charts: list[dict[str, Any]], dataset_columns: list[set[str]], values: dict[str, Any]
) -> list[list[dict[str, Any]]]:
    """Per chart (layout order), the cross-filters it receives once the drill columns were
    clicked on earlier charts: a filter on a drill column when an earlier chart shows that
    column and this chart's dataset has it."""
    seen: set[str] = set()
    out = []
    for chart, columns in zip(charts, dataset_columns, strict=True):
        out.append(
            [
                {"col": column, "op": "IN", "val": [values[column]]}
                for column in DRILL_COLUMNS
                if column in seen and column in columns and column in values
            ]
        )
        seen |= shown_columns(chart["params"]) & set(DRILL_COLUMNS)
    return out


# --- the server ---------------------------------------------------------------------------------


def superset_env(home: Path, serve_db: Path, database_uri: str | None = None) -> dict[str, str]:
    """This process's environment minus anything pointing Superset elsewhere (a production
    metadata database or admin password is never a private home's), for ``home`` serving
    ``serve_db``; ``database_uri`` selects a metadata database other than the home's SQLite."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SUPERSET_", "LASTMILE_SUPERSET_"))
    }
    env.update(LASTMILE_HOME=str(home), LASTMILE_SERVE_DB=str(serve_db), PYTHONUNBUFFERED="1")
    if database_uri:
        env["LASTMILE_SUPERSET_DATABASE_URI"] = database_uri
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, chars: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError as exc:
        return f"(no log: {exc})"


def bootstrap(
    home: Path, serve_db: Path, log_path: Path, database_uri: str | None = None
) -> subprocess.CompletedProcess:
    """Run dashboards/bootstrap.py into ``home`` (its output also goes to ``log_path``); raise
    with the output's tail when it fails."""
    done = subprocess.run(
        [str(SUPERSET_PYTHON), str(DASHBOARDS_DIR / "bootstrap.py")],
        cwd=REPO_ROOT,
        env=superset_env(home, serve_db, database_uri),
        capture_output=True,
        text=True,
        timeout=900,
    )
    log_path.write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(
            f"dashboards/bootstrap.py exited {done.returncode} (log {log_path})\n"
            f"--- stdout ---\n{done.stdout[-4000:]}\n--- stderr ---\n{done.stderr[-4000:]}"
        )
    return done


@dataclass
class Server:
    base_url: str
    proc: subprocess.Popen
    home: Path
    log_path: Path
    started_s: float = 0.0

    def admin(self) -> tuple[str, str]:
        secrets = json.loads((self.home / "superset" / "secrets.json").read_text())
        return secrets["admin_username"], secrets["admin_password"]

    def user_password(self, username: str) -> str | None:
        path = self.home / "superset" / "user_passwords.json"
        return json.loads(path.read_text()).get(username) if path.is_file() else None

    def stop(self) -> None:
        stop_tree(self.proc)


def start_server(
    home: Path,
    serve_db: Path,
    log_path: Path,
    database_uri: str | None = None,
    settings: dict[str, str] | None = None,
) -> Server:
    """dashboards/serve.py on a free 127.0.0.1 port, in its own session; waits for /health
    (gunicorn accepts connections before its worker has loaded the app). Raises with the log's
    tail when the server exits or does not answer in time; the caller stops it by ``stop()``.
    settings: environment variables for the server beyond the home's (e.g. the query limits)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                str(SUPERSET_PYTHON),
                str(DASHBOARDS_DIR / "serve.py"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=REPO_ROOT,
            env={**superset_env(home, serve_db, database_uri), **(settings or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(base_url=base_url, proc=proc, home=home, log_path=log_path)
    try:
        while time.perf_counter() - started < HEALTH_TIMEOUT_S:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"Superset exited with {proc.returncode} before answering /health\n"
                    f"--- {log_path} ---\n{log_tail(log_path)}"
                )
            try:
                if requests.get(f"{base_url}/health", timeout=5).status_code == 200:
                    server.started_s = time.perf_counter() - started
                    return server
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(
            f"Superset did not answer {base_url}/health in {HEALTH_TIMEOUT_S} s\n"
            f"--- {log_path} ---\n{log_tail(log_path)}"
        )
    except BaseException:
        server.stop()
        raise


def ids_by_uuid(api: requests.Session, base_url: str, resource: str) -> dict[str, int]:
    response = api.get(
        f"{base_url}/api/v1/{resource}/",
        params={"q": "(columns:!(id,uuid),page_size:100)"},
        timeout=30,
    )
    response.raise_for_status()
    return {row["uuid"]: row["id"] for row in response.json()["result"]}


# --- drill-path chart data ----------------------------------------------------------------------


def drill_values(serve_db: Path) -> dict[str, Any]:
    """The region and opportunity a manager would click: the top opportunity with the most
    objection mentions (so every step has rows), else the largest one."""
    import duckdb

    with duckdb.connect(str(serve_db), read_only=True) as conn:
        row = conn.execute(
            "select top.region_name, top.opportunity_id "
            "from marts.fct_drill_top_opportunities as top left join ("
            "select opportunity_id, count(*) as mentions from marts.fct_drill_objections "
            "where has_objection group by 1) as objections "
            "on top.opportunity_id = objections.opportunity_id "
            "order by coalesce(objections.mentions, 0) desc, top.amount_cny desc limit 1"
        ).fetchone()
    return {"region_name": row[0], "opportunity_id": row[1]} if row else {}


def chart_data_latency(
    server: Server, board: BoardSpec, values: dict[str, Any], repeats: int = 20
) -> list[dict[str, Any]]:
    """p50/p95 of uncached chart-data requests per chart of ``board``, unfiltered and drilled."""
    api = api_login(server.base_url, *server.admin(), csrf=True)
    chart_ids = ids_by_uuid(api, server.base_url, "chart")
    dashboard_id = ids_by_uuid(api, server.base_url, "dashboard")[board.uuid]
    contexts, columns = [], []
    for chart in board.charts:
        response = api.get(f"{server.base_url}/api/v1/chart/{chart_ids[chart['uuid']]}", timeout=30)
        response.raise_for_status()
        context = json.loads(response.json()["result"]["query_context"])
        dataset = api.get(
            f"{server.base_url}/api/v1/dataset/{context['datasource']['id']}", timeout=30
        )
        dataset.raise_for_status()
        contexts.append(context)
        columns.append({c["column_name"] for c in dataset.json()["result"]["columns"]})
    filters = drill_filters(board.charts, columns, values)
    results = []
    for step, (chart, context, extra) in enumerate(
        zip(board.charts, contexts, filters, strict=True), start=1
    ):
        variants = [("board load", [])] + ([("after drill click", extra)] if extra else [])
        for variant, added in variants:
            body = json.loads(json.dumps(context))
            body["force"] = True
            body["form_data"].update(slice_id=chart_ids[chart["uuid"]], dashboardId=dashboard_id)
            for query in body["queries"]:
                query["filters"] = list(query.get("filters") or []) + added
            timings, cached, rows = [], 0, None
            for attempt in range(repeats + 1):
                started = time.perf_counter()
                response = api.post(f"{server.base_url}/api/v1/chart/data", json=body, timeout=120)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"{chart['name']}: {response.text[:500]}")
                result = response.json()["result"][0]
                if result.get("error"):
                    raise RuntimeError(f"{chart['name']}: {result['error']}")
                rows = result.get("rowcount")
                if attempt:  # the first request warms up, untimed
                    timings.append(elapsed)
                    cached += bool(result.get("is_cached"))
            results.append(
                {
                    "step": step,
                    "chart": chart["name"],
                    "variant": variant,
                    "filters": {f["col"]: f["val"][0] for f in added},
                    "rows": rows,
                    "cached_responses": cached,
                    **{f"{k}_ms": v for k, v in summarize(timings).items() if k != "n"},
                    "n": len(timings),
                }
            )
    return results


# --- boards in Chromium -------------------------------------------------------------------------


def board_roles(security_file: Path = SECURITY_FILE) -> dict[str, str]:
    """Board slug → the Superset role that reads it: the first role of dashboards/security.yaml
    that names the board in its `boards` (a role with `boards: all` only when none names it)."""
    roles = yaml.safe_load(security_file.read_text(encoding="utf-8"))["roles"]
    named = {
        slug: name
        for name, role in reversed(list(roles.items()))
        if isinstance(role.get("boards"), list)
        for slug in role["boards"]
    }
    everything = next((name for name, role in roles.items() if role.get("boards") == "all"), None)
    return {slug: named.get(slug, everything) for slug in [b.slug for b in load_boards()]}


def role_login(serve_db: Path, role: str, security_file: Path = SECURITY_FILE) -> str:
    """The roster login that shows a role's boards with the most rows: among the active people
    whose CRM role maps to ``role`` (security.yaml roster_roles), the one who may see the most
    customers through the role's customer scope (for a role that sees all rows, the first by id;
    for a role only extra_users hold, that login)."""
    import duckdb

    config = yaml.safe_load(security_file.read_text(encoding="utf-8"))
    crm_roles = [crm for crm, mapped in config["roster_roles"].items() if mapped == role]
    if not crm_roles:
        return next(user["username"] for user in config["extra_users"] if user["role"] == role)
    clause = next(
        (s["clauses"].get(role) for s in config["scopes"] if s["column"] == "customer_id"), None
    )
    listed = ", ".join(f"'{crm}'" for crm in crm_roles)
    with duckdb.connect(str(serve_db), read_only=True) as conn:
        people = [
            row[0]
            for row in conn.execute(
                "select rep_id from marts.dim_sales_staff "
                f"where is_active and rep_role in ({listed}) order by rep_id"
            ).fetchall()
        ]
        if not people:
            raise RuntimeError(f"the roster has no active {crm_roles} for {role}")
        if config["roles"][role]["sees_all_rows"] or clause is None:
            return people[0]

        def reach(person: str) -> int:
            scoped = clause.replace("{{ current_username() }}", person)
            return conn.execute(
                f"select count(*) from marts.dim_customers where {scoped}"
            ).fetchone()[0]

        return max(people, key=lambda person: (reach(person), person))


def browser_log_in(page, base_url: str, username: str, password: str, timeout_ms: int) -> None:
    """Log in through Superset's login form, as a person does; wait until the browser has left
    the login page, or raise naming where it stayed and what the page said."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{base_url}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    try:
        page.wait_for_url(lambda url: "/login" not in url, timeout=timeout_ms)
    except PlaywrightTimeout as exc:  # the page's own words say why
        raise RuntimeError(
            f"{username} still on {page.url} after {timeout_ms} ms: "
            f"{page.inner_text('body')[:300]!r}"
        ) from exc


def _wait_drawn(page, expected: int) -> float:
    """Poll until all ``expected`` charts are drawn; the page clock (ms since navigation start)
    at which that was first seen."""
    deadline = time.monotonic() + DRAW_TIMEOUT_MS / 1000
    while True:
        seen = page.evaluate(CHART_STATES_JS)
        states = seen["charts"]
        errors = [s for s in states if s["state"] == "error"]
        if errors:
            raise RuntimeError(f"charts show errors: {errors}")
        if len(states) >= expected and all(s["state"] == "drawn" for s in states):
            return float(seen["now"])
        if time.monotonic() > deadline:
            raise RuntimeError(f"charts not drawn within {DRAW_TIMEOUT_MS} ms: {states}")
        page.wait_for_timeout(40)


def board_draw_times(
    server: Server,
    boards: list[BoardSpec],
    logins: dict[str, tuple[str, str, str]],
    repeats: int = 3,
) -> list[dict[str, Any]]:
    """Per board, logged in as the login of its role (``logins``: slug → username, password,
    role): one untimed first visit, then ``repeats`` timed ones."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for login in dict.fromkeys(logins[board.slug] for board in boards):
                results += _draw_as(
                    browser, server, [b for b in boards if logins[b.slug] == login], login, repeats
                )
        finally:
            browser.close()
    order = {board.slug: i for i, board in enumerate(boards)}
    return sorted(results, key=lambda result: order[result["slug"]])


def _draw_as(browser, server: Server, boards, login, repeats: int) -> list[dict[str, Any]]:
    results = []
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    try:
        page = context.new_page()
        browser_log_in(page, server.base_url, login[0], login[1], timeout_ms=60_000)
        for board in boards:
            url = f"{server.base_url}/superset/dashboard/{board.slug}/"
            draws = []
            for _ in range(repeats + 1):
                page.goto(url, wait_until="commit")
                draws.append(_wait_drawn(page, len(board.charts)))
                page.wait_for_timeout(300)  # let the page settle before leaving it
            stats = summarize(draws[1:])
            results.append(
                {
                    "board": board.title,
                    "slug": board.slug,
                    "role": login[2],
                    "login": login[0],
                    "charts": len(board.charts),
                    "first_ms": draws[0],
                    "runs_ms": draws[1:],
                    "median_ms": stats["p50"],
                    "max_ms": stats["max"],
                }
            )
    finally:
        context.close()
    return results


def measure(
    home: Path,
    serve_db: Path,
    logs: Path,
    repeats: int,
    board_repeats: int,
    rush_users: int = 0,
) -> dict:
    """Bootstrap, serve, measure, stop. Returns the ``superset`` section of the report; with
    ``rush_users``, also the Monday-morning rush (tooling/bench/rush.py) on the same server."""
    logs.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bootstrap(home, serve_db, logs / "bootstrap.log")
    out: dict[str, Any] = {"bootstrap_s": time.perf_counter() - started}
    boards = load_boards()
    server = start_server(home, serve_db, logs / "superset-server.log")
    try:
        out["server_start_s"] = server.started_s
        from tooling.bench import rush

        out["server_size"] = rush.server_size(server.log_path)
        drill = next(board for board in boards if board.slug == DRILL_SLUG)
        values = drill_values(serve_db)
        out["drill_board"] = drill.title
        out["drill_values"] = values
        out["chart_data"] = chart_data_latency(server, drill, values, repeats)
        roles = board_roles()
        logins = {}
        for slug, role in roles.items():
            username = role_login(serve_db, role)
            logins[slug] = (username, server.user_password(username) or "", role)
        out["board_login"] = "; ".join(
            sorted({f"{role} {logins[slug][0]}" for slug, role in roles.items()})
        )
        if CHROMIUM.exists():
            out["boards"] = board_draw_times(server, boards, logins, board_repeats)
        else:
            out["boards"] = []
            out["boards_skipped"] = f"{CHROMIUM} missing (make system-deps)"
        if rush_users:
            try:
                out["rush"] = rush.measure(server, serve_db, logs, rush_users)
            except Exception as exc:  # reported, not fatal: the other numbers still count
                out["rush"] = {"users": rush_users, "error": f"the rush failed: {exc}"}
    finally:
        server.stop()
    return out


if __name__ == "__main__":  # pragma: no cover - manual check against a built home
    home, serve_db = Path(sys.argv[1]), Path(sys.argv[2])
    print(json.dumps(measure(home, serve_db, home / "bench-logs", 5, 1), ensure_ascii=False))
