"""Drive the real Dagster daemon on a Lastmile home, and measure landing → served latency.

What the sensor test and the benchmark share:

- ``home_env`` / ``prepare_instance``: the environment of a ``LASTMILE_HOME`` and its own Dagster
  instance (``$DAGSTER_HOME/dagster.yaml`` written by ``pipelines.instance``, as ``make setup``);
- ``start_daemon`` / ``stop_daemon`` / ``running_daemon``: ``dagster-daemon run -w workspace.yaml``
  from the repository root in its own process group (its code server and run workers join it),
  stopped by process group;
- ``measure_landing_latency``: drop a landing file while the daemon runs and time how long until
  the *served* DuckDB file (opened read-only, as Superset does) shows it — the sensor's wait, the
  run queue, ingestion, dbt, the checks and the publish swap;
- what the daemon did: the landing sensor's cursor, the runs it launched, a run worker's pid, the
  ``duckdb_build`` pool's claimed slots; and ``kill_run_worker`` to test what a dead run does.

The landing sensor evaluates at most every 60 s (``minimum_interval_seconds``) and the daemon's
sensor loop wakes about every 30 s, so a measured latency holds up to ~90 s of waiting for the
sensor besides the run; the result says how much of each. Nothing runs at import.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines import instance as instance_config
from pipelines.config import REPO_ROOT, load_settings
from pipelines.resources import BUILD_DB_POOL
from pipelines.sensors import landing_state

LANDING_SENSOR = "landing_sensor"
TRIGGER_TAG = "lastmile/trigger"
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
_HOME_VARS = ("LASTMILE_LANDING_DIR", "LASTMILE_BUILD_DB", "LASTMILE_SERVE_DB")


# --- the home and its instance ----------------------------------------------------------------
def home_env(home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a Lastmile home: ``base`` (default: this process's environment) with
    ``LASTMILE_HOME`` and ``DAGSTER_HOME`` in ``home`` and every path under it."""
    env = dict(os.environ if base is None else base)
    for name in _HOME_VARS:
        env.pop(name, None)
    env["LASTMILE_HOME"] = str(home)
    env["DAGSTER_HOME"] = str(home / "dagster")
    settings = load_settings(env)
    env["LASTMILE_LANDING_DIR"] = str(settings.landing_dir)
    env["LASTMILE_BUILD_DB"] = str(settings.build_db)
    env["LASTMILE_SERVE_DB"] = str(settings.serve_db)
    return env


def prepare_instance(env: Mapping[str, str]) -> Path:
    """Write ``$DAGSTER_HOME/dagster.yaml`` from ``pipelines/dagster.yaml`` (as ``make setup``)
    and create the instance's storage, so the daemon and a reader started at the same moment do
    not both try to create the SQLite tables (one of them would fail)."""
    path = instance_config.write(Path(env["DAGSTER_HOME"]), env)
    with open_instance(env) as instance:
        instance.get_run_records(limit=1)
        instance.all_instigator_state()
        instance.event_log_storage.get_concurrency_info(BUILD_DB_POOL)
    return path


@contextmanager
def open_instance(env: Mapping[str, str]) -> Iterator[dg.DagsterInstance]:
    """The home's Dagster instance, read beside the daemon."""
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        yield instance


# --- the daemon -------------------------------------------------------------------------------
def start_daemon(env: Mapping[str, str], log_path: Path | None = None) -> subprocess.Popen:
    """``.venv/bin/dagster-daemon run -w workspace.yaml`` from the repository root with ``env``,
    in its own process group; output appended to ``log_path`` (default
    ``$DAGSTER_HOME/daemon.log``)."""
    log_path = log_path or Path(env["DAGSTER_HOME"]) / "daemon.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(REPO_ROOT / ".venv" / "bin" / "dagster-daemon"), "run", "-w", "workspace.yaml"],
            cwd=REPO_ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_daemon(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGINT to the daemon's process group (it stops its threads and its code server), then
    SIGKILL to whatever is left of the group (a run worker, a dbt process)."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@contextmanager
def running_daemon(env: Mapping[str, str], log_path: Path | None = None):
    """The daemon for the duration of a ``with`` block, stopped however the block ends."""
    proc = start_daemon(env, log_path)
    try:
        yield proc
    finally:
        stop_daemon(proc)


# --- what the daemon did ----------------------------------------------------------------------
def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Poll ``condition`` until it returns something truthy; TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:.0f} s: {what}")
        time.sleep(interval)


