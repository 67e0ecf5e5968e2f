"""Shared fixtures: one small generated company, one real pipeline run, per test session.

With parallel workers the first worker that needs one makes it (under a lock in the session's
shared temporary folder) and every worker gets its own copy in its own home, so a test that
writes into its home never meets another worker's.

Everything runs for real (Polars ingestion, dbt build on the ``ci`` target, GX, publish-by-swap)
in a temporary ``LASTMILE_HOME``; the Superset and browser tests read the published file.

No test depends on the wall clock: ``LASTMILE_AS_OF`` is pinned to the sample company's last day
(its "today": the boards show its data up to the end of that day, October as a full month).
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from pipelines.config import REPO_ROOT, Settings, load_settings
from tooling.bench.pipeline import dbt_parse

# Modules that run the whole pipeline again (killed runs, the daemon, other storage, every rule's
# range edges, replays, the hand-made company) or all of dbt, or large parts of it (a rule changed
# in one file): `make test` runs them, `make test-fast` (-m "not slow") leaves them out together
# with the Superset and browser tests.
SLOW_MODULES = {
    "tests/pipelines/test_sensor_latency.py",
    "tests/pipelines/test_robustness.py",
    "tests/pipelines/test_hostile_landing.py",
    "tests/pipelines/test_postgres.py",
    "tests/pipelines/test_full_refresh.py",
    "tests/pipelines/test_only_what_changed.py",
    "tests/dbt/test_dbt_build.py",
    "tests/dbt/test_incremental.py",
    "tests/handmade/test_rule_edges.py",
    "tests/handmade/test_one_file_rule_change.py",
    "tests/handmade/test_backfill.py",
    "tests/handmade/test_handmade_company.py",
}


# Folders whose tests share one expensive fixture (a Superset server, the hand-made company's
# runs, the two engines' runs): `make test` runs the suite on parallel workers (pytest-xdist,
# --dist loadgroup), and each folder's tests are one unit of work, given whole to one worker, so no
# such fixture is built twice. Every other module is a unit of its own (its module fixtures are
# built once). The units go out longest first (the order of WORKER_GROUPS, then SLOW_MODULES),
# so no long unit starts last while the other worker sits idle.
WORKER_GROUPS = {
    "tests/spark/": "spark",
    "tests/dashboards/": "superset",
    "tests/handmade/": "handmade",
}


def folder_group(module: str) -> str | None:
    """The ``WORKER_GROUPS`` group of a test module's folder, if any."""
    return next((g for folder, g in WORKER_GROUPS.items() if module.startswith(folder)), None)


def worker_group(nodeid: str) -> str:
    """The unit of work a test belongs to under ``--dist loadgroup``: its folder's group, or its
    module."""
    module = nodeid.split("::")[0]
    return folder_group(module) or module


