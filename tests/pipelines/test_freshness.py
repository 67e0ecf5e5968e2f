"""The 07:30 promise: a schedule runs the served warehouse's freshness check, which fails when
nothing was published in the 24 hours before the deadline and passes after a publish."""

import dagster as dg

from pipelines.freshness import SERVED, freshness_job, freshness_schedule, served_freshness_checks


def checks_passed(instance: dg.DagsterInstance) -> list[bool]:
    defs = dg.Definitions(
        assets=[dg.AssetSpec(SERVED)], asset_checks=served_freshness_checks, jobs=[freshness_job]
    )
    result = defs.resolve_job_def(freshness_job.name).execute_in_process(
        instance=instance, raise_on_error=False
    )
    return [evaluation.passed for evaluation in result.get_asset_check_evaluations()]


def test_the_schedule_runs_the_check_after_the_morning_deadline():
    assert freshness_schedule.job_name == freshness_job.name
    assert freshness_schedule.execution_timezone == "Asia/Shanghai"
    assert freshness_schedule.cron_schedule == "31 7 * * *"
    assert freshness_schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_check_fails_without_a_publish_and_passes_after_one():
    with dg.instance_for_test() as instance:
        assert checks_passed(instance) == [False]
        instance.report_runless_asset_event(dg.AssetMaterialization(SERVED))
        assert checks_passed(instance) == [True]
