"""The dbt project as Dagster assets (dagster-dbt), built with ``dbt build`` so tests run too."""

import os
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from pipelines.config import DBT_PROJECT_DIR, Settings, load_settings, pii_key
from pipelines.resources import BUILD_DB_POOL
from pipelines.rules import validate_rules


def dbt_env(settings: Settings) -> dict[str, str]:
    """The variables ``profiles.yml`` reads."""
    return {
        "LASTMILE_BUILD_DB": str(settings.build_db),
        "LASTMILE_DBT_TARGET": settings.dbt_target,
        "LASTMILE_PII_KEY": pii_key(settings),
    }


def lastmile_dbt_project(settings: Settings | None = None) -> DbtProject:
    settings = settings or load_settings()
    project = DbtProject(
        project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target=settings.dbt_target
    )
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"{project.manifest_path} is missing: run `make parse` (dbt parse) before loading "
            "the Dagster definitions"
        )
    return project


def dbt_executable() -> str:
    """The dbt of this environment, even when its bin folder is not on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(manifest=project.manifest_path, project=project, pool=BUILD_DB_POOL)
    def lastmile_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        validate_rules()  # a malformed business rule stops here, naming file, row and value
        for name, value in dbt_env(load_settings()).items():
            os.environ[name] = value
        yield from dbt.cli(["build"], context=context).stream()

    return lastmile_dbt
