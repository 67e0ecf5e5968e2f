"""Production settings, tested once for real: PostgreSQL for Dagster's storage and Superset's
metadata, chosen by LASTMILE_DAGSTER_PG_URL and LASTMILE_SUPERSET_DATABASE_URI.

A throwaway PostgreSQL cluster (Debian's initdb and postgres, the same binaries production uses)
is created in a temporary directory, listens on 127.0.0.1 on a free port with password
authentication, and gets two roles and databases as docs/operations.md tells an operator to make
them. Dagster then runs a few of Lastmile's ingestion assets on an instance written by
``python -m pipelines.instance`` (what ``make setup`` runs), and ``dashboards/bootstrap.py``
builds Superset — migrations, roles, the bundle, the roster's logins and row-level security — into
the other database, which a real Superset server then serves. Each part is checked by querying
PostgreSQL directly. The server is stopped by its PID at the end, whatever happened.

No skip: without PostgreSQL the test fails and says to run ``make system-deps``.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dashboards.warm import login
from pipelines.config import REPO_ROOT
from tooling.bench.superset import (
    SUPERSET_PYTHON,
    bootstrap,
    free_port,
    start_server,
)

PG_TOOLS = ("initdb", "postgres")
SUPERUSER = "lastmile_test"
START_TIMEOUT_S = 30


def _pg_version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name)) or (0,)


def pg_bindir() -> Path:
    """The directory of the PostgreSQL server binaries: on PATH (resolved, so initdb and
    postgres come from one version), else Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = [shutil.which(tool) for tool in PG_TOOLS]
    if all(on_path):
        bindir = Path(on_path[0]).resolve().parent
        if all((bindir / tool).is_file() for tool in PG_TOOLS):
            return bindir
    debian = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if (path.parent / "postgres").is_file()
    ]
    if debian:
        return max(debian, key=_pg_version)
    pytest.fail(
        "PostgreSQL server binaries (initdb, postgres) are neither on PATH nor in "
        "/usr/lib/postgresql/<version>/bin: run `make system-deps` (installs Debian's postgresql)",
        pytrace=False,
    )


