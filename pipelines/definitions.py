"""The one Dagster ``Definitions`` of Lastmile, assembled when the code location loads."""

from __future__ import annotations

import json

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.checks import build_gx_checks
from pipelines.ingest.assets import build_ingest_assets
from pipelines.publish import build_publish_asset
from pipelines.resources import Warehouse
from pipelines.transform.dbt import build_dbt_assets, dbt_executable, lastmile_dbt_project

# Everything: landing files → raw tables → dbt models and tests → GX checks → served file.
everything_job = dg.define_asset_job(
    name="lastmile_full_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing file, build and test every model, publish the marts.",
)


@dg.definitions
def defs() -> dg.Definitions:
    project = lastmile_dbt_project()
    dbt_assets_def = build_dbt_assets(project)
    manifest = json.loads(project.manifest_path.read_text(encoding="utf-8"))
    return dg.Definitions(
        assets=[
            *build_ingest_assets(),
            dbt_assets_def,
            build_publish_asset(dbt_assets_def, manifest),
        ],
        asset_checks=build_gx_checks(dbt_assets_def, manifest),
        jobs=[everything_job],
        resources={
            "warehouse": Warehouse(),
            "dbt": DbtCliResource(
                project_dir=project,
                profiles_dir=str(project.profiles_dir),
                dbt_executable=dbt_executable(),
            ),
        },
        # steps share one DuckDB file that allows a single writer: run them one at a time
        executor=dg.in_process_executor,
    )
