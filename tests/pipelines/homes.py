"""A private copy of the session's run, for tests that run the pipeline again."""

import shutil
import subprocess
import sys
from pathlib import Path

from pipelines import instance
from pipelines.changes import published_state_path
from pipelines.config import REPO_ROOT
from tests.conftest import PipelineRun
from tooling.daemon import home_env


def private_home(pipeline_run: PipelineRun, tmp_path: Path) -> dict[str, str]:
    """A copy of the session's landing files and warehouses, and the environment pointing at it."""
    settings = pipeline_run.settings
    shutil.copytree(settings.landing_dir, tmp_path / "landing")
    (tmp_path / "warehouse").mkdir()
    shutil.copy(settings.build_db, tmp_path / "warehouse" / "build.duckdb")
    shutil.copy(settings.serve_db, tmp_path / "warehouse" / "lastmile.duckdb")
    published = published_state_path(settings)  # the last build's baseline (pipelines.changes)
    if published.exists():
        shutil.copy(published, tmp_path / "warehouse" / published.name)
    env = home_env(tmp_path)
    instance.write(Path(env["DAGSTER_HOME"]), env)  # the instance file as `make setup` writes it
    return env


def run_pipeline(env: dict[str, str], timeout: float, *args: str) -> subprocess.CompletedProcess:
    """``python -m pipelines.run`` in the home ``env`` points at, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.run", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
