"""When Lastmile runs without anyone asking: before the morning meeting every day, and a full
rebuild once a week."""

import dagster as dg

from pipelines.jobs import full_rebuild_job, refresh_job

# 06:00 Beijing time: the boards are fresh before the 07:30 stand-ups and the 08:00 meetings.
daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh_before_morning_meetings",
    job=refresh_job,
    cron_schedule="0 6 * * 1-6",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Refresh Monday to Saturday at 06:00 Asia/Shanghai, before the morning meetings.",
)

# Sunday 06:00: the same freshness on Sunday, and history recomputed once a week so corrections
# older than the incremental window (rule_parameters.incremental_lookback_days) are folded in.
weekly_full_rebuild_schedule = dg.ScheduleDefinition(
    name="weekly_full_rebuild",
    job=full_rebuild_job,
    cron_schedule="0 6 * * 0",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Full rebuild from all history every Sunday at 06:00 Asia/Shanghai.",
)
