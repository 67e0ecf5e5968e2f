"""The hand-made company, run for real through ``python -m pipelines.run --as-of`` in its own
LASTMILE_HOME and Dagster instance."""

import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import REPO_ROOT
from tests.conftest import run
from tests.handmade.company import EVALUATION_DAY, write_company
from tooling.bench.pipeline import Home as PipelineHome

# LASTMILE_AS_OF of the runs: --as-of must win over it
ANOTHER_DAY = "2026-03-31"


@dataclass(frozen=True)
class Home(PipelineHome):
    """A hand-made company's home: the bench's layout and clean environment, evaluated as of a day
    ``LASTMILE_AS_OF`` contradicts (``--as-of`` must win); its files, written a moment before
    the run, are read at once (no settle time)."""

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        return {**super().env(base), "LASTMILE_AS_OF": ANOTHER_DAY, "LASTMILE_SETTLE_SECONDS": "0"}

    def run(self, *args: str) -> str:
        return run([sys.executable, "-m", "pipelines.run", *args], env=self.env(), cwd=REPO_ROOT)

    def runs(self) -> list[dg.DagsterRun]:
        """The instance's runs, oldest first."""
        instance = dg.DagsterInstance.from_config(str(self.dagster_home))
        try:
            return list(reversed(instance.get_runs()))
        finally:
            instance.dispose()


def new_home(root: Path) -> Home:
    home = Home(root)
    home.create()
    write_company(home.landing)
    return home


@pytest.fixture(scope="session")
def handmade(tmp_path_factory, dbt_manifest) -> Home:
    """The company evaluated as of EVALUATION_DAY with --as-of (LASTMILE_AS_OF says otherwise)."""
    home = new_home(tmp_path_factory.mktemp("handmade"))
    home.run("--as-of", EVALUATION_DAY.isoformat())
    return home
