"""Monday 08:00: many people open their boards at once.

N simultaneous real logins from the roster (the sales directors first, then the squad leads, then
the reps; a login is used twice only when the roster has fewer than N people) each log in through
``/api/v1/security/login``, wait until all are logged in, then open their own role's boards
(dashboards/security.yaml) one after another the way a browser does: every chart of the board
through ``POST /api/v1/chart/data`` with its saved query context (no ``force``: the cache
answers when it can), ``PER_USER_PARALLEL`` requests at a time. A board is drawn when its last
chart answered; a chart fails on a non-200 answer, an error in the answer or a client timeout.

Twice on the same server: **cold**, right after a publish (a copy of the served file is swapped
in, as the publish step does, so no cached answer matches it) with no warming; then **warmed**,
after ``dashboards/warm.py`` ran against the server (timed). The client runs on the same machine
as the server and takes its share of the cores.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

from pipelines.config import REPO_ROOT
from tooling.bench.report import BOARD_MS, NOT_MET, ms_label, verdict
from tooling.bench.stats import summarize
from tooling.bench.superset import (
    DASHBOARDS_DIR,
    SECURITY_FILE,
    SUPERSET_PYTHON,
    BoardSpec,
    Server,
    ids_by_uuid,
    load_boards,
    superset_env,
)

PER_USER_PARALLEL = 6  # a browser's connections per host
REQUEST_TIMEOUT_S = 120


@dataclass(frozen=True)
class RushUser:
    username: str
    role: str


def rush_users(serve_db: Path, n: int, security_file: Path = SECURITY_FILE) -> list[RushUser]:
    """``n`` roster logins: the active sales directors, then squad leads, then reps (by id);
    cycled when the roster holds fewer than ``n``."""
    import duckdb

    config = yaml.safe_load(security_file.read_text(encoding="utf-8"))
    order = {"Lastmile Manager": 0, "Lastmile Squad Lead": 1, "Lastmile Rep": 2}
    with duckdb.connect(str(serve_db), read_only=True) as conn:
        rows = conn.execute(
            "select rep_id, rep_role from marts.dim_sales_staff where is_active order by rep_id"
        ).fetchall()
    people = [
        RushUser(rep_id, config["roster_roles"][crm_role])
        for rep_id, crm_role in rows
        if config["roster_roles"].get(crm_role) in order
    ]
    people.sort(key=lambda user: (order[user.role], user.username))
    if not people:
        raise RuntimeError("the roster has no active logins")
    return [people[i % len(people)] for i in range(n)]


def role_boards(security_file: Path = SECURITY_FILE) -> dict[str, list[str]]:
    """Superset role → the slugs of the boards it opens, in security.yaml's order."""
    roles = yaml.safe_load(security_file.read_text(encoding="utf-8"))["roles"]
    every = [board.slug for board in load_boards()]
    return {
        name: every if role.get("boards") == "all" else list(role.get("boards") or [])
        for name, role in roles.items()
    }


def chart_bodies(server: Server, boards: list[BoardSpec]) -> dict[str, list[dict[str, Any]]]:
    """Board slug → per chart: its name and the chart-data request a board visit sends."""
    from dashboards.warm import login as api_login

    api = api_login(server.base_url, *server.admin(), csrf=True)
    chart_ids = ids_by_uuid(api, server.base_url, "chart")
    dashboard_ids = ids_by_uuid(api, server.base_url, "dashboard")
    out = {}
    for board in boards:
        charts = []
        for chart in board.charts:
            chart_id = chart_ids[chart["uuid"]]
            response = api.get(f"{server.base_url}/api/v1/chart/{chart_id}", timeout=60)
            response.raise_for_status()
            body = json.loads(response.json()["result"]["query_context"])
            body["force"] = False
            body["form_data"].update(slice_id=chart_id, dashboardId=dashboard_ids[board.uuid])
            charts.append({"name": chart["name"], "body": body})
        out[board.slug] = charts
    return out


def _login(base_url: str, username: str, password: str) -> requests.Session:
    response = requests.post(
        f"{base_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db"},
        timeout=REQUEST_TIMEOUT_S,
    )
    response.raise_for_status()
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=PER_USER_PARALLEL)
    session.mount("http://", adapter)
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    session.headers["Referer"] = base_url
    return session


