"""Runaway queries end (dashboards/lastmile_superset/queries.py), on the real server.

The test server runs with a 12 s query limit and locked DuckDB limits (QUERY_LIMITS in
conftest.py). A six-fold cross join of the customers would run for hours: in SQL Lab and through
chart data it is interrupted inside DuckDB within the limit plus a few seconds and the server's CPU
goes quiet; SQL Lab's stop button ends it at once; no statement can raise the connection's limits.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.dashboards.conftest import QUERY_LIMITS
from tests.dashboards.helpers import SupersetServer

pytestmark = pytest.mark.superset

LIMIT_S = float(QUERY_LIMITS["LASTMILE_QUERY_TIMEOUT_SECONDS"])
GRACE_S = 8.0
HISTORY_QUERY = (
    "(columns:!(id,client_id,status),order_column:changed_on,order_direction:desc,page_size:50)"
)
COUNT = {
    "expressionType": "SQL",
    "sqlExpression": "count(*)",
    "label": "n",
}  # the watchdog polls every 0.25 s; DuckDB stops within a vector or two
# 200 customers at the tests' scale: 200**6 = 6.4e13 combinations (hours on any machine)
RUNAWAY_SQL = "select count(*) as n from " + ", ".join(
    f"marts.dim_customers as c{i}" for i in range(6)
)


def _cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every process in the server's process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _execute(session: requests.Session, base: str, sql: str, client_id: str) -> requests.Response:
    return session.post(
        f"{base}/api/v1/sqllab/execute/",
        json={
            "database_id": _database_id(session, base),
            "sql": sql,
            "runAsync": False,
            "schema": "marts",
            "client_id": client_id,
        },
        timeout=LIMIT_S * 4,
    )


def _database_id(session: requests.Session, base: str) -> int:
    response = session.get(f"{base}/api/v1/database/", timeout=30)
    response.raise_for_status()
    return response.json()["result"][0]["id"]


def _history(session: requests.Session, base: str, client_id: str) -> list[dict]:
    """The session's SQL Lab queries with this client id (newest first)."""
    response = session.get(
        f"{base}/api/v1/query/",
        params={"q": HISTORY_QUERY},
        timeout=30,
    )
    response.raise_for_status()
    return [query for query in response.json()["result"] if query["client_id"] == client_id]


@pytest.fixture(scope="module")
def analyst(superset_server: SupersetServer) -> requests.Session:
    return superset_server.browser_session(
        "lastmile_analyst", superset_server.user_password("lastmile_analyst")
    )


def _assert_quiet(superset_server: SupersetServer) -> None:
    """The server's CPU time barely moves once the query was interrupted."""
    assert superset_server.pid, "the server's process group is unknown"
    before = _cpu_seconds(superset_server.pid)
    time.sleep(3)
    used = _cpu_seconds(superset_server.pid) - before
    assert used < 1.0, f"the server used {used:.1f} s of CPU in 3 s after the interruption"


def test_a_runaway_sql_lab_query_is_cut_off_at_the_limit(
    superset_server: SupersetServer, analyst: requests.Session
) -> None:
    base = superset_server.base_url
    started = time.monotonic()
    response = _execute(analyst, base, RUNAWAY_SQL, secrets.token_hex(5))
    elapsed = time.monotonic() - started
    assert response.status_code >= 400, response.text[:300]
    assert LIMIT_S - 1 <= elapsed <= LIMIT_S + GRACE_S, f"ended after {elapsed:.1f} s"
    assert f"{LIMIT_S:g}" in response.text and "LASTMILE_QUERY_TIMEOUT_SECONDS" in response.text
    _assert_quiet(superset_server)
    # the server answers the next query at once
    response = _execute(analyst, base, "select 42 as answer", secrets.token_hex(5))
    assert response.status_code == 200 and response.json()["data"] == [{"answer": 42}]


def test_a_runaway_chart_query_is_cut_off_at_the_limit(
    superset_server: SupersetServer, analyst: requests.Session
) -> None:
    """Chart data on the analyst's own SQL Lab query: SQL Lab returns its first rows at once
    (row limit), the chart counts all of them (its SQL runs as a subquery)."""
    base = superset_server.base_url
    client_id = secrets.token_hex(5)
    response = analyst.post(
        f"{base}/api/v1/sqllab/execute/",
        json={
            "database_id": _database_id(analyst, base),
            "sql": RUNAWAY_SQL.replace("count(*) as n", "c0.customer_id"),
            "runAsync": False,
            "schema": "marts",
            "client_id": client_id,
            "queryLimit": 10,
        },
        timeout=LIMIT_S * 4,
    )
    assert response.status_code == 200, response.text[:300]
    started = time.monotonic()
    response = analyst.post(
        f"{base}/api/v1/chart/data",
        json={
            "datasource": {"id": response.json()["query_id"], "type": "query"},
            "queries": [{"columns": [], "metrics": [COUNT], "row_limit": 10}],
            "result_format": "json",
            "result_type": "full",
            "force": True,
        },
        timeout=LIMIT_S * 4,
    )
    elapsed = time.monotonic() - started
    assert response.status_code >= 400, response.text[:300]
    assert LIMIT_S - 1 <= elapsed <= LIMIT_S + GRACE_S, f"ended after {elapsed:.1f} s"
    assert "LASTMILE_QUERY_TIMEOUT_SECONDS" in response.text, response.text[:300]
    _assert_quiet(superset_server)


def test_the_stop_button_interrupts_a_running_query(
    superset_server: SupersetServer, analyst: requests.Session
) -> None:
    base = superset_server.base_url
    client_id = secrets.token_hex(5)
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        outcome["response"] = _execute(analyst, base, RUNAWAY_SQL, client_id)
        outcome["elapsed"] = time.monotonic() - started

    runner = threading.Thread(target=run)
    runner.start()
    time.sleep(3)  # running by now
    stopped_at = time.monotonic()
    response = analyst.post(f"{base}/api/v1/query/stop", json={"client_id": client_id}, timeout=30)
    assert response.status_code == 200, response.text[:300]
    runner.join(timeout=LIMIT_S * 4)
    assert not runner.is_alive()
    assert time.monotonic() - stopped_at < GRACE_S, "the query ran on after the stop"
    assert outcome["elapsed"] < LIMIT_S, "the time limit, not the stop button, ended it"
    queries = _history(analyst, base, client_id)
    assert queries and queries[0]["status"] == "stopped", queries
    _assert_quiet(superset_server)


def test_no_statement_raises_the_connection_limits(
    superset_server: SupersetServer, analyst: requests.Session
) -> None:
    base = superset_server.base_url
    response = _execute(
        analyst,
        base,
        "select current_setting('memory_limit') as memory, current_setting('threads') as threads,"
        " current_setting('lock_configuration') as locked,"
        " current_setting('enable_external_access') as external",
        secrets.token_hex(5),
    )
    assert response.status_code == 200, response.text[:300]
    (settings,) = response.json()["data"]
    assert settings["locked"] is True and settings["external"] is False
    assert settings["threads"] == int(QUERY_LIMITS["LASTMILE_SERVE_DUCKDB_THREADS"])
    assert settings["memory"].startswith("1.8"), settings  # 2GB = 1.8 GiB
    for sql in (
        "set memory_limit = '100GB'",
        "pragma threads = 64",
        "reset memory_limit",
        "set max_temp_directory_size = '1TB'",
        "set lock_configuration = false",
        "set enable_external_access = true",
    ):
        response = _execute(analyst, base, sql, secrets.token_hex(5))
        assert response.status_code >= 400 and "locked" in response.text, f"{sql}: {response.text}"
