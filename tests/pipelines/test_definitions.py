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


def test_the_ui_reads_like_the_layout_every_asset_grouped_and_described(dbt_manifest):
    """dbt assets grouped by layer and domain (``marts_sales``…), the seeds as ``rules``, nothing in
    Dagster's ``default`` group; every asset and every check says in one line what it is."""
    from pipelines.definitions import defs

    graph = defs().resolve_asset_graph()
    manifest = json.loads(dbt_manifest.read_text(encoding="utf-8"))
    groups = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if not node.is_materializable:
            continue
        groups[key] = node.group_name
        assert node.group_name != "default", f"{key.to_user_string()} is in the default group"
        first_line = (node.description or "").strip().splitlines()
        assert first_line and first_line[0].strip(), f"{key.to_user_string()} has no description"
    by_name = {key.path[-1]: group for key, group in groups.items()}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if node["config"].get("materialized") == "ephemeral":  # inlined, not an asset
            continue
        layer = node["fqn"][1:-1]
        want = "rules" if node["resource_type"] == "seed" else "_".join(layer)
        assert by_name[node["name"]] == want, unique_id
    assert {"staging_crm", "intermediate_sales", "marts_customers", "rules"} <= set(groups.values())
    for table in load_contract(CONTRACT_PATH).tables:  # ingestion: the raw schema it writes
        assert groups[dg.AssetKey([table.source, table.name])] == f"raw_{table.source}"
    for check_key in graph.asset_check_keys:
        spec = graph.get_check_spec(check_key)
        assert (spec.description or "").strip(), f"check {check_key.name} has no description"


def test_the_product_does_not_import_the_tooling():
    """Benchmarks and test support live in tooling/ and tests/: the code location needs neither."""
    import re

    from pipelines.config import REPO_ROOT

    imports = re.compile(r"^\s*(?:from|import)\s+(tooling|tests)\b", re.MULTILINE)
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {match.group(0).strip()}"
        for path in sorted((REPO_ROOT / "pipelines").rglob("*.py"))
        for match in imports.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders
    assert not (REPO_ROOT / "pipelines" / "bench").exists()
