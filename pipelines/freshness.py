"""Freshness: the boards must show yesterday's data by 07:30 Asia/Shanghai, every day."""

from datetime import timedelta

import dagster as dg

SERVED = dg.AssetKey(["serving", "lastmile_duckdb"])

# Fails when, at 07:30 Beijing time, the served warehouse was last published more than 24 hours
# earlier: the morning meetings would look at stale numbers.
served_freshness_checks = dg.build_last_update_freshness_checks(
    assets=[SERVED],
    lower_bound_delta=timedelta(hours=24),
    deadline_cron="30 7 * * *",
    timezone="Asia/Shanghai",
    severity=dg.AssetCheckSeverity.ERROR,
)

freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=served_freshness_checks,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
