"""dbt on the ci target, as an analyst or CI would run it: models, data tests and unit tests."""

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


def test_dbt_build_on_the_ci_target_runs_models_data_tests_and_unit_tests(pipeline_run, tmp_path):
    # a copy of the pipeline's build file, so this test cannot disturb the session's warehouse
    build_db = tmp_path / "build.duckdb"
    shutil.copy(pipeline_run.settings.build_db, build_db)
    dbt("build", build_db=build_db, target_path=tmp_path / "target")
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))
    statuses = {r["unique_id"]: r["status"] for r in results["results"]}
    assert statuses and set(statuses.values()) <= {"success", "pass"}
    kinds = {uid.split(".")[0] for uid in statuses}
    assert {"model", "test", "unit_test", "seed"} <= kinds
