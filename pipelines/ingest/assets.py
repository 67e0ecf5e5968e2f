"""One Dagster asset per landing-contract table, keyed ``[<source>, <table>]``.

The keys match dbt's ``source('<source>', '<table>')``, so dagster-dbt links the staging models to
these assets with no translator code. A new table in ``contract.yaml`` is a new asset, no code.
"""

import dagster as dg

from pipelines.config import CONTRACT_PATH
from pipelines.ingest.contract import Contract, Table, load_contract
from pipelines.ingest.engine import (
    TableResult,
    ensure_ingest_schema,
    ingest_table,
    reject_file,
    unmatched_files,
)
from pipelines.resources import BUILD_DB_POOL, Warehouse


def audit_markdown(result: TableResult) -> str:
    """The per-file audit as a Markdown table, for the asset's metadata in the Dagster UI."""
    lines = [
        "| file | status | read | loaded | quarantined | duplicate | note |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for f in result.files:
        note = f.error_message or (
            f"unknown headers kept in _extra: {', '.join(f.unknown_columns)}"
            if f.unknown_columns
            else ""
        )
        lines.append(
            f"| {f.path} | {f.status} | {f.rows_read} | {f.rows_loaded} | {f.rows_quarantined} "
            f"| {f.rows_duplicate} | {note.replace('|', '/')} |"
        )
    return "\n".join(lines)


def _table_asset(table: Table, contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=[table.source, table.name],
        group_name=table.source,
        description=f"{table.description}\n\nLoaded from landing files {', '.join(table.files)}.",
        deps=[dg.AssetKey(list(ref)) for ref in table.referenced_tables()],
        kinds={"polars", "duckdb"},
        pool=BUILD_DB_POOL,
        retry_policy=dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL),
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        landing = warehouse.settings().landing_dir
        with warehouse.connect() as conn:
            result = ingest_table(conn, contract, table, landing)
            rows = conn.execute(f"select count(*) from {table.qualified_name}").fetchone()[0]
        metadata = {
            "files": dg.MetadataValue.md(audit_markdown(result)),
            "rows_loaded": result.total("rows_loaded"),
            "rows_quarantined": result.total("rows_quarantined"),
            "rows_duplicate": result.total("rows_duplicate"),
            "dagster/row_count": rows,
        }
        if result.rejected:
            # The other files of this table are loaded; the rejected ones load nothing. A bad
            # file stays bad: no retry, the message names it and says why.
            raise dg.Failure(
                allow_retries=False,
                description="Rejected file(s): "
                + "; ".join(f.describe_error() for f in result.rejected),
                metadata=metadata,
            )
        context.log.info(
            f"{table.qualified_name}: {len(result.files)} file(s), {metadata['rows_loaded']} rows "
            f"loaded, {metadata['rows_quarantined']} quarantined"
        )
        return dg.MaterializeResult(metadata=metadata)

    return _ingest


def _landing_inventory(contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=["ingest", "landing_inventory"],
        group_name="ingest",
        description="Landing files that match no contract table are rejected as unknown_table.",
        kinds={"duckdb"},
        pool=BUILD_DB_POOL,
    )
    def landing_inventory(warehouse: Warehouse) -> dg.MaterializeResult:
        landing = warehouse.settings().landing_dir
        with warehouse.connect() as conn:
            ensure_ingest_schema(conn)
            rejected = [
                reject_file(
                    conn, None, rel, "", "unknown_table", "matches no landing-contract table"
                )
                for rel in unmatched_files(contract, landing)
            ]
        if rejected:
            raise dg.Failure(
                description="; ".join(r.describe_error() for r in rejected),
                metadata={"rejected_files": [r.path for r in rejected]},
            )
        return dg.MaterializeResult(metadata={"rejected_files": 0})

    return landing_inventory


def build_ingest_assets(contract: Contract | None = None) -> list[dg.AssetsDefinition]:
    contract = contract or load_contract(CONTRACT_PATH)
    return [_table_asset(t, contract) for t in contract.tables] + [_landing_inventory(contract)]