def _ask(session: requests.Session, base_url: str, chart: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = session.post(
            f"{base_url}/api/v1/chart/data", json=chart["body"], timeout=REQUEST_TIMEOUT_S
        )
        error = None if response.status_code == 200 else f"HTTP {response.status_code}"
        results = (response.json().get("result") or []) if error is None else []
        error = error or next((str(r["error"])[:200] for r in results if r.get("error")), None)
        cached = bool(results) and all(r.get("is_cached") for r in results)
    except Exception as exc:
        error, cached = f"{type(exc).__name__}: {exc}"[:200], False
    return {
        "chart": chart["name"],
        "ms": (time.perf_counter() - started) * 1000,
        "error": error,
        "cached": cached,
    }


def run_rush(
    server: Server,
    users: list[RushUser],
    boards_of_role: dict[str, list[str]],
    bodies: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """Every user logs in; once all did, each opens their boards in turn. Per-chart answers and
    per-board draw times of everyone."""
    base_url = server.base_url
    barrier = threading.Barrier(len(users))
    charts: list[dict[str, Any]] = []
    board_draws: list[dict[str, Any]] = []
    logins: list[float] = []
    login_errors: list[str] = []
    lock = threading.Lock()

    def one_user(user: RushUser) -> None:
        session = None
        started = time.perf_counter()
        try:
            session = _login(base_url, user.username, server.user_password(user.username) or "")
            with lock:
                logins.append((time.perf_counter() - started) * 1000)
        except Exception as exc:
            with lock:
                login_errors.append(f"{user.username}: {exc}"[:200])
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=600)
        if session is None:
            return
        with ThreadPoolExecutor(max_workers=PER_USER_PARALLEL) as pool:
            for slug in boards_of_role.get(user.role, []):
                board_started = time.perf_counter()
                answers = list(pool.map(lambda c: _ask(session, base_url, c), bodies[slug]))
                drawn_ms = (time.perf_counter() - board_started) * 1000
                with lock:
                    charts.extend(dict(a, board=slug, role=user.role) for a in answers)
                    board_draws.append(
                        {
                            "board": slug,
                            "role": user.role,
                            "login": user.username,
                            "ms": drawn_ms,
                            "errors": sum(1 for a in answers if a["error"]),
                        }
                    )

    started = time.perf_counter()
    threads = [threading.Thread(target=one_user, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall_s = time.perf_counter() - started
    return summarize_rush(charts, board_draws, logins, login_errors, wall_s)


def summarize_rush(
    charts: list[dict[str, Any]],
    board_draws: list[dict[str, Any]],
    logins: list[float],
    login_errors: list[str],
    wall_s: float,
) -> dict[str, Any]:
    errors = [c for c in charts if c["error"]]
    chart_ms = [c["ms"] for c in charts]
    per_board = []
    for slug in dict.fromkeys(b["board"] for b in board_draws):
        draws = [b["ms"] for b in board_draws if b["board"] == slug]
        asked = [c for c in charts if c["board"] == slug]
        stats, chart_stats = summarize(draws), summarize([c["ms"] for c in asked])
        per_board.append(
            {
                "board": slug,
                "roles": sorted({b["role"] for b in board_draws if b["board"] == slug}),
                "visits": len(draws),
                "charts_per_visit": len(asked) // max(1, len(draws)),
                "errors": sum(1 for c in asked if c["error"]),
                "cached_share": sum(c["cached"] for c in asked) / max(1, len(asked)),
                "chart_p50_ms": chart_stats["p50"],
                "chart_p95_ms": chart_stats["p95"],
                "board_p50_ms": stats["p50"],
                "board_p95_ms": stats["p95"],
                "board_max_ms": stats["max"],
            }
        )
    all_draws = [b["ms"] for b in board_draws]
    return {
        "requests": len(charts),
        "errors": len(errors) + len(login_errors),
        "error_samples": sorted({c["error"] for c in errors})[:5] + login_errors[:5],
        "cached_share": sum(c["cached"] for c in charts) / max(1, len(charts)),
        "wall_s": wall_s,
        "requests_per_s": len(charts) / wall_s if wall_s else None,
        "login_p95_ms": summarize(logins)["p95"] if logins else None,
        "chart": {k: v for k, v in summarize(chart_ms).items() if k != "n"} if chart_ms else {},
        "board": {k: v for k, v in summarize(all_draws).items() if k != "n"} if all_draws else {},
        "boards": per_board,
    }


def swap_in_copy(serve_db: Path) -> None:
    """What the publish step does to the served file, without rebuilding it: a new file (new
    inode and modification time) replaces it atomically, so no cached answer matches it."""
    staging = serve_db.with_name(f"{serve_db.name}.rush.publishing")
    shutil.copyfile(serve_db, staging)
    os.replace(staging, serve_db)


def run_warm(server: Server, serve_db: Path, log_path: Path) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [str(SUPERSET_PYTHON), str(DASHBOARDS_DIR / "warm.py"), "--url", server.base_url],
        cwd=REPO_ROOT,
        env=superset_env(server.home, serve_db),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    log_path.write_text(done.stdout + done.stderr)
    last = [line for line in done.stdout.splitlines() if line.strip()][-1:] or [""]
    return {
        "returncode": done.returncode,
        "wall_s": time.perf_counter() - started,
        "summary": last[0].split("] ", 1)[-1],
    }


def server_size(log_path: Path) -> str:
    """The sizing line dashboards/serve.py prints at start."""
    try:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("serving Superset") and ";" in line:
                return line.rsplit("; ", 1)[1].rstrip(")")
    except OSError:
        pass
    return "?"


def measure(server: Server, serve_db: Path, logs: Path, n_users: int = 50) -> dict[str, Any]:
    """The rush, cold then warmed, on a running server. Returns the report's ``rush`` section."""
    boards = load_boards()
    bodies = chart_bodies(server, boards)
    users = rush_users(serve_db, n_users)
    roles: dict[str, int] = {}
    for user in users:
        roles[user.role] = roles.get(user.role, 0) + 1
    out: dict[str, Any] = {
        "users": n_users,
        "distinct_logins": len({u.username for u in users}),
        "roles": roles,
        "server": server_size(server.log_path),
        "cores": os.cpu_count(),
        "load_at_start": os.getloadavg()[0],
    }
    boards_of_role = role_boards()
    swap_in_copy(serve_db)
    out["cold"] = run_rush(server, users, boards_of_role, bodies)
    swap_in_copy(serve_db)  # a new publish: the cold run's answers no longer count
    out["warm"] = run_warm(server, serve_db, logs / "warm.log")
    out["warmed"] = run_rush(server, users, boards_of_role, bodies)
    out["load_at_end"] = os.getloadavg()[0]
    return out


# --- the report ---------------------------------------------------------------------------------

RUSH_BEGIN = "<!-- rush: begin (python -m tooling.bench --rush-only) -->"
RUSH_END = "<!-- rush: end -->"


def targets(rush: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's bar, per run: 0 errors and every board drawn within 3 s at p95."""
    rows = []
    for key, label in (("cold", "cold, right after a publish"), ("warmed", "warmed")):
        run = rush.get(key) or {}
        if not run.get("boards"):
            continue
        worst = max(run["boards"], key=lambda b: b["board_p95_ms"])
        rows.append(
            {
                "target": f"{rush['users']} simultaneous users ({label}): 0 errors, every board "
                f"≤ {ms_label(BOARD_MS)} at p95",
                "measured": worst["board_p95_ms"],
                "unit": "ms",
                "limit": BOARD_MS,
                # an error anywhere fails the target whatever the times
                "verdict": verdict(worst["board_p95_ms"], BOARD_MS)
                if run["errors"] == 0
                else NOT_MET,
                "note": f"{run['errors']} errors; slowest board {worst['board']}",
            }
        )
    return rows


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def render(rush: dict[str, Any], date: str = "", command: str = "", commit: str = "") -> str:
    """The rush section, between markers so that ``--rush-only`` can replace it."""
    from tooling.bench.report import table

    out = [RUSH_BEGIN, "## Monday 08:00: many users at once", ""]
    if date:
        out += [f"Measured {date} with `{command}` at commit `{commit}`.", ""]
    if rush.get("error"):
        return "\n".join([*out, f"Not measured: {rush['error']}", RUSH_END]) + "\n"
    roles = ", ".join(f"{n} {role}" for role, n in rush["roles"].items())
    out += [
        f"{rush['users']} simultaneous real logins ({roles}; {rush['distinct_logins']} distinct) "
        f"on the **{rush.get('dataset', '?')}** dataset's served file, each logging in, then "
        f"opening its own role's boards in turn, every chart of a board through the chart-data "
        f"API, {PER_USER_PARALLEL} at a time as a browser does (no `force`). *Cold*: right after "
        "a publish (a copy of the served file swapped in), nothing warmed; *warmed*: after a new "
        "swap and `dashboards/warm.py`. A board is drawn when its last chart answered. Server: "
        f"{rush['server']}, on {rush['cores']} cores shared with the client (the bench itself); "
        f"machine load average {rush['load_at_start']:.2f} at the start, "
        f"{rush['load_at_end']:.2f} at the end (other work on the machine: figures indicative).",
        "",
        table(
            ["target", "measured", "verdict", "note"],
            [
                [t["target"], f"{_ms(t['measured'])} ms", f"**{t['verdict']}**", t["note"]]
                for t in targets(rush)
            ],
        ),
        "",
    ]
    warm = rush.get("warm") or {}
    if warm:
        out += [
            f"Warming (`dashboards/warm.py`, exit {warm['returncode']}): {warm['wall_s']:.1f} s "
            f"— {warm['summary']}",
            "",
        ]
    rows = []
    for key in ("cold", "warmed"):
        run = rush.get(key) or {}
        if not run:
            continue
        rows.append(
            [
                key,
                f"{run['requests']:,}",
                str(run["errors"]),
                f"{run['cached_share'] * 100:.0f} %",
                f"{run['requests_per_s']:.1f}",
                _ms(run["chart"].get("p50")),
                _ms(run["chart"].get("p95")),
                _ms(run["board"].get("p50")),
                _ms(run["board"].get("p95")),
                _ms(run["board"].get("max")),
                f"{run['wall_s']:.1f}",
                _ms(run.get("login_p95_ms")),
            ]
        )
    out += [
        table(
            [
                "run",
                "chart requests",
                "errors",
                "cached",
                "requests/s",
                "chart p50 ms",
                "chart p95 ms",
                "board p50 ms",
                "board p95 ms",
                "board max ms",
                "wall s",
                "login p95 ms",
            ],
            rows,
            right=set(range(1, 12)),
        ),
        "",
    ]
    for key in ("cold", "warmed"):
        run = rush.get(key) or {}
        if not run.get("boards"):
            continue
        out += [
            f"Per board, {key}:",
            "",
            table(
                [
                    "board",
                    "roles",
                    "visits",
                    "charts",
                    "errors",
                    "cached",
                    "chart p95 ms",
                    "board p50 ms",
                    "board p95 ms",
                    f"≤ {ms_label(BOARD_MS)} p95",
                ],
                [
                    [
                        b["board"],
                        ", ".join(b["roles"]),
                        str(b["visits"]),
                        str(b["charts_per_visit"]),
                        str(b["errors"]),
                        f"{b['cached_share'] * 100:.0f} %",
                        _ms(b["chart_p95_ms"]),
                        _ms(b["board_p50_ms"]),
                        _ms(b["board_p95_ms"]),
                        verdict(b["board_p95_ms"], BOARD_MS),
                    ]
                    for b in run["boards"]
                ],
                right={2, 3, 4, 5, 6, 7, 8},
            ),
            "",
        ]
        if run.get("error_samples"):
            out += ["Errors seen: " + "; ".join(run["error_samples"]), ""]
    out.append(RUSH_END)
    return "\n".join(out) + "\n"


# --- python -m tooling.bench --rush-only ------------------------------------------------------


def rush_only(bench: Any, args: Any, argv: list[str] | None) -> int:
    """Build the first ``--superset-on`` dataset (generate, one full run), serve it, run the
    rush, and write its section into the existing report (the rest of it is left as it was)."""
    from tooling.bench import pipeline as P
    from tooling.bench import report as R
    from tooling.bench.__main__ import stamp, superset_target
    from tooling.bench.superset import bootstrap, start_server

    spec = superset_target(args.specs, args.superset_on)
    home = P.Home(args.workdir / f"rush-{spec.name}")
    home.create()
    P.dbt_parse(home.env())
    bench.log(f"{spec.name}: generating into {home.landing} …")
    bench.generate(home, spec)
    full = bench.run(home, "full", full_refresh=True)
    rush: dict[str, Any] = {"users": args.rush_users}
    if not full["ok"]:
        rush["error"] = f"the {spec.name} full run failed: {full.get('aborted') or 'see its log'}"
    else:
        bench.log(f"{spec.name}: Superset bootstrap and server …")
        bootstrap(home.root, home.serve_db, home.logs / "bootstrap.log")
        server = start_server(home.root, home.serve_db, home.logs / "superset-server.log")
        try:
            bench.log(f"{spec.name}: {args.rush_users} simultaneous users, cold then warmed …")
            rush = measure(server, home.serve_db, home.logs, args.rush_users)
        finally:
            server.stop()
    rush["dataset"] = spec.name
    if not args.keep:
        shutil.rmtree(home.root, ignore_errors=True)
    taken = stamp(argv)
    section = render(rush, **taken)
    R.write_section(args.out, "rush", rush, section, RUSH_BEGIN, RUSH_END, taken)
    print()
    print(section)
    return 1 if rush.get("error") else 0  # targets are reported, never asserted
