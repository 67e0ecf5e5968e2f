"""Freshness: the boards must show yesterday's data by 07:30 Asia/Shanghai, every day."""

import warnings
from datetime import timedelta

import dagster as dg

from pipelines.evaluation import DEFAULT_TIME_ZONE
from pipelines.jobs import on_beijing_time

SERVED = dg.AssetKey(["serving", "lastmile_duckdb"])

# Fails when, at 07:30 Beijing time, the served warehouse was last published more than 24 hours
# earlier: the morning meetings would look at stale numbers. Dagster 1.12+ marks freshness checks as
# superseded by FreshnessPolicy, which is still a preview (off unless dagster.yaml enables it) and
# only colours the asset's health: a failed check is what raises the run-failure log and the UI's
# red mark, so Lastmile keeps the check and silences that one notice here.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.SupersessionWarning)
    served_freshness_checks = dg.build_last_update_freshness_checks(
        assets=[SERVED],
        lower_bound_delta=timedelta(hours=24),
        deadline_cron="30 7 * * *",
        timezone=DEFAULT_TIME_ZONE,
        severity=dg.AssetCheckSeverity.ERROR,
    )

# Evaluated by a schedule one minute after the deadline (Dagster's freshness-check sensor is
# superseded): a run of the check alone, which reads the instance's last publish, not the warehouse.
freshness_job = dg.define_asset_job(
    "served_freshness",
    selection=dg.AssetSelection.checks(*served_freshness_checks),
    description="Was the served warehouse published within the 24 hours before 07:30 Beijing time?",
)

freshness_schedule = dg.ScheduleDefinition(
    name="served_freshness_0731",
    job=freshness_job,
    **on_beijing_time("31 7 * * *"),
    description="07:31 Asia/Shanghai: were the boards published in the last 24 hours?",
)
