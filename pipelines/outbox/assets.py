"""The outbox as a Dagster asset, and a job that delivers what is due between refreshes."""

import os
from datetime import datetime

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from pipelines.jobs import on_beijing_time
from pipelines.outbox.delivery import deliver, enqueue, load_config
from pipelines.resources import BUILD_DB_POOL, Warehouse


def build_outbox_asset(dbt_assets_def: dg.AssetsDefinition) -> dg.AssetsDefinition:
    config = load_config()
    models = sorted({model for action in config.actions for model in action.models})
    deps = [get_asset_key_for_model([dbt_assets_def], model) for model in models]

    @dg.asset(
        key=["ops", "outbox"],
        group_name="ops",
        description=(
            "Actions (activation task packs, lead tasks, reverse-validation flags, rejected "
            "landing files, stale sources) written once per action to ops.outbox and delivered "
            "to the WeCom group robot with retries (pipelines/outbox/outbox.yaml)."
        ),
        deps=deps,
        kinds={"duckdb"},
        pool=BUILD_DB_POOL,
    )
    def outbox(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        now = datetime.now()
        url = os.environ.get(config.webhook_url_env)
        with warehouse.connect() as conn:
            new = enqueue(conn, config.actions, now)
            counts = deliver(conn, url, config, now) if url else {}
            states = dict(
                conn.execute("select status, count(*) from ops.outbox group by status").fetchall()
            )
        if not url:
            context.log.warning(f"{config.webhook_url_env} is not set: messages stay pending")
        return dg.MaterializeResult(
            metadata={
                "new_messages": new,
                **{f"sent_{k}": v for k, v in counts.items()},
                **{f"outbox_{k}": v for k, v in states.items()},
            }
        )

    return outbox


outbox_delivery_job = dg.define_asset_job(
    name="outbox_delivery",
    selection=dg.AssetSelection.assets(dg.AssetKey(["ops", "outbox"])),
    description="Deliver the outbox messages that are due (retries between full refreshes).",
)

outbox_delivery_schedule = dg.ScheduleDefinition(
    name="outbox_delivery_every_15_minutes",
    job=outbox_delivery_job,
    **on_beijing_time("*/15 * * * *"),
)
