"""A run killed mid-way leaves the served file intact, and the next run recovers."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipelines.config import REPO_ROOT
from tests.pipelines.homes import private_home, run_pipeline

PUBLISH_LOOP = """
import sys
from pathlib import Path
from pipelines.publish import publish
while True:
    publish(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def served_tables(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]


def run_until(env: dict[str, str], marker: str, timeout: float = 300) -> bool:
    """Start a full run, SIGKILL it as soon as its output shows ``marker``; True if it did."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.run"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        for line in proc.stdout:
            if marker in line:
                time.sleep(0.5)  # well inside the step
                os.killpg(proc.pid, signal.SIGKILL)
                return True
            if time.monotonic() > deadline:
                break
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_run_killed_during_ingestion_or_dbt_leaves_the_boards_intact(pipeline_run, tmp_path):
    env = private_home(pipeline_run, tmp_path)
    served = tmp_path / "warehouse" / "lastmile.duckdb"
    before = digest(served)
    # a changed landing file, so the killed runs have real ingestion work to do
    sales_logs = sorted((tmp_path / "landing" / "crm").glob("sales_logs*.csv"))[-1]
    sales_logs.write_bytes(sales_logs.read_bytes() + b"\n")

    for marker in ('"crm__sales_logs"', '"lastmile_dbt"'):
        assert run_until(env, f"Started execution of step {marker}"), marker
        assert digest(served) == before, f"killed at {marker}: the served file changed"
        assert served_tables(served) > 0
        assert not served.with_name(served.name + ".wal").exists()

    # the next run recovers: the killed writer's state is replayed, everything builds again
    done = run_pipeline(env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert served_tables(served) == served_tables(pipeline_run.settings.serve_db)


def test_a_publish_killed_at_any_moment_leaves_a_whole_served_file(pipeline_run, tmp_path):
    settings = pipeline_run.settings
    served = tmp_path / "lastmile.duckdb"
    shutil.copy(settings.serve_db, served)
    expected = served_tables(served)
    for delay in (0.05, 0.2, 0.4, 0.7, 1.1):
        proc = subprocess.Popen(
            [sys.executable, "-c", PUBLISH_LOOP, str(settings.build_db), str(served)],
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        time.sleep(delay + 1.5)  # interpreter start-up, then somewhere inside a publish
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        # whatever the moment, the served file is a whole warehouse: the old one or a new one
        assert served_tables(served) == expected, f"killed after {delay} s"
    # a leftover staging file from a killed publish is cleaned by the next publish
    from pipelines.publish import publish

    publish(settings.build_db, served)
    assert served_tables(served) == expected
