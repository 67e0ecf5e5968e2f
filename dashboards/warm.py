"""Warm Superset's chart cache after a publish, so the morning's first visit to a board is a hit.

    .venv-superset/bin/python dashboards/warm.py [--url http://127.0.0.1:8088] [--concurrency N]

For every row scope, it asks for every chart of the boards that scope's role opens, once, through
the running server's chart-data API, logged in as a real login of that scope (the roster's
generated passwords, ``$SUPERSET_HOME/user_passwords.json``): the answers land in the cache
under exactly the key the scope's own visits use (lastmile_superset/access.py). Scopes:

- roles that see every row (managers, analysts) share one cache entry per chart: one login of
  each such role, and a chart already warmed by another of them is not asked again;
- a role whose row-level-security clauses depend on who asks (``{{ current_username() }}``: reps,
  squad leads) has a scope per login: every active login of the role.

Nothing is served across scopes: each request runs as its own login, under its own row-level
security, and lands under its own key. Requests run ``--concurrency`` logins at a time (default:
the number of cores, so the warming leaves the server room for early visitors); a chart that
fails is logged and the warming goes on; the counts and the time are printed at the end, and the
exit status is 1 when a request failed.

``make serve`` (pipelines/serve.py) runs it when Superset is up and again each time the publish
step swaps a new served file in. Same environment as dashboards/serve.py (LASTMILE_HOME,
LASTMILE_SERVE_DB).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bootstrap import resolve_paths  # noqa: E402
from lastmile_superset.cache_keys import rls_depends_on_user, served_file_version  # noqa: E402
from lastmile_superset.sizing import machine_cores  # noqa: E402
from security import load_config, read_roster  # noqa: E402

TIMEOUT_S = 180


def log(message: str) -> None:
    print(f"[warm {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass(frozen=True)
class Chart:
    id: int
    name: str
    board: str  # slug
    dashboard_id: int
    body: dict[str, Any]  # the saved query context, as the board asks for the chart


@dataclass
class Scope:
    """One cache scope: the login that warms it and the charts it asks for."""

    login: str
    role: str
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Tally:
    requests: int = 0
    ok: int = 0
    already_cached: int = 0
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ok: bool, cached: bool = False, failure: str = "") -> None:
        with self.lock:
            self.requests += 1
            self.ok += ok
            self.already_cached += ok and cached
            if not ok:
                self.failed.append(failure)


# --- talking to the server ----------------------------------------------------------------------


def login(base_url: str, username: str, password: str, csrf: bool = False) -> requests.Session:
    """A REST session as ``username``: JWT bearer (the chart-data API needs no CSRF token; with
    ``csrf``, the token Superset's own POST/PUT endpoints want)."""
    response = requests.post(
        f"{base_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db"},
        timeout=60,
    )
    response.raise_for_status()
    return bearer_session(base_url, response.json()["access_token"], csrf)


