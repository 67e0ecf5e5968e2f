"""The generated company with every planted defect, file-level ones included, through ingestion."""

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.config import CONTRACT_PATH
from pipelines.ingest.contract import load_contract
from pipelines.ingest.engine import ingest_table, unmatched_files
from tests.conftest import SAMPLE_ARGS, run


@pytest.fixture(scope="module")
def defective_company(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("defective") / "landing"
    run([sys.executable, "-m", "pipelines.sample", *SAMPLE_ARGS, "--defect-rate", "0.02",
         "--file-defects", "--out", str(out)])  # fmt: skip
    return out


@pytest.fixture(scope="module")
def ingested(defective_company, tmp_path_factory):
    contract = load_contract(CONTRACT_PATH)
    db = tmp_path_factory.mktemp("defective_db") / "build.duckdb"
    with duckdb.connect(str(db)) as conn:
        results = [
            ingest_table(conn, contract, t, defective_company) for t in contract.ordered_tables()
        ]
        second = [
            ingest_table(conn, contract, t, defective_company) for t in contract.ordered_tables()
        ]
        snapshot = {
            t.name: conn.execute(f"select count(*) from {t.qualified_name}").fetchone()[0]
            for t in contract.tables
        }
    manifest = json.loads((defective_company / "_manifest.json").read_text(encoding="utf-8"))
    return {"db": db, "results": results, "second": second, "manifest": manifest,
            "counts": snapshot, "contract": contract, "landing": defective_company}  # fmt: skip


def test_every_planted_row_defect_is_quarantined_with_its_reason(ingested):
    with duckdb.connect(str(ingested["db"]), read_only=True) as conn:
        quarantined = {
            (path, row): (column, reason)
            for path, row, column, reason in conn.execute(
                "select file_path, row_number, column_name, reason_code from ingest.quarantine"
            ).fetchall()
        }
    planted = [d for d in ingested["manifest"]["defects"] if d["expect"] == "quarantine"]
    assert planted, "the generator planted no row defect"
    for defect in planted:
        key = (defect["file"], defect["row"])
        assert key in quarantined, f"not quarantined: {defect}"
        column, reason = quarantined[key]
        assert reason == defect["reason_code"], defect
        if defect["column"]:
            assert column == defect["column"], defect


def test_planted_duplicates_are_counted_not_loaded(ingested):
    planted = [d for d in ingested["manifest"]["defects"] if d["expect"] == "duplicate"]
    assert planted
    per_file = {}
    for defect in planted:
        per_file[defect["file"]] = per_file.get(defect["file"], 0) + 1
    counted = {f.path: f.rows_duplicate for r in ingested["results"] for f in r.files}
    for path, expected in per_file.items():
        assert counted[path] >= expected, path


def test_planted_file_defects_reject_the_file_with_its_reason(ingested):
    planted = [d for d in ingested["manifest"]["defects"] if d["expect"] == "file_error"]
    assert planted, "run with --file-defects plants file-level defects"
    rejected = {
        f.path: f.error_code for r in ingested["results"] for f in r.files if f.status == "rejected"
    }
    unknown = set(unmatched_files(ingested["contract"], ingested["landing"]))
    for defect in planted:
        if defect["reason_code"] == "unknown_table":
            assert defect["file"] in unknown
        else:
            assert rejected.get(defect["file"]) == defect["reason_code"], defect


def test_conservation_holds_for_every_file_and_a_second_run_changes_nothing(ingested):
    manifest_rows = {f["path"]: f["rows"] for f in ingested["manifest"]["files"]}
    for result in ingested["results"]:
        for f in result.files:
            if f.status == "rejected":
                continue
            assert f.rows_read == f.rows_loaded + f.rows_quarantined + f.rows_duplicate, f.path
            if f.path in manifest_rows:
                assert f.rows_read == manifest_rows[f.path], f.path
    assert {f.status for r in ingested["second"] for f in r.files} <= {"unchanged", "rejected"}


def test_a_rejected_file_fails_neither_its_asset_nor_the_others(ingested, tmp_path):
    """In Dagster: every table's asset succeeds; a rejected file is named, with its reason, in
    its table's metadata, and the table's other files are loaded."""
    rejected = [f for r in ingested["results"] for f in r.files if f.status == "rejected"]
    if not rejected:
        pytest.fail("the defective company has no rejected file to test with")
    from pipelines.ingest.assets import build_ingest_assets
    from pipelines.resources import Warehouse

    env = {"LASTMILE_LANDING_DIR": str(ingested["landing"]),
           "LASTMILE_BUILD_DB": str(tmp_path / "build.duckdb")}  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assets = build_ingest_assets()
        warehouse = Warehouse.from_environment()
        result = dg.materialize(assets, resources={"warehouse": warehouse}, raise_on_error=False)
    failed = [e.step_key for e in result.all_events
              if e.event_type == dg.DagsterEventType.STEP_FAILURE]  # fmt: skip
    assert result.success and not failed, failed
    named = {}
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            value = materialization.metadata.get("rejected_files")
            named[materialization.asset_key.path[-1]] = value.value if value else []
    assert set(named) >= {t.name for t in ingested["contract"].tables}
    for f in rejected:
        assert any(f.path in text and f.error_code in text for text in named[f.table]), f.path
    with duckdb.connect(env["LASTMILE_BUILD_DB"], read_only=True) as conn:
        loaded = dict(conn.execute(
            "select table_name, sum(rows_loaded) from ingest.file_audit "
            "where status = 'loaded' group by 1").fetchall())  # fmt: skip
    for f in rejected:
        assert loaded.get(f.table, 0) > 0, f"{f.table}: its other files were not loaded"


def test_the_generator_is_deterministic(tmp_path):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run([sys.executable, "-m", "pipelines.sample", *SAMPLE_ARGS, "--out", str(out)],
                       check=True, capture_output=True)  # fmt: skip
        outs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outs[0] == outs[1]
