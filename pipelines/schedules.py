"""When Lastmile runs without anyone asking: before the morning meeting, every day."""

import dagster as dg

from pipelines.jobs import full_refresh_job

# 06:00 Beijing time: the boards are fresh before the 07:30 stand-ups and the 08:00 meetings.
daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh_before_morning_meetings",
    job=full_refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Full refresh every day at 06:00 Asia/Shanghai, before the morning meetings.",
)