def http_session() -> requests.Session:
    """A session that opens a connection per request (``Connection: close``). Gunicorn closes an
    idle kept-alive connection after 2 s; a request sent on it just then fails with "Remote end
    closed connection without response" (seen once in ~20,000 requests of the security matrix on
    a busy machine). On 127.0.0.1 a new connection costs far less than any answer."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def bearer_session(base_url: str, access_token: str, csrf: bool = False) -> requests.Session:
    """A REST session carrying ``access_token``, and with ``csrf`` the CSRF token (and the
    session cookie it is bound to) fetched with it."""
    session = http_session()
    session.headers["Authorization"] = f"Bearer {access_token}"
    if csrf:
        token = session.get(f"{base_url}/api/v1/security/csrf_token/", timeout=30)
        token.raise_for_status()
        session.headers["X-CSRFToken"] = token.json()["result"]
    session.headers["Referer"] = base_url
    return session


def wait_healthy(base_url: str, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if requests.get(f"{base_url}/health", timeout=5).status_code == 200:
                return True
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(1)


def board_charts(admin: requests.Session, base_url: str) -> dict[str, list[Chart]]:
    """Board slug → its charts with their saved query contexts (read as the admin)."""
    response = admin.get(
        f"{base_url}/api/v1/dashboard/",
        params={"q": "(columns:!(id,slug),page_size:100)"},
        timeout=60,
    )
    response.raise_for_status()
    boards: dict[str, list[Chart]] = {}
    contexts: dict[int, dict[str, Any]] = {}
    for board in response.json()["result"]:
        listed = admin.get(f"{base_url}/api/v1/dashboard/{board['id']}/charts", timeout=60)
        listed.raise_for_status()
        charts = []
        for chart in listed.json()["result"]:
            if chart["id"] not in contexts:
                detail = admin.get(f"{base_url}/api/v1/chart/{chart['id']}", timeout=60)
                detail.raise_for_status()
                contexts[chart["id"]] = json.loads(detail.json()["result"]["query_context"] or "{}")
            if not contexts[chart["id"]]:
                continue  # a chart without a saved query context cannot be asked for
            body = json.loads(json.dumps(contexts[chart["id"]]))
            body["force"] = False
            body.setdefault("form_data", {}).update(slice_id=chart["id"], dashboardId=board["id"])
            charts.append(Chart(chart["id"], chart["slice_name"], board["slug"], board["id"], body))
        boards[board["slug"] or str(board["id"])] = charts
    return boards


# --- what to warm -------------------------------------------------------------------------------


def role_is_shared(config: dict[str, Any], role: str) -> bool:
    """Whether every login of ``role`` reads the same rows: it sees every row, or none of its
    row-level-security clauses depends on who asks."""
    if config["roles"][role]["sees_all_rows"]:
        return True
    clauses = [scope["clauses"][role] for scope in config["scopes"] if role in scope["clauses"]]
    return not rls_depends_on_user(clauses)


def plan_scopes(
    config: dict[str, Any],
    people: list[Any],
    boards: dict[str, list[Chart]],
    passwords: dict[str, str],
) -> list[Scope]:
    """One scope per login whose rows differ; shared roles warmed once (all-rows roles together:
    their cache entries are the same)."""
    scopes: list[Scope] = []
    warmed_all_rows: set[int] = set()
    for role_name, role in config["roles"].items():
        slugs = list(boards) if role.get("boards") == "all" else list(role.get("boards") or [])
        charts = [chart for slug in slugs for chart in boards.get(slug, [])]
        logins = [p.username for p in people if p.role == role_name and p.active]
        logins = [name for name in logins if name in passwords]
        if not charts or not logins:
            continue
        if role_is_shared(config, role_name):
            if role["sees_all_rows"]:
                charts = [c for c in charts if c.id not in warmed_all_rows]
                warmed_all_rows.update(c.id for c in charts)
            charts = list({c.id: c for c in charts}.values())  # once per chart
            if charts:
                scopes.append(Scope(logins[0], role_name, charts))
        else:
            scopes += [Scope(name, role_name, list(charts)) for name in logins]
    return scopes


def warm_scope(base_url: str, scope: Scope, password: str, tally: Tally) -> None:
    try:
        session = login(base_url, scope.login, password)
    except requests.RequestException as exc:
        for _chart in scope.charts:
            tally.add(False, failure=f"{scope.login}: login failed ({exc})")
        log(f"{scope.login} ({scope.role}): login failed: {exc}")
        return
    for chart in scope.charts:
        try:
            response = session.post(
                f"{base_url}/api/v1/chart/data", json=chart.body, timeout=TIMEOUT_S
            )
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
            results = response.json()["result"]
            if errors := [r["error"] for r in results if r.get("error")]:
                raise RuntimeError(str(errors[0])[:200])
            tally.add(True, cached=all(r.get("is_cached") for r in results))
        except Exception as exc:  # one chart failing never stops the warming
            tally.add(False, failure=f"{scope.login} {chart.board}/{chart.name}: {exc}")
            log(f"{scope.login} ({scope.role}) {chart.board} 「{chart.name}」 failed: {exc}")


def warm(base_url: str, concurrency: int, wait_s: float = 120) -> Tally:
    paths = resolve_paths()
    if not wait_healthy(base_url, wait_s):
        raise RuntimeError(f"Superset at {base_url} did not answer /health in {wait_s:.0f} s")
    started = time.perf_counter()
    version = served_file_version(str(paths.serve_db))
    secrets = json.loads(paths.secrets_file.read_text())
    admin_password = os.environ.get("LASTMILE_SUPERSET_ADMIN_PASSWORD") or secrets["admin_password"]
    admin = login(base_url, secrets["admin_username"], admin_password)
    boards = board_charts(admin, base_url)
    config = load_config()
    people = read_roster(config, paths.serve_db)
    passwords = json.loads(paths.passwords_file.read_text())
    scopes = plan_scopes(config, people, boards, passwords)
    requests_planned = sum(len(scope.charts) for scope in scopes)
    log(
        f"warming {requests_planned} chart answers for {len(scopes)} scopes "
        f"({', '.join(f'{n} {r}' for r, n in _count_roles(scopes).items())}) of served file "
        f"{version}, {concurrency} at a time"
    )
    tally = Tally()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for scope in scopes:
            pool.submit(warm_scope, base_url, scope, passwords[scope.login], tally)
    elapsed = time.perf_counter() - started
    log(
        f"warmed {tally.ok}/{tally.requests} chart answers ({tally.already_cached} already "
        f"cached, {len(tally.failed)} failed) for {len(scopes)} scopes in {elapsed:.1f} s"
    )
    return tally


def _count_roles(scopes: list[Scope]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for scope in scopes:
        counts[scope.role] = counts.get(scope.role, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8088", help="the running Superset")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("LASTMILE_WARM_CONCURRENCY") or machine_cores()),
        help="logins warmed at a time (LASTMILE_WARM_CONCURRENCY; default: the cores)",
    )
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for /health")
    args = parser.parse_args(argv)
    try:
        tally = warm(args.url.rstrip("/"), max(1, args.concurrency), args.wait)
    except Exception as exc:
        log(f"warming failed: {exc}")
        return 2
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