def sensor_cursor(instance: dg.DagsterInstance, name: str = LANDING_SENSOR) -> str | None:
    """The sensor's stored cursor (None before its first tick that launched a run)."""
    for state in instance.all_instigator_state():
        if state.name == name:
            return getattr(state.instigator_data, "cursor", None)
    return None


def landing_runs(instance: dg.DagsterInstance, created_after: float = 0.0) -> list[dg.RunRecord]:
    """Runs the landing sensor launched after ``created_after`` (epoch seconds), oldest first."""
    records = instance.get_run_records(filters=dg.RunsFilter(tags={TRIGGER_TAG: "landing"}))
    return sorted(
        (r for r in records if r.create_timestamp.timestamp() > created_after),
        key=lambda r: r.create_timestamp,
    )


def in_progress_runs(instance: dg.DagsterInstance) -> list[dg.RunRecord]:
    return list(instance.get_run_records(filters=dg.RunsFilter(statuses=IN_PROGRESS)))


def run_status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def wait_for_run_end(
    instance: dg.DagsterInstance, run_id: str, timeout: float
) -> dg.DagsterRunStatus:
    def ended():
        status = run_status(instance, run_id)
        return status if status in FINISHED else None

    return wait_for(ended, timeout, f"run {run_id} to end")


def claimed_slots(instance: dg.DagsterInstance, pool: str = BUILD_DB_POOL) -> list[tuple[str, str]]:
    """``(run_id, step_key)`` holding a slot of the pool (the build file's one writer)."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    return [(slot.run_id, slot.step_key) for slot in info.claimed_slots]


def wait_until_idle(env: Mapping[str, str], timeout: float = 900) -> None:
    """Until the landing sensor has seen every landing file as it is now (its cursor holds
    them), no run is queued or in progress and nobody holds the build file's pool slot: a file
    dropped after this is the only change, and its run waits for nothing."""
    landing_dir = load_settings(dict(env)).landing_dir
    with open_instance(env) as instance:

        def idle() -> bool:
            cursor = sensor_cursor(instance)
            if cursor is None or json.loads(cursor) != landing_state(landing_dir):
                return False
            return not in_progress_runs(instance) and not claimed_slots(instance)

        wait_for(idle, timeout, "the landing sensor to see every file and all runs to end", 1)


def run_worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid of the process executing the run (the one that logged its RUN_START)."""
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_START):
        if record.dagster_event is not None and record.dagster_event.pid:
            return record.dagster_event.pid
    return None


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a dbt process, log tailers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, IndexError, ValueError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def kill_run_worker(instance: dg.DagsterInstance, run_id: str, with_children: bool = True) -> int:
    """SIGKILL the run's worker process — and by default its children: a dbt process left
    running would keep the build file locked for the next run. Returns the worker's pid."""
    pid = run_worker_pid(instance, run_id)
    if pid is None:
        raise RuntimeError(f"run {run_id} has no RUN_START event with a pid yet")
    for victim in process_tree(pid) if with_children else [pid]:
        with suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return pid


# --- the warehouse files ----------------------------------------------------------------------
def probe(db: Path, sql: str, params: Sequence[object] = ()) -> object:
    """First column of the first row of ``sql`` on ``db``, opened read-only as Superset does."""
    with duckdb.connect(str(db), read_only=True) as conn:
        row = conn.execute(sql, list(params)).fetchone()
    return row[0] if row else None


def served_tables(db: Path) -> list[str]:
    """Every table of the served file, ``schema.table``."""
    with duckdb.connect(str(db), read_only=True) as conn:
        rows = conn.execute(
            "select table_schema || '.' || table_name from information_schema.tables order by 1"
        ).fetchall()
    return [name for (name,) in rows]


