"""Lastmile's jobs: the everyday refresh and the weekly full rebuild.

Both materialise every asset (landing files → raw tables → dbt models and tests → GX checks →
served file). They differ only in how dbt builds the large incremental facts: the refresh adds
what is new (``dbt build``); the full rebuild recomputes them from all history
(``dbt build --full-refresh``), so late corrections older than the refresh window are folded in.
"""

import dagster as dg

from pipelines.evaluation import DEFAULT_TIME_ZONE

DBT_ASSETS_NAME = "lastmile_dbt"

refresh_job = dg.define_asset_job(
    name="lastmile_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest new landing files, build and test every model (large facts "
    "incrementally), publish the marts.",
)

full_rebuild_job = dg.define_asset_job(
    name="lastmile_full_rebuild",
    selection=dg.AssetSelection.all(),
    config={"ops": {DBT_ASSETS_NAME: {"config": {"full_refresh": True}}}},
    description="Like lastmile_refresh, but the incremental facts are rebuilt from all history.",
)


def on_beijing_time(cron_schedule: str) -> dict:
    """A schedule's timing: ``cron_schedule`` on the sources' wall clock (Asia/Shanghai), running
    from the first deployment (the morning boards must not wait for someone to switch it on)."""
    return {
        "cron_schedule": cron_schedule,
        "execution_timezone": DEFAULT_TIME_ZONE,
        "default_status": dg.DefaultScheduleStatus.RUNNING,
    }
