"""Landing → boards through the real Dagster daemon, in one daemon session.

1. The daemon's first tick: the landing sensor has no cursor yet, sees every file as new and,
   the warehouse having no record of a publish, launches a run. Its worker (and its dbt
   process) is SIGKILLed during the dbt build, while it holds the ``duckdb_build`` pool slot:
   the run must be marked failed, the served file stay as it was, and run monitoring must free
   the slot, or every later run would queue forever.
2. Right away a new CRM sales-log file lands: the sensor's next run brings its row into
   ``marts.fct_sales_log_compliance`` in the served file within a generous bound, the row passes
   the landing contract, and the served file stays readable with the same tables throughout.
   The printed latency is landed → served: the sensor's wait (its interval: 60 s in the
   product, 15 s here), the queue (which may include the freeing of the dead run's slot) and
   the run.
"""

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

from pipelines.changes import published_state_path
from pipelines.config import load_settings
from pipelines.jobs import DBT_ASSETS_NAME
from pipelines.sensors import SENSOR_INTERVAL_ENV
from tooling.daemon import (
    SALES_LOG_PROBE,
    TRIGGER_TAG,
    claimed_slots,
    home_env,
    kill_run_worker,
    landing_runs,
    measure_landing_latency,
    open_instance,
    prepare_instance,
    sales_log_file,
    served_tables,
    start_daemon,
    stop_daemon,
    wait_for,
    wait_for_run_end,
)

SERVED_BOUND = 8 * 60  # landed → served: up to ~90 s of sensor wait, the queue, a whole run
FIRST_RUN_BOUND = 240  # daemon start → the first-tick run is in its dbt step
FAILED_BOUND = 30  # worker killed → run failed (the code server polls its run processes)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def daemon_env(served_db, tmp_path) -> dict[str, str]:
    """A private home: a copy of the session's landing files and warehouse (the daemon writes
    to the copy only) and a fresh Dagster instance from ``pipelines/dagster.yaml``."""
    settings = load_settings()
    home = tmp_path / "home"
    shutil.copytree(settings.landing_dir, home / "landing")
    shutil.copytree(settings.warehouse_dir, home / "warehouse")  # with its state files
    env = home_env(home)
    env[SENSOR_INTERVAL_ENV] = "15"  # the product's 60 s interval, shortened for the test
    # no record of what the copy was published from: the first tick's run has work to do (with
    # the session's record, the sensor would rightly find nothing new and skip the tick)
    published_state_path(load_settings(env)).unlink(missing_ok=True)
    prepare_instance(env)
    return env


@pytest.fixture
def daemons():
    """Starts daemons for the test; stops each by process group, however the test ends."""
    started = []

    def start(env):
        started.append(start_daemon(env))
        return started[-1]

    yield start
    for proc in started:
        stop_daemon(proc)
        # nothing of the group is left: daemon, code server, run worker, dbt (once reaped)
        assert wait_for(lambda pgid=proc.pid: not group_alive(pgid), 15, "the group to go")


def test_a_landing_file_reaches_the_boards_through_the_sensor_after_a_killed_run(
    daemon_env, daemons
):
    env = daemon_env
    settings = load_settings(env)
    served = settings.serve_db
    tables, before = served_tables(served), digest(served)
    log_id = f"SL9{int(time.time())}"
    new_file = "crm/sales_logs_2026-10-31.csv"
    content = sales_log_file(settings.build_db, [log_id])  # before a run locks the build file

    def intact() -> bool:
        assert served_tables(served) == tables, "the served file lost or gained tables"
        return True

    started_at = time.monotonic()
    daemon = daemons(env)
    with open_instance(env) as instance:
        # 1. the first tick's run, killed in its dbt step, holding the build file's pool slot
        runs = wait_for(lambda: landing_runs(instance), FIRST_RUN_BOUND, "the first-tick run")
        first = runs[0].dagster_run
        assert first.tags[TRIGGER_TAG] == "landing"
        wait_for(
            lambda: (first.run_id, DBT_ASSETS_NAME) in claimed_slots(instance),
            FIRST_RUN_BOUND,
            "the first-tick run's dbt step to take the duckdb_build slot",
        )
        time.sleep(2)  # dbt is running, in a child process of the worker
        pid = kill_run_worker(instance, first.run_id)
        killed_at = time.monotonic()
        assert wait_for_run_end(instance, first.run_id, FAILED_BOUND).value == "FAILURE"
        failed_after = time.monotonic() - killed_at
        assert intact() and digest(served) == before, "a killed run changed the served file"
        crash = [r.message for r in instance.all_logs(first.run_id) if "signal 9" in r.message]

        monitoring = instance.run_monitoring_settings or {}
        free_after = monitoring.get("free_slots_after_run_end_seconds")
        held = [slot for slot in claimed_slots(instance) if slot[0] == first.run_id]
        if held and not free_after:
            pytest.fail(
                f"run {first.run_id} failed (worker {pid} killed) and still holds the "
                f"duckdb_build slot {held}; Dagster frees the slots of ended runs only with "
                "run_monitoring.free_slots_after_run_end_seconds in pipelines/dagster.yaml. "
                "Without it every later run stays QUEUED."
            )
        slot_bound = (free_after or 0) + 2 * monitoring.get("poll_interval_seconds", 120) + 30
        freed: list[float] = []

        def check_while_waiting() -> None:
            intact()
            if not freed and first.run_id not in {run for run, _ in claimed_slots(instance)}:
                freed.append(time.monotonic() - killed_at)

        # 2. a new sales log lands at once; the sensor's next run brings it to the boards
        latency = measure_landing_latency(
            env,
            new_file,
            content,
            SALES_LOG_PROBE,
            [[log_id]],
            1,
            daemon=daemon,
            wait_idle=False,  # the dead run's slot may still be held: the new run waits for it
            timeout=SERVED_BOUND,
            on_poll=check_while_waiting,
        )
        check_while_waiting()
        new_run = instance.get_run_by_id(latency.run_ids[0]) if latency.run_ids else None

    print(
        f"\nkilled worker {pid} of the first-tick run {first.run_id[:8]} in dbt: FAILURE after "
        f"{failed_after:.1f} s ({crash[0][:60] + '…' if crash else 'no crash event'}); its "
        f"pool slot freed {freed[0] if freed else float('nan'):.0f} s after the kill\n"
        f"landing latency: {latency.describe()}\n"
        f"daemon session: {time.monotonic() - started_at:.0f} s"
    )
    assert freed and freed[0] < slot_bound, "run monitoring did not free the dead run's slot"
    assert latency.seconds < SERVED_BOUND
    assert latency.statuses == ("SUCCESS",), latency.describe()
    assert new_run.tags[TRIGGER_TAG] == "landing"
    assert latency.probe_errors == 0, "the served file was unreadable during the run"
    assert latency.audit == {
        "status": "loaded",
        "rows_read": 1,
        "rows_loaded": 1,
        "rows_quarantined": 0,
        "rows_duplicate": 0,
        "quarantine_rows": 0,
    }
    assert intact()
