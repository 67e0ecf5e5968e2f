import json

import dagster as dg

from pipelines.config import CONTRACT_PATH
from pipelines.ingest.contract import load_contract


def test_definitions_load_with_one_job_and_every_layer(dbt_manifest):
    from pipelines.definitions import defs
    from pipelines.jobs import refresh_job

    definitions = defs()
    keys = {key for a in definitions.assets for key in a.keys}
    contract = load_contract(CONTRACT_PATH)
    # one ingestion asset per contract table, keyed [source, table]
    for table in contract.tables:
        assert dg.AssetKey([table.source, table.name]) in keys
    assert dg.AssetKey(["serving", "lastmile_duckdb"]) in keys
    assert definitions.resolve_job_def(refresh_job.name)
    assert definitions.resolve_asset_graph().asset_check_keys


def test_every_dbt_source_is_an_ingested_contract_table(dbt_manifest):
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    contract = load_contract(CONTRACT_PATH)
    tables = {(t.source, t.name): t for t in contract.tables}
    from pipelines.extract.assets import build_extract_assets

    # tables derived by pipelines/extract (after ingestion, before dbt) are sources too
    extracted = {tuple(k.path) for a in build_extract_assets() for k in a.keys}
    for source in manifest["sources"].values():
        key = (source["source_name"], source["name"])
        if key[0] == "ingest":  # the ingestion's own audit, written by every ingestion asset
            assert source["schema"] == "ingest" and key[1] in {"file_audit", "quarantine"}
            continue
        if key in extracted:
            assert source["schema"] == f"raw_{key[0]}"
            continue
        assert key in tables, f"dbt source {key} has no landing-contract table"
        assert source["schema"] == tables[key].schema


def test_the_publish_asset_waits_for_every_mart(dbt_manifest):
    from pipelines.definitions import defs
    from pipelines.publish import mart_models

    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    graph = defs().resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["serving", "lastmile_duckdb"])).parent_keys
    assert mart_models(manifest)
    assert {key.path[-1] for key in upstream} == set(mart_models(manifest))
