"""When Lastmile runs without anyone asking: before the morning meeting every day, and a full
rebuild once a week. Each run evaluates its scheduled day (Asia/Shanghai): the run is tagged
``lastmile/evaluation_date`` with it."""

from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.changes import plan_run, plan_tags
from pipelines.config import load_settings
from pipelines.evaluation import evaluation_tags, reporting_time_zone
from pipelines.jobs import full_rebuild_job, on_beijing_time, refresh_job
from pipelines.sensors import selection_of


def tick_day(context: dg.ScheduleEvaluationContext):
    return context.scheduled_execution_time.astimezone(ZoneInfo(reporting_time_zone())).date()


def scheduled_run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The run of a tick: it evaluates the tick's own day in the reporting time zone."""
    return dg.RunRequest(tags=evaluation_tags(tick_day(context)))


def scheduled_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """The everyday tick: only what changed since the last published build (every model when
    the day moved, as it does each morning); nothing when nothing is new for its day."""
    day = tick_day(context)
    plan = plan_run(load_settings(), day)
    if plan.nothing_new:
        return dg.SkipReason(plan.describe())
    return dg.RunRequest(
        tags={**plan_tags(plan), **evaluation_tags(day)},
        asset_selection=selection_of(context, plan),
    )


# 06:00 Beijing time: the boards are fresh before the 07:30 stand-ups and the 08:00 meetings.
@dg.schedule(
    name="daily_refresh_before_morning_meetings",
    job=refresh_job,
    **on_beijing_time("0 6 * * 1-6"),
    description="Refresh Monday to Saturday at 06:00 Asia/Shanghai, before the morning meetings, "
    "as of that day.",
)
def daily_refresh_schedule(context: dg.ScheduleEvaluationContext):
    return scheduled_refresh(context)


# Sunday 06:00: the same freshness on Sunday, and history recomputed once a week so corrections
# older than the incremental window (the dbt var incremental_lookback_days) are folded in.
@dg.schedule(
    name="weekly_full_rebuild",
    job=full_rebuild_job,
    **on_beijing_time("0 6 * * 0"),
    description="Full rebuild from all history every Sunday at 06:00 Asia/Shanghai, "
    "as of that day.",
)
def weekly_full_rebuild_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return scheduled_run(context)
