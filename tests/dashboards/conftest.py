"""Dashboards harness: the version-controlled bundle, and a real Superset serving it.

The tests never import Superset (it lives in its own environment, .venv-superset): the
`superset_server` fixture runs `dashboards/bootstrap.py` into a private LASTMILE_HOME, pointed at
the session's published DuckDB file (`served_db`, from tests/conftest.py), starts
`dashboards/serve.py` on a free 127.0.0.1 port and talks to it over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboards.helpers import Bundle, SupersetServer, load_bundle
from tooling.bench.superset import SUPERSET_PYTHON, bootstrap, log_tail, role_login, start_server

SERVER_LOG = pytest.StashKey[Path]()
# the test server's query limits: short enough to wait for, far above any board's query
QUERY_LIMITS = {
    "LASTMILE_QUERY_TIMEOUT_SECONDS": "12",
    "LASTMILE_SERVE_DUCKDB_MEMORY_LIMIT": "2GB",
    "LASTMILE_SERVE_DUCKDB_THREADS": "2",
    "LASTMILE_SERVE_DUCKDB_MAX_TEMP_SIZE": "1GB",
}


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return load_bundle()


@pytest.fixture(scope="session")
def superset_server(
    served_db: Path, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[SupersetServer]:
    """Bootstrap a private Superset on `served_db`, serve it, yield where and how to log in."""
    assert SUPERSET_PYTHON.exists(), f"{SUPERSET_PYTHON} missing: run `make setup`"
    home = tmp_path_factory.mktemp("superset_lastmile_home")
    try:
        bootstrap(home, served_db, home / "bootstrap.log")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    log_path = home / "server.log"
    pytestconfig.stash[SERVER_LOG] = log_path
    try:
        server = start_server(home, served_db, log_path, settings=QUERY_LIMITS)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        username, password = server.admin()
        yield SupersetServer(
            base_url=server.base_url,
            username=username,
            password=password,
            served_db=served_db,
            home=home,
            log_path=log_path,
            pid=server.proc.pid,
        )
    finally:
        server.stop()


@pytest.fixture(scope="session")
def manager_login(superset_server: SupersetServer) -> tuple[str, str]:
    """(login, password) of the roster's active sales director (role Lastmile Manager)."""
    username = role_login(superset_server.served_db, "Lastmile Manager")
    return username, superset_server.user_password(username)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Attach the tail of Superset's log to every failed test that used the server."""
    outcome = yield
    report = outcome.get_result()
    log_path = item.config.stash.get(SERVER_LOG, None)
    if report.failed and log_path and "superset_server" in getattr(item, "fixturenames", ()):
        report.sections.append(("Superset server log (tail)", log_tail(log_path, 8000)))