def file_audit(build_db: Path, rel: str, timeout: float = 120) -> dict[str, object]:
    """A landing file's ingestion audit and its rows in ``ingest.quarantine``, from the build
    file (retried while a run holds its write lock); {} if the file was never ingested."""
    sql = (
        "select status, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
        "(select count(*) from ingest.quarantine q where q.file_path = a.file_path) "
        "from ingest.file_audit a where file_path = ?"
    )

    def read():
        try:
            with duckdb.connect(str(build_db), read_only=True) as conn:
                return [conn.execute(sql, [rel]).fetchone()]
        except duckdb.IOException:  # a run is writing
            return None

    (row,) = wait_for(read, timeout, f"a read of {build_db}", 2)
    if row is None:
        return {}
    keys = ("status", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")
    return {**dict(zip(keys, row[:5], strict=True)), "quarantine_rows": row[5]}


# --- a realistic new landing file -------------------------------------------------------------
SALES_LOG_HEADER = (  # the CRM export's own header line
    "日志编号,客户编号,联系人编号,销售工号,拜访时间,场景模板,商机编号,"
    "摘要,客户需求,演示产品,参与人,录音摘要,备注"
)
# with [[log ids]]: how many of them the served sales-log mart shows
SALES_LOG_PROBE = (
    "select count(*) from marts.fct_sales_log_compliance where list_contains(?, log_id)"
)


def sales_log_file(build_db: Path, log_ids: Sequence[str]) -> bytes:
    """A CRM sales-log export (UTF-8 with BOM, the CRM's Chinese headers) with one first-visit
    log per id: the rep, customer, contact and opportunity of the latest complete first-visit
    log already loaded, a minute apart after it — rows that pass the landing contract."""
    with duckdb.connect(str(build_db), read_only=True) as conn:
        row = conn.execute(
            "select customer_id, contact_id, rep_id, log_at, opportunity_id, summary, "
            "customer_needs from raw_crm.sales_logs "
            "where template = 'first_visit' and contact_id is not null "
            "and customer_needs is not null and summary is not null "
            "order by log_at desc, log_id limit 1"
        ).fetchone()
    customer, contact, rep, log_at, opportunity, summary, needs = row
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SALES_LOG_HEADER.split(","))
    for i, log_id in enumerate(log_ids, start=1):
        at = (log_at + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow(
            [log_id, customer, contact, rep, at, "首次拜访", opportunity or "", summary, needs]
            + ["", "", "", ""]
        )
    return out.getvalue().encode("utf-8-sig")


def land_file(landing_dir: Path, rel: str, content: bytes, append: bool = False) -> float:
    """Write a landing file as a well-behaved export does: under a hidden name beside it
    (ingestion and the sensor ignore dot-files), renamed into place. Returns when it landed
    (``time.time()``)."""
    target = landing_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if append and target.exists():
        content = target.read_bytes() + content
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, target)
    return time.time()


# --- the measurement --------------------------------------------------------------------------
@dataclass(frozen=True)
class LandingLatency:
    """One landing file's way to the boards; seconds counted from the moment it landed."""

    path: str  # the landing file, relative to the landing folder
    seconds: float  # landed → the served file answers the probe with the expected value
    sensor_seconds: float | None  # landed → the landing sensor created the run
    queued_seconds: float | None  # run created → its worker started it
    run_seconds: float | None  # run start → end (the boards see the data before the end)
    run_ids: tuple[str, ...]  # runs the landing sensor launched meanwhile, oldest first
    statuses: tuple[str, ...]  # their status when the measurement ended
    probe_errors: int  # probes of the served file that raised (it must stay readable: 0)
    audit: dict[str, object]  # the file's ingestion audit, incl. quarantine_rows

    @property
    def succeeded(self) -> bool:
        return bool(self.statuses) and all(s == "SUCCESS" for s in self.statuses)

    def describe(self) -> str:
        parts = [f"{self.path}: on the served file {self.seconds:.1f} s after landing"]
        for label, value in (
            ("sensor", self.sensor_seconds),
            ("queue and start", self.queued_seconds),
            ("run", self.run_seconds),
        ):
            if value is not None:
                parts.append(f"{label} {value:.1f} s")
        runs = ", ".join(f"{r[:8]} {s}" for r, s in zip(self.run_ids, self.statuses, strict=True))
        return "; ".join(parts) + f" (runs: {runs or 'none'})"


