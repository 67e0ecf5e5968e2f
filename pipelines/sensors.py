"""React to the world: a landing file that arrives or changes starts a run; a failed run is logged.

The landing sensor compares each file's size and modification time with what it saw last time
(its cursor), so a tick costs a directory listing, not a read of every file; ingestion itself
then skips files whose content hash it has already loaded. A change whose content is the same as
the last published build's (a file copied again) starts nothing, and a run runs only the
ingestion assets of the changed tables and what is downstream of them (``pipelines.changes``).
A file modified within the contract's ``landing.settle_seconds`` is not seen yet (it may still
be being written): the tick after it settles starts the run. Junk files start nothing; a refused
one (a symbolic link) does, so that its rejection is recorded and alerted.
"""

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.changes import RunPlan, plan_run, plan_tags, selected_assets
from pipelines.config import CONTRACT_PATH, load_settings
from pipelines.evaluation import default_evaluation_date, evaluation_tags
from pipelines.ingest.contract import load_contract
from pipelines.ingest.discovery import scan_landing
from pipelines.jobs import refresh_job

# how often at most the landing sensor looks at the folder (read when the definitions load)
SENSOR_INTERVAL_ENV = "LASTMILE_LANDING_SENSOR_SECONDS"
DEFAULT_SENSOR_INTERVAL_SECONDS = 60


def sensor_interval_seconds(env: dict[str, str] | None = None) -> int:
    """``LASTMILE_LANDING_SENSOR_SECONDS`` (a whole number ≥ 1), else 60."""
    text = (os.environ if env is None else env).get(SENSOR_INTERVAL_ENV, "").strip()
    if not text:
        return DEFAULT_SENSOR_INTERVAL_SECONDS
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{SENSOR_INTERVAL_ENV}={text!r}: expected a whole number of seconds ≥ 1")
    return int(text)


def landing_state(landing_dir: Path) -> dict[str, str]:
    """Landing file → ``size:mtime_ns`` for every settled file ingestion would read, and
    ``refused`` for every file it refuses."""
    inventory = scan_landing(landing_dir, load_contract(CONTRACT_PATH).landing)
    state = {f.rel: f.mark for f in inventory.files}
    state.update({f.rel: "refused" for f in inventory.refused})
    return state


def changed_files(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Files that are new or different since ``previous`` (removed files need no run)."""
    return sorted(rel for rel, mark in current.items() if previous.get(rel) != mark)


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a refresh when a landing file is added or changed.",
)
def landing_sensor(context: dg.SensorEvaluationContext):
    settings = load_settings()
    current = landing_state(settings.landing_dir)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = changed_files(previous, current)
    if not changed:
        return dg.SkipReason("no new or changed landing files")
    context.update_cursor(json.dumps(current, sort_keys=True))
    # the day the file landed (LASTMILE_AS_OF, else today in Asia/Shanghai)
    day = default_evaluation_date()
    plan = plan_run(settings, day)
    if plan.nothing_new:  # touched or copied again with the same content
        return dg.SkipReason(plan.describe())
    run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key,
        tags={
            "lastmile/trigger": "landing",
            "lastmile/changed_files": str(len(changed)),
            **plan_tags(plan),
            **evaluation_tags(day),
        },
        asset_selection=selection_of(context, plan),
    )


def selection_of(context, plan: RunPlan):
    """The assets of ``plan`` in the code location's asset graph (None: every asset)."""
    if plan.everything:
        return None
    try:
        repository = context.repository_def
    except dg.DagsterInvariantViolationError:  # a context built without definitions (tests)
        repository = None
    return selected_assets(repository.asset_graph, plan) if repository else None


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed run in $LASTMILE_HOME/alerts/run_failures.jsonl.",
)
def run_failure_log(context: dg.RunFailureSensorContext):
    settings = load_settings()
    path = settings.home / "alerts" / "run_failures.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "at": datetime.now(UTC).isoformat(),
        "run_id": context.dagster_run.run_id,
        "job": context.dagster_run.job_name,
        "error": context.failure_event.message,
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
