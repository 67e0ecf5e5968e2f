"""The embedded Dagster instance's event log (pipelines/event_log.py, pipelines/instance.py).

A run writes a few thousand events; the pooled storage keeps one connection per database file
instead of one per event. It must stay Dagster's SQLite storage in every other respect: the same
files, readable by Dagster's own class, and a run's end folded into the run's file, which is what
the Dagster UI watches to follow a running run.
"""

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.config import REPO_ROOT
from pipelines.event_log import OPEN_SHARDS, PooledSqliteEventLogStorage
from pipelines.instance import write


def log_entry(run_id: str, message: str = "", dagster_event=None) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=20,
        user_message=message,
        run_id=run_id,
        timestamp=time.time(),
        dagster_event=dagster_event,
    )


def run_success(run_id: str) -> EventLogEntry:
    return log_entry(
        run_id, dagster_event=DagsterEvent(DagsterEventType.RUN_SUCCESS.value, "lastmile_refresh")
    )


def messages(storage, run_id: str) -> list[str]:
    return [r.event_log_entry.user_message for r in storage.get_records_for_run(run_id).records]


def test_the_written_instance_uses_the_pooled_event_log_on_dagsters_folder(tmp_path: Path):
    home = tmp_path / "dagster"
    config = yaml.safe_load(write(home, environ={}).read_text())
    assert config["event_log_storage"] == {
        "module": "pipelines.event_log",
        "class": "PooledSqliteEventLogStorage",
        "config": {"base_dir": (home.resolve() / "history" / "runs").as_posix()},
    }
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        # runs and schedules stay Dagster's defaults, beside the event folder
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
    finally:
        instance.dispose()


def test_dagsters_own_storage_reads_what_it_wrote_and_the_other_way(tmp_path: Path):
    pooled = PooledSqliteEventLogStorage(str(tmp_path))
    for number in range(50):
        pooled.store_event(log_entry("run-a", f"pooled {number}"))
    plain = SqliteEventLogStorage(str(tmp_path))
    assert messages(plain, "run-a") == [f"pooled {n}" for n in range(50)]
    plain.store_event(log_entry("run-a", "plain"))
    assert messages(pooled, "run-a")[-1] == "plain"
    pooled.dispose()
    plain.dispose()


def test_a_runs_end_is_in_the_run_file_itself_not_only_in_its_write_ahead_log(tmp_path: Path):
    """The UI watches ``<run_id>.db``: a copy of that file alone must hold the run's end."""
    pooled = PooledSqliteEventLogStorage(str(tmp_path))
    for number in range(20):
        pooled.store_event(log_entry("run-b", f"step {number}"))
    pooled.store_event(run_success("run-b"))
    alone = tmp_path / "copy" / "run-b.db"
    alone.parent.mkdir()
    shutil.copyfile(tmp_path / "run-b.db", alone)  # without run-b.db-wal
    with sqlite3.connect(alone) as conn:
        kinds = [row[0] for row in conn.execute("select dagster_event_type from event_logs")]
    assert kinds[-1] == DagsterEventType.RUN_SUCCESS.value
    assert len(kinds) == 21
    pooled.dispose()


def test_open_run_files_are_bounded(tmp_path: Path):
    pooled = PooledSqliteEventLogStorage(str(tmp_path))
    for number in range(OPEN_SHARDS + 5):
        pooled.store_event(log_entry(f"run-{number}", "one"))
    open_runs = [shard for shard in pooled._engines if shard != "index"]
    assert len(open_runs) == OPEN_SHARDS
    assert open_runs[-1] == f"run-{OPEN_SHARDS + 4}"  # the least recently used were closed
    assert messages(pooled, "run-0") == ["one"]  # and open again when read
    pooled.dispose()


def test_a_process_outside_the_checkout_folder_imports_the_event_log(tmp_path: Path):
    """The daemon and the webserver load the instance before any code location: the checkout
    must be importable from any folder (make setup writes lastmile.pth)."""
    done = subprocess.run(
        [sys.executable, "-c", "import pipelines.event_log, pipelines; print(pipelines.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).parent.parent == REPO_ROOT
