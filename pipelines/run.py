"""Run Lastmile's refresh from the command line and say what was built.

``python -m pipelines.run`` executes the ``lastmile_refresh`` job on the Dagster instance in
``$DAGSTER_HOME`` (so the run shows in the Dagster UI) and prints a summary;
``python -m pipelines.run --full-refresh`` runs ``lastmile_full_rebuild`` instead (the large
facts recomputed from all history); ``python -m pipelines.run --summary`` only prints the summary
of what is already built. The summary names every landing file that was rejected (and why),
skipped or loaded with a warning; a rejected file does not fail the run.

Every run evaluates one day (``pipelines.evaluation``): ``--as-of YYYY-MM-DD``, else
``LASTMILE_AS_OF``, else today in Asia/Shanghai; the run is tagged ``lastmile/evaluation_date``.
``--as-of FIRST --through LAST`` backfills: one run per day, in order, stopping at the first that
fails (with ``--full-refresh``, only the first run rebuilds from all history).

A run does only what changed since the last published build (``pipelines.changes``): with no
new, changed or vanished landing file and the same evaluation day it says so and exits, without
starting Dagster; otherwise it runs the ingestion assets whose files changed and what is
downstream of them (every dbt model too when the evaluation day moved). ``--full-refresh`` always
runs everything. Dagster and dbt are imported only when a run is made.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from typing import TYPE_CHECKING

from pipelines.changes import RunPlan, plan_run, plan_tags, selected_assets
from pipelines.config import Settings, load_settings
from pipelines.engines import connect
from pipelines.evaluation import days_between, default_evaluation_date, evaluation_tags, parse_day
from pipelines.publish import open_served

if TYPE_CHECKING:
    import dagster as dg

    from pipelines.engines import Connection


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the runs still marked as started whose process is gone (a run killed with SIGKILL
    or a power cut) and free the ``duckdb_build`` pool slots they held, and free the slots still
    held by runs that already ended; otherwise every later run would wait for those slots
    forever. Returns the ids of the runs released."""
    import dagster as dg

    from pipelines.resources import BUILD_DB_POOL

    released = []
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for run in started:
        pids = {
            record.dagster_event.pid
            for record in instance.all_logs(run.run_id)
            if record.dagster_event is not None and record.dagster_event.pid is not None
        }
        if pids and not any(_alive(pid) for pid in pids):
            instance.report_run_failed(run, "the run's process is gone (killed); released")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            released.append(run.run_id)
    # a run that already ended (e.g. its worker was killed and the code server failed it) but
    # still holds a slot of the pool
    storage = instance.event_log_storage
    for slot in storage.get_concurrency_info(BUILD_DB_POOL).claimed_slots:
        run = instance.get_run_by_id(slot.run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(slot.run_id)
            released.append(slot.run_id)
    return released


def without_dbt_tests(job: dg.JobDefinition, selection: list[dg.AssetKey] | None):
    """``job`` (its assets ``selection``, default all) without the Dagster checks of the dbt
    assets, dbt's data tests: dagster-dbt then names the models to build and runs no data test
    (``DBT_INDIRECT_SELECTION=empty``); every other check (GX, freshness) still runs."""
    from pipelines.jobs import DBT_ASSETS_NAME

    graph = job.asset_layer.asset_graph
    dbt_checks = {
        key
        for assets_def in graph.assets_defs
        if assets_def.is_executable and assets_def.node_def.name == DBT_ASSETS_NAME
        for key in assets_def.check_keys
    }
    return job.get_subset(
        asset_selection=set(selection or graph.executable_asset_keys),
        asset_check_selection=graph.asset_check_keys - dbt_checks,
    )


def run_refresh(
    full_refresh: bool = False,
    evaluation_date: date | None = None,
    plan: RunPlan | None = None,
    *,
    dbt_tests: bool = True,
) -> dg.ExecuteInProcessResult:
    """One run evaluating ``evaluation_date`` (default: LASTMILE_AS_OF, else today in
    Asia/Shanghai) of the assets ``plan`` selects (default: every asset); with ``dbt_tests``
    false, without dbt's data tests (:func:`without_dbt_tests`; not offered on the command
    line: the tests use it where a run's data tests are proven elsewhere)."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.jobs import full_rebuild_job, refresh_job

    evaluation_date = evaluation_date or default_evaluation_date()
    definitions = defs()
    job = definitions.resolve_job_def((full_rebuild_job if full_refresh else refresh_job).name)
    selection = selected_assets(definitions.resolve_asset_graph(), plan) if plan else None
    if not dbt_tests:
        job, selection = without_dbt_tests(job, selection), None
    tags = {**(plan_tags(plan) if plan else {}), **evaluation_tags(evaluation_date)}
    with dg.DagsterInstance.get() as instance:
        for run_id in release_dead_runs(instance):
            print(f"released run {run_id}: its process is gone", file=sys.stderr)
        return job.execute_in_process(
            instance=instance, raise_on_error=False, tags=tags, asset_selection=selection
        )


def run_backfill(
    first: date, last: date, full_refresh: bool = False
) -> list[tuple[date, dg.ExecuteInProcessResult]]:
    """One run per day from ``first`` to ``last``, in order, each evaluating its day; stops at
    the first run that fails. With ``full_refresh`` only the first run rebuilds from all history
    (the next ones add their day incrementally). Returns (day, result) of the runs made."""
    results = []
    for number, day in enumerate(days_between(first, last)):
        print(f"evaluation date {day}: running", file=sys.stderr)
        full = full_refresh and number == 0
        plan = plan_run(load_settings(), day, full_refresh=full)
        print(plan.describe(), file=sys.stderr)
        if plan.nothing_new:  # this day is already the one published, from the same files
            continue
        result = run_refresh(full_refresh=full, evaluation_date=day, plan=plan)
        results.append((day, result))
        if not result.success:
            break
    return results


LISTED_LIMIT = 50  # files named per section of the summary


def _listed(title: str, rows: list[tuple]) -> list[str]:
    if not rows:
        return []
    lines = [title]
    lines += [f"  {path}: {code}: {message}" for path, code, message in rows[:LISTED_LIMIT]]
    if len(rows) > LISTED_LIMIT:
        lines.append(f"  … and {len(rows) - LISTED_LIMIT} more (select * from ingest.file_audit)")
    return lines


def landing_problems(conn: Connection) -> list[str]:
    """The files the last runs rejected, skipped or loaded with a warning, from the audit."""
    rejected = conn.execute(
        "select file_path, error_code, error_message from ingest.file_audit "
        "where status = 'rejected' order by file_path"
    ).fetchall()
    skipped = conn.execute(
        "select file_path, error_code, error_message from ingest.file_audit "
        "where status = 'skipped' order by file_path"
    ).fetchall()
    warned = conn.execute(
        "select file_path, 'warning', warnings from ingest.file_audit "
        "where status = 'loaded' and coalesce(warnings, '[]') <> '[]' order by file_path"
    ).fetchall()
    warned = [(path, code, "; ".join(json.loads(text))) for path, code, text in warned]
    return (
        _listed("Rejected files (nothing loaded from them; fix or remove them):", rejected)
        + _listed("Skipped files (not read; the next run looks again):", skipped)
        + _listed("Loaded with a warning:", warned)
    )


def summary(settings: Settings) -> str:
    lines = [f"Landing files:   {settings.landing_dir}"]
    if settings.build_db.exists():
        with connect(settings, read_only=True) as conn:
            rows = conn.execute(
                "select source, count(*), sum(rows_read), sum(rows_loaded), "
                "sum(rows_quarantined), sum(rows_duplicate), "
                "count(*) filter (where status = 'rejected'), "
                "count(*) filter (where status = 'skipped') "
                "from ingest.file_audit group by source order by source"
            ).fetchall()
            lines.append(
                "Ingested (per source: files, rows read = loaded + quarantined + duplicate):"
            )
            for source, files, read, loaded, quarantined, duplicate, rejected, skipped in rows:
                note = f", {rejected} file(s) REJECTED" if rejected else ""
                note += f", {skipped} skipped" if skipped else ""
                lines.append(
                    f"  {source or '(no table)':<14} {files:>4} files {read or 0:>9} = "
                    f"{loaded or 0} + {quarantined or 0} + {duplicate or 0}{note}"
                )
            lines.append("  quarantine:  select * from ingest.quarantine   (in the build file)")
            lines += landing_problems(conn)
    if settings.serve_db.exists():
        with open_served(settings.serve_db) as conn:
            tables = conn.execute(
                "select table_schema || '.' || table_name from information_schema.tables order by 1"
            ).fetchall()
            lines.append(f"Served warehouse: {settings.serve_db}")
            for (name,) in tables:
                count = conn.execute(f"select count(*) from {name}").fetchall()[0][0]
                lines.append(f"  {name:<48} {count:>9} rows")
    return "\n".join(lines)


def step_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """``step: first line of its error`` for every failed step."""
    import dagster as dg

    out = []
    for event in result.all_events:
        if event.event_type != dg.DagsterEventType.STEP_FAILURE:
            continue
        error = getattr(event.event_specific_data, "error", None)
        message = (error.message if error else "").strip().splitlines()
        out.append(f"{event.step_key}: {message[0][:300] if message else 'failed'}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true", help="only print what is built")
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental facts from all history (the weekly full rebuild)",
    )
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="the evaluation day: facts dated after it are ignored (default: LASTMILE_AS_OF, "
        "else today in Asia/Shanghai)",
    )
    parser.add_argument(
        "--through",
        metavar="YYYY-MM-DD",
        help="backfill: one run per day from --as-of to this day, in order",
    )
    args = parser.parse_args(argv)
    try:
        first = parse_day(args.as_of, "--as-of") if args.as_of else None
        last = parse_day(args.through, "--through") if args.through else None
        if last and not first:
            raise ValueError("--through needs --as-of (the first day of the backfill)")
        days = days_between(first, last) if last else None
    except ValueError as error:
        parser.error(str(error))
    settings = load_settings()
    if not args.summary:
        if days:
            runs = run_backfill(days[0], days[-1], full_refresh=args.full_refresh)
        else:
            day = first or default_evaluation_date()
            plan = plan_run(settings, day, full_refresh=args.full_refresh)
            print(plan.describe(), file=sys.stderr)
            if plan.nothing_new:
                print(summary(settings))
                return 0
            runs = [(day, run_refresh(args.full_refresh, day, plan))]
        if not runs:
            print(summary(settings))
            return 0
        day, result = runs[-1]
        if not result.success:
            print(summary(settings))
            print(f"\nThe run as of {day} failed:", file=sys.stderr)
            for line in step_failures(result) or ["? (no failed step recorded)"]:
                print(f"  {line}", file=sys.stderr)
            print("The Dagster UI (make serve) has each step's log.", file=sys.stderr)
            return 1
        print(f"Evaluated as of: {', '.join(str(d) for d, _ in runs)}")
    print(summary(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
