"""Lastmile's jobs."""

import dagster as dg

# Everything: landing files → raw tables → dbt models and tests → GX checks → served file.
full_refresh_job = dg.define_asset_job(
    name="lastmile_full_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing file, build and test every model, publish the marts.",
)
