"""dbt on the ci target, as an analyst or CI would run it from the command line.

The session's pipeline run builds every model and runs every data test (through Dagster's dbt
assets); what it never runs is the dbt unit tests, so this runs them, each one, on DuckDB
(``tests/spark/test_same_marts.py`` runs the engine-specific ones on Spark)."""

import json
import os
import shutil
import sys
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR
from tests.conftest import run


def dbt(*args: str, build_db: Path, target_path: Path) -> str:
    env = dict(os.environ, LASTMILE_BUILD_DB=str(build_db), LASTMILE_DBT_TARGET="ci")
    exe = str(Path(sys.executable).parent / "dbt")
    return run(
        [exe, *args, "--profiles-dir", ".", "--target", "ci", "--target-path", str(target_path)],
        env=env,
        cwd=DBT_PROJECT_DIR,
    )


def dbt_test_statuses(target_path: Path) -> dict[str, str]:
    """unique_id → status of every unit and data test the dbt invocation writing
    ``target_path`` ran (its run hooks and other nodes aside)."""
    results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
    return {
        result["unique_id"]: result["status"]
        for result in results["results"]
        if result["unique_id"].startswith(("unit_test.", "test."))
    }


def test_every_dbt_unit_test_passes_on_the_ci_target(pipeline_run, tmp_path):
    # a copy of the pipeline's build file (a unit test reads its inputs' column types from the
    # built relations), so this test cannot disturb the session's warehouse
    build_db = tmp_path / "build.duckdb"
    shutil.copy(pipeline_run.settings.build_db, build_db)
    dbt("test", "--select", "test_type:unit", build_db=build_db, target_path=tmp_path / "target")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text(encoding="utf-8"))
    # every unit test of the project ran (none was left out or skipped) and passed
    assert len(manifest["unit_tests"]) >= 40
    assert dbt_test_statuses(tmp_path / "target") == dict.fromkeys(manifest["unit_tests"], "pass")
