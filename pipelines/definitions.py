"""The one Dagster ``Definitions`` of Lastmile, assembled when the code location loads."""

from __future__ import annotations

import json
import os

import dagster as dg

from pipelines.checks import build_gx_checks
from pipelines.extract.assets import build_extract_assets
from pipelines.freshness import freshness_job, freshness_schedule, served_freshness_checks
from pipelines.ingest.assets import build_ingest_assets
from pipelines.jobs import full_rebuild_job, refresh_job
from pipelines.outbox.assets import (
    build_outbox_asset,
    outbox_delivery_job,
    outbox_delivery_schedule,
)
from pipelines.publish import build_publish_asset
from pipelines.resources import WAREHOUSE_ENV, Warehouse
from pipelines.schedules import daily_refresh_schedule, weekly_full_rebuild_schedule
from pipelines.sensors import landing_sensor, run_failure_log
from pipelines.transform.dbt import (
    DbtCliResourceWithEnv,
    build_dbt_assets,
    dbt_executable,
    lastmile_dbt_project,
)


def warehouse_resource() -> Warehouse:
    """The ``Warehouse`` with each config field bound to its environment variable (``dg.EnvVar``:
    the Dagster UI names the variable, its value is read when a run starts) when that variable
    is set where the code location loads; a field whose variable is unset keeps its default."""
    return Warehouse(
        **{field: dg.EnvVar(var) for field, var in WAREHOUSE_ENV.items() if var in os.environ}
    )


@dg.definitions
def defs() -> dg.Definitions:
    project = lastmile_dbt_project()
    dbt_assets_def = build_dbt_assets(project)
    manifest = json.loads(project.manifest_path.read_text(encoding="utf-8"))
    return dg.Definitions(
        assets=[
            *build_ingest_assets(),
            *build_extract_assets(),
            dbt_assets_def,
            build_publish_asset(dbt_assets_def, manifest),
            build_outbox_asset(dbt_assets_def),
        ],
        asset_checks=[*build_gx_checks(dbt_assets_def, manifest), *served_freshness_checks],
        jobs=[refresh_job, full_rebuild_job, outbox_delivery_job, freshness_job],
        schedules=[
            daily_refresh_schedule,
            weekly_full_rebuild_schedule,
            outbox_delivery_schedule,
            freshness_schedule,
        ],
        sensors=[landing_sensor, run_failure_log],
        resources={
            "warehouse": warehouse_resource(),
            "dbt": DbtCliResourceWithEnv(
                project_dir=project,
                profiles_dir=str(project.profiles_dir),
                dbt_executable=dbt_executable(),
            ),
        },
        # steps share one DuckDB file that allows a single writer: run them one at a time
        executor=dg.in_process_executor,
    )
