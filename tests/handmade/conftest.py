"""The hand-made company, run for real through ``python -m pipelines.run --as-of`` in its own
LASTMILE_HOME and Dagster instance."""

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import REPO_ROOT
from tests.conftest import run
from tests.handmade.company import EVALUATION_DAY, write_company

# LASTMILE_AS_OF of the runs: --as-of must win over it
ANOTHER_DAY = "2026-03-31"


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def served(self) -> Path:
        return self.root / "warehouse" / "lastmile.duckdb"

    @property
    def build(self) -> Path:
        return self.root / "warehouse" / "build.duckdb"

    @property
    def dagster(self) -> Path:
        return self.root / "dagster"

    def env(self) -> dict[str, str]:
        env = dict(os.environ, LASTMILE_HOME=str(self.root), DAGSTER_HOME=str(self.dagster))
        for name in ("LASTMILE_LANDING_DIR", "LASTMILE_BUILD_DB", "LASTMILE_SERVE_DB"):
            env.pop(name, None)
        env["LASTMILE_AS_OF"] = ANOTHER_DAY
        return env

    def run(self, *args: str) -> str:
        return run([sys.executable, "-m", "pipelines.run", *args], env=self.env(), cwd=REPO_ROOT)

    def runs(self) -> list[dg.DagsterRun]:
        """The instance's runs, oldest first."""
        instance = dg.DagsterInstance.from_config(str(self.dagster))
        try:
            return list(reversed(instance.get_runs()))
        finally:
            instance.dispose()


def new_home(root: Path) -> Home:
    home = Home(root)
    write_company(root / "landing")
    home.dagster.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "pipelines" / "dagster.yaml", home.dagster / "dagster.yaml")
    return home


@pytest.fixture(scope="session")
def handmade(tmp_path_factory, dbt_manifest) -> Home:
    """The company evaluated as of EVALUATION_DAY with --as-of (LASTMILE_AS_OF says otherwise)."""
    home = new_home(tmp_path_factory.mktemp("handmade"))
    home.run("--as-of", EVALUATION_DAY.isoformat())
    return home
