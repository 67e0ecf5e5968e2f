"""One Dagster asset per landing-contract table, keyed ``[<source>, <table>]``.

The keys match dbt's ``source('<source>', '<table>')``, so dagster-dbt links the staging models to
these assets with no translator code. A new table in ``contract.yaml`` is a new asset, no code.

A rejected file does not fail its asset: the table's other files load, dbt builds and the marts
publish; the rejection is in ``ingest.file_audit``, in the asset's metadata and log, in the
``python -m pipelines.run`` summary and in an outbox alert (``landing_rejection``). Only a failure
of the warehouse itself fails the asset (and is retried).
"""

import dagster as dg

from pipelines.config import CONTRACT_PATH
from pipelines.ingest.contract import Contract, Table, load_contract
from pipelines.ingest.discovery import scan_landing
from pipelines.ingest.engine import TableResult, ingest_table, record_inventory
from pipelines.resources import BUILD_DB_POOL, Warehouse


def audit_markdown(result: TableResult) -> str:
    """The per-file audit as a Markdown table, for the asset's metadata in the Dagster UI."""
    lines = [
        "| file | status | read | loaded | quarantined | duplicate | note |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for f in result.files:
        note = f.error_message or "; ".join(
            f.warnings
            + (
                [f"unknown headers kept in _extra: {len(f.unknown_columns)}"]
                if f.unknown_columns
                else []
            )
        )
        lines.append(
            f"| {f.path} | {f.status} | {f.rows_read} | {f.rows_loaded} | {f.rows_quarantined} "
            f"| {f.rows_duplicate} | {note.replace('|', '/')} |"
        )
    return "\n".join(lines)


def _table_asset(table: Table, contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=[table.source, table.name],
        group_name=table.schema,  # raw_<source>, the schema it writes
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
            rows = conn.execute(f"select count(*) from {table.qualified_name}").fetchall()[0][0]
        metadata = {
            "files": dg.MetadataValue.md(audit_markdown(result)),
            "rows_loaded": result.total("rows_loaded"),
            "rows_quarantined": result.total("rows_quarantined"),
            "rows_duplicate": result.total("rows_duplicate"),
            "rejected_files": [f.describe_error() for f in result.rejected],
            "dagster/row_count": rows,
        }
        # A bad file stays bad: it is named with its reason, never retried, and the table's
        # other files are loaded.
        for f in result.rejected:
            context.log.warning(f"rejected {f.describe_error()}")
        for f in result.warned:
            context.log.warning(f"{f.path}: {'; '.join(f.warnings)}")
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
        description="What the landing folder holds that is not read: files matching no table "
        "(rejected as unknown_table), symbolic links and paths outside the folder (refused, "
        "outside_landing), junk files and files still being written (skipped).",
        kinds={"duckdb"},
        pool=BUILD_DB_POOL,
    )
    def landing_inventory(
        context: dg.AssetExecutionContext, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        inventory = scan_landing(warehouse.settings().landing_dir, contract.landing)
        with warehouse.connect() as conn:
            listed = record_inventory(conn, contract, inventory)
        for item in listed:
            context.log.warning(f"{item.status} {item.describe_error()}")
        return dg.MaterializeResult(
            metadata={
                "rejected_files": [i.describe_error() for i in listed if i.status == "rejected"],
                "skipped_files": [i.describe_error() for i in listed if i.status == "skipped"],
            }
        )

    return landing_inventory


def build_ingest_assets(contract: Contract | None = None) -> list[dg.AssetsDefinition]:
    contract = contract or load_contract(CONTRACT_PATH)
    return [_table_asset(t, contract) for t in contract.tables] + [_landing_inventory(contract)]
