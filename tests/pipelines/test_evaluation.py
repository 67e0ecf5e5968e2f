"""The evaluation day of a run: where it comes from, and how the run and dbt get it."""

from datetime import UTC, date, datetime

import dagster as dg
import pytest
import yaml

from pipelines.config import DBT_PROJECT_DIR
from pipelines.evaluation import (
    EVALUATION_TAG,
    days_between,
    dbt_vars,
    default_evaluation_date,
    evaluation_date_of_run,
    parse_day,
    reporting_time_zone,
)
from pipelines.run import main
from pipelines.schedules import daily_refresh_schedule, weekly_full_rebuild_schedule
from pipelines.transform.dbt import dbt_build_args, dbt_build_env


def test_the_default_is_today_in_asia_shanghai():
    # 2026-03-31 17:30 UTC is already 2026-04-01 01:30 in Shanghai
    late_utc = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)
    assert default_evaluation_date({}, late_utc) == date(2026, 4, 1)
    assert default_evaluation_date({}, datetime(2026, 3, 31, 15, 59, tzinfo=UTC)) == date(
        2026, 3, 31
    )
    assert default_evaluation_date({"LASTMILE_AS_OF": "2026-01-15"}, late_utc) == date(2026, 1, 15)


def test_the_run_tag_wins_over_the_environment():
    env = {"LASTMILE_AS_OF": "2026-01-15"}
    assert evaluation_date_of_run({EVALUATION_TAG: "2026-02-28"}, env) == date(2026, 2, 28)
    assert evaluation_date_of_run({}, env) == date(2026, 1, 15)


@pytest.mark.parametrize("text", ["2026-02-30", "20260301", "2026/03/01", "tomorrow", "2026-3-1"])
def test_a_malformed_day_is_refused_with_its_name(text):
    with pytest.raises(ValueError, match=f"LASTMILE_AS_OF {text!r} is not a day"):
        parse_day(text, "LASTMILE_AS_OF")


def test_a_backfill_runs_every_day_in_order():
    assert days_between(date(2026, 2, 27), date(2026, 3, 2)) == [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
    ]
    with pytest.raises(ValueError, match="before it starts"):
        days_between(date(2026, 3, 2), date(2026, 3, 1))


def test_the_cli_refuses_a_bad_range_before_running(capsys):
    with pytest.raises(SystemExit):
        main(["--as-of", "2026-03-05", "--through", "2026-03-01"])
    assert "before it starts" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--through", "2026-03-01"])
    assert "--through needs --as-of" in capsys.readouterr().err


def test_dbt_gets_the_day_in_its_environment_not_as_a_var():
    # a var that differs from the saved parse's makes dbt parse the whole project again
    args = dbt_build_args(None)
    assert "--vars" not in args and "--full-refresh" not in args
    assert "--full-refresh" in dbt_build_args("requested")
    assert dbt_build_env(date(2026, 3, 31)) == {"LASTMILE_AS_OF": "2026-03-31"}
    # dbt run by hand still takes the day as a var
    assert yaml.safe_load(dbt_vars(date(2026, 3, 31))) == {"evaluation_date": "2026-03-31"}


@pytest.mark.parametrize("schedule", [daily_refresh_schedule, weekly_full_rebuild_schedule])
def test_a_scheduled_run_evaluates_its_day_in_shanghai(schedule):
    # the tick of 06:00 Shanghai on 2026-04-01 is 22:00 UTC on 2026-03-31
    tick = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=tick) as context:
        [request] = schedule.evaluate_tick(context).run_requests
    assert request.tags[EVALUATION_TAG] == "2026-04-01"


def test_dbt_falls_back_to_the_same_time_zone_as_the_pipeline():
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["reporting_time_zone"] == reporting_time_zone()
