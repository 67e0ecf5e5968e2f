"""The extraction assets: derived raw tables that dbt reads as sources, after ingestion."""

import dagster as dg

from pipelines.extract.quotes import TABLE, load_patterns, write_wecom_quotes
from pipelines.resources import BUILD_DB_POOL, Warehouse


@dg.asset(
    key=["extract", "wecom_quotes"],
    group_name="extract",
    description=(
        "Amount, product model and delivery period extracted from every WeCom text message "
        f"(pipelines/extract/quote_patterns.yaml) into {TABLE}, one row per message with an "
        "amount or a model, with the extractor version. dbt reads it as source "
        "extract.wecom_quotes."
    ),
    deps=[dg.AssetKey(["wecom", "messages"])],
    kinds={"python", "duckdb"},
    pool=BUILD_DB_POOL,
)
def wecom_quotes(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    patterns = load_patterns()
    with warehouse.connect() as conn:
        rows = write_wecom_quotes(conn, patterns)
        quotes = conn.execute(f"select count(*) from {TABLE} where is_quote").fetchone()[0]
    context.log.info(f"{TABLE}: {rows} messages with an amount or a model, {quotes} quotes")
    return dg.MaterializeResult(
        metadata={
            "extractor_version": patterns.version,
            "dagster/row_count": rows,
            "quote_events": quotes,
        }
    )


def build_extract_assets() -> list[dg.AssetsDefinition]:
    return [wecom_quotes]
