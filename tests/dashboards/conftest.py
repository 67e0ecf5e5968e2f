"""Dashboards harness: the version-controlled bundle, and a real Superset serving it.

The tests never import Superset (it lives in its own environment, .venv-superset): the
`superset_server` fixture runs `dashboards/bootstrap.py` into a private LASTMILE_HOME, pointed at
the session's published DuckDB file (`served_db`, from tests/conftest.py), starts
`dashboards/serve.py` on a free 127.0.0.1 port and talks to it over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.dashboards.helpers import (
    DASHBOARDS_DIR,
    REPO_ROOT,
    Bundle,
    SupersetServer,
    load_bundle,
)

SUPERSET_PYTHON = REPO_ROOT / ".venv-superset" / "bin" / "python"
HEALTH_TIMEOUT_S = 90
SERVER_LOG = pytest.StashKey[Path]()


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    return load_bundle()


def _superset_env(home: Path, served_db: Path) -> dict[str, str]:
    """The test process's environment minus anything that would point Superset elsewhere."""
    env = {
        name: value
        for name, value in os.environ.items()
        # LASTMILE_SUPERSET_DATABASE_URI too: a production metadata database is never the tests'
        if not name.startswith(("SUPERSET_", "LASTMILE_SUPERSET_"))
    }
    env.update(
        LASTMILE_HOME=str(home),
        LASTMILE_SERVE_DB=str(served_db),
        PYTHONUNBUFFERED="1",
    )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, chars: int = 8000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError as exc:
        return f"(no log: {exc})"


def _wait_healthy(base_url: str, proc: subprocess.Popen, log_path: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < HEALTH_TIMEOUT_S:
        if proc.poll() is not None:
            pytest.fail(
                f"Superset exited with {proc.returncode} before answering /health\n"
                f"--- {log_path} ---\n{_tail(log_path)}"
            )
        try:
            # gunicorn accepts connections before its worker has loaded the app
            if requests.get(f"{base_url}/health", timeout=5).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"Superset did not answer {base_url}/health within {HEALTH_TIMEOUT_S} s\n"
        f"--- {log_path} ---\n{_tail(log_path)}"
    )


def _stop(proc: subprocess.Popen) -> None:
    """serve.py execs into gunicorn in its own session: stop that process group by its id."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def superset_server(
    served_db: Path, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[SupersetServer]:
    """Bootstrap a private Superset on `served_db`, serve it, yield where and how to log in."""
    assert SUPERSET_PYTHON.exists(), f"{SUPERSET_PYTHON} missing: run `make setup`"
    home = tmp_path_factory.mktemp("superset_lastmile_home")
    env = _superset_env(home, served_db)

    bootstrap = subprocess.run(
        [str(SUPERSET_PYTHON), str(DASHBOARDS_DIR / "bootstrap.py")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (home / "bootstrap.log").write_text(bootstrap.stdout + bootstrap.stderr)
    if bootstrap.returncode != 0:
        pytest.fail(
            f"dashboards/bootstrap.py exited {bootstrap.returncode}\n"
            f"--- stdout ---\n{bootstrap.stdout[-6000:]}\n"
            f"--- stderr ---\n{bootstrap.stderr[-6000:]}"
        )
    secrets = json.loads((home / "superset" / "secrets.json").read_text())

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = home / "server.log"
    pytestconfig.stash[SERVER_LOG] = log_path
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(SUPERSET_PYTHON), str(DASHBOARDS_DIR / "serve.py"), "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(base_url, proc, log_path)
        yield SupersetServer(
            base_url=base_url,
            username=secrets["admin_username"],
            password=secrets["admin_password"],
            served_db=served_db,
            home=home,
            log_path=log_path,
        )
    finally:
        _stop(proc)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Attach the tail of Superset's log to every failed test that used the server."""
    outcome = yield
    report = outcome.get_result()
    log_path = item.config.stash.get(SERVER_LOG, None)
    if report.failed and log_path and "superset_server" in getattr(item, "fixturenames", ()):
        report.sections.append(("Superset server log (tail)", _tail(log_path)))
