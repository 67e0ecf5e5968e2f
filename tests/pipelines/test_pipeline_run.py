"""One real run of every asset on a small generated company (see tests/conftest.py)."""

import json

import duckdb

from tests.warehouses import rows_by_key


def test_every_step_and_check_succeeds(pipeline_run):
    result = pipeline_run.result
    assert result.success, "\n".join(result.step_failures)
    assert result.checks, "no asset check ran"
    failed = [f"{c['asset']}:{c['check']}" for c in result.checks if not c["passed"]]
    assert not failed
    # the GX suite on the mart ran as a Dagster asset check
    assert any(c["check"].startswith("gx_") for c in result.checks)


def test_every_landing_file_is_accounted_for(pipeline_run, sample_landing):
    manifest = json.loads((sample_landing / "_manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(pipeline_run.settings.build_db), read_only=True) as conn:
        audit = rows_by_key(
            conn,
            "select file_path, status, rows_read, rows_loaded, rows_quarantined, "
            "rows_duplicate from ingest.file_audit",
        )
    for entry in manifest["files"]:
        status, read, loaded, quarantined, duplicate = audit[entry["path"]]
        assert status == "loaded", entry["path"]
        assert read == loaded + quarantined + duplicate, entry["path"]
        assert read == entry["rows"], entry["path"]


def test_the_served_mart_equals_the_open_opportunities_in_the_raw_data(pipeline_run, served_db):
    with duckdb.connect(str(pipeline_run.settings.build_db), read_only=True) as conn:
        expected = dict(
            conn.execute(
                "select r.region_name, sum(o.amount_cny) "
                "from raw_crm.opportunities o "
                "join raw_crm.customers c using (customer_id) "
                "join raw_crm.regions r on r.region_id = c.region_id "
                "where o.stage not in ('won', 'lost') group by 1"
            ).fetchall()
        )
    with duckdb.connect(str(served_db), read_only=True) as conn:
        served = dict(
            conn.execute(
                "select region_name, sum(pipeline_amount_cny) "
                "from marts.fct_pipeline_by_region_stage group by 1"
            ).fetchall()
        )
    assert expected and served == expected