def measure_landing_latency(
    env: Mapping[str, str] | None = None,
    rel: str | None = None,
    content: bytes | None = None,
    probe_sql: str = SALES_LOG_PROBE,
    probe_params: Sequence[object] | None = None,
    expected: object = 1,
    *,
    home: Path | None = None,
    append: bool = False,
    timeout: float = 900,
    daemon: subprocess.Popen | None = None,
    wait_idle: bool = True,
    wait_for_run: bool = True,
    poll_seconds: float = 0.5,
    on_poll: Callable[[], object] | None = None,
) -> LandingLatency:
    """Land ``content`` at ``rel`` (relative to the landing folder; ``append`` adds it to the
    file) and time until ``probe_sql`` with ``probe_params`` on the served file returns
    ``expected``. TimeoutError after ``timeout`` s (per wait).

    The environment is ``env``, else that of ``home`` (``home_env``), else this process's.
    Without a file, a new CRM sales-log file with one new log id is landed and looked for in
    ``marts.fct_sales_log_compliance``. Without a running ``daemon``, one is started for the
    measurement and stopped afterwards (``$DAGSTER_HOME/dagster.yaml`` is written if missing).
    With ``wait_idle`` it first waits until the sensor has seen the landing folder as it is, no
    run is in progress and the pool is free (a new daemon's first tick starts a run for every
    file: that run is waited for), so this file is the only change; with ``wait_for_run`` the
    launched runs are waited for before their statuses and the file's audit are read.
    ``on_poll`` is called after every probe of the served file (a test's own checks).
    """
    if env is None:
        env = home_env(home) if home is not None else dict(os.environ)
    settings = load_settings(dict(env))
    stamp = time.strftime("%Y%m%d%H%M%S")
    if rel is None:
        rel = f"crm/sales_logs_{stamp}.csv"
    own_daemon = daemon is None
    if own_daemon and not (Path(env["DAGSTER_HOME"]) / "dagster.yaml").exists():
        prepare_instance(env)
    if content is None:
        log_id = f"SLB{stamp}"
        probe_params, expected = [[log_id]], 1
        if not own_daemon and wait_idle:  # the build file is free only when no run is writing
            wait_until_idle(env, timeout)
        content = sales_log_file(settings.build_db, [log_id])

    with running_daemon(env) if own_daemon else nullcontext():
        if wait_idle:
            wait_until_idle(env, timeout)
        with open_instance(env) as instance:
            landed_at = land_file(settings.landing_dir, rel, content, append=append)
            start = time.monotonic()
            errors = 0
            while True:
                try:
                    if probe(settings.serve_db, probe_sql, probe_params or ()) == expected:
                        break
                except duckdb.Error:
                    errors += 1
                if on_poll is not None:
                    on_poll()
                if time.monotonic() - start > timeout:
                    runs = [
                        (r.dagster_run.run_id, r.dagster_run.status.value)
                        for r in landing_runs(instance, landed_at - 1)
                    ]
                    raise TimeoutError(
                        f"{rel}: not on the served file within {timeout:.0f} s "
                        f"(landing runs since it landed: {runs or 'none'})"
                    )
                time.sleep(poll_seconds)
            seconds = time.monotonic() - start
            records = landing_runs(instance, landed_at - 1)
            audit: dict[str, object] = {}
            if wait_for_run:
                for record in records:
                    wait_for_run_end(instance, record.dagster_run.run_id, timeout)
                records = landing_runs(instance, landed_at - 1)
                audit = file_audit(settings.build_db, rel)

    first = records[0] if records else None
    created = first.create_timestamp.timestamp() if first else None
    return LandingLatency(
        path=rel,
        seconds=seconds,
        sensor_seconds=created - landed_at if created else None,
        queued_seconds=first.start_time - created if first and first.start_time else None,
        run_seconds=(
            first.end_time - first.start_time
            if first and first.start_time and first.end_time
            else None
        ),
        run_ids=tuple(r.dagster_run.run_id for r in records),
        statuses=tuple(r.dagster_run.status.value for r in records),
        probe_errors=errors,
        audit=audit,
    )