def _server_user() -> str | None:
    """initdb and postgres refuse to run as root: as root, run them as Debian's `postgres`."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(
            "running as root, but there is no `postgres` system user to run the server as: "
            "run `make system-deps` (Debian's postgresql package creates it)",
            pytrace=False,
        )
    return "postgres"


@dataclass(frozen=True)
class PgCluster:
    port: int
    password: str  # every role's, for the test only
    log_path: Path

    def url(self, database: str, user: str, driver: str = "postgresql+psycopg2") -> str:
        return f"{driver}://{user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def query(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        import psycopg2

        conn = psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname=database,
            connect_timeout=5,
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError as exc:
            return f"(no log: {exc})"


def _run(cmd: list[str], user: str | None, cwd: Path, timeout: float = 120) -> None:
    proc = subprocess.run(
        cmd, user=user, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")


def _wait_accepting(cluster: PgCluster, proc: subprocess.Popen) -> None:
    import psycopg2

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"postgres exited with {proc.returncode}\n{cluster.log_tail()}")
        try:
            cluster.query("postgres", "select 1")
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"postgres did not accept connections in {START_TIMEOUT_S} s\n"
                    f"{cluster.log_tail()}"
                )
            time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    """Fast shutdown (SIGINT) of the postmaster by its PID; SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PgCluster]:
    """A private PostgreSQL cluster, with the roles and databases docs/operations.md creates:
    `dagster` and `superset`, each owned by a login role of the same name."""
    bindir = pg_bindir()
    user = _server_user()
    # not under pytest's tmp_path: that is mode 700 and the `postgres` user could not enter it
    root = Path(tempfile.mkdtemp(prefix="lastmile-pg-"))
    proc: subprocess.Popen | None = None
    try:
        if user:
            shutil.chown(root, user=user, group=user)
        password = secrets.token_urlsafe(16)
        pwfile = root / "pwfile"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if user:
            shutil.chown(pwfile, user=user, group=user)
        data = root / "data"
        _run(
            [
                str(bindir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            user=user,
            cwd=root,
        )
        cluster = PgCluster(port=free_port(), password=password, log_path=root / "postgres.log")
        with cluster.log_path.open("wb") as log:
            proc = subprocess.Popen(
                [
                    str(bindir / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(cluster.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={root}",
                    # a throwaway cluster: durability is not what is tested
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
                user=user,
                cwd=root,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_accepting(cluster, proc)
        for name in ("dagster", "superset"):
            # as in docs/operations.md: a login role owning its database
            cluster.query("postgres", f"create role {name} login password %s", (password,))
            cluster.query("postgres", f"create database {name} owner {name}")
        yield cluster
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(root, ignore_errors=True)


# --- Dagster -----------------------------------------------------------------------------------

CRM_TABLES = (("crm", "regions"), ("crm", "squads"), ("crm", "reps"))


def test_dagster_runs_and_events_are_stored_in_postgres(
    postgres: PgCluster, sample_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import dagster as dg
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    from pipelines.ingest.assets import build_ingest_assets
    from pipelines.resources import BUILD_DB_POOL, Warehouse

    url = postgres.url("dagster", user="dagster", driver="postgresql+psycopg2")
    dagster_home = tmp_path / "dagster"
    env = dict(os.environ, LASTMILE_DAGSTER_PG_URL=url)
    # what `make setup` runs
    written = subprocess.run(
        [sys.executable, "-m", "pipelines.instance", "write", str(dagster_home)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert written.returncode == 0, written.stderr
    assert "storage: PostgreSQL" in written.stdout
    config_text = (dagster_home / "dagster.yaml").read_text()
    assert postgres.password not in config_text, "the URL (and its password) must stay in the env"
    # the one source of the other settings is carried over verbatim
    base = (REPO_ROOT / "pipelines" / "dagster.yaml").read_text()
    assert config_text.startswith(base.rstrip("\n"))

    monkeypatch.setenv("LASTMILE_DAGSTER_PG_URL", url)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    # a private build file: the session's pipeline run owns the shared one
    monkeypatch.setenv("LASTMILE_BUILD_DB", str(tmp_path / "build.duckdb"))
    selection = [dg.AssetKey(list(key)) for key in CRM_TABLES] + [
        dg.AssetKey(["ingest", "landing_inventory"])
    ]
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        concurrency = instance.get_concurrency_config()
        assert concurrency.pool_config.default_pool_limit == 1
        assert concurrency.run_queue_config.max_concurrent_runs == 1
        assert instance.run_monitoring_enabled

        result = dg.materialize(
            build_ingest_assets(),
            selection=selection,
            instance=instance,
            resources={"warehouse": Warehouse.from_environment()},
        )
        assert result.success
        run_id = result.run_id
        # the pool every build-file step runs in exists on this instance with the config's limit
        pool = instance.event_log_storage.get_concurrency_info(BUILD_DB_POOL)
        assert pool.slot_count == 1
        assert not pool.pending_step_count and not pool.assigned_step_count

    # …and all of it lives in PostgreSQL, not in SQLite files under DAGSTER_HOME
    assert postgres.query("dagster", "select status from runs where run_id = %s", (run_id,)) == [
        ("SUCCESS",)
    ]
    materialized = postgres.query(
        "dagster",
        "select asset_key from event_logs "
        "where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
        (run_id,),
    )
    assert {key for (key,) in materialized} == {dg.AssetKey(k.path).to_string() for k in selection}
    steps = postgres.query(
        "dagster",
        "select count(*) from event_logs where run_id = %s and dagster_event_type = 'STEP_SUCCESS'",
        (run_id,),
    )
    assert steps == [(len(selection),)]
    assert postgres.query(
        "dagster",
        'select concurrency_key, "limit", using_default_limit from concurrency_limits',
    ) == [(BUILD_DB_POOL, 1, True)]
    # every step claimed and gave back a slot of the pool
    assert postgres.query(
        "dagster",
        "select count(*) from concurrency_slots where concurrency_key = %s and run_id is not null",
        (BUILD_DB_POOL,),
    ) == [(0,)]
    leftovers = sorted(p.name for p in dagster_home.rglob("*.db"))
    assert not leftovers, f"SQLite storage under DAGSTER_HOME: {leftovers}"


def test_instance_without_the_variable_stays_sqlite(tmp_path: Path):
    """The embedded default: the base file, and only the event log named (SQLite, on Dagster's
    own folder under DAGSTER_HOME; tests/pipelines/test_event_log.py)."""
    from pipelines.instance import BASE_CONFIG, InstanceConfigError, render, write

    target = write(tmp_path / "dagster", environ={})
    assert target.read_text().startswith(BASE_CONFIG.read_text())
    written = yaml.safe_load(target.read_text())
    assert set(written) - set(yaml.safe_load(BASE_CONFIG.read_text())) == {"event_log_storage"}
    assert written["event_log_storage"]["class"] == "PooledSqliteEventLogStorage"
    for wrong in ("mysql://user@host/dagster", "postgresql://user@host/dagster"):
        with pytest.raises(InstanceConfigError, match="postgresql\\+psycopg2://"):
            render({"LASTMILE_DAGSTER_PG_URL": wrong})


# --- Superset ----------------------------------------------------------------------------------


def _serve_and_list_dashboards(home: Path, served_db: Path, database_uri: str) -> list[str]:
    """Start dashboards/serve.py on this metadata, log in as the admin, list the dashboards."""
    try:
        server = start_server(home, served_db, home / "server.log", database_uri)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        api = login(server.base_url, *server.admin(), csrf=True)
        listed = api.get(
            f"{server.base_url}/api/v1/dashboard/", params={"q": "(page_size:100)"}, timeout=30
        )
        assert listed.status_code == 200, listed.text
        return [row["dashboard_title"] for row in listed.json()["result"]]
    finally:
        server.stop()


@pytest.mark.superset
def test_superset_metadata_is_stored_in_postgres(
    postgres: PgCluster, served_db: Path, tmp_path: Path
):
    from tests.dashboards.helpers import load_bundle

    assert SUPERSET_PYTHON.exists(), f"{SUPERSET_PYTHON} missing: run `make setup`"
    bundle = load_bundle()
    home = tmp_path / "lastmile_home"
    uri = postgres.url("superset", user="superset", driver="postgresql+psycopg2")
    try:
        done = bootstrap(home, served_db, tmp_path / "bootstrap.log", uri)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    output = done.stdout + done.stderr
    assert f"metadata database: postgresql+psycopg2://superset:***@127.0.0.1:{postgres.port}/" in (
        done.stdout
    )
    assert postgres.password not in output
    assert not (home / "superset" / "superset.db").exists(), "SQLite metadata was created"

    tables = {
        name
        for (name,) in postgres.query(
            "superset",
            "select table_name from information_schema.tables where table_schema = 'public'",
        )
    }
    expected = {"alembic_version", "ab_user", "ab_role", "dbs", "tables", "slices", "dashboards"}
    assert expected <= tables
    assert {"row_level_security_filters"} <= tables

    def uuids(table: str) -> set[str]:
        return {str(u) for (u,) in postgres.query("superset", f"select uuid::text from {table}")}

    assert uuids("dbs") == set(bundle.databases)
    assert set(bundle.datasets) <= uuids("tables")
    assert uuids("slices") == set(bundle.charts)
    assert uuids("dashboards") == set(bundle.dashboards)
    [(uri_stored,)] = postgres.query("superset", "select sqlalchemy_uri from dbs")
    assert str(served_db) in uri_stored

    users = {name for (name,) in postgres.query("superset", "select username from ab_user")}
    assert {"lastmile_admin", "lastmile_analyst"} <= users
    roster = {name for name in users if re.fullmatch(r"E\d+", name)}
    assert roster, f"no roster logins among {sorted(users)}"
    [(rls_filters,)] = postgres.query("superset", "select count(*) from row_level_security_filters")
    assert rls_filters > 0

    # the server runs on this metadata (serve.py must not ask for the SQLite file)
    titles = _serve_and_list_dashboards(home, served_db, uri)
    assert sorted(titles) == sorted(d["dashboard_title"] for d in bundle.dashboards.values())