def schedule_rank(
    module: str, on_session_run: set[str] = frozenset(), first: str | None = None
) -> int:
    """Where a module's unit of work goes in the queue: the folder groups in their order, then
    the slow modules, then the rest: first the module ``first`` (needing the session's pipeline
    run: its worker makes the run), then the modules not needing the run (the other worker's work
    meanwhile), then the others of ``on_session_run``."""
    groups = list(WORKER_GROUPS.values())
    group = folder_group(module)
    if group is not None:
        return groups.index(group)
    if module in SLOW_MODULES:
        return len(groups)
    if module == first:
        return len(groups) + 1
    return len(groups) + (3 if module in on_session_run else 2)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` by folder (``WORKER_GROUPS``), the units in the order the items come
    in (``pytest_collection_modifyitems``): xdist's own grouping reads ``xdist_group`` marks
    through a node id suffix that pytest 9.2 no longer keeps, and its own order (most tests
    first) would send the two engines' runs, three tests and a quarter of the suite's time, last."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FolderGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)

    config.option.loadscopereorder = False
    return FolderGroups(config, log)


def module_path(item: pytest.Item) -> str:
    """A test's module as in its node id (``tests/…/test_x.py``)."""
    return Path(item.path).relative_to(REPO_ROOT).as_posix()


def pytest_collection_modifyitems(config, items):
    on_session_run = set()  # modules with a test needing the session's pipeline run
    for item in items:
        if module_path(item) in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if "pipeline_run" in getattr(item, "fixturenames", ()):
            on_session_run.add(module_path(item))
    first = min(
        (m for m in on_session_run if folder_group(m) is None and m not in SLOW_MODULES),
        default=None,
    )
    # a stable sort: each module's tests keep their order
    items.sort(key=lambda item: schedule_rank(module_path(item), on_session_run, first))


SAMPLE_LAST_DAY = "2026-10-31"
SAMPLE_ARGS = ["--seed", "7", "--scale", "0.1", "--start", "2025-11-01", "--end", SAMPLE_LAST_DAY]


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> str:
    """Run a command, failing the test with its output when it fails."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
        )
    return proc.stdout


@pytest.fixture(scope="session", autouse=True)
def no_settle_time():
    """The tests write landing files and read them at once: none is still being written (the
    tests of the settle time set it themselves)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LASTMILE_SETTLE_SECONDS", "0")
        yield


@pytest.fixture(scope="session")
def lastmile_home(tmp_path_factory) -> Settings:
    """A private LASTMILE_HOME for the session, exported to every process the tests start."""
    home = tmp_path_factory.mktemp("lastmile_home")
    env = {
        "LASTMILE_HOME": str(home),
        "LASTMILE_LANDING_DIR": str(home / "landing"),
        "LASTMILE_BUILD_DB": str(home / "warehouse" / "build.duckdb"),
        "LASTMILE_SERVE_DB": str(home / "warehouse" / "lastmile.duckdb"),
        "LASTMILE_DBT_TARGET": "ci",
        "LASTMILE_PII_KEY": "test-only-pii-key",
        "LASTMILE_AS_OF": SAMPLE_LAST_DAY,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield load_settings()


@contextmanager
def once_per_session(tmp_path_factory, worker_id: str, name: str) -> Iterator[Path | None]:
    """Coordinates work done once per test session across parallel workers: yields the shared
    folder ``name`` in the session's shared temporary folder, held under a lock, for the first
    worker to make (it finds no ``done`` mark in it) or the others to copy from; ``None`` without
    workers. The maker writes the ``done`` mark last (:func:`mark_done`)."""
    if worker_id == "master":
        yield None
        return
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = shared / name
        folder.mkdir(exist_ok=True)
        yield folder


def is_done(folder: Path | None) -> bool:
    return folder is not None and (folder / "done").exists()


def mark_done(folder: Path | None, text: str = "") -> None:
    if folder is not None:
        (folder / "done").write_text(text, encoding="utf-8")


def copy_tree(source: Path, target: Path) -> None:
    """``target`` replaced by a copy of ``source``, modification times kept to the nanosecond
    (what pipelines.changes compares landing files by)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=shutil.copy2)


@pytest.fixture(scope="session")
def sample_landing(lastmile_home: Settings, tmp_path_factory, worker_id: str) -> Path:
    """A small generated company (the same generator as `make demo`, at scale 0.1), generated
    once per session and copied to each worker's home."""
    landing = lastmile_home.landing_dir
    with once_per_session(tmp_path_factory, worker_id, "sample_landing") as shared:
        if is_done(shared):
            copy_tree(shared / "landing", landing)
            return landing
        run([sys.executable, "-m", "pipelines.sample", *SAMPLE_ARGS, "--out", str(landing)])
        if shared is not None:
            copy_tree(landing, shared / "landing")
            mark_done(shared)
    return landing


@pytest.fixture(scope="session")
def dbt_manifest(lastmile_home: Settings, tmp_path_factory, worker_id: str) -> Path:
    """``dbt parse`` once per test session: Dagster loads the dbt assets from its manifest. The
    first worker parses, the others read the manifest it wrote (the same for every home: no path
    of a home is in it)."""
    with once_per_session(tmp_path_factory, worker_id, "dbt_parse") as shared:
        if is_done(shared):
            return Path((shared / "done").read_text(encoding="utf-8"))
        manifest = dbt_parse(dict(os.environ))
        mark_done(shared, str(manifest))
        return manifest


@dataclass(frozen=True)
class RunSummary:
    """What the tests read of the job's result: it is built by one worker and read by all."""

    success: bool
    step_failures: list[str]  # "step: message"
    checks: list[dict]  # {"asset": …, "check": …, "passed": …} per asset-check evaluation

    @classmethod
    def of(cls, result) -> "RunSummary":
        import dagster as dg

        events = result.all_events
        return cls(
            success=result.success,
            step_failures=[
                f"{e.step_key}: "
                f"{e.event_specific_data.error.message if e.event_specific_data else ''}"
                for e in events
                if e.event_type == dg.DagsterEventType.STEP_FAILURE
            ],
            checks=[
                {"asset": c.asset_key.to_user_string(), "check": c.check_name, "passed": c.passed}
                for c in (
                    e.event_specific_data
                    for e in events
                    if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
                )
            ],
        )


@dataclass(frozen=True)
class PipelineRun:
    settings: Settings
    result: RunSummary


@pytest.fixture(scope="session")
def pipeline_run(
    lastmile_home: Settings, sample_landing: Path, dbt_manifest: Path, tmp_path_factory, worker_id
) -> PipelineRun:
    """Every asset and check materialised in-process, as `make demo` does: once per session,
    its warehouse folder (build and served files, the published state) copied to each worker's
    home, whose landing folder is the same copy of the sample."""
    warehouse = lastmile_home.build_db.parent
    with once_per_session(tmp_path_factory, worker_id, "pipeline_run") as shared:
        if is_done(shared):
            copy_tree(shared / "warehouse", warehouse)
            summary = RunSummary(**json.loads((shared / "done").read_text(encoding="utf-8")))
            return PipelineRun(settings=lastmile_home, result=summary)
        from pipelines.definitions import defs
        from pipelines.jobs import refresh_job

        job = defs().resolve_job_def(refresh_job.name)
        summary = RunSummary.of(job.execute_in_process(raise_on_error=False))
        if shared is not None:
            copy_tree(warehouse, shared / "warehouse")
            mark_done(shared, json.dumps(asdict(summary)))
        return PipelineRun(settings=lastmile_home, result=summary)


@pytest.fixture(scope="session")
def served_db(pipeline_run: PipelineRun) -> Path:
    """The published, read-only DuckDB file the dashboards read."""
    assert pipeline_run.result.success, "the pipeline run failed: see test_pipeline_run"
    return pipeline_run.settings.serve_db


@pytest.fixture(scope="module")
def mart(served_db: Path):
    """A read-only connection to the served file, one per test module."""
    import duckdb

    conn = duckdb.connect(str(served_db), read_only=True)
    try:
        yield conn
    finally:
        conn.close()
